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
year, subtract it) records an *exact* condition: the result is then only
reused for the very same date.  So reuse is always sound; it is only more or
less frequent.
"""

from __future__ import annotations

import operator
from datetime import date, timedelta
from typing import Any

__all__ = ["TracedDate", "Recorder", "ComparedBy", "apply_chain", "compile_conditions", "holds", "plain"]

_OPS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge, "eq": operator.eq, "ne": operator.ne}


class Recorder:
    """Collects the conditions a formula's use of traced dates imposes."""

    __slots__ = ("conditions", "active")

    def __init__(self) -> None:
        #: (position, chain, op, other, outcome); op "exact" means equality of the transformed date.
        self.conditions: list[tuple[int, tuple[Any, ...], str, Any, Any]] = []
        self.active = True

    def exact(self, d: TracedDate) -> None:
        if self.active:
            self.conditions.append((d._pos, d._chain, "exact", d._d, True))


def apply_chain(d: date, chain: tuple[Any, ...]) -> date:
    """``d`` put through the recorded ``replace`` / ``+`` / ``-`` steps of a traced date."""
    for kind, arg in chain:
        if kind == "replace":
            d = d.replace(**dict(arg))
        elif kind == "add":
            d = d + arg
        else:  # "sub"
            d = d - arg
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
    return v._d if isinstance(v, TracedDate) else v


class ComparedBy:
    """The six comparisons of a stand-in, each handed to its ``_cmp(other, op)``."""

    __slots__ = ()

    def _cmp(self, other: Any, op: str) -> Any:
        raise NotImplementedError

    def __lt__(self, other: Any) -> Any:
        return self._cmp(other, "lt")

    def __le__(self, other: Any) -> Any:
        return self._cmp(other, "le")

    def __gt__(self, other: Any) -> Any:
        return self._cmp(other, "gt")

    def __ge__(self, other: Any) -> Any:
        return self._cmp(other, "ge")

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._cmp(other, "eq")

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._cmp(other, "ne")

    __hash__ = None  # type: ignore[assignment]  # each stand-in says what hashing means for it


class TracedDate(ComparedBy, date):
    """A date that records how a formula uses it (see the module docstring)."""

    __slots__ = ("_d", "_pos", "_chain", "_rec")

    _d: date
    _pos: int
    _chain: tuple[Any, ...]
    _rec: Recorder

    def __new__(cls, d: date, pos: int, rec: Recorder, chain: tuple[Any, ...] = ()) -> TracedDate:
        self = date.__new__(cls, d.year, d.month, d.day)
        self._d = date(d.year, d.month, d.day)
        self._pos = pos
        self._chain = chain
        self._rec = rec
        return self

    def _derive(self, d: date, step: tuple[str, Any]) -> TracedDate:
        return TracedDate(d, self._pos, self._rec, (*self._chain, step))

    # -- comparisons: recorded with their outcome ------------------------------------
    def _cmp(self, other: Any, op: str) -> Any:
        if isinstance(other, TracedDate):
            self._rec.exact(self)
            self._rec.exact(other)
            return _OPS[op](self._d, other._d)
        if not isinstance(other, date):
            return NotImplemented
        result = _OPS[op](self._d, other)
        if self._rec.active:
            self._rec.conditions.append((self._pos, self._chain, op, other, result))
        return result

    def __hash__(self) -> int:
        self._rec.exact(self)
        return hash(self._d)

    # -- derivations: traced further ---------------------------------------------------
    def replace(self, year: int | None = None, month: int | None = None, day: int | None = None) -> TracedDate:  # type: ignore[override]
        kw = {k: v for k, v in (("year", year), ("month", month), ("day", day)) if v is not None}
        return self._derive(self._d.replace(**kw), ("replace", tuple(sorted(kw.items()))))

    def __add__(self, other: Any) -> Any:
        if isinstance(other, timedelta) or type(other).__name__ == "relativedelta":
            return self._derive(self._d + other, ("add", other))
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, timedelta) or type(other).__name__ == "relativedelta":
            return self._derive(self._d - other, ("sub", other))
        if isinstance(other, date):
            self._rec.exact(self)
            if isinstance(other, TracedDate):
                self._rec.exact(other)
                return self._d - other._d
            return self._d - other
        return NotImplemented

    def __rsub__(self, other: Any) -> Any:
        if isinstance(other, date):
            self._rec.exact(self)
            return other - self._d
        return NotImplemented

    # -- everything else reveals the date: exact -------------------------------------
    def _reveal(self) -> date:
        self._rec.exact(self)
        return self._d

    @property  # type: ignore[misc]
    def year(self) -> int:  # type: ignore[override]
        return self._reveal().year

    @property  # type: ignore[misc]
    def month(self) -> int:  # type: ignore[override]
        return self._reveal().month

    @property  # type: ignore[misc]
    def day(self) -> int:  # type: ignore[override]
        return self._reveal().day

    def isoformat(self) -> str:
        return self._reveal().isoformat()

    def __str__(self) -> str:
        return self._reveal().isoformat()

    def __repr__(self) -> str:
        return repr(self._d)

    def __format__(self, spec: str) -> str:
        return format(self._reveal(), spec)

    def strftime(self, fmt: str) -> str:
        return self._reveal().strftime(fmt)

    def timetuple(self) -> Any:
        return self._reveal().timetuple()

    def toordinal(self) -> int:
        return self._reveal().toordinal()

    def weekday(self) -> int:
        return self._reveal().weekday()

    def isoweekday(self) -> int:
        return self._reveal().isoweekday()

    def isocalendar(self) -> Any:
        return self._reveal().isocalendar()

    def ctime(self) -> str:
        return self._reveal().ctime()

    def __reduce__(self) -> Any:
        return (date, (self._d.year, self._d.month, self._d.day))
