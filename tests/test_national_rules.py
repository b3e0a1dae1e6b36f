"""Hand-computed worked examples for every national rule (shuangyong.national).

Every figure comes from the national parameter files (policy-facts §1, §2, §5);
the arithmetic is written in each test's name or comment.  A monthly rule pays
``annual ÷ 12`` rounded half up to the 分 per month, and each month is priced
at the standards in force on its first day.
"""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
from shuangyong.calc import evaluate_expression

from conftest import make_id

D = Decimal


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine()


def person(born: date = date(1950, 3, 15), region: str = "422827", **fields: Any) -> sy.Person:
    rec = {"id_number": make_id(region[:6], born, 123), "region": region} | fields
    return sy.Person.from_record(rec)


def year(engine: sy.Engine, p: sy.Person, y: int, code: str) -> sy.Entitlement:
    return engine.entitlements(p, sy.Period.year(y))[code]


def local_pack(tmp_path: Path, toml: str, jurisdiction: str = "422827", name: str = "test_local") -> object:
    """A throwaway pack that registers one parameter file for ``jurisdiction``."""
    path = tmp_path / name / "params.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(toml), encoding="utf-8")

    class Pack:
        __name__ = name

        @sy.hookimpl
        def shuangyong_pack_info(self) -> dict[str, Any]:
            return {"name": name, "version": "0", "jurisdictions": [jurisdiction]}

        @sy.hookimpl
        def shuangyong_parameters(self, register: Any) -> None:
            register(path, jurisdiction=jurisdiction)

    return Pack()


# Figures below are TEST INPUTS, not policy: the wage and the national income must come from a pack.
WAGE_AND_INCOME = """
    prefix = ""
    ["wages.urban_monthly_average_prev_year"]
    unit = "元/月"
    [["wages.urban_monthly_average_prev_year".values]]
    from = 2024-01-01
    value = 8000
    source = { document = "测试数据（非真实统计数字）", certainty = "assumption" }

    ["statistics.national_urban_disposable_income_prev_year"]
    unit = "元/年"
    [["statistics.national_urban_disposable_income_prev_year".values]]
    from = 2024-01-01
    value = 50000
    source = { document = "测试数据（非真实统计数字）", certainty = "assumption" }
"""


@pytest.fixture(scope="module")
def local_engine(tmp_path_factory: pytest.TempPathFactory) -> sy.Engine:
    return sy.Engine(plugins=[local_pack(tmp_path_factory.mktemp("wage"), WAGE_AND_INCOME)])


def assert_reproducible(e: sy.Entitlement) -> None:
    """The explanation's numbers give the amount: rounding(expression) per unit, units summed."""
    total = D(0)
    for seg in e.segments:
        if seg.status == "eligible":
            assert seg.unit_amount == sy.FEN_HALF_UP(evaluate_expression(seg.expression)), seg.expression
        total += seg.amount
    assert total == e.amount


# -- disability_pension ------------------------------------------------------------------


def test_disability_2022_straddles_1_august_7_old_plus_5_new(engine: sy.Engine) -> None:
    # 因战 一级: 106,670 ÷ 12 = 8,889.17 × 7 = 62,224.19; 116,270 ÷ 12 = 9,689.17 × 5 = 48,445.85 → 110,670.04
    p = person(disability_grade="一级", disability_cause="因战", disability_date="2015-06-01")
    e = year(engine, p, 2022, "disability_pension")
    assert e.amount == D("62224.19") + D("48445.85") == D("110670.04")
    assert [(s.units, s.unit_amount) for s in e.segments] == [(7, D("8889.17")), (5, D("9689.17"))]
    assert_reproducible(e)


def test_disability_grade_1_in_2019_uses_the_grade_1_only_table(engine: sy.Engine) -> None:
    # 因战 一级: 80,140 ÷ 12 = 6,678.33 × 7 = 46,748.31; 88,150 ÷ 12 = 7,345.83 × 5 = 36,729.15 → 83,477.46
    p = person(disability_grade="1", disability_cause="因战", disability_date="2010-01-01")
    assert year(engine, p, 2019, "disability_pension").amount == D("83477.46")


def test_disability_grade_2_in_2019_uses_the_full_table(engine: sy.Engine) -> None:
    # The tables were completed (national-standards.md §1; 2018 and 2019 grades 2–10 inferred by the chain):
    # 二级因公 68,710 ÷ 12 = 5,725.83 × 7 = 40,080.81; 75,580 ÷ 12 = 6,298.33 × 5 = 31,491.65 → 71,572.46
    p = person(disability_grade="2", disability_cause="因公", disability_date="2010-01-01")
    assert year(engine, p, 2019, "disability_pension").amount == D("71572.46")


def test_disability_before_the_first_table_has_no_standard_never_zero(engine: sy.Engine) -> None:
    # the first table encoded is the one in force on 2012-01-01: 2011 has none
    p = person(disability_grade="2", disability_cause="因公", disability_date="2010-01-01")
    e = year(engine, p, 2011, "disability_pension")
    assert (e.status, e.eligible, e.amount) == ("no_standard", False, 0)
    assert "disability_pension.annual_standard" in e.reason


def test_illness_grade_7_gets_nothing_and_says_why(engine: sy.Engine) -> None:
    p = person(disability_grade="七级", disability_cause="因病", disability_date="2015-01-01")
    e = year(engine, p, 2024, "disability_pension")
    assert (e.status, e.eligible, e.amount) == ("not_eligible", False, 0)
    assert "因病" in e.reason and "一至六级" in e.reason
    assert "grades 1–6" in e.reason_en
    assert "一至六级" in str(engine.explain(p, sy.Period.year(2024), "disability_pension"))


def test_disability_assessed_mid_year_pays_from_the_next_month(engine: sy.Engine) -> None:
    # 因公 五级 assessed 2023-03-15 → April–December; the 2023-08-01 table was missing before (national-standards.md §1,
    # 2022 × 1.06 → 54,270): Apr–Jul 4 × (51,200 ÷ 12 = 4,266.67) = 17,066.68; Aug–Dec 5 × (54,270 ÷ 12 = 4,522.50)
    # = 22,612.50 → 39,679.18
    p = person(disability_grade="5", disability_cause="因公", disability_date="2023-03-15")
    assert year(engine, p, 2023, "disability_pension").amount == D("39679.18")


# -- survivor_pension -------------------------------------------------------------------


def survivor(status: str, category: str, hukou: str = "农村", **more: Any) -> sy.Person:
    return person(born=date(1940, 2, 2), hukou=hukou, survivor_of=status, categories=category, relation="父母",
                  member_death_date=more.pop("member_death_date", "2000-05-01"), **more)


def test_martyr_survivor_2013_rural_figure(engine: sy.Engine) -> None:
    # 烈属 农村: the 2013-10-01 rise was missing before (national-standards.md §2, 7,970 [S9]):
    # 6,930 ÷ 12 = 577.50 × 9 = 5,197.50; 7,970 ÷ 12 = 664.17 × 3 = 1,992.51 → 7,190.01
    assert year(engine, survivor("烈士", "烈士遗属"), 2013, "survivor_pension").amount == D("7190.01")


def test_martyr_survivor_2015_urban_straddles_1_october(engine: sy.Engine) -> None:
    # 城镇 16,630 ÷ 12 = 1,385.83 × 9 = 12,472.47; 19,120 ÷ 12 = 1,593.33 × 3 = 4,779.99 → 17,252.46
    e = year(engine, survivor("烈士", "烈属", hukou="城镇"), 2015, "survivor_pension")
    assert e.amount == D("17252.46")
    assert_reproducible(e)


def test_duty_death_survivor_in_2013_rural(engine: sy.Engine) -> None:
    # 因公牺牲 农村, back-solved from the 2015 城乡 table (national-standards.md §2, inferred):
    # 6,620 ÷ 12 = 551.67 × 9 = 4,965.03; 7,610 ÷ 12 = 634.17 × 3 = 1,902.51 → 6,867.54
    e = year(engine, survivor("因公牺牲", "因公牺牲军人遗属"), 2013, "survivor_pension")
    assert e.amount == D("6867.54")


def test_duty_death_survivor_before_2012_has_no_standard(engine: sy.Engine) -> None:
    # the first figure encoded is the one in force on 2012-01-01: 2011 has none → no standard, never zero
    e = year(engine, survivor("因公牺牲", "因公牺牲军人遗属"), 2011, "survivor_pension")
    assert (e.status, e.eligible, e.amount) == ("no_standard", False, 0)
    assert "survivor_pension.died_on_duty" in e.reason


def test_illness_death_survivor_2021_straddles_1_august(engine: sy.Engine) -> None:
    # the 2020-08-01 figure was missing before (national-standards.md §2: 2019 × 1.10 = 24,870, inferred):
    # 24,870 ÷ 12 = 2,072.50 × 7 = 14,507.50; 27,360 ÷ 12 = 2,280 × 5 = 11,400 → 25,907.50 (城镇 = 农村)
    for hukou in ("城镇", "农村"):
        assert year(engine, survivor("病故", "病故军人遗属", hukou=hukou), 2021, "survivor_pension").amount == D("25907.50")


def test_martyr_survivor_2024_straddles_1_august(engine: sy.Engine) -> None:
    # 2023 and 2024 figures were missing before (national-standards.md §2: 39,490 and 41,856, inferred from the national rises):
    # 39,490 ÷ 12 = 3,290.83 × 7 = 23,035.81; 41,856 ÷ 12 = 3,488 × 5 = 17,440 → 40,475.81
    assert year(engine, survivor("烈士", "烈士遗属"), 2024, "survivor_pension").amount == D("40475.81")


def test_martyr_survivor_2025_carries_the_2024_figure_forward_and_says_so(engine: sy.Engine) -> None:
    # no 2025 figure found: 3,488 × 12 = 41,856.00, August–December flagged as carried past 2025-08-01
    p = survivor("烈士", "烈士遗属")
    e = year(engine, p, 2025, "survivor_pension")
    assert e.amount == D("41856.00")
    flags = [(s.start.month, r.carried_forward) for s in e.segments for r, _, _ in s.params if r.name == "survivor_pension.martyr"]
    assert flags and all(cf == (m >= 8) for m, cf in flags)
    ex = engine.explain(p, sy.Period.year(2025), "survivor_pension")
    assert "2025-08-01 起标准未录入，沿用 2024-08-01 标准，可能已调整" in str(ex)
    assert "carried forward" in ex.to_text("en")


def test_survivor_pension_starts_the_month_after_the_member_died(engine: sy.Engine) -> None:
    # member died 2018-05-10 → June: Jun–Jul 23,130 ÷ 12 = 1,927.50 × 2 = 3,855; Aug–Dec 25,440 ÷ 12 = 2,120 × 5 = 10,600 → 14,455
    p = survivor("烈士", "烈士遗属", member_death_date="2018-05-10")
    assert year(engine, p, 2018, "survivor_pension").amount == D("14455.00")


def test_survivor_without_the_roster_category_is_not_paid(engine: sy.Engine) -> None:
    e = year(engine, person(hukou="农村", survivor_of="烈士", relation="父母"), 2024, "survivor_pension")
    assert not e.eligible and "烈士遗属" in e.reason


def test_survivor_pension_stops_after_the_survivor_dies(engine: sy.Engine) -> None:
    # died 2024-03-10: January–March paid at the 2023-08-01 figure (national-standards.md §2), 3 × 3,290.83 = 9,872.49
    p = survivor("烈士", "烈士遗属", death_date="2024-03-10")
    assert year(engine, p, 2024, "survivor_pension").amount == D("9872.49")


# -- sick_returnee_allowance and combat_veteran_allowance ------------------------------------


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        # national-standards.md §4; the former 2022/2023 figures 9,240 / 9,690 were 福建's own (now in rulepacks/fujian)
        (2012, D("3105.00")),  # 250 × 9 + 285 × 3 = 2,250 + 855 (250 in force before the 2012 rise [S8])
        (2016, D("5040.00")),  # 410 × 9 + 450 × 3 = 3,690 + 1,350 (2016-10-01 rise [S18])
        (2018, D("6250.00")),  # 500 × 7 + 550 × 5 = 3,500 + 2,750
        (2020, D("7450.00")),  # 600 × 7 + 650 × 5 = 4,200 + 3,250 (2019 600 [S3], 2020 650 inferred [S34])
        (2022, D("8650.00")),  # 700 × 7 + 9,000 ÷ 12 = 750 × 5 = 4,900 + 3,750 (national 9,000 [S30])
        (2023, D("9187.50")),  # 750 × 7 + 9,450 ÷ 12 = 787.50 × 5 = 5,250 + 3,937.50 (退役军人部发〔2023〕39号)
    ],
)
def test_sick_returnee_by_year(engine: sy.Engine, y: int, expected: Decimal) -> None:
    e = year(engine, person(categories="带病回乡退伍军人"), y, "sick_returnee_allowance")
    assert e.amount == expected
    assert_reproducible(e)


def test_sick_returnee_2011_reports_no_standard(engine: sy.Engine) -> None:
    # the first figure encoded is the one in force on 2012-01-01
    e = year(engine, person(categories="带病回乡退伍军人"), 2011, "sick_returnee_allowance")
    assert (e.status, e.eligible, e.amount) == ("no_standard", False, 0)


def test_sick_returnee_2020_is_not_stale_2025_is(engine: sy.Engine) -> None:
    e = year(engine, person(categories="带病回乡退伍军人"), 2020, "sick_returnee_allowance")
    used = [r for s in e.segments for r, _, _ in s.params if r.name == "sick_returnee_allowance.monthly_standard"]
    assert used and not any(r.carried_forward for r in used)
    # 2025: no national figure found (四川 +300, 吉林 +180 differ): 9,828 ÷ 12 = 819 × 12, Aug–Dec flagged
    e = year(engine, person(categories="带病回乡退伍军人"), 2025, "sick_returnee_allowance")
    assert e.amount == D("9828.00")
    flags = [(s.start.month, r.carried_forward) for s in e.segments for r, _, _ in s.params if r.name == "sick_returnee_allowance.annual_standard"]
    assert flags and all(cf == (m >= 8) for m, cf in flags)


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        (2015, D("4620.00")),   # 360 × 9 + 460 × 3 = 3,240 + 1,380
        # national-standards.md §5; the former 2022/2023 figures 10,740 / 11,220 were 福建's own (now in rulepacks/fujian)
        (2019, D("7450.00")),   # 600 × 7 + 650 × 5 = 4,200 + 3,250 (2019-08-01 rise [S3] was missing)
        (2023, D("9800.00")),   # 9,600 ÷ 12 = 800 × 7 + 10,080 ÷ 12 = 840 × 5 = 5,600 + 4,200 (退役军人部发〔2023〕39号)
        (2024, D("10290.00")),  # 840 × 7 + 10,584 ÷ 12 = 882 × 5 = 5,880 + 4,410 (+42/月 [S25], inferred)
    ],
)
def test_combat_and_nuclear_veterans_by_year(engine: sy.Engine, y: int, expected: Decimal) -> None:
    for cat in ("参战退役人员", "涉核退役人员"):
        assert year(engine, person(categories=cat), y, "combat_veteran_allowance").amount == expected


def test_unit_8023_draws_the_combat_allowance_throughout(engine: sy.Engine) -> None:
    # national-standards.md §5: 原8023部队 are 参试/涉核, paid like 参战 (one "参战参试" figure 2012–2019)
    p = person(categories="原8023部队退役人员")
    assert not year(engine, p, 2016, "sick_returnee_allowance").eligible
    # 2016: 460 × 9 + 500 × 3 = 4,140 + 1,500 = 5,640 (带病回乡 would have been 410 / 450)
    assert year(engine, p, 2016, "combat_veteran_allowance").amount == D("5640.00")
    # 2022: 750 × 7 + 9,600 ÷ 12 = 800 × 5 → 5,250 + 4,000 = 9,250
    assert year(engine, p, 2022, "combat_veteran_allowance").amount == D("9250.00")
    assert not year(engine, p, 2023, "sick_returnee_allowance").eligible


def test_a_county_may_treat_8023_as_sick_returnees(tmp_path: Path) -> None:
    toml = """
        prefix = "veteran_groups"
        [unit_8023_treated_as]
        [[unit_8023_treated_as.values]]
        from = 2012-01-01
        value = "sick_returnee"
        source = { document = "测试：县级做法", certainty = "assumption" }
    """
    e = sy.Engine(plugins=[local_pack(tmp_path, toml)])
    p = person(categories="原8023部队退役人员")
    assert year(e, p, 2016, "sick_returnee_allowance").amount == D("5040.00")  # 410 × 9 + 450 × 3
    assert not year(e, p, 2016, "combat_veteran_allowance").eligible


def test_a_person_in_both_groups_draws_the_combat_allowance_only(engine: sy.Engine) -> None:
    p = person(categories="带病回乡退伍军人、参战退役人员")
    sick = year(engine, p, 2019, "sick_returnee_allowance")
    assert not sick.eligible and "参战" in sick.reason
    assert year(engine, p, 2019, "combat_veteran_allowance").amount == D("7450.00")  # 600 × 7 + 650 × 5


# -- rural_veteran_old_age_allowance -------------------------------------------------------


def rural_veteran(born: date, enlisted: str, discharged: str, **more: Any) -> sy.Person:
    return person(born=born, hukou="农村", enlisted=enlisted, discharged=discharged, service_type="义务兵", **more)


def test_part_year_of_service_counts_as_a_year_2024_straddles_1_august(engine: sy.Engine) -> None:
    # 1970-12-01 → 1973-03-01 = 2 years 3 months → 3 years;
    # Jan–Jul 688 × 3 ÷ 12 = 172 × 7 = 1,204; Aug–Dec 720 × 3 ÷ 12 = 180 × 5 = 900 → 2,104
    p = rural_veteran(date(1950, 3, 15), "1970-12-01", "1973-03-01")
    e = year(engine, p, 2024, "rural_veteran_old_age_allowance")
    assert e.amount == D("2104.00")
    assert_reproducible(e)


def test_turning_60_mid_year_pays_from_the_next_month(engine: sy.Engine) -> None:
    # born 1958-05-20, 2 years exactly; turns 60 on 2018-05-20 → June:
    # Jun–Jul 30 × 2 = 60 × 2 = 120; Aug–Dec 35 × 2 = 70 × 5 = 350 → 470
    # (the 2014–2017 rises were missing before: 2017-10-01 30/月 [S19], national-standards.md §7)
    p = rural_veteran(date(1958, 5, 20), "1976-03-01", "1978-03-01")
    e = year(engine, p, 2018, "rural_veteran_old_age_allowance")
    assert e.amount == D("470.00")
    # the months before say why, and the explanation shows the birth date they turn on
    assert e.reason == "2018-01..2018-05: 年满60周岁的次月起发放（出生日期见输入）"
    assert "birth_date=1958-05-20" in str(engine.explain(p, sy.Period.year(2018), "rural_veteran_old_age_allowance"))


def test_a_pack_can_choose_the_birthday_month(tmp_path: Path) -> None:
    # same person, start = birthday_month for 来凤县: May–Jul 60 × 3 = 180 + 350 → 530
    toml = """
        prefix = "rural_veteran_old_age_allowance"
        [start]
        [[start.values]]
        from = 2011-08-01
        value = "birthday_month"
        source = { document = "测试：县级选择", certainty = "assumption" }
    """
    e = sy.Engine(plugins=[local_pack(tmp_path, toml)])
    p = rural_veteran(date(1958, 5, 20), "1976-03-01", "1978-03-01")
    assert year(e, p, 2018, "rural_veteran_old_age_allowance").amount == D("530.00")


def test_rural_2011_starts_on_1_august(engine: sy.Engine) -> None:
    # 3 years (1958-12 → 1961-12 exactly): Aug–Dec 10 × 3 = 30 × 5 = 150; Jan–Jul no standard
    p = rural_veteran(date(1938, 1, 1), "1958-12-01", "1961-12-01")
    e = year(engine, p, 2011, "rural_veteran_old_age_allowance")
    assert e.amount == D("150.00") and e.segments[0].status == "no_standard"


def test_rural_2022_monthly_then_yearly_standard(engine: sy.Engine) -> None:
    # 3 years: 50 × 3 = 150 × 7 = 1,050; 648 × 3 ÷ 12 = 162 × 5 = 810 → 1,860
    p = rural_veteran(date(1940, 1, 1), "1958-12-01", "1961-12-01")
    assert year(engine, p, 2022, "rural_veteran_old_age_allowance").amount == D("1860.00")


def test_rural_one_year_rounds_each_month_to_the_fen(engine: sy.Engine) -> None:
    # 1 year: 688 ÷ 12 = 57.333… → 57.33 × 7 = 401.31; 720 ÷ 12 = 60 × 5 = 300 → 701.31
    p = rural_veteran(date(1940, 1, 1), "1960-03-01", "1961-03-01")
    assert year(engine, p, 2024, "rural_veteran_old_age_allowance").amount == D("701.31")


def test_rural_stated_conscript_years_win_over_the_whole_service(engine: sy.Engine) -> None:
    # a 军士 who served 1970-12 → 1980-12 (10 years) of which 2 as a conscript: 720 × 2 ÷ 12 = 120 × 12 = 1,440 in 2025
    p = person(born=date(1952, 1, 1), hukou="农村", enlisted="1970-12-01", discharged="1980-12-01", service_type="军士",
               conscript_years="2")
    assert year(engine, p, 2025, "rural_veteran_old_age_allowance").amount == D("1440.00")


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"hukou": "城镇"}, "农村"),
        ({"categories": "残疾军人"}, "定期抚恤补助"),
        ({"categories": "在乡老复员军人"}, "定期抚恤补助"),
        ({"enlisted": "1954-10-31"}, "1954-11-01"),
        ({"enlisted": "2011-12-01", "discharged": "2013-12-01"}, "2011-11-01"),
        ({"service_type": "军官"}, "军官"),
    ],
)
def test_rural_not_eligible_cases_say_why(engine: sy.Engine, fields: dict[str, str], why: str) -> None:
    rec = {"hukou": "农村", "enlisted": "1970-12-01", "discharged": "1973-03-01", "service_type": "义务兵"} | fields
    e = year(engine, person(born=date(1950, 3, 15), **rec), 2024, "rural_veteran_old_age_allowance")
    assert not e.eligible and e.amount == 0 and why in e.reason


# -- nursing_allowance -----------------------------------------------------------------------


def test_nursing_without_a_local_wage_is_missing_parameter(engine: sy.Engine) -> None:
    e = year(engine, person(disability_grade="1", disability_cause="因战", disability_date="2010-01-01"), 2024, "nursing_allowance")
    assert (e.status, e.eligible, e.amount) == ("missing_parameter", False, 0)
    assert "wages.urban_monthly_average_prev_year" in e.reason


@pytest.mark.parametrize(
    ("grade", "cause", "expected"),
    [
        ("1", "因战", D("48000.00")),  # 8,000 × 0.5 = 4,000 × 12
        ("3", "因公", D("38400.00")),  # 8,000 × 0.4 = 3,200 × 12
        ("2", "因病", D("28800.00")),  # 8,000 × 0.3 = 2,400 × 12
    ],
)
def test_nursing_shares_of_the_local_wage(local_engine: sy.Engine, grade: str, cause: str, expected: Decimal) -> None:
    p = person(disability_grade=grade, disability_cause=cause, disability_date="2010-01-01")
    e = year(local_engine, p, 2024, "nursing_allowance")
    assert e.amount == expected
    assert_reproducible(e)


def test_nursing_mental_disorder_grade_5_from_october_2024(local_engine: sy.Engine) -> None:
    # new in the 2024 text: 8,000 × 0.25 = 2,000 × 3 (Oct–Dec) = 6,000; Jan–Sep nothing
    p = person(disability_grade="5", disability_cause="因病", disability_date="2010-01-01", mental_disorder="是")
    e = year(local_engine, p, 2024, "nursing_allowance")
    assert e.amount == D("6000.00")
    assert e.segments[0].status == "not_eligible" and e.segments[0].units == 9


def test_nursing_grade_5_without_mental_disorder_gets_nothing(local_engine: sy.Engine) -> None:
    p = person(disability_grade="5", disability_cause="因战", disability_date="2010-01-01")
    e = year(local_engine, p, 2024, "nursing_allowance")
    assert not e.eligible and "一至四级" in e.reason


# -- death_lump_sum ------------------------------------------------------------------------


def member_survivor(status: str, died: str, pay: str | None = "6000", awards: str | None = None) -> sy.Person:
    fields: dict[str, Any] = {"survivor_of": status, "member_death_date": died, "relation": "父母", "hukou": "农村"}
    if pay is not None:
        fields["member_monthly_pay"] = pay
    if awards is not None:
        fields["member_awards"] = awards
    return person(born=date(1965, 7, 7), **fields)


def test_martyr_lump_sum_two_honours_only_the_highest_counts_2024_table(local_engine: sy.Engine) -> None:
    # died 2024-11-05: (20 × 50,000 + 40 × 6,000) × (1 + 15%) = 1,240,000 × 1.15 = 1,426,000 (二等功 15% > 三等功 5%)
    e = year(local_engine, member_survivor("烈士", "2024-11-05", awards="三等功;二等功"), 2024, "death_lump_sum")
    assert e.amount == D("1426000.00")
    assert_reproducible(e)


def test_lump_sum_uplift_follows_the_table_in_force_on_the_date_of_death(local_engine: sy.Engine) -> None:
    # 二级表彰 + 三等功: before 2024-10-01 the 2019 table has no 二级表彰, 三等功 5% → 1,240,000 × 1.05 = 1,302,000;
    # from 2024-10-01 二级表彰 is item (四), 25% → 1,240,000 × 1.25 = 1,550,000
    before = member_survivor("因公牺牲", "2024-09-05", awards="二级表彰;三等功")
    after = member_survivor("因公牺牲", "2024-10-05", awards="二级表彰;三等功")
    assert year(local_engine, before, 2024, "death_lump_sum").amount == D("1302000.00")
    assert year(local_engine, after, 2024, "death_lump_sum").amount == D("1550000.00")
    # 军区级称号 (a title from a unit the CMC authorises) is 30% in both tables: 1,240,000 × 1.30 = 1,612,000
    for died in ("2024-09-05", "2024-10-05"):
        p = member_survivor("因公牺牲", died, awards="军区级称号;三等功")
        assert year(local_engine, p, 2024, "death_lump_sum").amount == D("1612000.00")


def test_lump_sum_died_of_illness(local_engine: sy.Engine) -> None:
    # 2 × 50,000 + 40 × 5,000 = 100,000 + 200,000 = 300,000; paid only in the period of the death
    p = member_survivor("病故", "2024-11-05", pay="5000")
    assert year(local_engine, p, 2024, "death_lump_sum").amount == D("300000.00")
    assert local_engine.entitlements(p, sy.Period.month(2024, 11))["death_lump_sum"].amount == D("300000.00")
    assert local_engine.entitlements(p, sy.Period.month(2024, 12))["death_lump_sum"].amount == 0


def test_lump_sum_without_pay_says_so(local_engine: sy.Engine) -> None:
    e = year(local_engine, member_survivor("烈士", "2024-11-05", pay=None), 2024, "death_lump_sum")
    assert not e.eligible and "member_monthly_pay" in e.reason


def test_lump_sum_with_the_shipped_national_income(engine: sy.Engine) -> None:
    # national statistics.toml: 2023 全国城镇居民人均可支配收入 51,821 for deaths in 2024;
    # 20 × 51,821 + 40 × 6,000 = 1,036,420 + 240,000 = 1,276,420 (pay 6,000 as member_survivor gives)
    p = member_survivor("烈士", "2024-11-05")
    e = year(engine, p, 2024, "death_lump_sum")
    pay = D(str(p.family_tie.member_monthly_pay))
    assert e.amount == 20 * D(51821) + 40 * pay


# -- funeral_grant -------------------------------------------------------------------------


def test_funeral_grant_survivor_six_months(engine: sy.Engine) -> None:
    # 烈属 dies 2024-03-10: the 2023-08-01 figure (national-standards.md §2) 39,490 ÷ 12 = 3,290.83 × 6 = 19,744.98
    e = year(engine, survivor("烈士", "烈士遗属", death_date="2024-03-10"), 2024, "funeral_grant")
    assert e.amount == D("19744.98")
    assert_reproducible(e)


def test_funeral_grant_disabled_veteran_twelve_months(engine: sy.Engine) -> None:
    # 因战 一级 dies 2023-05-10: 116,270 ÷ 12 = 9,689.17 × 12 = 116,270.04
    p = person(disability_grade="1", disability_cause="因战", disability_date="2000-01-01", death_date="2023-05-10")
    e = year(engine, p, 2023, "funeral_grant")
    assert e.amount == D("116270.04")
    assert engine.entitlements(p, sy.Period.year(2024))["funeral_grant"].amount == 0


def test_funeral_grant_illness_grade_7_gets_nothing(engine: sy.Engine) -> None:
    p = person(disability_grade="7", disability_cause="因病", disability_date="2000-01-01", death_date="2023-05-10")
    e = year(engine, p, 2023, "funeral_grant")
    assert not e.eligible and "因病致残7级" in e.reason


def test_funeral_grant_other_cause_of_death_recorded(engine: sy.Engine) -> None:
    p = person(disability_grade="1", disability_cause="因战", disability_date="2000-01-01", death_date="2023-05-10",
               死亡原因="因公")
    e = year(engine, p, 2023, "funeral_grant")
    assert not e.eligible and "病故" in e.reason


def test_funeral_grant_both_grounds_pays_both(engine: sy.Engine) -> None:
    # 条例 第22、32条 "原享受的": each pension held continues.  2023-08-01 figures (national-standards.md §1, §2):
    # 因公 十级 11,390 ÷ 12 = 949.17 × 12 = 11,390.04; 病故遗属 30,740 ÷ 12 = 2,561.67 × 6 = 15,370.02;
    # both: 26,760.06
    died = date(2024, 3, 10)
    p = survivor("病故", "病故军人遗属", disability_grade="10", disability_cause="因公", disability_date="2000-01-01",
                 death_date=died.isoformat())
    e = year(engine, p, 2024, "funeral_grant")
    assert e.amount == D("26760.06")
    assert_reproducible(e)


def test_funeral_grant_duty_death_survivor_2011_has_no_standard(engine: sy.Engine) -> None:
    # the first 因公牺牲 figure encoded is the one in force on 2012-01-01
    e = year(engine, survivor("因公牺牲", "因公牺牲军人遗属", death_date="2011-06-01"), 2011, "funeral_grant")
    assert e.status == "no_standard" and e.amount == 0


# -- every rule: metadata a clerk relies on ---------------------------------------------------


def test_every_national_rule_has_basis_eligibility_and_docstring(engine: sy.Engine) -> None:
    from shuangyong.national import rules

    codes = {r.code for r in rules.ALL}
    assert codes == {"disability_pension", "survivor_pension", "sick_returnee_allowance", "combat_veteran_allowance",
                     "rural_veteran_old_age_allowance", "nursing_allowance", "death_lump_sum", "funeral_grant",
                     "old_demobilised_subsidy", "martyr_child_allowance", "martyr_honour_grant", "combat_veteran_death_allowance"}
    for r in rules.ALL:
        assert r.basis.document and r.basis.certainty in ("primary", "secondary", "inferred", "assumption")
        assert r.eligibility and r.eligibility_en and r.doc, r.code
        assert r.assumptions, r.code


def test_every_national_parameter_value_has_a_source(engine: sy.Engine) -> None:
    params = [p for p in engine.parameters.parameters() if p.pack == "national"]
    assert len(params) >= 20
    for p in params:
        for v in p.values:
            assert v.source.document and v.source.certainty, p.name


def test_a_pack_value_outside_the_documented_choices_is_a_typed_error(tmp_path: Path) -> None:
    toml = """
        prefix = "rural_veteran_old_age_allowance"
        [start]
        [[start.values]]
        from = 2011-08-01
        value = "someday"
        source = { document = "测试：错误取值", certainty = "assumption" }
    """
    e = sy.Engine(plugins=[local_pack(tmp_path, toml)])
    p = rural_veteran(date(1950, 3, 15), "1970-12-01", "1973-03-01")
    with pytest.raises(sy.ShuangyongError, match="rural_veteran_old_age_allowance.start.*someday"):
        e.entitlements(p, sy.Period.year(2024))
