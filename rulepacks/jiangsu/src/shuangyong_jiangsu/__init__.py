"""江苏 rule pack: 苏州市吴江区 (320509) 义务兵家庭优待金 and 一次性经济补助.

Hook implementations only; the rules are in :mod:`shuangyong_jiangsu.rules`
and the figures, each with its source, in ``parameters/*.toml``.  Everything
is registered for 吴江区 alone: people elsewhere get exactly what they would
get without this pack.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shuangyong as sy

from . import rules

__version__ = "0.1.0"

_HERE = Path(__file__).parent
#: 江苏省苏州市吴江区 (GB/T 2260).
WUJIANG = "320509"


@sy.hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    """Who this pack is: name, version, jurisdictions and sources."""
    return {
        "name": "jiangsu",
        "version": __version__,
        "title": "江苏省苏州市吴江区优抚标准",
        "jurisdictions": [WUJIANG],
        "sources": [
            "《关于调整义务兵等人员家庭优待金和奖励金标准的通知》 吴退役军人〔2025〕9号，"
            "据吴江区人民政府网站政策解读（2025年3月）[secondary]",
            "江苏 自主就业退役士兵一次性经济补助 = 1.5 × 当地上年度城镇居民人均可支配收入（公开转载；文件及文号未经核实）[secondary]",
        ],
    }


@sy.hookimpl
def shuangyong_parameters(register: Callable[..., None]) -> None:
    """Register every parameter file for 吴江区."""
    register(_HERE / "parameters", jurisdiction=WUJIANG)


@sy.hookimpl
def shuangyong_rules(register: Callable[..., None]) -> None:
    """Register the 吴江区 rules."""
    for r in rules.ALL:
        register(r, jurisdiction=WUJIANG)
