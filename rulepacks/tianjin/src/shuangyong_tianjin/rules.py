"""天津 rules: 北辰区 (120113) 农业户籍义务兵家属优待金, with township overrides.

Source: seed 002 范文4, a 北辰区 双拥 work summary (about 2006, inferred):
农业户籍的现役军人家属每户每年优待金在7000元以上，天穆、宜兴埠、青光等镇达到
10000元；城镇户籍的按市统一标准执行.

The rule is registered once, for the district.  Its figure is a parameter,
looked up along the person's fallback chain, so a person whose region is a
9-digit township code (天穆镇 120113100 …) gets the township's value and
anyone else in the district the district's.  The record is the household
(the allowance is 每户每年): one record per household, marked with the
category 义务兵家属; a roster that lists several members of one household
marks all but one with ``household_head = 否`` (or ``户主 = 否``).  The record
carries the conscript's service record (入伍时间, 退役时间, 服役类型 义务兵), as
every pack's 优待金 does (``shuangyong.national.conscripts``): a year is paid only while
the conscript serves in it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import shuangyong as sy
from shuangyong.national.conscripts import family_of_serving_conscript

__all__ = ["BEICHEN", "TOWNS", "ALL", "conscript_family_allowance", "household_head"]

#: 北辰区 (GB/T 2260).
BEICHEN = "120113"

#: Towns the summary names, by their 9-digit codes (国家统计局 2023年统计用区划代码, secondary).
TOWNS = {"120113100": "天穆镇", "120113106": "宜兴埠镇", "120113104": "青光镇"}

BEICHEN_SUMMARY = sy.Basis(
    document="北辰区双拥工作总结（seed 002 范文4，区名在转载中作“××区”）",
    number="number not confirmed",
    article="六、一",
    certainty="secondary",
    note="district identified as 北辰 from its town names (inferred); the year (2006) is inferred from the summary's content",
)

_YES = {"是", "1", "true", "yes", "y", "户主"}
_NO = {"否", "0", "false", "no", "n"}


def household_head(facts: Any) -> bool | None:
    """The record's household-head mark: True, False, or None when the roster has no such column.

    Read from ``household_head`` or its Chinese header ``户主``; anything but
    是/否 (yes/no, 1/0) is an error naming the field.
    """
    for key in ("extra.household_head", "extra.户主"):
        value = facts.get(key)
        if value is None or str(value).strip() == "":
            continue
        text = str(value).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise sy.InvalidRecordError(key.removeprefix("extra."), value, "expected 是 or 否 (is this record the household's 户主?)")
    return None


@sy.rule(
    code="conscript_family_allowance",
    period="yearly",
    title=("义务兵家庭优待金", "Conscript family allowance"),
    inputs=("categories", "service_type", "enlisted", "discharged", "hukou", "extra.household_head", "extra.户主"),
    params=("rural_household_annual", "urban_household_annual"),
    basis=BEICHEN_SUMMARY,
    eligibility=(
        "义务兵家属户，义务兵在该年服现役的，每户每年一份：农业户籍按区标准（不低于7000元；天穆、宜兴埠、青光等镇10000元），"
        "城镇户籍按天津市统一标准；记录须载有该义务兵的服役记录（入伍时间、退役时间、服役类型）",
        "households of conscripts, one payment per household for each year in which the conscript serves: agricultural "
        "registration at the district standard (at least 7,000; 10,000 in 天穆, 宜兴埠, 青光 and other towns), urban registration "
        "at the municipal standard; the record carries the conscript's service record (enlisted, discharged, service type)",
    ),
    assumptions=(
        "总结写“现役军人家属”，标题写“农村义务兵家属优待金”：按义务兵家属（类别“义务兵家属”）计发",
        "“在7000元以上”是下限：按7000元计；镇里实际标准更高时由本地登记参数",
        "按户发放：名册每户一条记录；同户多人时，除户主外标 household_head（户主）= 否；无此列时每条记录视为一户",
        "每年计发一次，发放日来源未说明，按1月1日计（以当日户籍、类别为准）",
        "义务兵在该年任何一段时间服现役（入伍时间不晚于当年12月31日，且未退役或退役时间晚于当年1月1日）即发当年一份；退役以后各年不发",
        "乡镇标准按人员的9位乡镇代码取值，无乡镇代码或该镇无标准时取区标准",
        "城镇户籍的天津市统一标准来源未给出：缺少参数 urban_household_annual，须由本地提供",
    ),
)
def conscript_family_allowance(facts: Any, p: Any) -> Any:
    """A conscript's household receives the yearly 优待金: the town's figure where one is set, else the district's."""
    if not facts.has(sy.Category.CONSCRIPT_FAMILY):
        return sy.NotEligible("不是义务兵家属", "not a conscript's family")
    refused = family_of_serving_conscript(facts)
    if refused is not None:
        return refused
    year = facts.on.year
    if facts.enlisted.year > year:
        return sy.NotEligible(f"{year}年义务兵尚未入伍（入伍时间见输入）", f"the conscript had not enlisted in {year}")
    discharged = facts.discharged
    if discharged is not None and discharged <= date(year, 1, 1):
        return sy.NotEligible(
            f"义务兵已于{discharged.isoformat()}退役：{year}年不在服现役，不发优待金",
            f"the conscript was discharged on {discharged.isoformat()}: not serving in {year}",
        )
    if household_head(facts) is False:
        return sy.NotEligible("按户发放：本记录不是户主，由户主记录领取", "paid per household: this record is not the household head")
    if facts.hukou is None:
        return sy.NotEligible("户籍未填：须注明农业（农村）或城镇户籍", "registration (hukou) not given: rural or urban is required")
    if facts.hukou is sy.Hukou.RURAL:
        return p.rural_household_annual
    return p.urban_household_annual


#: Every rule of the pack, registered for 北辰区.
ALL = [conscript_family_allowance]
