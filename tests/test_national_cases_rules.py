"""Issue 13 §3–§5 worked examples (``cases/national/i13_rules.toml``), one by one and through ``run_roster``.

Each case was computed by hand from the national standards and the articles named in its ``name``.
A case that ``needs`` a standard the loaded tables do not hold yet (the issue-13 tables) is skipped
with that reason rather than compared with a carried-forward figure.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
from shuangyong.batch import run_roster
from shuangyong.testing import check_case, load_cases, synthetic_id

CASES = Path(__file__).parent / "cases" / "national"
# Only this issue's file: the folder also holds other branches' case files with their own runner.
LOADED = [c for c in load_cases(CASES) if c[0].startswith("i13_rules-")]


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine()


def _missing_needs(engine: sy.Engine, case: dict[str, Any]) -> list[str]:
    """The ``name@from`` values a case needs that no loaded parameter holds."""
    missing = []
    for need in case.get("needs", []):
        name, _, start = need.partition("@")
        starts = {v.start.isoformat() for p in engine.parameters.parameters(name) for v in p.values}
        if start not in starts:
            missing.append(need)
    return missing


def _record(case: dict[str, Any], seq: int) -> dict[str, Any]:
    """The case's record (``person``, or ``record`` as the brief names it) with a synthetic 身份证号.

    A distinct ``seq`` per case lets one roster hold them all.
    """
    rec = dict(case.get("person") or case["record"])
    born = str(rec.pop("born", rec.get("birth_date")))
    rec["birth_date"] = born
    rec.setdefault("id_number", synthetic_id(str(rec["region"]), born, seq))
    return rec


@pytest.mark.parametrize("case", [pytest.param(c, id=cid) for cid, c in LOADED])
def test_case_one_by_one(engine: sy.Engine, case: dict[str, Any]) -> None:
    missing = _missing_needs(engine, case)
    if missing:
        pytest.skip(f"needs the issue-13 national tables: {', '.join(missing)}")
    check_case(engine, {**case, "person": _record(case, 101)})


def test_the_cases_are_loaded() -> None:
    assert len(LOADED) >= 30


@pytest.mark.parametrize("fast", [None, False], ids=["default road", "reference road"])
def test_cases_through_run_roster(engine: sy.Engine, fast: bool | None) -> None:
    """The same cases as one roster per period: every row computed, each expected amount the same."""
    by_period: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for i, (_, case) in enumerate(LOADED):
        if _missing_needs(engine, case):
            continue
        by_period.setdefault(str(case["period"]), []).append((case, _record(case, 101 + 2 * i)))
    assert by_period, "no runnable case"
    for period, items in by_period.items():
        run = run_roster(engine, [rec for _, rec in items], period, fast=fast)
        assert run.rejected == 0, [r.reason for r in run.rejects]
        results = list(run.results())
        assert len(results) == len(items)
        for (case, _), row in zip(items, results):
            for code, amount in case["expect"].items():
                assert row[code] == Decimal(amount), (case["name"], code, row[code])


def test_every_new_rule_has_a_case() -> None:
    codes = {code for _, c in LOADED for code in c["expect"]}
    assert {"old_demobilised_subsidy", "martyr_child_allowance", "martyr_honour_grant", "combat_veteran_death_allowance",
            "disability_pension", "survivor_pension", "funeral_grant", "death_lump_sum",
            "rural_veteran_old_age_allowance"} <= codes
