"""Tests of the example pack, run without installing it: ``python -m pytest`` in the pack folder.

The policy cases are data (``cases/*.toml``): pytest runs them through the plugin shipped with
shuangyong, one person at a time and through ``run_roster`` (section "Case files" of the guide).
This module adds checks of its own, with an engine built from the module itself.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shuangyong as sy
import shuangyong_example

# One engine for the whole module: the national rules plus this pack, nothing installed needed.
ENGINE = sy.Engine(plugins=[shuangyong_example])
WAR_6 = {"id_number": "422827197001010012", "region": "422827", "categories": "残疾军人", "disability_grade": "六级",
         "disability_cause": "因战", "disability_date": "2020-05-10"}


def test_pack_is_loaded_for_laifeng_only() -> None:
    assert [p.name for p in ENGINE.packs] == ["national", "example"]
    codes = {r.code: r for r in ENGINE.rules_for("422827")}
    assert codes["example_disability_top_up"].extends == "disability_pension"
    assert "example_disability_top_up" not in {r.code for r in ENGINE.rules_for("420100")}


def test_explanation_shows_the_arithmetic() -> None:
    person = sy.Person.from_record(WAR_6)
    text = str(ENGINE.explain(person, sy.Period.month(2022, 8), "example_disability_top_up"))
    assert "3847.5 × 0.1" in text and "[assumption]" in text


def test_the_county_stays_on_the_fast_path() -> None:
    # A roster of the county: every row of the top-up priced on the fast (columnar) road.
    pytest.importorskip("numpy")  # the fast road needs numpy (pip install 'shuangyong[fast]')
    run = sy.run_roster(ENGINE, [WAR_6], "2022")
    fast = {r["code"]: r["fast_path"] for r in run.summary()["rules"]}
    assert fast["example_disability_top_up"]["other_rows"] == 0


@given(grade=st.integers(min_value=1, max_value=10), month=st.integers(min_value=1, max_value=12))
def test_top_up_is_ten_percent_of_the_monthly_pension(grade: int, month: int) -> None:
    # For every 因战 grade and month: top-up = pension of that month × 0.10, rounded half up to the 分.
    person = sy.Person.from_record(WAR_6 | {"disability_grade": grade})
    res = ENGINE.entitlements(person, sy.Period.month(2022, month))
    pension = res["disability_pension"].amount
    assert pension > 0
    assert res["example_disability_top_up"].amount == (pension * Decimal("0.10")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
