"""吴江区 (320509) rules, in the order of 吴退役军人〔2025〕9号 (as reported, secondary).

The notice, as the 吴江区 government website summarises it (2025-03):

* 义务兵家庭优待金 = 本区上年度城镇居民人均可支配收入 × 45%; 2024 income
  86,702 → 2025 standard 39,016 (86,702 × 45% = 39,015.9, so rounded to the
  元; half up and up both give it — half up is assumed);
* 定向征集到西藏、新疆 → 当年优待金增发 300% / 200%;
* paid for two years, every half year; less than half a year served → half
  of the year's 优待金.

自主就业退役士兵一次性经济补助 = 1.5 × the same income (江苏, secondary, the
document not identified).  Figures live in ``parameters/``.
"""

from __future__ import annotations

from typing import Any

import shuangyong as sy
from shuangyong.national.conscripts import instalment_amount, instalments_due, self_employed_discharged_soldier

__all__ = ["conscript_family_allowance", "discharge_grant", "ALL"]

WUJIANG_2025 = sy.Basis(
    document="《关于调整义务兵等人员家庭优待金和奖励金标准的通知》",
    number="吴退役军人〔2025〕9号",
    certainty="secondary",
    note="read as summarised on the 吴江区人民政府 website (政策解读, 2025-03); the notice itself was not read",
)

JIANGSU_GRANT = sy.Basis(
    document="江苏省 自主就业退役士兵一次性经济补助标准（公开转载）",
    number="document and number not confirmed",
    certainty="secondary",
)

#: 优待金 rounding: 86,702 × 45% = 39,015.9 is published as 39,016.
STANDARD_ROUNDING = sy.YUAN_HALF_UP


@sy.rule(
    code="conscript_family_allowance",
    period="yearly",
    title=("义务兵家庭优待金", "Conscript family allowance"),
    inputs=("categories", "service_type", "enlisted", "discharged", "hardship"),
    params=("urban_income.previous_year", "income_share", "hardship_uplift", "max_months"),
    basis=WUJIANG_2025,
    rounding=STANDARD_ROUNDING,
    eligibility=(
        "义务兵服现役期间，其家庭（类别含义务兵家属或现役军人家属，记录载有该义务兵的入伍、退役时间）"
        "每半年领取当年标准的一半，共两年；服役不满半年的按半年计；标准 = 本区上年度城镇居民人均可支配收入 × 45%，"
        "四舍五入到元；定向征集到西藏、新疆的，当年增发300%、200%",
        "while a conscript serves, the family (category 义务兵家属 or 现役军人家属; the record carries the conscript's "
        "dates) receives half the year's standard per half year served, for two years; a part counts as a half year; "
        "standard = district urban disposable income of the previous year × 45%, rounded to the 元; conscripts "
        "directed to Tibet / Xinjiang get 300% / 200% more",
    ),
    assumptions=(
        "“定向征集到西藏、新疆”以服役记录的艰苦地区（西藏、新疆）表示；两者都有时取较高的增发比例",
        "增发以已取整的当年标准（39,016）为基数：标准 × (1 + 增发比例)",
        "某年应发 = 当年开始的半年期数 × 标准 ÷ 2；价格取当年1月1日有效的标准",
        "39,015.9 → 39,016 可为四舍五入或向上取整，按四舍五入处理",
    ),
)
def conscript_family_allowance(facts: Any, p: Any) -> Any:
    """A conscript's family receives 45% of the district's previous-year urban income per year of service."""
    n = instalments_due(facts, int(p.max_months.value))
    if isinstance(n, sy.NotEligible):
        return n
    raw = p.previous_year * p.income_share
    uplifts = p.hardship_uplift
    posted = [h.label for h in (sy.Hardship.TIBET, sy.Hardship.XINJIANG) if h in facts.hardship and h.label in uplifts]
    best = [max((uplifts[label] for label in posted), key=lambda u: u.value)] if posted else []
    return instalment_amount(raw, STANDARD_ROUNDING, None, best, n)


@sy.rule(
    code="discharge_grant",
    period="one_off",
    event="discharged",
    title=("自主就业退役士兵一次性经济补助", "One-off grant for self-employed discharged soldiers"),
    inputs=("categories", "service_type"),
    params=("urban_income.previous_year", "income_multiple"),
    basis=JIANGSU_GRANT,
    eligibility=(
        "自主就业的退役士兵（类别含退役士兵；义务兵、士官），退役之日一次发放 1.5 × 本区上年度城镇居民人均可支配收入",
        "self-employed discharged soldiers (category 退役士兵; conscripts and NCOs), paid once on discharge: "
        "1.5 × the district's previous-year urban disposable income",
    ),
    assumptions=(
        "收入取退役之日有效的上年数（与优待金同一参数）",
        "来源未区分服役年限，义务兵与士官同额",
        "类别“退役士兵”视为自主就业；安排工作的退役士兵不应登记此类别",
    ),
)
def discharge_grant(facts: Any, p: Any) -> Any:
    """A self-employed discharged soldier receives 1.5 times the local previous-year urban income."""
    refused = self_employed_discharged_soldier(facts)
    if refused is not None:
        return refused
    return p.previous_year * p.income_multiple


ALL = [conscript_family_allowance, discharge_grant]
