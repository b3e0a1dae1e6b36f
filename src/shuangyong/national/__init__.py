"""The national rules (国家标准), registered through the same hooks as any province.

Figures and their certainty come from ``shared/policy-facts.md`` §1, §2 and
§5; each parameter file under ``parameters/`` names its document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..plugins import hookimpl
from . import rules

PARAMETERS = Path(__file__).parent / "parameters"
SCHEMES = Path(__file__).parent / "schemes"
CAMPAIGNS = Path(__file__).parent / "campaigns"


@hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    from .. import __version__

    return {
        "name": "national",
        "version": __version__,
        "title": "国家优抚标准（军人抚恤优待条例等）",
        "jurisdictions": [],
        "sources": [
            "《军人抚恤优待条例》 国务院、中央军委令第413号 (2004), 2011、2019 修订; 令第788号 (2024-10-01 施行) [primary]",
            "退役军人事务部、财政部 历年调整抚恤和生活补助标准的通知 [secondary]",
            "民发〔2011〕110号 农村籍退役士兵老年生活补助 [secondary]",
        ],
    }


@hookimpl
def shuangyong_parameters(register: Any) -> None:
    register(PARAMETERS)


@hookimpl
def shuangyong_rules(register: Any) -> None:
    for r in rules.ALL:
        register(r)


@hookimpl
def shuangyong_schemes(register: Any) -> None:
    """The national 双拥模范城（县） skeleton and the grassroots checklists (五个一, 八有, 十有, 四落实)."""
    for path in sorted(SCHEMES.glob("*.toml")):
        register(path)


@hookimpl
def shuangyong_campaign_plans(register: Any) -> None:
    """Seed 001's “双拥在基层” plan (2015–2016)."""
    register(CAMPAIGNS)
