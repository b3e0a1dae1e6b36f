"""One person, one year, every national rule: how long do entitlements() and explain() take?

Prints (never asserts):

* the median time of ``engine.entitlements(person, Period.year(Y))`` after warm-up
  (target ≤ 0.1 ms) and of ``engine.explain(...)`` (target ≤ 1 ms), for a person who
  holds the categories of all five monthly national rules;
* the same call on different people (the engine's unit cache helps less there);
* the same person on the OpenFisca model of ``benchmarks/ofmodel`` (a single-person
  simulation built from a situation dict and calculated for the year), and the ratio;
* whether both give the same amounts, and whether the OpenFisca parameters equal
  shuangyong's national parameters month by month.

Run:  python benchmarks/engine.py [--year 2024] [--repeat 3000] [--people 300] [--no-openfisca]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benchmarks folder, for ofmodel

import shuangyong as sy  # noqa: E402
from shuangyong.ids import check_character  # noqa: E402

FIVE = (
    "disability_pension",
    "survivor_pension",
    "sick_returnee_allowance",
    "combat_veteran_allowance",
    "rural_veteran_old_age_allowance",
)


def benchmark_record() -> dict[str, Any]:
    """A synthetic person (no real one) holding the categories of all five monthly rules.

    A rural 参战 veteran, disabled 因战 五级, who is also the parent of a 烈士 and on the
    带病回乡 list: the rules then decide that 参战 replaces 带病回乡 and that the rural
    old-age allowance is not paid on top of other periodic benefits, so every rule runs
    its full logic.
    """
    first17 = "42282719580315003"
    return {
        "身份证号": first17 + check_character(first17),
        "行政区划代码": "422827",
        "户籍": "农村",
        "类别": "残疾军人、参战退役人员、带病回乡退伍军人、农村籍退役士兵、烈士遗属",
        "入伍时间": "1976-03-01",
        "退役时间": "1980-02-01",
        "服役类型": "义务兵",
        "伤残等级": "五级",
        "伤残性质": "因战",
        "评残时间": "1979-05-20",
        "遗属类别": "烈士",
        "与军人关系": "父母",
    }


def _median_us(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(median, 10th percentile) of ``repeat`` calls, in microseconds."""
    times = []
    pc = time.perf_counter_ns
    for _ in range(repeat):
        t0 = pc()
        fn()
        times.append(pc() - t0)
    times.sort()
    return statistics.median(times) / 1000, times[len(times) // 10] / 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--repeat", type=int, default=3000, help="timed calls of entitlements() (explain: a third)")
    ap.add_argument("--people", type=int, default=300, help="different synthetic people for the second timing and the equivalence check")
    ap.add_argument("--openfisca-repeat", type=int, default=30)
    ap.add_argument("--no-openfisca", action="store_true", help="skip the OpenFisca comparison")
    args = ap.parse_args(argv)
    year = args.year
    period = sy.Period.year(year)

    t0 = time.perf_counter()
    engine = sy.Engine()
    build_ms = (time.perf_counter() - t0) * 1000
    person = sy.Person.from_record(benchmark_record())
    codes = [r.code for r in engine.rules_for(person.region)]
    print(f"shuangyong {sy.__version__}, Python {sys.version.split()[0]}; engine built in {build_ms:.1f} ms; "
          f"{len(codes)} national rules: {', '.join(codes)}")

    res = engine.entitlements(person, period)
    print(f"\nbenchmark person {person.masked_id}, {year}:")
    for e in res:
        print(f"  {e.rule:34s} {e.status:17s} {e.amount:>12}")
    print(f"  {'total':34s} {'':17s} {res.total:>12}")

    # Warm-up: the first call fills the parameter and unit caches.
    for _ in range(200):
        engine.entitlements(person, period)
    gc.collect()
    med, p10 = _median_us(lambda: engine.entitlements(person, period), args.repeat)
    print(f"\nentitlements(), same person, warm: median {med:.1f} µs (p10 {p10:.1f} µs) over {args.repeat} calls  [target ≤ 100 µs]")

    explain_code = "disability_pension"
    for _ in range(50):
        engine.explain(person, period, explain_code)
    med_x, p10_x = _median_us(lambda: engine.explain(person, period, explain_code), max(args.repeat // 3, 10))
    print(f"explain({explain_code}), warm:       median {med_x:.1f} µs (p10 {p10_x:.1f} µs)  [target ≤ 1000 µs]")
    med_s, _ = _median_us(lambda: str(engine.explain(person, period, explain_code)), max(args.repeat // 10, 10))
    print(f"explain() + str() (Chinese prose): median {med_s:.1f} µs")

    import numpy as np

    try:
        import ofmodel
    except ImportError as e:  # numpy is there, openfisca-core may not be
        ofmodel = None
        print(f"\n(OpenFisca model not importable: {e}; pip install -e '.[bench]')")

    if ofmodel is not None:
        cols = ofmodel.make_situation(args.people, seed=7, year=year)
        people = [sy.Person.from_record(r) for r in ofmodel.to_records(cols, range(args.people))]
        fresh = sy.Engine()
        t0 = time.perf_counter()
        for p in people:
            fresh.entitlements(p, period)
        cold = (time.perf_counter() - t0) / len(people) * 1e6
        per = []
        for p in people:
            t1 = time.perf_counter_ns()
            fresh.entitlements(p, period)
            per.append(time.perf_counter_ns() - t1)
        print(f"\nentitlements(), {len(people)} different synthetic people: first pass {cold:.1f} µs/person (fresh engine), "
              f"second pass median {statistics.median(per) / 1000:.1f} µs")

    if ofmodel is None or args.no_openfisca:
        return 0

    from importlib.metadata import version

    system = ofmodel.build_system()
    print(f"\nOpenFisca model: openfisca-core {version('openfisca-core')}, numpy {np.__version__}")
    problems = ofmodel.check_parameters(system, engine, range(year - 2, year + 2))
    print(f"parameters, {year - 2}–{year + 1} month by month: "
          + ("OpenFisca YAML = shuangyong TOML" if not problems else f"{len(problems)} differences:\n    " + "\n    ".join(problems[:10])))

    # The benchmark person as OpenFisca columns (same facts as the record above).
    one = {
        "disability_grade": np.array([5]), "disability_cause": np.array([1]),
        "disability_assessed": np.array(["1979-05-20"], dtype="datetime64[D]"),
        "survivor_of": np.array([1]), "hukou": np.array([2]),
        "sick_returnee": np.array([True]), "combat_veteran": np.array([True]), "rural_veteran": np.array([True]),
        "birth_date": np.array(["1958-03-15"], dtype="datetime64[D]"), "conscript_years": np.array([4]),
        "enlisted": np.array(["1976-03-01"], dtype="datetime64[D]"),
    }
    situation = ofmodel.person_situation(one, 0, year)
    of = ofmodel.run_situation(system, situation, year)
    print("same person on OpenFisca:")
    agree = True
    for code in FIVE:
        mine = res[code].amount if code in res else Decimal(0)
        diff = abs(Decimal(repr(of[code])).quantize(Decimal("0.01")) - mine)
        agree &= diff <= Decimal("0.01")
        print(f"  {code:34s} OpenFisca {of[code]:>12.2f}   shuangyong {mine:>10}   {'=' if diff == 0 else f'Δ {diff}'}")
    for _ in range(3):
        ofmodel.run_situation(system, situation, year)
    med_of, p10_of = _median_us(lambda: ofmodel.run_situation(system, situation, year), args.openfisca_repeat)
    print(f"\nOpenFisca single-person simulation for {year} (build from situation + calculate): "
          f"median {med_of / 1000:.2f} ms (p10 {p10_of / 1000:.2f} ms) over {args.openfisca_repeat} runs")
    print(f"ratio OpenFisca / shuangyong entitlements(): {med_of / med:.0f}×   "
          f"(against shuangyong's first pass on new people: {med_of / cold:.0f}×)")

    n, diffs = ofmodel.compare_with_engine(system, engine, cols, range(args.people), year)
    print(f"\nequivalence: {n} synthetic people one by one through shuangyong vs the exact reference of the OpenFisca model: "
          + ("all five rules equal to the 分" if not diffs else f"{len(diffs)} differences:\n    " + "\n    ".join(diffs[:10])))
    of_cols = ofmodel.run_population(system, cols, year)
    exact = ofmodel.exact_population_fen(system, cols, year)
    off = ofmodel.count_off_by_more_than_a_fen(of_cols["total"], exact["total"])
    print(f"OpenFisca float32: {off} of {n} yearly totals off by more than 1 分")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
