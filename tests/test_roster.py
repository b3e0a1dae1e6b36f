"""Reading rosters: encodings, formats, headers, unknown columns, unreadable files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.ids import check_character
from shuangyong.roster.reading import Roster, detect_encoding, read_roster


def _id(first17: str) -> str:
    return first17 + check_character(first17)


ID1 = _id("42282719600101001")
ID2 = _id("42282719700202002")
CSV_TEXT = f"身份证号,姓名,行政区划代码,伤残等级,伤残性质,备注\n{ID1},测试甲一,422827,六级,因战,老兵\n{ID2},测试乙二,422827,,,\n"


def test_utf8_without_bom_is_read_and_rows_numbered_as_a_spreadsheet(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(CSV_TEXT, encoding="utf-8")
    r = read_roster(p)
    assert (r.encoding, r.format, len(r)) == ("utf-8", "csv", 2)
    assert list(r.row_numbers) == [2, 3]  # the header is row 1
    assert r.data["身份证号"] == [ID1, ID2]
    assert r.keys["伤残等级"] == "disability_grade"


def test_utf8_with_bom_strips_the_bom_from_the_first_header(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_bytes(CSV_TEXT.encode("utf-8-sig"))
    r = read_roster(p)
    assert r.encoding == "utf-8-sig"
    assert r.headers[0] == "身份证号"


@pytest.mark.parametrize("enc", ["gbk", "gb18030"])
def test_gbk_is_detected_and_reads_the_same_as_utf8(tmp_path: Path, enc: str) -> None:
    a, b = tmp_path / "u.csv", tmp_path / "g.csv"
    a.write_text(CSV_TEXT, encoding="utf-8")
    b.write_bytes(CSV_TEXT.encode(enc))
    ru, rg = read_roster(a), read_roster(b)
    assert rg.encoding == "gb18030"
    assert rg.data == ru.data


def test_explicit_encoding_wins_and_a_wrong_one_is_a_roster_error(tmp_path: Path) -> None:
    p = tmp_path / "g.csv"
    p.write_bytes(CSV_TEXT.encode("gbk"))
    assert read_roster(p, encoding="gbk").data["姓名"] == ["测试甲一", "测试乙二"]
    with pytest.raises(sy.RosterError, match="g.csv.*utf-8"):
        read_roster(p, encoding="utf-8")


def test_detect_encoding() -> None:
    assert detect_encoding(b"\xef\xbb\xbfabc") == "utf-8-sig"
    assert detect_encoding("身份证号".encode()) == "utf-8"
    assert detect_encoding("身份证号".encode("gbk")) == "gb18030"
    # A multi-byte character cut at the end of the sample is still UTF-8.
    assert detect_encoding("身份证号".encode()[:-1]) == "utf-8"


def test_unknown_columns_are_reported_once_and_kept(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(CSV_TEXT, encoding="utf-8")
    r = read_roster(p)
    assert r.unknown_columns == ["备注"]
    assert r.record(0)["备注"] == "老兵"


def test_chinese_and_english_headers_map_to_the_same_keys(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text(f"id_number,name,region,disability_grade\n{ID1},测试甲一,422827,6\n", encoding="utf-8")
    r = read_roster(p)
    assert r.unknown_columns == []
    assert set(r.keys.values()) == {"id_number", "name", "region", "disability_grade"}


def test_a_row_with_more_fields_than_the_header_is_a_row_problem_not_an_error(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(f"身份证号,行政区划代码\n{ID1},422827,extra\n{ID2},422827\n\n", encoding="utf-8")
    r = read_roster(p)
    assert len(r) == 2  # the blank line is not a person
    assert [(i, f, r_[:30]) for i, f, r_ in r.problems] == [(0, "row", "has 3 fields, the header has 2")]


def test_short_rows_read_missing_fields_as_empty(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(f"身份证号,行政区划代码,户籍\n{ID1}\n", encoding="utf-8")
    r = read_roster(p)
    assert r.record(0) == {"身份证号": ID1}


def test_json_lines(tmp_path: Path) -> None:
    p = tmp_path / "r.jsonl"
    lines = [json.dumps({"身份证号": ID1, "行政区划代码": "422827", "伤残等级": 6}, ensure_ascii=False), "",
             "not json", json.dumps({"id_number": ID2, "region": "422827"})]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = read_roster(p)
    assert len(r) == 3
    assert list(r.row_numbers) == [1, 3, 4]  # line numbers; the blank line is skipped
    assert r.record(0)["伤残等级"] == 6
    assert r.problems[0][0] == 1 and r.problems[0][1] == "row" and "JSON" in r.problems[0][2]
    assert r.record(2) == {"id_number": ID2, "region": "422827"}


def test_xlsx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["身份证号", "行政区划代码", "伤残等级", "评残时间"])
    ws.append([ID1, 422827, 6.0, date(2010, 5, 1)])
    ws.append([None, None, None, None])
    ws.append([ID2, "422827", None, None])
    p = tmp_path / "r.xlsx"
    wb.save(p)
    r = read_roster(p)
    assert len(r) == 2 and list(r.row_numbers) == [2, 4]
    assert r.record(0) == {"身份证号": ID1, "行政区划代码": 422827, "伤残等级": 6, "评残时间": date(2010, 5, 1)}


def test_records_in_memory() -> None:
    r = read_roster([{"身份证号": ID1, "行政区划代码": "422827"}, {"身份证号": ID2, "户籍": "农村"}])
    assert r.headers == ["身份证号", "行政区划代码", "户籍"]
    assert r.record(1) == {"身份证号": ID2, "户籍": "农村"}
    assert read_roster(r) is r


@pytest.mark.parametrize("source,match", [("missing.csv", "no such file"), ("r.docx", "unknown roster format")])
def test_unreadable_sources_are_roster_errors_naming_the_file(tmp_path: Path, source: str, match: str) -> None:
    (tmp_path / "r.docx").write_text("x")
    with pytest.raises(sy.RosterError, match=match) as e:
        read_roster(tmp_path / source)
    assert source in str(e.value)


def test_a_single_mapping_is_refused() -> None:
    with pytest.raises(sy.RosterError, match="list of mappings"):
        read_roster({"身份证号": ID1})


def test_a_repeated_header_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text("身份证号,身份证号\n1,2\n", encoding="utf-8")
    with pytest.raises(sy.RosterError, match="appears twice"):
        read_roster(p)


def test_roster_is_columnar() -> None:
    r = Roster(headers=["a"], data={"a": ["1", ""]}, row_numbers=__import__("array").array("l", [2, 3]))
    assert r.record(1) == {} and r.unknown_columns == ["a"]


# -- the array reader reads exactly what the csv module reads --------------------------------------------

_CELLS = st.sampled_from(["", " ", "422827", "农村", "城镇", "1", "六级", "2024-08-01", "2024年8月1日", "因战", "参战退役人员、残疾军人",
                          "测试甲", "x", "  padded ", "带病回乡退伍军人、参战退役人员、农村籍退役士兵、在乡老复员军人", "１２３", "a;b"])


@settings(max_examples=150, deadline=None)
@given(header=st.lists(st.sampled_from(["身份证号", "姓名", "户籍", "类别", "备注", "伤残等级", "x", "y"]), min_size=2, max_size=5, unique=True),
       rows=st.lists(st.lists(_CELLS, min_size=0, max_size=7), max_size=25),
       crlf=st.booleans(), bom=st.booleans(), enc=st.sampled_from(["utf-8", "gbk"]), trailing=st.booleans())
def test_array_reader_equals_csv_module(tmp_path_factory: pytest.TempPathFactory, header: list[str], rows: list[list[str]],
                                        crlf: bool, bom: bool, enc: str, trailing: bool) -> None:
    from shuangyong.roster.reading import _read_csv

    nl = "\r\n" if crlf else "\n"
    text = nl.join([",".join(header)] + [",".join(r) for r in rows]) + (nl if trailing else "")
    data = text.encode(enc)
    if bom and enc == "utf-8":
        data = b"\xef\xbb\xbf" + data
    p = tmp_path_factory.mktemp("csv") / "r.csv"
    p.write_bytes(data)
    fast, slow = _read_csv(p, None, arrays=True), _read_csv(p, None, arrays=False)
    assert fast.headers == slow.headers
    assert {h: list(c) for h, c in fast.data.items()} == {h: list(c) for h, c in slow.data.items()}
    assert list(fast.row_numbers) == list(slow.row_numbers)
    assert fast.problems == slow.problems
    assert fast.encoding == slow.encoding
