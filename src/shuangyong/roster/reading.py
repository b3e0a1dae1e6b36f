"""Reading a county roster (花名册): CSV, JSON Lines, XLSX or records in memory.

A roster is a table whose columns are the keys of the person record
(:mod:`shuangyong.record`, ``docs/record-format.md``), by English key or by
Chinese header.  :func:`read_roster` keeps the table as columns (one list
per header) so that a million rows stay affordable, and remembers for each
row the number a clerk sees in a spreadsheet (the header is row 1, the first
person row 2; in JSON Lines the line number).

Encodings: CSV exported by Chinese Excel and WPS is often GB18030/GBK, the
rest UTF-8 with or without a byte-order mark.  Without ``encoding=`` the
reader takes UTF-8 (BOM stripped) when the whole file decodes as UTF-8 (or a
run of UTF-8 Chinese comes before the first bad byte) and GB18030 otherwise
(a superset of GBK and GB2312).  Every CSV line is one row or one reject
(:func:`_read_csv_lines`); XLSX is read by :mod:`shuangyong.roster.workbooks`; ``"-"``
reads standard input.  Columns the record format does not know are kept
(rule packs may read them as ``extra.<column>``) and reported once in
:attr:`Roster.unknown_columns`, never fatal.  A file that cannot be read at
all raises :class:`~shuangyong.errors.RosterError`; a bad row is not an
error here, it becomes a reject in :func:`shuangyong.roster.run.run_roster`.

A long module on purpose: the exact CSV line reader, the numpy byte reader that must agree with it on every file, JSON Lines and the ``Roster`` they fill live together so that their agreement is pinned in one place (tests and the fuzzer drive them side by side).
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import re
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from attrs import define, field

from ..errors import RosterError
from ..record import canonical_key
from .keys import distinct

__all__ = ["Roster", "read_roster", "detect_encoding", "sniff_format", "FORMATS", "MAX_JSON_DEPTH", "MAX_JSON_NUMBER_CHARS",
           "HEADER_SEARCH_LINES"]

#: Formats read by :func:`read_roster`, by file suffix.
FORMATS = {".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".xlsx": "xlsx",
           ".parquet": "parquet", ".pq": "parquet", ".arrow": "ipc", ".feather": "ipc", ".ipc": "ipc"}

_SNIFF_BYTES = 1 << 20


@define(repr=False)
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
    #: What the reader noticed and did on its own (another sheet with data, a 合计 row left out…), for the summary.
    notes: list[str] = field(factory=list)
    #: What a roster run derived from these columns (the parse), kept for the next run; a roster is
    #: not meant to be changed once read.
    cache: dict[Any, Any] = field(factory=dict, init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not self.keys:
            self.keys = {h: canonical_key(h) for h in self.headers}

    def __len__(self) -> int:
        return len(self.row_numbers)

    def forget_parse(self) -> None:
        """Drop what runs derived from the columns (at 10⁶ rows, 100–200 MB); a next run parses again.

        The memory goes back to the allocator, which the next arrays reuse; :func:`give_back_memory` hands it to
        the system as well, at the price of faulting it in again (measured: ≈ 0.25 s more for the 10⁶-row
        ``shuangyong entitle`` that came next, for ≈ 40 MiB less at its peak).
        """
        self.cache.clear()

    def __repr__(self) -> str:
        # Counts only: a roster's cells (and its headers, which a swapped roster fills with data) are personal.
        return (f"<Roster {self.format or 'records'} rows={len(self)} columns={len(self.headers)} "
                f"unknown_columns={len(self.unknown_columns)} problems={len(self.problems)}>")

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


def read_roster(source: Any, *, encoding: str | None = None, format: str | None = None,
                sheet: str | int | None = None, header_row: int | None = None) -> Roster:
    """Read a roster from a path (CSV, JSON Lines, XLSX), ``"-"`` (standard input), a list of mappings, or a :class:`Roster`.

    ``encoding`` forces a text encoding (``gbk``, ``gb18030``, ``utf-8``…);
    ``format`` forces ``csv``, ``jsonl`` or ``xlsx`` instead of the suffix (standard input is
    recognised by its first bytes when not given).  ``sheet`` (a name, or a 1-based index) and
    ``header_row`` (1-based) choose where an XLSX roster is: see :mod:`shuangyong.roster.workbooks`.
    In records, ``None``, ``NaN`` and ``NaT`` (as ``df.to_dict("records")`` gives them) mean an empty cell.
    """
    if isinstance(source, Roster):
        return source
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1):
        raise RosterError(f"header_row must be a row number from 1, got {header_row!r}")
    with no_gc():
        return _read(source, encoding, format, sheet, header_row)


def give_back_memory() -> None:
    """Hand freed heap memory back to the system, where the C library can (glibc's ``malloc_trim``).

    Freed arrays stay with the allocator, which keeps their pages; handing them back lowers the resident
    size, but whatever is allocated next faults its pages in again (on the machines measured, several
    times the cost of the call).  ``shuangyong entitle`` calls it once, after writing and before the report.
    Elsewhere (macOS, musl, Windows) this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        trim = getattr(ctypes.CDLL("libc.so.6"), "malloc_trim", None)
    except (OSError, ImportError):
        return
    if trim is not None:
        trim(0)


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: reading builds millions of small objects and no cycles,
    and each collection would walk all of them again (it made reading 10⁶ rows about three times slower)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read(source: Any, encoding: str | None, format: str | None, sheet: str | int | None, header_row: int | None) -> Roster:
    from .. import arrow

    if arrow.is_frame(source):  # pandas / Polars DataFrame, Arrow table (shuangyong.arrow)
        return arrow.roster_from_frame(source)
    if isinstance(source, (str, Path)):
        if str(source) == "-":
            return _read_stdin(encoding, format, sheet, header_row)
        path = Path(source)
        fmt = format or FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise RosterError(f"{path}: unknown roster format {path.suffix!r}; use .csv, .jsonl, .xlsx, .parquet or .arrow (or format=)")
        if not path.is_file():
            raise RosterError(f"{path}: no such file")
        if fmt == "xlsx":
            from .workbooks import read_workbook

            return read_workbook(path, sheet=sheet, header_row=header_row)
        if fmt in ("parquet", "ipc"):
            return arrow.read_table_file(path, fmt)
        if fmt not in ("csv", "jsonl"):
            raise RosterError(f"{path}: unknown format {fmt!r}")
        if fmt == "csv":
            # Held by the file's holder, not here: the Arrow reader drops the bytes once it has checked them.
            return _read_csv_bytes(str(path), FileBytes(path), encoding)
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise RosterError(f"{path}: cannot read: {e.strerror or e}") from e
        return _read_bytes(str(path), raw, fmt, encoding)
    if isinstance(source, Mapping):
        raise RosterError("a roster is many records: give a list of mappings, not one mapping")
    try:
        it = iter(source)
    except TypeError:
        raise RosterError(f"cannot read a roster from {type(source).__name__}") from None
    return _from_mappings(it, "records", "records", first_row=1)


class FileBytes:
    """A roster file's bytes, held in one place so that a reader can let them go.

    The Arrow reader checks the bytes (quotes, line ends, encoding), then parses the file from its path
    and :meth:`drop` s them: 100 MB of a 10⁶-row roster are not held while the table is built.  Whoever
    needs them again (a fallback reader) gets them from :meth:`data`, read again from the file, which
    must not have changed meanwhile (size, modification time, inode): a roster replaced or written to
    while it is read is an error, never a mix of two files.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with path.open("rb") as fh:
                self._stat = self._signature(fh.fileno())
                self._data: bytes | None = fh.read()
        except OSError as e:
            raise RosterError(f"{path}: cannot read: {e.strerror or e}") from e

    @staticmethod
    def _signature(fd: int | None = None, path: Path | None = None) -> tuple[int, int, int, int]:
        import os

        st = os.fstat(fd) if fd is not None else os.stat(path)  # type: ignore[arg-type]
        return st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev

    def data(self) -> bytes:
        """The bytes (read again if dropped; the file unchanged)."""
        if self._data is None:
            self.check_unchanged()
            try:
                self._data = self.path.read_bytes()
            except OSError as e:
                raise RosterError(f"{self.path}: cannot read: {e.strerror or e}") from e
            self.check_unchanged()
        return self._data

    def drop(self) -> None:
        self._data = None

    def check_unchanged(self) -> None:
        try:
            same = self._signature(path=self.path) == self._stat
        except OSError:
            same = False
        if not same:
            raise RosterError(f"{self.path}: the file changed while it was read (文件在读取过程中被修改); read it again")


def raw_bytes(raw: bytes | FileBytes) -> bytes:
    """The bytes of ``raw`` (a file's holder gives them, read again if it dropped them)."""
    return raw.data() if isinstance(raw, FileBytes) else raw


def _read_bytes(name: str, raw: bytes, fmt: str, encoding: str | None) -> Roster:
    if fmt == "csv":
        return _read_csv_bytes(name, raw, encoding)
    return _read_jsonl_bytes(name, raw, encoding)


def _read_stdin(encoding: str | None, format: str | None, sheet: str | int | None, header_row: int | None) -> Roster:
    """A roster piped in (``shuangyong entitle - --period 2024 < roster.csv``): the format from ``format`` or the first bytes."""
    name = "<stdin>"
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise RosterError(f"{name}: standard input is not readable as bytes")
    try:
        raw = stream.read()
    except OSError as e:
        raise RosterError(f"{name}: cannot read: {e.strerror or e}") from e
    fmt = format or sniff_format(raw)
    if fmt == "xlsx":
        from .workbooks import read_workbook

        return read_workbook(raw, name=name, sheet=sheet, header_row=header_row)
    if fmt not in ("csv", "jsonl"):
        raise RosterError(f"{name}: unknown format {fmt!r}")
    return _read_bytes(name, raw, fmt, encoding)


def sniff_format(raw: bytes) -> str:
    """``xlsx`` for a zip archive, ``jsonl`` when the first non-blank character is ``{``, else ``csv``."""
    if raw.startswith(b"PK\x03\x04"):
        return "xlsx"
    head = raw[:64].lstrip(codecs.BOM_UTF8).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"


# -- formats -----------------------------------------------------------------------


def _read_csv(path: Path, encoding: str | None, arrays: bool = True) -> Roster:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RosterError(f"{path}: cannot read: {e.strerror or e}") from e
    return _read_csv_bytes(str(path), raw, encoding, arrays)


def _csv_encoding(name: str, raw: bytes, encoding: str | None) -> str:
    """The encoding to read ``raw`` with: the one given (a UTF-8 BOM noticed), else detected on the whole file."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise RosterError(f"{name}: unknown encoding {encoding!r}") from None
        if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
            return "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
        return encoding
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    # The whole file, not only its head: a GBK name far down a file of ASCII lines must not make every
    # later Chinese line unreadable.  When neither reads whole, the head decides and the lines that do
    # not decode become rejects.
    if raw.isascii() or _decodes(raw, "utf-8"):
        return "utf-8"
    try:
        raw.decode("utf-8")  # (only to find the first bad byte: a GBK file fails within its first Chinese)
    except UnicodeDecodeError as e:
        # Chinese that reads as UTF-8 before the first bad byte: a UTF-8 file with a bad line.  (A few
        # GBK byte pairs are valid UTF-8 by chance, so it takes a run of Chinese characters to count.)
        prefix = raw[:e.start].decode("utf-8", "replace")
        if sum(1 for ch in prefix if "\u4e00" <= ch <= "\u9fff") >= 8:
            return "utf-8"
    if _decodes(raw, "gb18030"):
        return "gb18030"
    return detect_encoding(raw[:_SNIFF_BYTES])


def _decodes(raw: bytes, encoding: str, step: int = 1 << 22) -> bool:
    """Whether every byte of ``raw`` reads in ``encoding``, decoded in pieces: the whole file decoded at once
    would be a string one to three times its size (≈ 140 MB for a 100 MB roster), held only to be dropped.

    UTF-8 is checked by Arrow's validator where pyarrow is installed (the same strict UTF-8 as Python's codec:
    no surrogates, no overlong forms; about three times as fast), without decoding anything.
    """
    if encoding == "utf-8" and len(raw) >= 1 << 20:  # (a small file is not worth importing pyarrow for)
        from ..arrow import utf8_valid

        valid = utf8_valid(raw)
        if valid is not None:
            return valid
    dec = codecs.getincrementaldecoder(encoding)()
    view = memoryview(raw)
    try:
        for k in range(0, len(raw), step):
            dec.decode(view[k:k + step], final=k + step >= len(raw))
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_csv_bytes(name: str, raw: bytes | FileBytes, encoding: str | None, arrays: bool = True) -> Roster:
    # (a file's bytes are asked of its holder each time, never kept here: the Arrow reader may drop them)
    encoding = _csv_encoding(name, raw_bytes(raw), encoding)
    titles, offset = _title_lines(raw_bytes(raw), encoding)
    roster = None
    if arrays and not titles:
        from ..arrow import read_csv_arrow_bytes

        # pyarrow's reader when the file is plain and the extra is installed (it numbers rows from the top:
        # not with title lines); else numpy's; else the exact line reader.
        roster = read_csv_arrow_bytes(name, raw, encoding)
    if roster is not None:
        return roster
    body = raw_bytes(raw)[offset:] if titles else raw_bytes(raw)
    if arrays:
        roster = _read_csv_arrays(name, body, encoding, titles)
    if roster is None:
        roster = _read_csv_lines(name, body, encoding, titles)
    if titles:
        roster.notes.append(f"header read from line {titles + 1}; the {titles} line(s) above it are titles（表头在第 {titles + 1} 行）")
    return roster


#: How many lines from the top are searched for the header (title lines above it are skipped).
HEADER_SEARCH_LINES = 20


def _ascii_compatible(encoding: str) -> bool:
    """Whether line breaks, commas and quotes are single ASCII bytes never part of another character."""
    try:
        return ("\n,\r\"".encode(encoding) == b'\n,\r"'
                and not encoding.lower().replace("-", "").replace("_", "").startswith(("utf16", "utf32")))
    except (LookupError, UnicodeError):
        return False


def _title_lines(raw: bytes, encoding: str) -> tuple[int, int]:
    """Title lines above the header (``某县2024年优抚对象花名册``): how many, and the byte offset of the header line.

    The header is line 1 unless line 1 names fewer than two record columns and a later line among the
    first :data:`HEADER_SEARCH_LINES` names at least two (身份证号, 姓名, 行政区划代码 …).
    """
    if not _ascii_compatible(encoding):
        return 0, 0
    parts = raw[:1 << 16].split(b"\n", HEADER_SEARCH_LINES)[:HEADER_SEARCH_LINES]
    if any(b"\r" in p[:-1] for p in parts):
        return 0, 0  # a lone carriage return: lines are not what they seem here
    enc = "utf-8" if encoding == "utf-8-sig" else encoding

    def known(line: bytes) -> int:
        try:
            text = line.decode(enc).lstrip("\ufeff").rstrip("\r")
        except UnicodeDecodeError:
            return 0
        fields = _split_line(text)
        return 0 if isinstance(fields, str) else sum(1 for h in fields if len(h) < 64 and canonical_key(h.strip()) is not None)

    if not parts or known(parts[0]) >= 2:
        return 0, 0
    for k in range(1, len(parts)):
        if known(parts[k]) >= 2:
            return k, sum(len(p) + 1 for p in parts[:k])
    return 0, 0


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")


def _field_count_problem(count: int, width: int) -> str:
    """The reject reason of a line whose field count differs from the header's (one text for both readers)."""
    return f"has {count} fields, the header has {width}（该行 {count} 个字段，表头 {width} 列）"


#: Reasons a CSV line is not read as a row (the line is a reject; every other line is still read).
_NUL = "contains NUL bytes（含零字节）"
_BOM = "contains a byte-order mark inside the file (two files joined?)（文件中间出现 BOM，疑为两个文件拼接）"
_UNCLOSED = "a quote opens a cell and does not close on this line（引号未闭合）"
_BAD_QUOTE = "a quoted cell is followed by text before the next comma（引号后紧跟字符，引号格式有误）"


def _text_lines(name: str, raw: bytes, encoding: str) -> list[str | tuple[str]]:
    """The file's physical lines as text; a line that does not decode is ``(reason,)``.

    A line break is CR LF, LF or CR, exactly as the csv module and a spreadsheet see it.  Lines are
    decoded one by one only when the whole file does not decode (and only in an encoding where a
    line break byte is never part of another character).
    """
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as e:
        if "\n,\r\"".encode(encoding, "ignore") != b'\n,\r"' or encoding.lower().replace("-", "").startswith(("utf16", "utf32")):
            line = raw.count(b"\n", 0, e.start) + 1
            raise RosterError(f"{name}: not readable as {encoding} near line {line} ({e.reason}); pass encoding= (--encoding gbk, utf-8, …)") from None
        out: list[str | tuple[str]] = []
        enc = "utf-8" if encoding == "utf-8-sig" else encoding
        parts = _LINE_BREAK_BYTES.split(raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw)
        for part in parts:
            try:
                out.append(part.decode(enc))
            except UnicodeDecodeError as e:
                out.append((f"bytes at column {e.start + 1} are not {encoding} ({e.reason}); pass --encoding if the whole file is in another one（该行含无法按 {encoding} 解码的字节）",))
        if out and out[-1] == "":
            out.pop()
        return out
    except LookupError:
        raise RosterError(f"{name}: unknown encoding {encoding!r}") from None
    if "\r" not in text:
        lines: list[str | tuple[str]] = text.split("\n")  # type: ignore[assignment]
    elif text.count("\r") == text.count("\r\n"):
        lines = text.replace("\r\n", "\n").split("\n")  # type: ignore[assignment]
    else:
        lines = list(_LINE_BREAK.split(text))
    if lines and lines[-1] == "":
        lines.pop()  # the last line's own line break
    return lines


def _split_line(line: str) -> list[str] | str:
    """The fields of one CSV line, or the reason the line cannot be read as a row."""
    if "\0" in line:
        return _NUL
    if "\ufeff" in line:
        return _BOM
    if '"' not in line:
        return line.split(",")
    try:
        return next(csv.reader((line,), strict=True))
    except csv.Error as e:
        msg = str(e)
        if "unexpected end of data" in msg:
            return _UNCLOSED
        if "expected after" in msg:
            return _BAD_QUOTE
        if "field larger" in msg:
            return f"a cell longer than {csv.field_size_limit()} characters（单元格过长）"
        return f"malformed CSV quoting（引号格式有误）: {msg}"


def _split_all(lines: list[str | tuple[str]]) -> list[list[str]] | None:
    """Every line after the header split at C speed, or ``None`` when some line needs :func:`_split_line`.

    The csv module reads the lines as one stream; that gives the same fields as splitting each line
    alone exactly when every record is one line and every quote is well formed (``strict``): any
    record that runs over a line, a quoting error, a NUL or a byte-order mark sends the caller to
    the line-by-line reading, which then names the line.
    """
    body = lines[1:]
    for line in body:
        if isinstance(line, tuple):
            return None
    text_lines: list[str] = body  # type: ignore[assignment]
    if any("\0" in line or "\ufeff" in line for line in text_lines):
        return None
    try:
        out = list(csv.reader(text_lines, strict=True))
    except csv.Error:
        return None
    # Every line gives one record (a blank one gives []); a record that ran over a line consumed two.
    return out if len(out) == len(text_lines) else None


def _read_csv_lines(name: str, raw: bytes, encoding: str, first: int = 0) -> Roster:
    """The exact CSV reader: one physical line is one row or one reject, never part of another line.

    A quote that does not close on its line is a reject of that line (a spreadsheet cell with a line
    break inside is not supported in CSV: use .xlsx); a line with fewer fields than the header, or
    more that are not blank, a NUL byte, a byte-order mark inside the file or bytes that do not decode
    are rejects naming the line.  Every other line is still read.
    """
    lines = _text_lines(name, raw, encoding)
    if not lines:
        raise RosterError(f"{name}: empty file, no header row")
    head_line = lines[0]
    if isinstance(head_line, tuple):
        raise RosterError(f"{name}: line {first + 1} (the header): {head_line[0]}")
    if head_line.startswith("\ufeff"):
        head_line = head_line[1:]
    head = _split_line(head_line)
    if isinstance(head, str):
        raise RosterError(f"{name}: line {first + 1} (the header): {head}")
    headers = [h.strip() for h in head]
    if headers == [""]:
        raise RosterError(f"{name}: empty file, no header row")
    _check_headers(name, headers)
    width = len(headers)
    rows = array("l")
    problems: list[tuple[int, str, str]] = []
    records: list[list[str]] = []
    pad = [""] * width
    intern = sys.intern
    split = _split_all(lines)
    if split is not None:  # the usual file: every line one record, read at C speed
        blank_rows = width == 1
        for no, cells in enumerate(split, 2 + first):
            n = len(cells)
            if n != width or blank_rows:
                if n <= 1 and (n == 0 or not cells[0].strip()):
                    continue  # a blank line is not a person
                if n != width:
                    if n < width or any(f.strip() for f in cells[width:]):
                        problems.append((len(records), "row", _field_count_problem(n, width)))
                    cells = (cells + pad)[:width]
            records.append(list(map(intern, cells)))
            rows.append(no)
        lines = []
    for no, line in enumerate(lines[1:], 2 + first):
        fields: list[str] | str
        if isinstance(line, tuple):
            fields = line[0]
        else:
            if not line.strip():
                continue  # a blank line is not a person
            fields = _split_line(line)
            if len(fields) == 1 and not isinstance(fields, str) and not fields[0].strip():
                continue  # ("" alone)
        if isinstance(fields, str):
            problems.append((len(records), "row", fields))
            fields = pad
        elif len(fields) != width:
            if len(fields) < width or any(f.strip() for f in fields[width:]):
                problems.append((len(records), "row", _field_count_problem(len(fields), width)))
            fields = (fields + pad)[:width]
        # Values repeat a lot (regions, categories, dates): sys.intern shares one string object per
        # value, at C speed; rows are transposed into columns at the end.
        records.append(list(map(intern, fields)))
        rows.append(no)
    cols: list[list[Any]] = [list(c) for c in zip(*records)] if records else [[] for _ in headers]
    del records
    return Roster(headers=headers, data=dict(zip(headers, cols)), row_numbers=rows, source=name, format="csv",
                  encoding=encoding, problems=problems)


# -- the usual CSV, read as arrays ------------------------------------------------------------

#: Encodings in which ``,`` and a newline are never part of another character (their multi-byte
#: characters use bytes above 0x7F, or digits in GB18030's four-byte form).
_BYTE_SAFE = {"utf-8", "utf-8-sig", "gbk", "gb18030", "gb2312", "ascii", "cp936"}


class _TextColumn(Sequence[Any]):
    """A column that reads like a list of its cells (and compares equal to one)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, _TextColumn)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self)} cells>"


class CodedColumn(_TextColumn):
    """A column of text cells kept as its distinct values and a code per row (``values[codes[i]]``).

    What the array CSV reader gives: it reads like a list, and a roster run indexes it without
    looking at every cell again.
    """

    __slots__ = ("codes", "values")

    def __init__(self, codes: Any, values: list[str]) -> None:
        self.codes = codes
        self.values = values

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self.values[c] for c in self.codes[i].tolist()]
        return self.values[self.codes[i]]

    def __iter__(self) -> Iterator[str]:
        return map(self.values.__getitem__, self.codes.tolist())


class FixedTextColumn(_TextColumn):
    """Cells of one width kept as one string: the usual 身份证号 column, 18 ASCII characters a cell.

    Reads like a list of its cells, each cut out only when read; a run that never shows the cells one
    by one (the CSV and Parquet writers mask the whole string at once) never makes a string per row.
    """

    __slots__ = ("text", "width")

    def __init__(self, text: str, width: int) -> None:
        if width < 1 or len(text) % width:
            raise ValueError("the text must be whole cells of the width")
        self.text, self.width = text, width

    def __len__(self) -> int:
        return len(self.text) // self.width

    def __getitem__(self, i: Any) -> Any:
        w = self.width
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step == 1:
                return FixedTextColumn(self.text[a * w:max(a, b) * w], w)
            return [self[j] for j in range(a, b, step)]
        n = len(self)
        j = int(i) + n if int(i) < 0 else int(i)
        if not 0 <= j < n:
            raise IndexError("cell index out of range")
        return self.text[j * w:(j + 1) * w]

    def __iter__(self) -> Iterator[str]:
        t, w = self.text, self.width
        return (t[k:k + w] for k in range(0, len(t), w))

    def tolist(self) -> list[str]:
        """Every cell, as a list (a list comprehension: about twice as fast as listing the iterator)."""
        t, w = self.text, self.width
        return [t[k:k + w] for k in range(0, len(t), w)]

    def take(self, np: Any, index: Any) -> FixedTextColumn:
        """The cells at ``index`` (an integer array), in that order (ASCII text only)."""
        cells = np.frombuffer(self.text.encode("ascii"), dtype=np.uint8).reshape(-1, self.width)
        return FixedTextColumn(cells[np.asarray(index, dtype=np.int64)].tobytes().decode("ascii"), self.width)


class _BytesColumn(_TextColumn):
    """A column of free text (names) decoded cell by cell only when read: no rule reads it."""

    __slots__ = ("raw", "starts", "ends", "encoding")

    def __init__(self, raw: bytes, starts: Any, ends: Any, encoding: str) -> None:
        self.raw, self.starts, self.ends, self.encoding = raw, starts, ends, encoding

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.raw[int(self.starts[i]):int(self.ends[i])].decode(self.encoding)

    def __iter__(self) -> Iterator[str]:
        raw, enc = self.raw, self.encoding
        return (raw[a:b].decode(enc) for a, b in zip(self.starts.tolist(), self.ends.tolist()))


# Scans of a whole file go through it a megabyte at a time into one reused buffer: a comparison of the whole
# file at once would allocate a 100 MB array, and the fresh pages' faults cost three times the comparison.
_SCAN_STEP = 1 << 20


def _byte_hits(b: Any, byte: int, start: int, stop: int, step: int) -> Iterator[Any]:
    """Positions (absolute, ascending) of ``byte`` in ``b[start:stop]`` (a uint8 array), a chunk at a time."""
    import numpy as np

    buf = np.empty(min(step, max(stop - start, 0)), dtype=bool)
    for k in range(start, stop, step):
        seg = b[k:min(k + step, stop)]
        hit = np.equal(seg, byte, out=buf[:len(seg)])
        at = np.flatnonzero(hit)
        if len(at):
            yield at + k


def contains_bytes(raw: bytes | memoryview, pattern: bytes, start: int = 0, *, step: int = _SCAN_STEP) -> bool:
    """``pattern in raw[start:]``, for a pattern of two or more bytes in a file of many megabytes.

    CPython's search for a multi-byte pattern is several times slower than for one byte; numpy finds
    the pattern's first byte everywhere (a chunk at a time) and then checks the bytes after each hit.
    """
    try:
        import numpy as np
    except ImportError:
        return bytes(raw).find(pattern, start) >= 0
    b = np.frombuffer(raw, dtype=np.uint8)
    k = len(pattern)
    for at in _byte_hits(b, pattern[0], start, len(b) - k + 1, step):
        for j in range(1, k):
            if not len(at):
                break
            at = at[b[at + j] == pattern[j]]
        if len(at):
            return True
    return False


def lone_carriage_return(raw: bytes | memoryview, *, step: int = _SCAN_STEP) -> bool:
    """Whether some carriage return is not followed by a line feed (a CR inside a line, or an old Mac file)."""
    if isinstance(raw, bytes) and b"\r" not in raw:  # (a memoryview's ``in`` compares integers, not bytes)
        return False
    try:
        import numpy as np
    except ImportError:
        data = bytes(raw)
        return data.count(b"\r") != data.count(b"\r\n")
    b = np.frombuffer(raw, dtype=np.uint8)
    for at in _byte_hits(b, 13, 0, len(b), step):
        after = at + 1
        if int(after[-1]) >= len(b) or not (b[after] == 10).all():
            return True
    return False


def _read_csv_arrays(path: str, raw: bytes, encoding: str, first: int = 0) -> Roster | None:
    """A CSV without quotes (the usual export) read with numpy: ``None`` when the exact reader must read it.

    Lines and fields are found as byte positions; each column is keyed by a hash of its bytes
    (checked byte for byte against one cell per key, so equal keys mean equal text) and decoded
    once per distinct value.  Lines with too few or too many fields are read one by one.  Anything
    this reader does not handle exactly as :func:`_read_csv_lines` (quotes, NUL bytes, a lone CR, a
    byte-order mark inside the file, bytes that do not decode) sends the whole file to that reader.
    """
    try:
        import numpy as np
    except ImportError:
        return None
    try:
        if codecs.lookup(encoding).name not in _BYTE_SAFE:
            return None
    except LookupError:
        return None
    if b'"' in raw or b"\0" in raw:
        return None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
    crlf = b"\r" in raw
    if crlf and lone_carriage_return(raw):
        return None  # a carriage return inside a line
    if not raw.endswith(b"\n"):
        raw += b"\n"
    enc = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        if "\ufeff" in raw.decode(enc):
            return None
    except UnicodeDecodeError:
        return None  # the exact reader makes the lines that do not decode rejects
    b = np.frombuffer(raw, dtype=np.uint8)
    global _MASKS
    if _MASKS is None:
        _MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
    # The file as 8-byte words, padded so that every cell's last word exists.
    words = np.frombuffer(raw + b"\0" * (8 - len(raw) % 8 + 8), dtype="<u8")
    head = raw.index(b"\n")
    headers = [h.strip() for h in raw[:head].decode(enc).split(",")]
    if headers and headers[0].startswith("\ufeff"):
        headers[0] = headers[0][1:]
    if headers == [""]:
        raise RosterError(f"{path}: empty file, no header row")
    _check_headers(path, headers)
    width = len(headers)
    if width == 1:
        return None  # a line of blanks would be a row here and a blank line to the csv module
    # Every separator after the header, in order; a line's last one is its newline.
    sep = np.flatnonzero((b == 44) | (b == 10))
    sep = sep[np.searchsorted(sep, head, side="right"):]
    newline = b[sep] == 10
    ends = sep[newline]
    starts = np.concatenate([[head + 1], ends[:-1] + 1])
    if crlf:
        # A line's last field ends before its CR (the header's was stripped with the header).
        cr = b[np.maximum(ends - 1, 0)] == 13
        ends = ends - cr
    if len(sep) == width * len(ends) and bool(newline[width - 1::width].all()):
        # Every line has exactly the header's fields (the usual case).
        uniform = np.ones(len(ends), dtype=bool)
        cu = sep.reshape(-1, width)[:, :-1]
    else:
        line_of = np.cumsum(newline) - newline  # the line each separator belongs to
        count = np.bincount(line_of, minlength=len(ends)) - 1  # commas per line
        uniform = count == width - 1
        cu = sep[~newline & uniform[line_of]].reshape(-1, width - 1)
    odd = np.flatnonzero(~uniform & (ends > starts))
    problems: list[tuple[int, str, str]] = []
    pad = [""] * width
    extra: dict[int, list[str]] = {}
    for i in odd.tolist():
        fields = raw[int(starts[i]):int(ends[i])].decode(enc).split(",")
        if len(fields) == 1 and not fields[0].strip():
            continue  # a blank line is not a person
        if len(fields) < width or any(f.strip() for f in fields[width:]):
            problems.append((i, "row", _field_count_problem(len(fields), width)))
        extra[i] = (fields + pad)[:width]
    keep = uniform.copy()
    if extra:
        keep[list(extra)] = True
    lines = np.flatnonzero(keep)
    position = np.full(len(ends), -1, dtype=np.int64)
    position[lines] = np.arange(len(lines))
    problems = [(int(position[i]), f, r) for i, f, r in problems]
    at = position[uniform]
    data: dict[str, Any] = {}
    for j, h in enumerate(headers):
        s = starts[uniform] if j == 0 else cu[:, j - 1] + 1
        e = ends[uniform] if j == width - 1 else cu[:, j]
        key = canonical_key(h)
        if key == "name":
            col: Any = _BytesColumn(raw, _spread(np, s, at, len(lines)), _spread(np, e, at, len(lines)), enc)
            if extra:
                col = list(col)
                for i, fields in extra.items():
                    col[int(position[i])] = fields[j]
        elif key == "id_number" and not extra and len(s) and bool(((e - s) == 18).all()):
            # Every cell 18 characters (every one distinct): one decode, then cut.
            parts = _chunks(np, words, s, e - s, 24)
            text = np.stack(parts, axis=1).view(np.uint8).reshape(-1, 24)[:, :18].tobytes().decode(enc)
            if len(text) == 18 * len(s):
                col = [text[k:k + 18] for k in range(0, len(text), 18)]
            else:  # some cell is 18 bytes of non-ASCII text (证件号码缺失): cutting by characters would shift IDs
                col = _coded(np, words, raw, s, e, enc, at, len(lines), [])
        else:
            col = _coded(np, words, raw, s, e, enc, at, len(lines), [(int(position[i]), f[j]) for i, f in extra.items()])
        data[h] = col
    rows = array("l", (lines + 2 + first).tolist())
    return Roster(headers=headers, data=data, row_numbers=rows, source=str(path), format="csv", encoding=encoding, problems=problems)


def _spread(np: Any, values: Any, at: Any, n: int) -> Any:
    """Byte offsets of the uniform lines put at their row positions (odd lines get an empty span)."""
    out = np.zeros(n, dtype=np.int64)
    out[at] = values
    return out


def _chunks(np: Any, words: Any, s: Any, length: Any, width: int) -> list[Any]:
    """Each cell's bytes as ``width // 8`` 8-byte words (zero past the cell's end): exact keys.

    ``words`` is the file as little-endian 8-byte words (padded): the word at any byte offset is
    two aligned words shifted together, so no per-byte index is ever built.
    """
    out = []
    for c in range(0, width, 8):
        longer = np.flatnonzero(length > c) if c else None
        sub = None if longer is None or len(longer) > 0.7 * len(s) else longer
        pos = s + c if sub is None else s[sub] + c
        q = np.minimum(pos >> 3, len(words) - 2)  # past a cell's end: masked off below
        r = ((pos & 7) << 3).astype(np.uint64)
        w = words[q] >> r
        w |= np.where(r == 0, np.uint64(0), words[q + 1] << ((np.uint64(64) - r) & np.uint64(63)))
        w &= _MASKS[np.clip((length if sub is None else length[sub]) - c, 0, 8)]
        if sub is not None:
            full = np.zeros(len(s), dtype=np.uint64)
            full[sub] = w
            w = full
        out.append(w)
    return out


_MASKS: Any = None


def _coded(np: Any, b: Any, raw: bytes, s: Any, e: Any, enc: str, at: Any, n: int, others: list[tuple[int, str]]) -> CodedColumn:
    """One column's cells (bytes ``[s, e)`` of the uniform lines, text of the odd ones) as a :class:`CodedColumn`."""
    length = (e - s).astype(np.int64)
    longest = int(length.max()) if len(length) else 0
    if longest > 256:  # long free text: keyed by its text
        cells = [raw[a:c].decode(enc) for a, c in zip(s.tolist(), e.tolist())]
        values, inv = index_cells(np, cells)
    else:
        # Text never holds a NUL byte, so zero padding keeps different cells apart: 8 bytes is a key as it is,
        # longer cells mix their words into one (then every cell is checked word by word against its key's first).
        words = _chunks(np, b, s, length, max(8, -(-longest // 8) * 8))
        key = words[0]
        with np.errstate(over="ignore"):
            for w in words[1:]:
                key = key * np.uint64(0x100000001B3) + w
        uniq, first, inv = distinct(np, key, first=True)
        values = [raw[a:c].decode(enc) for a, c in zip(s[first].tolist(), e[first].tolist())]
        if len(words) > 1:
            rep = first[inv]
            same = np.ones(len(inv), dtype=bool)
            for w in words:
                same &= w == w[rep]
            if not same.all():  # two texts mixed into one key: those cells keyed by their text instead
                index = {v: i for i, v in enumerate(values)}
                for r in np.flatnonzero(~same).tolist():
                    v = raw[int(s[r]):int(e[r])].decode(enc)
                    c = index.get(v)
                    if c is None:
                        c = index[v] = len(values)
                        values.append(v)
                    inv[r] = c
    codes = np.zeros(n, dtype=np.int32)
    codes[at] = inv
    if others:
        index = {v: i for i, v in enumerate(values)}
        for pos, v in others:
            c = index.get(v)
            if c is None:
                c = index[v] = len(values)
                values.append(v)
            codes[pos] = c
    return CodedColumn(codes, [sys.intern(v) for v in values])


def index_cells(np: Any, cells: Sequence[Any]) -> tuple[list[Any], Any]:
    """A column's distinct cells in order of first appearance, and each cell's index among them."""
    try:
        # C-speed: distinct values, then each cell's index.
        local = {v: i for i, v in enumerate(dict.fromkeys(cells))}
        return list(local), np.fromiter(map(local.__getitem__, cells), dtype=np.int64, count=len(cells))
    except TypeError:  # unhashable cells (JSON lists): key them by their repr
        keyed: dict[Any, int] = {}
        distinct: list[Any] = []
        idx: list[int] = []
        for v in cells:
            k = (type(v), repr(v))
            if k not in keyed:
                keyed[k] = len(distinct)
                distinct.append(v)
            idx.append(keyed[k])
        return distinct, idx


#: JSON Lines bounds: a record is flat (lists of plain values at most), so deeper nesting is refused
#: before it can exhaust the stack, and a number is at most this many characters (a 身份证号 has 18).
MAX_JSON_DEPTH = 32
MAX_JSON_NUMBER_CHARS = 64


class _JsonBound(ValueError):
    pass


def _json_number(kind: type) -> Any:
    def parse(text: str) -> Any:
        if len(text) > MAX_JSON_NUMBER_CHARS:
            raise _JsonBound(f"a number of {len(text)} characters (at most {MAX_JSON_NUMBER_CHARS})（数字过长）")
        return kind(text)
    return parse


_JSON = json.JSONDecoder(parse_int=_json_number(int), parse_float=_json_number(float))
_OPENERS = re.compile(r"[\[{]")


def _json_depth_ok(line: str) -> bool:
    """Whether brackets outside strings nest at most :data:`MAX_JSON_DEPTH` deep (checked only for lines with many)."""
    if len(_OPENERS.findall(line, 0, 1 << 20)) <= MAX_JSON_DEPTH:
        return True
    depth = 0
    in_str = esc = False
    for ch in line:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _parse_json_line(line: str) -> Any:
    if not _json_depth_ok(line):
        return _BadLine(f"JSON nested more than {MAX_JSON_DEPTH} deep（JSON 嵌套过深）")
    try:
        obj = _JSON.decode(line)
    except json.JSONDecodeError as e:
        return _BadLine(f"not valid JSON ({e.msg}, column {e.colno})（不是有效的 JSON）")
    except _JsonBound as e:
        return _BadLine(str(e))
    except (ValueError, RecursionError) as e:
        return _BadLine(f"not valid JSON ({type(e).__name__})（不是有效的 JSON）")
    return obj if isinstance(obj, dict) else _BadLine("a line must be a JSON object（每行须为一个 JSON 对象）")


def _read_jsonl_bytes(name: str, raw: bytes, encoding: str | None) -> Roster:
    enc = encoding or detect_encoding(raw[:_SNIFF_BYTES])
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise RosterError(f"{name}: not readable as {enc} near line {line} ({e.reason}); pass encoding= (--encoding gbk, utf-8, …)") from None
    except LookupError:
        raise RosterError(f"{name}: unknown encoding {enc!r}") from None
    if text.startswith("\ufeff"):
        text = text[1:]

    def lines() -> Iterable[tuple[int, Any]]:
        for no, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            yield no, _parse_json_line(line)

    return _from_mappings(lines(), name, "jsonl", numbered=True, encoding=enc)


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
            if v is not None and type(v) is not str and _is_missing(v):
                v = None
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


def _is_missing(v: Any) -> bool:
    """``NaN``, ``NaT``, ``pd.NA`` and the like: what a DataFrame's records hold for an empty cell (duck-typed,
    pandas is never imported)."""
    if isinstance(v, (bool, int, str, date)) and not type(v).__name__.startswith("NaT"):
        return False
    if isinstance(v, float):
        return v != v
    if type(v).__name__ in ("NaTType", "NAType"):
        return True
    try:
        return bool(v != v)
    except Exception:  # an object whose comparison is not a truth value
        return False


def _check_headers(path: Any, headers: list[str]) -> None:
    seen: set[str] = set()
    for h in headers:
        if h in seen and h:
            raise RosterError(f"{path}: column {h!r} appears twice in the header")
        seen.add(h)
