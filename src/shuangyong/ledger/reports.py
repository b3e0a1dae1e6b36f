"""A run's 花名册 and the county-report totals, read from the ledger (so they equal it to the 分)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..ids import mask_id_number, mask_name
from ..money import ZERO, format_amount, format_wan, from_fen
from ..periods import Period
from .book import Book, month_label, months_of
from ..outputs import atomic_file
from .store import LedgerError

__all__ = ["write_run_roster", "county_totals", "ROSTER_HEADER"]

ROSTER_HEADER = ["序号", "身份证号", "姓名", "项目代码", "项目", "月份", "类型", "金额（元）", "状态"]
_KIND = {"pay": "发放", "arrears": "补发", "recovery": "追缴"}


def _titles(engine: Any) -> dict[str, str]:
    return {r.code: r.rule.title for r in engine.registry.rules} if engine is not None else {}


def write_run_roster(book: Book, run_id: int, path: str | Path, *, engine: Any = None, roster: Any = None, reveal: bool = False,
                     format: str | None = None) -> Decimal:
    """Write run ``run_id``'s 花名册 (CSV or XLSX by suffix; Chinese headers; IDs and names masked unless ``reveal``).

    Returns the total of its standing lines, which equals the ledger's.
    """
    from ..roster.run import write_table

    if book.connection.execute("SELECT 1 FROM run WHERE id = ?", (run_id,)).fetchone() is None:
        raise LedgerError(f"no run #{run_id} in the ledger")
    names: dict[str, str] = {}
    if roster is not None:
        from ..ids import normalize_id_number
        from ..roster.reading import read_roster

        r = read_roster(roster)
        id_col = next((h for h in r.headers if r.keys.get(h) == "id_number"), None)
        name_col = next((h for h in r.headers if r.keys.get(h) == "name"), None)
        if id_col and name_col:
            for i in range(len(r)):
                k = normalize_id_number(str(r.data[id_col][i] or ""))
                if k:
                    names.setdefault(k, str(r.data[name_col][i] or ""))
    titles = _titles(engine)
    rows = []
    total = ZERO
    for n, ln in enumerate(book.run_lines(run_id), start=1):
        standing = ln["reversed"] is None
        if standing:
            total += ln["amount"]
        idn, name = ln["id_number"], names.get(ln["id_number"], "")
        rows.append({"序号": n, "身份证号": idn if reveal else mask_id_number(idn), "姓名": name if reveal else mask_name(name),
                     "项目代码": ln["rule"], "项目": titles.get(ln["rule"], ln["rule"]), "月份": ln["month"], "类型": _KIND[ln["kind"]],
                     "金额（元）": str(ln["amount"]), "状态": "有效" if standing else f"已冲正：{ln['reversed']}"})
    rows.append({"序号": "合计", "身份证号": "", "姓名": "", "项目代码": "", "项目": "", "月份": "", "类型": "", "金额（元）": str(total), "状态": ""})
    p = Path(path)
    fmt = format or ("xlsx" if p.suffix.lower() == ".xlsx" else "csv")

    def write(fh: Any) -> None:
        # write_table writes to a path: write beside the target, then copy the bytes into the temp file.
        side = p.with_name(f".{p.name}.{os.getpid()}.part{p.suffix}")
        try:
            write_table(side, ROSTER_HEADER, rows, fmt)
            fh.write(side.read_bytes())
        finally:
            side.unlink(missing_ok=True)

    with atomic_file(p, "wb") as fh:
        write(fh)
    return total


def county_totals(book: Book, period: Period, *, engine: Any = None, locale: str = "zh_CN") -> dict[str, Any]:
    """Persons paid and amount for ``period`` (pay and 补发 lines standing), by rule; with the county-report sentence."""
    labels = [month_label(m) for m in months_of(period)]
    marks = ",".join("?" * len(labels))
    sql = (f"SELECT l.rule, count(DISTINCT l.person_id), sum(l.amount_fen) FROM line l LEFT JOIN reversal r ON r.line_id = l.id "
           f"WHERE r.id IS NULL AND l.kind IN ('pay', 'arrears') AND l.period IN ({marks}) GROUP BY l.rule ORDER BY l.rule")
    titles = _titles(engine)
    by_rule = [{"rule": rule, "title": titles.get(rule, rule), "persons": n, "amount": str(from_fen(f))}
               for rule, n, f in book.connection.execute(sql, labels)]
    persons, fen = book.connection.execute(
        f"SELECT count(DISTINCT l.person_id), coalesce(sum(l.amount_fen), 0) FROM line l LEFT JOIN reversal r ON r.line_id = l.id "
        f"WHERE r.id IS NULL AND l.kind IN ('pay', 'arrears') AND l.period IN ({marks})", labels).fetchone()
    amount = from_fen(fen)
    zh = locale.startswith("zh")
    sentence = (f"{period.label} 重点优抚对象 {persons} 人，发放金额 {format_amount(amount, locale)}（{format_wan(amount, locale)}）" if zh else
                f"{period.label}: {persons} persons paid, amount {format_amount(amount, locale)} ({format_wan(amount, locale)})")
    return {"period": period.label, "persons": persons, "amount": str(amount), "by_rule": by_rule, "text": sentence}
