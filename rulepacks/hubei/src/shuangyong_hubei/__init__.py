"""湖北 rule pack: 来凤县 (422827) standards from the county's 双拥 report (seed 002, 范文5).

Hook implementations only; the rules are in :mod:`shuangyong_hubei.rules`
and the figures, each with its source, in ``parameters/*.toml``.  Every rule
and parameter is registered for 来凤县 alone, so people elsewhere (including
elsewhere in 湖北) get exactly what they would get without this pack.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shuangyong as sy

from . import rules

__version__ = "0.1.0"

_HERE = Path(__file__).parent
#: 湖北省恩施土家族苗族自治州来凤县 (GB/T 2260).
LAIFENG = "422827"


@sy.hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    """Who this pack is: name, version, jurisdictions and sources."""
    return {
        "name": "hubei",
        "version": __version__,
        "title": "湖北省来凤县优抚标准",
        "jurisdictions": [LAIFENG],
        "sources": [
            "来凤县双拥工作情况汇报（“双拥工作总结范文”合集 范文5，约2013年；无文号）[secondary]",
            "湖北 自主就业退役士兵一次性经济补助 义务兵 4,500 元/年、士官 9,000 × [1 + (年限 − 2) × 20%]"
            "（公开转载；来凤汇报称依 鄂民政发〔2012〕98号 发放，公式出自该文件未经核实）[secondary]",
            "义务兵家庭优待金 每满6个月发放一次、一般不超过2年（退役军人事务部 2023-02-21 政策解读）[secondary]",
        ],
    }


@sy.hookimpl
def shuangyong_parameters(register: Callable[..., None]) -> None:
    """Register every parameter file for 来凤县."""
    register(_HERE / "parameters", jurisdiction=LAIFENG)


@sy.hookimpl
def shuangyong_rules(register: Callable[..., None]) -> None:
    """Register the 来凤县 rules, in the order of the report."""
    for r in rules.ALL:
        if r is rules.old_demobilised_allowance:
            # The county's own 定补 stands in for the national rule, whose level a pack must supply.
            register(r, jurisdiction=LAIFENG, replaces="old_demobilised_subsidy")
        else:
            register(r, jurisdiction=LAIFENG)
