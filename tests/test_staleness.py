"""Staleness: parameters declare when they are expected to be revised; figures carried past that day
are said so in explanations, listed by ``shuangyong params --stale`` and counted in the roster summary."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.roster import run as batch
from shuangyong.params import ParameterSet, load_parameter_file, parse_update, stale_parameters
from shuangyong.testing import synthetic_id

NATIONAL = "yearly-10-01 until 2018-08-01, yearly-08-01"


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine()


@pytest.mark.parametrize(
    ("spec", "start", "due"),
    [
        ("yearly", date(2020, 8, 1), date(2021, 8, 1)),
        ("yearly-08-01", date(2024, 8, 1), date(2025, 8, 1)),
        ("yearly-08-01", date(2023, 1, 1), date(2023, 8, 1)),   # 7 months on: due at the next 1 August
        ("yearly-08-01", date(2023, 5, 1), date(2024, 8, 1)),   # set 3 months before: not due that August
        (NATIONAL, date(2013, 10, 1), date(2014, 10, 1)),
        (NATIONAL, date(2017, 10, 1), date(2018, 8, 1)),        # the schedule moved to 1 August in 2018
        (NATIONAL, date(2012, 1, 1), date(2012, 10, 1)),
        (NATIONAL, date(2011, 7, 1), date(2012, 10, 1)),        # 烈士子女 began in July 2011, first raised 2014
        (NATIONAL, date(2024, 8, 1), date(2025, 8, 1)),
        ("yearly-02-29", date(2023, 3, 1), date(2024, 2, 29)),
    ],
)
def test_next_expected_revision(spec: str, start: date, due: date) -> None:
    schedule = parse_update(spec)
    assert schedule is not None and schedule.next_after(start) == due


@pytest.mark.parametrize("spec", ["monthly", "yearly-13-01", "yearly-08-01 until 2018-08-01",
                                  "yearly-10-01, yearly-08-01", "yearly-10-01 until 2019-01-01, yearly-08-01 until 2018-01-01, yearly-09-01"])
def test_a_bad_update_is_refused_naming_the_key(tmp_path: Path, spec: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(f'[s]\nupdate = "{spec}"\n[[s.values]]\nfrom = 2020-01-01\nvalue = 1\n'
                    'source = { document = "测试", certainty = "assumption" }\n', encoding="utf-8")
    with pytest.raises(sy.ParameterFileError) as err:
        load_parameter_file(path)
    assert "s.update" in str(err.value)


def test_national_lookup_names_the_expected_revision(engine: sy.Engine) -> None:
    ps = engine.parameters
    before = ps.lookup("survivor_pension.martyr", "422827", date(2025, 7, 31))
    after = ps.lookup("survivor_pension.martyr", "422827", date(2025, 8, 1))
    assert before.start == after.start == date(2024, 8, 1)
    assert (before.carried_forward, after.carried_forward) == (False, True)
    assert after.expected_update == date(2025, 8, 1)
    assert after.to_dict()["expected_update"] == "2025-08-01"


def test_stale_parameters_lists_exactly_the_series_without_a_2025_figure(engine: sy.Engine) -> None:
    national = {s.name for s in stale_parameters(engine.parameters, date(2025, 9, 1)) if s.jurisdiction == "national"}
    # national-standards.md: 2025 figures exist for 残疾 and 参战 only
    assert {"survivor_pension.martyr", "survivor_pension.died_on_duty", "survivor_pension.died_of_illness",
            "sick_returnee_allowance.annual_standard", "rural_veteran_old_age_allowance.annual_per_service_year",
            "martyr_child_allowance.annual"} <= national
    assert "disability_pension.annual_standard" not in national
    assert "combat_veteran_allowance.annual_standard" not in national
    assert not any(n.endswith(".start") for n in national)  # no schedule: never stale
    assert "disability_pension.annual_standard" in {s.name for s in stale_parameters(engine.parameters, date(2026, 8, 1))}
    # the 2020 gap of 烈士子女 (no figure found): 2019's carried through 2020-08 … 2021-07
    mid = {s.name for s in stale_parameters(engine.parameters, date(2020, 9, 1)) if s.jurisdiction == "national"}
    assert "martyr_child_allowance.annual" in mid and "survivor_pension.martyr" not in mid


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shuangyong", *args], capture_output=True, text=True, timeout=120)


def test_cli_params_stale() -> None:
    done = _cli("params", "--stale", "--date", "2025-09-01")
    assert done.returncode == 0, done.stderr
    assert "survivor_pension.martyr" in done.stdout
    assert "2025-08-01 起标准未录入，沿用 2024-08-01 标准，可能已调整" in done.stdout
    assert "disability_pension.annual_standard " not in done.stdout
    as_json = json.loads(_cli("params", "--stale", "--date", "2025-09-01", "--json").stdout)
    row = next(s for s in as_json["stale"] if s["name"] == "survivor_pension.martyr")
    assert (row["from"], row["expected_update"], row["jurisdiction"]) == ("2024-08-01", "2025-08-01", "national")
    one = _cli("params", "survivor_pension.martyr", "--date", "2025-09-01")
    assert one.returncode == 0 and "2025-08-01 起标准未录入，沿用 2024-08-01 标准，可能已调整" in one.stdout
    assert "标准未录入" not in _cli("params", "survivor_pension.martyr", "--date", "2025-07-01").stdout
    fresh = _cli("params", "--stale", "--date", "2024-09-01", "survivor_pension.martyr")
    assert fresh.returncode == 0 and "survivor_pension.martyr" not in fresh.stdout.split("：")[-1]


def _survivor(seq: int, **more: Any) -> dict[str, Any]:
    return {"region": "422827", "birth_date": "1940-02-02", "hukou": "农村", "survivor_of": "烈士", "categories": "烈士遗属",
            "relation": "父母", "member_death_date": "2000-05-01", "id_number": synthetic_id("422827", "1940-02-02", seq)} | more


def _combat(seq: int) -> dict[str, Any]:
    return {"region": "422827", "birth_date": "1950-03-15", "categories": "参战退役人员", "id_number": synthetic_id("422827", "1950-03-15", seq)}


@pytest.mark.parametrize("fast", [True, False])
def test_summary_counts_results_on_carried_forward_figures(engine: sy.Engine, fast: bool) -> None:
    rows = [_survivor(1), _survivor(3), _combat(5), _survivor(7, death_date="2025-03-01")]
    # 2025: both living survivors are paid Aug–Dec on the carried 2024 figure; the 参战 figure of 2025-08-01
    # was found; the survivor who died in March was paid only before 2025-08-01 (and the funeral grant uses
    # the figure in force on the day of death).
    run = sy.run_roster(engine, rows, "2025", fast=fast)
    assert run.summary()["stale_results"] == 2
    assert any("2 项结果沿用已过预期调整日期的标准" in line for line in run.lines())
    # 2026-09: the 参战 2025 figure is carried past 2026-08-01 as well
    assert sy.run_roster(engine, rows, "2026-09", fast=fast).summary()["stale_results"] == 3
    assert sy.run_roster(engine, rows, "2024", fast=fast).summary()["stale_results"] == 0


def test_a_current_period_prices_the_roster_once(engine: sy.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = batch._compute
    monkeypatch.setattr(batch, "_compute", lambda *a, **k: calls.append(1) or real(*a, **k))
    rows = [_survivor(1), _combat(5)]
    sy.run_roster(engine, rows, "2024-09").summary()
    assert len(calls) == 1
    sy.run_roster(engine, rows, "2025-09").summary()
    assert len(calls) == 3  # the marked second run, only when something is carried forward


def test_a_provincial_figure_of_its_own_is_not_stale(tmp_path: Path) -> None:
    # a province that entered its own 2025 figure: its people are not counted, the others are
    path = tmp_path / "p.toml"
    path.write_text('prefix = ""\n["survivor_pension.martyr"]\nupdate = "yearly-08-01"\n'
                    '[["survivor_pension.martyr".values]]\nfrom = 2025-08-01\nvalue = 44000\n'
                    'source = { document = "测试省通知", certainty = "assumption" }\n', encoding="utf-8")
    from shuangyong.testing import FixturePack

    e = sy.Engine(plugins=[FixturePack("prov", [], [path], jurisdiction="420000")])
    rows = [_survivor(1), _survivor(3, region="110101", id_number=synthetic_id("110101", "1940-02-02", 3))]
    run = sy.run_roster(e, rows, "2025-09")
    assert run.summary()["stale_results"] == 1
    paid = [r["survivor_pension"] for r in run.results()]
    assert paid == [Decimal("3666.67"), Decimal("3488.00")]  # 44,000 ÷ 12 (the province's own); 41,856 ÷ 12 (carried)


@settings(max_examples=25, deadline=None)
@given(year=st.integers(2012, 2026), month=st.integers(1, 12), kinds=st.lists(st.sampled_from(["s", "c", "d"]), min_size=1, max_size=5))
def test_both_roads_count_alike_and_never_more_than_the_results(engine: sy.Engine, year: int, month: int, kinds: list[str]) -> None:
    rows = []
    for k, kind in enumerate(kinds):
        seq = 2 * k + 1
        rows.append(_survivor(seq) if kind == "s" else _combat(seq) if kind == "c" else
                    _survivor(seq, death_date=f"{year}-{month:02d}-10"))
    period = f"{year}-{month:02d}"
    fast = sy.run_roster(engine, rows, period, fast=True)
    slow = sy.run_roster(engine, rows, period, fast=False)
    assert fast.stale_results == slow.stale_results <= sum(1 for r in fast.results() for c in fast.rule_codes if r[c] is not None)


def test_a_complete_national_series_is_never_flagged_between_its_own_rises(engine: sy.Engine) -> None:
    """Each national value is replaced on or before the day it was expected to change, except the known gaps."""
    known_gaps = {("martyr_child_allowance.annual", date(2019, 8, 1))}  # the 2020 figure was not found
    seen = 0
    for p in engine.parameters.parameters():
        if p.jurisdiction != "national" or p.schedule is None:
            continue
        for v, nxt in zip(p.values, p.values[1:]):
            if v.value is None:
                continue
            due = p.expected_update(v)
            assert due is not None
            if (p.name, v.start) in known_gaps:
                assert due < nxt.start
            else:
                assert nxt.start <= due, (p.name, v.start, due, nxt.start)
            seen += 1
    assert seen > 80


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2000, 1, 1), date(2040, 12, 31)), spec=st.sampled_from(["yearly", "yearly-08-01", NATIONAL, "yearly-02-29"]))
def test_the_next_revision_is_later_and_on_the_schedule(start: date, spec: str) -> None:
    schedule = parse_update(spec)
    assert schedule is not None
    due = schedule.next_after(start)
    assert due > start
    if spec == "yearly":
        assert (due.month, due.day) in {(start.month, start.day), (2, 28)} and due.year == start.year + 1
    else:
        settled = date(start.year + (start.month + 5) // 12, (start.month + 5) % 12 + 1, 1)
        assert due >= min(settled, date(start.year + 1, start.month, min(start.day, 28)))
        day = (10, 1) if spec == NATIONAL and due < date(2018, 8, 1) else (8, 1) if spec != "yearly-02-29" else (2, 29)
        assert (due.month, due.day) == day or (day == (2, 29) and (due.month, due.day) == (2, 28))
        assert (due - start).days <= 366 + 184
