"""``roster.keys``: the one grouping step, hashed by pyarrow where it is loaded, must answer as ``numpy.unique``."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangyong.roster import keys

np = pytest.importorskip("numpy")
pytest.importorskip("pyarrow")
import pyarrow  # noqa: E402,F401  (loaded: distinct() hashes only where pyarrow already is)

_ints = st.sampled_from([np.int64, np.int32, np.uint64, np.uint16])


@pytest.fixture(autouse=True)
def _hash_small_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "_HASH_FROM", 1)  # hypothesis' arrays are small: hash them too


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-(2**63), 2**64 - 1), min_size=1, max_size=200), dtype=_ints, pool=st.integers(1, 12))
def test_distinct_equals_numpy_unique(values: list[int], dtype: Any, pool: int) -> None:
    info = np.iinfo(dtype)
    # few distinct values (as amounts and codes are) as often as many
    chosen = [min(max(v, info.min), info.max) for v in values[:pool]]
    a = np.array([chosen[i % len(chosen)] for i in range(len(values))][::-1] + chosen, dtype=dtype)
    want_u, want_first, want_inv = np.unique(a, return_index=True, return_inverse=True)
    u, inv = keys.distinct(np, a)
    assert u.dtype == a.dtype and u.tolist() == want_u.tolist() and inv.tolist() == want_inv.reshape(-1).tolist()
    u, first, inv = keys.distinct(np, a, first=True)
    assert u.tolist() == want_u.tolist() and first.tolist() == want_first.tolist()
    assert inv.tolist() == want_inv.reshape(-1).tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(-3, 40), min_size=3, max_size=3), min_size=1, max_size=120),
       st.lists(st.sampled_from(["int64", "int32", "int8", "uint8", "uint16", "uint32", "uint64"]), min_size=3, max_size=3))
def test_group_rows_numbers_groups_in_tuple_order(rows: list[list[int]], dtypes: list[str]) -> None:
    # Parts come as narrow as the codes they hold (group_rows adds them into its key in place, as they are).
    if any(d.startswith("u") for d in dtypes):
        rows = [[abs(v) for v in r] for r in rows]
    parts = [np.array([r[j] for r in rows], dtype=dtypes[j]) for j in range(3)]
    count, first, group = keys.group_rows(np, parts)
    tuples = sorted(set(map(tuple, rows)))
    assert count == len(tuples)
    assert [tuples[g] for g in group.tolist()] == [tuple(r) for r in rows]
    assert first.tolist() == [next(i for i, r in enumerate(rows) if tuple(r) == t) for t in tuples]


def test_group_rows_renumbers_before_its_key_would_overflow() -> None:
    # Five parts of 2¹⁴ values each would need 70 bits: the key is renumbered densely on the way.
    rng = np.random.default_rng(7)
    parts = [rng.integers(0, 1 << 14, size=500).astype(np.int32) for _ in range(5)]
    parts[0][:2] = [0, (1 << 14) - 1]  # the full width
    count, first, group = keys.group_rows(np, parts)
    rows = list(zip(*(p.tolist() for p in parts)))
    tuples = sorted(set(rows))
    assert count == len(tuples) and [tuples[g] for g in group.tolist()] == rows


def test_distinct_sorts_where_pyarrow_is_not_loaded() -> None:
    # A run without the arrow extra must not import it (nor pandas) to group rows.
    code = ("import sys, numpy as np; sys.modules['pyarrow'] = None; from shuangyong.roster.keys import distinct; "
            "u, f, i = distinct(np, np.array([5, 3, 5, 9] * 10000), first=True); "
            "assert u.tolist() == [3, 5, 9] and f.tolist() == [1, 0, 3] and i[:4].tolist() == [1, 0, 1, 2]; "
            "assert 'pandas' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_distinct_does_not_import_pandas() -> None:
    code = ("import sys, numpy as np, pyarrow; from shuangyong.roster.keys import distinct; "
            "u, i = distinct(np, np.arange(100000) % 7); assert u.tolist() == list(range(7)); "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
