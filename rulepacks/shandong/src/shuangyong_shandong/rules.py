"""山东 rules: 汶上县 (370830) 义务兵家庭优待金 and 立功受奖慰问金.

The only source is a news report of July 2018 (secondary, document number
not confirmed); its figures live in ``parameters/*.toml``.  Where the report
leaves the order of operations open, the rule chooses and lists the choice
in its ``assumptions`` (shown in every explanation):

1. 优待金 = 标准 × 服役地区倍数 (the report: "按优待金标准的2.5倍发给优待金").
2. + 优待金 × 立功受奖比例 — "增发其义务兵家庭优待金的10%和5%": the
   percentage is of the soldier's own 优待金, i.e. *after* the hardship
   multiplier, and never of the education add-on (assumption).
3. + 学历一次性增发 (a fixed sum, not multiplied and not uplifted), paid with
   the first yearly payment only, because the report calls it 一次性.

The record is the conscript's family, as in every other pack
(``shuangyong.national.conscripts``): category 义务兵家属 (or 现役军人家属) with the
conscript's service record (入伍时间, 退役时间, 服役类型 义务兵) and his awards
as ``awards`` or ``member_awards``.  The conscript's own record (category
现役军人) is never paid, so a roster holding both does not pay one conscript
twice.  One family record per conscript (the report counts 611 户 in 2018).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import shuangyong as sy
from shuangyong.national.conscripts import family_of_serving_conscript

__all__ = ["WENSHANG", "ALL", "conscript_family_allowance", "award_bonus"]

#: 汶上县 (GB/T 2260).
WENSHANG = "370830"

WENSHANG_2018 = sy.Basis(
    document="《汶上义务兵家庭优待金提至14272元》（济宁新闻报道，2018年7月，转述汶上县规定）",
    number="number not confirmed",
    certainty="secondary",
    note="https://m.yybnet.net/jining/wenshang/201807/7752858.html; the county's own document was not found",
)


def _held_on(awards: Any, on: date) -> list[Any]:
    """Awards received on or before ``on`` (undated awards count: the record does not say when)."""
    return [a for a in awards if a.date is None or a.date <= on]


@sy.rule(
    code="conscript_family_allowance",
    period="yearly",
    pay_on=(8, 1),
    title=("义务兵家庭优待金", "Conscript family allowance"),
    inputs=("categories", "service_type", "serving", "enlisted", "hardship", "education", "awards", "member_awards"),
    params=("standard", "hardship_multiplier", "education_addon", "award_uplift"),
    basis=WENSHANG_2018,
    eligibility=(
        "服现役的义务兵的家庭（家属记录：类别义务兵家属或现役军人家属，载有该义务兵的服役记录），每年建军节前发放一次（按8月1日在役计）；"
        "2018年发放对象为2016、2017年在汶上入伍的义务兵",
        "the household of a conscript serving on the yearly pay day (the family's record: category 义务兵家属 or 现役军人家属, "
        "carrying the conscript's service record; 1 August, the report: paid before 建军节); "
        "the 2018 payment went to conscripts who enlisted in 汶上 in 2016 and 2017",
    ),
    assumptions=(
        "发放日按8月1日计算（报道只说“建军节前夕”）",
        "立功受奖增发按本人优待金（已乘服役地区倍数）计算，不含学历增发（报道“增发其义务兵家庭优待金的10%和5%”未说明基数）",
        "同时有三等功和优秀士兵时只取最高一项（报道用“分别增发”，未说可以累加）",
        "立功受奖增发在获奖之后每次发放优待金时都计（报道未限定次数；学历增发则明言“一次性”）",
        "学历增发只在入伍后首次发放时加发一次；研究生、在校生报道未提及，不加发",
        "多个服役地区时取最高倍数；一名义务兵即一户，每户一条家属记录（义务兵本人的记录不发）",
    ),
)
def conscript_family_allowance(facts: Any, p: Any) -> Any:
    """A serving conscript's household receives the county standard each year.

    The standard is multiplied for service in 西藏 (2.5×) or 新疆/高原 (2×);
    三等功 and 优秀士兵 add 10% and 5% of that allowance; a university
    graduate's household receives a one-off 2,000 (本科) or 1,000 (专科)
    with the first payment.
    """
    refused = family_of_serving_conscript(facts)
    if refused is not None:
        return refused
    if not facts.serving:
        return sy.NotEligible(f"{facts.on.isoformat()}（发放日）不在服现役", f"not serving on the pay day {facts.on.isoformat()}")

    allowance = p.standard
    if facts.hardship:
        # Read the table only when needed: a plain case must not fail for want of a multiplier.
        table = p.hardship_multiplier
        multipliers = [table[h] for h in sorted(facts.hardship, key=lambda h: h.label) if h in table]
        if multipliers:
            allowance = allowance * sy.qmax(*multipliers) if len(multipliers) > 1 else allowance * multipliers[0]

    amount = allowance
    held = _held_on((*facts.awards, *facts.member_awards), facts.on)
    if held:
        table = p.award_uplift
        rates = [table[a.level] for a in sorted(held, key=lambda a: a.rank) if a.level in table]
        if rates:
            # Highest only; awards are sorted highest first, but the table decides the rate.
            rate = max(rates, key=lambda r: r.value)
            amount = amount + allowance * rate

    education = facts.education
    previous_pay_day = facts.on.replace(year=facts.on.year - 1)
    first_payment = facts.enlisted > previous_pay_day
    if education is not None and first_payment:
        table = p.education_addon
        if education in table:
            amount = amount + table[education]
    return amount


@sy.rule(
    code="award_bonus",
    period="one_off",
    event="awards",
    title=("立功受奖慰问金", "Merit award bonus"),
    inputs=("serving",),
    params=("amount",),
    basis=WENSHANG_2018,
    eligibility=(
        "现役军人立功受奖，按获奖日期一次性发放；报道列三等功 2,000 元，并说优秀义务兵也领取了慰问金（未给数额：无现行标准，须由县里补充）",
        "a serving member's merit award, paid once on the award date; the report gives 2,000 for 三等功 and says the "
        "优秀义务兵 also received the bonus without giving its amount (no standard until the county adds it)",
    ),
    assumptions=(
        "获奖当日须在服现役（报道：“荣立三等功的现役军人”）",
        "报道未提及的荣誉（二等功、一等功、称号）不发本项",
    ),
)
def award_bonus(facts: Any, p: Any) -> Any:
    """A serving member who earns a 三等功 receives a one-off 2,000 元."""
    award = facts.event
    if not facts.serving:
        return sy.NotEligible("获奖时不在服现役", "not serving on the award date")
    table = p.amount
    if award.level is sy.AwardLevel.OUTSTANDING_SOLDIER and award.level not in table:
        # "24人荣获优秀义务兵荣誉，均领取到立功受奖慰问金": paid, but the amount is not reported.
        raise sy.ParameterNotFoundError(
            "award_bonus.amount", WENSHANG, award.date.isoformat() if award.date else "the award date",
            "报道说优秀义务兵也领取了立功受奖慰问金，但未给出数额 (the report says 优秀义务兵 were paid, without the amount)",
        )
    if award.level not in table:
        return sy.NotEligible(
            f"汶上报道未给出{award.level.label}的慰问金标准（只列三等功）；如县里有标准，须补充参数 award_bonus.amount",
            f"the 汶上 report gives no figure for {award.level.en} (only 三等功); an office with a figure adds it to award_bonus.amount",
        )
    return table[award.level]


#: Every rule of the pack, registered for 汶上县.
ALL = [conscript_family_allowance, award_bonus]
