"""shuangyong rule pack for 陕西: 太白县 (610331) in-kind 优待 and the provincial 一次性经济补助.

Hook implementations only; the rules are in :mod:`.rules`, the figures with
their sources in ``parameters/`` (each file names its own jurisdiction:
610331 for 太白县's in-kind measures, 610000 for the provincial formula).
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
        "name": "shaanxi",
        "version": __version__,
        "title": "陕西省规则包（太白县非现金优待；全省自主就业退役士兵一次性经济补助）",
        "jurisdictions": [rules.SHAANXI, rules.TAIBAI],
        "sources": [
            "太白县创建省级双拥模范县实施方案 2014 (seed 002 范文3), number not confirmed [secondary]",
            "陕西省自主就业退役士兵一次性经济补助标准 (公开转述), number not confirmed [secondary]",
        ],
    }


@sy.hookimpl
def shuangyong_parameters(register: Any) -> None:
    """Parameter files; each file states its jurisdiction (610000 or 610331)."""
    register(PARAMETERS)


@sy.hookimpl
def shuangyong_rules(register: Any) -> None:
    """太白县's in-kind rules and the provincial grant."""
    for rule in rules.ALL_TAIBAI:
        register(rule, jurisdiction=rules.TAIBAI)
    for rule in rules.ALL_PROVINCE:
        register(rule, jurisdiction=rules.SHAANXI)
