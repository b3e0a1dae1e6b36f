"""Smoke test: once ``pip install -e rulepacks/jiangsu`` has run, entry-point discovery finds the pack."""

from __future__ import annotations

import importlib.metadata as md

import pytest
import shuangyong as sy

DIST = "shuangyong-jiangsu"


def _installed() -> bool:
    try:
        md.distribution(DIST)
    except md.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _installed(), reason=f"{DIST} is not installed (pip install -e rulepacks/jiangsu)")
def test_engine_from_plugins_lists_the_installed_pack() -> None:
    engine = sy.Engine.from_plugins(only=["jiangsu"])
    assert [p.name for p in engine.packs].count("jiangsu") == 1
    info = engine.registry.pack("jiangsu")
    assert info is not None and info.version == md.version(DIST)
    assert info.jurisdictions == ("320509",)
    codes = {r.code for r in engine.rules_for("320509")}
    assert {"conscript_family_allowance", "discharge_grant"} <= codes
