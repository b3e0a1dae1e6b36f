"""Subcommands for 双拥 campaigns (issue 17): festival dates, visit lists, plans, the 台帐, reports, evidence.

``shuangyong festivals [--year Y]`` · ``shuangyong visits ROSTER --scheme CODE --year Y [--out F.csv|F.xlsx]``
· ``shuangyong plan show|check PLAN`` · ``shuangyong taizhang record|import|status|list DB --plan PLAN …``
· ``shuangyong report DB --plan PLAN`` · ``shuangyong evidence DB --plan PLAN --scheme CODE``.
``PLAN`` is an installed plan code or a plan ``.toml`` file.  ``cli.py`` calls :func:`add_commands`.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import ShuangyongError

__all__ = ["add_commands"]


def add_commands(subparsers: Any) -> None:
    """Add ``festivals``, ``visits``, ``plan``, ``taizhang``, ``report`` and ``evidence``."""

    def packs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--packs", default=None, help="要加载的规则包，逗号分隔 / comma-separated pack names (default: all installed)")

    def store(p: argparse.ArgumentParser) -> None:
        packs(p)
        p.add_argument("db", metavar="TAIZHANG", help="台帐文件 (SQLite) / the 台帐 file, created on first record")
        p.add_argument("--plan", required=True, help="实施方案代码或 .toml 文件 / installed plan code or a plan .toml file")

    p = subparsers.add_parser("festivals", help="节日日期 / festival dates (元旦 春节 清明 八一 中秋 烈士纪念日)")
    p.add_argument("--year", type=int, default=date.today().year, help="年份 / year (default: this year)")
    p.add_argument("--json", action="store_true", help="JSON 输出 / print JSON")
    p.set_defaults(func=run_festivals)

    p = subparsers.add_parser("visits", help="走访慰问名单，每户一份慰问金 / festival visit list, one grant per household")
    packs(p)
    p.add_argument("roster", metavar="ROSTER", help="花名册 (.csv, .jsonl, .xlsx) / roster file")
    p.add_argument("--scheme", required=True, help="走访慰问方案代码或 .toml / visit scheme code or a .toml file")
    p.add_argument("--year", type=int, required=True, help="年份 / year of the festival")
    p.add_argument("--out", default=None, help="输出名单 .csv 或 .xlsx / write the list (.csv or .xlsx)")
    p.add_argument("--reveal", action="store_true", help="显示完整姓名和身份证号 / show names and ID numbers in full")
    p.add_argument("--record", metavar="TAIZHANG", default=None, help="发放后记入台帐 / record the paid list in this 台帐")
    p.add_argument("--plan", default=None, help="台帐的实施方案 / the 台帐's plan (with --record)")
    p.add_argument("--task", default=None, help="台帐任务 / task key (with --record)")
    p.add_argument("--unit", default=None, help="台帐单位 / unit (with --record)")
    p.add_argument("--paid-on", default=None, help="发放日期 / date paid (default: the festival)")
    p.add_argument("--encoding", default=None, help="CSV 编码 / CSV encoding")
    p.add_argument("--json", action="store_true", help="JSON 输出 / print JSON")
    p.set_defaults(func=run_visits)

    p = subparsers.add_parser("plan", help="查看或校验实施方案 / show or check a campaign plan")
    packs(p)
    p.add_argument("action", choices=("show", "check", "list"), help="show 显示 / check 校验 / list 列出已安装方案")
    p.add_argument("plan", nargs="?", help="方案代码或 .toml 文件 / plan code or .toml file")
    p.add_argument("--json", action="store_true", help="JSON 输出 / print JSON")
    p.set_defaults(func=run_plan)

    p = subparsers.add_parser("taizhang", help="台帐：登记工作、导入、进度 / the 台帐: record work, import, status")
    tsub = p.add_subparsers(dest="taizhang_action", metavar="ACTION",
                            help="record 登记 / import 导入 / status 进度 / list 列出记录")
    r = tsub.add_parser("record", help="登记一条工作记录 / append one record")
    store(r)
    r.add_argument("--task", required=True, help="任务代码 / task key")
    r.add_argument("--unit", required=True, help="单位 / unit (牵头或责任单位)")
    r.add_argument("--date", required=True, help="完成日期 / date done (YYYY-MM-DD)")
    r.add_argument("--what", required=True, help="工作内容 / what was done")
    r.add_argument("--count", action="append", default=[], metavar="NAME=N", help="数量，如 户=12 / a count, repeatable")
    r.add_argument("--amount", default="0", help="金额（元）/ amount in 元")
    r.add_argument("--incomplete", action="store_true", help="尚未完成该项任务 / the unit's part is not finished yet")
    r.add_argument("--evidence", action="append", default=[], help="佐证材料 / evidence reference, repeatable")
    r.add_argument("--corrects", type=int, default=None, help="更正第N条记录 / this record corrects record N")
    r.set_defaults(func=run_record)
    r = tsub.add_parser("import", help="从 CSV 逐条登记 / append records from a CSV")
    store(r)
    r.add_argument("csv", metavar="CSV", help="列：任务,单位,日期,工作内容,户,人,数量,金额,完成,佐证,更正 / columns task,unit,date,what,…")
    r.set_defaults(func=run_import)
    for name, helptext in (("status", "完成、逾期、未开展情况 / done, late, not started"), ("list", "列出记录 / list records")):
        r = tsub.add_parser(name, help=helptext)
        store(r)
        r.add_argument("--as-of", default=None, help="截至日期 / as of (default: today)")
        r.add_argument("--unit", default=None, help="只看一个单位 / one unit only")
        r.add_argument("--json", action="store_true", help="JSON 输出 / print JSON")
        r.set_defaults(func=run_status if name == "status" else run_list)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    p = subparsers.add_parser("report", help="由台帐生成工作简报/总结 / a 工作简报 or 工作总结 from the 台帐")
    store(p)
    p.add_argument("--as-of", default=None, help="截至日期 / as of (default: today)")
    p.add_argument("--unit", default=None, help="单位 / one unit only")
    p.add_argument("--kind", choices=("简报", "总结"), default="简报", help="简报 (default) 或 总结")
    p.add_argument("--json", action="store_true", help="只输出数字 / the figures as JSON")
    p.set_defaults(func=run_report)

    p = subparsers.add_parser("evidence", help="由台帐生成考评佐证文件 / assessment evidence from the 台帐")
    store(p)
    p.add_argument("--scheme", default=None, help="考评方案代码 / assessment scheme code (fills the checks the plan does not cover)")
    p.add_argument("--as-of", default=None, help="截至日期 / as of (default: today)")
    p.add_argument("--unit", default=None, help="单位 / one unit only")
    p.add_argument("--out", default=None, help="写入 .json 文件 / write to a .json file (for `shuangyong assess`)")
    p.set_defaults(func=run_evidence)


# -- helpers ----------------------------------------------------------------------------


def _engine(args: argparse.Namespace) -> Any:
    from ..engine import Engine

    only = [s for s in (getattr(args, "packs", None) or "").split(",") if s] or None
    return Engine.from_plugins(only)


def _plan(args: argparse.Namespace, engine: Any = None) -> Any:
    from ..campaigns import plan

    return plan(engine if engine is not None else _engine(args), args.plan)


def _as_of(args: argparse.Namespace) -> date:
    from ..record import parse_date

    return parse_date(args.as_of, "as_of") if getattr(args, "as_of", None) else date.today()


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _counts(items: list[str]) -> dict[str, str]:
    from ..campaigns import CampaignError

    out = {}
    for item in items:
        name, sep, n = item.partition("=")
        if not sep or not name.strip():
            raise CampaignError(f"--count {item!r}: write NAME=N, e.g. 户=12")
        out[name.strip()] = n.strip()
    return out


# -- commands ---------------------------------------------------------------------------


def run_festivals(args: argparse.Namespace) -> int:
    from .. import festivals

    days = {name: festivals.date(name, args.year).isoformat() for name in festivals.FESTIVALS
            if not (name == "烈士纪念日" and args.year < 2014)}
    if args.json:
        _print_json({"year": args.year, "festivals": days})
    else:
        for name, d in days.items():
            print(f"{name}\t{d}\t{festivals.FESTIVALS[name][0]}")
    return 0


def run_visits(args: argparse.Namespace) -> int:
    from ..campaigns import CampaignError, Taizhang, load_visit_scheme, visit_list, write_visit_list
    from ..model import Person
    from ..roster.reading import read_roster

    engine = _engine(args)
    scheme: Any = load_visit_scheme(args.scheme) if args.scheme.endswith(".toml") else args.scheme
    roster = read_roster(args.roster, encoding=args.encoding)
    people, rejects = [], []
    for i, fields in enumerate(roster.records()):
        try:
            people.append(Person.from_record(fields))
        except ShuangyongError as e:
            rejects.append((int(roster.row_numbers[i]), str(e)))
    vl = visit_list(engine, people, scheme, args.year)
    if args.out:
        write_visit_list(vl, args.out, reveal=args.reveal)
    if args.record:
        if not (args.plan and args.task and args.unit):
            raise CampaignError("--record needs --plan, --task and --unit")
        if rejects:
            # A list with people left out is not what was paid: fix the roster first.
            for n, why in rejects:
                print(f"第{n}行未纳入 / row {n} left out: {why}", file=sys.stderr)
            raise CampaignError(f"{len(rejects)} roster row(s) could not be read; nothing recorded in the 台帐")
        with Taizhang(args.record, _plan(args, engine)) as tz:
            rec = tz.record(args.task, args.unit, args.paid_on or vl.on, vl.summary(),
                            counts={"户": len(vl.households), "人": vl.people}, amount=vl.total,
                            evidence=[str(args.out)] if args.out else ())
        print(f"已记入台帐第{rec.id}条 / recorded as 台帐 record {rec.id}", file=sys.stderr)
    if args.json:
        _print_json({**vl.to_dict(args.reveal), "rejects": [{"row": r, "reason": why} for r, why in rejects]})
    else:
        if not args.out:
            w = csv.writer(sys.stdout)
            for row in vl.rows(args.reveal):
                w.writerow(row)
        print(vl.summary())
    for n, why in rejects:
        print(f"第{n}行未纳入 / row {n} left out: {why}", file=sys.stderr)
    return 1 if rejects else 0


def run_plan(args: argparse.Namespace) -> int:
    from ..campaigns import CampaignError, campaign_registry, plan

    engine = _engine(args)
    if args.action == "list":
        reg = campaign_registry(engine)
        rows = [{"code": c, "kind": "plan", "title": p.title, "pack": pk} for c, (pk, p) in reg.plans.items()]
        rows += [{"code": c, "kind": "visits", "title": v.title, "pack": pk} for c, (pk, v) in reg.visits.items()]
        if args.json:
            _print_json(rows)
        else:
            for r in rows:
                print(f"{r['code']}\t{r['kind']}\t{r['title']}\t{r['pack']}")
        return 0
    if not args.plan:
        raise CampaignError("give a plan code or a plan .toml file")
    pl = plan(engine, args.plan)
    if args.action == "check":
        print(f"方案有效 / plan is valid: {pl.code} — {len(pl.stages)}个阶段 {len(pl.tasks)}项任务 {len(pl.units)}个单位")
        return 0
    if args.json:
        _print_json(pl.to_dict())
        return 0
    print(f"{pl.title}（{pl.start}至{pl.end}）")
    for st in pl.stages:
        print(f"\n{st.title}（{st.start}至{st.end}）")
        for t in pl.tasks:
            if t.stage == st.key:
                resp = "、".join(t.responsible) or "—"
                targets = "；".join(x.describe() for x in t.targets)
                print(f"  [{t.key}] {t.title}\n      牵头：{t.lead}  责任：{resp}  时限：{t.deadline}"
                      + ("（每年）" if t.recurring == "yearly" else "") + (f"  目标：{targets}" if targets else ""))
    return 0


def run_record(args: argparse.Namespace) -> int:
    from ..campaigns import Taizhang

    with Taizhang(args.db, _plan(args)) as tz:
        rec = tz.record(args.task, args.unit, args.date, args.what, counts=_counts(args.count), amount=args.amount,
                        complete=not args.incomplete, evidence=args.evidence, corrects=args.corrects)
    print(f"已登记第{rec.id}条 / recorded {rec.id}: {rec.task} {rec.unit} {rec.on}")
    return 0


_IMPORT_COLUMNS = {"任务": "task", "单位": "unit", "日期": "date", "工作内容": "what", "户": "户", "人": "人", "金额": "amount",
                   "完成": "complete", "佐证": "evidence", "更正": "corrects", "数量": "counts"}


def run_import(args: argparse.Namespace) -> int:
    """Append each CSV row as its own record; a bad row is listed with its reason and the rest go on."""
    from ..campaigns import CampaignError, Taizhang
    from ..record import _parse_bool  # one home for 是/否

    path = Path(args.csv)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise CampaignError(f"{path}: cannot read as UTF-8 CSV ({e})") from None
    rows = list(csv.DictReader(text.splitlines()))
    done, bad = 0, 0
    with Taizhang(args.db, _plan(args)) as tz:
        for n, raw in enumerate(rows, 2):
            row = {_IMPORT_COLUMNS.get((k or "").strip(), (k or "").strip()): (v or "").strip() for k, v in raw.items()}
            try:
                counts: dict[str, Any] = {k: row[k] for k in ("户", "人") if row.get(k)}
                counts.update(_counts([c for c in row.get("counts", "").replace(";", "；").split("；") if c.strip()]))
                complete = _parse_bool(row["complete"], "complete") if row.get("complete") else True
                tz.record(row.get("task", ""), row.get("unit", ""), row.get("date", ""), row.get("what", ""), counts=counts,
                          amount=row.get("amount") or "0", complete=complete,
                          evidence=[e for e in row.get("evidence", "").split("；") if e],
                          corrects=int(row["corrects"]) if row.get("corrects") else None)
                done += 1
            except (ShuangyongError, ValueError) as e:
                bad += 1
                print(f"{path.name} 第{n}行未登记 / row {n} rejected: {e}", file=sys.stderr)
    print(f"登记{done}条，拒绝{bad}条 / recorded {done}, rejected {bad}")
    return 1 if bad else 0


def run_status(args: argparse.Namespace) -> int:
    from ..campaigns import Taizhang

    with Taizhang(args.db, _plan(args)) as tz:
        statuses = [s for s in tz.status(_as_of(args)) if args.unit is None or s.unit == args.unit]
    if args.json:
        _print_json([s.to_dict() for s in statuses])
        return 0
    for s in statuses:
        print(f"{s.label}\t{s.task.key}\t{s.unit}\t时限{s.deadline}\t记录{len(s.records)}条\t{s.task.title}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from ..campaigns import Taizhang

    with Taizhang(args.db, _plan(args)) as tz:
        recs = [r for r in tz.records(as_of=_as_of(args)) if args.unit is None or r.unit == args.unit]
    if args.json:
        _print_json([r.to_dict() for r in recs])
        return 0
    for r in recs:
        counts = " ".join(f"{k}{v}" for k, v in r.counts.items())
        print(f"{r.id}\t{r.on}\t{r.task}\t{r.unit}\t{r.what}\t{counts}\t{r.amount}元\t{'完成' if r.complete else '进行中'}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from ..campaigns import Taizhang, briefing, tally

    with Taizhang(args.db, _plan(args)) as tz:
        recs = tz.records()
        if args.json:
            _print_json(tally(tz.plan, recs, _as_of(args), args.unit).to_dict())
        else:
            sys.stdout.write(briefing(tz.plan, recs, _as_of(args), unit=args.unit, kind=args.kind))
    return 0


def run_evidence(args: argparse.Namespace) -> int:
    from ..campaigns import Taizhang, evidence

    engine = _engine(args)
    scheme = engine.scheme(args.scheme) if args.scheme else None
    with Taizhang(args.db, _plan(args, engine)) as tz:
        doc = evidence(tz.plan, tz.records(), _as_of(args), unit=args.unit, scheme=scheme)
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"
    if args.out:
        from ..outputs import atomic_file

        with atomic_file(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0
