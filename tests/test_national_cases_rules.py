"""Issue 13 §3–§5 worked examples (``cases/national/i13_rules.toml``), one by one and through ``run_roster``.

Each case was computed by hand from the national standards and the articles named in its ``name``.
A case that ``needs`` a standard the loaded tables do not hold yet (the issue-13 tables) is skipped
with that reason rather than compared with a carried-forward figure.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
from shuangyong.batch import run_roster
from shuangyong.testing import check_case, load_cases, synthetic_id

CASES = Path(__file__).parent / "cases" / "national"
# Only this issue's file: the folder also holds other branches' case files with their own runner.
LOADED = [c for c in load_cases(CASES) if c[0].startswith("i13_rules-")]


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine()


def _missing_needs(engine: sy.Engine, case: dict[str, Any]) -> list[str]:
    """The ``name@from`` values a case needs that no loaded parameter holds."""
    missing = []
    for need in case.get("needs", []):
        name, _, start = need.partition("@")
        starts = {v.start.isoformat() for p in engine.parameters.parameters(name) for v in p.values}
        if start not in starts:
            missing.append(need)
    return missing


def _record(case: dict[str, Any], seq: int) -> dict[str, Any]:
    """The case's record (``person``, or ``record`` as the brief names it) with a synthetic 身份证号.

    A distinct ``seq`` per case lets one roster hold them all.
    """
    rec = dict(case.get("person") or case["record"])
    born = str(rec.pop("born", rec.get("birth_date")))
    rec["birth_date"] = born
    rec.setdefault("id_number", synthetic_id(str(rec["region"]), born, seq))
    return rec


@pytest.mark.parametrize("case", [pytest.param(c, id=cid) for cid, c in LOADED])
def test_case_one_by_one(engine: sy.Engine, case: dict[str, Any]) -> None:
    missing = _missing_needs(engine, case)
    if missing:
        pytest.skip(f"needs the issue-13 national tables: {', '.join(missing)}")
    check_case(engine, {**case, "person": _record(case, 101)})


def test_the_cases_are_loaded() -> None:
    assert len(LOADED) >= 30


@pytest.mark.parametrize("fast", [None, False], ids=["default road", "reference road"])
def test_cases_through_run_roster(engine: sy.Engine, fast: bool | None) -> None:
    """The same cases as one roster per period: every row computed, each expected amount the same."""
    by_period: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for i, (_, case) in enumerate(LOADED):
        if _missing_needs(engine, case):
            continue
        by_period.setdefault(str(case["period"]), []).append((case, _record(case, 101 + 2 * i)))
    assert by_period, "no runnable case"
    for period, items in by_period.items():
        run = run_roster(engine, [rec for _, rec in items], period, fast=fast)
        assert run.rejected == 0, [r.reason for r in run.rejects]
        results = list(run.results())
        assert len(results) == len(items)
        for (case, _), row in zip(items, results):
            for code, amount in case["expect"].items():
                assert row[code] == Decimal(amount), (case["name"], code, row[code])


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
