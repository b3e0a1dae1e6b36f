"""``shuangyong packs --check``: which rules of a pack stay on the fast path, and why the others do not.

Adds ``--check`` (and ``--period``, ``--roster``) to the ``packs`` command that ``cli.py`` defines;
without ``--check`` the command lists packs as before.  The counts come from pricing a roster — the
author's own (``--roster``) or a synthetic one of the packs' jurisdictions — exactly as a county run
would (:mod:`shuangyong.roster.fastpath`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_commands", "run_check"]


def add_commands(subparsers: Any) -> None:
    """Give the existing ``packs`` sub-command its ``--check`` options."""
    p = subparsers.choices.get("packs")
    if p is None:
        return
    p.add_argument("--check", action="store_true",
                   help="检查各规则是否走快速路径及原因 / report which rules stay on the fast path, and why not")
    p.add_argument("--period", default="2024", help="--check 使用的期间 / period priced by --check (default 2024)")
    p.add_argument("--roster", default=None, metavar="FILE",
                   help="--check 使用的花名册（默认：按规则包辖区生成的合成名册）/ roster priced by --check (default: a synthetic one)")
    listing = p.get_default("func")

    def run(args: argparse.Namespace) -> int:
        return run_check(args) if args.check else int(listing(args) or 0)

    p.set_defaults(func=run)


def run_check(args: argparse.Namespace) -> int:
    from ..engine import Engine
    from ..roster.fastpath import REASONS, check_packs
    from ..periods import parse_period

    only = [s for s in (getattr(args, "packs", None) or "").split(",") if s] or None
    engine = Engine.from_plugins(only)
    period = parse_period(str(args.period))
    rows = check_packs(engine, period, only, args.roster)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    zh = not str(getattr(args, "locale", "zh_CN")).startswith("en")
    if not rows:
        print("没有可检查的规则包规则" if zh else "no pack rules to check")
        return 0
    for r in rows:
        total = r["rows"] + r["other_rows"]
        fast = r["static"] is None and r["other_rows"] == 0
        mark = ("快速" if zh else "fast") if fast else ("部分按人" if zh else "not all fast")
        print(f"{r['pack']}  {r['rule']}@{r['jurisdiction']}  {mark}  "
              + (f"快速 {r['rows']}/{total} 行" if zh else f"fast rows {r['rows']}/{total}"))
        if r["static"] is not None:
            print(("  原因: " if zh else "  why: ") + (REASONS.get(r["static"], r["static"]) if zh else r["static"]))
        for why, n in r["why"].items():
            print(f"  {n} " + ("行: " if zh else "rows: ") + (REASONS.get(why, why) if zh else why))
    return 0
