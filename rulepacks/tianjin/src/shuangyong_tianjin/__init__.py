"""shuangyong rule pack for 天津: 北辰区 (120113) 义务兵家属优待金, with township overrides.

Hook implementations only; the rule is in :mod:`.rules`, the figures with
their sources in ``parameters/`` (each file names its jurisdiction: the
district 120113 or a town's 9-digit code).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shuangyong as sy

from . import rules

__version__ = "0.1.0"

_HERE = Path(__file__).parent
PARAMETERS = _HERE / "parameters"


@sy.hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    """Who the pack is."""
    return {
        "name": "tianjin",
        "version": __version__,
        "title": "天津市规则包（北辰区农业户籍义务兵家属优待金，含乡镇标准）",
        "jurisdictions": [rules.BEICHEN, *sorted(rules.TOWNS)],
        "sources": [
            "北辰区双拥工作总结 (seed 002 范文4, about 2006), number not confirmed [secondary; year inferred]",
            "国家统计局 2023年统计用区划代码和城乡划分代码 (township codes; via modood/Administrative-divisions-of-China) [secondary]",
        ],
    }


@sy.hookimpl
def shuangyong_parameters(register: Any) -> None:
    """Parameter files; each file states its jurisdiction (120113 or a town's 9-digit code)."""
    register(PARAMETERS)


@sy.hookimpl
def shuangyong_rules(register: Any) -> None:
    """The district rule; towns differ only by parameter."""
    for rule in rules.ALL:
        register(rule, jurisdiction=rules.BEICHEN)


@sy.hookimpl
def shuangyong_campaign_plans(register: Any) -> None:
    """津南区 (120112) 春节走访慰问 visit scheme (seed 003 篇四)."""
    register(_HERE / "campaigns")
