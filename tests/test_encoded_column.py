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
def _column(draw: Any) -> EncodedColumn:
    n = draw(st.integers(1, 40))
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
    uniq, codes = col.coded()
    assert (uniq[codes] == want).all()
    once = col.array(keep=False)
    assert (once == want).all()
    assert col._array is None  # keep=False spelt it out without holding it
    assert (col.array() == want).all() and col._array is not None
    assert col.any_positive() == bool((want > 0).any())  # and from the held array
