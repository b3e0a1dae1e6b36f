"""The ``shuangyong`` command: demo, entitle, explain, packs, params, new-pack, assess, schemes, rank.

Output is Chinese by default (``--locale en`` for English).  Exit codes (:data:`EXIT_CODES`, also in
``--help`` and docs/errors.md): 0 success, 1 the input or an option was refused (a one-line message
says what and where, personal data masked), 2 usage error (that subcommand's usage is shown), 3 an
internal error (a bug: a one-line message, never a traceback), 130 interrupted.  Subcommands other
than the ones defined here come from the modules of this package, each with ``add_commands``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any

from ..errors import ShuangyongError

__all__ = ["main", "build_parser", "SAMPLE_ROSTER", "EXIT_CODES", "HelpFormatter", "error_text"]

#: Exit codes of every ``shuangyong`` command.
EXIT_CODES: dict[int, str] = {
    0: "成功 success",
    1: "输入或选项被拒绝，信息说明原因和位置 input or option refused (the message says what and where)",
    2: "用法错误（显示该子命令的用法） usage error (that subcommand's usage is shown)",
    3: "内部错误（程序缺陷，请报告） internal error (a bug; please report it)",
    130: "被中断 interrupted (Ctrl-C)",
}

EPILOG = "退出码 exit codes:\n" + "\n".join(f"  {k:>3}  {v}" for k, v in EXIT_CODES.items())


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help with the description and epilog as written, and every option's default shown (when it has one)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("%(default)" in text or "default" in text.lower() or "默认" in text
                or default in (None, False, [], argparse.SUPPRESS) or not action.option_strings):
            return text
        return f"{text}（默认 default: %(default)s）"

#: The bundled synthetic county roster used by ``shuangyong demo``.
SAMPLE_ROSTER = Path(__file__).parent.parent / "data" / "sample_roster.csv"

# Modules contributing subcommands; each has add_commands(subparsers).
_COMMAND_MODULES = ("roster", "packs", "assessment", "fastpath", "ledger", "server", "campaigns")


def _engine(args: argparse.Namespace) -> Any:
    from ..engine import Engine

    only = [s for s in (getattr(args, "packs", None) or "").split(",") if s] or None
    return Engine.from_plugins(only)


def _zh(args: argparse.Namespace) -> bool:
    return not str(getattr(args, "locale", "zh_CN")).startswith("en")


# -- packs / params ------------------------------------------------------------------


def run_packs(args: argparse.Namespace) -> int:
    engine = _engine(args)
    rows = []
    for p in engine.packs:
        codes = sorted({(r.code, r.jurisdiction) for r in engine.registry.rules if r.pack == p.name})
        schemes = sorted(c for c, (pk, _) in engine.registry.schemes.items() if pk == p.name)
        placement = sorted(c for c, (pk, _) in engine.registry.placement_schemes.items() if pk == p.name)
        rows.append(p.to_dict() | {"rules": [f"{c}@{j}" for c, j in codes], "schemes": schemes, "placement_schemes": placement})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    zh = _zh(args)
    for r in rows:
        where = "、".join(r["jurisdictions"]) or ("全国" if zh else "national")
        print(f"{r['name']} {r['version']}  {r['title']}  [{where}]")
        if r["distribution"]:
            print(("  发行包: " if zh else "  distribution: ") + r["distribution"])
        print(("  规则: " if zh else "  rules: ") + (", ".join(r["rules"]) or "-"))
        if r["schemes"] or r["placement_schemes"]:
            print(("  考评方案: " if zh else "  schemes: ") + ", ".join(r["schemes"] + r["placement_schemes"]))
        for s in r["sources"]:
            print(("  来源: " if zh else "  source: ") + s)
    return 0


def run_params(args: argparse.Namespace) -> int:
    from ..ids import NATIONAL
    from ..record import parse_date

    engine = _engine(args)
    ps = engine.parameters
    if getattr(args, "stale", False):
        return _print_stale(ps, parse_date(args.date, "date") if args.date else date.today(), args)
    if not args.name:
        for n in ps.names():
            juris = sorted(p.jurisdiction for p in ps.parameters(n))
            print(f"{n}  [{', '.join(juris)}]")
        return 0
    on = parse_date(args.date, "date") if args.date else date.today()
    region = args.region or NATIONAL
    r = ps.lookup(args.name, region, on) if region != NATIONAL else _national(ps, args.name, on)
    if args.json:
        print(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
        return 0
    zh = _zh(args)
    value = json.dumps(r.to_dict()["value"], ensure_ascii=False) if isinstance(r.value, dict) else str(r.to_dict()["value"])
    print(f"{r.name} = {value} {r.unit}".rstrip())
    print(("  生效日期: " if zh else "  in force from: ") + r.start.isoformat())
    print(("  层级: " if zh else "  level: ") + f"{r.level} ({r.jurisdiction}), pack {r.pack}")
    print(("  来源: " if zh else "  source: ") + r.source.cite())
    if r.source.note:
        print(("  说明: " if zh else "  note: ") + r.source.note)
    if r.carried_forward:
        from ..explain import stale_note

        print("  " + stale_note(r, zh).strip(" （）()"))
    return 0


def _print_stale(ps: Any, on: date, args: argparse.Namespace) -> int:
    from ..params import stale_parameters

    stale = stale_parameters(ps, on)
    if args.name:
        stale = [s for s in stale if s.name == args.name]
    if args.json:
        print(json.dumps({"on": on.isoformat(), "stale": [s.to_dict() for s in stale]}, ensure_ascii=False, indent=2))
        return 0
    zh = _zh(args)
    if not stale:
        print(f"{on.isoformat()}：没有超过预期调整日期仍沿用的参数" if zh else f"{on.isoformat()}: no parameter is carried past its expected update")
        return 0
    for s in stale:
        where = f"[{s.jurisdiction}{', ' + s.pack if s.pack else ''}]"
        if zh:
            print(f"{s.name}  {where}  {s.expected_update.isoformat()} 起标准未录入，沿用 {s.start.isoformat()} 标准，可能已调整")
        else:
            print(f"{s.name}  {where}  no value from {s.expected_update.isoformat()}: the {s.start.isoformat()} value is carried forward")
    print(f"共 {len(stale)} 项（{on.isoformat()}）" if zh else f"{len(stale)} parameter(s) on {on.isoformat()}")
    return 0


def _national(ps: Any, name: str, on: date) -> Any:
    from ..errors import ParameterNotFoundError
    from ..ids import NATIONAL

    for p in ps.parameters(name):
        if p.jurisdiction == NATIONAL and p.value_on(on) is not None:
            return _resolve_national(p, on)
    raise ParameterNotFoundError(name, NATIONAL, on, "no national value; give --region")


def _resolve_national(p: Any, on: date) -> Any:
    from ..params import Resolved

    dv = p.value_on(on)
    due = p.expected_update(dv)
    return Resolved(name=p.name, value=dv.value, start=dv.start, jurisdiction=p.jurisdiction, level="national",
                    source=dv.source, pack=p.pack, unit=p.unit, expected_update=due, carried_forward=due is not None and on >= due)


# -- explain ----------------------------------------------------------------------------


def run_explain(args: argparse.Namespace) -> int:
    from ..periods import parse_period
    from ..record import person_from_record

    engine = _engine(args)
    record: dict[str, str] = {}
    if args.roster:
        from ..roster.reading import read_roster

        roster = read_roster(args.roster, encoding=args.encoding, sheet=getattr(args, "sheet", None),
                             header_row=getattr(args, "header_row", None))
        if not len(roster):
            raise ShuangyongError(f"--roster {args.roster}: the roster has no rows (花名册没有数据行)")
        numbers = list(roster.row_numbers)
        row = numbers[0] if args.row is None else args.row
        try:
            i = numbers.index(row)
        except ValueError:
            raise ShuangyongError(f"--row {row}: no person on that row; the roster's rows are {numbers[0]}..{numbers[-1]} "
                                  f"(the header is row 1, as in the results and rejects files) — 该行没有记录") from None
        record = roster.record(i)
    for item in args.field or ():
        key, sep, value = item.partition("=")
        if not sep:
            raise ShuangyongError(f"--field {item!r}: expected key=value (e.g. 伤残等级=五级)")
        record[key.strip()] = value
    period = parse_period(args.period)
    person = person_from_record(record)
    res = engine.entitlements(person, period)
    if args.rule:
        codes = [args.rule]
    else:  # what the person receives; every rule with --all (or when nothing applies)
        codes = [e.rule for e in res if args.all or e.eligible] or [e.rule for e in res]
    lang = "zh" if _zh(args) else "en"
    if args.json:
        print(json.dumps([engine.explain(person, period, c, reveal=args.reveal).to_dict() for c in codes], ensure_ascii=False, indent=2))
        return 0
    for c in codes:
        print(engine.explain(person, period, c, reveal=args.reveal).to_text(lang))
        print()
    return 0


# -- demo ---------------------------------------------------------------------------------


def run_demo(args: argparse.Namespace) -> int:
    """Run the bundled sample roster through the national rules and installed packs."""
    zh = _zh(args)
    engine = _engine(args)
    print(("已加载规则包：" if zh else "Rule packs loaded: ") + ", ".join(f"{p.name} {p.version}" for p in engine.packs))
    try:
        cmd = import_module("shuangyong.cli.roster", __package__)
    except ImportError:
        cmd = None
    if cmd is None or not SAMPLE_ROSTER.exists():
        print("（花名册功能尚未安装）" if zh else "(roster runs are not available in this build)")
        return 0
    ns = argparse.Namespace(
        roster=str(SAMPLE_ROSTER), period=args.period, region=None, out=args.out, rejects=args.rejects, summary=args.summary,
        format="csv", encoding=None, set=[], overrides=None, locale=args.locale, quiet=True, packs=args.packs,
    )
    return int(cmd.run(ns))


# -- wiring -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shuangyong", description="优抚待遇核算、双拥考评、军转安置 — "
                                     "优抚 entitlements, 双拥 assessments and 军转干部 placement.",
                                     epilog=EPILOG, formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"shuangyong {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--locale", default="zh_CN", choices=("zh_CN", "en"), help="输出语言 output language")
        p.add_argument("--packs", default=None, metavar="NAME,…",
                       help="只加载这些规则包（逗号分隔；默认全部已安装） comma-separated packs to load (default: all installed)")

    p = sub.add_parser("demo", help="计算随附的示例花名册 run the bundled sample county roster",
                       description="计算随附的示例县花名册（合成数据）。Run the bundled synthetic county roster.",
                       epilog=EPILOG, formatter_class=HelpFormatter)
    common(p)
    p.add_argument("--period", default="2024", help="核算期间 period: 2024, 2024-08 or 2024-03-01..2024-06-30")
    p.add_argument("--out", default=None, metavar="FILE", help="结果写到此文件（- 为标准输出） write results here (- = stdout)")
    p.add_argument("--rejects", default=None, metavar="FILE", help="退回名单写到此文件 write rejects here")
    p.add_argument("--summary", default=None, metavar="FILE.json", help="汇总 JSON 写到此文件 write the summary JSON here")
    p.set_defaults(func=run_demo)

    p = sub.add_parser("explain", help="说明一个人的待遇如何计算 explain one person's entitlements",
                       description="逐条说明一个人的待遇：依据、参数、算式。Explain one person's entitlements rule by rule.",
                       epilog=EPILOG, formatter_class=HelpFormatter)
    common(p)
    p.add_argument("--field", action="append", metavar="KEY=VALUE",
                   help="记录字段（可重复），如 伤残等级=五级 a record field (repeatable), e.g. 伤残等级=五级")
    p.add_argument("--roster", metavar="FILE", help="从此花名册取记录 take the record from this roster file")
    p.add_argument("--row", type=int, default=None, metavar="N",
                   help="花名册中的行号，与结果和退回名单的 row 相同（表头为第1行，第一个人为第2行） "
                        "row number in --roster, as in the results and rejects files (header = row 1; default: the first person)")
    _sheet_options(p)
    p.add_argument("--encoding", default=None, help="花名册文本编码（默认自动识别） roster text encoding (default: detect)")
    p.add_argument("--period", default=str(date.today().year), help="核算期间 period: 2024, 2024-08, …")
    p.add_argument("--rule", default=None, metavar="CODE", help="只说明这一条规则（默认：有待遇的规则） one rule code (default: the rules that pay)")
    p.add_argument("--all", action="store_true", help="说明每条规则，包括不适用的 explain every rule, also those that do not apply")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 print JSON")
    p.add_argument("--reveal", action="store_true",
                   help="显示完整身份证号和姓名（默认遮蔽） show the ID number and name in full (masked by default)")
    p.set_defaults(func=run_explain)

    p = sub.add_parser("packs", help="列出已安装的规则包 list installed rule packs, their rules and sources",
                       epilog=EPILOG, formatter_class=HelpFormatter)
    common(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出 print JSON")
    p.set_defaults(func=run_packs)

    p = sub.add_parser("params", help="查看参数的取值、层级和来源 show a parameter's value, level and source",
                       epilog=EPILOG, formatter_class=HelpFormatter)
    common(p)
    p.add_argument("name", nargs="?", help="参数名（省略则列出全部） parameter name (omit to list all)")
    p.add_argument("--region", default=None, metavar="CODE", help="行政区划代码（默认全国） region code (default: national)")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="取值日期（默认今天） date of the value (default: today)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 print JSON")
    p.add_argument("--stale", action="store_true",
                   help="列出超过预期调整日期仍沿用的参数 list every parameter carried past its expected update (on --date, default today)")
    p.set_defaults(func=run_params)

    for name in _COMMAND_MODULES:
        try:
            mod = import_module(f".{name}", __package__)
        except ImportError:
            continue
        mod.add_commands(sub)
    for name, p in sub.choices.items():
        # Every subcommand: defaults shown, the exit codes in its help, its own usage on a wrong flag.
        p.formatter_class = HelpFormatter
        if not p.epilog:
            p.epilog = EPILOG
        p.prog = f"shuangyong {name}"
    return parser


def _sheet_options(p: argparse.ArgumentParser) -> None:
    try:
        from .roster import add_sheet_options
    except ImportError:  # a build without roster runs
        return
    add_sheet_options(p)


def _version() -> str:
    from .. import __version__

    return __version__


def error_text(e: BaseException, reveal: bool = False) -> str:
    """An error as one line for a user: what and where, personal data masked (unless ``reveal``)."""
    from ..errors import InvalidRecordError
    from ..privacy import mask_cell, mask_text

    if isinstance(e, InvalidRecordError) and not reveal:
        shown = "" if e.value is None or e.value == "" else f" {mask_cell(e.value)!r}"
        text = f"{e.field}{shown}: {mask_text(e.reason)}"
    elif isinstance(e, OSError) and e.strerror:
        text = f"{e.filename or ''}: {e.strerror}".lstrip(": ")
    else:
        text = mask_text(str(e), reveal=reveal)
    return " ".join(text.split()) or type(e).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``shuangyong``; returns the exit code (:data:`EXIT_CODES`).  No traceback reaches a user."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            # A wrong flag: show the usage of the subcommand it was given to, not the top level's.
            sub = _subparser(parser, getattr(args, "command", None))
            (sub or parser).error(f"unrecognized arguments 无法识别的参数: {' '.join(extra)}")
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else (0 if e.code is None else 2)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    reveal = bool(getattr(args, "reveal", False))
    try:
        return int(args.func(args) or 0)
    except ShuangyongError as e:
        print(f"shuangyong: {type(e).__name__}: {error_text(e, reveal)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (| head) has gone: stop quietly, and keep Python's exit-time flush from complaining.
        import os

        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except KeyboardInterrupt:
        print("shuangyong: 已中断 interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        print(f"shuangyong: {error_text(e, reveal)}", file=sys.stderr)
        return 1
    except MemoryError:
        print("shuangyong: 内存不足 out of memory (the input is too large for this machine)", file=sys.stderr)
        return 1
    except Exception as e:  # a bug: said in one line, never a traceback (set SHUANGYONG_DEBUG=1 to see it)
        import os

        if os.environ.get("SHUANGYONG_DEBUG"):
            raise
        print(f"shuangyong: 内部错误 internal error ({type(e).__name__}): {error_text(e, reveal)} — please report it",
              file=sys.stderr)
        return 3


def _subparser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]  # type: ignore[no-any-return]
    return None


if __name__ == "__main__":
    raise SystemExit(main())
