"""德安县 (360426) 义务兵家庭优待金, 2020 (secondary).

As reported: the 优待金 is at least 40% of the county's previous-year
城镇居民人均可支配收入, and the published figure 37,008 → 14,804 shows it is
rounded UP to the 元 (37,008 × 40% = 14,803.2).  Conscripts serving in 西藏
receive 3 times, in 新疆 2 times the standard; honours and merits add
军委称号 300%, 军区级称号 200%, 一等功 100%, 二等功 50%, 三等功 20%; 大学生
soldiers add 本科 30%, 大专 20%, 在校 10%.  Figures live in ``parameters/``.
"""

from __future__ import annotations

from typing import Any

import shuangyong as sy
from shuangyong.national.conscripts import highest_award_uplift, instalment_amount, instalments_due

__all__ = ["conscript_family_allowance", "ALL"]

DEAN_2020 = sy.Basis(
    document="德安县 义务兵家庭优待金标准（2020年，公开转载）",
    number="document number not confirmed",
    certainty="secondary",
)

#: 37,008 × 40% = 14,803.2 is published as 14,804: up to the next 元.
STANDARD_ROUNDING = sy.YUAN_UP

# National rule: one instalment per six months served, a part counting as six months.


_EDUCATION_AS = {sy.Education.POSTGRADUATE: sy.Education.BACHELOR}


@sy.rule(
    code="conscript_family_allowance",
    period="yearly",
    title=("义务兵家庭优待金", "Conscript family allowance"),
    inputs=("categories", "service_type", "enlisted", "discharged", "hardship", "awards", "member_awards", "education"),
    params=("urban_income.previous_year", "income_share", "hardship_multiple", "award_uplift", "education_uplift", "max_months"),
    basis=DEAN_2020,
    rounding=STANDARD_ROUNDING,
    eligibility=(
        "义务兵服现役期间，其家庭（类别含义务兵家属或现役军人家属，记录载有该义务兵的入伍、退役时间）按服役每满6个月"
        "领取半年标准（不满6个月按6个月计），最多24个月；标准 = 县上年度城镇居民人均可支配收入 × 40%，向上取整到元；"
        "进藏3倍、进疆2倍；立功受奖、大学生按标准增发",
        "while a conscript serves, the family (category 义务兵家属 or 现役军人家属; the record carries the conscript's "
        "dates) receives half the standard per six months served (a part counts as six months), at most 24 months; "
        "standard = county urban disposable income of the previous year × 40%, rounded up to the 元; Tibet 3×, "
        "Xinjiang 2×; honours, merits and university education add a share of the standard",
    ),
    assumptions=(
        "“不低于40%”取下限40%；“进藏、进疆”以服役记录的艰苦地区（西藏、新疆）表示，两者都有时取较高倍数",
        "倍数与增发比例相加，均以已取整的标准为基数：标准 × (倍数 + 立功增发 + 学历增发)，再向上取整到元",
        "立功受奖只取最高一项；计入当年的为当年授予或未注明日期者（可记在 awards 或 member_awards）",
        "研究生按本科增发（“本科”读作本科及以上）；高中及以下不增发",
        "某年应发 = 当年开始的半年期数 × 上述年额 ÷ 2；价格取当年1月1日有效的标准",
    ),
)
def conscript_family_allowance(facts: Any, p: Any) -> Any:
    """A conscript's family receives 40% of the county's previous-year urban income per year, with uplifts."""
    n = instalments_due(facts, int(p.max_months.value))
    if isinstance(n, sy.NotEligible):
        return n
    year = facts.on.year
    raw = p.previous_year * p.income_share

    multiples = p.hardship_multiple
    posted = [h.label for h in (sy.Hardship.TIBET, sy.Hardship.XINJIANG) if h in facts.hardship and h.label in multiples]
    multiple = max((multiples[label] for label in posted), key=lambda m: m.value) if posted else None
    uplifts = []
    award = highest_award_uplift(facts, year, p.award_uplift)
    if award is not None:
        uplifts.append(award)
    education = _EDUCATION_AS.get(facts.education, facts.education)
    if education is not None and education.label in p.education_uplift:
        uplifts.append(p.education_uplift[education.label])
    return instalment_amount(raw, STANDARD_ROUNDING, multiple, uplifts, n)


ALL = [conscript_family_allowance]
