"""shuangyong rule pack for 山东: 汶上县 (370830) 义务兵家庭优待金 and 立功受奖慰问金.

Hook implementations only; the rules are in :mod:`.rules`, the figures with
their sources in ``parameters/``, 军转干部 placement schemes (if any) in
``placement/`` and assessment schemes (if any) in ``schemes/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shuangyong as sy

from . import rules

__version__ = "0.1.0"

_HERE = Path(__file__).parent
PARAMETERS = _HERE / "parameters"
PLACEMENT = _HERE / "placement"


@sy.hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    """Who the pack is."""
    return {
        "name": "shandong",
        "version": __version__,
        "title": "山东省规则包（汶上县义务兵家庭优待金等）",
        "jurisdictions": [rules.WENSHANG],
        "sources": [
            "《汶上义务兵家庭优待金提至14272元》 济宁新闻报道 2018-07, number not confirmed [secondary]",
        ],
    }


@sy.hookimpl
def shuangyong_parameters(register: Any) -> None:
    """Parameter files of 汶上县."""
    register(PARAMETERS, jurisdiction=rules.WENSHANG)


@sy.hookimpl
def shuangyong_rules(register: Any) -> None:
    """Rules of 汶上县."""
    for rule in rules.ALL:
        register(rule, jurisdiction=rules.WENSHANG)


@sy.hookimpl
def shuangyong_placement_schemes(register: Any) -> None:
    """Every ``placement/*.toml`` 军转干部 计分办法 (东营, 章丘)."""
    register(PLACEMENT)
