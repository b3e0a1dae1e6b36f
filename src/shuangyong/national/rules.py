"""National benefit rules, in the order of 《军人抚恤优待条例》.

Each rule's docstring restates its article in plain words; figures live in
``parameters/*.toml`` with their sources and certainty (policy-facts §1, §2,
§5).  Where the sources are silent the choice is a parameter with certainty
``assumption`` and is listed in the rule's ``assumptions``.

Conventions shared by the rules here:

* A yearly standard paid monthly is ``annual ÷ 12`` for one month; the
  engine rounds each month half up to the 分.
* A standard stated per month in older notices and per year in newer ones
  is kept in its own unit in two parameters (``monthly_*`` / ``annual_*``);
  the yearly one is used wherever it is in force.
* A status or grade for which the sources give no figure on a date raises
  :class:`~shuangyong.errors.ParameterNotFoundError` for that parameter, so
  the engine reports "no standard in force" — never a silent zero.
* Figures that only a province or county can know (the local average wage,
  the national previous-year income) are read from parameters this pack does
  not ship; without them the result is "missing_parameter".

A long module on purpose: it is the national rule set, one short formula per rule with its articles and assumptions, read like the circulars it encodes.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from dateutil.relativedelta import relativedelta

from ..calc import Q
from ..errors import ParameterNotFoundError, ShuangyongError
from ..model import Category, DisabilityCause, Hukou, MemberStatus, ServiceType
from ..money import FEN_HALF_UP
from ..params import Source
from ..record import split_list
from ..rules import NotEligible, rule

__all__ = [
    "ALL",
    "disability_pension",
    "survivor_pension",
    "sick_returnee_allowance",
    "combat_veteran_allowance",
    "rural_veteran_old_age_allowance",
    "nursing_allowance",
    "death_lump_sum",
    "funeral_grant",
    "old_demobilised_subsidy",
    "martyr_child_allowance",
    "martyr_honour_grant",
    "combat_veteran_death_allowance",
    "REGULATIONS_2024_IN_FORCE",
    "WAGE_PARAMETER",
    "INCOME_PARAMETER",
]

REGULATIONS_2004 = Source(document="《军人抚恤优待条例》", number="国务院、中央军委令第413号", certainty="primary")
REGULATIONS_2024 = Source(document="《军人抚恤优待条例》", number="国务院、中央军委令第788号", certainty="primary")
#: 令第788号 is in force from this day (第64条): its rules on when payment starts apply to approvals from then.
REGULATIONS_2024_IN_FORCE = date(2024, 10, 1)

#: Supplied by a provincial or county pack: the local previous-year 城镇单位就业人员月平均工资 (元/月).
WAGE_PARAMETER = "wages.urban_monthly_average_prev_year"
#: Supplied by a pack (any level, national included): previous-year national 城镇居民人均可支配收入 (元/年).
INCOME_PARAMETER = "statistics.national_urban_disposable_income_prev_year"

_SURVIVOR_CATEGORY = {
    MemberStatus.MARTYR: Category.MARTYR_SURVIVOR,
    MemberStatus.DIED_ON_DUTY: Category.DUTY_DEATH_SURVIVOR,
    MemberStatus.DIED_OF_ILLNESS: Category.ILLNESS_DEATH_SURVIVOR,
}
# Parameter alias of each status's standard (see survivor_pension.toml).
_SURVIVOR_PARAM = {
    MemberStatus.MARTYR: "martyr",
    MemberStatus.DIED_ON_DUTY: "died_on_duty",
    MemberStatus.DIED_OF_ILLNESS: "died_of_illness",
}
_SURVIVOR_PARAMS = {alias: f"survivor_pension.{alias}" for alias in _SURVIVOR_PARAM.values()}

# Values of an extra death-cause column that mean "died of illness".
_ILLNESS_WORDS = frozenset({"因病", "病故", "疾病", "病", "illness", "died of illness"})


# -- helpers ---------------------------------------------------------------------


def _no_standard(name: str, why: str) -> ParameterNotFoundError:
    """The error the engine turns into status ``no_standard`` for a known parameter.

    The date is not read here (``facts.on`` marks a result as date-dependent and
    makes the engine price every month); the engine reports the unit's own date.
    """
    return ParameterNotFoundError(name, "national", "the date priced", why)


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    """A string parameter checked against its documented values; anything else is a typed error naming it."""
    text = str(value)
    if text not in allowed:
        raise ShuangyongError(f"parameter {name} = {text!r}: expected one of {', '.join(allowed)}")
    return text


def _iso_date(value: Any, name: str) -> date:
    """A date parameter stored as an ISO string (parameter values cannot be TOML dates)."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ShuangyongError(f"parameter {name} = {str(value)!r}: expected an ISO date such as 2011-11-01") from None


def _yearly_or_monthly(p: Any, annual: str, monthly: str) -> Any:
    """One month's standard: the yearly figure ÷ 12 where one is in force, else the monthly figure.

    If neither is in force the monthly lookup's error propagates, which the
    engine reports as "no standard in force".
    """
    try:
        return p.get(annual) / 12
    except ParameterNotFoundError:
        return p.get(monthly)


def _monthly_share(annual: Q) -> Q:
    """``annual ÷ 12`` rounded half up to the 分, as the pension is paid in one month.

    The result shows its rounded figure so that an expression built on it
    (``8889.17 × 12``) still evaluates to the amount.
    """
    return Q(FEN_HALF_UP(annual.value / 12))


def _survivor_status(facts: Any) -> MemberStatus | NotEligible:
    """The deceased member's status for a survivor, checked against the roster categories.

    ``survivor_of`` decides; without it the status is read from the survivor
    category held (烈士 before 因公牺牲 before 病故 when several are held).
    Either way the person must hold the matching survivor category: that is
    the office's finding that they qualify (条例 第19条).
    """
    status = facts.survivor_of
    cats = facts.categories
    if status is None:
        for st, cat in _SURVIVOR_CATEGORY.items():
            if cat in cats:
                return st
        return NotEligible("非烈士、因公牺牲军人、病故军人遗属", "not a survivor of a martyr or of a member who died on duty or of illness")
    if status not in _SURVIVOR_CATEGORY:
        return NotEligible(f"军人状态为{status.label}，不属于遗属", f"the member's status is {status.en}: no survivor benefit")
    cat = _SURVIVOR_CATEGORY[status]
    if cat not in cats:
        return NotEligible(
            f"遗属类别为{status.label}，但未登记为“{cat.label}”：定期抚恤金须经审核认定（条例第19条）",
            f"survivor of a member ({status.en}) but not registered as '{cat.en}': the office must first find the person eligible (art. 19)",
        )
    return status


def _survivor_annual(facts: Any, p: Any, status: MemberStatus) -> Any:
    """The yearly 定期抚恤金 standard for ``status`` on ``facts.on`` (by 户籍 where the source splits it)."""
    standard = p.get(_SURVIVOR_PARAM[status])
    if isinstance(standard, Q):
        return standard
    # A table keyed by 户籍: the sources give 城镇 and 农村 figures that year.
    hukou = facts.hukou
    if hukou is None:
        return NotEligible("户籍未登记：该时期标准分城镇、农村", "户籍 (urban/rural) not recorded: the standard then differs by 户籍")
    if hukou.label not in standard:
        raise _no_standard(f"survivor_pension.{_SURVIVOR_PARAM[status]}", f"no {hukou.en} figure")
    return standard[hukou.label]


def _disability_check(facts: Any) -> NotEligible | None:
    """NotEligible when no pension is due for the recorded grade and cause (条例 第25–34条)."""
    grade, cause = facts.disability_grade, facts.disability_cause
    if grade is None:
        return NotEligible("未评定残疾等级", "no disability assessed")
    if cause is DisabilityCause.ILLNESS and grade > 6:
        return NotEligible(
            f"因病致残{grade}级：条例只对因病一至六级发放残疾抚恤金", f"grade {grade} of illness: only grades 1–6 of illness receive a pension"
        )
    return None


def _disability_annual(facts: Any, p: Any) -> Any:
    """The yearly 残疾抚恤金 standard for the grade and cause in force on ``facts.on``."""
    grade, cause = facts.disability_grade, facts.disability_cause
    table = p.annual_standard
    if str(grade) not in table or cause.label not in table[grade]:
        # e.g. a pack's own table without this grade.
        raise _no_standard("disability_pension.annual_standard", f"no figure for grade {grade} {cause.en}")
    return table[grade][cause.label]


def _assessed_not_yet(facts: Any, start: str) -> NotEligible | None:
    """NotEligible while the month priced is before the pension starts after approval.

    The approval date is 批准时间 (``disability_approved``); a roster without it falls back to 评残时间
    (``disability_assessed``), and without either the pension is paid for every month priced.
    Approved from 2024-10-01: from the month of approval (条例 2024 第27条).  Approved before: by the
    parameter ``disability_pension.start`` (default the month after, 伤残抚恤管理办法 第23条).
    """
    approved = facts.disability_approved
    shown = "批准时间"
    if approved is None:
        approved, shown = facts.disability_assessed, "评残时间（未登记批准时间）"
    if approved is None:
        return None
    first = approved.replace(day=1)
    if approved >= REGULATIONS_2024_IN_FORCE:
        if facts.on < first:
            return NotEligible(
                f"{shown}在2024-10-01以后：自批准当月起发放（条例2024第27条）",
                "approved from 2024-10-01: paid from the month of approval (Regulations 2024 art. 27)",
            )
        return None
    if _choice(start, "disability_pension.start", ("next_month", "same_month")) == "next_month":
        if facts.on <= first:
            return NotEligible(
                f"{shown}在2024-10-01以前：自批准次月起发放（伤残抚恤管理办法第23条）",
                "approved before 2024-10-01: paid from the month after approval (伤残抚恤管理办法 art. 23)",
            )
    elif facts.on < first:
        return NotEligible(f"{shown}当月起发放", "paid from the month of approval (date among the inputs)")
    return None


def _paid_by_unit(facts: Any) -> NotEligible | None:
    """NotEligible where the county does not pay the 残疾抚恤金 (条例 2024 第30条; 2019 第26条).

    A serving member's pension is paid by the unit; so is a discharged member's for the calendar
    year of discharge, the county paying from the next 1 January — unless the disability was only
    approved after discharge, which the county pays from approval.
    """
    if facts.serving:
        return NotEligible(
            "服现役的残疾军人：残疾抚恤金由所在部队发给（条例2024第30条，2019年条例第26条）",
            "serving member: the unit pays the disability pension (Regulations 2024 art. 30; 2019 art. 26)",
        )
    discharged = facts.discharged
    if discharged is None:
        return None
    approved = facts.disability_approved or facts.disability_assessed
    if approved is not None and approved > discharged:
        return None
    # The calendar year of discharge, as two comparisons the fast path understands (reading ``on.year`` is not).
    if facts.on >= discharged.replace(month=1, day=1) and facts.on <= discharged.replace(month=12, day=31):
        return NotEligible(
            "退役当年的残疾抚恤金由原部队发给，次年1月起由县级退役军人工作主管部门发给（条例2024第30条，2019年条例第26条）",
            "in the year of discharge the unit pays; the county pays from the next January (Regulations 2024 art. 30; 2019 art. 26)",
        )
    return None


def _unit_8023_group(p: Any) -> str:
    """``sick_returnee`` or ``combat``: which allowance 原8023部队退役人员 draw on this date."""
    return _choice(p.unit_8023, "veteran_groups.unit_8023_treated_as", ("sick_returnee", "combat"))


def _is_combat(facts: Any, p: Any) -> bool:
    cats = facts.categories
    if Category.COMBAT_VETERAN in cats or Category.NUCLEAR_VETERAN in cats:
        return True
    return Category.UNIT_8023 in cats and _unit_8023_group(p) == "combat"


# -- 残疾抚恤金 (第25–34条) -----------------------------------------------------------


@rule(
    code="disability_pension",
    period="monthly",
    title=("残疾抚恤金", "Disability pension"),
    inputs=("disability_grade", "disability_cause", "disability_assessed", "disability_approved", "serving", "discharged"),
    params=("annual_standard", "start"),
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第25–34条", certainty="primary"),
    eligibility=(
        "评定残疾等级、经批准后按月发放：2024-10-01 起批准的自批准当月起（条例2024第27条），此前批准的自批准次月起"
        "（伤残抚恤管理办法第23条；参数 disability_pension.start）；因战、因公一至十级，因病一至六级（条例第25–34条）；"
        "服现役的由部队发给，退役当年由原部队发给、次年1月起由县里发给（条例2024第30条，2019年条例第26条）；"
        "标准为国家年度标准（2012-01-01 起各等级均有标准；推算值在参数来源中注明）",
        "paid monthly once the assessment is approved: approvals from 2024-10-01 from the month of approval (Regulations 2024 "
        "art. 27), earlier approvals from the next month (伤残抚恤管理办法 art. 23; parameter disability_pension.start); in "
        "combat / on duty grades 1–10, of illness grades 1–6 only (art. 25–34); the unit pays serving members and the year of "
        "discharge, the county from the next January (2024 art. 30; 2019 art. 26); the yearly national standard (every "
        "grade from 2012-01-01; derived figures say so in their source)",
    ),
    assumptions=(
        "年标准按月发放：年标准 ÷ 12，逐月四舍五入到分",
        "未登记批准时间（批准时间 / disability_approved）的，以评残时间为批准时间；两者都未登记的，各月均发放",
        "评残在退役之后批准的，退役当年自批准起由县里发放（第30条只说部队发给退役当年的抚恤金）",
    ),
)
def disability_pension(facts: Any, p: Any) -> Any:
    """A disabled service member receives the yearly standard of their grade and cause, paid monthly.

    条例 第25–34条: 因战 and 因公 grades 1 (worst) to 10 receive a pension,
    因病 grades 1–6 only; the pension follows the national yearly standard.
    """
    refused = _disability_check(facts) or _paid_by_unit(facts)
    if refused is not None:
        return refused
    wait = _assessed_not_yet(facts, p.start)
    if wait is not None:
        return wait
    return _disability_annual(facts, p) / 12


# -- 定期抚恤金 (第19条) ---------------------------------------------------------------


@rule(
    code="survivor_pension",
    period="monthly",
    title=("遗属定期抚恤金", "Periodic survivor pension"),
    inputs=("survivor_of", "categories", "hukou", "member_death_date", "survivor_confirmed"),
    params={**_SURVIVOR_PARAMS, "start": "start"},
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第19条", certainty="primary"),
    eligibility=(
        "烈士、因公牺牲军人、病故军人的遗属（父母、配偶无劳动能力或无生活来源，子女未满18周岁或在校，依靠其抚养的兄弟姐妹），"
        "经认定后按国家年度标准按月发放（条例第19条）；默认自军人死亡次月起（参数 survivor_pension.start）。"
        "2016-10-01 前标准按户籍分城镇、农村，此后城乡统一",
        "survivors of a martyr or of a member who died on duty or of illness (parents or spouse without work capacity or income, "
        "children under 18 or in school, dependent siblings), once found eligible, receive the national yearly standard monthly "
        "(Regulations art. 19), by default from the month after the member's death (parameter survivor_pension.start). "
        "Until 2016-09-30 the standard differs by 户籍 (urban/rural); from 2016-10-01 it is one figure",
    ),
    assumptions=(
        "第19条的条件（无劳动能力、无生活来源、未满18周岁等）无法从花名册核实：登记为烈士遗属、因公牺牲军人遗属或病故军人遗属类别，即视为已经审核认定",
        "2016-10-01 前按户籍取城镇、农村标准（户籍未登记的不计发并说明原因）",
        "同时为多名军人遗属的，只按一份计发（烈士优先于因公牺牲、病故）",
        "起发月份：军人死亡次月（参数 survivor_pension.start，来源未载明）；2024-10-01 起认定的，自认定当月起（条例2024第19条），"
        "未登记认定时间（认定时间 / survivor_confirmed）的按军人死亡次月；2024-10-01 前的认定时间不改变起发月份（旧条例未载明）",
        "年标准按月发放：年标准 ÷ 12，逐月四舍五入到分",
    ),
)
def survivor_pension(facts: Any, p: Any) -> Any:
    """定期抚恤金 for the survivors of a martyr, of a member who died on duty, or of illness.

    条例 第19条: the family of a deceased member that meets the conditions
    (parents or spouse unable to work or without income, children under 18
    or in school, dependent siblings) receives a periodic pension at the
    national standard for the member's status.
    """
    status = _survivor_status(facts)
    if isinstance(status, NotEligible):
        return status
    died = facts.member_death_date
    if died is not None:
        first = died.replace(day=1)
        if _choice(p.start, "survivor_pension.start", ("month_after_death", "death_month")) == "month_after_death":
            if facts.on <= first:
                return NotEligible("军人死亡次月起发放（死亡时间见输入）", "paid from the month after the member's death (date among the inputs)")
        elif facts.on < first:
            return NotEligible("军人死亡当月起发放（死亡时间见输入）", "paid from the month of the member's death (date among the inputs)")
    confirmed = facts.survivor_confirmed
    if confirmed is not None and confirmed >= REGULATIONS_2024_IN_FORCE and facts.on < confirmed.replace(day=1):
        return NotEligible(
            "自认定享受定期抚恤金的当月起发放（条例2024第19条；认定时间见输入）",
            "paid from the month the survivor is found eligible (Regulations 2024 art. 19; the date is among the inputs)",
        )
    annual = _survivor_annual(facts, p, status)
    if isinstance(annual, NotEligible):
        return annual
    return annual / 12


# -- 定期生活补助 (2024 第61–62条) --------------------------------------------------------


@rule(
    code="sick_returnee_allowance",
    period="monthly",
    title=("带病回乡退伍军人生活补助", "Allowance for veterans who returned home ill"),
    inputs=("categories",),
    params={
        "annual_standard": "annual_standard",
        "monthly_standard": "monthly_standard",
        "not_with_combat": "not_with_combat",
        "unit_8023": "veteran_groups.unit_8023_treated_as",
    },
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第62条", certainty="primary"),
    eligibility=(
        "登记为带病回乡退伍军人的，按国家标准按月发放定期生活补助（条例第62条）；原8023部队退役人员按参战（参试）对待"
        "（参数 veteran_groups.unit_8023_treated_as，县级可另行登记）；同时属于参战对象的只领参战补助",
        "registered 带病回乡 veterans receive the national periodic allowance monthly (Regulations art. 62); former Unit 8023 "
        "veterans are treated as 参战 (参试) (parameter veteran_groups.unit_8023_treated_as, a county may register "
        "otherwise); a person who is also a combat veteran draws the combat allowance only",
    ),
    assumptions=(
        "花名册登记的类别即为认定结果；类别无起止日期，按整个期间持有计",
        "年标准按月发放：年标准 ÷ 12，逐月四舍五入到分",
        "同时属于参战对象的不重复享受（参数 sick_returnee_allowance.not_with_combat）",
    ),
)
def sick_returnee_allowance(facts: Any, p: Any) -> Any:
    """A monthly allowance for veterans who returned home with an illness (带病回乡退伍军人).

    条例 2024 第62条 lists 带病回乡退役军人 among those receiving 定期生活补助
    at the national standard.
    """
    cats = facts.categories
    is_sick = Category.SICK_RETURNEE in cats or (Category.UNIT_8023 in cats and _unit_8023_group(p) == "sick_returnee")
    if not is_sick:
        return NotEligible("非带病回乡退伍军人", "not a veteran who returned home ill")
    if p.not_with_combat and _is_combat(facts, p):
        return NotEligible("同时属于参战（涉核）退役人员：只享受参战退役人员生活补助", "also a combat (nuclear-test) veteran: draws the combat allowance only")
    return _yearly_or_monthly(p, "annual_standard", "monthly_standard")


@rule(
    code="combat_veteran_allowance",
    period="monthly",
    title=("参战退役人员生活补助", "Allowance for combat and nuclear-test veterans"),
    inputs=("categories",),
    params={
        "annual_standard": "annual_standard",
        "monthly_standard": "monthly_standard",
        "unit_8023": "veteran_groups.unit_8023_treated_as",
    },
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第61–62条", certainty="primary"),
    eligibility=(
        "登记为参战退役人员、涉核（参试）退役人员的，按国家标准按月发放定期生活补助（条例第62条；第61条参试按参战对待）；"
        "原8023部队退役人员属参试（涉核）人员，按参战对待（国家通知“参战参试”同一标准，参数 veteran_groups.unit_8023_treated_as）",
        "registered combat veterans and nuclear-test (参试) veterans receive the national periodic allowance monthly (Regulations "
        "art. 62; art. 61 treats 参试 as 参战); former Unit 8023 veterans, who are 参试 (nuclear-test) "
        "personnel (the national notices give one 参战参试 figure; parameter veteran_groups.unit_8023_treated_as)",
    ),
    assumptions=(
        "花名册登记的类别即为认定结果；类别无起止日期，按整个期间持有计",
        "年标准按月发放：年标准 ÷ 12，逐月四舍五入到分",
    ),
)
def combat_veteran_allowance(facts: Any, p: Any) -> Any:
    """A monthly allowance for combat veterans and nuclear-test (涉核/参试) veterans.

    条例 2024 第62条 lists 参战退役军人 among those receiving 定期生活补助;
    第61条 treats those who took part in tests (参试) as 参战.
    """
    if not _is_combat(facts, p):
        return NotEligible("非参战、涉核退役人员", "not a combat or nuclear-test veteran")
    return _yearly_or_monthly(p, "annual_standard", "monthly_standard")


# -- 农村籍退役士兵老年生活补助 (民发〔2011〕110号) ---------------------------------------------


@rule(
    code="rural_veteran_old_age_allowance",
    period="monthly",
    title=("农村籍退役士兵老年生活补助", "Old-age allowance for rural ex-soldiers"),
    inputs=("hukou", "hukou_at_discharge", "urban_pension", "birth_date", "enlisted", "service_type", "conscript_service_years", "categories"),
    params=(
        "monthly_per_service_year",
        "annual_per_service_year",
        "enlisted_from",
        "enlisted_before",
        "min_age",
        "start",
        "excluded_categories",
    ),
    basis=Source(document="民政部、财政部 关于给部分农村籍退役士兵发放老年生活补助的通知", number="民发〔2011〕110号", certainty="secondary"),
    eligibility=(
        "农村户籍、1954年11月1日起至2011年《退役士兵安置条例》施行前入伍、年满60周岁、未享受其他定期抚恤补助的退役士兵，"
        "自2011-08-01起按义务兵役年限（不满一年按一年）每年每月发放（民发〔2011〕110号；条例2024第62条）；"
        "默认自60周岁生日次月起（参数 rural_veteran_old_age_allowance.start）",
        "rural-registered ex-soldiers who enlisted from 1954-11-01 until the 2011 退役士兵安置条例, aged 60 or over and not "
        "receiving another periodic 抚恤/补助, from 2011-08-01, per year of conscript service (a part-year counts as a year) "
        "per month (民发〔2011〕110号; Regulations 2024 art. 62); by default from the month after the 60th birthday "
        "(parameter rural_veteran_old_age_allowance.start)",
    ),
    assumptions=(
        "入伍时间上限取 2011-11-01（《退役士兵安置条例》施行日，资料未载明日期；参数 enlisted_before）",
        "起发月份：60周岁生日次月（参数 start，来源未载明）",
        "“未享受其他定期抚恤补助”按花名册类别判断：残疾军人、带病回乡、参战、涉核、原8023部队、在乡老复员军人及三类遗属不再发放（参数 excluded_categories）",
        "军官不属于退役士兵，不发放",
        "农村籍按退役时户籍（退役时户籍 / discharge_hukou）认定；花名册未登记退役时户籍的，按现户籍认定",
        "领取退休金或参加城镇职工基本养老保险的（领取退休金或职工养老保险 / urban_pension = 是）不发放；未登记的视为未领取",
        "义务兵役年限：登记了的按登记；义务兵（或未登记服役类型）按全部服役年限；军士未登记义务兵役年限的，1998-12-29 以后入伍的按兵役法"
        "义务兵服役期限2年为上限，此前入伍的（期限因军种而异）作缺少义务兵役年限处理，绝不按全部服役年限计",
        "年标准按月发放：每服役年年标准 × 服役年数 ÷ 12，逐月四舍五入到分",
    ),
)
def rural_veteran_old_age_allowance(facts: Any, p: Any) -> Any:
    """Rural ex-soldiers aged 60 or over: a sum per month for each year of conscript service.

    民发〔2011〕110号 (from 2011-08-01): rural-registered soldiers who enlisted
    between 1954-11-01 and the 2011 退役士兵安置条例, aged 60 or over and not
    receiving another periodic 抚恤补助, receive 10 元 per month per year of
    义务兵役, a part-year counting as a year; the standard was raised later.
    """
    at_discharge = facts.hukou_at_discharge
    if at_discharge is not None:
        if at_discharge is not Hukou.RURAL:
            return NotEligible("退役时非农村户籍", "not rural-registered at discharge")
    elif facts.hukou is not Hukou.RURAL:
        return NotEligible("非农村户籍（未登记退役时户籍，按现户籍）", "not rural-registered (户籍 at discharge not recorded: current 户籍 used)")
    if facts.urban_pension:
        return NotEligible("领取退休金或城镇职工基本养老保险：不属于发放对象", "draws a retirement pension or urban employees' pension insurance")
    enlisted = facts.enlisted
    if enlisted is None:
        return NotEligible("无服役记录", "no service record")
    if facts.service_type is ServiceType.OFFICER:
        return NotEligible("军官不属于退役士兵", "an officer is not an ex-soldier")
    # The standard before the dated conditions, so that a date with none in force (before
    # 2011-08-01) reads "no standard" rather than naming a side parameter.
    try:
        per_year, monthly = p.annual_per_service_year, False
    except ParameterNotFoundError:
        per_year, monthly = p.monthly_per_service_year, True
    # Fixed facts before dates: whoever fails on them shares one result, whatever their dates.
    cats = facts.categories
    excluded = [c for c in _category_list(str(p.excluded_categories)) if c in cats]
    if excluded:
        names = "、".join(c.label for c in excluded)
        return NotEligible(f"已享受其他定期抚恤补助（{names}）", f"already receives another periodic benefit ({', '.join(c.en for c in excluded)})")
    low = _iso_date(p.enlisted_from, "rural_veteran_old_age_allowance.enlisted_from")
    high = _iso_date(p.enlisted_before, "rural_veteran_old_age_allowance.enlisted_before")
    if not low <= enlisted < high:
        return NotEligible(
            f"入伍时间不在 {low.isoformat()} 至 {high.isoformat()}（不含）之间（入伍时间见输入）",
            f"enlisted outside {low.isoformat()} to {high.isoformat()} (exclusive; the date is among the inputs)",
        )
    min_age = int(p.min_age.value)
    birthday = facts.birth_date + relativedelta(years=min_age)
    first = birthday.replace(day=1)
    if _choice(p.start, "rural_veteran_old_age_allowance.start", ("month_after_birthday", "birthday_month")) == "month_after_birthday":
        if facts.on <= first:
            return NotEligible(f"年满{min_age}周岁的次月起发放（出生日期见输入）", f"paid from the month after turning {min_age} (birth date among the inputs)")
    elif facts.on < first:
        return NotEligible(f"年满{min_age}周岁的当月起发放（出生日期见输入）", f"paid from the month of turning {min_age} (birth date among the inputs)")
    years = facts.conscript_service_years
    if years is None:
        return NotEligible(
            "缺少义务兵役年限：1998-12-29 前入伍的军士，义务兵服役期限因军种而异，须在花名册填写义务兵役年限（不按全部服役年限计）",
            "conscript years not recorded: for a 军士 who enlisted before 1998-12-29 the conscript term depended on the arm; "
            "record 义务兵役年限 (the whole career is never counted)",
        )
    if not years:
        return NotEligible("义务兵役年限为0", "no years of conscript service")
    return per_year * years if monthly else per_year * years / 12


@lru_cache(maxsize=64)
def _category_list(text: str) -> tuple[Category, ...]:
    """The categories named in a ``、``-separated parameter value (parsed once per distinct text)."""
    return tuple(Category.parse(c, "rural_veteran_old_age_allowance.excluded_categories") for c in split_list(text))


# -- 护理费 (第34条) -------------------------------------------------------------------


@rule(
    code="nursing_allowance",
    period="monthly",
    title=("护理费", "Nursing allowance"),
    inputs=("disability_grade", "disability_cause", "disability_assessed", "disability_approved", "mental_disorder", "serving"),
    params={"rates": "rates", "start": "disability_pension.start", "wage": WAGE_PARAMETER},
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第34条", certainty="primary"),
    eligibility=(
        "退出现役、分散供养的残疾军人按当地上年度城镇单位就业人员月平均工资的比例按月发给护理费：因战、因公一至二级50%，三至四级40%；"
        "因病一至四级30%；2024-10-01起精神障碍五至六级25%（条例第34条）。月平均工资由省、县规则包以参数 "
        "wages.urban_monthly_average_prev_year 提供；未提供时结果为“缺少参数”",
        "discharged disabled veterans living at home receive a share of the local previous-year average monthly wage of urban "
        "employees: in combat / on duty grades 1–2 50%, 3–4 40%; of illness grades 1–4 30%; from 2024-10-01 grades 5–6 with a "
        "mental disorder 25% (Regulations art. 34). The wage is supplied by a provincial or county pack as parameter "
        "wages.urban_monthly_average_prev_year; without it the result is 'missing parameter'",
    ),
    assumptions=(
        "是否分散供养无法从花名册核实：登记了残疾等级且已退出现役的，视为分散供养",
        "比例在 2024 年以前各版条例相同（未核对旧文本），精神障碍25%自2024-10-01起",
        "精神障碍五至六级不分致残性质",
        "起发月份与残疾抚恤金相同：2024-10-01 起批准的自批准当月起，此前批准的按参数 disability_pension.start",
    ),
)
def nursing_allowance(facts: Any, p: Any) -> Any:
    """护理费 for severely disabled veterans who live at home.

    条例 2024 第34条: discharged disabled veterans of grades 1–4 (and, new in
    2024, grades 5–6 with a mental disorder) who are not in state care receive
    a monthly nursing allowance, a share of the local previous-year average
    monthly wage of urban employees that depends on cause and grade.
    """
    grade, cause = facts.disability_grade, facts.disability_cause
    if grade is None:
        return NotEligible("未评定残疾等级", "no disability assessed")
    if facts.serving:
        return NotEligible("仍在服现役：护理费发给退出现役的残疾军人", "still serving: the allowance is for discharged veterans")
    rates = p.rates
    rate = None
    if cause.label in rates and str(grade) in rates[cause.label]:
        rate = rates[cause.label][grade]
    elif facts.mental_disorder and "精神障碍" in rates and str(grade) in rates["精神障碍"]:
        rate = rates["精神障碍"][grade]
    if rate is None:
        return NotEligible(
            f"{cause.label}{grade}级：护理费只发给因战、因公、因病一至四级（2024-10-01起另含精神障碍五至六级）",
            f"grade {grade} {cause.en}: the allowance is for grades 1–4 (from 2024-10-01 also grades 5–6 with a mental disorder)",
        )
    wait = _assessed_not_yet(facts, p.start)
    if wait is not None:
        return wait
    return p.wage * rate


# -- 一次性抚恤金 (第15–16条) --------------------------------------------------------------


@rule(
    code="death_lump_sum",
    period="one_off",
    event="member_death_date",
    title=("一次性抚恤金", "Death lump sum"),
    inputs=("survivor_of", "member_monthly_pay", "member_awards"),
    params={"factors": "factors", "uplift": "honours.death_lump_sum_uplift", "income": INCOME_PARAMETER},
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第15–16条", certainty="primary"),
    eligibility=(
        "军人牺牲或病故时，向其遗属发给一次性抚恤金，在军人死亡日所在期间计发：烈士、因公牺牲 = 上一年度全国城镇居民人均可支配收入 × 20 + 本人40个月基本工资；"
        "病故 = 收入 × 2 + 40个月基本工资；生前获得荣誉或立功的，按最高一项增发（2024-10-01 前后按当时条例的比例）（条例第15–16条）。"
        "全国收入数额为国家统计局公布的上一年度数字（参数 statistics.national_urban_disposable_income_prev_year，规则包可覆盖）；军人月基本工资取自记录 member_monthly_pay，"
        "未提供则不计算；月基本工资低于少尉标准的按少尉标准计，本规则不作此调整（须在记录中填写调整后的工资）",
        "on the death of a service member their survivors receive a lump sum, paid in the period of the death: martyr or died on "
        "duty = 20 × the previous year's national urban per-capita disposable income + 40 months of the member's basic pay; died of "
        "illness = 2 × income + 40 months' pay; raised by the highest honour held (the 2019 or 2024 table by date of death, "
        "parameter honours.death_lump_sum_uplift) (Regulations art. 15–16). The income figure is the national statistic of the "
        "previous year (parameter statistics.national_urban_disposable_income_prev_year, which a pack may override); the pay comes from the record (member_monthly_pay) and without it "
        "nothing is computed; pay below a 少尉's is raised to the 少尉 rate by the regulation, which this rule does not do "
        "(record the adjusted pay)",
    ),
    assumptions=(
        "一次性抚恤金按每名军人一笔：同一军人的多名遗属在花名册上的，由经办机构只在一名遗属记录上填写军人死亡信息",
        "2019 年文本第15条倍数未核对，按 2024 年文本相同处理",
        "增发比例表未列的荣誉（如嘉奖、优秀士兵）不增发",
    ),
)
def death_lump_sum(facts: Any, p: Any) -> Any:
    """一次性抚恤金 paid to a deceased member's survivors.

    条例 2024 第15条: for a martyr or a member who died on duty, 20 times the
    previous year's national urban per-capita disposable income plus 40 months
    of the member's basic pay; for death of illness 2 times that income plus 40
    months' pay. 第16条: a member who held honours or merits gets the lump sum
    raised by the percentage of the highest one only.
    """
    status = facts.survivor_of
    if status not in _SURVIVOR_CATEGORY:
        shown = "未登记" if status is None else status.label
        return NotEligible(f"军人状态为{shown}：只有烈士、因公牺牲、病故有一次性抚恤金", f"member status {status.en if status else 'not recorded'}: no death lump sum")
    pay = facts.member_monthly_pay
    if pay is None:
        return NotEligible(
            "缺少军人月基本工资（member_monthly_pay / 军人月基本工资）：无法计算40个月基本工资",
            "the member's monthly basic pay (member_monthly_pay) is not recorded: 40 months' pay cannot be computed",
        )
    factors = p.factors[status.label]
    uplift_table = p.uplift
    best: Any = None
    for award in facts.member_awards:
        if award.level.label in uplift_table:
            rate = uplift_table[award.level.label]
            if best is None or rate > best:
                best = rate
    pay_q = Q(pay)
    base = factors["income"] * p.income + factors["pay_months"] * pay_q
    if best is None:
        return base
    return base * (1 + best)


# -- 丧葬补助 (第22、32条) ---------------------------------------------------------------


@rule(
    code="funeral_grant",
    period="one_off",
    event="death_date",
    title=("丧葬补助", "Funeral grant"),
    inputs=(
        "survivor_of",
        "categories",
        "hukou",
        "disability_grade",
        "disability_cause",
        "disability_paid_monthly",
        "survivor_pension_paid_monthly",
        "serving",
        "extra.death_cause",
        "extra.死亡原因",
    ),
    params={
        **_SURVIVOR_PARAMS,
        "annual_standard": "disability_pension.annual_standard",
        "survivor_months": "survivor_months",
        "disabled_months": "disabled_months",
    },
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第22条、第32条", certainty="primary"),
    eligibility=(
        "享受定期抚恤金的遗属死亡，增发6个月其原享受的定期抚恤金（条例第22条）；退出现役的残疾军人病故，增发12个月其原享受的残疾抚恤金"
        "（条例第32条）；同时享受两项的，两项都发；在死亡日所在期间计发。花名册载有实际月发放额（含地方提标：定期抚恤金月发放额、"
        "残疾抚恤金月发放额）的按实际发放额，否则按死亡当日有效的国家年标准 ÷ 12（四舍五入到分）",
        "when a recipient of the periodic survivor pension dies, 6 more months of the pension they drew (Regulations art. 22); "
        "when a discharged disabled veteran dies of illness, 12 months of the disability pension they drew (art. 32); a person "
        "who drew both gets both; paid in the period of the death. Where the roster records the monthly amount actually paid "
        "(local increases included) that amount is used, else the national yearly standard in force that day ÷ 12 (rounded "
        "half up to the 分)",
    ),
    assumptions=(
        "未载实际月发放额时，月标准 = 死亡当日有效的国家年标准 ÷ 12，四舍五入到分，再乘以月数",
        "记录未载死亡原因时（附加列 death_cause / 死亡原因），残疾军人的死亡按病故处理；载明其他原因的不发本项",
        "无服役记录的残疾军人视为已退出现役",
    ),
)
def funeral_grant(facts: Any, p: Any) -> Any:
    """丧葬补助 on the death of a pension recipient: each pension held continues for its months.

    条例 2024 第22条: when a survivor receiving the periodic pension dies, six
    more months of the pension they drew are paid as a funeral grant; 第32条:
    a discharged disabled veteran who dies of illness, twelve months of the
    disability pension they drew.  A person who held both receives both.
    """
    parts: list[Q] = []
    reasons: list[tuple[str, str]] = []
    missing: ParameterNotFoundError | None = None

    # 12 months of 残疾抚恤金 for a discharged disabled veteran who died of illness.
    if facts.disability_grade is not None:
        cause = facts.get("extra.death_cause") or facts.get("extra.死亡原因")
        if facts.serving:
            reasons.append(("死亡时仍在服现役", "still serving at death"))
        elif cause is not None and str(cause).strip() not in _ILLNESS_WORDS:
            reasons.append((f"死亡原因为“{cause}”：残疾军人加发12个月只适用于病故", f"cause of death '{cause}': the 12 months are for death of illness"))
        elif (refused := _disability_check(facts)) is not None:
            reasons.append((refused.reason, refused.reason_en))
        elif facts.disability_paid_monthly is not None:
            parts.append(Q(facts.disability_paid_monthly) * p.disabled_months)
        else:
            try:
                parts.append(_monthly_share(_disability_annual(facts, p)) * p.disabled_months)
            except ParameterNotFoundError as e:
                missing = e
    else:
        reasons.append(("未评定残疾等级", "no disability assessed"))

    # 6 months of 定期抚恤金 for a survivor who drew it.
    status = _survivor_status(facts)
    if isinstance(status, NotEligible):
        reasons.append((status.reason, status.reason_en))
    elif facts.survivor_pension_paid_monthly is not None:
        parts.append(Q(facts.survivor_pension_paid_monthly) * p.survivor_months)
    else:
        try:
            annual = _survivor_annual(facts, p, status)
        except ParameterNotFoundError as e:
            missing, annual = e, None
        if isinstance(annual, NotEligible):
            reasons.append((annual.reason, annual.reason_en))
        elif annual is not None:
            parts.append(_monthly_share(annual) * p.survivor_months)

    # Fail closed: a part without a standard leaves the sum unknown.
    if missing is not None:
        raise missing
    if parts:
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total
    return NotEligible("；".join(r[0] for r in reasons), "; ".join(r[1] for r in reasons))


# -- 在乡复员军人定期定量补助 (2024 第62条) ---------------------------------------------------

#: 在乡复员军人 enlisted on or before this day (条例 2024 第62条: 1954年10月31日之前入伍).
DEMOBILISED_ENLISTED_BY = date(1954, 10, 31)
#: Enlistment periods as the national central subsidy splits them (national-standards §3).
_DEMOBILISED_PERIODS = ((date(1945, 9, 2), "抗日战争时期"), (date(1949, 9, 30), "解放战争时期"), (DEMOBILISED_ENLISTED_BY, "新中国成立后"))


def _demobilised_period(enlisted: date) -> str:
    for last, label in _DEMOBILISED_PERIODS:
        if enlisted <= last:
            return label
    raise ValueError("enlisted after 1954-10-31")  # callers check the date first


@rule(
    code="old_demobilised_subsidy",
    period="monthly",
    title=("在乡复员军人定期定量补助", "Periodic allowance for demobilised veterans in the countryside"),
    inputs=("categories", "enlisted"),
    params=("annual_level",),
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第62条", certainty="primary"),
    eligibility=(
        "1954年10月31日之前入伍、后经批准从部队复员的在乡复员军人，按月发放定期定量补助（条例2024第62条）。"
        "国家通知只规定每年的增加额和中央财政补助标准（参数 old_demobilised_subsidy.national_increase / central_subsidy），"
        "补助水平由省级确定（“不低于”）：须由规则包以参数 old_demobilised_subsidy.annual_level（元/年；可按入伍时期"
        "抗日战争时期 / 解放战争时期 / 新中国成立后 分列）提供，未提供时结果为“缺少参数”，不作推测",
        "veterans who enlisted on or before 1954-10-31 and were demobilised home receive a monthly periodic allowance "
        "(Regulations 2024 art. 62). The national notices set only the yearly increase and the central subsidy (parameters "
        "old_demobilised_subsidy.national_increase / central_subsidy); the level is provincial: a pack must supply "
        "old_demobilised_subsidy.annual_level (元/年, optionally by enlistment period 抗日战争时期 / 解放战争时期 / 新中国成立后); "
        "without it the result is 'missing parameter', never a guess",
    ),
    assumptions=(
        "花名册登记的在乡老复员军人类别即为认定结果；未登记入伍时间的不核对入伍日期",
        "年标准按月发放：年标准 ÷ 12，逐月四舍五入到分",
    ),
)
def old_demobilised_subsidy(facts: Any, p: Any) -> Any:
    """在乡复员军人 (enlisted by 1954-10-31, demobilised home) receive the provincial level of 定期定量补助."""
    if Category.DEMOBILISED_VETERAN not in facts.categories:
        return NotEligible("类别不含在乡老复员军人", "category 在乡老复员军人 not held")
    enlisted = facts.enlisted
    if enlisted is not None and enlisted > DEMOBILISED_ENLISTED_BY:
        return NotEligible(
            "入伍时间晚于1954年10月31日：不属于在乡复员军人（条例2024第62条；入伍时间见输入）",
            "enlisted after 1954-10-31: not a demobilised veteran (Regulations 2024 art. 62; the date is among the inputs)",
        )
    level = p.annual_level
    if isinstance(level, Q):
        return level / 12
    if enlisted is None:
        return NotEligible("未登记入伍时间：补助水平按入伍时期分列", "enlistment date missing: the level differs by enlistment period")
    period = _demobilised_period(enlisted)
    if period not in level:
        raise _no_standard("old_demobilised_subsidy.annual_level", f"no level for {period}")
    return level[period] / 12


# -- 烈士子女定期生活补助 (2024 第62条) -------------------------------------------------------


@rule(
    code="martyr_child_allowance",
    period="monthly",
    title=("烈士子女定期生活补助", "Periodic allowance for martyrs' children aged 60 or over"),
    inputs=("categories", "birth_date"),
    params=("annual",),
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第62条", certainty="primary"),
    eligibility=(
        "年满60周岁、在农村或城镇无工作单位且18周岁前没有享受定期抚恤金待遇的烈士子女，自年满60周岁的次月起按国家标准按月发放"
        "定期生活补助（2011-07-01 起，民政部、财政部通知；条例2024第62条）；已登记为烈士遗属（领取定期抚恤金）的不发",
        "martyrs' children aged 60 or over, living in the countryside or without an urban employer, who drew no periodic "
        "survivor pension before 18, receive the national allowance monthly from the month after turning 60 (from 2011-07-01; "
        "Regulations 2024 art. 62); a person registered as 烈士遗属 (drawing the survivor pension) does not",
    ),
    assumptions=(
        "花名册登记的烈士子女类别即为认定结果（居住、就业和18岁前未享受定期抚恤金的条件无法从花名册核实）",
        "起发月份：年满60周岁的次月（与农村籍退役士兵老年生活补助的默认相同，来源未载明）",
        "年标准按月发放：年标准 ÷ 12，逐月四舍五入到分",
    ),
)
def martyr_child_allowance(facts: Any, p: Any) -> Any:
    """烈士子女 aged 60 or over receive the national periodic allowance."""
    cats = facts.categories
    if Category.MARTYR_CHILD not in cats:
        return NotEligible("类别不含烈士子女", "category 烈士子女 not held")
    if Category.MARTYR_SURVIVOR in cats:
        return NotEligible("已登记为烈士遗属（享受定期抚恤金）：不再发放烈士子女生活补助", "registered as 烈士遗属 (draws the survivor pension)")
    standard = p.annual
    if facts.on <= (facts.birth_date + relativedelta(years=60)).replace(day=1):
        return NotEligible("年满60周岁的次月起发放（出生日期见输入）", "paid from the month after turning 60 (birth date among the inputs)")
    return standard / 12


# -- 烈士褒扬金 (2024 第15条; 烈士褒扬条例) ---------------------------------------------------


@rule(
    code="martyr_honour_grant",
    period="one_off",
    event="member_death_date",
    title=("烈士褒扬金", "Martyr commendation grant"),
    inputs=("survivor_of",),
    params={"multiple": "income_multiple", "income": INCOME_PARAMETER},
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第15条", certainty="primary"),
    eligibility=(
        "军人被评定为烈士的，向其遗属发给烈士褒扬金 = 烈士牺牲时上一年度全国城镇居民人均可支配收入 × 30，在牺牲日所在期间计发"
        "（条例2024第15条；2011-08-01 至 2024-09-30 按《烈士褒扬条例》国务院令第601号第12条，同为30倍；此前无此项）",
        "when a service member is recognised as a martyr their survivors receive the martyr commendation grant = 30 × the "
        "previous year's national urban per-capita disposable income at the death, paid in the period of the death "
        "(Regulations 2024 art. 15; from 2011-08-01 to 2024-09-30 the 烈士褒扬条例 (State Council order 601) art. 12, also 30 ×; "
        "nothing before)",
    ),
    assumptions=(
        "烈士褒扬金按每名烈士一笔：同一烈士的多名遗属在花名册上的，由经办机构只在一名遗属记录上填写牺牲时间",
        "上一年度 = 牺牲日所在年份的前一年（参数 statistics.national_urban_disposable_income_prev_year 每年1月1日起换用）",
    ),
)
def martyr_honour_grant(facts: Any, p: Any) -> Any:
    """烈士褒扬金: 30 × the previous year's national urban per-capita disposable income."""
    if facts.survivor_of is not MemberStatus.MARTYR:
        shown = "未登记" if facts.survivor_of is None else facts.survivor_of.label
        return NotEligible(f"军人状态为{shown}：烈士褒扬金只发给烈士遗属", "the member is not a martyr: no commendation grant")
    return p.multiple * p.income


# -- 参战退役军人去世后继续发放6个月 (2024 第62条第2款) -------------------------------------------


@rule(
    code="combat_veteran_death_allowance",
    period="one_off",
    event="death_date",
    title=("参战退役军人去世后继续发放的定期生活补助", "Allowance continued after a combat veteran's death"),
    inputs=("categories", "allowance_paid_monthly"),
    params={
        "months": "months",
        "annual_standard": "combat_veteran_allowance.annual_standard",
        "unit_8023": "veteran_groups.unit_8023_treated_as",
    },
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第62条第2款", certainty="primary"),
    eligibility=(
        "享受定期生活补助的参战退役军人（含涉核/参试；原8023部队按参战对待时）2024-10-01 起去世的，继续发放6个月其生前享受的定期生活补助，"
        "在死亡日所在期间一次计发（条例2024第62条第2款）；花名册载有定期生活补助月发放额（含地方提标）的按该额，否则按死亡当日国家年标准 ÷ 12"
        "（四舍五入到分）；2024-10-01 前去世的，旧条例无此规定",
        "when a combat veteran drawing the periodic allowance (nuclear-test / 参试 included; Unit 8023 where treated as combat) "
        "dies on or after 2024-10-01, the allowance continues for six months, paid at once in the period of the death "
        "(Regulations 2024 art. 62 para. 2): the monthly amount actually paid where the roster records it (local increases "
        "included), else the national yearly standard in force that day ÷ 12 (rounded half up to the 分); no such payment "
        "for deaths before 2024-10-01",
    ),
    assumptions=("花名册登记的参战类别即为生前享受定期生活补助",),
)
def combat_veteran_death_allowance(facts: Any, p: Any) -> Any:
    """Six more months of the 定期生活补助 after a 参战退役军人's death (2024 第62条第2款)."""
    if not _is_combat(facts, p):
        return NotEligible("非参战、涉核退役人员", "not a combat or nuclear-test veteran")
    if facts.on < REGULATIONS_2024_IN_FORCE:
        return NotEligible("2024-10-01 前去世：旧条例无去世后继续发放的规定", "died before 2024-10-01: the earlier texts have no continued payment")
    paid = facts.allowance_paid_monthly
    monthly = Q(paid) if paid is not None else _monthly_share(p.annual_standard)
    return monthly * p.months


ALL = [
    disability_pension,
    survivor_pension,
    sick_returnee_allowance,
    combat_veteran_allowance,
    rural_veteran_old_age_allowance,
    nursing_allowance,
    death_lump_sum,
    funeral_grant,
    old_demobilised_subsidy,
    martyr_child_allowance,
    martyr_honour_grant,
    combat_veteran_death_allowance,
]
