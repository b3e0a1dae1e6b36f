"""Engine semantics with throwaway packs: precedence, conflicts, replace/extend, in-kind, adjustments."""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.calc import evaluate_expression

from conftest import make_id

BASIS = sy.Basis(document="测试规则（仅用于测试）", certainty="assumption")


def person(region: str = "422827", **extra: Any) -> sy.Person:
    rec = {"id_number": make_id(region[:6], date(1960, 5, 20), 123), "region": region, "hukou": "农村"} | extra
    return sy.Person.from_record(rec)


def param_file(tmp_path: Path, name: str, value: Any, start: str = "2020-01-01") -> Path:
    path = tmp_path / f"{name}_{abs(hash((value, start)))}" / "test_allowance.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(f"""
        [monthly]
        unit = "元/月"
        [[monthly.values]]
        from = {start}
        value = {value}
        source = {{ document = "测试参数", certainty = "assumption" }}
    """), encoding="utf-8")
    return path


@sy.rule(code="test_allowance", period="monthly", title=("测试补助", "Test allowance"), inputs=("hukou",),
         params=("monthly",), basis=BASIS)
def test_allowance(facts: Any, p: Any) -> Any:
    if facts.hukou is not sy.Hukou.RURAL:
        return sy.NotEligible("非农村户籍", "not rural")
    return p.monthly


def pack(name: str, jurisdiction: str, value: Any, tmp_path: Path, rule: sy.BenefitRule = test_allowance, **how: Any) -> object:
    path = param_file(tmp_path, name, value)

    class Pack:
        __name__ = name

        @sy.hookimpl
        def shuangyong_pack_info(self) -> dict[str, Any]:
            return {"name": name, "version": "9.9", "jurisdictions": [jurisdiction]}

        @sy.hookimpl
        def shuangyong_parameters(self, register: Any) -> None:
            register(path, jurisdiction=jurisdiction)

        @sy.hookimpl
        def shuangyong_rules(self, register: Any) -> None:
            register(rule, jurisdiction=jurisdiction, **how)

    return Pack()


def test_most_specific_jurisdiction_wins(tmp_path: Path) -> None:
    e = sy.Engine(plugins=[pack("prov", "420000", 100, tmp_path), pack("county", "422827", 150, tmp_path)])
    y = sy.Period.year(2024)
    assert e.entitlements(person("422827"), y)["test_allowance"].amount == Decimal("1800.00")  # 150 × 12
    r = e.entitlements(person("422801"), y)["test_allowance"]
    assert r.amount == Decimal("1200.00") and r.jurisdiction == "420000" and r.pack == "prov"
    assert "test_allowance" not in e.entitlements(person("110101"), y)


def test_township_beats_county(tmp_path: Path) -> None:
    e = sy.Engine(plugins=[pack("county", "120113", 100, tmp_path), pack("town", "120113101", 200, tmp_path)])
    y = sy.Period.year(2024)
    assert e.entitlements(person("120113101"), y)["test_allowance"].amount == Decimal("2400.00")
    assert e.entitlements(person("120113102"), y)["test_allowance"].amount == Decimal("1200.00")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_a_county_rule_beats_its_provinces(tmp_path_factory: Any, prov: int, county: int) -> None:
    tmp = tmp_path_factory.mktemp("p")
    e = sy.Engine(plugins=[pack("prov", "420000", prov, tmp), pack("county", "422827", county, tmp)])
    got = e.entitlements(person("422827"), sy.Period.month(2024, 3))["test_allowance"].amount
    assert got == Decimal(county)


def test_two_packs_claiming_one_code_for_one_jurisdiction_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(sy.RuleConflictError) as e:
        sy.Engine(plugins=[pack("alpha", "422827", 1, tmp_path), pack("beta", "422827", 2, tmp_path)])
    msg = str(e.value)
    assert "alpha" in msg and "beta" in msg and "test_allowance" in msg
    assert isinstance(e.value, sy.RulePackLoadError)


def test_replace_removes_the_national_rule_in_that_jurisdiction(tmp_path: Path) -> None:
    e = sy.Engine(plugins=[pack("county", "422827", 10, tmp_path, replaces="disability_pension")])
    p = person("422827", disability_grade="5", disability_cause="因战", disability_date="2020-01-05")
    res = e.entitlements(p, sy.Period.year(2022))
    assert "disability_pension" not in res and res["test_allowance"].replaces == "disability_pension"
    other = e.entitlements(person("110101", disability_grade="5", disability_cause="因战"), sy.Period.year(2022))
    assert "disability_pension" in other


@sy.rule(code="test_top_up", period="monthly", title=("测试加发", "Test top-up"), params=("monthly",), basis=BASIS)
def test_top_up(facts: Any, p: Any) -> Any:
    """10% of the base amount plus a fixed monthly sum."""
    return facts.base * Decimal("0.1") + p.monthly


def test_extend_adds_a_supplement_where_the_base_pays(tmp_path: Path) -> None:
    path = param_file(tmp_path, "topup", 5).rename(tmp_path / "test_top_up.toml")

    class TopUp:
        @sy.hookimpl
        def shuangyong_parameters(self, register: Any) -> None:
            register(path, jurisdiction="422827")

        @sy.hookimpl
        def shuangyong_rules(self, register: Any) -> None:
            register(test_top_up, jurisdiction="422827", extends="disability_pension")

    e = sy.Engine(plugins=[TopUp()])
    p = person("422827", disability_grade="5", disability_cause="因战", disability_date="2020-01-05")
    res = e.entitlements(p, sy.Period.month(2022, 3))
    # base: 54,220 ÷ 12 = 4,518.33; top-up: 4,518.33 × 0.1 + 5 = 456.833 → 456.83
    assert res["disability_pension"].amount == Decimal("4518.33")
    assert res["test_top_up"].amount == Decimal("456.83")
    assert res.total == Decimal("4975.16")
    sick = person("422827", disability_grade="8", disability_cause="因病")
    assert e.entitlements(sick, sy.Period.month(2022, 3))["test_top_up"].amount == 0


@sy.rule(code="test_sneaky", period="monthly", title=("越权读取", "Sneaky"), inputs=("hukou",), basis=BASIS)
def test_sneaky(facts: Any, p: Any) -> Any:
    return Decimal(facts.age)


def test_reading_an_undeclared_input_raises_with_rule_and_name() -> None:
    class P:
        @sy.hookimpl
        def shuangyong_rules(self, register: Any) -> None:
            register(test_sneaky)

    e = sy.Engine(plugins=[P()], national=False)
    with pytest.raises(sy.UndeclaredInputError) as err:
        e.entitlements(person(), sy.Period.month(2024, 1))
    assert "test_sneaky" in str(err.value) and "age" in str(err.value)


def test_unknown_fact_is_a_definition_error() -> None:
    with pytest.raises(sy.RuleDefinitionError, match="favourite_colour"):
        sy.rule(code="x", period="monthly", title="x", inputs=("favourite_colour",), basis=BASIS)(lambda f, p: 0)


@sy.rule(code="free_bus", period="monthly", title=("免费乘坐公交", "Free county buses"), inputs=("categories",), basis=BASIS)
def free_bus(facts: Any, p: Any) -> Any:
    if not facts.has(sy.Category.DISABLED_VETERAN):
        return sy.NotEligible("非残疾军人", "not a disabled veteran")
    return sy.InKind("残疾军人免费乘坐县内公交车", "free county buses")


def test_in_kind_is_listed_and_never_added_to_money() -> None:
    class P:
        @sy.hookimpl
        def shuangyong_rules(self, register: Any) -> None:
            register(free_bus, jurisdiction="610331")

    e = sy.Engine(plugins=[P()])
    p = person("610331", categories="残疾军人", disability_grade="5", disability_cause="因战", disability_date="2020-01-05")
    res = e.entitlements(p, sy.Period.year(2022))
    bus = res["free_bus"]
    assert bus.eligible and bus.status == "in_kind" and bus.amount == 0 and bus.in_kind is not None
    assert res.total == res["disability_pension"].amount
    assert [x.rule for x in res.in_kind] == ["free_bus"]


def test_adjustments_are_kept_apart_and_need_a_reason() -> None:
    e = sy.Engine()
    p = person(disability_grade="5", disability_cause="因战", disability_date="2020-01-05")
    with pytest.raises(sy.AdjustmentError):
        sy.Adjustment(amount="100", reason=" ", approver="王科长")
    adj = sy.Adjustment(amount="-200.50", reason="重复发放追回", approver="县退役军人事务局", document="来退役〔2022〕1号",
                        rule="disability_pension")
    res = e.entitlements(p, sy.Period.month(2022, 3), adjustments=[adj])
    assert res.computed_total == Decimal("4518.33")
    assert res.adjustment_total == Decimal("-200.50")
    assert res.total == Decimal("4317.83")
    assert res.breakdown()["adjustment_1"] == Decimal("-200.50")
    text = str(e.explain(p, sy.Period.month(2022, 3), "disability_pension", adjustments=[adj]))
    assert "重复发放追回" in text and "4,317.83" in text


def test_a_pack_raising_in_a_hook_is_reported_with_its_name() -> None:
    class Broken:
        __name__ = "broken_pack"

        @sy.hookimpl
        def shuangyong_rules(self, register: Any) -> None:
            raise RuntimeError("boom")

    with pytest.raises(sy.RulePackLoadError) as e:
        sy.Engine(plugins=[Broken()])
    assert e.value.pack == "broken_pack" and e.value.stage == "register" and "boom" in str(e.value)
    assert isinstance(e.value.__cause__, RuntimeError)


def test_a_misspelt_hook_fails_loudly() -> None:
    class Typo:
        __name__ = "typo_pack"

        @sy.hookimpl
        def shuangyong_rule(self, register: Any) -> None:  # missing the s
            pass

    with pytest.raises(sy.RulePackLoadError) as e:
        sy.Engine(plugins=[Typo()])
    assert e.value.stage == "validate" and "shuangyong_rule" in str(e.value)


def test_a_pack_failing_at_import_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sy_badpack.py").write_text("raise ImportError('missing dependency xyz')\n", encoding="utf-8")
    dist = tmp_path / "sy_badpack-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sy-badpack\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[shuangyong.rulepacks]\nbadpack = sy_badpack\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(sy.RulePackLoadError) as e:
        sy.Engine.from_plugins(only=["badpack"])
    assert e.value.pack == "badpack" and e.value.stage == "import"
    assert "sy-badpack 0.1" in str(e.value) and "xyz" in str(e.value)
    with pytest.raises(sy.RulePackLoadError, match="not installed"):
        sy.Engine.from_plugins(only=["no_such_pack"])


def test_a_broken_parameter_file_in_a_pack_names_pack_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[x]\n[[x.values]]\nfrom = 2020-01-01\nvalue = 1\n", encoding="utf-8")

    class P:
        __name__ = "pfile_pack"

        @sy.hookimpl
        def shuangyong_parameters(self, register: Any) -> None:
            register(bad)

    with pytest.raises(sy.RulePackLoadError) as e:
        sy.Engine(plugins=[P()])
    assert "pfile_pack" in str(e.value) and "bad.toml" in str(e.value) and "no source" in str(e.value)


def test_missing_parameter_is_said_not_guessed() -> None:
    @sy.rule(code="needs_wage", period="monthly", title="x", params=("wages.local",), basis=BASIS)
    def needs_wage(facts: Any, p: Any) -> Any:
        return p.local * Decimal("0.5")

    class P:
        @sy.hookimpl
        def shuangyong_rules(self, register: Any) -> None:
            register(needs_wage)

    r = sy.Engine(plugins=[P()]).entitlements(person(), sy.Period.month(2024, 1))["needs_wage"]
    assert (r.status, r.eligible, r.amount) == ("missing_parameter", False, 0)
    assert "wages.local" in r.reason


@sy.rule(code="test_yearly", period="yearly", title="年度测试", params=("annual",), basis=BASIS, pay_on=(8, 1),
         rounding=sy.YUAN_UP)
def test_yearly(facts: Any, p: Any) -> Any:
    return p.annual * Decimal("0.4")


@sy.rule(code="test_award", period="one_off", title="立功奖励测试", event="awards", basis=BASIS)
def test_award(facts: Any, p: Any) -> Any:
    return {sy.AwardLevel.FIRST_CLASS: Decimal(5000), sy.AwardLevel.THIRD_CLASS: Decimal(1000)}.get(facts.event.level, Decimal(0))


def test_yearly_pays_in_the_period_containing_the_pay_day_and_one_off_on_the_event(tmp_path: Path) -> None:
    path = tmp_path / "test_yearly.toml"
    path.write_text('[annual]\n[[annual.values]]\nfrom = 2020-01-01\nvalue = 37008\nsource = { document = "t", certainty = "assumption" }\n',
                    encoding="utf-8")

    class P:
        @sy.hookimpl
        def shuangyong_parameters(self, register: Any) -> None:
            register(path)

        @sy.hookimpl
        def shuangyong_rules(self, register: Any) -> None:
            register(test_yearly)
            register(test_award)

    e = sy.Engine(plugins=[P()], national=False)
    p = person(awards="一等功@2024-03-05;三等功@2024-09-09;二等功")
    assert e.entitlements(p, sy.Period.year(2024))["test_yearly"].amount == Decimal("14804.00")  # 37008 × 0.4 = 14803.2 → up
    assert e.entitlements(p, sy.Period.month(2024, 8))["test_yearly"].amount == Decimal("14804.00")
    assert e.entitlements(p, sy.Period.month(2024, 7))["test_yearly"].amount == 0
    assert e.entitlements(p, sy.Period.year(2024))["test_award"].amount == Decimal("6000.00")
    assert e.entitlements(p, sy.Period.month(2024, 3))["test_award"].amount == Decimal("5000.00")
    ex = e.explain(p, sy.Period.year(2024), "test_yearly")
    assert "37008 × 0.4 = 14803.2" in str(ex)


def test_monthly_payments_stop_after_death() -> None:
    e = sy.Engine()
    p = person(disability_grade="5", disability_cause="因战", disability_date="2020-01-05", death_date="2022-03-15")
    # January–March paid (first day before death), April onwards not: 3 × 4,518.33
    assert e.entitlements(p, sy.Period.year(2022))["disability_pension"].amount == Decimal("13554.99")


def test_explanation_reproduces_the_amount_and_is_versioned() -> None:
    e = sy.Engine()
    p = person(disability_grade="1", disability_cause="因公", disability_date="2021-02-10")
    ex = e.explain(p, sy.Period.year(2022), "disability_pension")
    d = ex.to_dict()
    assert d["format"] == "shuangyong.explanation" and d["format_version"] == 1 and d["engine_version"] == sy.__version__
    assert {"name": "national", "version": sy.__version__} in d["packs"]
    total = Decimal(0)
    for s in d["segments"]:
        raw = evaluate_expression(s["expression"])
        assert raw == Decimal(s["raw"])
        assert sy.FEN_HALF_UP(raw) == Decimal(s["unit_amount"])
        total += Decimal(s["unit_amount"]) * s["units"]
    # 103,300 ÷ 12 = 8,608.33 × 7 + 111,560 ÷ 12 = 9,296.67 × 5 = 60,258.31 + 46,483.35 = 106,741.66
    assert total == Decimal(d["amount"]) == Decimal("106741.66")
    assert make_id() not in str(ex) and "4228**********" in str(ex)
    assert "Disability pension" in ex.to_text("en")


def test_eligibility_that_starts_mid_year_is_not_reused_across_months() -> None:
    # assessed 2022-03-10 → paid from April: 9 months; 4 at 54,220/12 = 4,518.33, 5 at 59,100/12 = 4,925
    e = sy.Engine()
    p = person(disability_grade="5", disability_cause="因战", disability_date="2022-03-10")
    early = person(disability_grade="5", disability_cause="因战", disability_date="2020-03-10")
    e.entitlements(early, sy.Period.year(2022))  # warm the cache with a person paid all year
    r = e.entitlements(p, sy.Period.year(2022))["disability_pension"]
    assert r.amount == Decimal("4518.33") * 4 + Decimal("4925.00") * 5
    assert [(s.label, s.status) for s in r.segments] == [
        ("2022-01..2022-03", "not_eligible"), ("2022-04..2022-07", "eligible"), ("2022-08..2022-12", "eligible")]
    fresh = sy.Engine().entitlements(p, sy.Period.year(2022))["disability_pension"]
    assert fresh.amount == r.amount


def test_two_instances_of_one_pack_class_conflict_by_rule_not_by_name(tmp_path: Path) -> None:
    class Same:
        def __init__(self, value: int) -> None:
            self.path = param_file(tmp_path, f"same{value}", value)

        @sy.hookimpl
        def shuangyong_rules(self, register: Any) -> None:
            register(test_allowance, jurisdiction="422827")

    with pytest.raises(sy.RuleConflictError, match="test_allowance"):
        sy.Engine(plugins=[Same(1), Same(2)])


def test_explanations_are_masked_unless_the_caller_asks() -> None:
    e = sy.Engine()
    p = sy.Person.from_record({"id_number": make_id(), "name": "测试甲乙", "region": "422827",
                               "disability_grade": "5", "disability_cause": "因战"})
    masked = str(e.explain(p, sy.Period.year(2022), "disability_pension"))
    assert make_id() not in masked and "测试甲乙" not in masked and "测***" in masked
    shown = e.explain(p, sy.Period.year(2022), "disability_pension", reveal=True)
    assert make_id() in str(shown) and shown.to_dict()["person"]["name"] == "测试甲乙"
