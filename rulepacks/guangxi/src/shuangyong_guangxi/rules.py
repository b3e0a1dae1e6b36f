"""广西 rules: 宁明县 (451422) 随军家属生活补助.

Source: seed 003 "双拥工作简报篇七", a 宁明县 half-year report (secondary):
"为符合条件的随军家属按每人每月200元的标准发放生活补助费".  The report does
not say what "符合条件" means nor since when; both gaps are assumptions,
listed on the rule and in the README.

This is the county's allowance under 部队随军家属货币化安置.  The national
随军未就业 allowance (paid by the armed forces, policy-facts §8) is a
different benefit and is not encoded here.
"""

from __future__ import annotations

from typing import Any

import shuangyong as sy

__all__ = ["NINGMING", "ALL", "dependent_spouse_allowance"]

#: 宁明县 (GB/T 2260).
NINGMING = "451422"

NINGMING_REPORT = sy.Basis(
    document="宁明县双拥工作简报（“20__年上半年”，seed 003 双拥工作简报篇七）",
    number="number not confirmed",
    certainty="secondary",
    note="a reposted county report; the year is redacted, so the effective date is an assumption (see the parameter)",
)


@sy.rule(
    code="dependent_spouse_allowance",
    period="monthly",
    title=("随军家属生活补助", "Living allowance for dependent spouses"),
    inputs=("categories",),
    params=("monthly_standard",),
    basis=NINGMING_REPORT,
    eligibility=(
        "类别为随军家属（符合条件者）按月发放，每人每月一份；去世次月起停发（引擎通则）",
        "holders of the category 随军家属 (those who qualify) are paid monthly, one share per person; "
        "payment stops after death (engine-wide rule)",
    ),
    assumptions=(
        "报道称“符合条件的随军家属”但未列条件（如未就业、驻宁明部队家属）：由县里审核后在名册中标为“随军家属”的人才计发",
        "报道未给出起始日期（年份被隐去）：参数自2000-01-01起，须由县里改为本县文件的施行日期",
        "按人按月发放，不按户；不是部队发放的随军未就业随军家属生活补贴",
    ),
)
def dependent_spouse_allowance(facts: Any, p: Any) -> Any:
    """A qualifying 随军家属 living in 宁明 receives the monthly standard (200 元)."""
    if not facts.has(sy.Category.DEPENDENT_SPOUSE):
        return sy.NotEligible("不是随军家属", "not a dependent spouse (随军家属)")
    return p.monthly_standard


#: Every rule of the pack, registered for 宁明县.
ALL = [dependent_spouse_allowance]
