"""Rosters as they arrive from townships: every defect class of issue 11's input side.

Each test states the input a county office (or an attacker) gives and checks that no line is lost,
no one is paid twice or under another ID, and bad input gives a clear reject or a one-line error.
"""

from __future__ import annotations

from array import array
import io
import json
import math
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.roster.run import run_roster
from shuangyong.errors import RosterError
from shuangyong.ids import NUMERIC_ID_REASON, fold_digits, normalize_id_number
from shuangyong.roster.reading import MAX_JSON_DEPTH, _read_csv, read_roster

from conftest import make_id

HEAD = "身份证号,姓名,行政区划代码,伤残等级,伤残性质,评残时间,死亡时间"
A = make_id("422827", date(1960, 1, 1), 1)
B = make_id("422827", date(1960, 1, 1), 3)
C = make_id("422827", date(1960, 1, 1), 5)
# 因战六级 assessed 2010, for 2024 (national-standards §1): Jan–Jul 49,400 ÷ 12 = 4,116.67 × 7 = 28,816.69,
# Aug–Dec 52,368 ÷ 12 = 4,364.00 × 5 = 21,820.00 → 50,636.69.
ROW_A = f"{A},测试甲,422827,六级,因战,2010-05-01,"
ROW_B = f"{B},测试乙,422827,六级,因战,2010-05-01,"
ROW_C = f"{C},测试丙,422827,六级,因战,2010-05-01,"


def _csv(tmp_path: Path, lines: list[str] | bytes, name: str = "r.csv", enc: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode(enc))
    return p


def _both(p: Path) -> tuple[Any, Any]:
    """The array reader and the exact reader: they must agree on every file."""
    fast, slow = _read_csv(p, None, arrays=True), _read_csv(p, None, arrays=False)
    assert fast.headers == slow.headers
    assert {h: list(c) for h, c in fast.data.items()} == {h: list(c) for h, c in slow.data.items()}
    assert list(fast.row_numbers) == list(slow.row_numbers) and fast.problems == slow.problems
    return fast, slow


def _runs(p: Any, **kw: Any) -> list[Any]:
    """The columnar and the reference road: same rows computed, same rejects."""
    a = run_roster(sy.Engine(), p, 2024, **kw)
    b = run_roster(sy.Engine(), p, 2024, fast=False, **kw)
    assert [(r.row, r.field) for r in a.rejects] == [(r.row, r.field) for r in b.rejects]
    assert a.total == b.total and a.computed == b.computed
    assert a.rows_in == a.computed + a.rejected
    return [a, b]


# -- 1. every line accounted for ----------------------------------------------------------------


def test_a_stray_quote_rejects_its_line_and_swallows_nothing(tmp_path: Path) -> None:
    p = _csv(tmp_path, [HEAD, ROW_A, f'{B},"测试乙,422827,六级,因战,2010-05-01,', ROW_C])
    for run in _runs(p):
        assert (run.rows_in, run.computed, run.rejected) == (3, 2, 1)
        assert run.rejects[0].row == 3 and "引号未闭合" in run.rejects[0].reason
        assert run.total == Decimal("101273.38")  # 2 × 50,636.69: rows 2 and 4, nothing merged


def test_quoted_wps_export_with_one_unclosed_quote(tmp_path: Path) -> None:
    def q(row: str) -> str:
        return ",".join(f'"{c}"' for c in row.split(","))

    p = _csv(tmp_path, [q(HEAD), q(ROW_A), q(ROW_B).replace('"测试乙"', '"测试乙'), q(ROW_C)])
    run = run_roster(sy.Engine(), p, 2024)
    assert (run.computed, run.rejected) == (2, 1) and run.rejects[0].row == 3
    assert run.summary()["reconciled"] is True


def test_a_doubled_quote_and_a_quote_inside_a_cell_are_text(tmp_path: Path) -> None:
    p = _csv(tmp_path, [HEAD, f'{A},"测""甲",422827,六级,因战,2010-05-01,', f'{B},测"乙,422827,六级,因战,2010-05-01,'])
    r = read_roster(p)
    assert r.data["姓名"] == ['测"甲', '测"乙'] and not r.problems


def test_a_quoted_cell_followed_by_text_is_a_reject(tmp_path: Path) -> None:
    p = _csv(tmp_path, [HEAD, f'{A},"测"甲,422827,六级,因战,2010-05-01,', ROW_B])
    r = read_roster(p)
    assert [(i, f) for i, f, _ in r.problems] == [(0, "row")] and "引号" in r.problems[0][2]


def test_a_short_row_is_a_reject_naming_the_counts_never_padded(tmp_path: Path) -> None:
    """The issue's case: a cut-off 死亡时间 must not be read as 'alive' (73,875 → 59,100)."""
    p = _csv(tmp_path, [HEAD, ROW_A, f"{B},测试乙,422827,六级,因战", ROW_C])
    _both(p)
    for run in _runs(p):
        assert [(r.row, r.field) for r in run.rejects] == [(3, "row")]
        assert "has 5 fields, the header has 7" in run.rejects[0].reason


def test_a_long_row_with_values_is_a_reject_blank_extras_are_not(tmp_path: Path) -> None:
    p = _csv(tmp_path, [HEAD, ROW_A + ",,", ROW_B + ",x", ROW_C])
    _both(p)
    r = read_roster(p)
    assert [(i, f) for i, f, _ in r.problems] == [(1, "row")] and "has 8 fields" in r.problems[0][2]


@pytest.mark.parametrize("bad, word", [(b"\x00", "NUL"), (b"\xef\xbb\xbf", "BOM"), (b"\xff\xfe", "decode")])
def test_nul_bom_and_undecodable_bytes_reject_their_line(tmp_path: Path, bad: bytes, word: str) -> None:
    lines = [HEAD.encode(), ROW_A.encode(), ROW_B.encode().replace("测试乙".encode(), "测试乙".encode() + bad), ROW_C.encode()]
    p = _csv(tmp_path, b"\n".join(lines) + b"\n")
    _both(p)
    for run in _runs(p):
        assert [(r.row, r.field) for r in run.rejects] == [(3, "row")], word
        assert run.computed == 2


def test_cells_differing_by_trailing_nuls_do_not_collapse(tmp_path: Path) -> None:
    p = _csv(tmp_path, b"\n".join([HEAD.encode(), ROW_A.encode(), ROW_A.encode().replace(b"422827,", b"422827\x00,", 1)]) + b"\n")
    fast, slow = _both(p)
    assert [i for i, _, _ in fast.problems] == [1]
    assert fast.data["行政区划代码"][0] == "422827"


def test_an_18_byte_placeholder_does_not_shift_later_ids(tmp_path: Path) -> None:
    placeholder = "证件号码缺失"  # 6 characters, 18 bytes in UTF-8
    assert len(placeholder.encode()) == 18
    p = _csv(tmp_path, [HEAD, ROW_A, f"{placeholder},测试乙,422827,六级,因战,2010-05-01,", ROW_C])
    fast, _ = _both(p)
    assert list(fast.data["身份证号"]) == [A, placeholder, C]
    for run in _runs(p):
        assert run.computed == 2 and [r.row for r in run.rejects] == [3]


def test_a_lone_carriage_return_ends_a_line_in_both_readers(tmp_path: Path) -> None:
    p = _csv(tmp_path, (HEAD + "\n" + ROW_A + "\r" + ROW_B + "\n").encode())
    fast, _ = _both(p)
    assert list(fast.row_numbers) == [2, 3]


def test_gbk_text_far_down_an_ascii_file_is_detected(tmp_path: Path) -> None:
    ascii_rows = [f"{A},x,422827,六级,因战,2010-05-01,".replace("六级", "6").replace("因战", "1")] * 0
    lines = ["id_number,name,region"] + [f"{make_id('422827', date(1960, 1, 1), 2 * k + 1)},x,422827" for k in range(3000)]
    lines.append(f"{make_id('422827', date(1961, 1, 1), 1)},测试,422827")
    p = _csv(tmp_path, lines, enc="gbk")
    assert len(p.read_bytes()) > 50_000 and not ascii_rows
    r = read_roster(p)
    assert r.encoding == "gb18030" and r.data["name"][-1] == "测试" and not r.problems


def test_a_header_with_an_unclosed_quote_is_a_one_line_error(tmp_path: Path) -> None:
    p = _csv(tmp_path, ['"身份证号,姓名', ROW_A])
    with pytest.raises(RosterError, match="line 1"):
        read_roster(p)


# -- 2. one person, one ID --------------------------------------------------------------------


def test_unicode_digits_fold_to_ascii() -> None:
    arabic = A.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    devanagari = A.translate(str.maketrans("0123456789", "०१२३४५६७८९"))
    assert fold_digits(arabic) == A == normalize_id_number(arabic) == normalize_id_number(devanagari)
    assert normalize_id_number(A[:10] + "٥" + A[11:]) == A[:10] + "5" + A[11:] or normalize_id_number(A[:10] + "٥" + A[11:]) is None
    assert fold_digits("²³") == "²³"  # superscripts are not decimal digits: left alone (and refused as an ID)
    assert normalize_id_number("¹" + A[1:]) is None


def test_the_same_id_in_other_digits_is_a_repeat_on_both_roads() -> None:
    arabic = A.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    mixed = A[:6] + A[6:].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    rows = [{"身份证号": A, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01"},
            {"身份证号": arabic, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01"},
            {"身份证号": mixed, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01"},
            {"身份证号": "４" + A[1:], "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01"}]
    for run in _runs(rows):
        assert (run.computed, run.rejected) == (1, 3) and run.total == Decimal("50636.69")
        assert all(r.field == "id_number" and "row 1" in r.reason for r in run.rejects)


def test_a_person_keeps_the_canonical_id() -> None:
    arabic = A.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert sy.Person.from_record({"身份证号": arabic, "行政区划代码": "422827"}).id_number == A


@pytest.mark.parametrize("number", [int(A[:17] + "0") if A[17] == "X" else int(A), float(int(A[:17] + "0")), Decimal(A[:17] + "0")])
def test_a_numeric_id_is_refused_with_the_excel_reason(number: Any) -> None:
    rows = [{"身份证号": number, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01"},
            {"身份证号": str(number) if isinstance(number, int) else B, "行政区划代码": "422827"}]
    for run in _runs(rows):
        assert run.rejects[0].row == 1 and run.rejects[0].field == "id_number"
        assert NUMERIC_ID_REASON in run.rejects[0].reason


def test_an_id_exported_from_a_number_cell_to_csv(tmp_path: Path) -> None:
    p = _csv(tmp_path, [HEAD, ROW_A, f"4.22827E+17,测试乙,422827,六级,因战,2010-05-01,"])
    for run in _runs(p):
        assert [(r.row, r.field) for r in run.rejects] == [(3, "id_number")] and NUMERIC_ID_REASON in run.rejects[0].reason


def test_a_numeric_id_in_json_lines(tmp_path: Path) -> None:
    p = tmp_path / "r.jsonl"
    rec = {"身份证号": "?", "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01"}
    lines = [json.dumps(dict(rec, 身份证号=A), ensure_ascii=False)]
    num = A if A[-1] != "X" else B
    lines.append(json.dumps(dict(rec, 身份证号=num), ensure_ascii=False).replace(f'"{num}"', num))
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for run in _runs(p):
        assert [(r.row, r.field) for r in run.rejects] == [(2, "id_number")] and "15" in run.rejects[0].reason


# -- 4. no tracebacks on input ---------------------------------------------------------------


def test_deep_json_and_huge_numbers_are_rejects(tmp_path: Path) -> None:
    p = tmp_path / "r.jsonl"
    good = json.dumps({"身份证号": A, "行政区划代码": "422827"}, ensure_ascii=False)
    deep = '{"身份证号": ' + "[" * 100_000 + "]" * 100_000 + "}"
    huge = '{"身份证号": "' + B + '", "行政区划代码": ' + "9" * 5000 + "}"
    shallow = '{"身份证号": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
    p.write_text("\n".join([good, deep, huge, shallow, "[1]", "{bad"]) + "\n", encoding="utf-8")
    r = read_roster(p)
    reasons = {i: why for i, _, why in r.problems}
    assert set(reasons) == {1, 2, 4, 5}
    assert "nested" in reasons[1] and "5000 characters" in reasons[2]
    for run in _runs(p):
        assert run.rows_in == 6 and run.computed == 1


def test_far_dates_and_odd_values_give_rejects_not_tracebacks() -> None:
    rows = [{"身份证号": A, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01", "死亡时间": "9999-12-31"},
            {"身份证号": B, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "0001-01-01"},
            {"身份证号": C, "行政区划代码": "422827", "死亡时间": "99999-01-01"}]
    for run in _runs(rows):
        assert run.rows_in == 3 == run.rejected
        assert [(r.row, r.field) for r in run.rejects] == [(1, "death_date"), (2, "disability_date"), (3, "death_date")]
        assert "1850–2199" in run.rejects[0].reason


# -- 5. records from df.to_dict("records") --------------------------------------------------------


class _NaT:
    """What pandas' NaT looks like from outside: unequal to itself, named NaTType."""

    def __ne__(self, other: object) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


_NaT.__name__ = "NaTType"


def test_nan_nat_none_mean_empty() -> None:
    nat = _NaT()
    rows = [{"身份证号": A, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01",
             "死亡时间": nat, "户籍": math.nan, "入伍时间": None, "备注": Decimal("NaN")},
            {"身份证号": B, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01",
             "死亡时间": float("nan"), "户籍": None, "入伍时间": nat, "备注": "x"}]
    for run in _runs(rows):
        assert (run.computed, run.rejected) == (2, 0) and run.total == Decimal("101273.38")


def test_a_numpy_number_as_id_is_refused_with_the_excel_reason() -> None:
    np = pytest.importorskip("numpy")
    num = A if A[-1] != "X" else B
    rows = [{"身份证号": np.int64(int(num)), "行政区划代码": "422827"}, {"身份证号": np.float64(int(num)), "行政区划代码": "422827"}]
    for run in _runs(rows):
        assert [r.field for r in run.rejects] == ["id_number", "id_number"]
        assert all(NUMERIC_ID_REASON in r.reason for r in run.rejects)


def test_numpy_nan_and_nat_mean_empty() -> None:
    np = pytest.importorskip("numpy")
    rows = [{"身份证号": A, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01",
             "死亡时间": np.datetime64("NaT"), "户籍": np.float64("nan")}]
    for run in _runs(rows):
        assert run.computed == 1 and run.total == Decimal("50636.69")


# -- 6. standard input ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_roster_from_stdin(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    if fmt == "csv":
        data = ("\n".join([HEAD, ROW_A, ROW_B]) + "\n").encode("gbk")
    else:
        data = "\n".join(json.dumps(dict(zip(HEAD.split(","), r.split(","))), ensure_ascii=False) for r in (ROW_A, ROW_B)).encode()

    class _In:
        buffer = io.BytesIO(data)

    monkeypatch.setattr("sys.stdin", _In)
    run = run_roster(sy.Engine(), "-", 2024)
    assert run.roster.format == fmt and run.roster.source == "<stdin>"
    assert run.computed == 2 and run.total == Decimal("101273.38")


def test_repr_of_a_roster_shows_counts_not_data(tmp_path: Path) -> None:
    r = read_roster(_csv(tmp_path, [HEAD, ROW_A]))
    assert A not in repr(r) and "测试甲" not in repr(r) and "rows=1" in repr(r)


# -- rank: the same officer in other digits, and bad inputs -------------------------------------------


def _scheme() -> Any:
    try:
        return sy.Engine.from_plugins().placement_scheme("jiangxi_partial")
    except Exception:  # the pack is not installed here
        pytest.skip("jiangxi pack not installed")


def test_rank_refuses_one_officer_written_in_two_kinds_of_digits() -> None:
    from shuangyong.errors import InvalidRecordError
    from shuangyong.placement.points import Officer, rank

    arabic = A.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    officers = [Officer.from_record({"id_number": A, "enlisted": "1990-01-01"}),
                Officer.from_record({"id_number": arabic, "enlisted": "1991-01-01"})]
    assert officers[1].id_number == A
    with pytest.raises(InvalidRecordError, match="twice"):
        rank(officers, _scheme(), as_of=date(2024, 1, 1))
    assert Officer(id_number=arabic, enlisted=date(1990, 1, 1)).id_number == A


@pytest.mark.parametrize("name, content", [
    ("deep.json", "[" * 100_000 + "]" * 100_000),
    ("big.json", '[{"id_number": ' + "9" * 5000 + "}]"),
    ("ints.json", "[1, 2]"),
    ("quote.csv", f'id_number,enlisted\n"{A},1990-01-01\n{B},1990-01-01\n'),
    ("short.csv", f"id_number,enlisted,name\n{A},1990-01-01\n"),
    ("bytes.csv", "\udcff"),
    ("dir.csv", None),
])
def test_rank_bad_inputs_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str | None) -> None:
    from shuangyong.cli.main import main

    _scheme()
    p = tmp_path / name
    if content is None:
        p.mkdir()
    else:
        p.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert main(["rank", str(p), "--scheme", "jiangxi_partial"]) == 1
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err and A not in err


# -- --set values that are not the parameter's kind --------------------------------------------------


@pytest.mark.parametrize("value, word", [("NaN", "finite"), ("Infinity", "finite"), ("sNaN", "finite"), ("true", "number"),
                                         ("abc", "number"), ("1e999999", "large")])
def test_what_if_values_of_the_wrong_kind_are_refused(value: str, word: str) -> None:
    from shuangyong.errors import InvalidRecordError

    rows = [{"身份证号": A, "行政区划代码": "422827", "伤残等级": "六级", "伤残性质": "因战", "评残时间": "2010-05-01"}]
    with pytest.raises(InvalidRecordError, match=word):
        run_roster(sy.Engine(), rows, 2024, overrides=[f"disability_pension.annual_standard.6.因战={value}"])
    # The right kind is taken: 120,000 a year for 因战六级 instead of 50,636.69 → 69,363.31 more.
    run = run_roster(sy.Engine(), rows, 2024, overrides=["disability_pension.annual_standard.6.因战=120000"])
    assert run.what_if is not None and run.what_if.difference == Decimal("69363.31")


# -- the command line: stdin, --sheet, --header-row, in a real process ---------------------------------


def _cli(args: list[str], stdin: bytes = b"") -> Any:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "shuangyong", *args], input=stdin, capture_output=True, timeout=120)


def test_cli_reads_a_roster_from_stdin(tmp_path: Path) -> None:
    data = ("\n".join([HEAD, ROW_A, ROW_B]) + "\n").encode("gbk")
    out = tmp_path / "s.json"
    p = _cli(["entitle", "-", "--period", "2024", "--summary", str(out)], data)
    assert p.returncode == 0, p.stderr.decode()
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert summary["source"] == "<stdin>" and summary["computed"] == 2 and summary["total"] == "101273.38"


def test_cli_sheet_and_header_row(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["填表说明"])
    ws2 = wb.create_sheet("花名册")
    ws2.append(["某县花名册"])
    ws2.append(HEAD.split(","))
    ws2.append(ROW_A.split(",")[:6])
    p = tmp_path / "r.xlsx"
    wb.save(p)
    out = tmp_path / "s.json"
    r = _cli(["entitle", str(p), "--period", "2024", "--sheet", "花名册", "--header-row", "2", "--summary", str(out)])
    assert r.returncode == 0, r.stderr.decode()
    assert json.loads(out.read_text(encoding="utf-8"))["total"] == "50636.69"
    bad = _cli(["entitle", str(p), "--period", "2024", "--sheet", "9"])
    assert bad.returncode == 1 and b"no sheet '9'" in bad.stderr and b"Traceback" not in bad.stderr
    assert _cli(["entitle", str(p), "--period", "2024", "--header-row", "0"]).returncode == 2


def test_title_lines_above_a_csv_header_are_skipped_on_both_readers(tmp_path: Path) -> None:
    p = _csv(tmp_path, ["某县2024年重点优抚对象花名册,,,,,,", "填报单位：民政局,,,,,,", HEAD, ROW_A, ROW_B], enc="gbk")
    fast, slow = _both(p)
    assert fast.headers == HEAD.split(",") and list(fast.row_numbers) == [4, 5]
    assert any("line 3" in n for n in fast.notes) and fast.notes == slow.notes
    for run in _runs(p):
        assert run.computed == 2 and [r["row"] for r in run.results()] == [4, 5]
    # A header on line 1 is read as before, even with lines like titles below it.
    q = _csv(tmp_path, [HEAD, ROW_A], name="plain.csv")
    assert read_roster(q).notes == [] and list(read_roster(q).row_numbers) == [2]


# -- repeated IDs: the array road and the one-by-one comparison --------------------------------------------------------

def _id_pool() -> list[object]:
    from shuangyong.testing import synthetic_id

    valid = [synthetic_id("422827", "1950-03-04", s) for s in range(1, 40)]
    with_x = [v for v in valid if v.endswith("X")]
    return [*valid[:6], *(v.lower() for v in with_x[:2]), *with_x[:2],
            valid[1][:6] + " " + valid[1][6:],  # a space inside: valid[1] to the one-by-one check, not judged by arrays
            "422827500304011",             # an old 15-digit number: not valid
            "４２２８２７" + valid[0][6:],  # full-width digits (NFKC makes them the same person as valid[0])
            valid[0][:17] + "0" if not valid[0].endswith("0") else valid[0][:17] + "1",  # wrong check character
            "not an id", "", None]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(range(17)), min_size=0, max_size=40), st.sets(st.integers(0, 39), max_size=5),
       st.booleans())
def test_repeats_arrays_match_one_by_one(picks: list[int], problem_rows: set[int], plain_only: bool) -> None:
    """``Parsed.repeats`` (an exact integer key of each valid ID, sorted) answers "no repeats" only where ``_repeats`` over the
    canonical strings finds none, and does answer it for a roster of plain valid IDs without repeats."""
    import numpy as np

    from shuangyong.roster.columns import Parsed
    from shuangyong.roster.reading import Roster
    from shuangyong.roster.run import _repeats

    pool = _id_pool()
    ids = [pool[p % (6 if plain_only else len(pool))] for p in picks]
    roster = Roster(headers=["身份证号", "类别"], data={"身份证号": ids, "类别": ["烈士遗属"] * len(ids)},
                    row_numbers=array("l", range(2, len(ids) + 2)))
    parsed = Parsed(roster, None, np)
    canon = parsed.canonical_ids()
    problem = {i: ("x", "y") for i in problem_rows if i < len(ids)}
    fast = parsed.repeats(canon, problem)
    want = _repeats(canon, problem)
    if plain_only and not want and not any(i.endswith("x") for i in ids if isinstance(i, str)):
        assert fast == {}  # the usual roster is answered by the arrays
    if fast is not None:
        assert fast == want


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60).map(lambda b: b.replace(b"\x00", b"\r")), st.sampled_from([b"\n\n", b"\n\r\n", b"\xef\xbb\xbf", b"\r\n"]),
       st.integers(0, 70), st.booleans(), st.sampled_from([1, 2, 3, 7, 1 << 20]))
def test_byte_scans_match_the_plain_definitions(raw: bytes, pattern: bytes, start: int, view: bool, step: int) -> None:
    from shuangyong.roster.reading import contains_bytes, lone_carriage_return

    raw = raw + pattern if start % 3 == 0 else raw  # the pattern at the very end, too
    start = min(start, len(raw))
    data = memoryview(raw) if view else raw
    # Small steps put the chunk boundaries everywhere: a pattern or a CRLF across two chunks is still seen.
    assert contains_bytes(data, pattern, start, step=step) == (raw.find(pattern, start) >= 0)
    assert lone_carriage_return(data, step=step) == (raw.count(b"\r") != raw.count(b"\r\n"))


@st.composite
def _id_like(draw: Any) -> str:
    """18 characters of digits and x/X: valid IDs, and ones with one character, the date or the check changed."""
    from shuangyong.ids import PROVINCES
    from shuangyong.testing import synthetic_id

    region = draw(st.sampled_from(sorted(PROVINCES))) + draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
    text = synthetic_id(region, born, draw(st.integers(0, 999)))
    how = draw(st.sampled_from(["valid", "valid", "char", "lower", "date"]))
    if how == "char":
        k = draw(st.integers(0, 17))
        text = text[:k] + draw(st.sampled_from("0123456789Xx")) + text[k + 1:]
    elif how == "lower":
        text = text.lower()
    elif how == "date":  # any eight digits as the date (2023-02-30, month 13 ...), with a check character that fits
        from shuangyong.ids import check_character

        first17 = text[:6] + draw(st.from_regex(r"[0-9]{4}(0[0-9]|1[0-3])[0-3][0-9]", fullmatch=True)) + text[14:17]
        text = first17 + check_character(first17)
    return text


@settings(max_examples=60, deadline=None)
@given(st.lists(_id_like(), min_size=1, max_size=30))
def test_array_id_check_matches_the_validator(ids: list[str]) -> None:
    """Validity, birth date and sex read from the ID with arrays agree with ``normalize_id_number`` one by one."""
    import numpy as np

    from shuangyong.roster.columns import Parsed
    from shuangyong.roster.reading import Roster

    roster = Roster(headers=["身份证号"], data={"身份证号": ids}, row_numbers=array("l", range(2, len(ids) + 2)))
    parsed = Parsed(roster, None, np)
    for i, v in enumerate(ids):
        canon = normalize_id_number(v)
        assert bool(parsed.id_ok[i]) == (canon is not None), v
        if canon is not None:
            born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
            assert int(parsed.birth[i]) == (born - date(1970, 1, 1)).days
            assert bool(parsed.male[i]) == (int(v[16]) % 2 == 1)
            assert parsed.canonical_ids()[i] == canon


def test_an_encoding_is_checked_in_pieces_as_the_whole_file_would_be() -> None:
    # _csv_encoding reads the whole file in pieces: a character cut by a piece's end still reads, a bad byte
    # anywhere does not, exactly as decoding the file at once says.
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from shuangyong.roster.reading import _decodes

    @settings(max_examples=200, deadline=None)
    @given(text=st.text(alphabet="ab,\n身份证号张三李四𠀋", max_size=40), cut=st.integers(1, 7), junk=st.sampled_from([b"", b"\xff", b"\x80", b"\xe4\xb8"]),
           where=st.integers(0, 40), enc=st.sampled_from(["utf-8", "gb18030"]))
    def check(text: str, cut: int, junk: bytes, where: int, enc: str) -> None:
        raw = text.encode(enc)
        raw = raw[:where] + junk + raw[where:]
        try:
            raw.decode(enc)
            whole = True
        except UnicodeDecodeError:
            whole = False
        assert _decodes(raw, enc, step=cut) == whole

    check()


def test_forgetting_a_parse_drops_it_and_a_next_run_parses_again(tmp_path: Path) -> None:
    import shuangyong as sy
    from shuangyong.roster.reading import give_back_memory, read_roster
    from shuangyong.roster.run import run_roster

    give_back_memory()  # callable anywhere (a no-op where the C library has no malloc_trim)
    path = tmp_path / "r.csv"
    path.write_text("身份证号,行政区划代码,类别,伤残等级,伤残性质\n11010519491231002X,110105,残疾军人,5,因公\n", encoding="utf-8")
    engine = sy.Engine.from_plugins()
    roster = read_roster(path)
    first = run_roster(engine, roster, sy.Period.year(2024)).total
    roster.forget_parse()
    assert not roster.cache
    assert run_roster(engine, roster, sy.Period.year(2024)).total == first


def test_a_large_utf8_file_is_checked_alike_by_arrow_and_in_pieces() -> None:
    pytest.importorskip("pyarrow")
    from shuangyong.roster.reading import _decodes

    good = ("身份证号,姓名\n" + "11010519491231002X,张三\n" * 60_000).encode("utf-8")
    assert len(good) >= 1 << 20
    for raw in (good, good[:-3] + b"\xe4\xb8", good[:700_000] + b"\xed\xa0\x80" + good[700_000:]):
        try:
            raw.decode("utf-8")
            whole = True
        except UnicodeDecodeError:
            whole = False
        assert _decodes(raw, "utf-8") == whole  # Arrow's validator (the file is large)
