"""``shuangyong new-pack``: the pack generator on the command line.

``cli.py`` calls :func:`add_commands` with its sub-parsers; the command
writes a working skeleton rule pack (see :mod:`shuangyong.cli.newpack`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import ShuangyongError

__all__ = ["add_commands", "run_new_pack"]


def add_commands(subparsers: Any) -> None:
    """Add ``new-pack NAME --region CODE [--dest DIR]`` to an ``argparse`` sub-parser set."""
    p = subparsers.add_parser(
        "new-pack",
        help="生成规则包骨架 write a skeleton rule pack (pyproject, entry point, one rule, one parameter file, one test)",
        description=(
            "Write a working skeleton rule pack shuangyong-NAME into DIR/NAME/: pyproject.toml with the "
            "shuangyong.rulepacks entry point, src/shuangyong_NAME/ with one rule and one parameter file, "
            "and a passing test. Guide: docs/writing-a-rule-pack.md."
        ),
    )
    p.add_argument("name", metavar="NAME", help="规则包名称：小写标识符，如 laifeng pack name: a lowercase identifier such as laifeng")
    p.add_argument("--region", required=True, metavar="CODE", help="行政区划代码 the pack covers, e.g. 422827 (6 or 9 digits)")
    p.add_argument("--dest", default=".", metavar="DIR", help="在此文件夹下创建 NAME/ folder to create NAME/ in (default: the current folder)")
    p.add_argument("--locale", default="zh_CN", help="输出语言 output language: zh_CN (default) or en")
    p.set_defaults(func=run_new_pack)


def run_new_pack(args: argparse.Namespace) -> int:
    """Run ``new-pack``: write the skeleton and print what was written and what to do next.

    Returns 0 on success and 1 when the name, region or destination is refused
    (the message, on stderr, names the argument), like every ``shuangyong`` command.
    """
    from .newpack import new_pack

    english = str(getattr(args, "locale", "zh_CN") or "zh_CN").startswith("en")
    try:
        root = new_pack(args.name, args.region, Path(args.dest))
    except ShuangyongError as e:
        print(f"shuangyong: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    head = f"Wrote rule pack shuangyong-{args.name} to {root}:" if english else f"已生成规则包 shuangyong-{args.name}：{root}"
    print(head)
    for f in files:
        print(f"  {f}")
    steps = (
        ["Next:", f"  cd {root}", "  python -m pytest            # the skeleton's tests pass as generated",
         "  python -m pip install -e .  # then `shuangyong packs` lists it",
         "Replace every TODO (rule, figure, source) using docs/writing-a-rule-pack.md."]
        if english
        else ["下一步：", f"  cd {root}", "  python -m pytest            # 模板自带的测试应当通过",
              "  python -m pip install -e .  # 安装后 `shuangyong packs` 可见",
              "按 docs/writing-a-rule-pack.md 替换所有 TODO（规则、数字、来源）。"]
    )
    print("\n".join(steps))
    return 0
