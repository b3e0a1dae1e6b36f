"""The few array operations pay and arrears need, on two roads that give the same answers.

With numpy (the ``fast`` extra) they run on int64 arrays; without it, on lists
and sets.  Amounts are integer 分 on both roads.  The test suite drives both
side by side (hypothesis); a caller may force the plain road with ``fast=False``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["numpy_or_none", "positive", "take", "as_list", "not_in", "differences", "difference_columns", "new_lines", "new_line_columns"]


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


def as_list(values: Sequence[int]) -> list[int]:
    """``values`` as a list of Python ints (an int64 array's ``tolist``; a list as it is)."""
    tolist = getattr(values, "tolist", None)
    return tolist() if tolist is not None else list(values)  # type: ignore[no-any-return]


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
        keys, d, p = difference_columns(due_keys, due_fen, paid_keys, paid_fen, np)
        return list(zip(keys.tolist(), d.tolist(), p.tolist()))
    due = dict(zip(due_keys, due_fen))
    paid = dict(zip(paid_keys, paid_fen))
    out = []
    for k in sorted(set(due) | set(paid)):
        a, b = due.get(k, 0), paid.get(k, 0)
        if a != b:
            out.append((k, a, b))
    return out


def difference_columns(due_keys: Sequence[int], due_fen: Sequence[int], paid_keys: Sequence[int], paid_fen: Sequence[int],
                       np: Any) -> tuple[Any, Any, Any]:
    """:func:`differences` as three int64 arrays (keys ascending, due, paid): the numpy road only."""
    dk = np.asarray(due_keys, dtype=np.int64)
    df = np.asarray(due_fen, dtype=np.int64)
    pk = np.asarray(paid_keys, dtype=np.int64)
    pf = np.asarray(paid_fen, dtype=np.int64)
    # Look each due key up among the paid keys (sorted: the ledger gives them so; sorted here if not) rather than
    # build the union of both sides: numpy's union sorts (or hashes) both whole, and most keys are on both.
    if len(pk) > 1 and not bool((pk[1:] > pk[:-1]).all()):
        o = np.argsort(pk, kind="stable")
        pk, pf = pk[o], pf[o]
    if len(pk):
        at = np.minimum(np.searchsorted(pk, dk), len(pk) - 1)
        found = pk[at] == dk
        paid = np.where(found, pf[at], 0)
        seen = np.zeros(len(pk), dtype=bool)
        seen[at[found]] = True
    else:
        paid = np.zeros(len(dk), dtype=np.int64)
        seen = np.zeros(0, dtype=bool)
    differ = df != paid
    only = ~seen & (pf != 0)  # paid, not due at all
    keys = np.concatenate([dk[differ], pk[only]])
    order = np.argsort(keys, kind="stable")
    d = np.concatenate([df[differ], np.zeros(int(only.sum()), dtype=np.int64)])[order]
    p = np.concatenate([paid[differ], pf[only]])[order]
    return keys[order], d, p


def new_lines(keys: Sequence[int], fen: Sequence[int], present: Sequence[int], counts: dict[int, int],
              np: Any) -> tuple[list[int], list[int], list[int]]:
    """The lines of one rule and month still to pay: (keys sorted, seq, 分), leaving out ``keys`` in ``present``.

    Keys are unique.  ``counts`` holds the number of earlier (reversed) lines of a key, its
    next ``seq``; a key not in it starts at 0.  Plain Python ints on both roads.
    """
    if np is not None:
        k, seq, f = new_line_columns(keys, fen, present, counts, np)
        return k.tolist(), seq.tolist(), f.tolist()
    gone = set(present)
    pairs = sorted((a, b) for a, b in zip(keys, fen) if a not in gone)
    out_k = [a for a, _ in pairs]
    out_f = [b for _, b in pairs]
    seq = [counts.get(a, 0) for a in out_k] if counts else [0] * len(out_k)
    return out_k, seq, out_f


def new_line_columns(keys: Sequence[int], fen: Sequence[int], present: Sequence[int], counts: dict[int, int],
                     np: Any) -> tuple[Any, Any, Any]:
    """:func:`new_lines` as three int64 arrays: the numpy road only (no list of 10⁶ ints made and read back)."""
    k = np.asarray(keys, dtype=np.int64)
    f = np.asarray(fen, dtype=np.int64)
    if len(present):
        keep = ~np.isin(k, np.asarray(present, dtype=np.int64))
        k, f = k[keep], f[keep]
    if len(k) > 1 and not bool((k[1:] > k[:-1]).all()):
        order = np.argsort(k, kind="stable")
        k, f = k[order], f[order]
    seq = np.zeros(len(k), dtype=np.int64)
    if counts:
        seq = np.fromiter((counts.get(a, 0) for a in k.tolist()), dtype=np.int64, count=len(k))
    return k, seq, f
