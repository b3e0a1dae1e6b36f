"""Which campaign plans and visit schemes the loaded packs registered (hook ``shuangyong_campaign_plans``)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from attrs import frozen

from .plans import CampaignError, CampaignPlan, load_plan
from .visits import VisitScheme, load_visit_scheme

__all__ = ["load_campaign_file", "CampaignRegistry", "campaign_registry", "plan"]


def load_campaign_file(source: str | os.PathLike[str]) -> CampaignPlan | VisitScheme:
    """A plan or a visit scheme from a TOML file, by its ``kind``."""
    path = Path(source)
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except OSError as e:
        raise CampaignError(f"{path}: cannot read ({e.strerror or e})") from None
    except tomllib.TOMLDecodeError as e:
        raise CampaignError(f"{path}: not valid TOML ({e})") from None
    # Read twice (kind, then the loader): the loaders name the file in every error.
    if doc.get("kind") == "visits":
        return load_visit_scheme(path)
    return load_plan(path)


@frozen
class CampaignRegistry:
    """Plans and visit schemes by code, each with the pack that registered it."""

    plans: dict[str, tuple[str, CampaignPlan]]
    visits: dict[str, tuple[str, VisitScheme]]


def campaign_registry(engine: Any) -> CampaignRegistry:
    """Split an engine's registered campaign files into plans and visit schemes."""
    items = getattr(engine.registry, "campaign_plans", {})
    return CampaignRegistry(
        {c: v for c, v in items.items() if isinstance(v[1], CampaignPlan)},
        {c: v for c, v in items.items() if isinstance(v[1], VisitScheme)},
    )


def plan(engine: Any, code_or_path: str | os.PathLike[str]) -> CampaignPlan:
    """An installed plan by code, or a plan file by path."""
    if isinstance(code_or_path, (str, os.PathLike)) and Path(code_or_path).suffix == ".toml":
        return load_plan(code_or_path)
    plans = campaign_registry(engine).plans
    if str(code_or_path) not in plans:
        raise CampaignError(f"no campaign plan {code_or_path!r}; installed: {', '.join(sorted(plans)) or 'none'}")
    return plans[str(code_or_path)][1]
