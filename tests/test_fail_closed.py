"""Fast paths fail closed: the four defects of issue 12, each reproduced, and formulas like them.

A formula that does something the date / ``on`` / age stand-ins do not understand must be priced
with real values: the answer is the same on a shared engine, a fresh engine and ``run_roster``.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
from shuangyong.roster.run import run_roster
from shuangyong.testing import FixturePack

from conftest import make_id

_BASIS = sy.Basis(document="test fixture", certainty="assumption")
_TOML = """
[amount]
description = "test fixture"
[[amount.values]]
from = 2000-01-01
value = 100
source = { document = "test fixture", certainty = "assumption" }
"""


def _engine(tmp_path: Path, *rules: Any) -> sy.Engine:
    (tmp_path / "t.toml").write_text(_TOML, encoding="utf-8")
    return sy.Engine(plugins=[FixturePack("failclosed", list(rules), [tmp_path / "t.toml"])])


def _record(assessed: str, seq: int = 11) -> dict[str, Any]:
    return {"id_number": make_id("422827", date(1960, 5, 20), seq), "region": "422827", "disability_grade": "6",
            "disability_cause": "因战", "disability_date": assessed}


def _dated_rule(code: str, reads: Any) -> Any:
    """A monthly rule paying 100 a month when ``reads(assessed)`` says the assessment was before 2010."""

    @sy.rule(code=code, period="monthly", title=(code, code), inputs=("disability_assessed",), params=("t.amount",), basis=_BASIS)
    def formula(facts: Any, p: Any) -> Any:
        d = facts.disability_assessed
        if d is None:
            return sy.NotEligible("无", "none")
        return p.amount if reads(d) else sy.NotEligible("2010年后评残", "assessed 2010 or later")

    return formula


_LIMIT = date(2010, 1, 1)
#: Ways to read a date that no stand-in can answer: each must make the unit be priced with real dates.
_OUTSIDE = {
    "datetime.combine": lambda d: datetime.combine(d, time()) < datetime(2010, 1, 1),
    "date.toordinal": lambda d: date.toordinal(d) < _LIMIT.toordinal(),
    "copy.copy": lambda d: copy.copy(d) < _LIMIT,
    "date.__sub__": lambda d: date.__sub__(d, _LIMIT).days < 0,
    "isinstance": lambda d: isinstance(d, date) and d < _LIMIT,
    "year": lambda d: d.year < 2010,
    "str": lambda d: str(d) < "2010",
    "hash": lambda d: hash(d) in {hash(date(2005, 3, 1)), hash(date(2009, 12, 31))},
    "format": lambda d: f"{d:%Y}" < "2010",
    "dict key": lambda d: {date(2005, 3, 1): True, date(2009, 12, 31): True}.get(d, False),
    "subtract dates": lambda d: (_LIMIT - d).days > 0,
}


@pytest.mark.parametrize("how", sorted(_OUTSIDE))
def test_defect1_a_date_read_outside_the_vocabulary_is_not_shared(tmp_path: Path, how: str) -> None:
    """Defect 1: the second person must not reuse the first one's result on a shared engine."""
    e = _engine(tmp_path, _dated_rule("t_read", _OUTSIDE[how]))
    period = sy.Period.year(2024)
    early, late = sy.Person.from_record(_record("2005-03-01", 11)), sy.Person.from_record(_record("2015-03-01", 13))
    assert e.entitlements(early, period)["t_read"].amount == Decimal("1200.00")
    shared = e.entitlements(late, period)["t_read"]
    fresh = _engine(tmp_path, _dated_rule("t_read", _OUTSIDE[how])).entitlements(late, period)["t_read"]
    assert fresh.amount == Decimal("0.00")
    assert shared.amount == fresh.amount and shared.status == fresh.status


@pytest.mark.parametrize("how", sorted(_OUTSIDE))
def test_defect2_both_roads_agree_on_dates_read_outside_the_vocabulary(tmp_path: Path, how: str) -> None:
    """Defect 2: ``run_roster`` pays what ``engine.entitlements`` pays, row by row."""
    e = _engine(tmp_path, _dated_rule("t_read", _OUTSIDE[how]))
    records = [_record(d, 11 + 2 * i) for i, d in enumerate(["2005-03-01", "2015-03-01", "2009-12-31", "2010-01-01"])]
    period = sy.Period.year(2024)
    run = run_roster(e, records, period)
    by_row = {r["row"]: r for r in run.results()}
    for i, rec in enumerate(records, 1):
        one = e.entitlements(sy.Person.from_record(rec), period)["t_read"]
        assert by_row[i]["t_read"] == one.amount, (how, rec["disability_date"])
    assert [by_row[i]["t_read"] for i in (1, 2, 3, 4)] == [Decimal(x) for x in ("1200.00", "0.00", "1200.00", "0.00")]


@sy.rule(code="t_age_int", period="monthly", title=("年龄", "age"), inputs=("age",), params=("t.amount",), basis=_BASIS)
def _age_isinstance(facts: Any, p: Any) -> Any:
    # isinstance on the age: the age stand-in cannot say it is an int, so real ages decide.
    if isinstance(facts.age, int) and facts.age >= 60:
        return p.amount
    return sy.NotEligible("未满60周岁", "under 60")


def test_defect2_isinstance_of_age_agrees_on_both_roads(tmp_path: Path) -> None:
    e = _engine(tmp_path, _age_isinstance)
    records = [{"id_number": make_id("422827", date(y, 7, 15), 11 + i), "region": "422827"} for i, y in enumerate((1950, 1964, 1970))]
    period = sy.Period.year(2024)
    run = run_roster(e, records, period)
    by_row = {r["row"]: r for r in run.results()}
    got = [by_row[i]["t_age_int"] for i in (1, 2, 3)]
    want = [e.entitlements(sy.Person.from_record(r), period)["t_age_int"].amount for r in records]
    # 1964-07-15: 60 on 2024-07-15, so August to December (5 months) are paid.
    assert got == want == [Decimal("1200.00"), Decimal("500.00"), Decimal("0.00")]


def test_defect3_engines_built_from_fresh_rules_in_a_loop(tmp_path: Path) -> None:
    """Defect 3: a plan cache keyed by ``id(rule)`` went stale when rules were rebuilt."""
    person = sy.Person.from_record({**_record("2005-03-01"), "hukou": "农村"})
    for i in range(40):
        inputs = ("disability_assessed",) if i % 2 else ("hukou", "disability_assessed")

        @sy.rule(code="t_loop", period="monthly", title=("循环", "loop"), inputs=inputs, params=("t.amount",), basis=_BASIS)
        def formula(facts: Any, p: Any, _i: int = i) -> Any:
            if _i % 2 == 0 and facts.hukou is not sy.Hukou.RURAL:
                return sy.NotEligible("非农村", "not rural")
            return p.amount

        e = _engine(tmp_path, formula)
        assert e.entitlements(person, sy.Period.month(2024, 8))["t_loop"].amount == Decimal("100.00")
        del formula, e


def test_defect4_a_result_carries_its_own_persons_facts(tmp_path: Path) -> None:
    """Defect 4: a shared result's segments show the caller's own dates, not the first person's."""
    e = _engine(tmp_path, _dated_rule("t_cmp", lambda d: d < _LIMIT))
    period = sy.Period.year(2024)
    first, second = sy.Person.from_record(_record("2005-03-01", 11)), sy.Person.from_record(_record("2006-07-09", 13))
    e.entitlements(first, period)
    got = e.entitlements(second, period)["t_cmp"]
    assert got.amount == Decimal("1200.00")
    assert dict(got.segments[0].inputs)["disability_assessed"] == date(2006, 7, 9)
    # ... and the national rules' results too (disability pension shares results across dates)
    n = sy.Engine()
    a = sy.Person.from_record({**_record("2001-02-03", 11), "region": "110101"})
    b = sy.Person.from_record({**_record("2003-04-05", 13), "region": "110101"})
    n.entitlements(a, period)
    seg = n.entitlements(b, period)["disability_pension"].segments[0]
    assert dict(seg.inputs)["disability_assessed"] == date(2003, 4, 5)
    assert str(b.id_number) not in repr(seg.inputs)


# -- random formulas: allowed and disallowed operations, both roads, shared and fresh engines -----------

from datetime import timedelta  # noqa: E402

from dateutil.relativedelta import relativedelta  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _present(d: Any) -> bool:
    return d is not None


#: Tests a formula may make, each (name, fn(facts) -> bool); the first group is inside the stand-ins'
#: vocabulary, the second outside it.
_ALLOWED: list[tuple[str, Any]] = [
    ("assessed<2010", lambda f: _present(f.disability_assessed) and f.disability_assessed < date(2010, 1, 1)),
    ("enlisted+rd<=on", lambda f: _present(f.enlisted) and f.enlisted.replace(day=1) + relativedelta(years=30) <= f.on),
    ("born+td>1960", lambda f: f.birth_date + timedelta(days=90) > date(1960, 1, 1)),
    ("age>=60", lambda f: f.age >= 60),
    ("age<65", lambda f: f.age < 65),
    ("on<aug", lambda f: f.on < date(2024, 8, 1)),
    ("max", lambda f: _present(f.enlisted) and max(f.enlisted, date(1980, 1, 1)) > date(1985, 6, 1)),
    ("born-rd", lambda f: f.birth_date - relativedelta(months=6) <= date(1959, 12, 31)),
    ("eq", lambda f: f.birth_date.replace(day=1) == date(1960, 5, 1)),
    ("two dates", lambda f: _present(f.enlisted) and _present(f.disability_assessed) and f.enlisted < f.disability_assessed),
]
_DISALLOWED: list[tuple[str, Any]] = [
    ("year", lambda f: f.birth_date.year % 2 == 0),
    ("isinstance date", lambda f: isinstance(f.enlisted, date)),
    ("str", lambda f: str(f.birth_date) < "1960-06"),
    ("combine", lambda f: datetime.combine(f.birth_date, time()).month > 6),
    ("isinstance age", lambda f: isinstance(f.age, int) and f.age % 2 == 0),
    ("on.month", lambda f: f.on.month in (1, 8)),
    ("hash", lambda f: hash(f.birth_date) % 3 == 0),
    ("date-date", lambda f: (f.on - f.birth_date).days > 23000),
    ("copy", lambda f: copy.copy(f.birth_date) < date(1960, 6, 1)),
    ("rd+date", lambda f: relativedelta(years=60) + f.birth_date < date(2020, 1, 1)),
    ("toordinal", lambda f: _present(f.disability_assessed) and date.toordinal(f.disability_assessed) % 2 == 0),
    ("age+1", lambda f: f.age + 1 > 61),
]


def _random_rule(ops: list[tuple[str, Any]]) -> Any:
    @sy.rule(code="t_random", period="monthly", title=("随机", "random"), inputs=("birth_date", "age", "enlisted", "disability_assessed"),
             params=("t.amount",), basis=_BASIS)
    def formula(facts: Any, p: Any) -> Any:
        bits = [bool(fn(facts)) for _, fn in ops]
        if not any(bits):
            return sy.NotEligible("都不成立", "none holds")
        return p.amount * sum(1 << i for i, b in enumerate(bits) if b)

    return formula


@st.composite
def _records(draw: Any) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 8))):
        born = draw(st.sampled_from([date(1960, 5, 20), date(1959, 7, 1), date(1964, 8, 15), date(1948, 2, 29), date(1970, 1, 31)]))
        rec: dict[str, Any] = {"id_number": make_id("422827", born, 11 + 2 * i), "region": "422827"}
        if draw(st.booleans()):
            rec["enlisted"] = draw(st.dates(date(1976, 1, 1), date(1995, 12, 31))).isoformat()
        if draw(st.booleans()):
            rec.update(disability_grade="6", disability_cause="因战",
                       disability_date=draw(st.dates(date(2000, 1, 1), date(2024, 12, 31))).isoformat())
        out.append(rec)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.sampled_from(_ALLOWED + _DISALLOWED), min_size=1, max_size=4, unique_by=lambda o: o[0]),
       records=_records(), period=st.sampled_from([sy.Period.year(2024), sy.Period.month(2024, 8)]))
def test_random_formulas_equal_on_both_roads_and_one_by_one(tmp_path: Path, ops: list[tuple[str, Any]], records: list[dict[str, Any]],
                                                           period: sy.Period) -> None:
    rule = _random_rule(ops)
    shared = _engine(tmp_path, rule)
    run = run_roster(shared, records, period)
    by_row = {r["row"]: r for r in run.results()}
    for i, rec in enumerate(records, 1):
        person = sy.Person.from_record(rec)
        fresh = _engine(tmp_path, rule).entitlements(person, period)["t_random"]
        one = shared.entitlements(person, period)["t_random"]
        assert (one.amount, one.status, one.reason) == (fresh.amount, fresh.status, fresh.reason), [n for n, _ in ops]
        assert [(s.label, s.unit_amount, s.inputs) for s in one.segments] == [(s.label, s.unit_amount, s.inputs) for s in fresh.segments]
        assert by_row[i]["t_random"] == fresh.amount, ([n for n, _ in ops], rec)


# -- a supplement (extends=) stays on the fast path and pays what the per-person road pays ------------------

_TOP_UP_TOML = """
[rate]
description = "test fixture"
[[rate.values]]
from = 2000-01-01
value = 0.1
source = { document = "test fixture", certainty = "assumption" }
[[rate.values]]
from = 2024-07-01
value = 0.15
source = { document = "test fixture", certainty = "assumption" }
"""


@sy.rule(code="t_top_up", period="monthly", title=("加发", "top-up"), inputs=("disability_cause", "age"), params=("rate",), basis=_BASIS)
def _top_up(facts: Any, p: Any) -> Any:
    if facts.disability_cause is not sy.DisabilityCause.WAR:
        return sy.NotEligible("仅因战", "combat only")
    if facts.age >= 70:
        return facts.base * p.rate * 2
    return facts.base * p.rate


@st.composite
def _disabled(draw: Any) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 10))):
        born = draw(st.dates(date(1945, 1, 1), date(1975, 12, 31)))
        rec: dict[str, Any] = {"id_number": make_id("422827", born, 11 + 2 * i), "region": "422827"}
        if draw(st.integers(0, 4)):
            rec.update(disability_grade=str(draw(st.integers(1, 10))), disability_cause=draw(st.sampled_from(["因战", "因公", "因病"])))
            if draw(st.booleans()):
                rec["disability_date"] = draw(st.dates(date(2015, 1, 1), date(2025, 3, 1))).isoformat()
        if draw(st.integers(0, 6)) == 0:
            rec["death_date"] = draw(st.dates(date(2024, 1, 1), date(2024, 12, 31))).isoformat()
        out.append(rec)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=_disabled(), period=st.sampled_from([sy.Period.year(2024), sy.Period.year(2022), sy.Period.month(2024, 7)]))
def test_a_supplement_is_priced_on_the_fast_path_like_one_by_one(tmp_path: Path, records: list[dict[str, Any]], period: sy.Period) -> None:
    (tmp_path / "t_top_up.toml").write_text(_TOP_UP_TOML, encoding="utf-8")
    e = sy.Engine(plugins=[FixturePack("topup", [(_top_up, {"extends": "disability_pension"})], [tmp_path / "t_top_up.toml"])])
    run = run_roster(e, records, period)
    by_row = {r["row"]: r for r in run.results()}
    for i, rec in enumerate(records, 1):
        res = e.entitlements(sy.Person.from_record(rec), period)
        assert by_row[i]["t_top_up"] == res["t_top_up"].amount, (rec, res["t_top_up"].reason)
        assert by_row[i]["total"] == res.total
    fp = next(r for r in run.summary()["rules"] if r["code"] == "t_top_up")["fast_path"]
    assert fp["rows"] + fp["other_rows"] == len(records)
    assert "extends" not in fp["why"] and "region" not in fp["why"]


@sy.rule(code="t_set_type", period="monthly", title=("集合类型", "set type"), inputs=("categories",), params=("t.amount",), basis=_BASIS)
def _set_isinstance(facts: Any, p: Any) -> Any:
    # isinstance on a set fact: the columnar road's set stand-in answers as the per-person road's frozenset.
    if isinstance(facts.categories, frozenset) and sy.Category.COMBAT_VETERAN in facts.categories:
        return p.amount
    return sy.NotEligible("非参战", "not combat")


def test_isinstance_of_a_set_fact_agrees_on_both_roads(tmp_path: Path) -> None:
    e = _engine(tmp_path, _set_isinstance)
    records = [{"id_number": make_id("422827", date(1950, 1, 1), 11 + 2 * i), "region": "422827", "categories": c}
               for i, c in enumerate(["参战退役人员", "", "残疾军人、参战退役人员"])]
    run = run_roster(e, records, sy.Period.year(2024))
    by_row = {r["row"]: r for r in run.results()}
    assert [by_row[i]["t_set_type"] for i in (1, 2, 3)] == [Decimal("1200.00"), Decimal("0.00"), Decimal("1200.00")]
