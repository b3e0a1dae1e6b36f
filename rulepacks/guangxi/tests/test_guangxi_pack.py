"""Pack-level checks: discovery when installed, scope, and properties."""

from __future__ import annotations

from decimal import Decimal
from importlib.metadata import PackageNotFoundError, distribution, entry_points

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
import shuangyong_guangxi
from shuangyong.ids import check_character

ENGINE = sy.Engine(plugins=[shuangyong_guangxi])


def spouse(region: str = "451422", **fields: str) -> sy.Person:
    first17 = f"{region[:6]}19900412124"
    record = {"id_number": first17 + check_character(first17), "region": region, "categories": "随军家属"}
    record.update(fields)
    return sy.Person.from_record(record)


def test_discovered_through_its_entry_point_when_installed() -> None:
    try:
        distribution("shuangyong-guangxi")
    except PackageNotFoundError:
        pytest.skip("shuangyong-guangxi is not installed (pip install -e rulepacks/guangxi)")
    assert "guangxi" in {ep.name for ep in entry_points(group="shuangyong.rulepacks")}
    engine = sy.Engine.from_plugins(only=["guangxi"])
    info = engine.registry.pack("guangxi")
    assert info is not None and info.version == "0.1.0" and info.jurisdictions == ("451422",)
    assert "dependent_spouse_allowance" in engine.rule_codes()


def test_everything_is_registered_for_ningming_only() -> None:
    assert {r.jurisdiction for r in ENGINE.registry.rules if r.pack == "guangxi"} == {"451422"}
    params = [p for p in ENGINE.parameters.parameters() if p.pack == "guangxi"]
    assert params and {p.jurisdiction for p in params} == {"451422"}


def test_the_assumed_date_is_labelled_as_an_assumption() -> None:
    res = ENGINE.entitlements(spouse(), sy.Period.month(2024, 8))
    (resolved, _, _), = res["dependent_spouse_allowance"].segments[0].params
    assert resolved.source.certainty == "assumption"
    assert "200" in resolved.source.note and "redacted" in resolved.source.note


def test_explanation_names_the_figure_and_the_assumptions() -> None:
    ex = ENGINE.explain(spouse(), sy.Period.year(2024), "dependent_spouse_allowance")
    text = str(ex)
    assert "200" in text and "2,400.00" in text and "符合条件" in text
    assert "随军未就业" in text  # says which national allowance this is not


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2001, max_value=2030), st.integers(min_value=1, max_value=12))
def test_a_year_is_the_sum_of_its_months_and_a_month_is_200(year: int, month: int) -> None:
    p = spouse()
    one = ENGINE.entitlements(p, sy.Period.month(year, month))["dependent_spouse_allowance"].amount
    assert one == Decimal("200.00")
    months = sum(ENGINE.entitlements(p, sy.Period.month(year, m))["dependent_spouse_allowance"].amount for m in range(1, 13))
    assert ENGINE.entitlements(p, sy.Period.year(year))["dependent_spouse_allowance"].amount == months == Decimal("2400.00")
