"""Smoke test: once ``pip install -e rulepacks/jiangxi`` has run, entry-point discovery finds the pack."""

from __future__ import annotations

import importlib.metadata as md

import pytest
import shuangyong as sy

DIST = "shuangyong-jiangxi"


def _installed() -> bool:
    try:
        md.distribution(DIST)
    except md.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _installed(), reason=f"{DIST} is not installed (pip install -e rulepacks/jiangxi)")
def test_engine_from_plugins_lists_the_installed_pack() -> None:
    engine = sy.Engine.from_plugins(only=["jiangxi"])
    assert [p.name for p in engine.packs].count("jiangxi") == 1
    info = engine.registry.pack("jiangxi")
    assert info is not None and info.version == md.version(DIST)
    assert info.jurisdictions == ("360426", "360000")
    codes = {r.code for r in engine.rules_for("360426")}
    assert {"conscript_family_allowance"} <= codes
