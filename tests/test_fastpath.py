"""Visible speed: the roster summary's rules[].fast_path and ``shuangyong packs --check``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
from shuangyong.roster.run import run_roster
from shuangyong.cli.main import main
from shuangyong.testing import FixturePack

from conftest import make_id

pytest.importorskip("numpy")

_BASIS = sy.Basis(document="test fixture", certainty="assumption")
_TOML = """
[amount]
description = "test fixture"
[[amount.values]]
from = 2000-01-01
value = 100
source = { document = "test fixture", certainty = "assumption" }
"""


@sy.rule(code="t_year", period="monthly", title=("年份", "year"), inputs=("birth_date",), params=("t.amount",), basis=_BASIS)
def _reads_year(facts: Any, p: Any) -> Any:
    return p.amount if facts.birth_date.year < 1960 else sy.NotEligible("1960年后出生", "born 1960 or later")


@sy.rule(code="t_cmp", period="monthly", title=("比较", "compare"), inputs=("birth_date",), params=("t.amount",), basis=_BASIS)
def _compares(facts: Any, p: Any) -> Any:
    return p.amount if facts.birth_date < date(1960, 1, 1) else sy.NotEligible("1960年后出生", "born 1960 or later")


def test_summary_counts_rows_per_rule_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text(_TOML, encoding="utf-8")
    e = sy.Engine(plugins=[FixturePack("fp", [_reads_year, _compares], [tmp_path / "t.toml"])])
    records = [{"id_number": make_id("422827", date(1950 + 5 * i, 3, 1), 11 + 2 * i), "region": "422827"} for i in range(4)]
    records.append({"id_number": "not an id", "region": "422827"})  # rejected: counted nowhere
    run = run_roster(e, records, 2024)
    fp = {r["code"]: r["fast_path"] for r in run.summary()["rules"]}
    assert fp["t_cmp"] == {"rows": 4, "other_rows": 0, "why": {}}
    assert fp["t_year"]["rows"] == 0 and fp["t_year"]["why"] == {"outside_vocabulary": 4}
    # the reference road counts every row as such
    ref = run_roster(e, records, 2024, fast=False).summary()["rules"]
    assert {r["code"]: r["fast_path"]["why"] for r in ref}["t_cmp"] == {"reference": 4}


def test_packs_check_reports_every_rule_of_a_pack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["packs", "--check", "--packs", "guangxi", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["pack"], r["rule"], r["static"]) for r in rows] == [("guangxi", "dependent_spouse_allowance", None)]
    assert rows[0]["rows"] > 0 and rows[0]["other_rows"] == 0
    assert main(["packs", "--packs", "guangxi"]) == 0  # the listing is unchanged
    assert "guangxi" in capsys.readouterr().out


def _benchmark_roster(n: int) -> Any:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        import roster as bench  # benchmarks/roster.py: the population the speed figures are measured on
    finally:
        sys.path.pop(0)
    return bench.to_roster(bench.population(n, 7, 2024), 7)


@pytest.mark.parametrize("year", [2024, 2025])
def test_every_shipped_rule_stays_on_the_fast_path_for_the_benchmark_population(year: int) -> None:
    # A national rule that leaves the stand-ins' vocabulary is still right (it is priced with real values),
    # but a million-row run then takes minutes instead of seconds: in 2026-12 the 残疾抚恤金 rule read
    # ``facts.on.year`` and ``discharged.year`` and priced every disabled veteran one by one (369 s at 10⁶).
    # Nothing here is timed: the summary says which road each row took.
    from shuangyong.cli.main import SAMPLE_ROSTER

    engine = sy.Engine.from_plugins()
    for source in (_benchmark_roster(3000), SAMPLE_ROSTER):
        run = run_roster(engine, source, year)
        # "changes" (a fact changing inside the period: that row is priced month by month) is expected;
        # "outside_vocabulary" means a formula used a date in a way the stand-ins do not understand.
        slow = {r["code"]: r["fast_path"]["why"] for r in run.summary()["rules"] if "outside_vocabulary" in r["fast_path"]["why"]}
        assert slow == {}, (source if isinstance(source, Path) else "benchmark population", slow)
