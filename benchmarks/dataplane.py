"""The Arrow data plane at 10⁶ rows: CSV → CSV and Parquet → Parquet, with and without pyarrow, against the numpy floor;
and Spark local[2] / Dask against the single-process run.

Usage (from the repository root, with ``pip install -e ".[arrow,dask,spark]"``)::

    python benchmarks/dataplane.py                         # 10⁶ rows end to end, 10⁵ rows on Spark/Dask
    python benchmarks/dataplane.py --rows 100000 --dist-rows 20000 --no-spark

Everything is printed side by side in one run, nothing is asserted.  Each end-to-end figure is
one fresh process (``shuangyong entitle`` through ``python -m shuangyong``): wall time and peak
RSS (``ru_maxrss`` of that child, from ``os.wait4``), the median of ``--runs`` runs.

* **floor** — the exact numpy floor: read the CSV's bytes, find every line and field with numpy,
  parse one integer column (伤残等级) and total a stand-in amount per grade in integer 分.  What reading
  and totalling costs with no rules and no output;
* **CSV → CSV** — ``shuangyong entitle roster.csv --out results.csv --rejects rejects.csv``,
  with pyarrow (its CSV reader) and without (pyarrow blocked in that process: the numpy reader);
  the two results files are compared byte for byte;
* **Parquet → Parquet** — ``shuangyong entitle roster.parquet --out results.parquet``;
* **Spark / Dask** — on ``--dist-rows`` rows read from Parquet: ``shuangyong.spark.entitle`` on
  local[2] and ``shuangyong.dask.entitle`` with 2 worker processes, results written as Parquet,
  timed after the session/cluster is up; the overhead ratio is against ``run_roster`` of the
  same rows in one process (Parquet in, Arrow ``"all"`` table out, Parquet written).

The roster is ``benchmarks/roster.py``'s synthetic population (three counties, national rules
plus the installed packs), written as UTF-8 CSV and as Parquet of text columns.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FLOOR = r'''
import sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
b = np.frombuffer(raw, dtype=np.uint8)
nl = np.flatnonzero(b == 10)
comma = np.flatnonzero(b == 44)
head = raw[:nl[0]].decode("utf-8-sig").split(",")
col = head.index("伤残等级")
width = len(head)
# every line has width - 1 commas here (a plain file): the column's field starts after comma number col - 1
starts = comma[col - 1::width - 1][: len(nl) - 1] + 1
ends = comma[col::width - 1][: len(nl) - 1]
length = ends - starts
d0 = np.where(length >= 1, b[starts] - 48, 0).astype(np.int64)
d1 = np.where(length >= 2, b[np.minimum(starts + 1, len(b) - 1)] - 48, 0).astype(np.int64)
grade = np.where(length == 2, d0 * 10 + d1, np.where(length == 1, d0, 0))
fen = np.arange(11, dtype=np.int64) * 100_00  # a stand-in amount per grade, in 分: the arithmetic, not a policy figure
print(len(nl) - 1, int(fen[grade].sum()))
'''

NO_ARROW = "import sys; sys.modules['pyarrow'] = None; from shuangyong.cli.main import main; raise SystemExit(main(sys.argv[1:]))"


# A forked child starts with its parent's pages counted in its peak RSS: each command is started by this
# small launcher (a fresh interpreter, no numpy), which reports the wall time and the child's own peak.
LAUNCHER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True, errors="replace")
wall = time.perf_counter() - t
print(json.dumps({"wall": wall, "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "code": p.returncode, "out": p.stdout, "err": p.stderr[-2000:]}))
"""


def child(cmd: list[str], runs: int) -> tuple[float, float, str]:
    """Median wall seconds and peak RSS (MiB) of ``cmd`` as a fresh process, and its summary line."""
    import json

    walls, rss = [], []
    last = ""
    for _ in range(runs):
        res = json.loads(subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], capture_output=True, text=True, check=True).stdout)
        if res["code"] != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{res['err']}")
        walls.append(res["wall"])
        rss.append(res["rss"])
        lines = res["out"].strip().splitlines()
        last = lines[1] if len(lines) > 1 else (lines[0] if lines else "")
    return statistics.median(walls), statistics.median(rss), last


def make_roster(n: int, folder: Path) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    import roster as rb  # benchmarks/roster.py

    r = rb.to_roster(rb.population(n, 1, 2024), 1)
    csv_path, pq_path = folder / f"roster-{n}.csv", folder / f"roster-{n}.parquet"
    rb.write_csv(r, csv_path)
    pq.write_table(pa.table({h: pa.array(list(r.data[h]), pa.string()) for h in r.headers}), pq_path)
    return csv_path, pq_path


def row(label: str, wall: float, rss: float, floor: float, note: str = "") -> None:
    print(f"  {label:<38} {wall:7.2f} s {rss:8.0f} MiB   {wall / floor:5.1f}× floor   {note}")


def end_to_end(args: argparse.Namespace, folder: Path) -> None:
    n = args.rows
    print(f"Roster of {n:,} rows (benchmarks/roster.py population), period 2024; median of {args.runs} runs per line")
    t = time.perf_counter()
    csv_path, pq_path = make_roster(n, folder)
    print(f"  (written in {time.perf_counter() - t:.1f} s: CSV {csv_path.stat().st_size / 2**20:.0f} MiB, "
          f"Parquet {pq_path.stat().st_size / 2**20:.0f} MiB)")
    py = sys.executable
    floor_w, floor_rss, floor_out = child([py, "-c", FLOOR, str(csv_path)], args.runs)
    print(f"  {'':<38} {'wall':>9} {'peak RSS':>12}")
    row("exact numpy floor (CSV → totals)", floor_w, floor_rss, floor_w, floor_out)
    base = ["entitle", "--period", "2024", "--quiet"]
    out_a, out_b = folder / "results-arrow.csv", folder / "results-plain.csv"
    w, r, line = child([py, "-m", "shuangyong", *base, str(csv_path), "--out", str(out_a), "--rejects", str(folder / "rej-a.csv")],
                       args.runs)
    row("CSV → CSV, with pyarrow", w, r, floor_w, line)
    w, r, line = child([py, "-c", NO_ARROW, *base, str(csv_path), "--out", str(out_b), "--rejects", str(folder / "rej-b.csv")],
                       args.runs)
    row("CSV → CSV, without pyarrow", w, r, floor_w, line)
    same = out_a.read_bytes() == out_b.read_bytes()
    print(f"  results CSV identical with and without pyarrow: {same}")
    w, r, line = child([py, "-m", "shuangyong", *base, str(pq_path), "--out", str(folder / "results.parquet"),
                        "--rejects", str(folder / "rejects.parquet")], args.runs)
    row("Parquet → Parquet (pyarrow)", w, r, floor_w, line)
    print("  targets (issue 15): CSV → CSV ≤ 1.5 s and ≤ 400 MiB; Parquet → Parquet ≤ 1.0 s")


def distributed(args: argparse.Namespace, folder: Path) -> None:
    import pyarrow.parquet as pq

    import shuangyong as sy
    from shuangyong.roster.run import run_roster

    n = args.dist_rows
    _, pq_path = make_roster(n, folder)
    print(f"\nDistributed, {n:,} rows from Parquet (results written as Parquet; start-up not counted)")
    engine = sy.Engine.from_plugins()
    run_roster(engine, pq_path, 2024)  # warm: imports, engine caches

    def single() -> Any:
        run = run_roster(sy.Engine.from_plugins(), pq_path, 2024)
        pq.write_table(run.to_arrow("all"), folder / "single.parquet")
        return run

    t = time.perf_counter()
    run = single()
    base = time.perf_counter() - t
    print(f"  {'single process (run_roster)':<38} {base:7.2f} s   {n / base:10,.0f} rows/s   total {run.total}")
    if not args.no_dask:
        try:
            import dask
            import dask.dataframe as dd

            import shuangyong.dask as sd
        except ImportError as e:
            print(f"  dask: not installed ({e})")
        else:
            from concurrent.futures import ProcessPoolExecutor

            # One pool for every compute: its workers keep the engine they loaded (as a cluster's workers do).
            pool = ProcessPoolExecutor(2)
            with dask.config.set(scheduler="processes", pool=pool):
                ddf = dd.read_parquet(pq_path).repartition(npartitions=4)
                sd.entitle(dd.from_pandas(ddf.head(10, npartitions=-1), npartitions=1), 2024).compute()  # warm workers
                t = time.perf_counter()
                result = sd.entitle(ddf, 2024, keep=["行政区划代码"])
                result.to_parquet(folder / "dask-out", write_index=False)
                w = time.perf_counter() - t
                total = sd.reconcile(result, ddf)["total"]
            pool.shutdown()
            print(f"  {'Dask, 2 processes, 4 partitions':<38} {w:7.2f} s   {n / w:10,.0f} rows/s   {w / base:5.2f}× single"
                  f"   total {total} ({'equal' if total == run.total else 'DIFFERENT'})")
    if not args.no_spark:
        try:
            from pyspark.sql import SparkSession

            import shuangyong.spark as ss
        except ImportError as e:
            print(f"  spark: not installed ({e})")
            return
        os.environ["PYSPARK_PYTHON"] = sys.executable
        t = time.perf_counter()
        spark = (SparkSession.builder.master("local[2]").appName("shuangyong-bench").config("spark.ui.enabled", "false")
                 .config("spark.sql.shuffle.partitions", "4").config("spark.ui.showConsoleProgress", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        sdf = spark.read.parquet(str(pq_path)).repartition(4, "行政区划代码").cache()
        sdf.count()
        ss.entitle(sdf.limit(10).coalesce(1), 2024).count()  # warm the Python workers
        up = time.perf_counter() - t
        t = time.perf_counter()
        result = ss.entitle(sdf, 2024, keep=["行政区划代码"])
        result.write.mode("overwrite").parquet(str(folder / "spark-out"))
        w = time.perf_counter() - t
        total = ss.reconcile(result, sdf)["total"]
        print(f"  {'Spark local[2], 4 partitions':<38} {w:7.2f} s   {n / w:10,.0f} rows/s   {w / base:5.2f}× single"
              f"   total {total} ({'equal' if total == run.total else 'DIFFERENT'}); session start-up {up:.1f} s")
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows end to end (default 10⁶)")
    ap.add_argument("--dist-rows", type=int, default=100_000, help="rows for Spark and Dask (default 10⁵)")
    ap.add_argument("--runs", type=int, default=3, help="runs per end-to-end line (median; default 3)")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--no-end-to-end", action="store_true")
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} (figures scale with load: read them on an idle machine)")
    with tempfile.TemporaryDirectory(prefix="sy-dataplane-") as tmp:
        folder = Path(tmp)
        if not args.no_end_to_end:
            end_to_end(args, folder)
        if not (args.no_spark and args.no_dask):
            distributed(args, folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
