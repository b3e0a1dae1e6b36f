"""shuangyong-example: a worked example rule pack for 来凤县 (422827).

Hook implementations only: who the pack is, and what it registers.  The
rule itself is in ``rules.py`` and its figure in ``parameters/``.  The
county top-up it adds is an illustration for the pack authors' guide
(docs/writing-a-rule-pack.md), not a policy of 来凤县.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shuangyong as sy

from . import rules

__version__ = "0.1.0"

#: 湖北省恩施州来凤县 (GB/T 2260).
LAIFENG = "422827"

PARAMETERS = Path(__file__).parent / "parameters"


@sy.hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    return {
        "name": "example",
        "version": __version__,
        "title": "示例规则包：来凤县残疾抚恤金县级加发（示例，非政策）",
        "jurisdictions": [LAIFENG],
        "sources": ["示例：docs/writing-a-rule-pack.md 虚构的县级加发比例，非政策文件 [assumption]"],
    }


@sy.hookimpl
def shuangyong_parameters(register: Any) -> None:
    register(PARAMETERS, jurisdiction=LAIFENG)


@sy.hookimpl
def shuangyong_rules(register: Any) -> None:
    register(rules.example_disability_top_up, jurisdiction=LAIFENG, extends="disability_pension")
