"""Subcommands ``assess``, ``schemes`` and ``rank`` of the ``shuangyong`` command.

``shuangyong assess EVIDENCE --scheme CODE [--compare OLD_EVIDENCE]`` scores an
evidence file (TOML or JSON) against an installed scheme (or a scheme TOML
file given by path) and prints the scorecard; with ``--compare`` it scores the
old evidence too and lists where points moved.  ``shuangyong schemes`` lists
installed assessment and placement schemes.  ``shuangyong rank OFFICERS
--scheme CODE [--posts POSTS --preferences PREFS]`` scores and ranks
transferred officers and, given posts and preferences, lets them choose in
rank order.  ``cli.py`` calls :func:`add_commands`.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InvalidRecordError, SchemeError
from ..ids import mask_id_number

__all__ = ["add_commands", "run_assess", "run_schemes", "run_rank", "read_officers", "read_posts", "read_preferences"]


def add_commands(subparsers: Any) -> None:
    """Add ``assess``, ``schemes`` and ``rank`` to the ``shuangyong`` subcommands."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--locale", default="zh_CN", help="输出语言 output language: zh_CN (default) or en")
        p.add_argument("--packs", default=None, help="只加载这些规则包（逗号分隔） comma-separated pack names to load (default: all installed)")
        p.add_argument("--json", action="store_true", help="以带版本号的 JSON 输出 print the versioned JSON form instead of text")

    p = subparsers.add_parser("assess", help="按考评方案给证据材料打分（双拥考评） score an evidence file against an assessment scheme")
    common(p)
    p.add_argument("evidence", metavar="EVIDENCE", help="证据材料文件 evidence file (.toml or .json)")
    p.add_argument("--scheme", required=True, help="已安装的考评方案代码或方案 .toml 文件 installed scheme code (see `shuangyong schemes`) or a scheme .toml file")
    p.add_argument("--compare", metavar="OLD_EVIDENCE", default=None, help="用于比较的旧证据（去年、另一单位） older evidence (last year, another unit) to compare with")
    p.add_argument("--template", action="store_true", help="输出该方案的空白证据模板 print a blank evidence document for the scheme and exit")
    p.set_defaults(func=run_assess)

    p = subparsers.add_parser("schemes", help="列出已安装的考评和安置方案 list installed assessment and placement schemes")
    common(p)
    p.set_defaults(func=run_schemes)

    p = subparsers.add_parser("rank", help="按安置方案给军转干部排序并按名次分配岗位 rank 军转干部 by a placement scheme, and allocate posts in rank order")
    common(p)
    p.add_argument("officers", metavar="OFFICERS", help="军转干部名单 officers file (.csv, .json, .jsonl or .toml with [[officer]])")
    p.add_argument("--scheme", required=True, help="已安装的安置方案代码或方案 .toml 文件 installed placement scheme code or a placement scheme .toml file")
    p.add_argument("--posts", default=None, help="岗位文件 posts file: .csv (code,seats[,title]) or .toml/.json {code = seats}")
    p.add_argument("--preferences", default=None, help="志愿文件 preferences file: .csv (id_number,preferences) or .toml/.json {id = [codes]}")
    p.add_argument("--as-of", default=None, help="文件无转业时间时军龄计算截止日 date 军龄 is counted to when a file has no transfer date (YYYY-MM-DD)")
    p.add_argument("--encoding", default=None, help="CSV 编码 CSV encoding (default: UTF-8, then GB18030)")
    p.set_defaults(func=run_rank)


def _engine(args: argparse.Namespace) -> Any:
    from ..engine import Engine

    only = [s for s in (getattr(args, "packs", None) or "").split(",") if s] or None
    return Engine.from_plugins(only)


def _en(args: argparse.Namespace) -> bool:
    return str(getattr(args, "locale", "zh_CN")).lower().startswith("en")


def _pts(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# -- assess ----------------------------------------------------------------------------


def run_assess(args: argparse.Namespace) -> int:
    """Score EVIDENCE; with --compare also the old evidence, and show where points moved."""
    from ..assessment.schemes import assess, compare, load_scheme

    engine = _engine(args)
    types = engine.item_types()
    if args.scheme.endswith(".toml") and Path(args.scheme).exists():
        scheme = load_scheme(args.scheme, item_types=types)
    else:
        scheme = engine.scheme(args.scheme)
    if args.template:
        if args.json:
            _print_json(scheme.evidence_template())
        else:
            print(_template_toml(scheme))
        return 0
    card = assess(scheme, args.evidence, item_types=types)
    locale = "en" if _en(args) else "zh_CN"
    if args.compare:
        old = assess(scheme, args.compare, item_types=types)
        cmp = compare(old, card)
        if args.json:
            _print_json({"card": card.to_dict(), "comparison": cmp.to_dict()})
        else:
            print(card.to_text(locale))
            print()
            print(cmp.to_text(locale))
        return 0
    if args.json:
        _print_json(card.to_dict())
    else:
        print(card.to_text(locale))
    return 0


def _template_toml(scheme: Any) -> str:
    out = [f'scheme = "{scheme.code}"', 'unit = ""', 'period = ""']
    for section, keys in scheme.evidence_template().items():
        out.append(f"\n[{section}]")
        for k, v in keys.items():
            if isinstance(v, dict):
                inner = ", ".join(f'"{n}" = false' for n in v)
                out.append(f"{_key(k)} = {{ {inner} }}")
            elif isinstance(v, bool):
                out.append(f"{_key(k)} = false")
            elif isinstance(v, int):
                out.append(f"{_key(k)} = 0")
            else:
                out.append(f"# {_key(k)} = 0.0")
    return "\n".join(out)


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isascii() and k.replace("_", "").replace("-", "").isalnum() else json.dumps(k, ensure_ascii=False)


# -- schemes ---------------------------------------------------------------------------


def run_schemes(args: argparse.Namespace) -> int:
    """List installed assessment schemes and placement schemes with the pack that registered each."""
    engine = _engine(args)
    reg = engine.registry
    rows = [
        {"kind": "assessment", "code": code, "pack": pack, "title": s.title, "max_points": _pts(s.max_points),
         "bonus_max": _pts(s.bonus_max), "partial": s.partial, "file": s.path}
        for code, (pack, s) in sorted(reg.schemes.items())
    ] + [
        {"kind": "placement", "code": code, "pack": pack, "title": s.title, "partial": s.partial, "file": s.path}
        for code, (pack, s) in sorted(reg.placement_schemes.items())
    ]
    if args.json:
        _print_json(rows)
        return 0
    en = _en(args)
    print("Assessment schemes:" if en else "考评方案：")
    for r in rows:
        if r["kind"] != "assessment":
            continue
        part = (" (partial)" if en else "（不完整）") if r["partial"] else ""
        pts = f"{r['max_points']} + bonus {r['bonus_max']}" if en else f"基本分 {r['max_points']}，加分上限 {r['bonus_max']}"
        print(f"  {r['code']}  {r['title']}{part}  [{pts}]  ({r['pack']})")
    print("Placement schemes:" if en else "军转干部安置计分办法：")
    for r in rows:
        if r["kind"] == "placement":
            part = (" (partial)" if en else "（不完整）") if r["partial"] else ""
            print(f"  {r['code']}  {r['title']}{part}  ({r['pack']})")
    return 0


# -- rank ----------------------------------------------------------------------------------


def run_rank(args: argparse.Namespace) -> int:
    """Rank OFFICERS under a placement scheme; with --posts and --preferences, allocate posts."""
    from ..placement.points import allocate, load_placement_scheme, rank
    from ..record import parse_date

    if bool(args.posts) != bool(args.preferences):
        raise SchemeError("give --posts and --preferences together")
    if args.scheme.endswith(".toml") and Path(args.scheme).exists():
        scheme = load_placement_scheme(args.scheme)
    else:
        scheme = _engine(args).placement_scheme(args.scheme)
    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    officers = read_officers(args.officers, args.encoding)
    ranking = rank(officers, scheme, as_of=as_of)
    allocation = None
    if args.posts:
        allocation = allocate(ranking, read_posts(args.posts, args.encoding), read_preferences(args.preferences, args.encoding))
    if args.json:
        _print_json({"ranking": ranking.to_dict(), "allocation": allocation.to_dict() if allocation else None})
        return 0
    print(ranking)
    if allocation is not None:
        print()
        print(allocation)
    return 0


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise InvalidRecordError("file", path, f"cannot read: {e.strerror or e}") from None


def _read_text(path: str, encoding: str | None) -> str:
    raw = _read_bytes(path)
    try:
        if encoding:
            return raw.decode(encoding)
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return raw.decode("gb18030")  # what Chinese Excel / WPS write
    except LookupError:
        raise InvalidRecordError("--encoding", encoding, "unknown encoding") from None
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise InvalidRecordError("file", path, f"not readable as {e.encoding} near line {line}; pass --encoding") from None


def _load(path: str, encoding: str | None) -> Any:
    """Parse a .csv (list of dicts), .json, .jsonl or .toml file; numbers as Decimal.

    CSV is read by the roster's exact reader: a line it cannot read (an unclosed quote, a short row)
    stops the run naming the line, never merges into another officer's row.
    """
    p = Path(path)
    if not p.exists():
        raise InvalidRecordError("file", str(p), "no such file")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        from ..roster.reading import _read_csv_bytes

        roster = _read_csv_bytes(str(p), _read_bytes(path), encoding, arrays=False)
        if roster.problems:
            i, _, why = roster.problems[0]
            raise InvalidRecordError(f"{p.name} line {roster.row_numbers[i]}", None, why)
        return [roster.record(i) for i in range(len(roster))]
    text = _read_text(path, encoding)
    try:
        if suffix == ".json":
            return json.loads(text, parse_float=Decimal)
        if suffix == ".jsonl":
            return [json.loads(line, parse_float=Decimal) for line in text.splitlines() if line.strip()]
        if suffix == ".toml":
            return tomllib.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as e:
        why = "nested too deep" if isinstance(e, RecursionError) else str(e).splitlines()[0][:200]
        raise InvalidRecordError("file", str(p), f"cannot parse: {why}") from None
    raise InvalidRecordError("file", str(p), "use .csv, .json, .jsonl or .toml")


def _records(data: Any, path: str, what: str) -> list[Mapping[str, Any]]:
    """``data`` as a list of records, or a one-line error naming the first entry that is not one."""
    if not isinstance(data, list):
        raise InvalidRecordError(what, path, "expected a list of records")
    for i, rec in enumerate(data, start=1):
        if not isinstance(rec, Mapping):
            raise InvalidRecordError(f"{Path(path).name} entry {i}", None, f"expected a record of fields, got {type(rec).__name__}")
    return data


def read_officers(path: str, encoding: str | None = None) -> list[Any]:
    """Officers from a file: CSV rows, a JSON list (or {"officers": [...]}), JSON Lines, or TOML ``[[officer]]``."""
    from ..placement.points import Officer

    data = _load(path, encoding)
    if isinstance(data, Mapping):
        data = data.get("officer", data.get("officers"))
    if not isinstance(data, list):
        raise InvalidRecordError("officers", path, "expected a list of officer records ([[officer]] in TOML)")
    out = []
    for i, rec in enumerate(_records(data, path, "officers"), start=1):
        try:
            out.append(Officer.from_record(rec))
        except InvalidRecordError as e:
            raise InvalidRecordError(f"{Path(path).name} row {i}: {e.field}", e.value, e.reason) from None
    return out


def read_posts(path: str, encoding: str | None = None) -> Any:
    """Posts: CSV with ``code``/``岗位``, ``seats``/``名额``, optional ``title``/``名称``; or a TOML/JSON mapping."""
    data = _load(path, encoding)
    if isinstance(data, list):
        posts = {}
        for row in _records(data, path, "posts"):
            code = row.get("code") or row.get("岗位") or row.get("岗位代码")
            seats = row.get("seats") or row.get("名额")
            if not code:
                raise InvalidRecordError("posts", path, "each row needs code (岗位) and seats (名额)")
            posts[str(code).strip()] = {"seats": seats, "title": row.get("title") or row.get("名称") or row.get("单位") or ""}
        return posts
    if isinstance(data, Mapping) and "post" in data and isinstance(data["post"], list):
        return data["post"]
    return data


def read_preferences(path: str, encoding: str | None = None) -> dict[str, list[str]]:
    """Preferences: CSV with ``id_number``/``身份证号`` and ``preferences``/``志愿`` (``A;B``) or ``志愿1``, ``志愿2`` …;
    or a TOML/JSON mapping ``{id_number = ["A", "B"]}``."""
    from ..record import split_list

    data = _load(path, encoding)
    if isinstance(data, Mapping):
        for k, v in data.items():
            if not isinstance(v, (str, list, tuple)):
                raise InvalidRecordError("preferences", None, f"the entry of {mask_id_number(str(k))} must be a list of post codes")
        return {str(k): split_list(v) if isinstance(v, str) else [str(x) for x in v] for k, v in data.items()}
    out: dict[str, list[str]] = {}
    for row in _records(data, path, "preferences"):
        oid = row.get("id_number") or row.get("身份证号") or row.get("公民身份号码")
        if not oid:
            raise InvalidRecordError("preferences", path, "each row needs id_number (身份证号)")
        if row.get("preferences") or row.get("志愿"):
            prefs = split_list(row.get("preferences") or row.get("志愿"))
        else:
            cols = sorted((k for k in row if k and (k.startswith("志愿") or k.startswith("choice"))),
                          key=lambda k: int("".join(ch for ch in k if ch.isdecimal()) or 0))
            prefs = [str(row[k]).strip() for k in cols if row[k] and str(row[k]).strip()]
        out[str(oid).strip()] = prefs
    return out
