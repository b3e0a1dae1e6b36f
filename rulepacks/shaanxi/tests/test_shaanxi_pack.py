"""Pack-level checks: discovery when installed, scope, missing incomes, in-kind never money, properties."""

from __future__ import annotations

from decimal import Decimal
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
import shuangyong_shaanxi
from shuangyong_shaanxi import rules
from shuangyong.ids import check_character

PACK_ONLY = sy.Engine(plugins=[shuangyong_shaanxi])


def person(region: str = "610331", born: str = "19980520", **fields: Any) -> sy.Person:
    first17 = f"{region[:6]}{born}123"
    record = {"id_number": first17 + check_character(first17), "region": region}
    record.update(fields)
    return sy.Person.from_record(record)


def soldier(**fields: Any) -> sy.Person:
    base = {"categories": "退役士兵", "service_type": "义务兵", "enlisted": "2021-09-01", "discharged": "2023-09-01"}
    base.update(fields)
    return person(**base)


def test_discovered_through_its_entry_point_when_installed() -> None:
    try:
        distribution("shuangyong-shaanxi")
    except PackageNotFoundError:
        pytest.skip("shuangyong-shaanxi is not installed (pip install -e rulepacks/shaanxi)")
    assert "shaanxi" in {ep.name for ep in entry_points(group="shuangyong.rulepacks")}
    engine = sy.Engine.from_plugins(only=["shaanxi"])
    info = engine.registry.pack("shaanxi")
    assert info is not None and info.version == "0.1.0" and set(info.jurisdictions) == {"610000", "610331"}
    assert {"free_county_bus", "scenic_fee_waiver", "military_priority_service", "discharge_grant"} <= set(engine.rule_codes())


def test_rules_and_parameters_stay_inside_shaanxi() -> None:
    where = {r.code: r.jurisdiction for r in PACK_ONLY.registry.rules if r.pack == "shaanxi"}
    assert where == {"free_county_bus": "610331", "scenic_fee_waiver": "610331", "military_priority_service": "610331", "discharge_grant": "610000"}
    params = {p.name: p.jurisdiction for p in PACK_ONLY.parameters.parameters() if p.pack == "shaanxi"}
    assert params["free_county_bus.provided"] == "610331"
    assert params["discharge_grant.conscript_factor"] == "610000"
    assert set(params.values()) <= {"610000", "610331"}


def test_without_the_office_figures_the_grant_is_a_missing_parameter() -> None:
    ent = PACK_ONLY.entitlements(soldier(), sy.Period.year(2023))["discharge_grant"]
    assert ent.status == "missing_parameter" and ent.amount == 0
    assert "discharge_grant.urban_income" in ent.reason


def test_vehicle_exemption_is_recorded_but_not_a_personal_rule() -> None:
    (entry,) = rules.NOT_PER_PERSON
    assert "军车" in entry["zh"] and entry["why"]
    codes = PACK_ONLY.rule_codes()
    assert not any("vehicle" in c or "toll" in c or "parking" in c for c in codes)


def test_explanation_shows_the_formula(example_incomes: object) -> None:
    engine = sy.Engine(plugins=[shuangyong_shaanxi, example_incomes])
    p = soldier(service_type="士官", enlisted="2017-09-01", awards="二等功@2020-08-01")
    text = str(engine.explain(p, sy.Period.year(2023), "discharge_grant"))
    assert "((40000 + 14000) ÷ 2 - 4500) × 2 × (1 + 0.05 × 4) × (1 + 0.1) = 59400" in text
    assert "TEST EXAMPLE" in text  # the example figures are labelled wherever they show


def test_in_kind_entitlements_never_reach_the_total() -> None:
    p = person(categories="残疾军人、现役军人", disability_grade="8", disability_cause="因战")
    res = PACK_ONLY.entitlements(p, sy.Period.year(2024))
    kinds = {e.rule for e in res.in_kind}
    assert kinds == {"free_county_bus", "scenic_fee_waiver", "military_priority_service"}
    money = sum((e.amount for e in res if e.eligible and e.is_money), Decimal(0))
    assert res.total == money
    assert all(e.amount == 0 for e in res.in_kind)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=2, max_value=16), st.integers(min_value=0, max_value=11), st.sampled_from([None, "三等功", "二等功", "一等功", "嘉奖"]))
def test_more_nco_service_never_pays_less(example_incomes: object, years: int, months: int, award: str | None) -> None:
    engine = sy.Engine(plugins=[shuangyong_shaanxi, example_incomes])
    enlisted = f"{2023 - years - 1}-{12 - months:02d}-01" if months else f"{2023 - years}-01-01"

    def grant(enl: str) -> Decimal:
        fields: dict[str, Any] = {"service_type": "士官", "enlisted": enl, "discharged": "2023-01-01"}
        if award:
            fields["awards"] = f"{award}@2018-06-01" if enl < "2018-06-01" else award
        return engine.entitlements(soldier(**fields), sy.Period.year(2023))["discharge_grant"].amount

    shorter = grant(enlisted)
    longer = grant(f"{int(enlisted[:4]) - 1}{enlisted[4:]}")
    assert Decimal("45000") <= shorter <= longer
