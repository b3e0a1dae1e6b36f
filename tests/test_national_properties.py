"""Hypothesis properties of the national rules over random (synthetic) people.

* every amount is ≥ 0 and a status is always one of the engine's statuses;
* a year equals the sum of its twelve months, for every rule;
* more years of conscript service never pay less (rural old-age allowance);
* the explanation's arithmetic reproduces the amount: each eligible segment's
  expression, evaluated exactly and rounded with the rule's rounding, is its
  unit amount, and the segments add up to the entitlement.
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.calc import evaluate_expression
from shuangyong.engine import STATUSES
from shuangyong.national import rules as national_rules

from conftest import make_id

CODES = [r.code for r in national_rules.ALL]
MONTHLY = [r.code for r in national_rules.ALL if r.period == "monthly"]
ROUNDING = {r.code: r.rounding for r in national_rules.ALL}
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CATEGORIES = ["烈士遗属", "因公牺牲军人遗属", "病故军人遗属", "残疾军人", "在乡老复员军人", "带病回乡退伍军人",
              "参战退役人员", "涉核退役人员", "原8023部队退役人员", "退役士兵", "烈士子女"]
AWARDS = ["勋章", "中央军委称号", "军区级称号", "一等战功", "一等功", "二等功", "三等功", "优秀士兵", "嘉奖"]

# TEST INPUTS, not policy figures: the local wage and the national income a pack would supply.
LOCAL = """
    prefix = ""
    ["wages.urban_monthly_average_prev_year"]
    [["wages.urban_monthly_average_prev_year".values]]
    from = 2011-01-01
    value = 4321.57
    source = { document = "测试数据（非真实统计数字）", certainty = "assumption" }
    ["statistics.national_urban_disposable_income_prev_year"]
    [["statistics.national_urban_disposable_income_prev_year".values]]
    from = 2011-01-01
    value = 39251.33
    source = { document = "测试数据（非真实统计数字）", certainty = "assumption" }
"""


def _engine(tmp: Path) -> sy.Engine:
    path = tmp / "local.toml"
    path.write_text(textwrap.dedent(LOCAL), encoding="utf-8")

    class Local:
        __name__ = "test_local_figures"

        @sy.hookimpl
        def shuangyong_parameters(self, register: Any) -> None:
            register(path, jurisdiction="420000")  # 湖北 province: answers for 来凤 422827 by fallback

    return sy.Engine(plugins=[Local()])


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> sy.Engine:
    return _engine(tmp_path_factory.mktemp("props"))


def _dates(lo: date, hi: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=lo, max_value=hi)


def _in_year_or_any(draw: st.DrawFn, y: int, lo: date, hi: date) -> date:
    """A date, in year ``y`` half of the time so that one-off events fall in the period tested."""
    if draw(st.booleans()):
        return draw(_dates(max(lo, date(y, 1, 1)), min(hi, date(y, 12, 31))))
    return draw(_dates(lo, hi))


@st.composite
def cases(draw: st.DrawFn) -> tuple[sy.Person, int]:
    """A synthetic person and a year 2011–2025 to price them in."""
    y = draw(st.integers(2011, 2025))
    born = draw(_dates(date(1925, 1, 1), date(1975, 12, 31)))
    rec: dict[str, Any] = {
        "id_number": make_id("422827", born, draw(st.integers(0, 999))),
        "region": "422827",
        "hukou": draw(st.sampled_from(["城镇", "农村"])),
    }
    cats = draw(st.sets(st.sampled_from(CATEGORIES), max_size=3))
    if cats:
        rec["categories"] = "、".join(sorted(cats))
    if draw(st.booleans()):
        enlisted = draw(_dates(born + timedelta(days=17 * 366), born + timedelta(days=30 * 366)))
        rec["enlisted"] = enlisted.isoformat()
        rec["discharged"] = (enlisted + timedelta(days=draw(st.integers(30, 6000)))).isoformat()
        rec["service_type"] = draw(st.sampled_from(["义务兵", "军士", "军官"]))
    if draw(st.booleans()):
        rec["disability_grade"] = str(draw(st.integers(1, 10)))
        rec["disability_cause"] = draw(st.sampled_from(["因战", "因公", "因病"]))
        if draw(st.booleans()):
            rec["disability_date"] = draw(_dates(max(born, date(2000, 1, 1)), date(2025, 12, 31))).isoformat()
        rec["mental_disorder"] = draw(st.sampled_from(["是", "否"]))
    if draw(st.booleans()):
        status = draw(st.sampled_from(["烈士", "因公牺牲", "病故", "现役"]))
        rec["survivor_of"] = status
        if status != "现役" and draw(st.booleans()):
            # usually registered in the matching survivor category (the office's finding)
            cats = cats | {{"烈士": "烈士遗属", "因公牺牲": "因公牺牲军人遗属", "病故": "病故军人遗属"}[status]}
            rec["categories"] = "、".join(sorted(cats))
        rec["member_death_date"] = _in_year_or_any(draw, y, date(2008, 1, 1), date(2025, 12, 31)).isoformat()
        if draw(st.booleans()):
            rec["member_monthly_pay"] = str(draw(st.decimals(min_value=1000, max_value=20000, places=2)))
        awards = draw(st.lists(st.sampled_from(AWARDS), max_size=3))
        if awards:
            rec["member_awards"] = ";".join(awards)
    if draw(st.integers(0, 2)) == 0:
        rec["death_date"] = _in_year_or_any(draw, y, date(2011, 1, 1), date(2025, 12, 31)).isoformat()
    return sy.Person.from_record(rec), y


years = st.integers(2011, 2025)


@SETTINGS
@given(case=cases())
def test_amounts_are_never_negative_and_statuses_known(engine: sy.Engine, case: tuple[sy.Person, int]) -> None:
    p, y = case
    res = engine.entitlements(p, sy.Period.year(y))
    assert [e.rule for e in res] == CODES
    for e in res:
        assert e.amount >= 0 and e.status in STATUSES
        assert e.eligible == (e.status == "eligible")
        assert all(s.amount >= 0 for s in e.segments)
        assert e.amount == e.amount.quantize(Decimal("0.01"))


@SETTINGS
@given(case=cases())
def test_a_year_is_the_sum_of_its_twelve_months(engine: sy.Engine, case: tuple[sy.Person, int]) -> None:
    p, y = case
    whole = engine.entitlements(p, sy.Period.year(y))
    months = [engine.entitlements(p, sy.Period.month(y, m)) for m in range(1, 13)]
    for code in CODES:
        assert whole[code].amount == sum((m[code].amount for m in months), Decimal(0)), code


@SETTINGS
@given(case=cases())
def test_the_explanation_arithmetic_reproduces_the_amount(engine: sy.Engine, case: tuple[sy.Person, int]) -> None:
    p, y = case
    for e in engine.entitlements(p, sy.Period.year(y)):
        for seg in e.segments:
            if seg.status == "eligible":
                assert seg.unit_amount == ROUNDING[e.rule](evaluate_expression(seg.expression)), (e.rule, seg.expression)
                assert seg.raw == evaluate_expression(seg.expression)
        assert sum((s.amount for s in e.segments), Decimal(0)) == e.amount


@SETTINGS
@given(
    born=_dates(date(1930, 1, 1), date(1965, 12, 31)),
    n=st.integers(1, 15),
    more=st.integers(1, 10),
    y=years,
    start=st.sampled_from(["month_after_birthday", "birthday_month"]),
)
def test_more_service_years_never_pay_less(engine: sy.Engine, born: date, n: int, more: int, y: int, start: str) -> None:
    def amount(years: int) -> Decimal:
        rec = {"id_number": make_id("422827", born, 101), "region": "422827", "hukou": "农村",
               "enlisted": (born + timedelta(days=18 * 366)).isoformat(), "service_type": "义务兵", "conscript_years": str(years)}
        return engine.entitlements(sy.Person.from_record(rec), sy.Period.year(y))["rural_veteran_old_age_allowance"].amount

    assert amount(n + more) >= amount(n) >= 0


@SETTINGS
@given(case=cases())
def test_monthly_rules_price_every_month_once(engine: sy.Engine, case: tuple[sy.Person, int]) -> None:
    p, y = case
    res = engine.entitlements(p, sy.Period.year(y))
    for code in MONTHLY:
        assert sum(s.units for s in res[code].segments) == 12
