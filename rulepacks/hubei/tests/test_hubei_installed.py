"""Smoke test: once ``pip install -e rulepacks/hubei`` has run, entry-point discovery finds the pack."""

from __future__ import annotations

import importlib.metadata as md

import pytest
import shuangyong as sy

DIST = "shuangyong-hubei"


def _installed() -> bool:
    try:
        md.distribution(DIST)
    except md.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _installed(), reason=f"{DIST} is not installed (pip install -e rulepacks/hubei)")
def test_engine_from_plugins_lists_the_installed_pack() -> None:
    engine = sy.Engine.from_plugins(only=["hubei"])
    assert [p.name for p in engine.packs].count("hubei") == 1
    info = engine.registry.pack("hubei")
    assert info is not None and info.version == md.version(DIST)
    assert info.jurisdictions == ("422827",)
    codes = {r.code for r in engine.rules_for("422827")}
    assert {"conscript_family_allowance", "award_bonus", "discharge_grant", "old_demobilised_allowance"} <= codes
