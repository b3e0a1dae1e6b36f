"""Properties of the jiangxi pack.  Its policy cases (``cases/*.toml``) are run by the pytest plugin shipped
with shuangyong (one by one and through ``run_roster``; docs/writing-a-rule-pack.md, "Case files").

Each case was computed by hand from the sources named in the README; its
name shows the arithmetic.  Amounts are compared exactly as decimal strings,
and every eligible explanation must reproduce its amount from the numbers it
shows.
"""

from __future__ import annotations

import tomllib
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import pytest
import shuangyong as sy
from shuangyong.testing import person_from_case
import shuangyong_jiangxi
from hypothesis import given, settings
from hypothesis import strategies as st



@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine(plugins=[shuangyong_jiangxi])


# -- properties --------------------------------------------------------------------------------

AWARD_UPLIFT = {"": Decimal(0), "中央军委称号": Decimal(3), "军区级称号": Decimal(2), "一等功": Decimal(1), "二等功": Decimal("0.5"),
                "三等功": Decimal("0.2"), "优秀士兵": Decimal(0), "嘉奖": Decimal(0)}
EDUCATION_UPLIFT = {"": Decimal(0), "研究生": Decimal("0.3"), "本科": Decimal("0.3"), "大专": Decimal("0.2"), "在校": Decimal("0.1"),
                    "高中": Decimal(0)}


@settings(max_examples=80, deadline=None)
@given(income=st.integers(10_000, 120_000), hardship=st.sampled_from(["", "西藏", "新疆", "西藏、新疆"]),
       award=st.sampled_from(sorted(AWARD_UPLIFT)), education=st.sampled_from(sorted(EDUCATION_UPLIFT)))
def test_full_year_is_rounded_up_standard_times_multiple_plus_uplifts(income: int, hardship: str, award: str, education: str) -> None:
    """Any income: ceil(ceil(income × 0.4) × (multiple + award uplift + education uplift)) for a full year."""
    engine = sy.Engine(plugins=[shuangyong_jiangxi]).with_overrides([("urban_income.previous_year", Decimal(income), None)])
    rec: dict[str, Any] = {"region": "360426", "birth_date": "1970-08-09", "categories": "义务兵家属", "enlisted": "2019-09-10",
                           "service_type": "义务兵"}
    if hardship:
        rec["hardship"] = hardship
    if award:
        rec["awards"] = f"{award}@2020-05-01"
    if education:
        rec["education"] = education
    amount = engine.entitlements(person_from_case(rec), sy.Period.year(2020))["conscript_family_allowance"].amount
    standard = (Decimal(income) * Decimal("0.4")).quantize(Decimal(1), rounding=ROUND_CEILING)
    multiple = 3 if "西藏" in hardship else (2 if "新疆" in hardship else 1)
    expected = (standard * (multiple + AWARD_UPLIFT[award] + EDUCATION_UPLIFT[education])).quantize(Decimal(1), rounding=ROUND_CEILING)
    assert amount == expected
    assert amount >= standard  # an uplift never lowers the allowance


def test_placement_schemes_in_the_folder_are_registered(engine: sy.Engine) -> None:
    """Every ``placement/*.toml`` shipped in the pack is registered (the folder may hold none)."""
    folder = Path(shuangyong_jiangxi.__file__).parent / "placement"
    shipped = sorted(folder.glob("*.toml"))
    codes = {tomllib.loads(f.read_text(encoding="utf-8"))["code"] for f in shipped}
    registered = {code for code, (pack, _) in engine.registry.placement_schemes.items() if pack == "jiangxi"}
    assert registered == codes
