"""Pack-level checks: discovery, scope, township overrides supplied by an office, properties."""

from __future__ import annotations

from decimal import Decimal
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
import shuangyong_tianjin
from shuangyong.ids import check_character

ENGINE = sy.Engine(plugins=[shuangyong_tianjin])
#: TEST-ONLY office parameter file (双街镇 120113102 = 8,000, not a real figure).
OFFICE_FILE = Path(__file__).parent / "office_parameters" / "conscript_family_allowance_120113102.toml"


class OfficeTownFigures:
    """TEST-ONLY plugin standing in for an adopting office that registers its own township figures."""

    @sy.hookimpl
    def shuangyong_pack_info(self) -> dict[str, Any]:
        return {"name": "beichen_office_test", "version": "0", "title": "TEST-ONLY office figures", "jurisdictions": ["120113102"]}

    @sy.hookimpl
    def shuangyong_parameters(self, register: Any) -> None:
        register(OFFICE_FILE)  # the file's own jurisdiction key (120113102) applies


def household(region: str, **fields: Any) -> sy.Person:
    first17 = f"{region[:6]}19720308124"
    record = {"id_number": first17 + check_character(first17), "region": region, "categories": "义务兵家属", "hukou": "农业",
              "service_type": "义务兵", "enlisted": "2023-09-10"}
    record.update(fields)
    return sy.Person.from_record(record)


def amount(engine: sy.Engine, person: sy.Person, year: int = 2024) -> Decimal:
    return engine.entitlements(person, sy.Period.year(year))["conscript_family_allowance"].amount


def test_discovered_through_its_entry_point_when_installed() -> None:
    try:
        distribution("shuangyong-tianjin")
    except PackageNotFoundError:
        pytest.skip("shuangyong-tianjin is not installed (pip install -e rulepacks/tianjin)")
    assert "tianjin" in {ep.name for ep in entry_points(group="shuangyong.rulepacks")}
    engine = sy.Engine.from_plugins(only=["tianjin"])
    info = engine.registry.pack("tianjin")
    assert info is not None and info.version == "0.1.0"
    assert set(info.jurisdictions) == {"120113", "120113100", "120113104", "120113106"}
    assert "conscript_family_allowance" in engine.rule_codes()


def test_parameters_belong_to_beichen_and_its_named_towns_only() -> None:
    where = {p.jurisdiction for p in ENGINE.parameters.parameters() if p.pack == "tianjin"}
    # 120112 津南区: the 春节 visit amount of its visit scheme (campaigns, seed 003 篇四), not a benefit rule's figure.
    assert where == {"120113", "120113100", "120113104", "120113106", "120112"}
    assert {r.jurisdiction for r in ENGINE.registry.rules if r.pack == "tianjin"} == {"120113"}


def test_the_explanation_says_the_value_came_from_the_township() -> None:
    ent = ENGINE.entitlements(household("120113100"), sy.Period.year(2024))["conscript_family_allowance"]
    (resolved, _, _), = ent.segments[0].params
    assert (resolved.jurisdiction, resolved.level, resolved.value) == ("120113100", "township", Decimal(10000))
    assert resolved.carried_forward  # dated 2006, nothing later found: flagged
    ent = ENGINE.entitlements(household("120113107"), sy.Period.year(2024))["conscript_family_allowance"]
    (resolved, _, _), = ent.segments[0].params
    assert (resolved.jurisdiction, resolved.level) == ("120113", "county")


def test_an_office_supplies_a_township_figure_in_its_own_parameter_file() -> None:
    engine = sy.Engine(plugins=[shuangyong_tianjin, OfficeTownFigures()])
    assert amount(engine, household("120113102")) == Decimal("8000.00")  # TEST-ONLY figure
    assert amount(engine, household("120113102", hukou="城镇")) == Decimal("9000.00")  # TEST-ONLY figure
    assert amount(engine, household("120113100")) == Decimal("10000.00")  # shipped town unchanged
    assert amount(engine, household("120113107")) == Decimal("7000.00")  # other towns unchanged
    assert amount(ENGINE, household("120113102")) == Decimal("7000.00")  # without the office file


def test_a_second_claim_on_a_shipped_town_figure_is_a_load_error() -> None:
    class Clash:
        @sy.hookimpl
        def shuangyong_pack_info(self) -> dict[str, Any]:
            return {"name": "clash_test"}

        @sy.hookimpl
        def shuangyong_parameters(self, register: Any) -> None:
            register(OFFICE_FILE, jurisdiction="120113100")

    with pytest.raises(sy.ShuangyongError) as err:
        sy.Engine(plugins=[shuangyong_tianjin, Clash()])
    assert "tianjin" in str(err.value) and "clash_test" in str(err.value)


def test_a_bad_household_head_mark_names_the_field() -> None:
    with pytest.raises(sy.InvalidRecordError) as err:
        ENGINE.entitlements(household("120113100", household_head="也许"), sy.Period.year(2024))
    assert err.value.field == "household_head"


TOWN_CODES = st.sampled_from(["120113100", "120113104", "120113106"]) | st.integers(min_value=0, max_value=999).map(lambda n: f"120113{n:03d}")


@settings(max_examples=80, deadline=None)
@given(TOWN_CODES, st.integers(min_value=2006, max_value=2030))
def test_a_township_code_pays_its_town_figure_or_else_the_district_floor(code: str, year: int) -> None:
    serving = f"{year - 1}-09-10"  # the conscript serves in the year priced
    got = amount(ENGINE, household(code, enlisted=serving), year)
    expected = Decimal("10000.00") if code in shuangyong_tianjin.rules.TOWNS else Decimal("7000.00")
    assert got == expected
    assert got >= amount(ENGINE, household("120113", enlisted=serving), year)  # a township never pays less than the district floor


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2006, max_value=2030), st.integers(min_value=2006, max_value=2030))
def test_no_payment_for_a_year_after_discharge(discharge_year: int, year: int) -> None:
    """A household is paid for a year only if the conscript was serving in it (discharged after 1 January)."""
    p = household("120113100", enlisted=f"{discharge_year - 2}-09-10", discharged=f"{discharge_year}-09-01")
    got = amount(ENGINE, p, year)
    assert got == (Decimal("10000.00") if discharge_year - 2 <= year <= discharge_year else Decimal("0.00"))
