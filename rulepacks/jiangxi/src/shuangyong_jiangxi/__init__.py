"""江西 rule pack: 九江市德安县 (360426) 义务兵家庭优待金, and the 江西 placement scheme.

Hook implementations only; the rule is in :mod:`shuangyong_jiangxi.rules`,
the figures, each with its source, in ``parameters/*.toml``, and the partial
provincial 军转干部 计分办法 in ``placement/*.toml``.  The benefit rule is
registered for 德安县 alone: people elsewhere get exactly what they would get
without this pack.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shuangyong as sy

from . import rules

__version__ = "0.1.0"

_HERE = Path(__file__).parent
#: 江西省九江市德安县 (GB/T 2260).
DEAN = "360426"
#: 江西省: the placement scheme is provincial.
JIANGXI = "360000"


@sy.hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    """Who this pack is: name, version, jurisdictions and sources."""
    return {
        "name": "jiangxi",
        "version": __version__,
        "title": "江西省德安县优抚标准；江西省军转干部安置计分（部分）",
        "jurisdictions": [DEAN, JIANGXI],
        "sources": [
            "德安县 义务兵家庭优待金标准（2020年，公开转载；文件及文号未经核实）[secondary]",
            "义务兵家庭优待金 每满6个月发放一次、一般不超过2年（退役军人事务部 2023-02-21 政策解读）[secondary]",
            "江西省军队转业干部安置计分办法（公开报道摘要，文号未经核实）[secondary] — placement/",
        ],
    }


@sy.hookimpl
def shuangyong_parameters(register: Callable[..., None]) -> None:
    """Register every parameter file for 德安县."""
    register(_HERE / "parameters", jurisdiction=DEAN)


@sy.hookimpl
def shuangyong_rules(register: Callable[..., None]) -> None:
    """Register the 德安县 rules."""
    for r in rules.ALL:
        register(r, jurisdiction=DEAN)


@sy.hookimpl
def shuangyong_placement_schemes(register: Callable[..., None]) -> None:
    """Register each ``placement/*.toml`` (the partial 江西 计分办法)."""
    register(_HERE / "placement")
