"""Issue 13 §3–§5: checks beside the worked examples of ``cases/national/i13_rules.toml``.

The cases themselves (computed by hand from the national standards and the articles named in each
``name``) are run one by one and through ``run_roster`` by the pytest plugin; here: every new rule has a
case, and hypothesis properties of the 2024 条例's start and discharge-year rules.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import shuangyong as sy
from shuangyong.testing import load_cases

CASES = Path(__file__).parent / "cases" / "national"
# Only this issue's file: the folder also holds other branches' case files with their own runner.
LOADED = [c for c in load_cases(CASES) if c[0].startswith("i13_rules-")]


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine()


def test_the_cases_are_loaded() -> None:
    # Each case itself is checked one by one and through run_roster by shuangyong's pytest plugin
    # (shuangyong.pytest_plugin), like every case file; this runner keeps the checks only it makes.
    assert len(LOADED) >= 30


def test_every_new_rule_has_a_case() -> None:
    codes = {code for _, c in LOADED for code in c["expect"]}
    assert {"old_demobilised_subsidy", "martyr_child_allowance", "martyr_honour_grant", "combat_veteran_death_allowance",
            "disability_pension", "survivor_pension", "funeral_grant", "death_lump_sum",
            "rural_veteran_old_age_allowance"} <= codes


# -- properties of the start-of-payment semantics (independent of which national table is loaded) ----------

from datetime import date  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shuangyong.testing import person_from_case  # noqa: E402


def _disabled(approved: date) -> sy.Person:
    return person_from_case({"region": "422827", "birth_date": "1950-03-15", "categories": "残疾军人", "disability_grade": "6",
                             "disability_cause": "因战", "disability_approved": approved.isoformat()})


def _paid_months(engine: sy.Engine, p: sy.Person, year: int, code: str, first: date) -> tuple[Decimal, Decimal]:
    """(amount for January to July of ``year``, one month's amount for a person paid since long before)."""
    period = sy.Period.range(date(year, 1, 1), date(year, 8, 1))  # one national standard in force throughout
    return engine.entitlements(p, period)[code].amount, engine.entitlements(first, sy.Period.month(year, 1))[code].amount  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(st.dates(date(2025, 1, 1), date(2025, 7, 31)))
def test_approved_from_2024_10_01_pays_from_the_month_of_approval(engine: sy.Engine, approved: date) -> None:
    """条例 2024 第27条: January–July 2025 pays the months from the approval month on (8 − month of them)."""
    got, monthly = _paid_months(engine, _disabled(approved), 2025, "disability_pension", _disabled(date(2000, 1, 1)))  # type: ignore[arg-type]
    assert got == monthly * (8 - approved.month)


@settings(max_examples=40, deadline=None)
@given(st.dates(date(2022, 1, 1), date(2022, 7, 31)))
def test_approved_before_2024_10_01_pays_from_the_next_month(engine: sy.Engine, approved: date) -> None:
    """伤残抚恤管理办法 第23条: January–July 2022 pays the months after the approval month (7 − month of them)."""
    got, monthly = _paid_months(engine, _disabled(approved), 2022, "disability_pension", _disabled(date(2000, 1, 1)))  # type: ignore[arg-type]
    assert got == monthly * (7 - approved.month)


@settings(max_examples=40, deadline=None)
@given(st.dates(date(2025, 1, 1), date(2025, 7, 31)))
def test_survivor_confirmed_from_2024_10_01_pays_from_that_month(engine: sy.Engine, confirmed: date) -> None:
    """条例 2024 第19条: a survivor confirmed in 2025 is paid from the month of confirmation, whatever the death date."""
    def survivor(on: date | None) -> sy.Person:
        rec = {"region": "422827", "birth_date": "1950-03-15", "categories": "烈士遗属", "survivor_of": "烈士",
               "member_death_date": "2024-06-10"}
        if on is not None:
            rec["survivor_confirmed"] = on.isoformat()
        return person_from_case(rec)

    got, monthly = _paid_months(engine, survivor(confirmed), 2025, "survivor_pension", survivor(None))  # type: ignore[arg-type]
    assert got == monthly * (8 - confirmed.month)


@settings(max_examples=40, deadline=None)
@given(discharged=st.dates(date(2015, 1, 2), date(2023, 12, 31)), year=st.integers(2014, 2024))
def test_the_county_never_pays_before_the_year_after_discharge(engine: sy.Engine, discharged: date, year: int) -> None:
    """条例 2024 第30条 / 2019 第26条: assessed while serving, the county pays nothing up to the end of the discharge year."""
    p = person_from_case({"region": "422827", "birth_date": "1990-03-15", "categories": "残疾军人", "disability_grade": "1",
                          "disability_cause": "因公", "disability_date": "2013-05-10", "enlisted": "2012-09-01",
                          "discharged": discharged.isoformat(), "service_type": "军士"})
    ent = engine.entitlements(p, sy.Period.year(year))["disability_pension"]
    if year <= discharged.year:
        assert ent.amount == 0 and ent.status == "not_eligible"
    else:
        assert ent.amount > 0


@settings(max_examples=100, deadline=None)
@given(enlisted=st.dates(date(1955, 1, 1), date(2011, 10, 31)), days=st.integers(30, 20 * 366),
       kind=st.sampled_from(["义务兵", "军士", "军官", None]))
def test_conscript_years_never_count_a_career_beyond_the_law(enlisted: date, days: int, kind: str | None) -> None:
    """conscripts.conscript_years_of: a 军士 gets at most the 2-year term from 1998-12-29, ``None`` before; never the career."""
    from datetime import timedelta

    from shuangyong.national.conscripts import CONSCRIPT_TERM_2_YEARS_FROM, conscript_years_of

    service = sy.ServiceRecord(enlisted=enlisted, discharged=enlisted + timedelta(days=days), service_type=kind)
    whole = service.service_years("up")
    got = conscript_years_of(service, date(2025, 1, 1))
    if kind in (None, "义务兵"):
        assert got == whole
    elif kind == "军士" and enlisted >= CONSCRIPT_TERM_2_YEARS_FROM:
        assert got == min(whole, 2)
    else:
        assert got is None
    stated = sy.ServiceRecord(enlisted=enlisted, discharged=enlisted + timedelta(days=days), service_type=kind, conscript_years=3)
    assert conscript_years_of(stated, date(2025, 1, 1)) == 3
