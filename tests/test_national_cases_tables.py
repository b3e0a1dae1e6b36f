"""The national worked examples in ``tests/cases/national/*.toml``, one by one and through ``run_roster``.

Each case was computed from the figures of the research table (national-standards.md) with the
arithmetic in its name: a month at every effective date encoded, the 1 August straddles, and the
years a figure is carried forward (whose explanation must say so).  Cases for a rule this engine
does not register (a rule written on another branch) are skipped, never passed.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
from shuangyong.testing import case_params, check_case, load_cases, synthetic_id

CASES = Path(__file__).parent / "cases" / "national"


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine()


def _codes(engine: sy.Engine) -> set[str]:
    return {r.code for r in engine.rules_for("422827")}


@pytest.mark.parametrize("case", case_params(CASES))
def test_national_case(engine: sy.Engine, case: dict[str, Any]) -> None:
    missing = set(case.get("expect", {})) - _codes(engine)
    if missing:
        pytest.skip(f"rule(s) {sorted(missing)} not registered on this branch")
    check_case(engine, case)


def _by_period(engine: sy.Engine) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    codes = _codes(engine)
    for _, case in load_cases(CASES):
        if set(case["expect"]) <= codes:
            out[str(case["period"])].append(case)
    return out


def test_every_case_through_run_roster(engine: sy.Engine) -> None:
    """The same cases as one roster per period: the roster road pays each row what the case says."""
    checked = 0
    for period, cases in sorted(_by_period(engine).items()):
        records = []
        for seq, case in enumerate(cases, start=1):
            rec = dict(case["person"])
            rec["id_number"] = synthetic_id(rec["region"], rec["birth_date"], seq)
            records.append(rec)
        run = sy.run_roster(engine, records, period)
        assert run.rejected == 0, [r.to_dict() for r in run.rejects]
        rows = list(run.results())
        assert len(rows) == len(cases)
        for case, row in zip(cases, rows):
            for code, amount in case["expect"].items():
                assert row[code] == Decimal(amount), (period, case["name"], code, row[code])
                checked += 1
    assert checked > 150


def test_every_national_file_has_cases() -> None:
    names = {p.stem for p in CASES.glob("*.toml")}
    assert {"disability_pension", "survivor_pension", "sick_returnee_allowance", "combat_veteran_allowance",
            "rural_veteran_old_age_allowance", "martyr_child_allowance"} <= names
