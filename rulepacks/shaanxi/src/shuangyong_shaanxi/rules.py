"""陕西 rules: 太白县 (610331) in-kind 优待 and the provincial 一次性经济补助 (610000).

太白县's 2014 plan for the provincial 双拥模范县 title (seed 002 范文3)
lists the county's non-cash 优待 (三(二)4(2)): 残疾军人免费乘坐县内公交车;
现役军人按规定减免文物、旅游景点参观费用; 路、桥、停车场对执行公务的军车免收
通行费和停车费; and (三(二)3(6)) "军人优先" windows in public services.
Each per-person measure is an in-kind rule returning :class:`sy.InKind`
(never money, never in totals).  The military-vehicle exemption belongs to
vehicles on duty, not to a person: it is listed in :data:`NOT_PER_PERSON`
and the README, and deliberately not registered as a rule.

The provincial 一次性经济补助 formula (secondary) needs the province's
previous-year incomes and the 年退役金, which the sources do not give: the
adopting office registers them, otherwise the result is a missing parameter.
"""

from __future__ import annotations

from typing import Any

import shuangyong as sy

__all__ = [
    "SHAANXI",
    "TAIBAI",
    "ALL_TAIBAI",
    "ALL_PROVINCE",
    "NOT_PER_PERSON",
    "free_county_bus",
    "scenic_fee_waiver",
    "military_priority_service",
    "discharge_grant",
]

#: 陕西省 and 太白县 (GB/T 2260).
SHAANXI = "610000"
TAIBAI = "610331"

_PLAN = "太白县创建省级双拥模范县实施方案（2014年，seed 002 范文3；转载中县名作“__县”）"
_PLAN_NOTE = "county identified as 太白 by '太白山旅游区管委会' among the responsible units (inferred)"

TAIBAI_BENEFITS = sy.Basis(document=_PLAN, number="number not confirmed", article="三(二)4(2) 落实军人优待政策", certainty="secondary", note=_PLAN_NOTE)
TAIBAI_PRIORITY = sy.Basis(document=_PLAN, number="number not confirmed", article="三(二)3(6) 地方为部队要办的七项实事", certainty="secondary", note=_PLAN_NOTE)
SHAANXI_GRANT = sy.Basis(
    document="陕西省自主就业退役士兵一次性经济补助标准（公开转述，原文件未见）",
    number="number not confirmed",
    certainty="secondary",
    note="policy-facts §4; 义务兵 part also in http://xa.bendibao.com/live/2016126/59473.shtm",
)

#: Measures of the plan that are not a person's entitlement, kept on record here and in the README.
NOT_PER_PERSON: tuple[dict[str, str], ...] = (
    {
        "zh": "路、桥、停车场对执行公务的军车免收通行费和停车费",
        "en": "roads, bridges and car parks charge no toll or parking fee for military vehicles on duty",
        "basis": f"{_PLAN} 三(二)4(2)",
        "why": "the exemption attaches to a military vehicle on official duty, not to a serving member or family; "
        "a serving member driving a private car gets nothing from it, so no per-person rule is registered",
    },
)

_IN_KIND_ASSUMPTIONS = (
    "起始日按实施方案“全面实施阶段”开始日2014-06-11计；此前是否已实行，来源未说明（参数 provided）",
)


def _is_serving_member(facts: Any) -> bool:
    # 军人 in the plan read as 现役军人: the category, or a service record that is open on the date.
    return facts.has(sy.Category.SERVING_MEMBER) or bool(facts.serving)


@sy.rule(
    code="free_county_bus",
    period="monthly",
    title=("残疾军人免费乘坐县内公交车", "Free county buses for disabled service members"),
    inputs=("categories", "disability_grade"),
    params=("provided",),
    basis=TAIBAI_BENEFITS,
    eligibility=(
        "残疾军人（类别为残疾军人或有评残记录）；按月列示，非现金",
        "disabled service members (category 残疾军人 or a recorded disability grade); listed per month, in kind",
    ),
    assumptions=_IN_KIND_ASSUMPTIONS,
)
def free_county_bus(facts: Any, p: Any) -> Any:
    """Disabled service members ride the county's buses free of charge."""
    if not (facts.has(sy.Category.DISABLED_VETERAN) or facts.disability_grade is not None):
        return sy.NotEligible("不是残疾军人", "not a disabled service member")
    if not p.provided:
        return sy.NotEligible("本县未提供此项优待", "the county does not provide this")
    return sy.InKind("免费乘坐县内公交车", "free rides on buses within the county")


@sy.rule(
    code="scenic_fee_waiver",
    period="monthly",
    title=("现役军人减免景点门票", "Reduced or waived admission to sites for serving members"),
    inputs=("categories", "serving"),
    params=("provided",),
    basis=TAIBAI_BENEFITS,
    eligibility=(
        "现役军人（类别为现役军人，或服役记录显示当月在役）；“按规定减免”：减免幅度依各景点规定",
        "serving members (category 现役军人, or in service on the month's first day); "
        "'reduced or waived as regulated': the extent follows each site's rules",
    ),
    assumptions=(*_IN_KIND_ASSUMPTIONS, "“现役军人”按类别或服役记录认定；军属不在此列（方案只写现役军人）"),
)
def scenic_fee_waiver(facts: Any, p: Any) -> Any:
    """Serving members pay reduced or no admission at heritage sites and scenic spots, as regulated."""
    if not _is_serving_member(facts):
        return sy.NotEligible("不是现役军人", "not a serving member")
    if not p.provided:
        return sy.NotEligible("本县未提供此项优待", "the county does not provide this")
    return sy.InKind(
        "按规定减免文物、旅游景点参观费用",
        "admission to heritage sites and scenic spots reduced or waived as regulated",
    )


@sy.rule(
    code="military_priority_service",
    period="monthly",
    title=("“军人优先”服务", "'Service members first' counters"),
    inputs=("categories", "serving"),
    params=("provided",),
    basis=TAIBAI_PRIORITY,
    eligibility=(
        "现役军人：车站、医院、旅游景点等公共服务场所的“军人优先”“军人窗口”",
        "serving members: 'service members first' counters at stations, hospitals, scenic spots and other public services",
    ),
    assumptions=(*_IN_KIND_ASSUMPTIONS, "方案写“军人”，按法律通常含义理解为现役军人；残疾军人、退役军人是否适用由窗口单位规定"),
)
def military_priority_service(facts: Any, p: Any) -> Any:
    """Serving members are served first at the "军人优先" counters of public services."""
    if not _is_serving_member(facts):
        return sy.NotEligible("不是现役军人", "not a serving member")
    if not p.provided:
        return sy.NotEligible("本县未提供此项优待", "the county does not provide this")
    return sy.InKind("车站、医院、旅游景点等“军人优先”窗口优先办理", "served first at 'service members first' counters (stations, hospitals, scenic spots)")


@sy.rule(
    code="discharge_grant",
    period="one_off",
    event="discharged",
    title=("自主就业退役士兵一次性经济补助", "One-off grant for self-employed discharged soldiers"),
    inputs=("categories", "service_type", "service_years_half", "awards"),
    params=("urban_income", "rural_income", "annual_retirement_pay", "conscript_factor", "nco_extra_year_rate", "award_uplift"),
    basis=SHAANXI_GRANT,
    eligibility=(
        "自主就业的退役义务兵、士官（类别“退役士兵”），退役时一次性发放；收入取退役时上一年度本省数据",
        "self-employed discharged conscripts and NCOs (category 退役士兵), paid once on discharge; "
        "incomes are the province's figures for the year before discharge",
    ),
    assumptions=(
        "名册中类别为“退役士兵”者即自主就业（安排工作者不应标此类别）",
        "义务兵不论实际服役时间均按 × 2 计（公式无服役年限项）",
        "士官：两年之外每多服役一年加义务兵补助的5%；服役年限满6个月按1年计（同退役军人安置条例第21条的计法）",
        "立功增发按士官调整后的金额计算，多次立功只取最高一项；一等功以上的荣誉来源未列，不增发",
        "城乡收入与年退役金须由本地提供（参数 discharge_grant.urban_income 等），按退役日期取值",
    ),
)
def discharge_grant(facts: Any, p: Any) -> Any:
    """A self-employed discharged conscript receives twice the gap between the average
    of the province's urban and rural incomes and the army's yearly 退役金; NCOs get
    5% more per year beyond two; merit adds 15/10/5%."""
    if not facts.has(sy.Category.DISCHARGED_SOLDIER):
        return sy.NotEligible("不是自主就业退役士兵", "not a self-employed discharged soldier")
    kind = facts.service_type
    if kind not in (sy.ServiceType.CONSCRIPT, sy.ServiceType.NCO):
        return sy.NotEligible("只发给退役义务兵和士官", "paid to discharged conscripts and NCOs only")
    grant = ((p.urban_income + p.rural_income) / 2 - p.annual_retirement_pay) * p.conscript_factor
    if kind is sy.ServiceType.NCO and facts.service_years_half > 2:
        grant = grant * (1 + p.nco_extra_year_rate * (facts.service_years_half - 2))
    held = [a for a in facts.awards if a.date is None or a.date <= facts.on]
    if held:
        table = p.award_uplift
        rates = [table[a.level] for a in sorted(held, key=lambda a: a.rank) if a.level in table]
        if rates:
            grant = grant * (1 + max(rates, key=lambda r: r.value))
    return grant


#: Rules registered for 太白县 and for the whole province.
ALL_TAIBAI = [free_county_bus, scenic_fee_waiver, military_priority_service]
ALL_PROVINCE = [discharge_grant]
