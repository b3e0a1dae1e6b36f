"""Properties of the jiangsu pack.  Its policy cases (``cases/*.toml``) are run by the pytest plugin shipped
with shuangyong (one by one and through ``run_roster``; docs/writing-a-rule-pack.md, "Case files").

Each case was computed by hand from the sources named in the README; its
name shows the arithmetic.  Amounts are compared exactly as decimal strings,
and every eligible explanation must reproduce its amount from the numbers it
shows.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import shuangyong as sy
from shuangyong.testing import person_from_case
import shuangyong_jiangsu
from hypothesis import given, settings
from hypothesis import strategies as st
from shuangyong.periods import add_months



@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine(plugins=[shuangyong_jiangsu])


# -- properties --------------------------------------------------------------------------------

def conscript_family(enlisted: date, discharged: date | None, hardship: str = "") -> sy.Person:
    rec: dict[str, Any] = {"region": "320509", "birth_date": "1972-05-06", "categories": "义务兵家属",
                           "enlisted": enlisted.isoformat(), "service_type": "义务兵"}
    if discharged is not None:
        rec["discharged"] = discharged.isoformat()
    if hardship:
        rec["hardship"] = hardship
    return person_from_case(rec)


@settings(max_examples=80, deadline=None)
@given(enlisted=st.dates(date(2025, 1, 1), date(2025, 12, 31)), days=st.integers(1, 900),
       hardship=st.sampled_from(["", "西藏", "新疆", "西藏、新疆", "高原"]))
def test_a_year_pays_one_or_two_halves_of_the_standard(engine: sy.Engine, enlisted: date, days: int, hardship: str) -> None:
    """Enlisting in 2025 opens one half-year in 2025; a second opens six months on if still serving and still in 2025.

    The year then pays 39016 × (1 + uplift) per two halves, the higher uplift of 西藏 (3) and 新疆 (2) only.
    """
    discharged = enlisted + timedelta(days=days)
    person = conscript_family(enlisted, discharged, hardship)
    amount = engine.entitlements(person, sy.Period.year(2025))["conscript_family_allowance"].amount
    uplift = 3 if "西藏" in hardship else (2 if "新疆" in hardship else 0)
    full_year = Decimal(39016) * (1 + uplift)
    second_half = add_months(enlisted, 6)
    halves = 2 if second_half.year == 2025 and second_half < discharged else 1
    assert amount == full_year * halves / 2


@settings(max_examples=40, deadline=None)
@given(income=st.integers(10_000, 200_000), hardship=st.sampled_from(["", "西藏", "新疆"]))
def test_standard_is_45_percent_rounded_to_the_yuan_whatever_the_income(income: int, hardship: str) -> None:
    """With any income value supplied, a full year pays round_half_up(income × 0.45) × (1 + uplift)."""
    engine = sy.Engine(plugins=[shuangyong_jiangsu]).with_overrides([("urban_income.previous_year", Decimal(income), None)])
    person = conscript_family(date(2024, 9, 10), None, hardship)
    amount = engine.entitlements(person, sy.Period.year(2025))["conscript_family_allowance"].amount
    standard = (Decimal(income) * Decimal("0.45")).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert amount == standard * (1 + {"": 0, "西藏": 3, "新疆": 2}[hardship])
