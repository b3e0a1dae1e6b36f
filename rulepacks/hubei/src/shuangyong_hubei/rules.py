"""来凤县 (422827) rules, in the order of the county's report (seed 002, 范文5).

The report, a county work summary covering about 2010–2012, says (quoted):

    老复员军人定补费提高到525元；农村现役军人现金优待标准达到了每人每年4058元，
    城镇达每人每年7343元。……对在部队立功受奖的现役军人，按立功等级分别给予
    5000元、2000元、1000元、500元的奖励……对自主就业的退役士兵，严格按
    鄂民政发〔2012〕98号文件规定给予一次性经济补助。

It gives no effective dates, no unit for the 525 元 and no mapping of the
four award amounts to levels; each gap is a parameter or an assumption
stated on the rule (and in the README).  Figures live in ``parameters/``.
"""

from __future__ import annotations

from typing import Any

import shuangyong as sy
from shuangyong.national.conscripts import instalments_due, self_employed_discharged_soldier

__all__ = ["old_demobilised_allowance", "conscript_family_allowance", "award_bonus", "discharge_grant", "ALL"]

LAIFENG_REPORT = sy.Basis(
    document="来凤县双拥工作情况汇报（“双拥工作总结范文”合集 范文5）",
    certainty="secondary",
    note="seed 002; a county work report of about 2013 covering 2010–2012, reposted; no document number, no effective dates",
)

HUBEI_GRANT = sy.Basis(
    document="湖北省 自主就业退役士兵一次性经济补助标准（公开转载）",
    number="document number not confirmed",
    certainty="secondary",
    note="来凤 pays 'per 鄂民政发〔2012〕98号' (seed 002 范文5); that the 4,500 / 9,000 formula is that document's is not confirmed",
)

# The national rule for 优待金 instalments: one per six months served, a part counting as six months.


# -- 1. 老复员军人定补 ----------------------------------------------------------------


@sy.rule(
    code="old_demobilised_allowance",
    period="monthly",
    title=("在乡老复员军人定期定量补助", "Allowance for demobilised veterans in the countryside"),
    inputs=("categories",),
    params=("monthly_standard",),
    basis=LAIFENG_REPORT,
    eligibility=(
        "类别为在乡老复员军人者按月发放，至去世当月止（来凤县汇报：定补费提高到525元）",
        "monthly for holders of the category 在乡老复员军人, up to the month of death (来凤 report: raised to 525 元)",
    ),
    assumptions=(
        "汇报只写“定补费提高到525元”，未写期间：按每人每月525元计（须核实）",
        "汇报未写执行日期：假定自2012-01-01起执行",
    ),
)
def old_demobilised_allowance(facts: Any, p: Any) -> Any:
    """在乡老复员军人 receive the county's 定期定量补助 each month."""
    if not facts.has(sy.Category.DEMOBILISED_VETERAN):
        return sy.NotEligible("类别不含在乡老复员军人", "category 在乡老复员军人 not held")
    return p.monthly_standard


# -- 2. 现役军人（义务兵）家庭现金优待 ------------------------------------------------------


@sy.rule(
    code="conscript_family_allowance",
    period="yearly",
    title=("义务兵家庭优待金", "Conscript family allowance"),
    inputs=("categories", "service_type", "enlisted", "discharged", "hukou"),
    params=("annual_standard", "max_months"),
    basis=LAIFENG_REPORT,
    eligibility=(
        "义务兵家属（类别含义务兵家属或现役军人家属，记录载有该义务兵的入伍、退役时间）；"
        "按服役每满6个月发放半年标准（不满6个月按6个月计），最多24个月；"
        "某年应发 = 年标准 × 当年开始的半年期数 ÷ 2；标准按家庭户籍分农村、城镇（2023年起城乡统一）",
        "the family of a conscript (category 义务兵家属 or 现役军人家属; the record carries the conscript's "
        "enlistment and discharge dates); half the yearly standard for each six months served (a part counts "
        "as six months), at most 24 months; a year pays the standard × the half-years beginning in it ÷ 2; "
        "rural and urban families have different standards until 2022; from 2023 one standard for both (城乡统一)",
    ),
    assumptions=(
        "汇报未写执行日期：标准假定自2012-01-01起执行",
        "按半年期计发是2023年国家政策解读的规则；来凤2012年标准按年表述，此处同样按半年期计，服役满2年合计恰为2年标准",
        "户籍取家庭（受领人）记录的户籍",
        "2023年起国家政策城乡统一标准（2023-02-21 政策解读）：来凤2012年的城乡分列标准不再沿用；县里的统一标准来源未载，"
        "2023年起无现行标准，须由县里登记一个统一数额（不分农村、城镇）",
    ),
)
def conscript_family_allowance(facts: Any, p: Any) -> Any:
    """A conscript's family receives the yearly cash 优待, rural or urban, for the half-years served."""
    n = instalments_due(facts, int(p.max_months.value))
    if isinstance(n, sy.NotEligible):
        return n
    standard = p.annual_standard
    if isinstance(standard, sy.Q):
        # 城乡统一 (2023 national policy): one figure whatever the family's 户籍.
        return standard if n == 2 else standard / 2
    if facts.hukou is None:
        return sy.NotEligible("未登记户籍：来凤县农村、城镇标准不同", "hukou missing: 来凤 has separate rural and urban standards")
    standard = standard[facts.hukou]
    return standard if n == 2 else standard / 2


# -- 3. 立功受奖奖励 ---------------------------------------------------------------------


@sy.rule(
    code="award_bonus",
    period="one_off",
    event="awards",
    title=("立功受奖奖励", "Bonus for merit awards"),
    inputs=("serving",),
    params=("amount_by_level", "equivalent_level"),
    basis=LAIFENG_REPORT,
    eligibility=(
        "在部队立功受奖的现役军人（记录载有军人的服役记录和带日期的立功受奖），于立功受奖之日一次发放",
        "a serving member awarded in the army (the record carries the member's service and dated awards), paid once on the award date",
    ),
    assumptions=(
        "汇报只写“按立功等级分别给予5000元、2000元、1000元、500元”：假定一等功5000、二等功2000、三等功1000、嘉奖或优秀士兵500",
        "高于一等功的荣誉和战功按参数 equivalent_level 折算（勋章、称号、一等战功、二等战功按一等功，三等战功按二等功，四等战功按三等功）",
        "立功受奖须记录日期；无日期的不能确定发放期间，不计发",
    ),
)
def award_bonus(facts: Any, p: Any) -> Any:
    """A serving member who wins a merit or commendation receives a bonus by level."""
    level = facts.event.level.label
    if not facts.serving:
        return sy.NotEligible(f"{level}授予之日不在现役（或未登记服役记录）", f"not serving on the date of the {facts.event.level.en}")
    amounts = p.amount_by_level
    if level in amounts:
        return amounts[level]
    equivalents = p.equivalent_level
    if level in equivalents:
        return amounts[equivalents[level]]
    return sy.NotEligible(f"{level}不在来凤县奖励等级之内", f"{facts.event.level.en} is not among 来凤's award levels")


# -- 4. 自主就业退役士兵一次性经济补助 ----------------------------------------------------------


@sy.rule(
    code="discharge_grant",
    period="one_off",
    event="discharged",
    title=("自主就业退役士兵一次性经济补助", "One-off grant for self-employed discharged soldiers"),
    inputs=("categories", "service_type", "service_years", "service_years_up", "service_years_half"),
    params=("conscript_per_year", "nco_base", "nco_step", "nco_base_years", "year_rounding"),
    basis=HUBEI_GRANT,
    eligibility=(
        "自主就业的退役士兵（类别含退役士兵；军官不在此列），退役之日一次发放；"
        "义务兵 4,500 元 × 服役年限；士官（军士）9,000 × [1 + (年限 − 2) × 20%]",
        "self-employed discharged soldiers (category 退役士兵; officers excluded), paid once on discharge; "
        "conscripts 4,500 × years; NCOs 9,000 × [1 + (years − 2) × 20%]",
    ),
    assumptions=(
        "公式的文件号未经核实；假定自2011-11-01（《退役士兵安置条例》施行、自主就业制度开始）起适用于来凤",
        "服役年限的零头按参数 year_rounding 计（默认 half：满6个月计1年，参照《退役军人安置条例》第21条）",
        "类别“退役士兵”视为自主就业；安排工作的退役士兵不应登记此类别",
    ),
)
def discharge_grant(facts: Any, p: Any) -> Any:
    """A self-employed discharged soldier receives a one-off grant by service type and years."""
    refused = self_employed_discharged_soldier(facts)
    if refused is not None:
        return refused
    kind = facts.service_type
    rounding = p.year_rounding
    years = {"down": facts.service_years, "up": facts.service_years_up, "half": facts.service_years_half}[rounding]
    if years == 0:
        return sy.NotEligible(f"服役年限按 {rounding} 计为0年：公式无此情形", f"service counts as 0 years ({rounding}): the formula has no such case")
    if kind is sy.ServiceType.CONSCRIPT:
        return p.conscript_per_year * years
    return p.nco_base * (1 + (sy.q(years) - p.nco_base_years) * p.nco_step)


ALL = [old_demobilised_allowance, conscript_family_allowance, award_bonus, discharge_grant]
