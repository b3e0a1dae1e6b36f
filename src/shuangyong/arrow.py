"""Arrow as the roster's data plane: DataFrames, Parquet and Arrow IPC in; Arrow, pandas and Parquet out.

Input (:func:`roster_from_frame`, :func:`read_table_file`, :func:`read_csv_arrow`): a pandas or
Polars DataFrame, an Arrow table or record batch, a ``.parquet`` / ``.arrow`` / ``.feather`` file,
or a plain CSV read by pyarrow's multithreaded reader, all become the same
:class:`~shuangyong.roster.reading.Roster` the CSV reader gives: text columns dictionary-encoded by Arrow
go straight into :class:`~shuangyong.roster.reading.CodedColumn` (codes + distinct values), so the roster
run never indexes them a second time.  Table rows are numbered as in the CSV the table would be
exported to: the header is row 1, the first person row 2.

Cells keep their meaning across inputs: null, NaN and NaT are empty; a whole float (pandas turns
an integer column with gaps into floats) is that integer; a timestamp is its date; an integer
身份证号 is its digits.  A CSV is read by pyarrow only when it is plain (no quotes, no blank lines,
no stray carriage returns, every line as wide as the header, every byte readable in its
encoding); anything else is read by the exact reader, which accounts for every line (fail closed).
GBK/GB18030 files are read as bytes and each distinct value decoded once.

Output (:func:`results_table`): results, rejects, or every roster row with its ``status``; money as
``decimal128(18, 2)`` (exact 元; never float).  :func:`batch_function` is the picklable
``RecordBatch → RecordBatch`` function that :mod:`shuangyong.spark` and :mod:`shuangyong.dask` run
on each partition.

pyarrow is the optional extra ``arrow``; without it a pandas DataFrame is still read (row by row).

A long module on purpose: both directions of the Arrow plane (frames, Parquet and CSV in; tables and Parquet out) and the batch function the Spark and Dask adapters share use one set of column conventions.
"""

from __future__ import annotations

import math
import os
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from attrs import frozen

from .errors import RosterError
from .record import canonical_key
from .roster.reading import CodedColumn, FixedTextColumn, Roster, _BytesColumn, contains_bytes, lone_carriage_return

__all__ = [
    "MONEY",
    "TABLE_FORMATS",
    "batch_function",
    "BatchFunction",
    "is_frame",
    "roster_from_frame",
    "read_table_file",
    "read_csv_arrow",
    "read_csv_arrow_bytes",
    "results_table",
    "results_schema",
    "write_parquet",
    "rows_table",
    "plain_value",
]

#: The Arrow type of every amount: exact 元 with two decimals (up to 10¹⁶ 元).
MONEY_PRECISION = 18
#: Roster file suffixes read through Arrow.
TABLE_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".arrow": "ipc", ".feather": "ipc", ".ipc": "ipc"}


def _pa() -> Any:
    try:
        import pyarrow
    except ImportError:
        from .extras import install_hint

        raise RosterError(f"this needs pyarrow: {install_hint('arrow')}") from None
    return pyarrow


def have_arrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def money_type(bits: int = 128) -> Any:
    """Exact money: ``decimal128(18, 2)``; ``bits=64``: ``decimal64(18, 2)``, the Parquet writer's pieces."""
    return _pa().decimal64(MONEY_PRECISION, 2) if bits == 64 else _pa().decimal128(MONEY_PRECISION, 2)


MONEY = "decimal128(18, 2)"


# == reading ==================================================================================


def is_frame(source: Any) -> bool:
    """Whether ``source`` is a table held in memory: pandas / Polars DataFrame, Arrow table or record batch."""
    mod = type(source).__module__.split(".")[0]
    if mod == "pyarrow":
        return type(source).__name__ in ("Table", "RecordBatch")
    if mod in ("pandas", "polars"):
        return type(source).__name__ == "DataFrame"
    return False


def roster_from_frame(source: Any, *, first_row: int = 2, rows: Sequence[int] | None = None) -> Roster:
    """A :class:`Roster` from a pandas / Polars DataFrame or an Arrow table / record batch.

    Row ``i`` of the table is row ``first_row + i`` (or ``rows[i]``) in results and rejects.
    """
    mod = type(source).__module__.split(".")[0]
    kind = {"pandas": "pandas", "polars": "polars"}.get(mod, "arrow")
    if not have_arrow():
        if mod == "pandas":
            return _pandas_records(source, first_row, rows)
        if mod == "polars":
            return _records_roster(source.to_dicts(), "polars", first_row, rows)
        _pa()
    pa = _pa()
    if mod == "pandas":
        try:
            table = pa.Table.from_pandas(source, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError, TypeError):
            # Mixed types in one object column: Arrow would have to guess; read it row by row instead.
            return _pandas_records(source, first_row, rows)
    elif mod == "polars":
        table = source.to_arrow()
    elif isinstance(source, pa.RecordBatch):
        table = pa.Table.from_batches([source])
    else:
        table = source
    return roster_from_table(table, source=kind, format=kind, first_row=first_row, rows=rows)


class _Columns:
    """A table's columns handed over to :func:`roster_from_table`, which lets each go once it is read: the
    roster's columns and the table's are then never all held at once (≈ 60 MB at 10⁶ rows)."""

    def __init__(self, table: Any) -> None:
        self.column_names = list(table.column_names)
        self.columns: list[Any] = list(table.columns)
        self.num_rows = table.num_rows


def roster_from_table(table: Any, *, source: str, format: str, first_row: int = 2, rows: Sequence[int] | None = None,
                      encoding: str = "") -> Roster:
    """A :class:`Roster` whose columns are the table's columns (dictionary-encoded text → :class:`CodedColumn`)."""
    import numpy as np

    headers = [str(n).strip() for n in table.column_names]
    seen: set[str] = set()
    for h in headers:
        if h in seen:
            raise RosterError(f"{source}: column {h!r} appears twice")
        seen.add(h)
    data: dict[str, Any] = {}
    handed = isinstance(table, _Columns)
    columns = table.columns if handed else list(table.columns)
    for j, h in enumerate(headers):
        col = columns[j]
        if handed:
            columns[j] = None  # read below, then let go
        data[h] = _column(np, col, canonical_key(h), encoding or "utf-8")
        del col
    n = table.num_rows
    numbers = _row_numbers(first_row, n, rows)
    if len(numbers) != n:
        raise ValueError("rows must number every row of the table")
    return Roster(headers=headers, data=data, row_numbers=numbers, source=source, format=format, encoding=encoding)


def _row_numbers(first_row: int, n: int, rows: Sequence[int] | None) -> array[int]:
    """The roster's row numbers: ``rows``, else ``first_row`` on."""
    if rows is None and array("l").itemsize == 8:
        try:
            import numpy as np
        except ImportError:
            pass
        else:
            numbers = array("l")
            numbers.frombytes(np.arange(first_row, first_row + n, dtype=np.int64).data.cast("B"))  # not an int object a row
            return numbers
    return array("l", rows if rows is not None else range(first_row, first_row + n))


def _column(np: Any, col: Any, key: str | None, encoding: str) -> Any:
    """One Arrow column as a roster column (a list, or codes into its distinct values)."""
    pa = _pa()
    import pyarrow.compute as pc

    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    t = col.type
    binary = pa.types.is_binary(t) or pa.types.is_large_binary(t)
    text = pa.types.is_string(t) or pa.types.is_large_string(t)
    if key in ("name", "id_number") and (text or binary) and not pa.types.is_dictionary(t):
        if key == "name" and col.null_count == 0:
            # Names: no rule reads them; decoded cell by cell only when shown.
            offsets = _offsets(np, col)
            data = col.buffers()[2]
            raw = data.to_pybytes() if data is not None else b""
            # (the offsets as Arrow holds them, two views of one buffer: no 10⁶-row int64 copies)
            return _BytesColumn(raw, offsets[:-1], offsets[1:], encoding if binary else "utf-8")
        if col.null_count == 0 and len(col):
            offsets = _offsets(np, col)
            if int(offsets[-1] - offsets[0]) == 18 * len(col) and bool((np.diff(offsets) == 18).all()):
                # The usual 身份证号 column: every cell 18 bytes; one decode, then cut (decoded from Arrow's
                # buffer as it is: no copy of its bytes first).
                try:
                    return FixedTextColumn(str(memoryview(col.buffers()[2])[int(offsets[0]):int(offsets[-1])], "ascii"), 18)
                except UnicodeDecodeError:
                    pass
        cells = col.to_pylist()
        return [c.decode(encoding) if isinstance(c, bytes) else c for c in cells] if binary else cells
    if pa.types.is_dictionary(t):
        dictionary, indices = col.dictionary, col.indices
    else:
        try:
            enc = pc.dictionary_encode(col)
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            return [plain_value(v, key) for v in col.to_pylist()]
        dictionary, indices = enc.dictionary, enc.indices
    # Text is as the roster reads it (plain_value leaves a str as it is): only other values go through it.
    values = [v if type(v) is str else plain_value(v.decode(encoding) if isinstance(v, bytes) else v, key)
              for v in dictionary.to_pylist()]
    codes = _numbers(np, indices)
    if indices.null_count:
        values.append(None)
        valid = np.unpackbits(np.frombuffer(indices.buffers()[0], dtype=np.uint8), bitorder="little")
        codes = np.where(valid[indices.offset:indices.offset + len(indices)] == 0, len(values) - 1, codes)
    return CodedColumn(np.asarray(codes, dtype=np.int32), [sys.intern(v) if type(v) is str else v for v in values])


def utf8_valid(raw: bytes) -> bool | None:
    """Whether ``raw`` is valid UTF-8, by Arrow's validator on the bytes as they are (``None``: no pyarrow)."""
    if not have_arrow():
        return None
    import numpy as np

    pa = _pa()
    offsets = np.array([0, len(raw)], dtype=np.int64)
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(raw)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _has_empty_cell(col: Any) -> bool:
    """Whether a string or binary column (chunked or not) has an empty cell: its offsets, no cell copied."""
    import numpy as np

    for chunk in getattr(col, "chunks", [col]):
        if not len(chunk):
            continue
        if _pa().types.is_dictionary(chunk.type):  # an empty cell is a code of the empty value
            empty = np.flatnonzero(np.diff(_offsets(np, chunk.dictionary)) == 0)
            if len(empty) and np.isin(_numbers(np, chunk.indices), empty).any():
                return True
            continue
        if not np.diff(_offsets(np, chunk)).all():
            return True
    return False


def _offsets(np: Any, arr: Any) -> Any:
    """A string or binary array's cell offsets (one more than its cells) as a numpy view."""
    large = _pa().types.is_large_binary(arr.type) or _pa().types.is_large_string(arr.type)
    return np.frombuffer(arr.buffers()[1], dtype=np.int64 if large else np.int32)[arr.offset:arr.offset + len(arr) + 1]


def json_int_array(np: Any, values: Any) -> str:
    """A JSON array of int64 ``values``, as ``json.dumps(list, separators=(",", ":"))`` writes it, by Arrow's
    integer-to-text cast and join (≈ 3× faster at 10⁶ values, no Python int per value)."""
    pa = _pa()
    import pyarrow.compute as pc

    n = len(values)
    if not n:
        return "[]"
    text = _int64_array(np, values).cast(pa.large_string())
    # Arrays from buffers, not ``binary_join`` with a ``","`` separator: a Python str there becomes an Arrow scalar
    # through pyarrow's pandas shim, which imports pandas (a second) where it is installed.
    commas = pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(np.arange(n + 1, dtype=np.int64)), pa.py_buffer(b"," * n)])
    nothing = pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(np.zeros(n + 1, dtype=np.int64)), pa.py_buffer(b"")])
    joined = pc.binary_join_element_wise(text, nothing, commas)  # each value, then a comma (the separator)
    offsets = _offsets(np, joined)
    return "[" + str(memoryview(joined.buffers()[2])[int(offsets[0]):int(offsets[-1]) - 1], "ascii") + "]"


def _numbers(np: Any, arr: Any) -> Any:
    """An Arrow integer array's values as a numpy view (``to_numpy`` would import pandas, a second or so)."""
    unsigned = _pa().types.is_unsigned_integer(arr.type)
    dtype = np.dtype(f"{'u' if unsigned else ''}int{arr.type.bit_width}")
    return np.frombuffer(arr.buffers()[1], dtype=dtype)[arr.offset:arr.offset + len(arr)]


def _int64_array(np: Any, values: Any) -> Any:
    pa = _pa()
    v = np.ascontiguousarray(np.asarray(values, dtype=np.int64))
    return pa.Array.from_buffers(pa.int64(), len(v), [None, pa.py_buffer(v)])


def _validity(np: Any, valid: Any) -> Any:
    return _pa().py_buffer(np.packbits(np.asarray(valid, dtype=bool), bitorder="little"))


# Arrays from Python values are built from their buffers here, never with ``pa.array``: that call looks
# for pandas types first and so imports pandas wherever it is installed (about a second per command).

def _bool_array(np: Any, values: Any) -> Any:
    v = np.asarray(values, dtype=bool)
    return _pa().Array.from_buffers(_pa().bool_(), len(v), [None, _validity(np, v)])


def _text_array(np: Any, values: Sequence[str | None]) -> Any:
    """Text cells (``None`` → null) as an Arrow string array."""
    pa = _pa()
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    large = bool(offsets[-1] >= 2**31)
    kind = pa.large_string() if large else pa.string()
    nulls = [v is None for v in values]
    null_count = sum(nulls)
    validity = _validity(np, ~np.asarray(nulls, dtype=bool)) if null_count else None
    buffers = [validity, pa.py_buffer(offsets if large else offsets.astype(np.int32)), pa.py_buffer(b"".join(encoded))]
    arr = pa.Array.from_buffers(kind, len(encoded), buffers, null_count=null_count)
    return arr.cast(pa.string()) if large else arr


def _decimal_money_array(np: Any, values: Sequence[Any]) -> Any:
    """Amounts (``Decimal``, ``int`` or ``None`` → null) as exact ``decimal128(18, 2)``; a finer amount is refused."""
    fen = np.zeros(len(values), dtype=np.int64)
    valid = np.ones(len(values), dtype=bool)
    for i, v in enumerate(values):
        if v is None:
            valid[i] = False
            continue
        cents = Decimal(v) * 100
        if cents != cents.to_integral_value():
            raise ValueError(f"amount {v} has more than two decimal places: not written as decimal128(18, 2)")
        fen[i] = int(cents)
    arr = _money_array(np, fen, False)
    if valid.all():
        return arr
    return _pa().Array.from_buffers(money_type(), len(fen), [_validity(np, valid), arr.buffers()[1]],
                                    null_count=int(len(fen) - valid.sum()))


def plain_value(v: Any, key: str | None = None) -> Any:
    """A cell of a DataFrame or Arrow table as the roster reads it (the same with and without pyarrow).

    Null, NaN and NaT are empty (``None``); a whole float is an int; a timestamp is its date; an
    integer 身份证号 is its digits; numpy scalars are Python values.
    """
    if v is None:
        return None
    item = getattr(v, "item", None)
    if item is not None and type(v).__module__ == "numpy":
        v = item()
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if v.is_integer():
            v = int(v)
    elif isinstance(v, datetime):
        if type(v).__name__ == "NaTType":
            return None
        v = v.date()
    elif type(v).__name__ in ("NaTType", "NAType"):
        return None
    elif isinstance(v, Decimal) and v.is_nan():
        return None
    if key == "id_number" and isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return v


def _pandas_records(df: Any, first_row: int, rows: Sequence[int] | None) -> Roster:
    cols = [str(c) for c in df.columns]
    records = ({c: v for c, v in zip(cols, r)} for r in df.itertuples(index=False, name=None))
    return _records_roster(records, "pandas", first_row, rows, cols)


def _records_roster(records: Iterable[dict[str, Any]], kind: str, first_row: int, rows: Sequence[int] | None,
                    headers: list[str] | None = None) -> Roster:
    headers = list(headers) if headers is not None else []
    data: dict[str, list[Any]] = {h.strip(): [] for h in headers}
    n = 0
    for rec in records:
        for h in rec:
            hs = str(h).strip()
            if hs not in data:
                data[hs] = [None] * n
        for h in data:
            data[h].append(None)
        for h, v in rec.items():
            hs = str(h).strip()
            data[hs][n] = plain_value(v, canonical_key(hs))
        n += 1
    numbers = _row_numbers(first_row, n, rows)
    return Roster(headers=list(data), data=data, row_numbers=numbers, source=kind, format=kind)


def read_table_file(path: str | Path, format: str | None = None) -> Roster:
    """A Parquet or Arrow IPC (Feather v2) roster file."""
    pa = _pa()
    p = Path(path)
    fmt = format or TABLE_FORMATS.get(p.suffix.lower())
    if not p.is_file():
        raise RosterError(f"{p}: no such file")
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            # ParquetFile, not read_table: read_table goes through pyarrow.dataset, whose import pulls in pandas
            # (about a second) when it is installed.
            with pq.ParquetFile(p) as pf:
                # Text columns come back dictionary-encoded as Parquet stores them: the roster's codes without a
                # second indexing pass (IDs and names, one value a row, are read as plain text).
                coded = [f.name for f in pf.schema_arrow if (_pa().types.is_string(f.type) or _pa().types.is_large_string(f.type))
                         and canonical_key(str(f.name).strip()) not in ("id_number", "name")]
            with pq.ParquetFile(p, read_dictionary=coded) as pf:
                table = pf.read()
        elif fmt == "ipc":
            import pyarrow.feather as feather

            table = feather.read_table(p)
        else:
            raise RosterError(f"{p}: unknown table format {fmt!r}")
    except (pa.ArrowException, OSError) as e:
        raise RosterError(f"{p}: not a readable {fmt} file: {e}") from None
    parts = _Columns(table)
    del table
    try:
        return roster_from_table(parts, source=str(p), format=fmt)
    finally:
        del parts
        pa.default_memory_pool().release_unused()


#: Encodings in which ',', '"', CR and LF never occur inside another character.
_BYTE_SAFE = {"utf-8", "utf-8-sig", "gbk", "gb18030", "gb2312", "ascii", "cp936"}


def read_csv_arrow(path: Path, encoding: str) -> Roster | None:
    """A plain CSV read by pyarrow; ``None`` when the exact reader must read it (or pyarrow is absent).

    Plain: byte-safe encoding, no quote, NUL or lone CR, no blank line, every line as wide as the
    header, every value readable in ``encoding``.  Then line ``k`` of the file is row ``k`` and
    each cell is the same text the exact reader would give.
    """
    if not have_arrow():
        return None
    from .roster.reading import FileBytes

    try:
        raw = FileBytes(Path(path))
    except RosterError:
        return None
    return read_csv_arrow_bytes(str(path), raw, encoding)


def read_csv_arrow_bytes(name: str, raw: Any, encoding: str) -> Roster | None:
    """:func:`read_csv_arrow` of a file already in memory (``name`` for messages and ``Roster.source``).

    ``raw``: the bytes, or a file's :class:`~shuangyong.roster.reading.FileBytes` — then, once the bytes are
    checked, the table is parsed from the file and the bytes are let go while it is built.
    """
    if not have_arrow():
        return None
    import codecs

    from .roster.reading import FileBytes

    pa = _pa()
    import pyarrow.csv as pacsv

    holder = raw if isinstance(raw, FileBytes) else None
    if holder is not None:
        raw = holder.data()

    try:
        if codecs.lookup(encoding).name not in _BYTE_SAFE:
            return None
    except LookupError:
        return None
    body = memoryview(raw)[3:] if raw.startswith(codecs.BOM_UTF8) else memoryview(raw)
    if b'"' in raw or b"\0" in raw:
        return None  # quotes and NUL are the exact reader's to judge (blank lines too: see below)
    if lone_carriage_return(raw):
        return None
    if body[:1] in (b"\n", b"\r") or not raw or raw.isspace():  # (isspace stops at the first other byte; strip would copy)
        return None
    head_end = raw.find(b"\n", len(raw) - len(body))
    head = bytes(body[: (head_end - (len(raw) - len(body))) if head_end >= 0 else len(body)]).rstrip(b"\r")
    enc = "utf-8" if codecs.lookup(encoding).name == "utf-8-sig" else encoding
    try:
        inner_bom = "\ufeff".encode(enc)
    except UnicodeEncodeError:
        inner_bom = b""
    if inner_bom and contains_bytes(raw, inner_bom, len(raw) - len(body)):
        return None  # a byte-order mark inside the file (two files joined): the exact reader rejects that line
    try:
        headers = [h.strip() for h in head.decode(enc).split(",")]
    except UnicodeDecodeError:
        return None
    if headers and headers[0].startswith("\ufeff"):
        headers[0] = headers[0][1:]
    if len(headers) < 2 or len(set(headers)) != len(headers) or "" in headers:
        return None  # one column, a repeated or blank header: the exact reader's rules apply
    utf8 = codecs.lookup(enc).name == "utf-8"
    try:
        # Every byte must read (the exact reader names the line that does not); ',' and newlines are never
        # part of a character in these encodings, so each cell then decodes on its own too.  UTF-8 is
        # checked by Arrow as it reads (cells typed as strings); other encodings here, in pieces: the
        # whole file as text would double the memory a run needs.
        if not utf8 and not raw.isascii():
            dec = codecs.getincrementaldecoder(enc)()
            step = 1 << 22
            for k in range(0, len(body), step):
                dec.decode(body[k:k + step])
            dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    names = [f"c{j}" for j in range(len(headers))]
    start = len(raw) - len(body)  # a UTF-8 byte-order mark, read past by pyarrow itself from a file
    source: Any = pa.py_buffer(body)
    if holder is not None and start in (0, len(codecs.BOM_UTF8)):
        # Parsed from the file, in blocks: the 100 MB of a 10⁶-row roster are not held while the table is built.
        body, raw, source = memoryview(b""), b"", None
        holder.drop()
        try:
            source = pa.OSFile(str(holder.path))
        except OSError as e:
            raise RosterError(f"{holder.path}: cannot read: {e}") from e
    elif holder is not None:
        holder = None  # (never: a prefix other than a byte-order mark) parsed from the bytes as they are
    cell = pa.string() if utf8 else pa.binary()
    # Columns of few values (category, 户籍, dates ...) are dictionary-encoded as they are parsed: their
    # codes feed the roster directly, and the text of every cell is never held (≈ 80 MB at 10⁶ rows).
    # IDs and names (a value a row) stay plain text.
    kinds = {c: cell if canonical_key(h) in ("id_number", "name") else pa.dictionary(pa.int32(), cell)
             for c, h in zip(names, headers)}
    try:
        # 4 MB blocks: 25 for a 10⁶-row roster keep both cores busy to the end (16 MB blocks left one core idle
        # for the last one) and hold less in flight (≈ 15 MiB less peak memory).
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(quote_char=False, escape_char=False, newlines_in_values=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=kinds,
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None  # a ragged line (or anything else pyarrow would not read as the exact reader does)
    finally:
        if holder is not None:
            source.close()
    if holder is not None:
        holder.check_unchanged()  # the bytes checked are the bytes parsed
    if table.num_rows and _has_empty_cell(table.column(0)) and (contains_bytes(holder.data() if holder is not None else raw, b"\n\n")
                                                                or contains_bytes(holder.data() if holder is not None else raw, b"\n\r\n")):
        # pyarrow reads a blank line as a row of empty cells; the exact reader skips it.  A blank line
        # has an empty first cell, so the (slow, two-byte) search only runs when some first cell is empty.
        return None
    if holder is not None:
        holder.drop()  # (read again only for the blank-line search above)
    del body, raw  # the table holds its own copy of the cells
    parts = _Columns(table.rename_columns(headers))
    del table
    try:
        # Cells are decoded with the plain codec: utf-8-sig would strip a BOM inside a cell.
        roster = roster_from_table(parts, source=name, format="csv", encoding=enc)
    except UnicodeDecodeError:
        return None  # a byte the encoding does not read: the exact reader names its line
    finally:
        del parts
        pa.default_memory_pool().release_unused()  # give the parse's buffers back before the run needs memory
    roster.encoding = encoding
    return roster


# == writing ==================================================================================


def _money_array(np: Any, fen: Any, null_where_negative: bool, bits: int = 128) -> Any:
    """Integer 分 (int64) as exact ``decimal128(18, 2)`` (``bits=64``: ``decimal64(18, 2)``, the 分 buffer as it
    is, for the Parquet writer); the unscaled value is the 分 count."""
    pa = _pa()
    v = np.ascontiguousarray(np.asarray(fen, dtype=np.int64))
    n = len(v)
    if bits == 64:
        words = v
    else:
        words = np.empty((n, 2), dtype=np.int64)
        words[:, 0] = v
        words[:, 1] = v >> 63  # two's complement sign extension to 128 bits
    validity = None
    null_count = 0
    if null_where_negative:
        valid = v >= 0
        null_count = int(n - valid.sum())
        if null_count:
            validity = _validity(np, valid)
    return pa.Array.from_buffers(money_type(bits), n, [validity, pa.py_buffer(words)], null_count=null_count)


def results_schema(codes: Sequence[str], which: str = "results", keep: Sequence[tuple[str, Any]] = (),
                   money_bits: int = 128) -> Any:
    """The Arrow schema of :func:`results_table` (``keep``: ``(name, type)`` columns carried first)."""
    pa = _pa()
    money = money_type(money_bits)
    fields = [pa.field(k, t) for k, t in keep]
    if which == "rejects":
        return pa.schema([pa.field("row", pa.int64()), pa.field("id_number", pa.string()), pa.field("field", pa.string()),
                          pa.field("reason", pa.string())])
    if which in ("results", "all"):
        fields.append(pa.field("row", pa.int64()))
    fields.append(pa.field("id_number", pa.string()))
    fields += [pa.field(c, money) for c in codes]
    fields.append(pa.field("total", money))
    if which in ("all", "rows"):
        fields += [pa.field("status", pa.string()), pa.field("field", pa.string()), pa.field("reason", pa.string())]
    return pa.schema(fields)


def results_table(run: Any, which: str = "results", codes: Sequence[str] | None = None, start: int = 0,
                  stop: int | None = None, money_bits: int = 128) -> Any:
    """A roster run as an Arrow table.

    ``which``: ``"results"`` (the CSV results: ``row``, masked ``id_number``, one amount per rule
    code, ``total``), ``"rejects"`` (``row``, ``id_number``, ``field``, ``reason``) or ``"all"``
    (every roster row in roster order: the results columns, then ``status`` —
    ``computed``/``rejected`` — ``field`` and ``reason``; amounts null on a rejected row).
    ``codes`` fixes the amount columns (default: the run's rule codes); ``start``/``stop`` take a
    slice of the result rows (``"results"`` only: a writer goes through a large run in pieces).
    ``money_bits=64`` (``"results"`` only) gives ``decimal64(18, 2)`` amounts: the 分 buffers as they are, for
    :func:`write_parquet`, whose files read back as ``decimal128(18, 2)`` all the same.
    """
    import numpy as np

    from .roster.pricing import EncodedColumn
    from .roster.run import np_array
    from .ids import mask_id_number

    pa = _pa()
    o = run._o
    codes = list(o.codes) if codes is None else list(codes)
    if which == "rejects":
        rj = o.rejects
        return pa.Table.from_arrays([_int64_array(np, [r.row for r in rj]), _text_array(np, [r.id_number for r in rj]),
                                     _text_array(np, [r.field for r in rj]), _text_array(np, [r.reason for r in rj])],
                                    schema=results_schema(codes, "rejects"))
    if which not in ("results", "all"):
        raise ValueError(f"which must be 'results', 'rejects' or 'all', not {which!r}")
    n = len(o.rows)
    if which == "results" and (start or (stop is not None and stop < n)):
        cut = slice(start, n if stop is None else min(stop, n))
        n = len(range(n)[cut])
    elif which == "all" and (start or stop is not None):
        raise ValueError("start/stop apply to the results table only")
    else:
        cut = slice(0, n)
    def piece(values: Any) -> Any:  # slice before widening: a writer asks for eight pieces of 10⁶ rows
        if isinstance(values, EncodedColumn):
            return np.asarray(values.rows(cut.start, cut.stop), dtype=np.int64)  # not spelt out whole, nor held
        return np.asarray(values[cut], dtype=np.int64)

    rows = piece(o.rows)
    masked = _masked_ids(np, o.keys[cut])
    fen = {c: (piece(o.fen[c]) if c in o.fen else np.full(n, -1, dtype=np.int64)) for c in codes}
    total = piece(o.total)
    if which == "results":
        cols = [_int64_array(np, rows), masked]
        cols += [_money_array(np, fen[c], True, money_bits) for c in codes]
        cols.append(_money_array(np, total, False, money_bits))
        return pa.Table.from_arrays(cols, schema=results_schema(codes, "results", money_bits=money_bits))
    # every roster row: computed rows where the run put them, rejects in between
    size = len(run.roster)
    index = np.asarray(np_array(o.index), dtype=np.int64)
    numbers = np.asarray(run.roster.row_numbers, dtype=np.int64)
    pos = {int(r): i for i, r in enumerate(numbers.tolist())}
    status = np.full(size, "rejected", dtype=object)
    status[index] = "computed"
    field_col: list[str | None] = [None] * size
    reason_col: list[str | None] = [None] * size
    id_col: list[str | None] = [None] * size
    for i, m in zip(index.tolist(), masked.to_pylist()):
        id_col[i] = m
    for r in o.rejects:
        i = pos[r.row]
        field_col[i], reason_col[i], id_col[i] = r.field, r.reason, r.id_number
    def spread(values: Any) -> Any:
        out = np.full(size, -1, dtype=np.int64)
        out[index] = values
        return out

    totals = spread(total)
    cols = [_int64_array(np, numbers), _text_array(np, id_col)]
    cols += [_money_array(np, spread(fen[c]), True) for c in codes]
    tot = _money_array(np, np.maximum(totals, 0), False)
    if size != n:
        valid = np.zeros(size, dtype=bool)
        valid[index] = True
        tot = pa.Array.from_buffers(money_type(), size, [_validity(np, valid), tot.buffers()[1]], null_count=size - n)
    cols.append(tot)
    cols += [_text_array(np, status.tolist()), _text_array(np, field_col), _text_array(np, reason_col)]
    return pa.Table.from_arrays(cols, schema=results_schema(codes, "all"))


def _masked_ids(np: Any, keys: Sequence[str | None]) -> Any:
    """Masked 身份证号 as an Arrow string array: the usual 18 ASCII characters masked as whole arrays."""
    from .ids import mask_id_number
    from .privacy import mask_id_table

    pa = _pa()
    n = len(keys)
    try:
        joined = keys.text if isinstance(keys, FixedTextColumn) else "".join(keys)  # type: ignore[arg-type]
    except TypeError:  # a None among them (no valid ID)
        joined = ""
    if n:
        if len(joined) == 18 * n and joined.isascii():
            buf = mask_id_table(np, joined, n)
            offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int32)
            return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(buf)])
    return _text_array(np, [mask_id_number(k or "") for k in keys])


def results_pieces(run: Any, size: int = 1 << 17, money_bits: int = 128) -> Iterable[Any]:
    """The results table in pieces of ``size`` rows (at least one piece, so an empty run has its schema)."""
    n = run.computed
    for a in range(0, max(n, 1), size):
        yield results_table(run, "results", start=a, stop=a + size, money_bits=money_bits)


def to_pandas(table: Any) -> Any:
    """An Arrow results table as pandas: money columns keep ``pd.ArrowDtype(decimal128(18, 2))`` (exact)."""
    try:
        import pandas as pd
    except ImportError:
        raise RosterError("this needs pandas (pip install pandas)") from None

    pa = _pa()

    def mapper(t: Any) -> Any:
        return pd.ArrowDtype(t) if pa.types.is_decimal(t) else None

    return table.to_pandas(types_mapper=mapper)


def write_parquet(table: Any, sink: Any) -> None:
    """Write ``table`` (or an iterable of tables of one schema) as Parquet into ``sink``: an open binary
    file (the caller makes it atomic), or a path — then to a temporary name beside it, renamed when whole."""
    _pa()
    import pyarrow.parquet as pq

    if isinstance(sink, (str, Path)):
        from .outputs import atomic_file

        with atomic_file(sink, "wb") as fh:
            write_parquet(table, fh)
        return
    if hasattr(table, "schema"):
        pq.write_table(table, sink, **_parquet_options(table.schema))
        return
    from concurrent.futures import Future, ThreadPoolExecutor

    # Parquet encodes a piece without the GIL: the next piece is built while this one is written.
    writer = None
    pending: Future[None] | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="parquet") as pool:
        for piece in table:
            if writer is None:
                writer = pq.ParquetWriter(sink, piece.schema, **_parquet_options(piece.schema))
            if pending is not None:
                pending.result()
            pending = pool.submit(writer.write_table, piece)
        if pending is not None:
            pending.result()
    if writer is not None:
        writer.close()


def _parquet_options(schema: Any) -> dict[str, Any]:
    """How our Parquet files are encoded.

    Money stays Parquet's DECIMAL(18, 2) on FIXED_LEN_BYTE_ARRAY (8 bytes), the layout Hive and Impala
    read: INT64-backed decimals are ~0.2 s faster to write at 10⁶ rows but older Hive cannot read them
    (Spark's ``writeLegacyFormat`` exists for that reason).  Only text columns are dictionary-encoded:
    hashing 10⁶ amounts per rule for a dictionary was half of writing a results file; PLAIN pages
    (snappy) are readable everywhere, unlike the v2 DELTA encodings.
    """
    pa = _pa()
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
            or pa.types.is_dictionary(f.type)]
    # Min/max statistics for every column but the amounts: a decimal's min and max are compared byte by byte
    # on its big-endian form, a third of the time of writing a results file, and they skip little for a reader
    # of results; pages of 1 MiB take fewer of them and fewer page headers.
    stats = [f.name for f in schema if not pa.types.is_decimal(f.type)]
    options: dict[str, Any] = {"use_dictionary": text or False, "write_statistics": stats or False, "data_page_size": 1 << 20}
    if any(pa.types.is_decimal64(f.type) for f in schema):
        # decimal64 pieces (the 分 buffers as they are) must read back as every money column does,
        # decimal128(18, 2): without the stored Arrow schema readers follow the Parquet DECIMAL(18, 2) type.
        options["store_schema"] = False
    return options


def rows_table(header: Sequence[str], rows: Iterable[Mapping[str, Any]], titles: Mapping[str, str] | None = None,
               money: Iterable[str] = ()) -> Any:
    """Rows (mappings keyed by ``header``) as an Arrow table: ``money`` columns exact ``decimal128(18, 2)``,
    whole-number columns (row numbers) int64, every other column text (``None`` → null); column names from
    ``titles`` where given."""
    import numpy as np

    pa = _pa()
    money = set(money)
    rows = list(rows)
    cols = {}
    for h in header:
        vals = [r.get(h) for r in rows]
        if h in money:
            cols[str((titles or {}).get(h, h))] = _decimal_money_array(np, vals)
        elif vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            cols[str((titles or {}).get(h, h))] = _int64_array(np, vals)  # row numbers, counts
        else:
            cols[str((titles or {}).get(h, h))] = _text_array(np, [None if v is None else str(v) for v in vals])
    return pa.Table.from_arrays(list(cols.values()), names=list(cols))


# == a batch function for distributed engines =================================================

_ENGINES: dict[Any, Any] = {}


@frozen
class BatchFunction:
    """``RecordBatch → RecordBatch``: one roster run per batch; picklable; loads its engine once per process.

    The output has one row per input row, in input order: the ``keep`` columns unchanged, ``row``,
    masked ``id_number``, one ``decimal128(18, 2)`` amount per rule code of the engine (null where the
    rule does not apply), ``total``, ``status`` (``computed``/``rejected``), ``field`` and ``reason``.
    Called as ``fn(batch)``, the batch's rows are rows 2, 3, … and a 身份证号 repeated within the batch
    rejects its later rows, as :func:`run_roster` does.  :meth:`run` takes the batch's first row number
    and the repeats found across the whole roster (what the Spark and Dask adapters pass), so that
    every partitioning gives the single run's answer.
    """

    period: str
    packs: tuple[str, ...] | None = None
    overrides: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    region: str | None = None

    def engine(self) -> Any:
        key = (self.packs, self.overrides)
        eng = _ENGINES.get(key)
        if eng is None:
            from .roster.run import parse_override
            from .engine import Engine

            eng = Engine.from_plugins(list(self.packs) if self.packs is not None else None)
            if self.overrides:
                eng = eng.with_overrides([parse_override(o) for o in self.overrides])
            _ENGINES[key] = eng
        return eng

    def codes(self) -> list[str]:
        from .roster.run import _ordered_codes

        return _ordered_codes(self.engine())

    def schema(self, input_schema: Any) -> Any:
        """The output schema for an input of ``input_schema``."""
        missing = [k for k in self.keep if k not in input_schema.names]
        if missing:
            raise RosterError(f"keep: no column {', '.join(map(repr, missing))} in the roster")
        keep = [(k, input_schema.field(k).type) for k in self.keep]
        schema = results_schema(self.codes(), "all", keep)
        if len(set(schema.names)) != len(schema.names):
            raise RosterError(f"keep: a kept column may not be named like a result column ({', '.join(self.keep)})")
        return schema

    def __call__(self, batch: Any) -> Any:
        return self.run(batch)

    def run(self, batch: Any, first_row: int = 2, repeats: Mapping[int, int] | None = None) -> Any:
        """The output batch for ``batch``, whose first row is row ``first_row``; ``repeats`` maps a row
        number to the earlier row that has its 身份证号 (those rows are rejected, not computed)."""
        import numpy as np

        from .roster.run import repeat_reason, run_roster
        from .ids import mask_id_number

        pa = _pa()
        table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        schema = self.schema(table.schema)
        n = table.num_rows
        numbers = np.arange(first_row, first_row + n, dtype=np.int64)
        hit = np.zeros(n, dtype=bool)
        if repeats:
            hit = np.fromiter((int(r) in repeats for r in numbers.tolist()), dtype=bool, count=n)
        sub = table.filter(_bool_array(np, ~hit)) if hit.any() else table
        roster = roster_from_table(sub, source="batch", format="arrow", rows=numbers[~hit].tolist())
        if n and not any(k == "id_number" for k in roster.keys.values()):
            raise RosterError(f"no 身份证号 (id_number) column; columns are {', '.join(roster.headers)}")
        run = run_roster(self.engine(), roster, self.period, region=self.region)
        out = results_table(run, "all", self.codes())
        if hit.any():
            col = id_column(table.column_names)
            ids = table.column(col).filter(_bool_array(np, hit)).to_pylist() if col else [None] * int(hit.sum())
            rows = numbers[hit].tolist()
            rejected = {name: pa.nulls(len(rows), out.schema.field(name).type) for name in out.column_names}
            rejected["row"] = _int64_array(np, rows)
            rejected["id_number"] = _text_array(np, [mask_id_number(str(plain_value(v, "id_number") or "").strip()) for v in ids])
            rejected["status"] = _text_array(np, ["rejected"] * len(rows))
            rejected["field"] = _text_array(np, ["id_number"] * len(rows))
            rejected["reason"] = _text_array(np, [repeat_reason(repeats[r]) for r in rows])  # type: ignore[index]
            out = pa.concat_tables([out, pa.Table.from_arrays(list(rejected.values()), schema=out.schema)]).sort_by("row")
        arrays = [table.column(k).combine_chunks() for k in self.keep] + [c.combine_chunks() for c in out.columns]
        return pa.RecordBatch.from_arrays(arrays, schema=schema)


def batch_function(period: Any, packs: Iterable[str] | None = None, overrides: Iterable[Any] = (), keep: Iterable[str] = (),
                   region: str | None = None) -> BatchFunction:
    """A picklable ``pyarrow.RecordBatch → pyarrow.RecordBatch`` function for Spark, Dask, Ray, or a loop.

    ``period``: ``2024``, ``"2024-08"``…; ``packs``: pack names (default: every installed pack);
    ``overrides``: what-if overrides (``"name=value[@date]"`` strings); ``keep``: input columns to
    carry through (a person key, the county code).  See :class:`BatchFunction` for the output.
    """
    from .periods import Period, parse_period

    p = Period.year(period) if isinstance(period, int) else parse_period(period) if isinstance(period, str) else period
    if not isinstance(p, Period):
        raise TypeError("period must be a Period, a year or a period string")
    ov = tuple(o if isinstance(o, str) else f"{o[0]}={o[1]}" + (f"@{o[2]}" if len(o) > 2 and o[2] else "") for o in overrides)
    return BatchFunction(period=p.label, packs=tuple(packs) if packs is not None else None,
                         overrides=ov, keep=tuple(keep), region=region)


def id_column(headers: Sequence[str]) -> str | None:
    """The first header that is the 身份证号 (by English key or Chinese alias), or ``None``."""
    for h in headers:
        if canonical_key(str(h).strip()) == "id_number":
            return h
    return None


def canonical_ids(batch: Any, column: str) -> Any:
    """The canonical 身份证号 of each row of ``column`` (null when empty or invalid), as a string array."""
    from .ids import normalize_id_number

    import numpy as np

    out = []
    for v in batch.column(column).to_pylist():
        v = plain_value(v, "id_number")
        out.append(normalize_id_number(v) if isinstance(v, str) and v.strip() else None)
    return _text_array(np, out)


def find_repeats(rows: Iterable[int], keys: Iterable[str | None]) -> dict[int, int]:
    """Row number → the first (lowest) row number with the same canonical 身份证号, for every later row."""
    first: dict[str, int] = {}
    pairs = sorted((r, k) for r, k in zip(rows, keys) if k is not None)
    out: dict[int, int] = {}
    for r, k in pairs:
        f = first.setdefault(k, r)
        if f != r:
            out[r] = f
    return out
