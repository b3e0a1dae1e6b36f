"""The example pack's one rule: an illustrative county top-up of the national disability pension."""

from __future__ import annotations

from typing import Any

import shuangyong as sy

EXAMPLE = sy.Basis(
    document="示例：《规则包编写指南》中的县级加发（非政策文件）",
    certainty="assumption",
    note="illustration for pack authors; no county document sets this top-up",
)


@sy.rule(
    code="example_disability_top_up",
    period="monthly",
    title=("残疾抚恤金县级加发（示例）", "County top-up of the disability pension (example)"),
    inputs=("disability_cause",),
    params=("rate",),
    basis=EXAMPLE,
    eligibility=(
        "与国家残疾抚恤金同月发放，仅限因战致残（示例规则）",
        "paid in the months the national disability pension pays, combat disabilities only (example rule)",
    ),
    assumptions=("加发比例为示例数字，见参数 example_disability_top_up.rate",),
)
def example_disability_top_up(facts: Any, p: Any) -> Any:
    """因战致残的残疾军人，每月按国家残疾抚恤金的一定比例加发（示例）。"""
    if facts.disability_cause is not sy.DisabilityCause.WAR:
        return sy.NotEligible("示例加发只给因战致残者", "the example top-up is for combat disabilities only")
    # facts.base is this month's national disability pension, already rounded to the 分.
    return facts.base * p.rate
