"""XLSX rosters as county offices keep them: title rows, text IDs, Excel dates, a 合计 row, other sheets,
hidden sheets, merged cells, formulas without saved values, numeric IDs, and workbooks past the limits."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
from shuangyong.roster import workbooks
from shuangyong.roster.run import run_roster
from shuangyong.errors import RosterError
from shuangyong.ids import NUMERIC_ID_REASON
from shuangyong.roster.reading import read_roster

from conftest import make_id

openpyxl = pytest.importorskip("openpyxl")

HEADER = ["身份证号", "姓名", "行政区划代码", "伤残等级", "伤残性质", "评残时间"]
A = make_id("422827", date(1960, 1, 1), 1)
B = make_id("422827", date(1960, 1, 1), 3)
C = make_id("422827", date(1960, 1, 1), 5)


def _book(path: Path, rows: list[list[Any]], *, title: bool = False, extra: dict[str, list[list[Any]]] | None = None,
          hidden_first: bool = False, setup: Any = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    if title:
        ws.append(["XX县2024年重点优抚对象花名册"])
        ws.merge_cells("A1:F1")
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    for name, data in (extra or {}).items():
        other = wb.create_sheet(name)
        for r in data:
            other.append(r)
    if hidden_first:
        ws.sheet_state = "hidden"
    if setup is not None:
        setup(ws)
    wb.save(path)
    return path


def test_a_clerks_workbook_runs_end_to_end(tmp_path: Path) -> None:
    """Title row, text IDs, Excel dates, a 合计 row and a second sheet: the amounts are the hand-computed ones."""
    p = _book(tmp_path / "r.xlsx", [
        # 因战六级 assessed long ago, 2024: 7 × 4,116.67 (49,400 ÷ 12) + 5 × 4,364.00 (52,368 ÷ 12) = 50,636.69
        [A, "测试甲", "422827", "六级", "因战", datetime(2010, 5, 1)],
        # 因战六级 assessed 2024-05-10 (no 批准时间: the assessment date stands in): paid from June,
        # 2 × 4,116.67 + 5 × 4,364.00 = 30,053.34
        [B, "测试乙", "422827", "6", "因战", datetime(2024, 5, 10)],
        ["合计", None, None, None, None, None],
    ], title=True, extra={"说明": [["本表由乡镇填报"]]})
    run = run_roster(sy.Engine(), p, 2024)
    assert (run.rows_in, run.computed, run.rejected) == (2, 2, 0)
    got = {r["row"]: r["disability_pension"] for r in run.results()}
    assert got == {3: Decimal("50636.69"), 4: Decimal("30053.34")}  # sheet row numbers (title row 1, header row 2)
    notes = " ".join(run.summary()["notes"])
    assert "row 2" in notes and "合计" in notes and "'说明'" in notes


def test_excel_date_serials_become_dates(tmp_path: Path) -> None:
    def styles(ws: Any) -> None:
        ws["F2"].number_format = "yyyy\"年\"m\"月\"d\"日\""
        ws["F3"].number_format = "yyyy-mm-dd"

    p = _book(tmp_path / "d.xlsx", [[A, "甲", "422827", "六级", "因战", 40299], [B, "乙", "422827", "六级", "因战", 45422]],
              setup=styles)
    r = read_roster(p)
    assert list(r.data["评残时间"]) == [date(2010, 5, 1), date(2024, 5, 10)]


def test_a_serial_in_a_general_cell_is_a_reject_that_says_why(tmp_path: Path) -> None:
    p = _book(tmp_path / "g.xlsx", [[A, "甲", "422827", "六级", "因战", 40299]])
    run = run_roster(sy.Engine(), p, 2024)
    assert [(r.row, r.field) for r in run.rejects] == [(2, "disability_date")] and "date serial" in run.rejects[0].reason


def test_serial_dates_in_both_date_systems() -> None:
    assert workbooks._serial_date(Decimal(1), False) == date(1900, 1, 1)
    assert workbooks._serial_date(Decimal(59), False) == date(1900, 2, 28)
    assert isinstance(workbooks._serial_date(Decimal(60), False), workbooks._Bad)  # Excel's 1900-02-29
    assert workbooks._serial_date(Decimal(61), False) == date(1900, 3, 1)
    assert workbooks._serial_date(Decimal("45422.75"), False) == date(2024, 5, 10)  # the time of day is dropped
    assert workbooks._serial_date(Decimal(2958465), False) == date(9999, 12, 31)
    assert isinstance(workbooks._serial_date(Decimal(2958466), False), workbooks._Bad)
    assert workbooks._serial_date(Decimal(0), True) == date(1904, 1, 1)


def test_date_formats() -> None:
    for code in ("yyyy-mm-dd", 'yyyy"年"m"月"d"日"', "[$-804]yyyy/m/d", "m/d/yy", "dd-mmm"):
        assert workbooks._is_date_format(code), code
    for code in ("0.00", "#,##0", "General", '0"天"', "@", "[Red]0.00"):
        assert not workbooks._is_date_format(code), code


def test_a_numeric_id_is_rejected_never_rounded_into_another_person(tmp_path: Path) -> None:
    p = _book(tmp_path / "n.xlsx", [[int(A), "甲", "422827", "六级", "因战", "2010-05-01"], [B, "乙", "422827", "六级", "因战", "2010-05-01"]])
    run = run_roster(sy.Engine(), p, 2024)
    assert (run.computed, run.rejected) == (1, 1)
    rej = run.rejects[0]
    assert rej.row == 2 and rej.field == "id_number" and NUMERIC_ID_REASON in rej.reason
    slow = run_roster(sy.Engine(), p, 2024, fast=False)
    assert [(r.row, r.field) for r in slow.rejects] == [(2, "id_number")]


def test_numbers_are_exact_not_floats() -> None:
    assert workbooks._number("98769.96000000001", False, False) == Decimal("98769.96")
    assert workbooks._number("3847.5", False, False) == Decimal("3847.5")
    assert workbooks._number("422827", False, False) == 422827
    assert isinstance(workbooks._number("1" * 80, False, False), workbooks._Bad)
    assert isinstance(workbooks._number("abc", False, False), workbooks._Bad)


def test_hidden_only_data_is_refused_and_other_sheets_are_noted(tmp_path: Path) -> None:
    p = _book(tmp_path / "h.xlsx", [[A, "甲", "422827", "六级", "因战", "2010-05-01"]], hidden_first=True,
              extra={"Sheet2": []})
    with pytest.raises(RosterError, match="hidden"):
        read_roster(p)
    r = read_roster(p, sheet="花名册")  # asked for by name: read, with a note
    assert len(r) == 1 and any("hidden" in n for n in r.notes)
    assert len(read_roster(p, sheet=1)) == 1  # by 1-based index
    with pytest.raises(RosterError, match="no sheet 'x'"):
        read_roster(p, sheet="x")


def test_the_first_visible_sheet_with_data_is_read_and_others_are_named(tmp_path: Path) -> None:
    p = _book(tmp_path / "s.xlsx", [[A, "甲", "422827", "六级", "因战", "2010-05-01"]],
              extra={"二组": [HEADER, [B, "乙", "422827", "六级", "因战", "2010-05-01"]]})
    r = read_roster(p)
    assert len(r) == 1 and "'二组'" in " ".join(r.notes)
    r2 = read_roster(p, sheet="二组")
    assert r2.data["身份证号"] == [B]


def test_header_row_found_below_titles_or_given(tmp_path: Path) -> None:
    p = _book(tmp_path / "t.xlsx", [[A, "甲", "422827", "六级", "因战", "2010-05-01"]], title=True)
    r = read_roster(p)
    assert r.headers == HEADER and list(r.row_numbers) == [3]
    r2 = read_roster(p, header_row=2)
    assert r2.headers == HEADER
    with pytest.raises(RosterError, match="header"):
        read_roster(p, header_row=9)
    with pytest.raises(RosterError):
        read_roster(p, header_row=0)


def test_merged_cells_below_the_header_are_rejects_that_say_so(tmp_path: Path) -> None:
    def merge(ws: Any) -> None:
        ws.merge_cells("C2:C3")  # one 行政区划代码 for two people

    p = _book(tmp_path / "m.xlsx", [[A, "甲", "422827", "六级", "因战", "2010-05-01"], [B, "乙", None, "六级", "因战", "2010-05-01"],
                                    [C, "丙", "422827", "六级", "因战", "2010-05-01"]], setup=merge)
    run = run_roster(sy.Engine(), p, 2024)
    assert (run.computed, run.rejected) == (1, 2)
    assert [r.row for r in run.rejects] == [2, 3]
    assert all("merged cells C2:C3" in r.reason for r in run.rejects)


def test_formula_without_a_saved_value_is_a_reject(tmp_path: Path) -> None:
    # openpyxl saves formulas without a computed value, as a generator script would.
    p = _book(tmp_path / "f.xlsx", [[A, "甲", "=\"4228\"&\"27\"", "六级", "因战", "2010-05-01"],
                                    [B, "乙", "422827", "六级", "因战", "2010-05-01"]])
    run = run_roster(sy.Engine(), p, 2024)
    assert [(r.row, r.field) for r in run.rejects] == [(2, "row")]
    assert "formula without a saved value" in run.rejects[0].reason and "行政区划代码" in run.rejects[0].reason
    assert run.computed == 1


def _patched(path: Path, member: str, old: bytes, new: bytes) -> bytes:
    src = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                assert old in data
                data = data.replace(old, new)
            dst.writestr(info.filename, data)
    return out.getvalue()


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _raw_book(sheet_data: str, *, tail: str = "") -> bytes:
    """A minimal workbook written by hand: one sheet whose ``<sheetData>`` is given (inline strings)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", f'<workbook {_NS} {_RNS}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet {_NS}><sheetData>{sheet_data}</sheetData>{tail}</worksheet>")
    return out.getvalue()


def _is(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_xml() -> str:
    return '<row r="1">' + "".join(_is(f"{chr(65 + j)}1", h) for j, h in enumerate(HEADER[:3])) + "</row>"


def test_formula_with_a_cached_value_and_error_cells(tmp_path: Path) -> None:
    rows = (_header_xml()
            + f'<row r="2">{_is("A2", A)}{_is("B2", "甲")}<c r="C2"><f>422800+27</f><v>422827</v></c></row>'
            + f'<row r="3">{_is("A3", B)}{_is("B3", "乙")}<c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
            + f'<row r="4">{_is("A4", C)}{_is("B4", "丙")}<c r="C4" t="str"><f>"4228"&amp;"27"</f><v>422827</v></c></row>')
    q = tmp_path / "c.xlsx"
    q.write_bytes(_raw_book(rows))
    r = read_roster(q)
    assert r.data["行政区划代码"] == [422827, None, "422827"]
    assert [(i, f) for i, f, _ in r.problems] == [(1, "row")] and "#DIV/0!" in r.problems[0][2]


def test_cells_without_references_and_rich_text(tmp_path: Path) -> None:
    rows = (_header_xml()
            + f'<row><c t="inlineStr"><is><t>{A}</t></is></c><c t="inlineStr"><is><r><t>测</t></r><r><t>试</t></r></is></c>'
            + '<c><v>422827</v></c></row>')
    q = tmp_path / "n.xlsx"
    q.write_bytes(_raw_book(rows))
    r = read_roster(q)
    assert r.data["姓名"] == ["测试"] and r.data["行政区划代码"] == [422827] and list(r.row_numbers) == [2]


def test_a_dtd_is_refused(tmp_path: Path) -> None:
    q = tmp_path / "d.xlsx"
    raw = _raw_book(_header_xml())
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                data = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]>' + data
            z.writestr(info.filename, data)
    q.write_bytes(out.getvalue())
    with pytest.raises(RosterError, match="DTD"):
        read_roster(q)


def test_values_right_of_the_header_make_a_reject(tmp_path: Path) -> None:
    p = _book(tmp_path / "w.xlsx", [[A, "甲", "422827", "六级", "因战", "2010-05-01", None, "备注在外"],
                                    [B, "乙", "422827", "六级", "因战", "2010-05-01"]])
    r = read_roster(p)
    assert [(i, f) for i, f, _ in r.problems] == [(0, "row")] and "column H" in r.problems[0][2]


def test_limits_refuse_before_expanding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A zip bomb's sheet: megabytes of one repeated byte, compressed a thousand times.
    p = _book(tmp_path / "b.xlsx", [[A, "甲", "422827", "六级", "因战", "2010-05-01"]])
    bomb = io.BytesIO()
    src = zipfile.ZipFile(p)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b"<!--" + b" " * (8 << 20) + b"--></worksheet>")
            dst.writestr(info.filename, data)
    q = tmp_path / "bomb.xlsx"
    q.write_bytes(bomb.getvalue())
    with pytest.raises(RosterError, match="zip bomb"):
        read_roster(q)
    monkeypatch.setattr(workbooks, "MAX_CELLS", 5)
    with pytest.raises(RosterError, match="more than 5 cells"):
        read_roster(p)
    monkeypatch.setattr(workbooks, "MAX_WORKBOOK_BYTES", 100)
    with pytest.raises(RosterError, match="bytes, more than"):
        read_roster(p)


def test_a_far_away_cell_costs_nothing(tmp_path: Path) -> None:
    """A cell at XFD1048576 (what made a small workbook take gigabytes) is one value right of the header."""
    def far(ws: Any) -> None:
        ws["XFD1048576"] = "x"

    p = _book(tmp_path / "far.xlsx", [[A, "甲", "422827", "六级", "因战", "2010-05-01"]], setup=far)
    r = read_roster(p)
    assert len(r) == 2 and list(r.row_numbers) == [2, 1048576]
    assert "column XFD" in r.problems[0][2]


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04garbage", b"not a zip at all"])
def test_damaged_workbooks_are_one_line_errors(tmp_path: Path, damage: bytes) -> None:
    p = tmp_path / "x.xlsx"
    p.write_bytes(damage)
    with pytest.raises(RosterError, match="not a readable .xlsx"):
        read_roster(p)


def test_malformed_cells_are_rejects_or_errors_never_tracebacks(tmp_path: Path) -> None:
    p = _book(tmp_path / "ok.xlsx", [[A, "甲", "422827", "六级", "因战", "2010-05-01"]])
    sheet = "xl/worksheets/sheet1.xml"
    data = zipfile.ZipFile(p).read(sheet)
    for old, new in [(b'r="A2"', b'r="A0"'), (b'r="A2"', b'r="??"'), (b't="s"', b't="q"'), (b'<row r="2"', b'<row r="99999999"'),
                     (b"</sheetData>", b"</sheetData"), (b'r="A2" t="s"><v>', b'r="A2" t="s"><v>999999')]:
        if old not in data:
            continue
        q = tmp_path / "bad.xlsx"
        q.write_bytes(_patched(p, sheet, old, new))
        try:
            r = read_roster(q)
        except RosterError as e:
            assert "\n" not in str(e)
        else:
            assert len(r) <= 1


def test_stdin_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = _book(tmp_path / "in.xlsx", [[A, "甲", "422827", "六级", "因战", "2010-05-01"]])

    class _In:
        buffer = io.BytesIO(p.read_bytes())

    monkeypatch.setattr("sys.stdin", _In)
    r = read_roster("-")
    assert r.format == "xlsx" and r.data["身份证号"] == [A] and r.source == "<stdin>"


def test_shared_strings_join_runs_and_drop_phonetic_guides() -> None:
    from xml.etree.ElementTree import XMLParser

    xml = (f'<sst {_NS}><si><t>测试甲</t></si><si><r><t>测</t></r><r><t xml:space="preserve">试 乙</t></r>'
           '<rPh sb="0" eb="1"><t>ce</t></rPh></si><si><t/></si></sst>')
    target = workbooks._StringEvents()
    parser = XMLParser(target=target)
    parser.feed(xml.encode())
    parser.close()
    assert target.strings == ["测试甲", "测试 乙", ""]
