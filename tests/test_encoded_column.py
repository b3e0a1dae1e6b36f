"""EncodedColumn (a rule's amounts as a value per pricing group plus rows priced one by one) answers
from its tables what the spelt-out column answers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangyong.roster.pricing import EncodedColumn

np = pytest.importorskip("numpy")


@st.composite
def _column(draw: Any, size: int | None = None) -> EncodedColumn:
    n = size if size is not None else draw(st.integers(1, 40))
    k = draw(st.integers(1, 6))
    of_row = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)), dtype=np.int64)
    table = np.array(draw(st.lists(st.integers(-1, 5000), min_size=k, max_size=k)), dtype=np.int64)
    overrides = []
    # A group priced row by row holds 0 in the table and every row of it carries its own value.
    for g in draw(st.sets(st.integers(0, k - 1), max_size=k)):
        rows = np.flatnonzero(of_row == g)
        if not len(rows):
            continue
        table[g] = 0
        values = np.array(draw(st.lists(st.integers(-1, 5000), min_size=len(rows), max_size=len(rows))), dtype=np.int64)
        overrides.append((rows, values))
    return EncodedColumn(np, [(table, of_row, overrides)], n)


def _spelt(col: EncodedColumn) -> Any:
    table, of_row, overrides = col.layers[0]
    v = table[of_row].copy()
    for rows, values in overrides:
        v[rows] = values
    return v


@settings(max_examples=200, deadline=None)
@given(col=_column())
def test_the_tables_answer_as_the_spelt_out_column(col: EncodedColumn) -> None:
    want = _spelt(col)
    assert col.any_positive() == bool((want > 0).any())
    assert col.sum_where() == int(want[want > 0].sum())
    n = len(want)
    some = np.array([i % n for i in (0, n - 1, n // 2, 3, 0)], dtype=np.int64)
    assert (col.at(some) == want[some]).all()
    for a, b in ((0, n), (0, n // 2), (n // 3, n), (n // 4, n // 4 + 3)):
        assert (col.rows(a, b) == want[a:b]).all()
    once = col.array(keep=False)
    assert (once == want).all()
    assert col._array is None  # keep=False spelt it out without holding it
    assert (col.array() == want).all() and col._array is not None
    assert col.any_positive() == bool((want > 0).any())  # and from the held array
    assert (col.rows(1, n) == want[1:]).all()


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n=st.integers(1, 40))
def test_layers_read_in_order_a_later_value_winning_where_it_applies(data: Any, n: int) -> None:
    # The same rule code registered for two regions: the later layer's value wins where it is >= 0.
    a, b = data.draw(_column(n)), data.draw(_column(n))
    both = a.merged(b)
    want = _spelt(a)
    later = _spelt(b)
    want[later >= 0] = later[later >= 0]
    assert (both.array(keep=False) == want).all()
    assert (both.rows(1, a.n) == want[1:]).all()
    assert both.any_positive() == bool((want > 0).any())


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n=st.integers(1, 40))
def test_sum_positive_adds_what_the_spelt_out_columns_add(data: Any, n: int) -> None:
    from shuangyong.roster.pricing import sum_positive

    cols: list[Any] = [data.draw(_column(n)) for _ in range(data.draw(st.integers(0, 4)))]
    # Columns sharing their groups (one rule family priced on one grouping), a plain array, two layers.
    if cols and data.draw(st.booleans()):
        table, of_row, _ = cols[0].layers[0]
        cols.append(EncodedColumn(np, [(np.array(data.draw(st.lists(st.integers(-1, 900), min_size=len(table), max_size=len(table))),
                                                 dtype=np.int64), of_row, [])], n))
    cols.append(np.array(data.draw(st.lists(st.integers(-1, 900), min_size=n, max_size=n)), dtype=np.int64))
    if len(cols) > 2:
        cols.append(cols[0].merged(cols[1]))
    want = np.zeros(n, dtype=np.int64)
    for c in cols:
        v = c.array(keep=False) if isinstance(c, EncodedColumn) else c
        want += np.maximum(v, 0)
    assert (sum_positive(np, cols, n) == want).all()
    assert all(c._array is None for c in cols if isinstance(c, EncodedColumn))


def test_sum_positive_spells_out_a_column_whose_table_pays_a_group_priced_row_by_row() -> None:
    from shuangyong.roster.pricing import sum_positive

    # Not how pricing builds columns (such a group holds 0), but if one did, the sum must still be right.
    of_row = np.array([0, 0, 1], dtype=np.int64)
    col = EncodedColumn(np, [(np.array([500, 7], dtype=np.int64), of_row, [(np.array([1]), np.array([20], dtype=np.int64))])], 3)
    assert sum_positive(np, [col], 3).tolist() == [500, 20, 7]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 40))
def test_rows_of_one_group_have_equal_values_in_every_column(data: Any, n: int) -> None:
    from shuangyong.roster.pricing import group_by_values

    cols: list[Any] = [data.draw(_column(n)) for _ in range(data.draw(st.integers(1, 3)))]
    cols.append(np.array(data.draw(st.lists(st.integers(-1, 9), min_size=n, max_size=n)), dtype=np.int64))
    if len(cols) > 2:
        cols.append(cols[0].merged(cols[1]))
    count, first, of_row = group_by_values(np, cols, n)
    assert len(first) == count and of_row.min() >= 0 and of_row.max() < count
    assert (of_row[first] == np.arange(count)).all()
    for c in cols:
        v = c.array(keep=False) if isinstance(c, EncodedColumn) else c
        assert (v == v[first][of_row]).all()
        if isinstance(c, EncodedColumn):
            assert (c.at(first) == v[first]).all()
    assert all(c._array is None for c in cols[:-1] if isinstance(c, EncodedColumn))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 40))
def test_column_stats_count_and_sum_what_the_spelt_out_columns_hold(data: Any, n: int) -> None:
    from shuangyong.roster.pricing import column_stats

    cols: list[Any] = [data.draw(_column(n)) for _ in range(data.draw(st.integers(1, 3)))]
    table, of_row, overrides = cols[0].layers[0]
    # eligibility of the first column's rule, as pricing builds it: a flag per group, its own rows their own
    cols.append(EncodedColumn(np, [(table > 0, of_row, [(rows, v > 0) for rows, v in overrides])], n, flag=True))
    cols.append(np.array(data.draw(st.lists(st.integers(-1, 900), min_size=n, max_size=n)), dtype=np.int64))
    if len(cols) > 3:
        cols.append(cols[0].merged(cols[1]))
    for c, (total, count) in zip(cols, column_stats(np, cols)):
        v = (c.array(keep=False) if isinstance(c, EncodedColumn) else c).astype(np.int64)
        assert (total, count) == (int(v[v > 0].sum()), int((v > 0).sum()))
