"""The few array operations pay and arrears need, on two roads that give the same answers.

With numpy (the ``fast`` extra) they run on int64 arrays; without it, on lists
and sets.  Amounts are integer 分 on both roads.  The test suite drives both
side by side (hypothesis); a caller may force the plain road with ``fast=False``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["numpy_or_none", "positive", "take", "not_in", "differences", "new_lines"]


def numpy_or_none(fast: bool | None = None) -> Any:
    if fast is False:
        return None
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is an optional extra
        return None
    return np


def positive(fen: Sequence[int], np: Any) -> list[int]:
    """Indices of the values above 0."""
    if np is not None:
        return np.flatnonzero(np.asarray(fen, dtype=np.int64) > 0).tolist()  # type: ignore[no-any-return]
    return [i for i, f in enumerate(fen) if f > 0]


def take(values: Sequence[int], idx: Sequence[int], np: Any) -> list[int]:
    """``values[i]`` for each ``i`` in ``idx``, as a list of Python ints (never numpy scalars: SQLite and Decimal refuse them)."""
    if np is not None and hasattr(values, "dtype"):
        return values[np.asarray(idx, dtype=np.int64)].tolist()  # type: ignore[no-any-return, index]
    return [int(values[i]) for i in idx]


def not_in(items: Sequence[int], present: Sequence[int], np: Any) -> list[int]:
    """Positions ``j`` of ``items`` whose value is not among ``present``."""
    if not len(present):
        return list(range(len(items)))
    if np is not None:
        return np.flatnonzero(~np.isin(np.asarray(items, dtype=np.int64), np.asarray(present, dtype=np.int64))).tolist()  # type: ignore[no-any-return]
    s = set(present)
    return [j for j, v in enumerate(items) if v not in s]


def differences(due_keys: Sequence[int], due_fen: Sequence[int], paid_keys: Sequence[int], paid_fen: Sequence[int],
                np: Any) -> list[tuple[int, int, int]]:
    """(key, due, paid) wherever the two differ; a key missing on one side counts 0 there.

    Keys are unique on each side.  Sorted by key.
    """
    if np is not None:
        dk = np.asarray(due_keys, dtype=np.int64)
        df = np.asarray(due_fen, dtype=np.int64)
        pk = np.asarray(paid_keys, dtype=np.int64)
        pf = np.asarray(paid_fen, dtype=np.int64)
        keys = np.union1d(dk, pk)
        d = np.zeros(len(keys), dtype=np.int64)
        p = np.zeros(len(keys), dtype=np.int64)
        d[np.searchsorted(keys, dk)] = df
        p[np.searchsorted(keys, pk)] = pf
        hit = np.flatnonzero(d != p)
        return list(zip(keys[hit].tolist(), d[hit].tolist(), p[hit].tolist()))
    due = dict(zip(due_keys, due_fen))
    paid = dict(zip(paid_keys, paid_fen))
    out = []
    for k in sorted(set(due) | set(paid)):
        a, b = due.get(k, 0), paid.get(k, 0)
        if a != b:
            out.append((k, a, b))
    return out


def new_lines(keys: Sequence[int], fen: Sequence[int], present: Sequence[int], counts: dict[int, int],
              np: Any) -> tuple[list[int], list[int], list[int]]:
    """The lines of one rule and month still to pay: (keys sorted, seq, 分), leaving out ``keys`` in ``present``.

    Keys are unique.  ``counts`` holds the number of earlier (reversed) lines of a key, its
    next ``seq``; a key not in it starts at 0.  Plain Python ints on both roads.
    """
    if np is not None:
        k = np.asarray(keys, dtype=np.int64)
        f = np.asarray(fen, dtype=np.int64)
        if len(present):
            keep = ~np.isin(k, np.asarray(present, dtype=np.int64))
            k, f = k[keep], f[keep]
        order = np.argsort(k, kind="stable")
        out_k: list[int] = k[order].tolist()
        out_f: list[int] = f[order].tolist()
    else:
        gone = set(present)
        pairs = sorted((a, b) for a, b in zip(keys, fen) if a not in gone)
        out_k = [a for a, _ in pairs]
        out_f = [b for _, b in pairs]
    seq = [counts.get(a, 0) for a in out_k] if counts else [0] * len(out_k)
    return out_k, seq, out_f
