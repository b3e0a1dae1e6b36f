"""Results that rest on figures carried past their expected revision (roster summary ``stale_results``).

A dated figure whose parameter declares an ``update`` schedule (see :mod:`shuangyong.params`)
is *carried forward* from the day it was next expected to change until a newer value is
entered.  A roster result rests on such a figure when its amount depends on it.  That is
measured, not guessed from rule metadata: the roster is priced a second time with every
carried-forward figure replaced, from its expected revision day only, by a marked value
(each number ``n`` becomes ``2n + 1``), and a result whose amount differs between the two runs
rests on a carried-forward figure.  Only paying results are counted, only the parameters of rules that pay
someone in the roster's regions are marked, only the months after a revision day was due are touched,
and each jurisdiction's own series is marked separately, so a province with a newer figure of
its own, or a person paid only in the months before, is never counted.

When nothing the period can reach is carried forward (the usual case for a current roster)
no second run happens.  The second run takes the same road as the first (columnar when numpy
is installed) and reuses the roster's parse.
"""

from __future__ import annotations

from decimal import Decimal
from collections.abc import Collection
from typing import Any

import attrs

from ..params import OVERRIDE, DatedValue, Parameter, ParameterSet
from ..periods import Period

__all__ = ["marked_parameter_set", "count_stale_results"]


def _mark(value: Any) -> Any:
    """``value`` with every number ``n`` replaced by ``2n + 1``; ``None`` when it holds no number."""
    if isinstance(value, bool) or isinstance(value, str):
        return None
    if isinstance(value, Decimal):
        return value * 2 + 1
    if isinstance(value, dict):
        out, marked = {}, False
        for k, v in value.items():
            m = _mark(v)
            out[k] = v if m is None else m
            marked |= m is not None
        return out if marked else None
    if isinstance(value, tuple):
        items = [_mark(v) for v in value]
        if all(m is None for m in items):
            return None
        return tuple(v if m is None else m for v, m in zip(value, items))
    return None


def _marked(p: Parameter, period: Period) -> Parameter | None:
    """``p`` with each value carried past its expected revision before the period ends marked from that day."""
    if p.jurisdiction == OVERRIDE:
        return None
    values = p.values
    out: list[DatedValue] = []
    changed = False
    for k, v in enumerate(values):
        out.append(v)
        if v.value is None:
            continue
        due = p.expected_update(v)
        if due is None or due >= period.end or (k + 1 < len(values) and due >= values[k + 1].start):
            continue
        if k + 1 < len(values) and values[k + 1].start <= period.start:
            continue  # replaced before the period begins
        m = _mark(v.value)
        if m is None:
            continue
        out.append(DatedValue(due, m, v.source))
        changed = True
    return attrs.evolve(p, values=tuple(out)) if changed else None


def marked_parameter_set(ps: ParameterSet, period: Period, names: Collection[str] | None = None,
                         jurisdictions: Collection[str] | None = None) -> ParameterSet | None:
    """A copy of ``ps`` with every carried-forward figure marked from its expected revision day,
    or ``None`` when no figure is carried forward within ``period``.

    Only parameters among ``names`` and of ``jurisdictions`` are marked, when given.
    """
    params: list[Parameter] = []
    changed = False
    for p in ps.parameters():
        wanted = (names is None or p.name in names) and (jurisdictions is None or p.jurisdiction in jurisdictions)
        m = _marked(p, period) if wanted else None
        params.append(p if m is None else m)
        changed |= m is not None
    return ParameterSet(params) if changed else None


def _roster_regions(roster: Any, region: str | None) -> set[str] | None:
    """The regions of a roster's rows when its columnar parse knows them (``None``: not known)."""
    parsed = roster.cache.get(("parsed", region)) if hasattr(roster, "cache") else None
    col = getattr(parsed, "cols", {}).get("region") if parsed is not None else None
    if col is None:
        return None
    return {v for v in col.values if isinstance(v, str) and v}


def count_stale_results(engine: Any, roster: Any, period: Period, region: str | None, base: Any, fast: bool,
                        paying: set[str]) -> int:
    """How many paying (person, rule) results of ``base`` (a roster outcome) rest on a carried-forward figure.

    ``paying``: the rule codes that pay someone (from the run's per-rule figures, which the summary and the
    report compute anyway: an encoded column's figures come from its tables, never spelt out per row).
    """
    from .run import _as_list, _compute, _numpy, np_array
    from ..engine import Engine
    from ..ids import fallback_chain

    # Only what can move a payment: the parameters of rules that pay someone, for the roster's regions.
    if not paying:
        return 0
    names = {n for reg in engine.registry.rules if reg.code in paying for n in reg.rule.param_names}
    regions = _roster_regions(roster, region)
    jurisdictions = None if regions is None else {j for r in regions for j in fallback_chain(r)}
    ps = marked_parameter_set(engine.parameters, period, names, jurisdictions)
    if ps is None:
        return 0
    marked_engine = Engine(_registry=engine.registry, _params=ps)
    # The formulas' plans learnt by the first run stay valid (they are keyed by each parameter's
    # jurisdiction and start, and a marked figure starts on a day no real value of its series does).
    marked_engine.columnar_memo = engine.columnar_memo  # type: ignore[method-assign]
    other, _ = _compute(marked_engine, roster, period, region, {}, None, fast)
    np = _numpy()
    if np is not None and isinstance(base.index, np.ndarray) and isinstance(other.index, np.ndarray) \
            and np.array_equal(base.index, other.index):
        total = 0
        for code in base.codes:
            a = np.asarray(np_array(base.fen[code]))
            pays = a > 0
            if code not in other.fen:
                total += int(pays.sum())
            else:
                total += int((pays & (a != np.asarray(np_array(other.fen[code])))).sum())
        return total
    position = {int(i): k for k, i in enumerate(_as_list(other.index))}
    where = [position.get(int(i)) for i in _as_list(base.index)]
    count = 0
    for code in base.codes:
        mine = _as_list(np_array(base.fen[code]))
        theirs = _as_list(np_array(other.fen[code])) if code in other.fen else None
        for f, k in zip(mine, where):
            if f <= 0:
                continue  # the rule pays this person nothing
            # Rejected or unpriced under the marked figures: the result depends on them.
            if k is None or theirs is None or theirs[k] != f:
                count += 1
    return count
