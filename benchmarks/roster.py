"""Roster runs at N = 10⁴ … 10⁶: persons/second and peak memory, against OpenFisca.

Usage (from the repository root, with ``pip install -e ".[bench]"``)::

    python benchmarks/roster.py                    # N = 10,000 (well under a minute)
    python benchmarks/roster.py 10000 100000 1000000
    python benchmarks/roster.py 100000 --no-openfisca --year 2024

For each N it prints, for shuangyong (``sy.Engine.from_plugins()``: the national
rules plus every installed rule pack) and, when ``benchmarks/ofmodel`` and
openfisca-core import, for the OpenFisca model of the five monthly national rules:

* **compute** — roster already in memory, to per-person yearly amounts per rule, totals and
  reconciliation (shuangyong: a :class:`shuangyong.roster.reading.Roster` whose columns a first run has
  parsed — IDs checked, dates read, values indexed — and kept; OpenFisca: its numpy input columns);
  the first run, parse included, is printed too;
* **end to end** (shuangyong) — the CSV file in, results CSV + rejects + summary JSON out;
* persons per second (compute: the median of ``--runs`` runs, for both models), and peak
  memory measured by ``tracemalloc`` in a separate run of the same step (tracemalloc slows
  Python down, so times come from the untraced runs);
* whether the five national rules agree with OpenFisca's exact integer-分 reference,
  and how many of OpenFisca's float32 yearly totals are off by more than 1 分.

The population (``ofmodel.make_situation`` when available, else the same distribution
drawn here) is documented in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import shuangyong as sy  # noqa: E402
from shuangyong.roster.run import run_roster  # noqa: E402
from shuangyong.ids import check_character  # noqa: E402
from shuangyong.roster.reading import Roster, read_roster  # noqa: E402

try:  # the OpenFisca model is written by another benchmark; use it when it is there
    import ofmodel  # type: ignore[import-not-found]
except Exception as e:  # noqa: BLE001 - openfisca missing or the model not written yet
    ofmodel = None
    OF_WHY = f"{type(e).__name__}: {e}"
else:
    OF_WHY = ""

#: Where the synthetic people live: the national rules apply everywhere; a pack applies in its county.
REGIONS = (("422827", 0.55, "湖北 来凤县 (hubei pack)"), ("370830", 0.25, "山东 汶上县 (shandong pack)"),
           ("451422", 0.20, "广西 宁明县 (guangxi pack)"))
FIVE = ("disability_pension", "survivor_pension", "sick_returnee_allowance", "combat_veteran_allowance",
        "rural_veteran_old_age_allowance")


# -- the population ----------------------------------------------------------------------------


def population(n: int, seed: int, year: int) -> dict[str, np.ndarray]:
    """Input columns as ``ofmodel.make_situation`` gives them (drawn here when it is absent)."""
    if ofmodel is not None:
        return ofmodel.make_situation(n, seed=seed, year=year)
    rng = np.random.default_rng(seed)
    disabled = rng.random(n) < 0.30
    birth = np.datetime64("1935-01-01") + rng.integers(0, 14975, n).astype("timedelta64[D]")
    enlisted = birth + (rng.integers(18, 23, n) * 365 + 40).astype("timedelta64[D]")
    span = (np.datetime64(f"{year}-01-01") - enlisted).astype(np.int64)
    recent = rng.random(n) < 0.03
    assessed = np.where(recent, np.datetime64(f"{year}-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]"),
                        enlisted + (rng.random(n) * span).astype("timedelta64[D]"))
    return {
        "disability_grade": np.where(disabled, rng.integers(1, 11, n), 0).astype(np.int8),
        "disability_cause": np.where(disabled, rng.choice([1, 2, 3], n, p=[0.4, 0.4, 0.2]), 0).astype(np.int8),
        "disability_assessed": assessed.astype("datetime64[D]"),
        "survivor_of": np.where(rng.random(n) < 0.15, rng.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2]), 0).astype(np.int8),
        "hukou": np.where(rng.random(n) < 0.55, 2, 1).astype(np.int8),
        "sick_returnee": rng.random(n) < 0.10,
        "combat_veteran": rng.random(n) < 0.15,
        "rural_veteran": rng.random(n) < 0.35,
        "birth_date": birth.astype("datetime64[D]"),
        "conscript_years": rng.integers(1, 7, n).astype(np.int16),
        "enlisted": enlisted.astype("datetime64[D]"),
    }


def to_roster(cols: dict[str, np.ndarray], seed: int) -> Roster:
    """The same people as a roster of text columns (what reading the CSV gives), built column-wise.

    Mirrors ``ofmodel.to_records``: a service record only for veterans (a category flag or a
    disability), discharged two months short of whole years so that years counted up give
    ``conscript_years`` back.  ID numbers are synthetic and unique: region + birth date + a
    sequence number counted per birth date (odd: male) + the GB 11643 check character.
    """
    from array import array

    n = len(cols["hukou"])
    rng = np.random.default_rng(seed + 1)
    cum = np.cumsum([p for _, p, _ in REGIONS])
    region_idx = np.searchsorted(cum, rng.random(n) * cum[-1], side="right").clip(0, len(REGIONS) - 1)
    region = [REGIONS[k][0] for k in region_idx.tolist()]
    births = np.datetime_as_string(cols["birth_date"], unit="D")
    ymd = np.char.replace(births, "-", "")
    order = np.lexsort((np.arange(n), region_idx, ymd))
    seq = np.zeros(n, dtype=np.int64)
    key = np.char.add(np.array([r for r, _, _ in REGIONS])[region_idx], ymd)[order]
    starts = np.r_[True, key[1:] != key[:-1]]
    grp_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    seq[order] = np.arange(n) - grp_start
    first17 = [f"{r}{d}{(2 * s + 1) % 1000:03d}" for r, d, s in zip(region, ymd.tolist(), seq.tolist())]
    ids = [f + check_character(f) for f in first17]
    grade = cols["disability_grade"].astype(np.int64)
    cause = np.array(["", "因战", "因公", "因病"])[cols["disability_cause"]]
    surv = cols["survivor_of"].astype(np.int64)
    flags = {"sick_returnee": "带病回乡退伍军人", "combat_veteran": "参战退役人员", "rural_veteran": "农村籍退役士兵"}
    parts = [np.where(grade > 0, "残疾军人", ""), np.array(["", "烈士遗属", "因公牺牲军人遗属", "病故军人遗属"])[surv]]
    parts += [np.where(cols[c], label, "") for c, label in flags.items()]
    cats = ["、".join(p for p in row if p) for row in zip(*(p.tolist() for p in parts))]
    veteran = (grade > 0) | cols["sick_returnee"] | cols["combat_veteran"] | cols["rural_veteran"]
    enl = cols["enlisted"].astype("datetime64[D]")
    years = cols["conscript_years"].astype(np.int64)
    em = enl.astype("datetime64[M]")
    dis = (em + (12 * years - 2).astype("timedelta64[M]")).astype("datetime64[D]")
    v = veteran.tolist()

    def when(a: np.ndarray, mask: Any) -> list[str]:
        s = np.datetime_as_string(a, unit="D").tolist()
        return [x if m else "" for x, m in zip(s, mask)]

    data = {
        "身份证号": ids,
        "姓名": ["测试" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + str(i) for i in range(n)],
        "行政区划代码": region,
        "户籍": np.array(["", "城镇", "农村"])[cols["hukou"]].tolist(),
        "类别": cats,
        "伤残等级": [str(g) if g else "" for g in grade.tolist()],
        "伤残性质": cause.tolist(),
        "评残时间": when(cols["disability_assessed"], (grade > 0).tolist()),
        "遗属类别": np.array(["", "烈士", "因公牺牲", "病故"])[surv].tolist(),
        "入伍时间": when(enl, v),
        "退役时间": when(dis, v),
        "服役类型": ["义务兵" if x else "" for x in v],
        "义务兵役年限": [str(y) if x else "" for y, x in zip(years.tolist(), v)],
    }
    headers = list(data)
    return Roster(headers=headers, data=data, row_numbers=array("l", range(2, n + 2)), source="synthetic", format="memory")


def write_csv(roster: Roster, path: Path) -> None:
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(roster.headers)
        w.writerows(zip(*(roster.data[h] for h in roster.headers)))


# -- measuring ------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def median_time(fn: Callable[[], Any], runs: int) -> tuple[Any, float]:
    """The median of ``runs`` timed runs (each after the previous result is freed), and the last result."""
    times = []
    out = None
    for _ in range(runs):
        out = None
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return out, times[len(times) // 2]


def peak_mib(fn: Callable[[], Any]) -> float:
    """Peak of memory allocated through Python's allocators (numpy included) while ``fn`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds / 1e6:6.3f} M persons/s ({seconds:7.2f} s)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000], help="roster sizes N (default 10000)")
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-openfisca", action="store_true", help="skip the OpenFisca model")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs (halves the time)")
    ap.add_argument("--runs", type=int, default=5, help="compute is timed as the median of this many runs, for both models (default 5)")
    args = ap.parse_args(argv)

    try:
        engine = sy.Engine.from_plugins()
    except sy.RulePackLoadError as e:
        print(f"note: installed packs failed to load ({e}); national rules only")
        engine = sy.Engine()
    packs = [p.name for p in engine.packs if p.name != "national"]
    print(f"shuangyong {sy.__version__}; numpy {np.__version__}; packs: {', '.join(packs) or 'none installed (national rules only)'}")
    for code, _, label in REGIONS:
        rules = [r.code for r in engine.rules_for(code)]
        print(f"  {code} {label}: {len(rules)} rules ({', '.join(rules)})")
    if not packs:
        print("  note: no provincial pack is installed; install one (pip install -e rulepacks/hubei) for the full comparison")
    use_of = not args.no_openfisca and ofmodel is not None
    if not args.no_openfisca and ofmodel is None:
        print(f"  OpenFisca model not available ({OF_WHY}); shuangyong figures only")
    system = ofmodel.build_system() if use_of else None

    for n in args.sizes:
        print(f"\nN = {n:,}  (year {args.year})")
        cols = population(n, args.seed, args.year)
        roster = to_roster(cols, args.seed)
        period = sy.Period.year(args.year)

        def compute() -> Any:
            return run_roster(engine, roster, period)

        # The first run parses the text columns (IDs checked, dates read, values indexed) and keeps the
        # parse with the roster; the second starts from the parsed roster, as OpenFisca starts from its arrays.
        _, t_parse = timed(compute)
        run, t_sy = median_time(compute, args.runs)
        print(f"  shuangyong parse+compute {rate(n, t_parse)}   (text columns in memory, first run)")
        print(f"  shuangyong compute     {rate(n, t_sy)}   rows in {run.rows_in} = {run.computed} computed + {run.rejected} rejected"
              f" ({run.path} road; roster parsed)")
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "roster.csv"
            write_csv(roster, src)

            def end_to_end() -> Any:
                r = run_roster(engine, read_roster(src), period)
                r.write_results(Path(tmp) / "results.csv")
                r.write_rejects(Path(tmp) / "rejects.csv")
                r.write_summary(Path(tmp) / "summary.json")
                return r

            _, t_e2e = timed(end_to_end)
            print(f"  shuangyong end to end  {rate(n, t_e2e)}   (CSV {src.stat().st_size / 2**20:.0f} MiB in; results, rejects, summary out)")
            # Writing results: the masked, all-ASCII CSV (byte tables; formula-safe by construction)
            # against the baseline of the general writer that neutralises and masks every text cell
            # (what --keep 姓名 takes), and the whole set written atomically with the summary last.
            res = Path(tmp) / "w.csv"
            _, t_fast = median_time(lambda: run.write_results(res), 3)
            _, t_cells = median_time(lambda: run.write_results(res, keep=["姓名"]), 3)
            _, t_set = median_time(lambda: run.write_outputs(res, Path(tmp) / "wj.csv", Path(tmp) / "ws.json"), 3)
            print(f"  results CSV write      {rate(n, t_fast)}   (masked IDs + amounts; baseline: cell by cell with --keep 姓名 "
                  f"{rate(n, t_cells).strip()}, {t_cells / t_fast:4.1f}× slower; results+rejects+summary atomically {t_set:6.2f} s)")
            m_sy = m_e2e = None
            if not args.no_memory:
                m_sy = peak_mib(compute)
                m_e2e = peak_mib(end_to_end)
                print(f"  shuangyong peak memory compute {m_sy:7.1f} MiB, end to end {m_e2e:7.1f} MiB (tracemalloc)")
        if use_of:
            of, t_of = median_time(lambda: ofmodel.run_population(system, cols, args.year), args.runs)
            print(f"  OpenFisca compute      {rate(n, t_of)}   → shuangyong is {t_of / t_sy:5.1f}× its throughput")
            if not args.no_memory:
                m_of = peak_mib(lambda: ofmodel.run_population(system, cols, args.year))
                print(f"  OpenFisca peak memory  {m_of:7.1f} MiB → shuangyong compute uses {m_sy / m_of:5.2f}× of it")
            exact = ofmodel.exact_population_fen(system, cols, args.year)
            agree = compare(run, exact, n)
            print(f"  five national rules: shuangyong = exact integer-分 reference for {agree}")
            print(f"  OpenFisca float32 yearly totals off by more than 1 分: "
                  f"{ofmodel.count_off_by_more_than_a_fen(of['total'], exact['total']):,} of {n:,}")
    return 0


def compare(run: Any, exact: dict[str, np.ndarray], n: int) -> str:
    """How many people the five national rules agree for, to the 分 (rows are in roster order)."""
    o = run._o
    if list(o.rows.tolist()) != list(range(2, n + 2)):
        return "(some rows rejected; comparison skipped)"
    bad = 0
    for code in FIVE:
        if code not in o.fen:
            return f"(rule {code} not run)"
        mine = np.asarray(o.fen[code], dtype=np.int64).clip(0, None)
        bad = max(bad, int((mine != exact[code]).sum()))
    return f"{n - bad:,} of {n:,} people on every rule" if bad == 0 else f"all but {bad:,} people (see rule by rule)"


if __name__ == "__main__":
    raise SystemExit(main())
