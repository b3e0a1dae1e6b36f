"""One ``entitlements`` call reads the facts its rules share once (``engine._PersonPass``): same results as rule by rule.

The region's rules declare overlapping facts; the engine reads each fixed fact, each dated fact's
values on the dates a kind of rule prices and each named event once per call and hands every rule
its own.  Computing all rules in one call must give exactly what computing each rule alone (its
base too, on an emptied cache) gives.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sharing import people

import shuangyong as sy
from shuangyong.engine import _input_plan

from conftest import make_id


def _shown(e: sy.Entitlement) -> tuple[object, ...]:
    return (e.to_dict(), [(s.label, s.unit_amount, s.status, s.reason, s.inputs, s.expression) for s in e.segments])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people(), st.sampled_from([sy.Period.year(2012), sy.Period.year(2024), sy.Period.month(2023, 8),
                                  sy.Period.range(date(2019, 3, 15), date(2021, 2, 1))]))
def test_one_call_equals_each_rule_alone(person: sy.Person, period: sy.Period) -> None:
    together = ENGINES[0].entitlements(person, period)
    alone = ENGINES[1]
    for e in together:
        alone.clear_cache()
        assert _shown(alone.entitlements(person, period, rules=[e.rule])[e.rule]) == _shown(e)


ENGINES = (sy.Engine.from_plugins(), sy.Engine.from_plugins())


def test_only_date_facts_and_pack_columns_are_looked_at_for_dates() -> None:
    rule = sy.rule(code="t_dates", period="monthly", title="t", basis=sy.Basis(document="t", certainty="secondary"),
                   inputs=("hukou", "birth_date", "categories", "extra.town", "age", "discharged"))(lambda f, p: 1)
    static, dated, _g, _dg, _s, may_be_dates = _input_plan(rule)
    assert static == ("hukou", "birth_date", "categories", "extra.town", "discharged") and dated == ("age",)
    assert [static[i] for i in may_be_dates] == ["birth_date", "extra.town", "discharged"]


def test_people_differing_only_in_a_date_still_share_and_show_their_own() -> None:
    e = sy.Engine()
    persons = [sy.Person.from_record({"id_number": make_id("422827", date(1925 + i, 3, 1), i), "region": "422827",
                                      "categories": "在乡老复员军人", "enlisted": f"19{45 + i % 5}-0{1 + i % 9}-01"}) for i in range(12)]
    for p in persons:
        got = e.entitlements(p, sy.Period.year(2024))
        e2 = sy.Engine()
        assert [_shown(x) for x in got] == [_shown(x) for x in e2.entitlements(p, sy.Period.year(2024))]
    # the enlistment dates differ, the outcome of every comparison made on them does not: one shared pricing
    reg = next(r for r, _ in e.selection("422827") if r.code == "old_demobilised_subsidy")
    assert [len(b) for k, b in e._shared.items() if k[0] == id(reg)] == [1]
