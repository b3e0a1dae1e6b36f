"""The results CSV assembler (shuangyong.roster.csvout): numpy words, Arrow kernels and the csv module agree byte for byte."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangyong.roster import csvout

np = pytest.importorskip("numpy")

_TEXT = st.text(alphabet="0123456789.-*X", max_size=12)


@st.composite
def _columns(draw: Any) -> tuple[int, list[list[str]], list[Any]]:
    n = draw(st.integers(1, 60))
    texts, codes = [], []
    for _ in range(draw(st.integers(2, 7))):  # results have at least row, ID and total
        if draw(st.booleans()):  # a column with a text per row
            texts.append(draw(st.lists(_TEXT, min_size=n, max_size=n)))
            codes.append(None)
        else:  # a coded column: few distinct texts, a code per row
            distinct = draw(st.lists(_TEXT, min_size=1, max_size=5))
            texts.append(distinct)
            codes.append(np.array(draw(st.lists(st.integers(0, len(distinct) - 1), min_size=n, max_size=n)), dtype=np.int64))
    return n, texts, codes


def _reference(n: int, texts: list[list[str]], codes: list[Any]) -> bytes:
    out = io.StringIO(newline="")
    w = csv.writer(out)
    for i in range(n):
        w.writerow([t[i] if c is None else t[int(c[i])] for t, c in zip(texts, codes)])
    return out.getvalue().encode("ascii")


def _assemblers() -> list[Any]:
    """The numpy assembler, and Arrow's where pyarrow is installed."""
    out: list[Any] = [csvout._join_rows_numpy]
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return out
    return [*out, csvout._join_rows_arrow]


@settings(max_examples=150, deadline=None)
@given(data=_columns(), chunk=st.sampled_from([1, 3, 1 << 17]))
def test_every_assembler_writes_what_the_csv_module_writes(data: tuple[int, list[list[str]], list[Any]], chunk: int) -> None:
    n, texts, codes = data
    columns = [(*csvout.text_table(np, t), c) for t, c in zip(texts, codes)]
    want = _reference(n, texts, codes)
    assemblers = _assemblers()
    for assemble in assemblers:
        for cols in (columns, csvout._collapse(np, columns, n)):
            buf = io.BytesIO()
            assemble(np, cols, n, buf.write, chunk)
            assert buf.getvalue() == want, assemble.__name__


def test_neighbouring_coded_columns_become_one_column_of_their_combinations() -> None:
    n = 1000
    a = np.arange(n, dtype=np.int64) % 2
    b = (np.arange(n, dtype=np.int64) // 2) % 3
    columns = [(*csvout.number_table(np, np.arange(n)), None), (*csvout.text_table(np, ["0.00", "12.50"]), a),
               (*csvout.text_table(np, ["", "1", "22"]), b)]
    merged = csvout._collapse(np, columns, n)
    assert len(merged) == 2 and len(merged[1][1]) == 6  # 2 × 3 combinations actually present
    buf = io.BytesIO()
    csvout.join_rows(np, columns, n, buf.write)
    assert buf.getvalue().split(b"\r\n")[:4] == [b"0,0.00,", b"1,12.50,", b"2,0.00,1", b"3,12.50,1"]


def test_columns_made_chunk_by_chunk_write_what_whole_tables_write() -> None:
    # A column with a text per row may be given as a maker of row ranges (the writer's row numbers and
    # masked IDs): the lines are the same as from the whole table, for chunks that do and do not divide n.
    n = 1000
    ids = np.frombuffer(b"".join(b"%018d" % (i * 7919) for i in range(n)), dtype=np.uint8).reshape(n, 18)
    coded = (*csvout.text_table(np, ["0.00", "12.50", ""]), np.arange(n, dtype=np.int64) % 3)
    whole = [(*csvout.number_table(np, np.arange(n)), None), (ids, np.full(n, 18, dtype=np.int64), None), coded]
    made = [(csvout.Numbers(np, np.arange(n)), None, None),
            (lambda a, b: (ids[a:b], np.full(b - a, 18, dtype=np.int64)), None, None), coded]
    want = _reference(n, [[str(i) for i in range(n)], [bytes(r).decode() for r in ids], ["0.00", "12.50", ""]],
                      [None, None, coded[2]])
    assemblers = _assemblers()
    for assemble in assemblers:
        for cols in (whole, made):
            for chunk in (7, 256, 1 << 16):
                buf = io.BytesIO()
                assemble(np, cols, n, buf.write, chunk)
                assert buf.getvalue() == want, (assemble.__name__, chunk)


def test_numbers_are_written_alike_by_the_table_and_by_arrow() -> None:
    pa = pytest.importorskip("pyarrow")
    values = np.array([0, 7, 10, 99, 100, 12345, 999_999, 1_000_000, 2**40], dtype=np.int64)
    numbers = csvout.Numbers(np, values)
    tab, lengths = numbers(0, len(values))
    assert [bytes(tab[i, : lengths[i]]) for i in range(len(values))] == numbers.arrow(pa, 0, len(values)).to_pylist()
    with pytest.raises(ValueError):
        csvout.Numbers(np, np.array([3, -1]))
