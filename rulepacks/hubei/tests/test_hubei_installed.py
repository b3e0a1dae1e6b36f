"""Smoke test: once ``pip install -e rulepacks/hubei`` has run, entry-point discovery finds the pack."""

from __future__ import annotations

from shuangyong.testing import check_installed_pack


def test_engine_from_plugins_lists_the_installed_pack() -> None:
    check_installed_pack("hubei", "shuangyong-hubei", ("422827",), {"conscript_family_allowance", "award_bonus", "discharge_grant", "old_demobilised_allowance"})
