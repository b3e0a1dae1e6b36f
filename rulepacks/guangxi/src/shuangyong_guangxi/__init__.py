"""shuangyong rule pack for 广西: 宁明县 (451422) 随军家属生活补助.

Hook implementations only; the rule is in :mod:`.rules`, its figure with
its source in ``parameters/``.
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
        "name": "guangxi",
        "version": __version__,
        "title": "广西壮族自治区规则包（宁明县随军家属生活补助）",
        "jurisdictions": [rules.NINGMING],
        "sources": [
            "宁明县双拥工作简报（20__年上半年，seed 003 篇七）: 随军家属生活补助 200 元/人/月 [secondary; date: assumption]",
        ],
    }


@sy.hookimpl
def shuangyong_parameters(register: Any) -> None:
    """Parameter files of 宁明县."""
    register(PARAMETERS, jurisdiction=rules.NINGMING)


@sy.hookimpl
def shuangyong_rules(register: Any) -> None:
    """Rules of 宁明县."""
    for rule in rules.ALL:
        register(rule, jurisdiction=rules.NINGMING)
