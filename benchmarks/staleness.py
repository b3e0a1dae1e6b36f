"""What does the roster summary's ``stale_results`` cost?  Baseline: the same run without it.

For each N and period it prints (never asserts), on the columnar road with the roster's parse
kept (as ``benchmarks/roster.py`` measures compute):

* the run alone (baseline: results, totals, reconciliation);
* the run plus ``stale_results`` — for a period whose figures are all current nothing more is
  priced; for a period reaching a carried-forward figure the roster is priced once more with
  those figures marked (``shuangyong.roster.staleness``);
* the ratio, and the count itself.

Run:  python benchmarks/staleness.py [N ...] [--periods 2024 2025 2025-09 2026-09] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shuangyong as sy  # noqa: E402
from roster import population, to_roster  # noqa: E402  (the same synthetic people as benchmarks/roster.py)


def _median(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[100_000])
    ap.add_argument("--periods", nargs="*", default=["2024", "2025", "2025-09", "2026-09"])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    engine = sy.Engine.from_plugins()
    for n in args.sizes:
        roster = to_roster(population(n, 1, 2024), 1)
        sy.run_roster(engine, roster, "2024")  # parse once, kept on the roster
        for period in args.periods:
            base = _median(lambda: sy.run_roster(engine, roster, period), args.runs)
            count = 0

            def with_stale() -> None:
                nonlocal count
                count = sy.run_roster(engine, roster, period).stale_results

            full = _median(with_stale, args.runs)
            print(f"N={n:>9,}  period {period:<8} run {base:7.3f} s   run + stale_results {full:7.3f} s   "
                  f"ratio {full / base:5.2f}   stale_results {count:,}")


if __name__ == "__main__":
    main()
