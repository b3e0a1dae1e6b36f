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

from collections.abc import Callable
from datetime import date
from typing import Any

from .model import Person

__all__ = ["FACTS", "DATED_FACTS", "fact_getter", "fact_names", "compute_fact", "is_known_fact"]


def _age(p: Person, on: date) -> int:
    b = p.birth_date
    assert b is not None
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


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


#: Fact name → function(person, on) → value.  Documented in docs/rules.md.
FACTS: dict[str, Callable[[Person, date], Any]] = {
    "region": lambda p, on: p.region,
    "hukou": lambda p, on: p.hukou,
    "sex": lambda p, on: p.sex,
    "birth_date": lambda p, on: p.birth_date,
    "age": _age,
    "categories": lambda p, on: p.categories,
    "alive": lambda p, on: p.alive_on(on),
    "death_date": lambda p, on: p.death_date,
    # service
    "service_type": _svc("service_type"),
    "enlisted": _svc("enlisted"),
    "discharged": _svc("discharged"),
    "hardship": lambda p, on: p.service.hardship if p.service is not None else frozenset(),
    "education": _svc("education"),
    "serving": lambda p, on: p.service.serving_on(on) if p.service is not None else False,
    "service_years": lambda p, on: _service(p, on, "down"),
    "service_years_up": lambda p, on: _service(p, on, "up"),
    "service_years_half": lambda p, on: _service(p, on, "half"),
    "service_months": lambda p, on: p.service.service_months(on) if p.service is not None else 0,
    "conscript_years": _conscript_years,
    # awards
    "awards": lambda p, on: p.awards,
    "highest_award": lambda p, on: p.highest_award(),
    # disability
    "disability_grade": _dis("grade"),
    "disability_cause": _dis("cause"),
    "disability_assessed": _dis("assessed"),
    "mental_disorder": lambda p, on: bool(p.disability and p.disability.mental_disorder),
    # ties to a service member
    "survivor_of": _tie("member_status"),
    "relation": _tie("relation"),
    "member_death_date": _tie("member_death_date"),
    "member_awards": lambda p, on: p.family_tie.member_awards if p.family_tie is not None else (),
    "member_monthly_pay": _tie("member_monthly_pay"),
    # households (issue 17)
    "household": lambda p, on: p.household_key(),
    "needy": lambda p, on: p.needy,
}


#: Facts whose value depends on the date priced; every other fact is fixed for a person.
DATED_FACTS = frozenset(
    {"age", "alive", "serving", "service_years", "service_years_up", "service_years_half", "service_months", "conscript_years"}
)


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
