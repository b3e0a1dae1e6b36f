"""Distinct values of integer columns and the rows that share them: the columnar road's one grouping step.

Every stage of a roster run groups rows by an integer key — cells by their bytes when reading, rows by
the codes of their facts when pricing, amounts by value when writing.  ``numpy.unique`` does it by
sorting, ≈ 0.1 s for 10⁶ keys; pyarrow's ``dictionary_encode`` hashes, ≈ 10× faster.  Both give the
same answer here: the distinct keys in ascending order, each row's index among them and (on request)
the first row of each.  pyarrow is used only where it is already loaded (the Arrow readers and
writers load it), so a run without the ``arrow`` extra imports nothing more and sorts as before.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

#: Below this many keys sorting costs less than handing the array to pyarrow.
_HASH_FROM = 1 << 14


def loaded_pyarrow() -> Any:
    """pyarrow if this process has already imported it, else ``None``: array code uses it where it is there anyway,
    and a run without the ``arrow`` extra (or that never read with it) imports nothing more."""
    pa = sys.modules.get("pyarrow")  # None also when a test has blocked it (``sys.modules["pyarrow"] = None``)
    return pa if pa is not None and hasattr(pa, "array") else None


def distinct(np: Any, keys: Any, *, first: bool = False) -> tuple[Any, ...]:
    """``(values, inverse)`` — or ``(values, first, inverse)`` with ``first`` — of a 1-d integer array.

    As ``numpy.unique(keys, return_index=first, return_inverse=True)``: ``values`` ascending,
    ``inverse[i]`` the index of ``keys[i]`` among them, ``first[j]`` the lowest row holding ``values[j]``.
    """
    keys = np.asarray(keys)
    pa = loaded_pyarrow()
    if pa is None or len(keys) < _HASH_FROM or keys.dtype.kind not in "iu":
        out = np.unique(keys, return_index=first, return_inverse=True)
        return (*out[:-1], out[-1].reshape(-1))
    from ..arrow import _int64_array, _numbers  # buffers both ways: ``pa.array``/``to_numpy`` import pandas (≈ 1 s)

    unsigned = keys.dtype.kind == "u"
    words = keys.astype(np.uint64, copy=False).view(np.int64) if unsigned else keys  # hashed as 64-bit words
    encoded = _int64_array(np, words).dictionary_encode()
    seen = _numbers(np, encoded.dictionary)  # in order of first appearance
    seen = (seen.view(np.uint64) if unsigned else seen).astype(keys.dtype)
    codes = _numbers(np, encoded.indices)
    order = np.argsort(seen, kind="stable")
    rank = np.empty(len(seen), dtype=np.int64)
    rank[order] = np.arange(len(seen), dtype=np.int64)
    inverse = rank[codes]
    if not first:
        return seen[order], inverse
    # The dictionary is in order of first appearance, so each code first appears where the running
    # maximum of the codes rises: first rows in O(n), checked, without a sort.
    top = np.maximum.accumulate(codes)
    lowest = np.flatnonzero(np.concatenate(([True], codes[1:] > top[:-1])))
    if len(lowest) != len(seen) or not (codes[lowest] == np.arange(len(seen))).all():
        out = np.unique(keys, return_index=True, return_inverse=True)  # never guess: sort instead
        return out[0], out[1], out[2].reshape(-1)
    return seen[order], lowest[order], inverse


def group_rows(np: Any, parts: Sequence[Any]) -> tuple[int, Any, Any]:
    """Group rows by the tuple of their integer codes: (count, first row of each group, group of each row).

    Groups are numbered in the lexicographic order of their tuples (the codes are combined into one
    mixed-radix key, renumbered densely whenever the next part would overflow 63 bits).
    """
    n = len(parts[0]) if parts else 0
    if n == 0:
        return 0, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for p in parts:
        p = np.asarray(p)
        if p.dtype.kind != "i" and not (p.dtype.kind == "u" and p.dtype.itemsize < 8):
            p = p.astype(np.int64)  # (an unsigned 64-bit part does not add into int64 in place)
        lo = int(p.min())
        width = int(p.max()) - lo + 1
        if span * width >= (1 << 62):
            _, key = distinct(np, key)
            span = int(key.max()) + 1
        # In place, the part as narrow as it came: no 10⁶-row temporaries per part (two dozen parts at writing).
        key *= width
        key += p
        if lo:
            key -= lo
        span *= width
    uniq, first, inv = distinct(np, key, first=True)
    return len(uniq), first, inv
