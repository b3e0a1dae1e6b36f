"""shuangyong rule pack for 四川: 广安市 (511600) 双拥模范城 self-assessment scheme.

Hook implementations only; the scheme itself is ``schemes/guang_an.toml``
(format: ``docs/writing-a-scheme.md`` of shuangyong).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shuangyong as sy

__version__ = "0.1.0"

#: 广安市 (GB/T 2260), as listed in shared/domain.md §7.
GUANG_AN = "511600"

SCHEMES = Path(__file__).parent / "schemes"


@sy.hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    """Who the pack is."""
    return {
        "name": "sichuan",
        "version": __version__,
        "title": "四川省规则包（广安市争创全国双拥模范城考评）",
        "jurisdictions": [GUANG_AN],
        "sources": [
            "广安市争创全国双拥模范城“四连冠”工作方案 (2013–2015), 收于种子文件002 范文10, number not confirmed [secondary]",
        ],
    }


@sy.hookimpl
def shuangyong_schemes(register: Any) -> None:
    """Every ``schemes/*.toml``."""
    register(SCHEMES)
