"""福建 义务兵家庭优待金 under 《福建省拥军优属条例》 (2023, secondary).

As reported: the 优待金 is at least 50% of the county's previous-year
城镇居民人均可支配收入; conscripts serving on the 西藏 or 新疆 plateau receive
at least 3 times, elsewhere in 新疆 2 times, on other plateaus 1.5 times the
standard; an honorary title or 一等功 adds 100%, 二等功 60%, 三等功 30%,
优秀士兵 10% of it.  The county income is a parameter each adopting office
supplies (``fujian_county_income.urban_previous_year``); without it the rule
answers ``missing_parameter``.
"""

from __future__ import annotations

from typing import Any

import shuangyong as sy
from shuangyong.national.conscripts import highest_award_uplift, instalment_amount, instalments_due

__all__ = ["conscript_family_allowance", "ALL"]

FUJIAN_REGULATIONS = sy.Basis(
    document="《福建省拥军优属条例》",
    certainty="secondary",
    note="2023; read as reported in public secondary sources (policy-facts §3); in-force date not confirmed",
)

#: The 条例 as read names no rounding; amounts are kept to the 分 (an assumption).
STANDARD_ROUNDING = sy.FEN_HALF_UP

# National rule: one instalment per six months served, a part counting as six months.


def _hardship_key(hardship: frozenset[sy.Hardship]) -> str | None:
    """The row of the multiple table a posting falls in (西藏 read as plateau); ``None`` for no hardship row."""
    if sy.Hardship.TIBET in hardship:
        return "西藏"
    if sy.Hardship.XINJIANG in hardship:
        return "新疆高原" if sy.Hardship.PLATEAU in hardship else "新疆"
    if sy.Hardship.PLATEAU in hardship:
        return "高原"
    return None


@sy.rule(
    code="conscript_family_allowance",
    period="yearly",
    title=("义务兵家庭优待金", "Conscript family allowance"),
    inputs=("categories", "service_type", "enlisted", "discharged", "hardship", "awards", "member_awards"),
    params=("fujian_county_income.urban_previous_year", "income_share", "hardship_multiple", "award_uplift", "max_months"),
    basis=FUJIAN_REGULATIONS,
    rounding=STANDARD_ROUNDING,
    eligibility=(
        "义务兵服现役期间，其家庭（类别含义务兵家属或现役军人家属，记录载有该义务兵的入伍、退役时间）按服役每满6个月"
        "领取半年标准（不满6个月按6个月计），最多24个月；标准 = 县（市、区）上年度城镇居民人均可支配收入 × 50%；"
        "西藏、新疆高原3倍，新疆非高原2倍，其他高原1.5倍；荣誉称号或一等功增发100%，二等功60%，三等功30%，优秀士兵10%",
        "while a conscript serves, the family (category 义务兵家属 or 现役军人家属; the record carries the conscript's "
        "dates) receives half the standard per six months served (a part counts as six months), at most 24 months; "
        "standard = the county's previous-year urban disposable income × 50%; Tibet or Xinjiang plateau 3×, rest of "
        "Xinjiang 2×, other plateaus 1.5×; an honorary title or first-class merit adds 100%, second-class 60%, "
        "third-class 30%, outstanding soldier 10%",
    ),
    assumptions=(
        "县（市、区）收入由采用本包的县级机关登记为参数 fujian_county_income.urban_previous_year；本包不提供任何县的数值",
        "“不低于”的比例和倍数均取下限",
        "倍数与立功增发相加，均以标准为基数：标准 × (倍数 + 增发比例)；“当年优待金”读作标准",
        "立功受奖只取最高一项；计入当年的为当年授予或未注明日期者（可记在 awards 或 member_awards）",
        "西藏全境按高原计；艰苦地区以服役记录的 西藏、新疆、高原 表示",
        "条例未写取整：保留到分（四舍五入）",
        "某年应发 = 当年开始的半年期数 × 上述年额 ÷ 2；价格取当年1月1日有效的标准",
    ),
)
def conscript_family_allowance(facts: Any, p: Any) -> Any:
    """A conscript's family receives half the county's previous-year urban income per year, with multiples and uplifts."""
    n = instalments_due(facts, int(p.max_months.value))
    if isinstance(n, sy.NotEligible):
        return n
    year = facts.on.year
    raw = p.urban_previous_year * p.income_share

    row = _hardship_key(facts.hardship)
    multiple = p.hardship_multiple[row] if row is not None else None
    award = highest_award_uplift(facts, year, p.award_uplift)
    return instalment_amount(raw, STANDARD_ROUNDING, multiple, [award] if award is not None else [], n)


ALL = [conscript_family_allowance]
