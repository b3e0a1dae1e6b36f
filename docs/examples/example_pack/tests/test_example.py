"""Tests of the example pack, run without installing it: ``python -m pytest`` in the pack folder.

The policy cases are data (``cases/*.toml``), each with its hand computation
in its name; this module loads them, builds an engine with the national rules
plus this pack, and compares amounts exactly.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shuangyong as sy
import shuangyong_example

CASES = [case for f in sorted((Path(__file__).parent / "cases").glob("*.toml"))
         for case in tomllib.loads(f.read_text(encoding="utf-8"))["case"]]

# One engine for the whole module: the national rules plus this pack, nothing installed needed.
ENGINE = sy.Engine(plugins=[shuangyong_example])


@pytest.mark.parametrize("case", CASES, ids=[c["name"][:60] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    person = sy.Person.from_record(case["person"])
    res = ENGINE.entitlements(person, sy.parse_period(case["period"]))
    for code, amount in case.get("expect", {}).items():
        assert res[code].amount == Decimal(amount), code
    for code, status in case.get("status", {}).items():
        assert res[code].status == status, code
    for code in case.get("absent", []):
        assert code not in res, code


def test_pack_is_loaded_for_laifeng_only() -> None:
    assert [p.name for p in ENGINE.packs] == ["national", "example"]
    codes = {r.code: r for r in ENGINE.rules_for("422827")}
    assert codes["example_disability_top_up"].extends == "disability_pension"
    assert "example_disability_top_up" not in {r.code for r in ENGINE.rules_for("420100")}


def test_explanation_shows_the_arithmetic() -> None:
    person = sy.Person.from_record(CASES[0]["person"])
    text = str(ENGINE.explain(person, sy.Period.month(2022, 8), "example_disability_top_up"))
    assert "3847.5 × 0.1" in text and "[assumption]" in text


@given(grade=st.integers(min_value=1, max_value=10), month=st.integers(min_value=1, max_value=12))
def test_top_up_is_ten_percent_of_the_monthly_pension(grade: int, month: int) -> None:
    # For every 因战 grade and month: top-up = pension of that month × 0.10, rounded half up to the 分.
    person = sy.Person.from_record({"id_number": "422827197001010012", "region": "422827",
                                    "disability_grade": grade, "disability_cause": "因战", "disability_date": "2020-05-10"})
    res = ENGINE.entitlements(person, sy.Period.month(2022, month))
    pension = res["disability_pension"].amount
    assert pension > 0
    assert res["example_disability_top_up"].amount == (pension * Decimal("0.10")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
