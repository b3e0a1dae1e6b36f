"""Writing output files whole: atomic files, output path checks, a lock, formula-safe tables.

* :func:`atomic_file` — write to a temporary file in the same folder, flush and fsync it, and rename it
  into place only when the block ends without an exception: a reader (or a ``kill -9``) never sees a
  half-written file at the output path.  ``"-"`` means standard output (nothing to rename).
* :class:`OutputSet` — several atomic files renamed together at the end, in the order opened (a
  roster run's results, rejects, and last the summary that names them).
* :func:`check_output_paths` — refuse, before anything is read, an output path that is the input or
  another output.
* :class:`OutputLock` — one run at a time per output path: a second run waits (``wait`` seconds) or
  fails with :class:`OutputLockedError`.  The lock is an OS file lock, so a killed run leaves no
  stale lock behind.
* :func:`safe_cell` / :func:`write_table` — a text cell beginning with ``=``, ``+``, ``-``, ``@``, tab
  or CR is prefixed ``'`` in CSV (and written as a text cell in XLSX) so a spreadsheet never runs
  it as a formula; one table writer for CSV (UTF-8 with BOM, for Excel), JSON Lines and formatted
  XLSX (text-formatted ID columns, a number format for money, header style, widths, frozen header,
  a totals row).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from .errors import OutputError, OutputLockedError, OutputPathError

__all__ = [
    "FORMATS",
    "STDOUT",
    "atomic_file",
    "AtomicFile",
    "OutputSet",
    "check_output_paths",
    "OutputLock",
    "safe_cell",
    "FORMULA_STARTS",
    "format_of",
    "write_table",
]

#: Table formats :func:`write_table` writes.
FORMATS = ("csv", "jsonl", "xlsx")

#: The path that means standard output.
STDOUT = "-"

#: First characters that make a spreadsheet read a cell as a formula (or that Excel strips).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# -- atomic files --------------------------------------------------------------------------


class AtomicFile:
    """A file written under a temporary name in the target's folder and renamed into place by
    :meth:`commit` (after flush + fsync); :meth:`discard` removes the temporary file.

    ``path`` ``"-"`` writes to standard output directly (commit only flushes).
    """

    def __init__(self, path: str | os.PathLike[str], mode: str = "wb", encoding: str | None = None,
                 newline: str | None = None) -> None:
        if mode not in ("w", "wb"):
            raise ValueError("AtomicFile writes only: mode 'w' or 'wb'")
        self.path = str(path)
        self.binary = mode == "wb"
        self.tmp: str | None = None
        self._done = False
        if self.path == STDOUT:
            buf = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
            if buf is None:  # a replaced sys.stdout (tests, notebooks): text only
                if self.binary:
                    self.file: IO[Any] = _TextToBytes(sys.stdout)  # type: ignore[assignment]
                else:
                    self.file = sys.stdout
            else:
                sys.stdout.flush()
                self.file = buf if self.binary else io.TextIOWrapper(buf, encoding=encoding or "utf-8", newline=newline,
                                                                       write_through=True)
            return
        target = Path(self.path)
        folder = target.parent if str(target.parent) else Path(".")
        fd, self.tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        try:
            self.file = os.fdopen(fd, mode, encoding=None if self.binary else (encoding or "utf-8"),
                                  newline=None if self.binary else newline)
        except BaseException:
            os.close(fd)
            os.unlink(self.tmp)
            raise

    def write(self, data: Any) -> int:
        return int(self.file.write(data))

    def commit(self) -> None:
        """Flush, fsync and rename into place (the folder is fsynced too, where the OS allows)."""
        if self._done:
            return
        self._done = True
        if self.tmp is None:
            self.file.flush()
            if isinstance(self.file, io.TextIOWrapper) and self.file is not sys.stdout:
                self.file.detach()  # leave sys.stdout.buffer open
            return
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            # mkstemp creates the file 0600; an output is an ordinary file of the user's
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)
            os.replace(self.tmp, self.path)
        except BaseException:
            self.discard()
            raise
        _fsync_dir(Path(self.path).parent)

    def discard(self) -> None:
        """Remove the temporary file; the output path keeps what it had before."""
        self._done = True
        if self.tmp is None:
            return
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; its rename is durable enough
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _TextToBytes(io.RawIOBase):
    """Bytes written to a text stream (a replaced ``sys.stdout``), decoded as UTF-8."""

    def __init__(self, text: Any) -> None:
        self.text = text

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.text.write(bytes(b).decode("utf-8", errors="replace"))
        return len(b)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], mode: str = "wb", encoding: str | None = None,
                newline: str | None = None) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it appears only when whole.

    >>> with atomic_file("results.csv", "w", encoding="utf-8-sig", newline="") as fh:  # doctest: +SKIP
    ...     fh.write("row,total\r\n")

    An exception inside the block leaves the path as it was (the temporary file is removed).
    """
    f = AtomicFile(path, mode, encoding, newline)
    try:
        yield f.file
    except BaseException:
        f.discard()
        raise
    f.commit()


class OutputSet:
    """Several atomic files renamed into place together, in the order they were opened.

    A roster run opens results, rejects and last the summary: if anything fails, no file of the set
    replaces what was at its path; once the summary (which names the others) is in place, the files
    it vouches for are already whole.
    """

    def __init__(self) -> None:
        self.files: list[AtomicFile] = []

    def open(self, path: str | os.PathLike[str], mode: str = "wb", encoding: str | None = None,
             newline: str | None = None) -> IO[Any]:
        f = AtomicFile(path, mode, encoding, newline)
        self.files.append(f)
        return f.file

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is not None:
            for f in self.files:
                f.discard()
            return
        for f in self.files:
            if f.tmp is not None:
                try:
                    f.file.flush()
                    os.fsync(f.file.fileno())
                except BaseException:
                    for g in self.files:
                        g.discard()
                    raise
        for f in self.files:
            f.commit()


# -- output paths and the lock ------------------------------------------------------------


def _same(a: str, b: str) -> bool:
    if a == STDOUT or b == STDOUT:
        return False
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return pa.samefile(pb)
    except OSError:
        pass
    return os.path.normcase(os.path.realpath(pa)) == os.path.normcase(os.path.realpath(pb))


def check_output_paths(inputs: Iterable[object], outputs: Mapping[str, object]) -> None:
    """Refuse an output path that is an input or another output (before anything is read).

    ``outputs`` maps an option name (``--out``) to its path (``None`` = not written).  ``"-"``
    (standard output) may be given once.
    """
    ins = [str(p) for p in inputs if isinstance(p, (str, os.PathLike)) and str(p) != STDOUT]
    outs = [(k, str(v)) for k, v in outputs.items() if v is not None and str(v) != ""]
    for k, p in outs:
        for i in ins:
            if _same(p, i):
                raise OutputPathError(k, p, "is the input file; it would be overwritten (输出文件不能是输入文件)")
        if p != STDOUT and Path(p).is_dir():
            raise OutputPathError(k, p, "is a folder; give a file name (输出路径是文件夹)")
    for a in range(len(outs)):
        for b in range(a + 1, len(outs)):
            (ka, pa), (kb, pb) = outs[a], outs[b]
            if pa == STDOUT and pb == STDOUT:
                raise OutputPathError(kb, pb, f"{ka} already writes to standard output (只能有一个输出写到标准输出)")
            if _same(pa, pb):
                raise OutputPathError(kb, pb, f"is also the path of {ka}; each output needs its own file (输出文件重复)")


class OutputLock:
    """A lock per output path (``.NAME.lock`` next to it), held while a run writes its outputs.

    ``wait`` seconds to wait for another run holding it (0 = fail at once).  Uses ``fcntl.flock``
    (POSIX) or ``msvcrt.locking`` (Windows): the OS releases it when the process dies, so a killed
    run never blocks the next one.
    """

    def __init__(self, paths: Iterable[object], wait: float = 0.0) -> None:
        self.paths = sorted({str(Path(str(p)).resolve()) for p in paths if p is not None and str(p) not in ("", STDOUT)})
        self.wait = max(0.0, float(wait))
        self._held: list[tuple[str, int]] = []

    @staticmethod
    def lock_path(path: str) -> str:
        p = Path(path)
        return str(p.parent / f".{p.name}.lock")

    def acquire(self) -> None:
        deadline = time.monotonic() + self.wait
        try:
            for path in self.paths:  # sorted: two runs over overlapping outputs cannot deadlock
                self._held.append((self.lock_path(path), self._acquire_one(path, deadline)))
        except BaseException:
            self.release()
            raise

    def _acquire_one(self, path: str, deadline: float) -> int:
        lock = self.lock_path(path)
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            if _try_lock(fd):
                # The holder before us may have removed the lock file after we opened it: then ours
                # is a lock on a deleted file, and the next run would lock a new one — start over.
                try:
                    same = os.path.samestat(os.fstat(fd), os.stat(lock))
                except FileNotFoundError:
                    same = False
                if same:
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, 0)
                        os.write(fd, f"{os.getpid()}\n".encode())
                    return fd
                _unlock(fd)
                os.close(fd)
                continue
            os.close(fd)
            if time.monotonic() >= deadline:
                raise OutputLockedError(path, self.wait)
            time.sleep(0.05)

    def release(self) -> None:
        for lock, fd in reversed(self._held):
            with contextlib.suppress(OSError):
                os.unlink(lock)
            with contextlib.suppress(OSError):
                _unlock(fd)
            with contextlib.suppress(OSError):
                os.close(fd)
        self._held = []

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


# -- formula-safe tables ---------------------------------------------------------------------


def safe_cell(value: object) -> str:
    """A cell as CSV text that no spreadsheet runs as a formula: ``=1+2`` → ``'=1+2``.

    Only text is neutralised; the library's own numbers (``Decimal``, ``int``) are written as they
    are, so a negative amount stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return str(value)
    s = str(value)
    if s and s[0] in FORMULA_STARTS:
        return "'" + s
    return s


def format_of(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The table format: ``format`` when given, else by the path's suffix (default csv)."""
    if format is not None:
        if format not in FORMATS:
            raise OutputError(f"unknown output format {format!r}; choose from {', '.join(FORMATS)} (未知的输出格式)")
        return format
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}.get(Path(str(path)).suffix.lower(), "csv")


def write_table(
    path: str | os.PathLike[str],
    header: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    format: str | None = None,
    *,
    titles: Mapping[str, str] | None = None,
    money: Iterable[str] = (),
    text: Iterable[str] = (),
    totals: str | None = None,
    sheet: str = "Sheet1",
    file: IO[Any] | None = None,
) -> None:
    """Write rows (mappings keyed by ``header``) as CSV, JSON Lines or XLSX, atomically.

    ``titles`` maps a key to the column title shown (default the key; JSON Lines always uses keys);
    ``money`` names the amount columns (XLSX number format ``#,##0.00``, summed in the totals row);
    ``text`` the columns kept as text whatever they hold (IDs, account numbers: XLSX format ``@``);
    ``totals`` — the label of a totals row under the table (XLSX and CSV), e.g. ``"合计"``.
    Text cells are formula-safe in every format a spreadsheet opens.  ``file``: write into this
    open binary file instead of ``path`` (the caller makes it atomic).
    """
    fmt = format_of(path, format)
    money_cols = [h for h in header if h in set(money)]
    sums: dict[str, Decimal] = {h: Decimal(0) for h in money_cols}
    shown = [str((titles or {}).get(h, h)) for h in header]

    def counted(it: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        for r in it:
            for h in money_cols:
                v = r.get(h)
                if isinstance(v, (Decimal, int)) and not isinstance(v, bool):
                    sums[h] += v
            yield r

    def totals_row() -> dict[str, Any]:
        row: dict[str, Any] = {h: None for h in header}
        row[header[0]] = totals
        row.update(sums)
        return row

    with contextlib.ExitStack() as stack:
        fh = file if file is not None else stack.enter_context(atomic_file(path, "wb"))
        if fmt == "csv":
            # A BOM makes Excel read UTF-8 Chinese right; a pipe (standard output) gets none.
            bom = str(path) != STDOUT
            out = io.TextIOWrapper(fh, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=False)
            try:
                w = csv.writer(out)
                w.writerow([safe_cell(h) for h in shown])
                for r in counted(rows):
                    w.writerow([safe_cell(r.get(h)) for h in header])
                if totals is not None and header:
                    tr = totals_row()
                    w.writerow([safe_cell(tr.get(h)) for h in header])
                out.flush()
            finally:
                out.detach()
        elif fmt == "jsonl":
            for r in rows:
                line = json.dumps({h: _json_value(r.get(h)) for h in header}, ensure_ascii=False)
                fh.write(line.encode("utf-8") + b"\n")
        else:
            _write_xlsx(fh, header, shown, counted(rows), set(money_cols), set(text), totals_row if totals else None, sheet)


def _json_value(v: Any) -> Any:
    # Money stays exact: a Decimal is written as its string, never as a float.
    if isinstance(v, Decimal):
        return str(v)
    if v is None or isinstance(v, (str, int, bool)):
        return v
    return str(v)


def _write_xlsx(fh: IO[Any], header: Sequence[str], shown: Sequence[str], rows: Iterable[Mapping[str, Any]],
                money: set[str], text: set[str], totals: Any, sheet: str) -> None:
    try:
        import openpyxl
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter
    except ImportError:
        raise OutputError("writing .xlsx needs openpyxl (pip install openpyxl) — 写 .xlsx 需要 openpyxl") from None
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31] or "Sheet1")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    # Widths from the header and a sample of rows (a write-only sheet is streamed: sized up front).
    rows = iter(rows)
    sample: list[Mapping[str, Any]] = []
    for r in rows:
        sample.append(r)
        if len(sample) >= 200:
            break
    for j, h in enumerate(header, start=1):
        width = max([_width(shown[j - 1])] + [_width(_xlsx_text(r.get(h))) for r in sample])
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)

    def cell(h: str, v: Any, style: Font | None = None) -> Any:
        c = WriteOnlyCell(ws)
        if v is None:
            c.value = None
        elif h in money and isinstance(v, (Decimal, int)) and not isinstance(v, bool):
            c.value = v
            c.number_format = "#,##0.00"
        elif isinstance(v, (int, Decimal)) and not isinstance(v, bool) and h not in text:
            c.value = v
        else:
            # Text cell: set_explicit keeps "=…" a string (openpyxl would otherwise store a formula).
            c.value = _xlsx_text(v)
            c.data_type = "s"
            if h in text:
                c.number_format = "@"
        if style is not None:
            c.font = style
        return c

    head = []
    for s in shown:
        c = WriteOnlyCell(ws, value=None)
        c.value = s
        c.data_type = "s"
        c.font = bold
        c.fill = fill
        c.alignment = Alignment(horizontal="center")
        head.append(c)
    ws.append(head)
    for r in sample:
        ws.append([cell(h, r.get(h)) for h in header])
    for r in rows:
        ws.append([cell(h, r.get(h)) for h in header])
    if totals is not None:
        tr = totals()
        ws.append([cell(h, tr.get(h), bold) for h in header])
    wb.save(fh)


def _xlsx_text(v: Any) -> str:
    if v is None:
        return ""
    s = str(v)
    # Control characters other than tab/CR/LF are not allowed in XLSX XML: show them escaped.
    if any(ord(c) < 32 and c not in "\t\r\n" for c in s):
        s = "".join(c if ord(c) >= 32 or c in "\t\r\n" else f"\\x{ord(c):02x}" for c in s)
    return s


def _width(s: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in s)
