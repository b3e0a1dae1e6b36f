"""The ``shuangyong`` command: demo, entitle, explain, packs, params, new-pack, assess, schemes, rank.

Output is Chinese by default (``--locale en`` for English).  Every command
exits 0 on success, 1 when the input was refused (the message says what and
where, IDs masked), 2 on a usage error.  Subcommands other than the ones
defined here come from ``cli_*`` modules, each with ``add_commands``.
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

from .errors import ShuangyongError

__all__ = ["main", "build_parser", "SAMPLE_ROSTER"]

#: The bundled synthetic county roster used by ``shuangyong demo``.
SAMPLE_ROSTER = Path(__file__).parent / "data" / "sample_roster.csv"

# Modules contributing subcommands; each has add_commands(subparsers).
_COMMAND_MODULES = ("cli_roster", "cli_packs", "cli_scoring", "cli_fastpath", "cli_campaigns")


def _engine(args: argparse.Namespace) -> Any:
    from .engine import Engine

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
    from .ids import NATIONAL
    from .record import parse_date

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
        from .explain import stale_note

        print("  " + stale_note(r, zh).strip(" （）()"))
    return 0


def _print_stale(ps: Any, on: date, args: argparse.Namespace) -> int:
    from .params import stale_parameters

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
    from .errors import ParameterNotFoundError
    from .ids import NATIONAL

    for p in ps.parameters(name):
        if p.jurisdiction == NATIONAL and p.value_on(on) is not None:
            return _resolve_national(p, on)
    raise ParameterNotFoundError(name, NATIONAL, on, "no national value; give --region")


def _resolve_national(p: Any, on: date) -> Any:
    from .params import Resolved

    dv = p.value_on(on)
    due = p.expected_update(dv)
    return Resolved(name=p.name, value=dv.value, start=dv.start, jurisdiction=p.jurisdiction, level="national",
                    source=dv.source, pack=p.pack, unit=p.unit, expected_update=due, carried_forward=due is not None and on >= due)


# -- explain ----------------------------------------------------------------------------


def run_explain(args: argparse.Namespace) -> int:
    from .periods import parse_period
    from .record import person_from_record

    engine = _engine(args)
    record: dict[str, str] = {}
    if args.roster:
        from .roster import read_roster

        roster = read_roster(args.roster, encoding=args.encoding)
        if not 1 <= args.row <= len(roster):
            raise ShuangyongError(f"--row {args.row}: the roster has rows 1..{len(roster)}")
        record = roster.record(args.row - 1)
    for item in args.field or ():
        key, sep, value = item.partition("=")
        if not sep:
            raise ShuangyongError(f"--field {item!r}: expected key=value (e.g. 伤残等级=五级)")
        record[key.strip()] = value
    person = person_from_record(record)
    period = parse_period(args.period)
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
        cmd = import_module(".cli_roster", __package__)
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
    parser = argparse.ArgumentParser(prog="shuangyong", description="优抚 entitlements, 双拥 assessments and 军转干部 placement.")
    parser.add_argument("--version", action="version", version=f"shuangyong {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--locale", default="zh_CN", help="zh_CN (default) or en")
        p.add_argument("--packs", default=None, help="comma-separated pack names to load (default: all installed)")

    p = sub.add_parser("demo", help="run the bundled sample county roster (the README's main job)")
    common(p)
    p.add_argument("--period", default="2024")
    p.add_argument("--out", default=None)
    p.add_argument("--rejects", default=None)
    p.add_argument("--summary", default=None)
    p.set_defaults(func=run_demo)

    p = sub.add_parser("explain", help="explain one person's entitlements")
    common(p)
    p.add_argument("--field", action="append", metavar="KEY=VALUE", help="a record field (repeatable), e.g. 身份证号=…")
    p.add_argument("--roster", help="take the record from this roster file")
    p.add_argument("--row", type=int, default=1, help="row number in --roster (1 = first data row)")
    p.add_argument("--encoding", default=None)
    p.add_argument("--period", default=str(date.today().year))
    p.add_argument("--rule", default=None, help="one rule code (default: the rules that pay)")
    p.add_argument("--all", action="store_true", help="explain every rule, also those that do not apply")
    p.add_argument("--json", action="store_true")
    p.add_argument("--reveal", action="store_true", help="show the ID number and name in full (masked by default)")
    p.set_defaults(func=run_explain)

    p = sub.add_parser("packs", help="list installed rule packs, their rules and sources")
    common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_packs)

    p = sub.add_parser("params", help="show a parameter's value, level and source")
    common(p)
    p.add_argument("name", nargs="?", help="parameter name (omit to list all)")
    p.add_argument("--region", default=None)
    p.add_argument("--date", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--stale", action="store_true",
                   help="列出超过预期调整日期仍沿用的参数 / list every parameter carried past its expected update (on --date, default today)")
    p.set_defaults(func=run_params)

    for name in _COMMAND_MODULES:
        try:
            mod = import_module(f".{name}", __package__)
        except ImportError:
            continue
        mod.add_commands(sub)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ShuangyongError as e:
        print(f"shuangyong: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
