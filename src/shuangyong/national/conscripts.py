"""Shared pieces of 义务兵家庭优待金 rules, used by several provinces' packs.

The national circular (explained 2023-02-21, secondary; ``policy-facts.md`` §3)
pays 优待金 per six months served, a part counting as six months, normally
for at most two years.  Provinces differ in the standard and the uplifts,
not in these mechanics, so packs share them from here.

Record convention: the family's record carries the conscript's own service
record (入伍时间, 退役时间, 服役类型 义务兵) and may carry the conscript's
awards as ``awards`` or ``member_awards``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..calc import q, qround, qsum
from ..model import Award, Category, ServiceRecord, ServiceType
from ..periods import add_months
from ..rules import NotEligible

__all__ = ["CONSCRIPT_TERM_2_YEARS_FROM", "CONSCRIPT_TERM_YEARS_FROM_1998", "conscript_years_of", "INSTALMENT_MONTHS", "instalments_in_year", "instalments_due", "family_of_serving_conscript", "awards_of_year",
           "highest_award_uplift", "instalment_amount", "self_employed_discharged_soldier"]

#: One instalment per half year served; a part of a half year counts as a whole one.
INSTALMENT_MONTHS = 6


def instalments_in_year(enlisted: date, discharged: date | None, year: int, max_months: int = 24) -> int:
    """How many six-month instalments of a conscript's service begin in ``year``.

    Instalment k covers ``[enlisted + 6k months, enlisted + 6(k+1) months)``;
    it is owed when it begins before discharge (a part counts as a whole) and
    lies within the first ``max_months`` of service.  Over the years of a full
    24-month term the instalments add up to exactly four (two yearly standards).
    """
    count = 0
    k = 0
    while k * INSTALMENT_MONTHS < max_months:
        start = add_months(enlisted, k * INSTALMENT_MONTHS)
        if (discharged is not None and start >= discharged) or start.year > year:
            break
        if start.year == year:
            count += 1
        k += 1
    return count


def family_of_serving_conscript(facts: Any) -> NotEligible | None:
    """``None`` when the record is a conscript's family carrying the conscript's service record; else why not.

    Reads the declared facts ``categories`` and ``service_type``.
    """
    if not (facts.has(Category.CONSCRIPT_FAMILY) or facts.has(Category.SERVING_FAMILY)):
        return NotEligible("类别不含义务兵家属或现役军人家属", "categories include neither 义务兵家属 nor 现役军人家属")
    if facts.service_type is None:
        return NotEligible("未登记军人的服役记录（入伍时间、服役类型）", "the member's service record (enlisted, service type) is missing")
    if facts.service_type is not ServiceType.CONSCRIPT:
        return NotEligible(
            f"服役类型为{facts.service_type.label}：优待金只发给义务兵家庭",
            f"service type is {facts.service_type.en}: only conscripts' families receive it",
        )
    return None


def awards_of_year(facts: Any, year: int) -> list[Award]:
    """The conscript's awards that count for ``year``: dated in that year, or undated.

    Reads the declared facts ``awards`` and ``member_awards``.
    """
    return [a for a in (*facts.awards, *facts.member_awards) if a.date is None or a.date.year == year]


def self_employed_discharged_soldier(facts: Any) -> NotEligible | None:
    """``None`` for a self-employed discharged conscript or NCO (自主就业退役士兵); else why not.

    Reads the declared facts ``categories`` and ``service_type``; the category
    退役士兵 is read as 自主就业 (安排工作 soldiers should not carry it).
    """
    if not facts.has(Category.DISCHARGED_SOLDIER):
        return NotEligible("类别不含退役士兵（自主就业）", "category 退役士兵 (self-employed) not held")
    kind = facts.service_type
    if kind not in (ServiceType.CONSCRIPT, ServiceType.NCO):
        shown = kind.label if kind is not None else "未登记"
        return NotEligible(f"服役类型{shown}：补助只发给义务兵和士官", f"service type {kind.en if kind else 'missing'}: conscripts and NCOs only")
    return None


def instalments_due(facts: Any, max_months: int = 24) -> int | NotEligible:
    """The six-month instalments owed to a conscript's family in the year of ``facts.on``, or why none.

    Reads the declared facts ``categories``, ``service_type``, ``enlisted`` and ``discharged``.
    """
    refused = family_of_serving_conscript(facts)
    if refused is not None:
        return refused
    year = facts.on.year
    n = instalments_in_year(facts.enlisted, facts.discharged, year, max_months)
    if n == 0:
        return NotEligible(f"{year}年内没有开始的服役半年期", f"no six-month period of service begins in {year}")
    return n


def highest_award_uplift(facts: Any, year: int, table: Any) -> Any:
    """The uplift of the highest honour of ``year`` that ``table`` lists (one only), or ``None``."""
    listed = [a for a in awards_of_year(facts, year) if a.level.label in table]
    if not listed:
        return None
    best = min(listed, key=lambda a: a.rank)
    return table[best.level.label]


def instalment_amount(raw: Any, rounding: Any, multiple: Any, uplifts: list[Any], n: int) -> Any:
    """What ``n`` half-year instalments pay from a yearly standard ``raw``, traced.

    Without a multiple or uplift a full year is ``raw`` itself (the rule's rounding then shows the
    published rounding step); otherwise the standard is rounded first (``rounding``) and multiplied
    by ``multiple`` (1 when ``None``) plus every uplift.  One instalment is half a year.
    """
    if multiple is None and not uplifts and n == 2:
        return raw
    standard = qround(raw, rounding)
    if multiple is not None or uplifts:
        standard = standard * qsum([multiple if multiple is not None else q(1), *uplifts])
    return standard if n == 2 else standard / 2


# -- 义务兵役年限 of a record that does not state them ------------------------------------------

#: From this date the 兵役法 sets one conscript term for every arm: 2 years (全国人大常委会关于修改
#: 《中华人民共和国兵役法》的决定, 1998-12-29, 第19条 as revised; secondary, the decision's text was not
#: read here).  Before it the term was 3 to 5 years by arm (1955 兵役法 第14条; 1984 兵役法 第17条: 陆军3年,
#: 海军、空军4年), and rosters do not record the arm.
CONSCRIPT_TERM_2_YEARS_FROM = date(1998, 12, 29)
#: The conscript term, in years, of the 兵役法 in force from 1998-12-29.
CONSCRIPT_TERM_YEARS_FROM_1998 = 2


def conscript_years_of(service: ServiceRecord | None, on: date) -> int | None:
    """Years of 义务兵役 in a service record (a part-year counts as a year, 民发〔2011〕110号), or ``None`` if unknown.

    * Stated years (``conscript_years``, 义务兵役年限) are taken as they are.
    * An 义务兵, or a record without a service type, served as a conscript throughout: the whole
      service, part-years up.
    * A 军士 (士官) without stated years served a conscript term first and then as a 军士: the
      conscript years are bounded by the term of the 兵役法 in force when they enlisted.  From
      1998-12-29 that is 2 years (or the whole service if shorter); before it the term depended on
      the arm, which rosters do not record, so the years are unknown (``None``) — never the career.
    * An officer has no conscript years recorded here: ``None`` unless stated.
    """
    if service is None:
        return 0
    if service.conscript_years is not None:
        return service.conscript_years
    whole = service.service_years("up", as_of=on if service.discharged is None else None)
    kind = service.service_type
    if kind is None or kind is ServiceType.CONSCRIPT:
        return whole
    if kind is ServiceType.NCO and service.enlisted >= CONSCRIPT_TERM_2_YEARS_FROM:
        return min(whole, CONSCRIPT_TERM_YEARS_FROM_1998)
    return None
