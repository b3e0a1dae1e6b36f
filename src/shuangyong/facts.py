"""Named facts about a person on a date: what a rule may declare as its inputs.

A rule lists the facts it reads (``inputs=("hukou", "age")``); the engine
computes exactly those for the date being priced (a month's first day, a
yearly rule's pay date, a one-off rule's event date) and nothing else.
Because the facts are declared, a batch can group people whose declared
facts are equal and price each group once.

``extra.<key>`` reads a column of the record that the core does not know
(a pack's own field, e.g. ``extra.town``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

from attrs import frozen

from .model import Person

__all__ = ["Fact", "CATALOGUE", "FACTS", "DATED_FACTS", "DATE_FACTS", "EVENT_FACTS", "STAND_IN_FACTS", "age_on", "fact_getter",
           "fact_names", "compute_fact", "is_known_fact"]


def age_on(born: date, on: date) -> int:
    """Whole years of age on ``on`` (a 29 February birth turns a year older on 1 March in other years).

    The one scalar definition: the columnar road's array twin is ``columns.FactStore._age``, its
    stand-in ``standins.AgeColumn`` (compared with the birthday of that age, ``standins.birthday``).
    """
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _service(p: Person, on: date, rounding: str) -> int:
    if p.service is None:
        return 0
    return p.service.service_years(rounding, as_of=on if p.service.discharged is None else None)


def _conscript_years(p: Person, on: date) -> int:
    s = p.service
    if s is None:
        return 0
    if s.conscript_years is not None:
        return s.conscript_years
    return _service(p, on, "up")


def _conscript_service_years(p: Person, on: date) -> int | None:
    if p.service is None:
        return 0
    return _conscript_years_of()(p.service, on)


@functools.cache
def _conscript_years_of() -> Callable[[Any, date], int | None]:
    # Imported on first use, once: shuangyong.national.conscripts imports the rules module, which imports this one
    # (an import statement in the getter itself would run on every month priced).
    from .national.conscripts import conscript_years_of

    return conscript_years_of


def _tie(attr: str) -> Callable[[Person, date], Any]:
    def get(p: Person, on: date) -> Any:
        return getattr(p.family_tie, attr) if p.family_tie is not None else None

    return get


def _svc(attr: str) -> Callable[[Person, date], Any]:
    def get(p: Person, on: date) -> Any:
        return getattr(p.service, attr) if p.service is not None else None

    return get


def _dis(attr: str) -> Callable[[Person, date], Any]:
    def get(p: Person, on: date) -> Any:
        return getattr(p.disability, attr) if p.disability is not None else None

    return get


@frozen
class Fact:
    """What one fact is, declared once; every other table of facts is derived from these entries.

    ``kind``: ``fixed`` (one value per person), ``date`` (a date of the record, ``None`` when absent),
    ``dated`` (depends on the date priced: age, service years…), ``set`` (a frozenset; the columnar
    road notes which memberships a formula tests).  ``extra.<column>`` facts are of kind ``extra``
    and are not listed.

    ``columns``: the record keys it depends on (``@birth`` / ``@sex`` come from the ID number).
    ``scalar``: ``fn(person, on)`` — the value on the per-person road, and the reference for
    every other road.  ``vector``: how the columnar road (``shuangyong.roster.columns.FactStore``) computes it
    over rows — ``column`` (one column's parsed value; ``column`` / ``gate`` / ``absent`` say which,
    which column must be present too, and the value when empty), ``date`` (a date column, same
    fields), ``count`` (whole service years or months, and the conscript years they bound, vectorised), ``age``, ``serving``, ``alive``
    (vectorised), or ``derived`` (``scalar`` once per distinct combination of ``columns``).
    ``event``: the fact's date can be the event of a one-off rule.  ``stand_in``: handed to
    columnar formulas as a stand-in (``shuangyong.standins``) rather than by value.
    """

    name: str
    kind: str
    columns: tuple[str, ...]
    scalar: Callable[[Person, date], Any]
    vector: str = "derived"
    column: str = ""
    gate: str = ""
    absent: Any = None
    event: bool = False
    stand_in: bool = False
    #: A dated fact that stops depending on the date once a discharge date is recorded (as every ``count`` fact does).
    settles: bool = False


def _col(name: str, kind: str, get: Callable[[Person, date], Any], column: str, gate: str = "", absent: Any = None) -> Fact:
    columns = (gate, column) if gate else (column,)
    return Fact(name, kind, columns, get, "column", column, gate, absent)


def _day(name: str, get: Callable[[Person, date], Any], column: str, gate: str = "", event: bool = False) -> Fact:
    columns = (gate, column) if gate else (column,)
    return Fact(name, "date", columns, get, "date", column, gate, None, event)


def _age(p: Person, on: date) -> int:
    assert p.birth_date is not None  # every person has one (from the ID number)
    return age_on(p.birth_date, on)


_SERVICE = ("enlisted", "discharged")

#: Every fact a rule may declare (``extra.<column>`` aside), in one place.  Documented in docs/rules.md.
CATALOGUE: dict[str, Fact] = {f.name: f for f in (
    _col("region", "fixed", lambda p, on: p.region, "region"),
    _col("hukou", "fixed", lambda p, on: p.hukou, "hukou"),
    Fact("sex", "fixed", ("@sex",), lambda p, on: p.sex),
    _day("birth_date", lambda p, on: p.birth_date, "@birth"),
    Fact("age", "dated", ("@birth",), _age, "age", stand_in=True),
    _col("categories", "set", lambda p, on: p.categories, "categories", absent=frozenset()),
    Fact("alive", "dated", ("death_date",), lambda p, on: p.alive_on(on), "alive"),
    _day("death_date", lambda p, on: p.death_date, "death_date", event=True),
    # service
    _col("service_type", "fixed", _svc("service_type"), "service_type", "enlisted"),
    _day("enlisted", _svc("enlisted"), "enlisted", event=True),
    _day("discharged", _svc("discharged"), "discharged", "enlisted", event=True),
    _col("hardship", "set", lambda p, on: p.service.hardship if p.service is not None else frozenset(), "hardship", "enlisted", frozenset()),
    _col("education", "fixed", _svc("education"), "education", "enlisted"),
    Fact("serving", "dated", _SERVICE, lambda p, on: p.service.serving_on(on) if p.service is not None else False, "serving"),
    Fact("service_years", "dated", _SERVICE, lambda p, on: _service(p, on, "down"), "count"),
    Fact("service_years_up", "dated", _SERVICE, lambda p, on: _service(p, on, "up"), "count"),
    Fact("service_years_half", "dated", _SERVICE, lambda p, on: _service(p, on, "half"), "count"),
    Fact("service_months", "dated", _SERVICE, lambda p, on: p.service.service_months(on) if p.service is not None else 0, "count"),
    Fact("conscript_years", "dated", (*_SERVICE, "conscript_years"), _conscript_years, "count"),
    Fact("conscript_service_years", "dated", (*_SERVICE, "service_type", "conscript_years"), _conscript_service_years,
         "count"),
    _col("hukou_at_discharge", "fixed", _svc("hukou_at_discharge"), "discharge_hukou", "enlisted"),
    Fact("urban_pension", "fixed", ("urban_pension",), lambda p, on: p.urban_pension),
    Fact("allowance_paid_monthly", "fixed", ("allowance_paid_monthly",), lambda p, on: p.allowance_paid_monthly),
    # awards
    _col("awards", "fixed", lambda p, on: p.awards, "awards", absent=()),
    Fact("highest_award", "fixed", ("awards",), lambda p, on: p.highest_award()),
    # disability
    _col("disability_grade", "fixed", _dis("grade"), "disability_grade"),
    _col("disability_cause", "fixed", _dis("cause"), "disability_cause", "disability_grade"),
    _day("disability_assessed", _dis("assessed"), "disability_date", "disability_grade"),
    _day("disability_approved", _dis("approved"), "disability_approved", "disability_grade"),
    Fact("disability_paid_monthly", "fixed", ("disability_grade", "disability_paid_monthly"), _dis("paid_monthly")),
    _col("mental_disorder", "fixed", lambda p, on: bool(p.disability and p.disability.mental_disorder), "mental_disorder",
         "disability_grade", False),
    # ties to a service member
    _col("survivor_of", "fixed", _tie("member_status"), "survivor_of"),
    _col("relation", "fixed", _tie("relation"), "relation", "survivor_of"),
    _day("member_death_date", _tie("member_death_date"), "member_death_date", "survivor_of", event=True),
    _col("member_awards", "fixed", lambda p, on: p.family_tie.member_awards if p.family_tie is not None else (), "member_awards",
         "survivor_of", ()),
    _col("member_monthly_pay", "fixed", _tie("member_monthly_pay"), "member_monthly_pay", "survivor_of"),
    _day("survivor_confirmed", _tie("confirmed"), "survivor_confirmed", "survivor_of"),
    Fact("survivor_pension_paid_monthly", "fixed", ("survivor_of", "survivor_pension_paid_monthly"), _tie("pension_paid_monthly")),
    # households (issue 17): the 困难 flag a visit list may require
    _col("needy", "fixed", lambda p, on: p.needy, "needy", absent=False),
)}

#: Fact name → function(person, on) → value.
FACTS: dict[str, Callable[[Person, date], Any]] = {n: f.scalar for n, f in CATALOGUE.items()}
#: Facts whose value depends on the date priced; every other fact is fixed for a person.
DATED_FACTS = frozenset(n for n, f in CATALOGUE.items() if f.kind == "dated")
#: Facts that are a date of the record (``None`` when absent).
DATE_FACTS = frozenset(n for n, f in CATALOGUE.items() if f.kind == "date")
#: Facts whose date can be a one-off rule's event.
EVENT_FACTS = frozenset(n for n, f in CATALOGUE.items() if f.event)
#: Date-dependent facts that stop depending on the date once a discharge date is recorded (service counts):
#: both roads read them once for a discharged person.
SETTLING_FACTS = frozenset(n for n, f in CATALOGUE.items() if f.vector == "count" or f.settles)
#: Date-dependent facts handed to columnar formulas as stand-ins rather than keyed by their value.
STAND_IN_FACTS = frozenset(n for n, f in CATALOGUE.items() if f.stand_in)


def fact_names() -> list[str]:
    """Every fact a rule may declare."""
    return sorted(FACTS)


def is_known_fact(name: str) -> bool:
    return name in FACTS or name.startswith("extra.")


def fact_getter(name: str) -> Callable[[Person, date], Any]:
    """The function computing fact ``name`` (``extra.<column>`` included)."""
    if name.startswith("extra."):
        column = name[6:]
        return lambda p, on: p.extra_value(column)
    return FACTS[name]


def compute_fact(name: str, person: Person, on: date) -> Any:
    """The value of fact ``name`` for ``person`` on ``on``."""
    return fact_getter(name)(person, on)
