"""National benefit rules, in the order of 《军人抚恤优待条例》.

Each rule's docstring restates its article in plain words; figures live in
``parameters/*.toml`` with their sources.
"""

from __future__ import annotations

from typing import Any

from ..model import DisabilityCause
from ..params import Source
from ..rules import NotEligible, rule

REGULATIONS_2004 = Source(document="《军人抚恤优待条例》", number="国务院、中央军委令第413号", certainty="primary")
REGULATIONS_2024 = Source(document="《军人抚恤优待条例》", number="国务院、中央军委令第788号", certainty="primary")


@rule(
    code="disability_pension",
    period="monthly",
    title=("残疾抚恤金", "Disability pension"),
    inputs=("disability_grade", "disability_cause", "disability_assessed"),
    params=("annual_standard", "start"),
    basis=Source(document="《军人抚恤优待条例》", number="令第788号", article="第25–34条", certainty="primary"),
    eligibility=(
        "评定残疾等级后按月发放（默认自评残次月起，参数 disability_pension.start）；因战、因公一至十级，因病一至六级（条例第25–34条）",
        "paid monthly after the disability is assessed (by default from the next month, parameter disability_pension.start); "
        "in combat / on duty grades 1–10, of illness grades 1–6 only (Regulations art. 25–34)",
    ),
    assumptions=("年标准按月发放：年标准 ÷ 12，逐月四舍五入到分",),
)
def disability_pension(facts: Any, p: Any) -> Any:
    """A disabled service member receives the yearly standard of their grade and cause, paid monthly."""
    grade, cause = facts.disability_grade, facts.disability_cause
    if grade is None:
        return NotEligible("未评定残疾等级", "no disability assessed")
    if cause is DisabilityCause.ILLNESS and grade > 6:
        return NotEligible(
            f"因病致残{grade}级：条例只对因病一至六级发放残疾抚恤金", f"grade {grade} of illness: only grades 1–6 of illness receive a pension"
        )
    assessed = facts.disability_assessed
    if assessed is not None:
        first = assessed.replace(day=1)
        if p.start == "next_month":
            if facts.on <= first:
                return NotEligible(f"评残（{assessed.isoformat()}）次月起发放", f"paid from the month after assessment ({assessed.isoformat()})")
        elif facts.on < first:
            return NotEligible(f"评残（{assessed.isoformat()}）当月起发放", f"paid from the month of assessment ({assessed.isoformat()})")
    return p.annual_standard[grade][cause] / 12


ALL = [disability_pension]
