"""The national worked examples in ``tests/cases/national/*.toml``: every national table has its file.

Each case was computed from the figures of the research table (national-standards.md) with the
arithmetic in its name: a month at every effective date encoded, the 1 August straddles, and the
years a figure is carried forward (whose explanation must say so).  The cases are run one by one and
through ``run_roster`` by shuangyong's pytest plugin (``shuangyong.pytest_plugin``), as every case file is.
"""

from __future__ import annotations

from pathlib import Path

CASES = Path(__file__).parent / "cases" / "national"


def test_every_national_file_has_cases() -> None:
    names = {p.stem for p in CASES.glob("*.toml")}
    assert {"disability_pension", "survivor_pension", "sick_returnee_allowance", "combat_veteran_allowance",
            "rural_veteran_old_age_allowance", "martyr_child_allowance"} <= names
