"""Benefit rules: metadata plus one plain Python formula.

A :class:`BenefitRule` declares its code, Chinese and English titles, the
facts and parameters it reads, its period kind and its legal basis; the
formula ``f(facts, p)`` sees only what was declared and returns an amount,
:class:`NotEligible` with a reason, or :class:`InKind` for a benefit that is
not money.  Build one with the :func:`rule` decorator::

    @sy.rule(code="x_allowance", period="monthly", title=("某补助", "X allowance"),
             inputs=("hukou", "age"), params=("monthly_standard",),
             basis=sy.Basis(document="…", certainty="secondary"))
    def x_allowance(facts, p):
        \"\"\"Rural residents of 60 and over get the monthly standard.\"\"\"
        if facts.age < 60:
            return sy.NotEligible("未满60周岁", "under 60")
        return p.monthly_standard

Period kinds:

* ``monthly`` — the formula gives the amount for one month, priced at the
  facts and parameter values of the month's first day; the engine rounds
  each month with the rule's rounding (default 分 half up) and sums months.
* ``yearly`` — the formula gives the amount for a calendar year, priced on
  the rule's ``pay_on`` day (default 1 January); it is paid in the period
  that contains that day.
* ``one_off`` — the rule names an ``event`` (``discharged``, ``death_date``,
  ``member_death_date``, ``awards``, or a function ``person -> [(date,
  payload)]``); each event in the period is priced on its date and the
  formula can read ``facts.event``.

Parameter names without a dot are relative to the rule code
(``monthly_standard`` → ``x_allowance.monthly_standard``); a dotted name is
used as is and read by its last segment, or name it yourself with a mapping
``params={"wage": "wages.urban_monthly"}``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from attrs import field, frozen

from .calc import Q
from .errors import RuleDefinitionError, UndeclaredInputError
from .facts import EVENT_FACTS, compute_fact, is_known_fact
from .model import Person
from .money import FEN_HALF_UP, ROUNDINGS, Rounding
from .params import Resolved, Source

__all__ = ["Basis", "NotEligible", "InKind", "BenefitRule", "rule", "PERIOD_KINDS", "EVENTS", "Facts", "Params"]

#: A rule's legal basis has the same shape as a parameter value's source.
Basis = Source

PERIOD_KINDS = ("monthly", "yearly", "one_off")


@frozen
class NotEligible:
    """A formula's answer when the person does not qualify; ``reason`` in Chinese, ``reason_en`` in English."""

    reason: str
    reason_en: str = ""


@frozen
class InKind:
    """A benefit that is not money (free buses, fee waivers, priority); never added to totals."""

    description: str
    description_en: str = ""


def _award_events(p: Person) -> list[tuple[date, Any]]:
    return [(a.date, a) for a in p.awards if a.date is not None]


def _date_event(attr: str) -> Callable[[Person], list[tuple[date, Any]]]:
    def events(p: Person) -> list[tuple[date, Any]]:
        d = compute_fact(attr, p, date.min)
        return [(d, d)] if d is not None else []

    return events


#: Named events a one-off rule can pay on.
EVENTS: dict[str, Callable[[Person], list[tuple[date, Any]]]] = {
    **{name: _date_event(name) for name in sorted(EVENT_FACTS)},  # the catalogue's event-date facts
    "awards": _award_events,
}


def _param_map(params: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    if isinstance(params, Mapping):
        return dict(params)
    out: dict[str, str] = {}
    for name in params:
        alias = name.rsplit(".", 1)[-1]
        if alias in out:
            raise RuleDefinitionError(f"parameters {out[alias]!r} and {name!r} share the short name {alias!r}; use a mapping")
        out[alias] = name
    return out


def _rounding(value: Rounding | str) -> Rounding:
    if isinstance(value, Rounding):
        return value
    try:
        return ROUNDINGS[value]
    except KeyError:
        raise RuleDefinitionError(f"unknown rounding {value!r}; choose from {sorted(ROUNDINGS)}") from None


@frozen(kw_only=True)
class BenefitRule:
    """A benefit rule: declared inputs, period kind, basis, and one formula."""

    code: str
    title: str
    title_en: str
    period: str
    formula: Callable[..., Any] = field(repr=False)
    basis: Source
    inputs: tuple[str, ...] = field(converter=tuple, factory=tuple)
    params: dict[str, str] = field(converter=_param_map, factory=dict)
    rounding: Rounding = field(converter=_rounding, default=FEN_HALF_UP)
    event: str | Callable[[Person], list[tuple[date, Any]]] | None = None
    pay_on: tuple[int, int] = (1, 1)
    eligibility: str = ""
    eligibility_en: str = ""
    assumptions: tuple[str, ...] = field(converter=tuple, factory=tuple)
    doc: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.code or not self.code.replace("_", "").isalnum() or not self.code.isascii():
            raise RuleDefinitionError(f"rule code {self.code!r} must be English snake_case")
        if self.period not in PERIOD_KINDS:
            raise RuleDefinitionError(f"rule {self.code!r}: period must be one of {PERIOD_KINDS}, not {self.period!r}")
        for name in self.inputs:
            if not is_known_fact(name):
                raise RuleDefinitionError(f"rule {self.code!r}: unknown fact {name!r}; see shuangyong.facts.fact_names()")
        if self.period == "one_off":
            if self.event is None:
                raise RuleDefinitionError(f"rule {self.code!r}: a one_off rule needs event=")
            if isinstance(self.event, str) and self.event not in EVENTS:
                raise RuleDefinitionError(f"rule {self.code!r}: unknown event {self.event!r}; choose from {sorted(EVENTS)}")
        if not isinstance(self.basis, Source):
            raise RuleDefinitionError(f"rule {self.code!r}: basis must be sy.Basis(document=..., certainty=...)")
        object.__setattr__(self, "_param_names", tuple(self.full_param(n) for n in self.params.values()))

    def full_param(self, name: str) -> str:
        """The full parameter name behind a declared name."""
        return name if "." in name else f"{self.code}.{name}"

    @property
    def param_names(self) -> tuple[str, ...]:
        """Full names of every declared parameter."""
        return self._param_names

    _param_names: tuple[str, ...] = field(init=False, default=(), repr=False, eq=False)

    def events(self, person: Person) -> list[tuple[date, Any]]:
        """The (date, payload) events a one-off rule pays on."""
        if self.event is None:
            return []
        fn = EVENTS[self.event] if isinstance(self.event, str) else self.event
        return sorted(fn(person), key=lambda e: e[0])


def rule(
    *,
    code: str,
    period: str,
    title: tuple[str, str] | str,
    basis: Source,
    inputs: Iterable[str] = (),
    params: Iterable[str] | Mapping[str, str] = (),
    rounding: Rounding | str = FEN_HALF_UP,
    event: str | Callable[[Person], list[tuple[date, Any]]] | None = None,
    pay_on: tuple[int, int] = (1, 1),
    eligibility: tuple[str, str] | str = "",
    assumptions: Iterable[str] = (),
) -> Callable[[Callable[..., Any]], BenefitRule]:
    """Decorator turning ``formula(facts, p)`` into a :class:`BenefitRule`.

    ``eligibility`` states (zh, en) when eligibility starts and ends, with its
    citation; ``assumptions`` lists choices made where the sources are silent.
    """
    zh, en = (title, title) if isinstance(title, str) else title
    ez, ee = (eligibility, eligibility) if isinstance(eligibility, str) else eligibility

    def wrap(fn: Callable[..., Any]) -> BenefitRule:
        return BenefitRule(
            code=code,
            title=zh,
            title_en=en,
            period=period,
            formula=fn,
            basis=basis,
            inputs=tuple(inputs),
            params=params,  # type: ignore[arg-type]
            rounding=rounding,  # type: ignore[arg-type]
            event=event,
            pay_on=pay_on,
            eligibility=ez,
            eligibility_en=ee,
            assumptions=tuple(assumptions),
            doc=inspect.cleandoc(fn.__doc__ or ""),
        )

    return wrap


# -- what a formula sees ---------------------------------------------------------


class Facts:
    """The declared facts of one person on one date; reading anything else raises."""

    __slots__ = ("_rule", "_values", "_on", "event", "base", "read_on")

    def __init__(self, rule_code: str, values: dict[str, Any], on: date, event: Any = None, base: Any = None) -> None:
        self._rule = rule_code
        self._values = values
        self._on = on
        #: The payload of the event a one-off rule is pricing (an Award, a date).
        self.event = event
        #: For a rule that ``extends`` another: the base rule's amount for the same unit.
        self.base = base
        #: Whether the formula looked at the date: then its result depends on it (the engine must not reuse it).
        self.read_on = False

    @property
    def on(self) -> date:
        """The date being priced (a month's first day, a pay date, an event date)."""
        self.read_on = True
        return self._on

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise UndeclaredInputError(self._rule, name, "input") from None

    def get(self, name: str) -> Any:
        """A declared fact by name (for ``extra.*`` names)."""
        return self.__getattr__(name)

    def has(self, category: Any) -> bool:
        """True when the declared ``categories`` fact holds ``category``."""
        return category in self.__getattr__("categories")


class Params:
    """The declared parameters of a rule on one date; values are traced :class:`Q` numbers."""

    __slots__ = ("_rule", "_names", "_lookup", "used")

    def __init__(self, rule: BenefitRule, lookup: Callable[[str], Resolved]) -> None:
        self._rule = rule.code
        self._names = rule.params
        self._lookup = lookup
        #: Every (resolved parameter, path into it, leaf value) read, for the explanation.
        self.used: list[tuple[Resolved, tuple[str, ...], Any]] = []

    def __getattr__(self, alias: str) -> Any:
        try:
            full = self._names[alias]
        except KeyError:
            raise UndeclaredInputError(self._rule, alias, "parameter") from None
        full = full if "." in full else f"{self._rule}.{full}"
        return self._wrap(self._lookup(full), ())

    def get(self, alias: str) -> Any:
        return self.__getattr__(alias)

    def _wrap(self, r: Resolved, path: tuple[str, ...]) -> Any:
        value = r.value
        for k in path:
            value = value[k]
        if isinstance(value, dict):
            return _Table(self, r, path)
        self.used.append((r, path, value))
        if isinstance(value, (bool, str, tuple)):
            return value  # settings and lists are read as they are; only numbers are traced
        return Q(value)


class _Table:
    """A table-valued parameter; index it (``p.standard[grade][cause]``) to reach a number."""

    __slots__ = ("_params", "_resolved", "_path")

    def __init__(self, params: Params, resolved: Resolved, path: tuple[str, ...]) -> None:
        self._params = params
        self._resolved = resolved
        self._path = path

    def __getitem__(self, key: Any) -> Any:
        k = str(key.value if hasattr(key, "value") and not isinstance(key, Q) else key)
        node = self._resolved.value
        for p in self._path:
            node = node[p]
        if k not in node:
            raise KeyError(k)
        return self._params._wrap(self._resolved, (*self._path, k))

    def __contains__(self, key: Any) -> bool:
        k = str(key.value if hasattr(key, "value") and not isinstance(key, Q) else key)
        node = self._resolved.value
        for p in self._path:
            node = node[p]
        return k in node

    def keys(self) -> list[str]:
        node = self._resolved.value
        for p in self._path:
            node = node[p]
        return list(node)
