"""Sharing a rule's result between people whose dates differ but lead to the same answer.

A formula that reads a date fact (``disability_assessed``, ``birth_date``,
``enlisted``) usually only *compares* it: "is the month priced after the
month of assessment?", "did they enlist between 1954-11-01 and 2011-11-01?".
Two people whose dates give the same outcome on every such comparison get
the same result.  While a rule is priced for the first of them, each date
fact is handed to the formula as a :class:`TracedDate`, which behaves like
the date and records every comparison (after any ``replace`` or ``+ relativedelta``
on the way) together with its outcome.  The next person's result is reused
when every recorded comparison comes out the same on their dates.

Anything else a formula does with a date (format it, hash it, read its
year, subtract it, hand it to a C function) is outside the stand-ins'
vocabulary (:mod:`shuangyong.standins`): the unit is priced again with the
real dates and its result is kept for those very dates only.  So reuse is
always sound; it is only more or less frequent.
"""

from __future__ import annotations

import operator
from datetime import date
from typing import Any

from .standins import OPS as _OPS
from .standins import Recorder, TracedDate, apply_step

__all__ = ["TracedDate", "Recorder", "apply_chain", "compile_conditions", "holds", "plain"]


def apply_chain(d: date, chain: tuple[Any, ...]) -> date:
    """``d`` put through the recorded ``replace`` / ``+`` / ``-`` steps of a traced date."""
    for step in chain:
        d = apply_step(d, step)
    return d


def compile_conditions(conditions: list[tuple[int, tuple[Any, ...], str, Any, Any]]) -> tuple[Any, ...]:
    """Group conditions by (date, transformation) so that each transformed date is computed once."""
    groups: dict[tuple[int, tuple[Any, ...]], list[tuple[Any, Any, Any]]] = {}
    for pos, chain, op, other, outcome in conditions:
        checks = groups.setdefault((pos, chain), [])
        check = (operator.eq if op == "exact" else _OPS[op], other, True if op == "exact" else outcome)
        if check not in checks:
            checks.append(check)
    return tuple((pos, chain, tuple(checks)) for (pos, chain), checks in groups.items())


def holds(compiled: Any, values: tuple[Any, ...]) -> bool:
    """True when every condition comes out the same on ``values``.

    ``compiled`` is what :func:`compile_conditions` made of a recorder's conditions
    (a plain list of conditions is compiled first).
    """
    if isinstance(compiled, list):
        compiled = compile_conditions(compiled)
    for pos, chain, checks in compiled:
        v = values[pos]
        if type(v) is not date:
            return False
        try:
            d = apply_chain(v, chain) if chain else v
        except (ValueError, OverflowError):
            return False
        for fn, other, outcome in checks:
            if fn(d, other) != outcome:
                return False
    return True


def plain(v: Any) -> Any:
    """The plain date behind a traced one (anything else unchanged)."""
    return v._d if type(v) is TracedDate else v
