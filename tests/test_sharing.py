"""Results shared between people (shuangyong.sharing) equal results computed afresh for each person."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.sharing import Recorder, TracedDate, holds

from conftest import make_id

CATEGORIES = ["残疾军人", "带病回乡退伍军人", "参战退役人员", "烈士遗属", "因公牺牲军人遗属", "病故军人遗属", "农村籍退役士兵",
              "在乡老复员军人", "义务兵家属", ""]


@st.composite
def people(draw: Any) -> sy.Person:
    born = draw(st.dates(date(1925, 1, 1), date(2000, 12, 31)))
    region = draw(st.sampled_from(["422827", "110101", "320509", "360426", "370830"]))
    rec: dict[str, Any] = {"id_number": make_id(region, born, draw(st.integers(0, 999))), "region": region,
                           "hukou": draw(st.sampled_from(["农村", "城镇"])), "categories": draw(st.sampled_from(CATEGORIES))}
    if draw(st.booleans()):
        rec["disability_grade"] = str(draw(st.integers(1, 10)))
        rec["disability_cause"] = draw(st.sampled_from(["因战", "因公", "因病"]))
        if draw(st.booleans()):
            rec["disability_date"] = draw(st.dates(max(born, date(1990, 1, 1)), date(2025, 6, 30))).isoformat()
    if draw(st.booleans()):
        enlisted = draw(st.dates(max(born, date(1950, 1, 1)), date(2020, 12, 31)))
        rec["enlisted"] = enlisted.isoformat()
        rec["service_type"] = draw(st.sampled_from(["义务兵", "军士", "军官"]))
        if draw(st.booleans()):
            rec["discharged"] = draw(st.dates(enlisted, date(2024, 12, 31))).isoformat()
    if rec["categories"].endswith("遗属"):
        rec["survivor_of"] = {"烈士遗属": "烈士", "因公牺牲军人遗属": "因公牺牲", "病故军人遗属": "病故"}[rec["categories"]]
        if draw(st.booleans()):
            rec["member_death_date"] = draw(st.dates(date(2000, 1, 1), date(2024, 12, 31))).isoformat()
    return sy.Person.from_record(rec)


@pytest.fixture(scope="module")
def engines() -> tuple[sy.Engine, sy.Engine]:
    return sy.Engine.from_plugins(), sy.Engine.from_plugins()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(people(), min_size=2, max_size=6), st.sampled_from([2012, 2019, 2022, 2024]))
def test_shared_results_equal_fresh_ones(engines: tuple[sy.Engine, sy.Engine], persons: list[sy.Person], year: int) -> None:
    shared, fresh = engines
    period = sy.Period.year(year)
    for p in persons:
        a = shared.entitlements(p, period)
        fresh.clear_cache()
        b = fresh.entitlements(p, period)
        assert [(e.rule, e.amount, e.status, e.reason) for e in a] == [(e.rule, e.amount, e.status, e.reason) for e in b]
        assert [[(s.label, s.unit_amount) for s in e.segments] for e in a] == [[(s.label, s.unit_amount) for s in e.segments] for e in b]
        for e in a:
            assert shared.explain(p, period, e.rule).to_dict() == fresh.explain(p, period, e.rule).to_dict()


def test_people_assessed_long_ago_share_one_pricing() -> None:
    e = sy.Engine()
    persons = [sy.Person.from_record({"id_number": make_id("422827", date(1960, 1, 1), i), "region": "422827",
                                      "disability_grade": "5", "disability_cause": "因战",
                                      "disability_date": date(2000 + i % 20, 1 + i % 12, 1 + i % 28).isoformat()}) for i in range(40)]
    for p in persons:
        e.entitlements(p, sy.Period.year(2024))
    # one shared result per rule for the shape, whatever the (earlier) assessment date
    assert e._shared and all(len(b) == 1 for b in e._shared.values())
    # the explanation shows each person's own date
    ex = e.explain(persons[7], sy.Period.year(2024), "disability_pension").to_dict()
    assert ex["segments"][0]["inputs"]["disability_assessed"] == persons[7].disability.assessed.isoformat()


def test_traced_dates_record_comparisons_and_refuse_anything_else() -> None:
    from dateutil.relativedelta import relativedelta

    from shuangyong.standins import NeedConcrete

    r = Recorder()
    t = TracedDate(date(1950, 3, 15), 0, r, name="birth_date")
    assert (t + relativedelta(years=60)).replace(day=1) < date(2024, 5, 1)
    assert holds(r.conditions, (date(1955, 12, 31),)) and not holds(r.conditions, (date(1964, 5, 10),))
    # Outside the vocabulary: the engine prices the unit with the real date (tests/test_fail_closed.py).
    for use in (lambda: t.isoformat(), lambda: t.year, lambda: str(t), lambda: isinstance(t, date), lambda: hash(t)):
        with pytest.raises(NeedConcrete) as e:
            use()
        assert e.value.what == "birth_date"
    # Two traced dates compared: each must be that very date for the result to be reused.
    u = TracedDate(date(1970, 1, 1), 1, r)
    assert t < u
    assert r.conditions[-1][2] == "exact"
    assert not holds(r.conditions, (date(1950, 3, 15), date(1970, 1, 2))) and holds(r.conditions, (date(1950, 3, 15), date(1970, 1, 1)))
