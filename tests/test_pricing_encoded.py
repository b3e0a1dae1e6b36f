"""``pricing.EncodedColumn``: the spelt-out rows (narrowed, or one value broadcast) against a plain per-row reading."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangyong.roster.pricing import EncodedColumn

np = pytest.importorskip("numpy")


@st.composite
def _columns(draw: Any) -> tuple[list[Any], int, bool]:
    flag = draw(st.booleans())
    n = draw(st.integers(1, 40))
    big = draw(st.sampled_from([3, 2**31 - 1, 2**40]))
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        size = draw(st.integers(1, 70))  # past 64: a table only checked whole
        pool = draw(st.lists(st.integers(-1, big), min_size=1, max_size=3))
        table = [draw(st.sampled_from(pool)) for _ in range(size)]
        of_row = [draw(st.integers(0, size - 1)) for _ in range(n)]
        overrides = []
        for _ in range(draw(st.integers(0, 2))):
            rows = sorted(draw(st.sets(st.integers(0, n - 1), max_size=n)))
            overrides.append((np.array(rows, dtype=np.int64), np.array([draw(st.sampled_from(pool)) for _ in rows],
                                                                       dtype=bool if flag else np.int64)))
        kind = bool if flag else draw(st.sampled_from([np.int32, np.int64])) if big < 2**31 else np.int64
        layers.append((np.array(table, dtype=kind), np.array(of_row, dtype=draw(st.sampled_from([np.int32, np.int64]))),
                       overrides))
    return layers, n, flag


def _plain(layers: list[Any], n: int, flag: bool) -> list[int]:
    out: list[Any] = [None] * n
    for table, of_row, overrides in layers:
        v = [table[int(g)].item() for g in of_row]
        for rows, values in overrides:
            for r, x in zip(rows.tolist(), values.tolist()):
                v[r] = x
        for i in range(n):
            if out[i] is None:
                out[i] = v[i]
            elif flag:
                out[i] = bool(out[i]) or bool(v[i])
            elif v[i] >= 0:
                out[i] = v[i]
    return [bool(x) if flag else int(x) for x in out]


@settings(max_examples=400, deadline=None)
@given(_columns())
def test_array_equals_plain_layers(column: tuple[list[Any], int, bool]) -> None:
    layers, n, flag = column
    col = EncodedColumn(np, layers, n, flag=flag)
    a = col.array()
    assert len(a) == n and a.tolist() == _plain(layers, n, flag)
    assert col.array() is a  # computed once
    if flag:
        assert a.dtype == bool
    else:
        values = [x for t, _, ov in layers for x in [*t.tolist(), *(y for _, v in ov for y in v.tolist())]]
        fits = all(-(2**31) <= x < 2**31 for x in values)
        assert a.dtype == (np.int32 if fits else np.int64)
    if not a.flags.writeable:  # one value broadcast: every row has it
        assert len(set(a.tolist())) == 1 and a.strides == (0,)
    assert col.tolist() == a.tolist() and np.asarray(col, dtype=np.int64).tolist() == [int(x) for x in a.tolist()]


def test_a_rule_that_pays_nobody_holds_no_rows() -> None:
    n = 10**6
    groups = np.zeros(n, dtype=np.int64)
    groups[::3] = 2
    col = EncodedColumn(np, [(np.zeros(5, dtype=np.int64), groups, [])], n)
    a = col.array()
    assert a.nbytes == 4 * n and a.strides == (0,) and not a.flags.writeable and int(a[12345]) == 0
    # a per-region table with values for regions no row is in: only the regions used decide
    one_off = EncodedColumn(np, [(np.array([-1, 0, -1, 0], dtype=np.int64), np.full(n, 1, dtype=np.int32), [])], n)
    assert one_off.array().strides == (0,) and one_off.array().dtype == np.int32 and one_off.sum_where() == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 3000), min_size=0, max_size=6), st.integers(0, 60), st.data())
def test_combine_numbers_tuples_in_their_order(widths: list[int], n: int, data: Any) -> None:
    """``pricing.combine``: every row's key is the rank of its tuple of codes among the distinct tuples (lexicographic)."""
    from shuangyong.roster import pricing

    parts = [(np.array(data.draw(st.lists(st.integers(0, w - 1), min_size=n, max_size=n)), dtype=data.draw(st.sampled_from(
        [np.int8, np.int32, np.int64])) if w <= 127 else np.int64), w) for w in widths]
    key, rep, size = pricing.combine(np, parts, n)
    tuples = [tuple(int(p[i]) for p, w in parts if w > 1) for i in range(n)]
    ranks = {t: i for i, t in enumerate(sorted(set(tuples)))}
    assert key.tolist() == [ranks[t] for t in tuples]
    assert size == len(ranks)
    assert all(tuples[r] == t for t, r in zip(sorted(ranks), rep.tolist()))
