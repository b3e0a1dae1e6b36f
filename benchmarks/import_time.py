"""How long does ``import shuangyong`` take in a fresh interpreter?  (target < 150 ms)

Prints (never asserts):

* the median wall time of ``python -c "import shuangyong"`` in a fresh subprocess over
  several runs, next to the median of ``python -c "pass"`` (interpreter start-up alone)
  and the difference;
* which third-party top-level packages that import loaded — only the core dependencies
  (attrs, pluggy, python-dateutil, babel) should appear; anything else (numpy, openpyxl,
  openfisca) means a heavy import slipped into the import path;
* the top offenders of ``python -X importtime -c "import shuangyong"``, by own time and
  by cumulative time.

Run:  python benchmarks/import_time.py [--runs 9] [--top 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

CORE = {"attrs", "attr", "pluggy", "dateutil", "babel", "six"}  # six: python-dateutil's own dependency

_LIST_MODULES = r"""
import sys, sysconfig
before = set(sys.modules)
import shuangyong
std = set(sys.stdlib_module_names)
third = sorted({m.split('.')[0] for m in set(sys.modules) - before} - std - {'shuangyong'})
print(' '.join(third))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # A fresh, unconfigured interpreter: no start-up file, no bytecode written by this run.
    env.pop("PYTHONSTARTUP", None)
    return env


def _time_once(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=_env(), stdout=subprocess.DEVNULL)
    return (time.perf_counter() - t0) * 1000


def importtime_table(top: int) -> tuple[list[tuple[int, int, str]], int]:
    """Rows (self µs, cumulative µs, module) of ``-X importtime`` and the total for shuangyong."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import shuangyong"], env=_env(),
                          capture_output=True, text=True, check=True)
    rows = []
    total = 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, rest = line.split(":", 1)
        self_us, cum_us, name = (part.strip() for part in rest.split("|", 2))
        rows.append((int(self_us), int(cum_us), name))
        if name == "shuangyong":
            total = int(cum_us)
    return rows, total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)

    # One unmeasured run of each so that bytecode caches exist, as on an installed system.
    _time_once("import shuangyong")
    _time_once("pass")
    imports = [_time_once("import shuangyong") for _ in range(args.runs)]
    bare = [_time_once("pass") for _ in range(args.runs)]
    med, base = statistics.median(imports), statistics.median(bare)
    print(f"Python {sys.version.split()[0]} ({sys.executable})")
    print(f"python -c 'import shuangyong': median {med:.1f} ms over {args.runs} fresh processes "
          f"(min {min(imports):.1f}, max {max(imports):.1f})  [target < 150 ms]")
    print(f"python -c 'pass':              median {base:.1f} ms  → the import itself ≈ {med - base:.1f} ms")

    third = subprocess.run([sys.executable, "-c", _LIST_MODULES], env=_env(), capture_output=True, text=True, check=True).stdout.split()
    extra = [m for m in third if m not in CORE]
    print(f"third-party packages loaded by the import: {', '.join(third) or 'none'}"
          + (f"  — NOT core dependencies: {', '.join(extra)}" if extra else "  (core dependencies only)"))

    rows, total = importtime_table(args.top)
    print(f"\npython -X importtime: shuangyong cumulative {total / 1000:.1f} ms (one run, includes its dependencies)")
    print(f"\ntop {args.top} by own time:")
    for self_us, cum_us, name in sorted(rows, key=lambda r: -r[0])[: args.top]:
        print(f"  {self_us / 1000:7.2f} ms  (cumulative {cum_us / 1000:7.2f} ms)  {name.strip()}")
    print(f"\ntop {args.top} packages by cumulative time (top-level and shuangyong submodules):")
    tops = [r for r in rows if "." not in r[2].strip() or r[2].strip().startswith("shuangyong.")]
    for self_us, cum_us, name in sorted(tops, key=lambda r: -r[1])[: args.top]:
        print(f"  {cum_us / 1000:7.2f} ms  {name.strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
