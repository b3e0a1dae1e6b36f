"""How fast are the roster readers, against a baseline in the same run?

CSV: the exact line reader (every line a row or a reject) and the numpy array reader, against the
plain csv module reading the same file (the baseline: it reads rows, accounts for nothing).
XLSX: shuangyong.roster.workbooks' streaming reader against openpyxl's read-only mode (values only) on the
same workbook, with peak memory (tracemalloc) for both.

    python benchmarks/roster_input.py [--rows 200000] [--xlsx-rows 50000]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable


def _rows(n: int) -> list[list[str]]:
    from shuangyong.ids import check_character

    rng = random.Random(1)
    out = [["身份证号", "姓名", "行政区划代码", "户籍", "类别", "伤残等级", "伤残性质", "评残时间", "备注"]]
    for k in range(n):
        born = date(1930, 1, 1) + timedelta(days=rng.randrange(25000))
        f = f"422827{born:%Y%m%d}{k % 1000:03d}"
        out.append([f + check_character(f), f"测试{k % 977}", "422827", rng.choice(["农村", "城镇"]), "残疾军人",
                    rng.choice(["六级", "5", "8"]), rng.choice(["因战", "因公"]), "2010-05-01", ""])
    return out


def _time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def _peak(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--xlsx-rows", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    from shuangyong.roster.reading import _read_csv

    rows = _rows(a.rows)
    with tempfile.TemporaryDirectory() as d:
        plain = Path(d) / "plain.csv"
        quoted = Path(d) / "quoted.csv"
        plain.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
        with quoted.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
        base, _ = _time(lambda: list(csv.reader(io.StringIO(quoted.read_text(encoding="utf-8")))), a.runs)
        exact_q, r = _time(lambda: _read_csv(quoted, None, arrays=False), a.runs)
        exact_p, _ = _time(lambda: _read_csv(plain, None, arrays=False), a.runs)
        fast_p, r2 = _time(lambda: _read_csv(plain, None, arrays=True), a.runs)
        assert len(r) == len(r2) == a.rows
        print(f"CSV, {a.rows:,} rows (median of {a.runs}):")
        print(f"  baseline csv.reader (quoted file)      {base:7.3f} s")
        print(f"  exact line reader, quoted file         {exact_q:7.3f} s  ({exact_q / base:.2f}× baseline)")
        print(f"  exact line reader, unquoted file       {exact_p:7.3f} s  ({exact_p / base:.2f}× baseline)")
        print(f"  numpy array reader, unquoted file      {fast_p:7.3f} s  ({fast_p / base:.2f}× baseline)")
        try:
            import openpyxl
        except ImportError:
            print("XLSX: openpyxl not installed (needed here only to write the workbook and as the baseline)")
            return 0
        from shuangyong.roster.workbooks import read_workbook

        book = Path(d) / "r.xlsx"
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("花名册")
        for row in rows[: a.xlsx_rows + 1]:
            ws.append(row)
        wb.save(book)

        def with_openpyxl() -> int:
            w = openpyxl.load_workbook(book, read_only=True, data_only=True)
            n = sum(1 for _ in w.worksheets[0].iter_rows(values_only=True))
            w.close()
            return n

        ob, n = _time(with_openpyxl, a.runs)
        ours, r3 = _time(lambda: read_workbook(book), a.runs)
        assert len(r3) == a.xlsx_rows == n - 1
        print(f"XLSX, {a.xlsx_rows:,} rows ({book.stat().st_size / 2**20:.1f} MiB):")
        print(f"  baseline openpyxl read_only            {ob:7.3f} s  peak {_peak(with_openpyxl):6.1f} MiB")
        print(f"  shuangyong.roster.workbooks                   {ours:7.3f} s  peak {_peak(lambda: read_workbook(book)):6.1f} MiB  ({ours / ob:.2f}× baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
