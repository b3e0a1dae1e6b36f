"""The payment-cycle commands: ``pay``, ``arrears``, ``audit``, ``bank-file``, ``bank-return`` and ``ledger``.

``shuangyong pay ROSTER --period 2025-08 --ledger county.db`` computes the month
and records what is not yet paid; ``arrears`` lists 补发 and overpayments with
their causes (``--pay`` records the 补发); ``audit`` runs the auditors' checks;
``bank-file`` / ``bank-return`` write the agent bank's file and read its answer;
``ledger event|reverse|recover|runs|report|totals`` record life events and
corrections and print the ledger's reports.  See ``docs/ledger.md``.

Exit status: 0 done, 1 refused (the message says what and why; IDs masked), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["add_commands"]


def _common(p: argparse.ArgumentParser, ledger: bool = True) -> None:
    if ledger:
        p.add_argument("--ledger", required=True, metavar="FILE.db", help="台账文件 the ledger file (created when missing)")
    p.add_argument("--locale", default="zh_CN", help="输出语言 output language: zh_CN (default) or en")
    p.add_argument("--packs", default=None, help="只加载这些规则包（逗号分隔） comma-separated pack names to load (default: all installed)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 print JSON instead of lines")
    p.add_argument("--parameters", action="append", default=[], metavar="FILE.toml",
                   help="加载参数文件 extra parameter file or folder (e.g. a new notice; its own jurisdiction key applies), repeatable")


def add_commands(subparsers: Any) -> None:
    """Add ``pay``, ``arrears``, ``audit``, ``bank-file``, ``bank-return`` and ``ledger``."""
    p = subparsers.add_parser("pay", help="发放：计算并记入台账 compute a period and record the payment in the ledger",
                              description="Compute whole months and record every line not yet paid, in one transaction.")
    p.add_argument("roster", help="花名册 roster file (.csv, .jsonl, .xlsx)")
    p.add_argument("--period", required=True, help="发放期间 period: 2025-08, or whole months such as 2025-07-01..2025-12-31")
    _common(p)
    p.add_argument("--summary", default=None, metavar="FILE.json", help="发放汇总 JSON 写到此文件 write the run summary JSON here")
    p.add_argument("--known-on", default=None, metavar="YYYY-MM-DD", help="按此日已公布的标准计算（默认今天） price with the standards known on this day (default today)")
    p.add_argument("--jurisdiction", default="", help="发放单位区划代码 the paying office's region code")
    p.add_argument("--operator", default="", help="经办人 who ran it")
    p.add_argument("--region", default=None, help="行政区划代码 for rows that give none")
    p.set_defaults(func=run_pay)

    p = subparsers.add_parser("arrears", help="补发与多发：按现行标准核对已发 underpayments and overpayments with causes",
                              description="Compare, month by month, what the rules now give with what the ledger says was paid.")
    p.add_argument("roster", help="花名册 roster file")
    p.add_argument("--through", required=True, help="比对到此月 last month compared, e.g. 2025-10")
    p.add_argument("--since", default=None, help="从此月开始比对（默认台账第一个月） first month compared (default: the ledger's first)")
    _common(p)
    p.add_argument("--pay", action="store_true", help="记录补发 record the underpayments as 补发 lines")
    p.add_argument("--summary", default=None, metavar="FILE.json", help="补发/多发明细和合计 JSON 写到此文件 write the lines and totals as JSON here")
    p.add_argument("--region", default=None, help="行政区划代码 for rows that give none")
    p.add_argument("--operator", default="", help="经办人")
    p.set_defaults(func=run_arrears)

    p = subparsers.add_parser("audit", help="审计检查 the auditors' checks over the ledger (and a roster)",
                              description="Paid after death, two jurisdictions, amounts off the standard, exclusive benefits, "
                                          "standards not applied, unpaid past a deadline.")
    p.add_argument("roster", nargs="?", default=None, help="花名册 roster file (enables the amount checks)")
    _common(p)
    p.add_argument("--compare", action="append", default=[], metavar="OTHER.db", help="另一发放单位的台账（可重复） another jurisdiction's ledger (repeatable)")
    p.add_argument("--as-of", default=None, metavar="YYYY-MM-DD", help="审计日（默认今天） audit day (default today)")
    p.add_argument("--deadline-days", type=int, default=60, help="月末后多少天未发放即为逾期 days after the month before an unpaid line is late (default 60)")
    p.add_argument("--summary", default=None, metavar="FILE.json", help="审计发现 JSON 写到此文件 write the findings as JSON here")
    p.add_argument("--region", default=None, help="行政区划代码 for rows that give none")
    p.set_defaults(func=run_audit)

    p = subparsers.add_parser("bank-file", help="银行代发文件 write a run's file for the agent bank")
    p.add_argument("roster", help="花名册 with 姓名 and 银行账号 columns")
    p.add_argument("--run", type=int, required=True, help="发放批次号（见 shuangyong ledger runs） run number (see `shuangyong ledger runs`)")
    p.add_argument("--out", required=True, help="写出的银行文件 file to write")
    p.add_argument("--format", default="generic", help="银行文件格式（默认 generic，规则包可增加） bank format (default generic; packs may add theirs)")
    p.add_argument("--payer", default="", help="付款单位")
    _common(p)
    p.set_defaults(func=run_bank_file)

    p = subparsers.add_parser("bank-return", help="银行回盘 import the bank's return file: failed items become unpaid")
    p.add_argument("file", help="银行回盘文件 the bank's return file")
    p.add_argument("--format", default="generic", help="银行文件格式 bank format (default generic)")
    p.add_argument("--operator", default="", help="经办人")
    _common(p)
    p.set_defaults(func=run_bank_return)

    p = subparsers.add_parser("ledger", help="台账：生命事件、冲正、追缴、批次与报表 life events, corrections, runs and reports")
    sub = p.add_subparsers(dest="ledger_command", metavar="ACTION",
                           help="台账操作：事件、冲正、追回、批次、花名册、合计 ledger actions: event, reverse, recover, runs, report, totals")
    q = sub.add_parser("event", help="记录死亡/暂停/恢复 record a death, suspension or resumption")
    q.add_argument("kind", choices=("death", "suspend", "resume"), help="事件：死亡、暂停、恢复 death, suspend or resume")
    q.add_argument("id_number", help="身份证号")
    q.add_argument("--date", required=True, help="生效日期 the day it took effect (YYYY-MM-DD)")
    q.add_argument("--reported", default=None, help="报告日期（默认今天） the day it was reported (default today)")
    q.add_argument("--document", default="", help="依据文书 document")
    q.add_argument("--reason", default="", help="原因 (required for suspend)")
    q.add_argument("--back-pay", action="store_true", help="恢复时补发暂停期间 resume: the suspended months are owed too")
    _common(q)
    q.set_defaults(func=run_event)
    q = sub.add_parser("reverse", help="冲正 reverse a person's lines (with a reason)")
    q.add_argument("id_number", help="身份证号")
    q.add_argument("--rule", default=None, help="规则代码（默认全部） rule code (default: all)")
    q.add_argument("--month", default=None, help="月份 month, YYYY-MM (default: all)")
    q.add_argument("--reason", required=True, help="冲正原因 why the lines are reversed")
    q.add_argument("--document", default="", help="依据文书 document")
    _common(q)
    q.set_defaults(func=run_reverse)
    q = sub.add_parser("recover", help="追缴入账 record an overpayment recovered")
    q.add_argument("id_number", help="身份证号")
    q.add_argument("--rule", required=True, help="规则代码 rule code")
    q.add_argument("--month", required=True, help="月份 month, YYYY-MM")
    q.add_argument("--amount", required=True, help="元, e.g. 2821.67")
    q.add_argument("--method", choices=("refund", "funeral_netting"), default="refund", help="追回方式：退款或抵扣丧葬补助 refund, or netted against the 丧葬补助")
    q.add_argument("--document", default="", help="依据文书 document")
    _common(q)
    q.set_defaults(func=run_recover)
    q = sub.add_parser("runs", help="list the recorded runs")
    _common(q)
    q.set_defaults(func=run_runs)
    q = sub.add_parser("report", help="一个批次的花名册 a run's roster (CSV/XLSX, masked)")
    q.add_argument("--run", type=int, required=True, help="发放批次号 run number")
    q.add_argument("--out", required=True, help="花名册文件 .csv 或 .xlsx file (.csv or .xlsx)")
    q.add_argument("--roster", default=None, help="花名册 to take names from")
    q.add_argument("--reveal", action="store_true", help="显示完整身份证号和姓名（默认遮蔽） show ID numbers and names in full (masked by default)")
    _common(q)
    q.set_defaults(func=run_report)
    q = sub.add_parser("totals", help="县级报表合计 county-report totals for a period")
    q.add_argument("--period", required=True, help="期间 period, e.g. 2025-08")
    _common(q)
    q.set_defaults(func=run_totals)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


# -- helpers -----------------------------------------------------------------------------


def _engine(args: argparse.Namespace) -> Any:
    from ..engine import Engine

    only = [s for s in (getattr(args, "packs", None) or "").split(",") if s] or None
    engine = Engine.from_plugins(only)
    extra = getattr(args, "parameters", None) or []
    if extra:
        from ..params import ParameterSet, load_parameters

        added = [p for path in extra for p in load_parameters(path, pack="--parameters")]
        engine = Engine(_registry=engine.registry, _params=ParameterSet([*engine.parameters.parameters(), *added]))
    return engine


def _date(text: str | None, what: str) -> date | None:
    from ..errors import ShuangyongError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ShuangyongError(f"{what}: not a date (YYYY-MM-DD): {text!r}") from None


def _period(text: str) -> Any:
    from ..periods import parse_period

    return parse_period(text)


def _write_json(path: str, data: Any) -> None:
    from ..outputs import atomic_file

    body = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    with atomic_file(Path(path), "wb") as fh:
        fh.write(body)


def _guard(name: str, args: argparse.Namespace, body: Any) -> int:
    """Run a command body; refusals print one line (no traceback) and exit 1."""
    from ..errors import ShuangyongError
    from ..ids import mask_id_number

    try:
        return int(body() or 0)
    except ShuangyongError as e:
        print(f"shuangyong {name}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"shuangyong {name}: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1
    except ValueError as e:
        text = str(e)
        idn = getattr(args, "id_number", None)
        if idn:
            text = text.replace(str(idn), mask_id_number(idn))
        print(f"shuangyong {name}: {text}", file=sys.stderr)
        return 1


def _print(args: argparse.Namespace, lines: list[str], data: Any) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for ln in lines:
            print(ln)


# -- commands ------------------------------------------------------------------------------


def run_pay(args: argparse.Namespace) -> int:
    from .. import ledger

    def body() -> int:
        engine = _engine(args)
        with ledger.open(args.ledger) as book:
            run = book.pay(engine, args.roster, _period(args.period), jurisdiction=args.jurisdiction, operator=args.operator,
                           known_on=_date(args.known_on, "--known-on"), region=args.region)
            data = run.to_dict() | {"ledger": str(args.ledger), "total_paid_for_period": str(book.total_paid(_period(args.period)))}
        if args.summary:
            _write_json(args.summary, data)
        _print(args, run.lines(args.locale), data)
        return 0

    return _guard("pay", args, body)


def run_arrears(args: argparse.Namespace) -> int:
    from .. import ledger

    def body() -> int:
        engine = _engine(args)
        since = _period(args.since) if args.since else None
        with ledger.open(args.ledger, create=False) as book:
            arr = book.arrears(engine, args.roster, through=_period(args.through), since=since, region=args.region)
            data = arr.summary()
            lines = arr.text_lines(args.locale)
            if args.pay:
                run = book.pay_arrears(engine, args.roster, through=_period(args.through), since=since, region=args.region,
                                       operator=args.operator)
                data["paid"] = run.to_dict()
                lines += run.lines(args.locale)
        if args.summary:
            _write_json(args.summary, data)
        _print(args, lines, data)
        return 0

    return _guard("arrears", args, body)


def run_audit(args: argparse.Namespace) -> int:
    from .. import ledger
    from ..ledger.audit import audit

    def body() -> int:
        engine = _engine(args)
        others = [ledger.open(o, create=False) for o in args.compare]
        try:
            with ledger.open(args.ledger, create=False) as book:
                rep = audit(book, engine, args.roster, others=others, as_of=_date(args.as_of, "--as-of"),
                            deadline_days=args.deadline_days, region=args.region)
        finally:
            for o in others:
                o.close()
        data = rep.to_dict()
        if args.summary:
            _write_json(args.summary, data)
        _print(args, rep.text_lines(), data)
        return 0

    return _guard("audit", args, body)


def run_bank_file(args: argparse.Namespace) -> int:
    from .. import ledger
    from ..ledger.bank import write_bank_file

    def body() -> int:
        engine = _engine(args)
        with ledger.open(args.ledger, create=False) as book:
            b = write_bank_file(book, args.run, args.roster, args.out, format=args.format, engine=engine, payer=args.payer)
        data = {"batch": b.batch, "run": b.run_id, "period": b.period, "items": b.count, "total": str(b.total), "file": args.out}
        _print(args, [f"银行代发文件 {args.out}：批次 {b.batch}，{b.count} 笔，合计 {b.total} 元（等于批次 #{b.run_id} 的有效发放）"], data)
        return 0

    return _guard("bank-file", args, body)


def run_bank_return(args: argparse.Namespace) -> int:
    from .. import ledger
    from ..ledger.bank import import_bank_return

    def body() -> int:
        engine = _engine(args)
        with ledger.open(args.ledger, create=False) as book:
            r = import_bank_return(book, args.file, format=args.format, engine=engine, operator=args.operator)
        data = {"batch": r.batch, "failed": r.failed, "lines_reversed": r.lines_reversed, "amount_unpaid": str(r.amount_unpaid),
                "already_imported": r.already_imported, "failures": [{"person": p, "reason": why} for p, why in r.reasons]}
        lines = [f"回盘 {r.batch}：失败 {r.failed} 笔，冲正 {r.lines_reversed} 条，{r.amount_unpaid} 元转为未发（下次发放或补发时重发）"]
        if r.already_imported:
            lines.append(f"其中 {r.already_imported} 笔此前已导入，未重复冲正")
        lines += [f"  {p}：{why}" for p, why in r.reasons]
        _print(args, lines, data)
        return 0

    return _guard("bank-return", args, body)


def run_event(args: argparse.Namespace) -> int:
    from .. import ledger
    from ..ids import mask_id_number
    from ..ledger.events import EVENT_WORDS

    def body() -> int:
        on = _date(args.date, "--date")
        rep = _date(args.reported, "--reported")
        assert on is not None
        with ledger.open(args.ledger) as book:
            if args.kind == "death":
                ev = book.record_death(args.id_number, on, reported_on=rep, document=args.document)
            elif args.kind == "suspend":
                ev = book.suspend(args.id_number, on, reason=args.reason, document=args.document, reported_on=rep)
            else:
                ev = book.resume(args.id_number, on, document=args.document, back_pay=args.back_pay, reported_on=rep)
        data = {"person": mask_id_number(args.id_number), "kind": ev.kind, "on": ev.on.isoformat(), "reported_on": ev.reported_on.isoformat(),
                "document": ev.document, "back_pay": ev.back_pay}
        _print(args, [f"已记录 {mask_id_number(args.id_number)} {EVENT_WORDS[ev.kind]} {ev.on.isoformat()}（{ev.document or '无文书'}）"], data)
        return 0

    return _guard("ledger event", args, body)


def run_reverse(args: argparse.Namespace) -> int:
    from .. import ledger

    def body() -> int:
        with ledger.open(args.ledger, create=False) as book:
            ids = book.find_lines(args.id_number, args.rule, args.month)
            n = book.reverse(ids, reason=args.reason, document=args.document)
        _print(args, [f"冲正 {n} 条"], {"reversed": n})
        return 0

    return _guard("ledger reverse", args, body)


def run_recover(args: argparse.Namespace) -> int:
    from decimal import Decimal, InvalidOperation

    from .. import ledger

    def body() -> int:
        try:
            amount = Decimal(args.amount)
        except InvalidOperation:
            raise ledger.LedgerError(f"--amount: not an amount: {args.amount!r}") from None
        with ledger.open(args.ledger, create=False) as book:
            run_id = book.record_recovery(args.id_number, args.rule, args.month, amount, method=args.method, document=args.document)
        _print(args, [f"追缴入账：批次 #{run_id}，{amount} 元"], {"run": run_id, "amount": str(amount)})
        return 0

    return _guard("ledger recover", args, body)


def run_runs(args: argparse.Namespace) -> int:
    from .. import ledger

    def body() -> int:
        with ledger.open(args.ledger, create=False) as book:
            runs = book.runs()
        lines = [f"#{r['id']} {r['kind']} {r['period']} 已知日 {r['known_on']} {r['lines']} 条 {r['total']} 元 {r['created_at']} {r['note']}"
                 for r in runs]
        _print(args, lines or ["台账为空"], runs)
        return 0

    return _guard("ledger runs", args, body)


def run_report(args: argparse.Namespace) -> int:
    from .. import ledger
    from ..ledger.reports import write_run_roster

    def body() -> int:
        engine = _engine(args)
        with ledger.open(args.ledger, create=False) as book:
            total = write_run_roster(book, args.run, args.out, engine=engine, roster=args.roster, reveal=args.reveal)
        _print(args, [f"花名册 {args.out}：批次 #{args.run} 有效发放合计 {total} 元"], {"run": args.run, "total": str(total), "file": args.out})
        return 0

    return _guard("ledger report", args, body)


def run_totals(args: argparse.Namespace) -> int:
    from .. import ledger
    from ..ledger.reports import county_totals

    def body() -> int:
        engine = _engine(args)
        with ledger.open(args.ledger, create=False) as book:
            t = county_totals(book, _period(args.period), engine=engine, locale=args.locale)
        lines = [t["text"]] + [f"  {r['title']} {r['persons']} 人，发放金额 {r['amount']} 元" for r in t["by_rule"]]
        _print(args, lines, t)
        return 0

    return _guard("ledger totals", args, body)
