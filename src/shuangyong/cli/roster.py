"""``shuangyong entitle ROSTER --period 2024``: a county roster run from the command line.

Reads the roster (CSV UTF-8/GBK, JSON Lines, XLSX; ``-`` = standard input where the reader allows),
computes every row with the national rules and the installed packs, writes the results, the rejects
and the summary — each file whole or not at all, the summary last, naming the files it vouches for
— and prints the reconciliation ("rows in = computed + rejected") and the county-report lines.
``--set`` / ``--overrides`` run a what-if next to it.  A progress bar appears on stderr only when
stderr is a terminal and the run takes more than a second; ``--quiet`` silences it.

Output paths are checked before the roster is read (none may be the roster or another output) and
locked for the run: a second run writing the same files waits ``--lock-wait`` seconds, then fails.
With ``--out -`` the results go to standard output and the report lines to stderr; with ``--json``
the summary JSON is printed on standard output instead of the report lines.

Exit status: 0 when the run completed (rejected rows are part of a normal run), 1 when the roster or
an option was refused as a whole, 2 on a usage error (see ``shuangyong --help`` for all codes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

from ..privacy import mask_text

__all__ = ["add_commands", "add_sheet_options", "run", "ProgressBar"]


def add_sheet_options(p: argparse.ArgumentParser) -> None:
    """``--sheet`` and ``--header-row``: where an XLSX roster is (every command that reads a roster has them)."""
    p.add_argument("--sheet", default=None, metavar="NAME|INDEX",
                   help="XLSX 工作表: sheet name, or its position counting from 1 (default: the first visible sheet with data)")
    p.add_argument("--header-row", type=_row_number, default=None, metavar="N",
                   help="XLSX 表头所在行: row number of the header (default: found below any title rows)")


def _row_number(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a row number such as 2, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"a row number counts from 1, got {n}")
    return n


def add_commands(subparsers: Any) -> None:
    """Add the ``entitle`` subcommand to ``shuangyong``'s subparsers."""
    from .main import EPILOG, HelpFormatter

    p = subparsers.add_parser(
        "entitle",
        help="核算花名册：发放名单、退回名单、汇总、测算 compute a roster: results, rejects, summary, what-if",
        description="核算花名册中每一行：每行要么计算、要么退回并说明原因。\n"
                    "Compute every row of a roster for a period; every row ends as a result or a reject.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    p.add_argument("roster", help="花名册文件 roster file: .csv (UTF-8 or GBK), .jsonl, .xlsx, .parquet or .arrow; - 读标准输入 reads standard input")
    p.add_argument("--period", required=True, help="核算期间 period: 2024, 2024-08 or 2024-03-01..2024-06-30")
    p.add_argument("--region", default=None, metavar="CODE",
                   help="未填区划代码的行所用的行政区划代码 region code for rows that give none (e.g. 422827)")
    add_sheet_options(p)
    p.add_argument("--out", default=None, metavar="FILE",
                   help="发放名单（结果）写到此文件，- 为标准输出 write result rows here (- = standard output)")
    p.add_argument("--rejects", default=None, metavar="FILE", help="退回名单写到此文件 write reject rows here")
    p.add_argument("--summary", default=None, metavar="FILE.json",
                   help="汇总 JSON 写到此文件（最后写，列出它担保的文件） write the summary JSON here (written last, naming the files)")
    p.add_argument("--json", action="store_true",
                   help="在标准输出打印汇总 JSON（代替汇总文字） print the summary JSON on standard output instead of the report lines")
    p.add_argument("--format", choices=("csv", "jsonl", "xlsx", "parquet"), default=None,
                   help="--out 和 --rejects 的格式（默认按后缀，否则 csv；parquet 需要 arrow 扩展） "
                        "format of --out and --rejects (default: by suffix, else csv; parquet needs the arrow extra)")
    p.add_argument("--keep", default=None, metavar="COL,…",
                   help="把花名册中的这些列带到发放名单（如 姓名,乡镇,银行账号；默认不带） "
                        "roster columns carried into the results, e.g. 姓名,乡镇,银行账号 (default: none)")
    p.add_argument("--headers", choices=("code", "zh"), default="code",
                   help="结果和退回名单的列名：code 代码，zh 中文 column headers: codes or Chinese titles")
    p.add_argument("--reveal", action="store_true",
                   help="输出完整身份证号（默认遮蔽；汇总中会记录） write full ID numbers (masked by default; recorded in the summary)")
    p.add_argument("--lock-wait", type=float, default=0.0, metavar="SECONDS",
                   help="另一个任务正在写同一输出文件时等待的秒数（0 = 立即报错） seconds to wait for another run writing the same outputs (0 = fail at once)")
    p.add_argument("--encoding", default=None, help="花名册文本编码（默认自动识别 UTF-8 / GB18030） roster text encoding (default: detect)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE[@DATE]",
                   help="测算：调整参数（可重复） what-if parameter override (repeatable), "
                        "e.g. disability_pension.annual_standard.1.因战=120000@2024-08-01")
    p.add_argument("--overrides", default=None, metavar="FILE.toml", help="测算：从 TOML 文件读取参数调整 what-if overrides from a TOML file")
    p.add_argument("--locale", default="zh_CN", choices=("zh_CN", "en"), help="输出语言 output language")
    p.add_argument("--packs", default=None, metavar="NAME,…",
                   help="只加载这些规则包（逗号分隔；默认全部已安装） comma-separated packs to load (default: all installed)")
    p.add_argument("--quiet", action="store_true", help="不显示进度条 no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``entitle`` with parsed arguments; returns the exit status."""
    from concurrent.futures import ThreadPoolExecutor

    from ..roster.reading import give_back_memory, read_roster
    from ..roster.run import load_overrides, parse_override, run_roster
    from .main import error_text
    from ..engine import Engine
    from ..errors import ShuangyongError
    from ..outputs import STDOUT, OutputLock, check_output_paths

    out_path = getattr(args, "out", None)
    as_json = bool(getattr(args, "json", False))
    reveal = bool(getattr(args, "reveal", False))
    locale = getattr(args, "locale", "zh_CN") or "zh_CN"
    # Report lines go where the data does not: stdout, unless stdout carries the results or the JSON.
    report: TextIO = sys.stderr if (out_path == STDOUT or as_json) else sys.stdout
    only = [s for s in (getattr(args, "packs", None) or "").split(",") if s] or None
    outputs = {"--out": out_path, "--rejects": getattr(args, "rejects", None), "--summary": getattr(args, "summary", None)}
    try:
        if as_json and STDOUT in outputs.values():
            raise ShuangyongError("--json prints the summary on standard output; it cannot also take an output written to - "
                                  "(--json 与 - 输出冲突)")
        # Refused before anything is read: an output that is the roster, or another output.
        check_output_paths([args.roster], outputs)
        keep = [k for k in (getattr(args, "keep", None) or "").replace("，", ",").split(",") if k.strip()]
        with OutputLock([p for p in outputs.values() if p], wait=float(getattr(args, "lock_wait", 0.0) or 0.0)), \
                ThreadPoolExecutor(1, thread_name_prefix="read-roster") as pool:
            def read() -> Any:
                return read_roster(args.roster, encoding=getattr(args, "encoding", None), sheet=getattr(args, "sheet", None),
                                   header_row=getattr(args, "header_row", None))

            # A roster file is read while the engine loads: the reading is mostly system calls and pyarrow's parse,
            # which release the GIL, the engine's loading Python.  An error of either is reported as before (the
            # engine's first: it is asked for first).  Standard input is read only once the engine is there: an
            # engine that fails must say so at once, not after a terminal's input ends.
            reading = pool.submit(read) if str(args.roster) != "-" else None
            engine = Engine.from_plugins(only)
            overrides: list[Any] | None = None
            sets = list(getattr(args, "set", None) or [])
            if sets or getattr(args, "overrides", None):
                overrides = [parse_override(s) for s in sets]
                if getattr(args, "overrides", None):
                    overrides += load_overrides(args.overrides)
            bar = None if getattr(args, "quiet", False) else ProgressBar(sys.stderr)
            roster = reading.result() if reading is not None else read()
            result = run_roster(engine, roster, args.period, region=getattr(args, "region", None), overrides=overrides,
                                progress=bar, reveal=reveal)
            result.kept_columns = result.keep_columns(keep)
            # The command runs once: count what the report says of carried-forward figures while the parse is
            # there (it may price again), then give the parse's memory to the writers.
            _ = result.stale_results
            result.roster.forget_parse()
            if bar is not None and out_path:
                bar.note("写出结果 writing results")
            result.write_outputs(out_path, outputs["--rejects"], outputs["--summary"], format=getattr(args, "format", None),
                                 keep=keep, headers=getattr(args, "headers", "code") or "code", locale=locale, lock=False)
            give_back_memory()  # the writers' freed pages, before the report's sums
            if bar is not None:
                bar.close()
    except ShuangyongError as e:
        print(f"shuangyong entitle: {error_text(e, reveal)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        raise  # the reader of --out - went away: not an error of the run (cli.main exits 0)
    except OSError as e:
        print(f"shuangyong entitle: {error_text(e, reveal)}", file=sys.stderr)
        return 1
    for note in result.roster.notes:  # the reader's own decisions (another sheet, a 合计 row left out)
        print(f"注意 note: {mask_text(note, reveal=reveal)}", file=sys.stderr)
    if as_json:
        print(json.dumps(result.summary(locale), ensure_ascii=False, indent=2))
    else:
        for line in result.lines(locale):
            print(line, file=report)
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
