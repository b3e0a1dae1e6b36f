"""``shuangyong entitle ROSTER --period 2024``: a county roster run from the command line.

Reads the roster (CSV UTF-8/GBK, JSON Lines, XLSX), computes every row with
the national rules and the installed packs, writes the results, the rejects
and the summary, and prints the reconciliation ("rows in = computed +
rejected") and the county-style summary lines.  ``--set`` / ``--overrides``
run a what-if next to it.  A progress bar appears on stderr only when stderr
is a terminal and the run takes more than a second; ``--quiet`` silences it.

Exit status: 0 when the run completed (rejected rows are part of a normal
run), 1 when the roster or an option was refused as a whole.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

__all__ = ["add_commands", "run", "ProgressBar"]


def add_commands(subparsers: Any) -> None:
    """Add the ``entitle`` subcommand to ``shuangyong``'s subparsers."""
    p = subparsers.add_parser(
        "entitle",
        help="compute a roster (花名册): results, rejects, summary, what-if",
        description="Compute every row of a roster for a period; every row ends as a result or a reject.",
    )
    p.add_argument("roster", help="roster file: .csv (UTF-8 or GBK), .jsonl, .xlsx, .parquet or .arrow 花名册文件")
    p.add_argument("--period", required=True, help="2024, 2024-08 or 2024-03-01..2024-06-30")
    p.add_argument("--region", default=None, help="行政区划代码 for rows that give none (e.g. 422827)")
    p.add_argument("--out", default=None, help="write result rows here")
    p.add_argument("--rejects", default=None, help="write reject rows here")
    p.add_argument("--summary", default=None, help="write the summary JSON here")
    p.add_argument("--format", choices=("csv", "jsonl", "xlsx", "parquet"), default=None,
                   help="输出格式 format of --out and --rejects (default: by suffix, else csv; parquet needs the arrow extra)")
    p.add_argument("--encoding", default=None, help="roster text encoding (default: detect UTF-8 / GB18030)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE[@DATE]",
                   help="what-if parameter override (repeatable), e.g. disability_pension.annual_standard.1.因战=120000@2024-08-01")
    p.add_argument("--overrides", default=None, metavar="FILE.toml", help="what-if overrides from a TOML file")
    p.add_argument("--locale", default="zh_CN", help="zh_CN (default) or en")
    p.add_argument("--packs", default=None, help="comma-separated pack names to load (default: all installed)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``entitle`` with parsed arguments; returns the exit status."""
    from .batch import load_overrides, parse_override, run_roster
    from .engine import Engine
    from .errors import ShuangyongError

    out: TextIO = sys.stdout
    only = [s for s in (getattr(args, "packs", None) or "").split(",") if s] or None
    try:
        engine = Engine.from_plugins(only)
        overrides: list[Any] | None = None
        sets = list(getattr(args, "set", None) or [])
        if sets or getattr(args, "overrides", None):
            overrides = [parse_override(s) for s in sets]
            if getattr(args, "overrides", None):
                overrides += load_overrides(args.overrides)
        bar = None if getattr(args, "quiet", False) else ProgressBar(sys.stderr)
        result = run_roster(engine, args.roster, args.period, region=getattr(args, "region", None), overrides=overrides,
                            progress=bar, encoding=getattr(args, "encoding", None))
        fmt = getattr(args, "format", None)
        if getattr(args, "out", None):
            if bar is not None:
                bar.note("写出结果 writing results")
            result.write_results(args.out, fmt)
        if getattr(args, "rejects", None):
            result.write_rejects(args.rejects, fmt)
        if getattr(args, "summary", None):
            result.write_summary(args.summary)
        if bar is not None:
            bar.close()
    except ShuangyongError as e:
        print(f"shuangyong entitle: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"shuangyong entitle: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1
    locale = getattr(args, "locale", "zh_CN") or "zh_CN"
    for line in result.lines(locale):
        print(line, file=out)
    return 0


class ProgressBar:
    """A progress bar on a terminal stream, drawn only once a run has taken more than ``delay`` seconds.

    Called as ``bar(done, total)``; writes nothing when the stream is not a TTY.
    """

    def __init__(self, stream: TextIO, delay: float = 1.0, width: int = 30) -> None:
        self.stream = stream
        self.delay = delay
        self.width = width
        self.started = time.monotonic()
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.drawn = False
        self._last = 0.0
        self._state = (0, 0)

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        self._state = (done, total)
        if now - self.started < self.delay or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        self._draw(now, "")

    def note(self, text: str) -> None:
        """Show what the run is doing now (reading, writing) next to the bar, once it is drawn at all."""
        if self.enabled and time.monotonic() - self.started >= self.delay:
            self._draw(time.monotonic(), text)

    def _draw(self, now: float, text: str) -> None:
        done, total = self._state
        frac = done / total if total else 1.0
        filled = int(self.width * frac)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,} {now - self.started:5.1f}s {text}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
