"""Reading a county roster (花名册): CSV, JSON Lines, XLSX or records in memory.

A roster is a table whose columns are the keys of the person record
(:mod:`shuangyong.record`, ``docs/record-format.md``), by English key or by
Chinese header.  :func:`read_roster` keeps the table as columns (one list
per header) so that a million rows stay affordable, and remembers for each
row the number a clerk sees in a spreadsheet (the header is row 1, the first
person row 2; in JSON Lines the line number).

Encodings: CSV exported by Chinese Excel and WPS is often GB18030/GBK, the
rest UTF-8 with or without a byte-order mark.  Without ``encoding=`` the
reader takes UTF-8 (BOM stripped) when the first megabyte decodes as UTF-8
and GB18030 otherwise (a superset of GBK and GB2312; GBK text very rarely
decodes as UTF-8).  Columns the record format does not know are kept
(rule packs may read them as ``extra.<column>``) and reported once in
:attr:`Roster.unknown_columns`, never fatal.  A file that cannot be read at
all raises :class:`~shuangyong.errors.RosterError`; a bad row is not an
error here, it becomes a reject in :func:`shuangyong.batch.run_roster`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from array import array
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from attrs import define, field

from .errors import RosterError
from .record import canonical_key

__all__ = ["Roster", "read_roster", "detect_encoding", "FORMATS"]

#: Formats read by :func:`read_roster`, by file suffix.
FORMATS = {".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".xlsx": "xlsx"}

_SNIFF_BYTES = 1 << 20


@define
class Roster:
    """A roster held as columns: ``data[header][i]`` is the value of row ``i``.

    ``row_numbers[i]`` is the row number shown to a clerk; ``keys`` maps each
    header to its record key (``None`` for a column the record does not know);
    ``problems`` lists rows that could not be read as a row at all (e.g. more
    fields than the header), as ``(index, field, reason)``.
    """

    headers: list[str]
    data: dict[str, list[Any]]
    row_numbers: array
    source: str = ""
    format: str = ""
    encoding: str = ""
    keys: dict[str, str | None] = field(factory=dict)
    problems: list[tuple[int, str, str]] = field(factory=list)
    #: What a roster run derived from these columns (the parse), kept for the next run; a roster is
    #: not meant to be changed once read.
    cache: dict[Any, Any] = field(factory=dict, init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not self.keys:
            self.keys = {h: canonical_key(h) for h in self.headers}

    def __len__(self) -> int:
        return len(self.row_numbers)

    @property
    def unknown_columns(self) -> list[str]:
        """Headers that are not record keys or Chinese aliases (kept as ``extra.<header>``)."""
        return [h for h in self.headers if self.keys.get(h) is None]

    @property
    def known_keys(self) -> set[str]:
        return {k for k in self.keys.values() if k is not None}

    def record(self, i: int) -> dict[str, Any]:
        """Row ``i`` as a mapping header → value (empty cells omitted), for ``Person.from_record``."""
        out: dict[str, Any] = {}
        for h in self.headers:
            v = self.data[h][i]
            if v is not None and v != "":
                out[h] = v
        return out

    def records(self) -> Iterable[dict[str, Any]]:
        for i in range(len(self)):
            yield self.record(i)


def detect_encoding(head: bytes) -> str:
    """``utf-8-sig`` when ``head`` starts with a BOM, ``utf-8`` when it decodes, else ``gb18030``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # An incremental decoder accepts a multi-byte character cut at the end of the sample.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def read_roster(source: Any, *, encoding: str | None = None, format: str | None = None) -> Roster:
    """Read a roster from a path (CSV, JSON Lines, XLSX), a list of mappings, or a :class:`Roster`.

    ``encoding`` forces a text encoding (``gbk``, ``gb18030``, ``utf-8``…);
    ``format`` forces ``csv``, ``jsonl`` or ``xlsx`` instead of the suffix.
    """
    if isinstance(source, Roster):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        fmt = format or FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise RosterError(f"{path}: unknown roster format {path.suffix!r}; use .csv, .jsonl or .xlsx (or format=)")
        if not path.is_file():
            raise RosterError(f"{path}: no such file")
        if fmt == "csv":
            return _read_csv(path, encoding)
        if fmt == "jsonl":
            return _read_jsonl(path, encoding)
        if fmt == "xlsx":
            return _read_xlsx(path)
        raise RosterError(f"{path}: unknown format {fmt!r}")
    if isinstance(source, Mapping):
        raise RosterError("a roster is many records: give a list of mappings, not one mapping")
    try:
        it = iter(source)
    except TypeError:
        raise RosterError(f"cannot read a roster from {type(source).__name__}") from None
    return _from_mappings(it, "records", "records", first_row=1)


# -- formats -----------------------------------------------------------------------


def _read_csv(path: Path, encoding: str | None) -> Roster:
    try:
        if encoding is None:
            with path.open("rb") as fh:
                encoding = detect_encoding(fh.read(_SNIFF_BYTES))
        elif encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
            with path.open("rb") as fh:
                if fh.read(3) == codecs.BOM_UTF8:
                    encoding = "utf-8-sig"
        fh = path.open("r", encoding=encoding, newline="")
    except LookupError:
        raise RosterError(f"{path}: unknown encoding {encoding!r}") from None
    except OSError as e:
        raise RosterError(f"{path}: cannot read: {e.strerror or e}") from e
    with fh:
        reader = csv.reader(fh)
        try:
            try:
                header = next(reader)
            except StopIteration:
                raise RosterError(f"{path}: empty file, no header row") from None
            headers = [h.strip() for h in header]
            if headers and headers[0].startswith("\ufeff"):
                headers[0] = headers[0][1:]
            _check_headers(path, headers)
            width = len(headers)
            rows = array("l")
            problems: list[tuple[int, str, str]] = []
            records: list[list[str]] = []
            pad = [""] * width
            # Values repeat a lot (regions, categories, dates): sys.intern shares one string object per
            # value, at C speed; rows are transposed into columns at the end.
            for fields in reader:
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue  # a blank line is not a person
                if len(fields) != width:
                    if len(fields) > width and any(f.strip() for f in fields[width:]):
                        problems.append((len(records), "row", f"has {len(fields)} fields, the header has {width}"))
                    fields = (fields + pad)[:width]
                records.append(list(map(sys.intern, fields)))
                rows.append(reader.line_num)
            cols: list[list[Any]] = [list(c) for c in zip(*records)] if records else [[] for _ in headers]
            del records
        except UnicodeDecodeError as e:
            raise RosterError(
                f"{path}: not readable as {encoding} near line {reader.line_num + 1} ({e.reason}); pass encoding= (--encoding gbk, utf-8, …)"
            ) from None
        except csv.Error as e:
            raise RosterError(f"{path}: malformed CSV at line {reader.line_num}: {e}") from None
    return Roster(headers=headers, data=dict(zip(headers, cols)), row_numbers=rows, source=str(path), format="csv",
                  encoding=encoding, problems=problems)


def _read_jsonl(path: Path, encoding: str | None) -> Roster:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RosterError(f"{path}: cannot read: {e.strerror or e}") from e
    enc = encoding or detect_encoding(raw[:_SNIFF_BYTES])
    try:
        text = raw.decode(enc)
    except (UnicodeDecodeError, LookupError) as e:
        raise RosterError(f"{path}: not readable as {enc}: {e}") from None

    def lines() -> Iterable[tuple[int, Any]]:
        for no, line in enumerate(io.StringIO(text), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield no, _BadLine(f"not valid JSON ({e.msg})")
                continue
            yield no, obj if isinstance(obj, dict) else _BadLine("a line must be a JSON object")

    return _from_mappings(lines(), str(path), "jsonl", numbered=True, encoding=enc)


def _read_xlsx(path: Path) -> Roster:
    try:
        import openpyxl
    except ImportError:
        raise RosterError(f"{path}: reading .xlsx needs openpyxl (pip install 'shuangyong[xlsx]')") from None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a damaged file
        raise RosterError(f"{path}: not a readable .xlsx workbook: {type(e).__name__}: {e}") from e
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        try:
            header = next(it)
        except StopIteration:
            raise RosterError(f"{path}: empty worksheet, no header row") from None
        headers = ["" if h is None else str(h).strip() for h in header]
        while headers and headers[-1] == "":
            headers.pop()
        _check_headers(path, headers)
        cols: list[list[Any]] = [[] for _ in headers]
        rows = array("l")
        for no, values in enumerate(it, 2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            for j in range(len(headers)):
                cols[j].append(_cell(values[j]) if j < len(values) else None)
            rows.append(no)
    finally:
        wb.close()
    return Roster(headers=headers, data=dict(zip(headers, cols)), row_numbers=rows, source=str(path), format="xlsx")


def _cell(v: Any) -> Any:
    # Excel stores numbers as floats; a whole number (a grade, a region typed as a number) becomes an int.
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


class _BadLine:
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _from_mappings(items: Iterable[Any], source: str, fmt: str, *, first_row: int = 1, numbered: bool = False,
                   encoding: str = "") -> Roster:
    headers: list[str] = []
    cols: dict[str, list[Any]] = {}
    rows = array("l")
    problems: list[tuple[int, str, str]] = []
    n = 0
    for k, item in enumerate(items):
        no, rec = item if numbered else (k + first_row, item)
        if isinstance(rec, _BadLine):
            problems.append((n, "row", rec.reason))
            rec = {}
        elif not isinstance(rec, Mapping):
            problems.append((n, "row", f"expected a mapping of fields, got {type(rec).__name__}"))
            rec = {}
        for key, v in rec.items():
            if key is None:
                continue
            h = str(key).strip()
            if h not in cols:
                headers.append(h)
                cols[h] = [None] * n
            cols[h].append(v)
        n += 1
        for h in headers:
            if len(cols[h]) < n:
                cols[h].append(None)
        rows.append(no)
    return Roster(headers=headers, data=cols, row_numbers=rows, source=source, format=fmt, encoding=encoding, problems=problems)


def _check_headers(path: Path, headers: list[str]) -> None:
    seen: set[str] = set()
    for h in headers:
        if h in seen and h:
            raise RosterError(f"{path}: column {h!r} appears twice in the header")
        seen.add(h)
