"""Stand-ins for a formula's dates, ``facts.on`` and ``facts.age``: one vocabulary for both roads.

To price many people at once, the engine hands a formula something that *stands in* for a value
instead of the value itself, and learns from what the formula does with it:

* on the per-person road (:mod:`shuangyong.engine`) a date fact is a :class:`TracedDate`, which
  knows the real date, answers comparisons with it and records each comparison, so that the
  result can be reused for the next person whose dates compare the same way;
* on the columnar road (:mod:`shuangyong.roster.pricing`) a date fact is a :class:`DateColumn`,
  ``facts.on`` an :class:`OnColumn` and ``facts.age`` an :class:`AgeColumn`; a comparison gives a
  :class:`Cond` whose two outcomes are both explored, and evaluated later as arrays over rows.

Both understand exactly the operations below — the **vocabulary** — and nothing else:

========================================  =================================================
operation                                 meaning
========================================  =================================================
``d < x``, ``<=``, ``>``, ``>=``          ``x`` a ``datetime.date`` (not a datetime) or another
                                          date fact; ``==`` / ``!=`` too (not for ``facts.on``)
``d == None``, ``d is None``, ``bool(d)`` a present date is never ``None`` and is true
``d.replace(year=, month=, day=)``        whole-number arguments
``d + timedelta(days=n)``, ``d - …``      whole days
``d + relativedelta(years=, months=,      relative years, months, days only (no absolute
days=)``, ``d - …``                       fields, no weekdays, no hours)
``min(d, x)``, ``max(d, x)``, ``sorted``  built from the comparisons above
``facts.on < x`` (``<=``, ``>``, ``>=``)  ``x`` a date or anything derived from a date fact
``facts.age < n`` (``<=``, ``>``, ``>=``) ``n`` an ``int``
========================================  =================================================

Anything else — ``isinstance``, reading ``year`` / ``month`` / ``day``, ``str()``, formatting,
hashing, ``copy``, pickling, subtracting two dates, arithmetic on the age, C functions that want a
real ``date`` (``datetime.combine``, ``date.toordinal(d)``, ``date.__sub__``) — raises
:class:`NeedConcrete` (or makes the C function fail), and the unit is priced again with real
values.  So a fast path never changes an answer: it only prices fewer units.  ``isinstance`` is
caught because a stand-in's ``__class__`` raises; ``type(d) is date`` cannot be intercepted by
any Python object and is the one check a formula must not make (``docs/writing-a-rule-pack.md``);
likewise a formula must not catch the ``TypeError`` a C function raises on a stand-in and carry on
(the engine sees the error only when it leaves the formula).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

__all__ = ["NeedConcrete", "ComparedBy", "StandIn", "TracedDate", "Recorder", "DateColumn", "OnColumn", "AgeColumn", "Cond",
           "Explorer", "date_step", "replace_step", "apply_step", "birthday", "OPS", "EPOCH"]

EPOCH = date(1970, 1, 1).toordinal()

OPS: dict[str, Callable[[Any, Any], Any]] = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
                                             "eq": operator.eq, "ne": operator.ne}
#: Comparisons kept in one form each, so that a comparison and its negation are recognised as one.
_CANON = {"lt": ("lt", False), "ge": ("lt", True), "le": ("le", False), "gt": ("le", True), "eq": ("eq", False), "ne": ("eq", True)}
_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}


class NeedConcrete(BaseException):
    """A stand-in was used in a way only a real date (or a real month, a real age) can answer.

    A ``BaseException`` so that a formula's own ``except Exception`` does not swallow it.
    ``what`` is the fact's name, or ``"on"`` for ``facts.on``.
    """

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


# -- the steps a date may go through, in one form for both roads --------------------------------------


def date_step(other: Any, sign: int) -> tuple[Any, ...] | None:
    """``+ other`` (``sign`` 1) or ``- other`` (-1) as a step, when ``other`` is in the vocabulary."""
    if type(other) is timedelta:
        if other.seconds or other.microseconds:
            return None
        return ("days", sign * other.days)
    if type(other) is relativedelta:
        rd = other if sign > 0 else -other
        absolute = (rd.year, rd.month, rd.day, rd.weekday, rd.hour, rd.minute, rd.second, rd.microsecond)
        if any(v is not None for v in absolute) or rd.leapdays or rd.hours or rd.minutes or rd.seconds or rd.microseconds:
            return None
        if not all(type(v) is int for v in (rd.years, rd.months, rd.days)):
            return None
        return ("rd", rd.years, rd.months, rd.days)
    return None


def replace_step(year: Any, month: Any, day: Any) -> tuple[Any, ...] | None:
    """``replace(...)`` as a step, when every argument given is a whole number."""
    parts = tuple((k, v) for k, v in (("year", year), ("month", month), ("day", day)) if v is not None)
    if not all(type(v) is int for _, v in parts):
        return None
    return ("replace", parts)


def birthday(born: date, years: int) -> date:
    """The day a person born on ``born`` turns ``years`` (29 February → 1 March outside leap years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def apply_step(d: date, step: tuple[Any, ...]) -> date:
    """One step on a real date (raises as Python does: an impossible ``replace``, out of range)."""
    kind = step[0]
    if kind == "days":
        return d + timedelta(days=step[1])
    if kind == "replace":
        return d.replace(**dict(step[1]))
    if kind == "birthday":
        return birthday(d, step[1])
    _, years, months, days = step
    out: date = d + relativedelta(years=years, months=months, days=days)
    return out


# -- the gate: everything outside the vocabulary asks for real values -----------------------------------


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

    def __eq__(self, other: Any) -> Any:
        return self._cmp(other, "eq")

    def __ne__(self, other: Any) -> Any:
        return self._cmp(other, "ne")

    __hash__ = None  # type: ignore[assignment]  # each stand-in says what hashing means for it


class StandIn(ComparedBy):
    """What every stand-in refuses: each of these raises :class:`NeedConcrete` naming the fact."""

    __slots__ = ()

    def _what(self) -> str:
        raise NotImplementedError

    def _refuse(self, *_: Any) -> Any:
        raise NeedConcrete(self._what())

    # isinstance(x, cls) asks x.__class__ when type(x) is not a subclass of cls: refuse there.
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        raise NeedConcrete(self._what())

    def __getattr__(self, name: str) -> Any:  # year, month, day, toordinal, isoformat, weekday, …
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # protocol probes (copy, pickle) are refused in their own methods
        raise NeedConcrete(self._what())

    __hash__ = __str__ = __repr__ = __format__ = __reduce__ = __reduce_ex__ = _refuse  # type: ignore[assignment]
    __copy__ = __deepcopy__ = __int__ = __index__ = __float__ = __iter__ = __len__ = _refuse
    __rsub__ = __mul__ = __rmul__ = __truediv__ = __floordiv__ = __mod__ = __neg__ = __pos__ = __abs__ = _refuse


class _DateStandIn(StandIn):
    """A present date: true, never equal to a non-date, shifted only by the vocabulary's steps."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return True

    def _step(self, step: tuple[Any, ...]) -> Any:
        raise NotImplementedError

    def replace(self, year: Any = None, month: Any = None, day: Any = None) -> Any:
        step = replace_step(year, month, day)
        if step is None:
            raise NeedConcrete(self._what())
        return self._step(step)

    def __add__(self, other: Any) -> Any:
        step = date_step(other, 1)
        if step is None:
            raise NeedConcrete(self._what())
        return self._step(step)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        step = date_step(other, -1)
        if step is None:
            raise NeedConcrete(self._what())  # date − date included: the difference reveals the date
        return self._step(step)


def _plain_date(other: Any) -> bool:
    """A real date a stand-in may be compared with (a datetime is not: Python refuses to order the two)."""
    return type(other) is date


# -- the per-person road: a date that records how it is compared -------------------------------------------


class Recorder:
    """Collects the conditions a formula's use of traced dates imposes."""

    __slots__ = ("conditions", "active")

    def __init__(self) -> None:
        #: (position, steps, op, other, outcome); op "exact" means equality of the date after the steps
        #: (position -1: the unit was priced with real dates, so its result is for these very dates only).
        self.conditions: list[tuple[int, tuple[Any, ...], str, Any, Any]] = []
        self.active = True

    def exact(self, d: TracedDate) -> None:
        if self.active:
            self.conditions.append((d._pos, d._chain, "exact", d._d, True))

    def concrete(self) -> None:
        """The unit was priced with real values: its result is not shared."""
        if self.active:
            self.conditions.append((-1, (), "exact", None, True))


class TracedDate(_DateStandIn):
    """A date fact on the per-person road: compares as its real date and records each comparison."""

    __slots__ = ("_d", "_pos", "_chain", "_rec", "_name")

    def __init__(self, d: date, pos: int, rec: Recorder, chain: tuple[Any, ...] = (), name: str = "date") -> None:
        self._d = date(d.year, d.month, d.day)
        self._pos = pos
        self._chain = chain
        self._rec = rec
        self._name = name

    def _what(self) -> str:
        return self._name

    def _step(self, step: tuple[Any, ...]) -> TracedDate:
        return TracedDate(apply_step(self._d, step), self._pos, self._rec, (*self._chain, step), self._name)

    def _cmp(self, other: Any, op: str) -> Any:
        if type(other) is TracedDate:
            self._rec.exact(self)
            self._rec.exact(other)
            return OPS[op](self._d, other._d)
        if not _plain_date(other):
            if op in ("eq", "ne") and not isinstance(other, (date, StandIn)):
                return op == "ne"  # a date never equals a non-date
            raise NeedConcrete(self._name)
        result = OPS[op](self._d, other)
        if self._rec.active:
            self._rec.conditions.append((self._pos, self._chain, op, other, result))
        return result


# -- the columnar road: a date standing for a column of dates -------------------------------------------------


class Explorer:
    """Replays the decisions of a path and records new ones while a formula runs (see ``pricing.explore``)."""

    __slots__ = ("prefix", "decisions", "taken", "pending")

    def __init__(self, prefix: tuple[bool, ...]) -> None:
        self.prefix = prefix
        self.decisions: list[bool] = []
        self.taken: list[tuple[Any, bool]] = []
        self.pending: list[tuple[bool, ...]] = []

    def decide(self, atom: Any) -> bool:
        for a, outcome in self.taken:
            if a == atom:  # the same comparison again (or its negation): the same answer, no new branch
                return outcome
        i = len(self.decisions)
        if i < len(self.prefix):
            outcome = self.prefix[i]
        else:
            outcome = True
            self.pending.append((*self.decisions, False))
        self.decisions.append(outcome)
        self.taken.append((atom, outcome))
        return outcome


class Cond:
    """The outcome of comparing stand-ins: a ``bool`` only when the formula branches on it."""

    __slots__ = ("_x", "_atom", "_negated")

    def __init__(self, x: Explorer, lhs: Any, op: str, rhs: Any) -> None:
        cop, negated = _CANON[op]
        self._x = x
        self._atom = (lhs, cop, rhs)
        self._negated = negated

    def __bool__(self) -> bool:
        return self._x.decide(self._atom) != self._negated

    def __eq__(self, other: object) -> bool:
        raise NeedConcrete("on" if self._atom[0] == ("on",) else self._atom[0][1])

    __ne__ = __eq__
    __hash__ = None  # type: ignore[assignment]


def _const(d: Any) -> tuple[str, int] | None:
    return ("const", d.toordinal() - EPOCH) if _plain_date(d) else None


class DateColumn(_DateStandIn):
    """A present date fact of every row of a key, as a formula sees it on the columnar road."""

    __slots__ = ("_x", "_key")

    def __init__(self, x: Explorer, key: tuple[Any, ...]) -> None:
        self._x = x
        self._key = key  # ("fact", name, steps)

    def _what(self) -> str:
        return str(self._key[1])

    def _step(self, step: tuple[Any, ...]) -> DateColumn:
        return DateColumn(self._x, (self._key[0], self._key[1], (*self._key[2], step)))

    def _cmp(self, other: Any, op: str) -> Any:
        kind = type(other)
        if kind is OnColumn:
            return other._cmp(self, _FLIP[op])
        if kind is DateColumn:
            rhs: Any = other._key
        else:
            rhs = _const(other)
            if rhs is None:
                if op in ("eq", "ne") and not issubclass(kind, (date, StandIn)):
                    return op == "ne"  # a date never equals a non-date
                raise NeedConcrete(self._what())
        return Cond(self._x, self._key, op, rhs)


class OnColumn(StandIn):
    """``facts.on`` for every month of a segment: only ordered comparisons with dates are answered."""

    __slots__ = ("_x",)

    def __init__(self, x: Explorer) -> None:
        self._x = x

    def _what(self) -> str:
        return "on"

    def __bool__(self) -> bool:
        return True

    def _cmp(self, other: Any, op: str) -> Cond:
        if op in ("eq", "ne"):
            raise NeedConcrete("on")  # "this very month" is not a range of months in general
        rhs = other._key if type(other) is DateColumn else _const(other)
        if rhs is None:
            raise NeedConcrete("on")
        return Cond(self._x, ("on",), op, rhs)

    __add__ = __radd__ = __sub__ = StandIn._refuse


class AgeColumn(StandIn):
    """``facts.age`` on the columnar road: compared with whole years it is a comparison of the date
    priced with the person's birthday of that age (``age >= 60`` ⟺ ``on >= 60th birthday``).

    The birthday of a 29 February birth is 1 March in other years, as ``shuangyong.facts`` counts
    age.  Anything else done with the age (arithmetic, equality, ``isinstance``) asks for real values.
    """

    __slots__ = ("_x", "_on")

    def __init__(self, x: Explorer, on: Any) -> None:
        self._x = x
        self._on = on  # an OnColumn, or the real date priced

    def _what(self) -> str:
        return "age"

    def _birthday(self, years: int) -> DateColumn:
        return DateColumn(self._x, ("fact", "birth_date", (("birthday", years),)))

    def _cmp(self, other: Any, op: str) -> Any:
        if type(other) is not int or op in ("eq", "ne"):
            raise NeedConcrete("age")
        if op == "lt":
            return self._on < self._birthday(other)
        if op == "le":
            return self._on < self._birthday(other + 1)
        if op == "gt":
            return self._on >= self._birthday(other + 1)
        return self._on >= self._birthday(other)

    __bool__ = __add__ = __radd__ = __sub__ = StandIn._refuse


