"""CSV rows assembled as bytes with numpy: each column a small table of distinct texts and a code per row.

Roster results have a million rows but few distinct cells per column (an amount repeats for everyone
with the same grade, 户籍 and months), so a column is given as the bytes of its distinct texts and the
text of each row, and every row's line is put together in one buffer without a Python string per
cell.  Only for ASCII texts that need no CSV quoting (digits, ``.``, ``-``, ``*``, ``X``); anything
else is written with the ``csv`` module.

With the ``arrow`` extra the lines are put together by Arrow's C++ kernels (``take`` of each
column's texts, then ``binary_join_element_wise``), several times faster than the numpy word
matrix; without it, numpy.  The bytes are the same (tested side by side).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .keys import group_rows

__all__ = ["Numbers", "text_table", "number_table", "join_rows", "merge_grouped", "plain"]

#: A column for :func:`join_rows`: (bytes of each distinct text, their lengths, which text each row has
#: — ``None`` when row ``i`` has text ``i``).  A column with a text per row may instead be
#: ``(make, None, None)``, ``make(a, b)`` giving the table and lengths of rows ``a`` to ``b``: the
#: lines are joined chunk by chunk, and a whole-roster table of such a column is then never held.
Column = tuple[Any, Any, Any]


def _rows(col: Column, a: int, b: int) -> tuple[Any, Any]:
    """The table and lengths of rows ``a`` to ``b`` of a column with a text per row."""
    tab, lengths, _ = col
    return tab(a, b) if callable(tab) else (tab[a:b], lengths[a:b])


def plain(text: str) -> bool:
    """True when ``text`` can be a CSV cell as it is (ASCII, no comma, quote or line break)."""
    return text.isascii() and not any(ch in text for ch in ',"\r\n')


def text_table(np: Any, texts: Sequence[str]) -> tuple[Any, Any]:
    """The texts as a (K, width) byte table (zero-padded) and their lengths."""
    return _bytes_table(np, [t.encode("ascii") for t in texts])


def _bytes_table(np: Any, items: Sequence[bytes]) -> tuple[Any, Any]:
    lens = np.array([len(b) for b in items], dtype=np.int64)
    width = int(lens.max()) if len(items) else 0
    tab = np.zeros((len(items), max(width, 1)), dtype=np.uint8)
    for i, b in enumerate(items):
        if b:
            tab[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
    return tab, lens


def _with_suffix(np: Any, tab: Any, lengths: Any, suffix: bytes, width: int) -> tuple[Any, Any]:
    """The table widened to ``width`` columns with ``suffix`` after each text, and the new lengths."""
    k_rows, w = tab.shape
    out = np.zeros((k_rows, width), dtype=np.uint8)
    out[:, :w] = tab
    at = np.arange(k_rows)
    for i, ch in enumerate(suffix):
        out[at, lengths + i] = ch
    return out, lengths + len(suffix)


class Numbers:
    """A column of non-negative integers (the results' row numbers), written in decimal chunk by chunk:
    called, as a byte table (:func:`number_table`); with Arrow, by Arrow's own integer-to-text cast."""

    def __init__(self, np: Any, values: Any) -> None:
        self.np = np
        self.values = np.asarray(values, dtype=np.int64)
        if len(self.values) and int(self.values.min()) < 0:
            raise ValueError("Numbers: only non-negative integers")  # a sign would be Arrow's text, not the table's

    def __call__(self, a: int, b: int) -> tuple[Any, Any]:
        return number_table(self.np, self.values[a:b])

    def arrow(self, pa: Any, a: int, b: int) -> Any:
        from ..arrow import _int64_array

        text = _int64_array(self.np, self.values[a:b]).cast(pa.large_string())
        return text.view(pa.large_binary())


def number_table(np: Any, values: Any) -> tuple[Any, Any]:
    """Non-negative integers written in decimal, one table row per value."""
    values = np.asarray(values, dtype=np.int64)
    if not len(values):
        return np.zeros((0, 1), dtype=np.uint8), np.zeros(0, dtype=np.int64)
    lens = np.ones(len(values), dtype=np.int64)
    top = int(values.max())
    p = 10
    while p <= top:
        lens += values >= p
        p *= 10
    width = int(lens.max())
    tab = np.zeros((len(values), width), dtype=np.uint8)
    pow10 = 10 ** np.arange(width, dtype=np.int64)
    for k in range(width):  # digit k from the left: exponent lens - 1 - k
        exp = lens - 1 - k
        ok = exp >= 0
        tab[:, k] = np.where(ok, (values // pow10[np.clip(exp, 0, None)]) % 10 + 48, 0)
    return tab, lens


def join_rows(np: Any, columns: Sequence[Column], n: int, write: Any, chunk: int = 1 << 16) -> None:
    """Write ``n`` CSV lines (``,`` between cells, CRLF after each) from the columns, chunk by chunk.

    Each table gets its separator appended to every text and is padded to whole 8-byte words, so a
    chunk of lines is a matrix of words copied slot by slot; dropping the padding bytes in one
    row-major pass leaves exactly the lines.
    """
    if n == 0:
        return
    columns = _collapse(np, columns, n)
    from ..arrow import have_arrow

    if have_arrow():
        _join_rows_arrow(np, columns, n, write, chunk)
        return
    _join_rows_numpy(np, columns, n, write, chunk)


def _join_rows_numpy(np: Any, columns: Sequence[Column], n: int, write: Any, chunk: int) -> None:
    last = len(columns) - 1
    seps = [b"\r\n" if j == last else b"," for j in range(len(columns))]
    # A coded column's few texts are widened once; a column with a text per row, chunk by chunk (a
    # widened copy of the whole column would be several times the column, held at once).
    slots = [None if codes is None else _slot(np, tab, lengths, sep) for (tab, lengths, codes), sep in zip(columns, seps)]
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        here = [_slot(np, *_rows(col, a, b), sep) if slot is None else slot for col, sep, slot in zip(columns, seps, slots)]
        total = sum(t.shape[1] for t, _ in here)
        m = np.empty((b - a, total), dtype=np.uint64)
        keep = np.empty((b - a, total), dtype=np.uint64)
        c = 0
        for (t, k), (_, _, codes) in zip(here, columns):
            rows = slice(None) if codes is None else codes[a:b]
            w = t.shape[1]
            m[:, c:c + w] = t[rows]
            keep[:, c:c + w] = k[rows]
            c += w
        write(m.view(np.uint8)[keep.view(np.uint8).view(bool)].tobytes())


def _slot(np: Any, tab: Any, lengths: Any, sep: bytes) -> tuple[Any, Any]:
    """A table with ``sep`` after each text, padded to whole words: (text words, keep-byte words)."""
    width = -(-(tab.shape[1] + len(sep)) // 8) * 8
    t, ends = _with_suffix(np, tab, lengths, sep, width)
    keep = (np.arange(width) < ends[:, None]).astype(np.uint8)
    return t.view(np.uint64), keep.view(np.uint64)


def _join_rows_arrow(np: Any, columns: Sequence[Column], n: int, write: Any, chunk: int) -> None:
    """:func:`join_rows` with Arrow: each chunk of lines is one joined binary array whose data buffer is the text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..arrow import _int64_array

    # Arrays are made from buffers, never with pa.array / pa.scalar: those ask pyarrow's pandas shim about their
    # argument, which imports pandas (half a second) when it is installed.
    last = len(columns) - 1
    suffixes = [b"\r\n" if j == last else b"" for j in range(len(columns))]
    # A coded column's texts once; a column with a text per row chunk by chunk, as the lines are joined.
    texts = [None if codes is None else _binary_array(np, pa, tab, lengths, suffix)
             for (tab, lengths, codes), suffix in zip(columns, suffixes)]
    step = min(n, chunk)
    commas = _binary_array(np, pa, np.full((step, 1), ord(","), dtype=np.uint8), np.ones(step, dtype=np.int64), b"")

    def join_and_write(parts: list[Any]) -> None:
        lines = pc.binary_join_element_wise(*parts, commas.slice(0, len(parts[0])))
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
        write(memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])])

    from concurrent.futures import Future, ThreadPoolExecutor

    # Joining and writing a chunk release the GIL (Arrow's kernel, the write system call): one thread does them
    # while the next chunk's cells are made, one chunk in flight at a time, in order.
    pending: Future[None] | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="csv-lines") as pool:
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            parts = [pc.take(t, _int64_array(np, col[2][a:b])) if t is not None
                     else col[0].arrow(pa, a, b) if isinstance(col[0], Numbers) and not suffix
                     else _binary_array(np, pa, *_rows(col, a, b), suffix)
                     for t, col, suffix in zip(texts, columns, suffixes)]
            if pending is not None:
                pending.result()
            pending = pool.submit(join_and_write, parts)
        if pending is not None:
            pending.result()


def _binary_array(np: Any, pa: Any, tab: Any, lengths: Any, suffix: bytes) -> Any:
    """The texts of a (K, width) byte table (each followed by ``suffix``) as an Arrow ``large_binary`` array."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if suffix:
        tab, lengths = _with_suffix(np, tab, lengths, suffix, tab.shape[1] + len(suffix))
    k_rows, w = tab.shape
    offsets = np.zeros(k_rows + 1, dtype=np.int64)
    if k_rows and int(lengths.min()) == w:
        # Every text fills its row (the masked 身份证号): the table's bytes are the data as they are.
        data = np.ascontiguousarray(tab)
        np.multiply(np.arange(1, k_rows + 1, dtype=np.int64), w, out=offsets[1:])
    else:
        data = np.ascontiguousarray(tab[np.arange(w) < lengths[:, None]])
        np.cumsum(lengths, out=offsets[1:])
    return pa.Array.from_buffers(pa.large_binary(), k_rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _collapse(np: Any, columns: Sequence[Column], n: int) -> list[Column]:
    """Each run of neighbouring coded columns as one column of the texts their rows actually combine.

    Results have a score of amount columns but a few thousand distinct combinations of amounts: the
    lines are then put together from three columns (row, ID, the rest) instead of twenty.  A run
    whose combinations are too many to be worth it is left as it is.
    """
    out: list[Column] = []
    run: list[Column] = []
    for col in [*columns, (None, None, None)]:
        if col[2] is not None:
            run.append(col)
            continue
        if len(run) > 1:
            merged = _merge_run(np, run, _merge_limit(n))
            out.extend([merged] if merged is not None else run)
        else:
            out.extend(run)
        run = []
        if col[0] is not None:
            out.append(col)
    return out


def merge_grouped(np: Any, run: Sequence[Column], of_row: Any) -> Column | None:
    """Coded columns whose codes are given per group of rows (``of_row``: each row's group) as one column
    of the texts their rows combine, like the merge :func:`join_rows` does of codes given per row
    (``None`` when the combinations are too many to be worth it)."""
    merged = _merge_run(np, run, _merge_limit(len(of_row)))
    if merged is None:
        return None
    tab, lens, inverse = merged
    return tab, lens, inverse[of_row]


def _merge_limit(n: int) -> int:
    """How many combinations a merge of ``n`` rows' columns may have: beyond it, their texts joined once per
    combination would cost more than joining the rows column by column."""
    return max(4096, n // 16)


def _merge_run(np: Any, run: Sequence[Column], limit: int) -> Column | None:
    count, first, inverse = group_rows(np, [codes for _, _, codes in run])
    if count > limit:
        return None
    texts = [[bytes(tab[c, : int(lengths[c])]) for c in range(len(lengths))] for tab, lengths, _ in run]
    picks = [codes[first].tolist() for _, _, codes in run]
    tab, lens = _bytes_table(np, [b",".join(t[c] for t, c in zip(texts, combo)) for combo in zip(*picks)])
    return tab, lens, inverse
