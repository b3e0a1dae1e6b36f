"""Properties of the fujian pack.  Its policy cases (``cases/*.toml``) are run by the pytest plugin shipped
with shuangyong (one by one and through ``run_roster``; docs/writing-a-rule-pack.md, "Case files").

The county income the rule needs is the adopting office's to supply; the
tests register an EXAMPLE value (``example/fujian_county_income.toml``) for
350102 through a throwaway plugin, exactly as an office's own pack would.

Each case was computed by hand from the sources named in the README; its
name shows the arithmetic.  Amounts are compared exactly as decimal strings,
and every eligible explanation must reproduce its amount from the numbers it
shows.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import shuangyong as sy
from shuangyong.testing import person_from_case
import shuangyong_fujian
from hypothesis import given, settings
from hypothesis import strategies as st

EXAMPLE_INCOME = Path(__file__).parent / "example" / "fujian_county_income.toml"
EXAMPLE_COUNTY = "350102"


class ExampleCountyOffice:
    """What an adopting county office ships: its own income figure, registered for its own code."""

    __name__ = "example_county_office"

    @sy.hookimpl
    def shuangyong_pack_info(self) -> dict[str, Any]:
        return {"name": "example_county_office", "version": "0", "jurisdictions": [EXAMPLE_COUNTY]}

    @sy.hookimpl
    def shuangyong_parameters(self, register: Any) -> None:
        register(EXAMPLE_INCOME, jurisdiction=EXAMPLE_COUNTY)


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    """The fujian pack plus the example county office's income."""
    return sy.Engine(plugins=[shuangyong_fujian, ExampleCountyOffice()])


@pytest.fixture(scope="module")
def pack_alone() -> sy.Engine:
    return sy.Engine(plugins=[shuangyong_fujian])


# -- properties --------------------------------------------------------------------------------

MULTIPLE = {"": Decimal(1), "西藏": Decimal(3), "新疆、高原": Decimal(3), "西藏、新疆": Decimal(3), "新疆": Decimal(2), "高原": Decimal("1.5")}
UPLIFT = {"": Decimal(0), "中央军委称号": Decimal(1), "一等功": Decimal(1), "二等功": Decimal("0.6"), "三等功": Decimal("0.3"),
          "优秀士兵": Decimal("0.1"), "嘉奖": Decimal(0)}


@settings(max_examples=80, deadline=None)
@given(income=st.integers(10_000, 150_000), hardship=st.sampled_from(sorted(MULTIPLE)), award=st.sampled_from(sorted(UPLIFT)))
def test_full_year_is_half_the_income_times_multiple_plus_uplift(engine: sy.Engine, income: int, hardship: str, award: str) -> None:
    """Any county income: income × 0.5 × (multiple + uplift), to the 分, for a conscript serving all year."""
    what_if = engine.with_overrides([("fujian_county_income.urban_previous_year", Decimal(income), None)])
    rec: dict[str, Any] = {"region": EXAMPLE_COUNTY, "birth_date": "1971-10-11", "categories": "义务兵家属", "enlisted": "2023-09-10",
                           "service_type": "义务兵"}
    if hardship:
        rec["hardship"] = hardship
    if award:
        rec["awards"] = f"{award}@2024-05-01"
    amount = what_if.entitlements(person_from_case(rec), sy.Period.year(2024))["conscript_family_allowance"].amount
    expected = (Decimal(income) * Decimal("0.5") * (MULTIPLE[hardship] + UPLIFT[award])).quantize(Decimal("0.01"))
    assert amount == expected
