"""福建 rule pack: 义务兵家庭优待金 under 《福建省拥军优属条例》 (2023), province-wide (350000).

Hook implementations only; the rule is in :mod:`shuangyong_fujian.rules` and
the provincial figures, each with its source, in ``parameters/*.toml``.

The 优待金 rests on each county's previous-year 城镇居民人均可支配收入, which
this pack does NOT ship: no county figure was read from a source.  The
adopting office registers its own value as parameter
``fujian_county_income.urban_previous_year`` for its county code (see the
README); until it does, the result is ``missing_parameter``, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shuangyong as sy

from . import rules

__version__ = "0.1.0"

_HERE = Path(__file__).parent
#: 福建省 (GB/T 2260).
FUJIAN = "350000"


@sy.hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    """Who this pack is: name, version, jurisdictions and sources."""
    return {
        "name": "fujian",
        "version": __version__,
        "title": "福建省义务兵家庭优待金（《福建省拥军优属条例》）",
        "jurisdictions": [FUJIAN],
        "sources": [
            "《福建省拥军优属条例》（2023年；施行日期未经核实）义务兵家庭优待金条款，据公开转载 [secondary]",
            "义务兵家庭优待金 每满6个月发放一次、一般不超过2年（退役军人事务部 2023-02-21 政策解读）[secondary]",
            "县（市、区）上年度城镇居民人均可支配收入：由采用本规则包的县级机关登记（参数 fujian_county_income.urban_previous_year）",
            "福建省 2023年调整优抚对象抚恤和生活补助标准的通知（福建省退役军人事务厅 2023-10-25）：带病回乡、参战退役人员生活补助省定标准 [secondary]",
        ],
    }


@sy.hookimpl
def shuangyong_parameters(register: Callable[..., None]) -> None:
    """Register the provincial parameter files (the county income is the office's to register)."""
    register(_HERE / "parameters", jurisdiction=FUJIAN)


@sy.hookimpl
def shuangyong_rules(register: Callable[..., None]) -> None:
    """Register the 福建 rules for the whole province."""
    for r in rules.ALL:
        register(r, jurisdiction=FUJIAN)
