"""Reading an XLSX roster as offices keep it, with bounded memory.

The workbook is read straight from its zip members with a streaming XML parser (no openpyxl needed
to read): nothing is expanded before its size is checked against the limits below, and only the
cells under the header's columns are kept.

What a county workbook holds, and what the reader does with it:

- **Several sheets.**  ``sheet`` (a name, or a 1-based index) chooses one.  Without it the first
  *visible* sheet with data is read and a note names every other sheet that holds data.  A workbook
  whose only data is on a hidden sheet is refused (pass ``sheet=`` to read it anyway).
- **Title rows above the header** (``XX县2024年优抚对象花名册``).  The header is the first row, among
  the first :data:`HEADER_SEARCH_ROWS`, with at least two known record headers (身份证号, 姓名 …);
  ``header_row`` (1-based) says where it is instead.
- **A trailing 合计/总计 row** is left out, with a note.
- **Merged cells** below the header, **formulas without a saved value**, **Excel error values**
  (``#REF!``) and values right of the header's last column make their rows rejects that say so.
- **Dates** stored as serial numbers in a date-formatted cell become dates (1900 and 1904 systems).
- **Numbers** are kept exactly: a whole number as ``int``, any other as ``Decimal`` (never a float);
  an ID stored as a number is then refused by the ID check ("Excel keeps 15 digits").

Row numbers are the sheet's own (what the clerk sees at the left of the sheet).

A long module on purpose: it is a self-contained streaming XLSX reader (zip limits before anything expands, shared strings, date styles, sheet choice, header search, 合计 rows); nothing else reads XLSX.
"""

from __future__ import annotations

import io
import re
import zipfile
from array import array
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree.ElementTree import ParseError, XMLParser, iterparse

from attrs import frozen

from ..errors import RosterError
from ..record import canonical_key

__all__ = [
    "read_workbook",
    "MAX_WORKBOOK_BYTES",
    "MAX_MEMBER_BYTES",
    "MAX_SHARED_STRINGS_BYTES",
    "MAX_RATIO",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_ROW",
    "MAX_CELL_CHARS",
    "HEADER_SEARCH_ROWS",
    "TOTAL_LABELS",
]

#: Largest .xlsx file read (compressed bytes).
MAX_WORKBOOK_BYTES = 256 << 20
#: Largest uncompressed zip member (a sheet's XML), checked on the zip directory before it is opened.
MAX_MEMBER_BYTES = 2 << 30
#: Largest uncompressed shared-string table (it is the one part held in memory whole).
MAX_SHARED_STRINGS_BYTES = 256 << 20
#: Largest expansion ratio of a member of more than 1 MiB: real sheets compress 5–30 times; a
#: zip bomb thousands of times.
MAX_RATIO = 250
#: Most cells with a value read from the chosen sheet.
MAX_CELLS = 50_000_000
#: Most columns a header may have (a roster has tens).
MAX_COLUMNS = 1024
#: Excel's last row: a cell below it is not from Excel.
MAX_ROW = 1_048_576
#: Excel's longest cell text.
MAX_CELL_CHARS = 32_767
#: How many rows from the top are searched for the header row.
HEADER_SEARCH_ROWS = 20
#: First-cell texts (spaces removed) of a trailing totals row.
TOTAL_LABELS = ("合计", "总计", "共计", "总合计")

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_BUILTIN_DATES = frozenset({14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58})
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_RANGE_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7}):\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


@frozen
class _Sheet:
    name: str
    state: str  # visible, hidden, veryHidden
    member: str


@frozen
class _Bad:
    """A cell that cannot be taken as a value; its row becomes a reject with ``reason``."""

    reason: str


def read_workbook(source: str | Path | bytes, *, name: str | None = None, sheet: str | int | None = None,
                  header_row: int | None = None) -> Any:
    """Read one sheet of an .xlsx roster as a :class:`~shuangyong.roster.reading.Roster` (see the module docstring).

    ``source`` is a path or the file's bytes; ``name`` is what messages call it.  Notes (other sheets
    with data, a 合计 row left out, where the header was found) are in ``Roster.notes``.
    """
    label = name or str(source if not isinstance(source, bytes) else "<workbook>")
    try:
        size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
    except OSError as e:
        raise RosterError(f"{label}: cannot read: {e.strerror or e}") from e
    if size > MAX_WORKBOOK_BYTES:
        raise RosterError(f"{label}: {size:,} bytes, more than the {MAX_WORKBOOK_BYTES:,} an .xlsx roster may have (split it)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise RosterError(f"{label}: not a readable .xlsx workbook (not a zip archive: {e})") from None
    with zf:
        try:
            return _Reader(zf, label).read(sheet, header_row)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ParseError, KeyError, OSError, RuntimeError,
                NotImplementedError) as e:
            raise RosterError(f"{label}: not a readable .xlsx workbook ({type(e).__name__}: {e})") from None


class _Reader:
    def __init__(self, zf: zipfile.ZipFile, label: str) -> None:
        self.zf = zf
        self.label = label
        self.members = {i.filename: i for i in zf.infolist()}
        for info in zf.infolist():
            if info.file_size > MAX_MEMBER_BYTES:
                raise RosterError(f"{label}: part {info.filename} expands to {info.file_size:,} bytes "
                                  f"(more than {MAX_MEMBER_BYTES:,}); not read")
            if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise RosterError(f"{label}: part {info.filename} expands {info.file_size // max(info.compress_size, 1):,} times "
                                  f"(more than {MAX_RATIO}); refused as a possible zip bomb")
        self.notes: list[str] = []

    # -- parts -------------------------------------------------------------------------------

    def _open(self, member: str) -> IO[bytes]:
        if member not in self.members:
            raise RosterError(f"{self.label}: not a readable .xlsx workbook (part {member} is missing)")
        fh = self.zf.open(member)
        head = fh.peek(2048)[:2048] if hasattr(fh, "peek") else b""
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            fh.close()
            raise RosterError(f"{self.label}: part {member} declares a DTD or entities; an .xlsx never does, refused")
        return fh

    def _events(self, member: str, events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, Any]]:
        with self._open(member) as fh:
            yield from iterparse(fh, events=events)  # type: ignore[arg-type]

    def _rels(self, member: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target member) of ``member``'s relationships part."""
        p = PurePosixPath(member)
        rels = str(p.parent / "_rels" / (p.name + ".rels"))
        out: dict[str, tuple[str, str]] = {}
        if rels not in self.members:
            return out
        for _, el in self._events(rels):
            if _local(el.tag) == "Relationship":
                target = el.get("Target", "")
                if target.startswith("/"):
                    resolved = target.lstrip("/")
                else:
                    parts: list[str] = []
                    for seg in (str(p.parent) + "/" + target).split("/"):
                        if seg == "..":
                            if parts:
                                parts.pop()
                        elif seg not in ("", "."):
                            parts.append(seg)
                    resolved = "/".join(parts)
                out[el.get("Id", "")] = (el.get("Type", ""), resolved)
        return out

    def _workbook(self) -> tuple[list[_Sheet], bool, str | None, str | None]:
        book = "xl/workbook.xml"
        if book not in self.members:
            for info in self.members:  # the package's own pointer to the workbook part
                if info.endswith("workbook.xml"):
                    book = info
                    break
        rels = self._rels(book)
        sheets: list[_Sheet] = []
        date1904 = False
        for _, el in self._events(book):
            tag = _local(el.tag)
            if tag == "sheet":
                rid = el.get(f"{{{_REL_NS}}}id") or next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
                target = rels.get(rid, ("", ""))[1]
                sheets.append(_Sheet(el.get("name", ""), el.get("state", "visible"), target))
            elif tag == "workbookPr":
                date1904 = el.get("date1904", "0").lower() in ("1", "true")
        strings = styles = None
        for typ, target in rels.values():
            if typ.endswith("/sharedStrings"):
                strings = target
            elif typ.endswith("/styles"):
                styles = target
        return sheets, date1904, strings, styles

    def _shared_strings(self, member: str | None) -> list[str]:
        if member is None or member not in self.members:
            return []
        if self.members[member].file_size > MAX_SHARED_STRINGS_BYTES:
            raise RosterError(f"{self.label}: its shared-string table expands to {self.members[member].file_size:,} bytes "
                              f"(more than {MAX_SHARED_STRINGS_BYTES:,}); not read")
        target = _StringEvents()
        parser = XMLParser(target=target)
        with self._open(member) as fh:
            while chunk := fh.read(1 << 20):
                parser.feed(chunk)
        parser.close()
        return target.strings

    def _date_styles(self, member: str | None) -> set[int]:
        """Indices of the cell formats (``s=`` of a cell) that show a date."""
        if member is None or member not in self.members:
            return set()
        custom: dict[int, str] = {}
        xfs: list[int] = []
        in_xfs = False
        for ev, el in self._events(member, ("start", "end")):
            tag = _local(el.tag)
            if tag == "cellXfs":
                in_xfs = ev == "start"
            elif ev == "end" and tag == "numFmt":
                custom[_int(el.get("numFmtId"), -1)] = el.get("formatCode", "")
            elif ev == "end" and tag == "xf" and in_xfs:
                xfs.append(_int(el.get("numFmtId"), 0))
        return {i for i, f in enumerate(xfs) if f in _BUILTIN_DATES or (f in custom and _is_date_format(custom[f]))}

    def _has_data(self, member: str) -> bool:
        if member not in self.members:
            return False
        for _, el in self._events(member):
            tag = _local(el.tag)
            if tag in ("v", "t") and (el.text or "").strip():
                return True
            if tag == "row":
                el.clear()
        return False

    # -- the sheet ---------------------------------------------------------------------------

    def read(self, sheet: str | int | None, header_row: int | None) -> Any:
        sheets, date1904, strings_part, styles_part = self._workbook()
        if not sheets:
            raise RosterError(f"{self.label}: the workbook has no worksheets")
        chosen = self._choose(sheets, sheet)
        strings = self._shared_strings(strings_part)
        dates = self._date_styles(styles_part)
        return self._read_sheet(chosen, strings, dates, date1904, header_row)

    def _choose(self, sheets: list[_Sheet], sheet: str | int | None) -> _Sheet:
        names = ", ".join(repr(s.name) for s in sheets)
        if sheet is not None:
            wanted = str(sheet).strip()
            found = next((s for s in sheets if s.name == wanted or s.name.strip() == wanted), None)
            if found is None and wanted.isdigit() and not isinstance(sheet, bool):
                k = int(wanted)
                if 1 <= k <= len(sheets):
                    found = sheets[k - 1]
            if found is None:
                raise RosterError(f"{self.label}: no sheet {wanted!r} (sheets: {names}; an index counts from 1)")
            if found.state != "visible":
                self.notes.append(f"sheet {found.name!r} is hidden in the workbook; read because it was asked for（读取了隐藏工作表）")
            return found
        with_data = [s for s in sheets if self._has_data(s.member)]
        visible = [s for s in with_data if s.state == "visible"]
        if not visible:
            if with_data:
                hidden = ", ".join(repr(s.name) for s in with_data)
                raise RosterError(f"{self.label}: the only data is on hidden sheet(s) {hidden}; unhide the sheet or "
                                  f"choose it with --sheet（数据只在隐藏工作表中）")
            raise RosterError(f"{self.label}: no sheet holds any data (sheets: {names})")
        chosen = visible[0]
        others = [s for s in with_data if s is not chosen]
        if others:
            listed = ", ".join(repr(s.name) + ("" if s.state == "visible" else " (hidden)") for s in others)
            self.notes.append(f"read sheet {chosen.name!r}; sheet(s) {listed} also hold data and were not read — "
                              f"choose one with --sheet（其他工作表也有数据，未读取）")
        return chosen

    def _read_sheet(self, sh: _Sheet, strings: list[str], dates: set[int], date1904: bool, header_row: int | None) -> Any:
        from .reading import Roster, _check_headers

        label = f"{self.label} [sheet {sh.name!r}]"
        pending: list[tuple[int, dict[int, Any]]] = []  # rows before the header is known
        headers: list[str] | None = None
        width = 0
        cols: list[list[Any]] = []
        rows = array("l")
        problems: list[tuple[int, str, str]] = []
        merges: list[tuple[int, int, int, int]] = []
        cells = 0
        header_at = 0

        def take(no: int, row: dict[int, Any]) -> None:
            values: list[Any] = [None] * width
            reasons: list[str] = []
            for j, v in row.items():
                if j >= width:
                    if not (v is None or (isinstance(v, str) and not v.strip())):
                        reasons.append(f"column {_letters(j)} right of the header holds a value（表头右侧列有数据）")
                    continue
                if isinstance(v, _Bad):
                    reasons.append(f"{headers[j] or _letters(j)}: {v.reason}")  # type: ignore[index]
                else:
                    values[j] = v
            if not reasons and all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                return  # a blank row is not a person
            if reasons:
                problems.append((len(rows), "row", "; ".join(reasons)))
            for j in range(width):
                cols[j].append(values[j])
            rows.append(no)

        def set_header(no: int, row: dict[int, Any]) -> None:
            nonlocal headers, width, cols, header_at
            last = max((j for j, v in row.items() if _text(v)), default=-1)
            if last >= MAX_COLUMNS:
                raise RosterError(f"{label}: the header (row {no}) reaches column {_letters(last)}; at most {MAX_COLUMNS} columns")
            headers = [_text(row.get(j)) for j in range(last + 1)]
            if not headers:
                raise RosterError(f"{label}: empty worksheet, no header row")
            _check_headers(label, headers)
            width = len(headers)
            cols = [[] for _ in headers]
            header_at = no

        def row_done(no: int, row: dict[int, Any]) -> None:
            if headers is not None:
                take(no, row)
                return
            if header_row is not None:
                if no == header_row:
                    set_header(no, row)
                elif no > header_row:
                    raise RosterError(f"{label}: row {header_row} (the header row asked for) is empty")
                return
            if not any(_text(v) for v in row.values()):
                return
            pending.append((no, row))
            if _looks_like_header(row) or len(pending) >= HEADER_SEARCH_ROWS:
                found = next((k for k, (_, r) in enumerate(pending) if _looks_like_header(r)), 0)
                set_header(*pending[found])
                for n2, r2 in pending[found + 1:]:
                    take(n2, r2)
                pending.clear()

        row: dict[int, Any] = {}
        at = [0, -1]  # the row number and the column of the last cell

        def row_start(r: str | None) -> None:
            nonlocal row
            no = _int(r, at[0] + 1) if r is not None else at[0] + 1
            if not 1 <= no <= MAX_ROW:
                raise RosterError(f"{label}: row number {(r or '')[:12]} is outside a worksheet (1..{MAX_ROW:,})")
            at[0], at[1] = no, -1
            row = {}

        def cell(ref: str | None, t: str, style: str | None, v: str | None, formula: bool, inline: list[str] | None) -> None:
            nonlocal cells
            if ref is not None:
                m = _CELL_REF.match(ref)
                if m is None:
                    raise RosterError(f"{label}: row {at[0]}: cell reference {ref[:20]!r} is not a cell（单元格引用无效）")
                at[1] = _column(m[1])
            else:
                at[1] += 1
            value = _value(t, style, v, formula, inline, strings, dates, date1904)
            if value is not None:
                cells += 1
                if cells > MAX_CELLS:
                    raise RosterError(f"{label}: more than {MAX_CELLS:,} cells with values; split the roster")
                if headers is None or at[1] < width or not isinstance(value, _Bad):
                    row[at[1]] = value

        def row_end() -> None:
            nonlocal row
            row_done(at[0], row)
            row = {}

        def merge(ref: str) -> None:
            m = _RANGE_REF.match(ref)
            if m is not None:
                merges.append((int(m[2]), int(m[4]), _column(m[1]), _column(m[3])))

        parser = XMLParser(target=_SheetEvents(cell, row_start, row_end, merge))
        with self._open(sh.member) as fh:
            while chunk := fh.read(1 << 20):
                parser.feed(chunk)
        parser.close()
        if headers is None and pending:
            found = next((k for k, (_, r) in enumerate(pending) if _looks_like_header(r)), 0)
            set_header(*pending[found])
            for n2, r2 in pending[found + 1:]:
                take(n2, r2)
        if headers is None:
            if header_row is not None:
                raise RosterError(f"{label}: row {header_row} (the header row asked for) is empty or beyond the data")
            raise RosterError(f"{label}: empty worksheet, no header row")
        if header_at > 1:
            self.notes.append(f"header read from row {header_at} of sheet {sh.name!r}; rows above it are titles（表头在第 {header_at} 行）")
        self._merged_rejects(merges, header_at, width, rows, problems)
        self._drop_total(cols, rows, problems)
        roster = Roster(headers=headers, data=dict(zip(headers, cols)), row_numbers=rows, source=self.label,
                        format="xlsx", problems=problems)
        roster.notes.extend(self.notes)
        return roster

    def _merged_rejects(self, merges: list[tuple[int, int, int, int]], header_at: int, width: int, rows: array,
                        problems: list[tuple[int, str, str]]) -> None:
        if not merges or not len(rows):
            return
        index = {no: i for i, no in enumerate(rows)}
        flagged = {i for i, _, _ in problems}
        for r1, r2, c1, c2 in merges:
            if r2 <= header_at or c1 >= width or (r1 == r2 and c1 == c2):
                continue
            ref = f"{_letters(c1)}{r1}:{_letters(c2)}{r2}"
            for no in range(max(r1, header_at + 1), min(r2, MAX_ROW) + 1):
                i = index.get(no)
                if i is None:
                    continue
                reason = f"merged cells {ref}: unmerge them and fill every row（合并单元格，请取消合并并逐行填写）"
                if i in flagged:
                    problems[:] = [(k, f, (r + "; " + reason) if k == i else r) for k, f, r in problems]
                else:
                    problems.append((i, "row", reason))
                    flagged.add(i)
        problems.sort(key=lambda p: p[0])

    def _drop_total(self, cols: list[list[Any]], rows: array, problems: list[tuple[int, str, str]]) -> None:
        if not len(rows):
            return
        last = len(rows) - 1
        texts = [_text(c[last]).replace(" ", "").replace("\u3000", "") for c in cols]
        label = next((t for t in texts if t), "")
        if not any(label.startswith(x) for x in TOTAL_LABELS):
            return
        if any(i == last for i, _, _ in problems):
            problems[:] = [p for p in problems if p[0] != last]
        self.notes.append(f"row {rows[last]} ({label[:8]}) is a totals row and was left out（合计行未计入）")
        for c in cols:
            c.pop()
        rows.pop()


# -- cells -------------------------------------------------------------------------------


class _StringEvents:
    """The parser's callbacks for the shared-string table: each ``<si>``'s ``<t>`` runs joined, phonetic guides left out."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.text: list[str] | None = None
        self.phonetic = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name == "t" and not self.phonetic:
            self.text = []
        elif name == "rPh":
            self.phonetic += 1

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "t" and self.text is not None:
            self.parts.append("".join(self.text))
            self.text = None
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si":
            self.strings.append("".join(self.parts))
            self.parts = []

    def close(self) -> None:
        return None


class _SheetEvents:
    """The parser's callbacks for a worksheet: each cell handed on whole, no element tree ever built.

    A cell is ``<c r= t= s=>`` with a saved value ``<v>``, a formula ``<f>`` and, for inline text,
    ``<is>`` holding ``<t>`` runs (phonetic guides ``<rPh>`` left out).
    """

    def __init__(self, cell: Any, row_start: Any, row_end: Any, merge: Any) -> None:
        self.cell, self.row_start, self.row_end, self.merge = cell, row_start, row_end, merge
        self.text: list[str] | None = None
        self.ref: str | None = None
        self.type = "n"
        self.style: str | None = None
        self.v: str | None = None
        self.formula = False
        self.inline: list[str] | None = None
        self.phonetic = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name == "c":
            self.ref, self.type, self.style = attrib.get("r"), attrib.get("t", "n"), attrib.get("s")
            self.v, self.formula, self.inline = None, False, None
        elif name == "v":
            self.text = []
        elif name == "t":
            if self.inline is not None and not self.phonetic:
                self.text = []
        elif name == "is":
            self.inline = []
        elif name == "rPh":
            self.phonetic += 1
        elif name == "f":
            self.formula = True
        elif name == "row":
            self.row_start(attrib.get("r"))
        elif name == "mergeCell":
            self.merge(attrib.get("ref", ""))

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "v" and self.text is not None:
            self.v = "".join(self.text) or None  # <v/> (what openpyxl writes for a formula) is no value
            self.text = None
        elif name == "t" and self.text is not None:
            if self.inline is not None:
                self.inline.append("".join(self.text))
            self.text = None
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "c":
            self.cell(self.ref, self.type, self.style, self.v, self.formula, self.inline)
        elif name == "row":
            self.row_end()

    def close(self) -> None:
        return None


def _value(t: str, style: str | None, v: str | None, formula: bool, inline: list[str] | None, strings: list[str],
           dates: set[int], date1904: bool) -> Any:
    """One cell's value (``None`` when empty), or a :class:`_Bad` saying why its row cannot be read."""
    if t == "inlineStr":
        return _checked_text("".join(inline or ()))
    if v is None:
        if formula:
            return _Bad("a formula without a saved value: open and save the file in Excel/WPS, or paste values（公式没有保存的计算结果）")
        return None
    if t == "s":
        k = _int(v, -1)
        if not 0 <= k < len(strings):
            return _Bad(f"refers to shared string {v[:12]!r}, which the workbook does not have（共享字符串缺失）")
        return _checked_text(strings[k])
    if t == "e":
        return _Bad(f"holds the Excel error {v[:16]}（单元格为错误值）")
    if t == "str":
        return _checked_text(v)
    if t == "b":
        return v.strip() in ("1", "true")
    if t == "d":  # ISO 8601 date cell (rare; strict OOXML)
        try:
            return date.fromisoformat(v.strip()[:10])
        except ValueError:
            return _Bad(f"date cell {v[:24]!r} is not a date（日期无效）")
    return _number(v, _int(style, 0) in dates, date1904)


_LOCAL_NAMES: dict[Any, str] = {}


def _local(tag: Any) -> str:
    """An element's name without its namespace (remembered: a sheet has millions of elements, few names)."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
        if len(_LOCAL_NAMES) < 4096:
            _LOCAL_NAMES[tag] = name
    return name


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None and len(text) < 12 else default
    except ValueError:
        return default


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _letters(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _text(v: Any) -> str:
    if v is None or isinstance(v, _Bad):
        return ""
    return str(v).strip()


def _checked_text(s: str) -> Any:
    if len(s) > MAX_CELL_CHARS:
        return _Bad(f"text of {len(s):,} characters, more than a cell holds ({MAX_CELL_CHARS:,})（单元格文字过长）")
    return s


def _looks_like_header(row: dict[int, Any]) -> bool:
    """At least two cells are headers the record format knows (身份证号, 姓名, 户籍 …)."""
    known = 0
    for v in row.values():
        if isinstance(v, str) and len(v) < 64 and canonical_key(v) is not None:
            known += 1
            if known >= 2:
                return True
    return False


def _is_date_format(code: str) -> bool:
    """Whether a number format shows a date: ``d`` or ``y`` outside quoted text, brackets and escapes."""
    s = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", code)
    return bool(re.search(r"[dDyYeE]", s.split(";")[0])) and "General" not in s


_EXCEL_DIGITS = Context(prec=15, rounding=ROUND_HALF_EVEN)
_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)


def _number(text: str, is_date: bool, date1904: bool) -> Any:
    s = text.strip()
    if len(s) > 64:
        return _Bad(f"a number of {len(s)} characters（数字过长）")
    try:
        d = Decimal(s)
    except InvalidOperation:
        return _Bad(f"number cell {s[:24]!r} is not a number（数字无效）")
    if not d.is_finite():
        return _Bad("number cell is not finite（数字无效）")
    if is_date:
        return _serial_date(d, date1904)
    if d == d.to_integral_value() and abs(d.adjusted()) <= 20:
        return int(d)
    # A cell keeps a binary double; Excel shows and computes with 15 significant digits, so that is the
    # number the clerk typed (98769.96, not the 98769.96000000001 a writer may have stored).
    return _EXCEL_DIGITS.plus(d).normalize(_EXCEL_DIGITS)


def _serial_date(d: Decimal, date1904: bool) -> Any:
    """An Excel date serial (days; a fraction is the time of day, dropped) as a date."""
    days = int(d.to_integral_value(rounding="ROUND_FLOOR"))
    if date1904:
        base, first = _EPOCH_1904, 0
    else:
        if days == 60:
            return _Bad("date serial 60 is 1900-02-29, a day that did not exist（日期无效）")
        base, first = (_EPOCH_1900, 61) if days >= 61 else (date(1899, 12, 31), 1)
        if days < first:
            return _Bad(f"date serial {days} is before 1900-01-01（日期无效）")
    if days < 0 or days > 2_958_465:
        return _Bad(f"date serial {days} is outside Excel's dates（日期无效）")
    try:
        return base + timedelta(days=days)
    except OverflowError:
        return _Bad(f"date serial {days} is outside Excel's dates（日期无效）")
