"""The checks auditors run over a payment ledger (and, when given, the roster).

Published county audits find the same failures again and again: people paid after
their death, payments not at the standard, duplicates across offices, benefits
that exclude each other paid together, new standards announced but not applied,
and payments made late or never.  Each check below yields findings that name the
person (masked), the months, the amount, the rule and its article; the report's
totals are sums of ledger lines, so they reconcile with the ledger to the 分.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from attrs import frozen

from ..ids import mask_id_number
from ..money import ZERO, from_fen
from ..periods import add_months
from .book import Book, month_period, rule_kinds

__all__ = ["Finding", "AuditReport", "audit", "CHECKS", "EXCLUSIVE"]

#: check code → (Chinese title, English title)
CHECKS: dict[str, tuple[str, str]] = {
    "paid_after_death": ("死亡后仍发放", "paid after a recorded death"),
    "two_jurisdictions": ("同一人同一期间多地发放", "one person paid by two jurisdictions for one period"),
    "amount_differs": ("发放金额与标准不符", "amount differs from what the rules give"),
    "exclusive_together": ("不得兼得的待遇同时发放", "mutually exclusive benefits paid together"),
    "announced_not_applied": ("新标准已公布未执行", "standard announced but not applied"),
    "unpaid_past_deadline": ("逾期未发放", "unpaid past the deadline"),
}

#: Pairs of rules that are not paid to one person for one month, with the source of the exclusion.
EXCLUSIVE: tuple[tuple[str, str, str], ...] = (
    ("sick_returnee_allowance", "combat_veteran_allowance",
     "带病回乡退伍军人定期生活补助与参战退役人员生活补助不重复享受（国家规则假定，参数 sick_returnee_allowance.not_with_combat）"),
)


@frozen(kw_only=True)
class Finding:
    """One audit finding: which check, whom (masked), which months, how much, under which rule and article."""

    check: str
    person: str
    months: tuple[str, ...]
    amount: Decimal
    rule: str
    article: str
    detail: str

    @property
    def title(self) -> str:
        return CHECKS[self.check][0]

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "title": self.title, "person": self.person, "months": list(self.months), "amount": str(self.amount),
                "rule": self.rule, "article": self.article, "detail": self.detail}

    def line(self) -> str:
        months = self.months[0] if len(self.months) == 1 else f"{self.months[0]}..{self.months[-1]}（{len(self.months)}个月）"
        return f"[{self.title}] {self.person} {self.rule} {months} {self.amount} 元：{self.detail}（{self.article}）"


class AuditReport:
    """Findings with per-check totals and the ledger's own reconciliation."""

    def __init__(self, findings: list[Finding], ledger: dict[str, Any], as_of: date, checked_roster: bool) -> None:
        self.findings = findings
        self.ledger = ledger
        self.as_of = as_of
        self.checked_roster = checked_roster

    def __iter__(self) -> Any:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def totals(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for code in CHECKS:
            fs = [f for f in self.findings if f.check == code]
            out[code] = {"title": CHECKS[code][0], "findings": len(fs), "persons": len({f.person for f in fs}),
                         "amount": str(sum((f.amount for f in fs), ZERO))}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "checked_roster": self.checked_roster, "ledger": self.ledger,
                "totals": self.totals(), "findings": [f.to_dict() for f in self.findings]}

    def text_lines(self, limit: int = 200) -> list[str]:
        lg = self.ledger
        out = [f"审计日 {self.as_of.isoformat()}：台账发放 {lg['paid']} 元（{lg['runs']} 批次，{lg['lines']} 条），冲正 {lg['reversed']} 元，"
               f"追缴 {lg['recovered']} 元；批次合计与明细{'一致' if lg['reconciled'] else '不一致'}"]
        for code, t in self.totals().items():
            out.append(f"{t['title']}：{t['findings']} 项，{t['persons']} 人，金额 {t['amount']} 元")
        if not self.checked_roster:
            out.append("未提供花名册：未核对发放金额与标准（amount_differs）")
        for f in self.findings[:limit]:
            out.append("  " + f.line())
        if len(self.findings) > limit:
            out.append(f"  …另 {len(self.findings) - limit} 项")
        return out


def _article(engine: Any, rule: str) -> str:
    regs = [r for r in engine.registry.rules if r.code == rule]
    return regs[0].rule.basis.cite() if regs else rule


def _standing_lines(book: Book) -> list[tuple[str, str, str, int, str, str]]:
    """(ID, rule, month, 分, kind, jurisdiction) for every line not reversed."""
    sql = ("SELECT p.id_number, l.rule, l.period, l.amount_fen, l.kind, run.jurisdiction FROM line l JOIN person p ON p.id = l.person_id "
           "JOIN run ON run.id = l.run_id LEFT JOIN reversal r ON r.line_id = l.id WHERE r.id IS NULL")
    return list(book.connection.execute(sql))


def _ledger_totals(book: Book) -> dict[str, Any]:
    c = book.connection
    paid = c.execute("SELECT coalesce(sum(l.amount_fen), 0) FROM line l LEFT JOIN reversal r ON r.line_id = l.id "
                     "WHERE r.id IS NULL AND l.kind IN ('pay', 'arrears')").fetchone()[0]
    reversed_ = sum(ln[5] for ln in book._reversed_lines())
    recovered = c.execute("SELECT coalesce(-sum(l.amount_fen), 0) FROM line l LEFT JOIN reversal r ON r.line_id = l.id "
                          "WHERE r.id IS NULL AND l.kind = 'recovery'").fetchone()[0]
    runs_total = c.execute("SELECT coalesce(sum(total_fen), 0), count(*) FROM run WHERE kind IN ('pay', 'arrears', 'recovery')").fetchone()
    lines_total = c.execute("SELECT coalesce(sum(amount_fen), 0), count(*) FROM line").fetchone()
    # Each run's lines summed in one pass (a subquery per run would read the view once per run).
    bad_runs = c.execute("SELECT count(*) FROM run LEFT JOIN (SELECT run_id, sum(amount_fen) AS fen FROM line GROUP BY run_id) s "
                         "ON s.run_id = run.id WHERE run.kind IN ('pay', 'arrears', 'recovery') AND run.total_fen != coalesce(s.fen, 0)"
                         ).fetchone()[0]
    return {"paid": str(from_fen(paid)), "reversed": str(from_fen(reversed_)), "recovered": str(from_fen(recovered)),
            "net": str(from_fen(paid - recovered)), "runs": runs_total[1], "lines": lines_total[1],
            "reconciled": bad_runs == 0 and runs_total[0] == lines_total[0]}


def _group(rows: Iterable[tuple[str, str, str, int]]) -> dict[tuple[str, str], tuple[list[str], int]]:
    out: dict[tuple[str, str], tuple[list[str], int]] = {}
    for idn, rule, m, fen in rows:
        months, tot = out.get((idn, rule), ([], 0))
        months.append(m)
        out[(idn, rule)] = (months, tot + fen)
    return out


def audit(book: Book, engine: Any, roster: Any = None, *, others: Sequence[Book] = (), as_of: date | None = None,
          deadline_days: int = 60, exclusive: Sequence[tuple[str, str, str]] = EXCLUSIVE, region: str | None = None) -> AuditReport:
    """Run every check over ``book`` (``others``: ledgers of other jurisdictions to compare with)."""
    as_of = as_of or date.today()
    findings: list[Finding] = []
    lines = _standing_lines(book)
    events = book.events()
    kinds = rule_kinds(engine)

    # 1. paid after a recorded death (one-off rules such as 丧葬补助 excepted).
    deaths = {k: min(e.on for e in evs if e.kind == "death") for k, evs in events.items() if any(e.kind == "death" for e in evs)}
    after: dict[tuple[str, str, str], int] = {}
    for idn, rule, m, fen, _kind, _j in lines:
        d = deaths.get(idn)
        if d is not None and kinds.get(rule, "monthly") != "one_off" and month_period(m).start > d:
            after[(idn, rule, m)] = after.get((idn, rule, m), 0) + fen
    # Months fully recovered drop out: the finding is what is still to recover.
    for (idn, rule), (months, fen) in sorted(_group((i, r, m, f) for (i, r, m), f in after.items() if f > 0).items()):
        if fen > 0:
            findings.append(Finding(check="paid_after_death", person=mask_id_number(idn), months=tuple(sorted(set(months))), amount=from_fen(fen),
                                    rule=rule, article=_article(engine, rule),
                                    detail=f"{deaths[idn].isoformat()}去世，次月起应停发；未追缴部分应追缴"))

    # 2. one person, one rule, one month, paid by two jurisdictions (this ledger's runs and the others').
    paid_by: dict[tuple[str, str, str], dict[str, int]] = {}
    for source in (book, *others):
        for idn, rule, m, fen, kind, j in (_standing_lines(source) if source is not book else lines):
            if kind == "recovery":
                continue
            where = j or source.path.stem
            slot = paid_by.setdefault((idn, rule, m), {})
            slot[where] = slot.get(where, 0) + fen
    dup = [(k, v) for k, v in paid_by.items() if len([x for x in v.values() if x > 0]) > 1]
    by_person: dict[tuple[str, str, tuple[str, ...]], tuple[list[str], int]] = {}
    for (idn, rule, m), paid_where in dup:
        places = tuple(sorted(paid_where))
        months_seen, so_far = by_person.get((idn, rule, places), ([], 0))
        # The amount at issue is what was paid beyond one jurisdiction's payment.
        by_person[(idn, rule, places)] = (months_seen + [m], so_far + sum(paid_where.values()) - max(paid_where.values()))
    for (idn, rule, places), (months, fen) in sorted(by_person.items()):
        findings.append(Finding(check="two_jurisdictions", person=mask_id_number(idn), months=tuple(sorted(months)), amount=from_fen(fen),
                                rule=rule, article=_article(engine, rule), detail=f"同一期间由 {'、'.join(places)} 重复发放；重复部分应追缴"))

    # 3. amounts different from the rules (needs the roster), 5. standards announced but not applied,
    # 6. unpaid past the deadline — read from the arrears comparison.
    if roster is not None:
        last = max((ln[2] for ln in lines), default=None)
        if last is not None:
            arr = book.arrears(engine, roster, through=month_period(last), region=region)
            grouped: dict[tuple[str, str, str, str], tuple[list[str], Decimal, str]] = {}
            for ln in arr:
                if ln.cause_kind == "death":
                    if ln._id_number in deaths:
                        continue  # check 1 covered it from the recorded death
                    check = "paid_after_death"  # a death known from the roster only
                elif ln.cause_kind == "parameter":
                    check = "announced_not_applied"
                elif ln.cause_kind == "unpaid":
                    if add_months(ln.period.start, 1) + timedelta(days=deadline_days) > as_of:
                        continue
                    check = "unpaid_past_deadline"
                else:
                    check = "amount_differs"
                key = (check, ln._id_number, ln.rule, ln.kind)
                seen, subtotal, first_cause = grouped.get(key, ([], ZERO, ln.cause))
                grouped[key] = (seen + [ln.month], subtotal + ln.amount, first_cause)
            for (check, idn, rule, kind), (seen, subtotal, cause) in sorted(grouped.items()):
                word = "少发" if kind == "underpaid" else "多发"
                findings.append(Finding(check=check, person=mask_id_number(idn), months=tuple(seen), amount=subtotal, rule=rule,
                                        article=_article(engine, rule), detail=f"{word}：{cause}"))
    else:
        findings.extend(_announced_without_roster(book, engine, as_of))
        findings.extend(_returned_unpaid(book, engine, as_of, deadline_days))

    # 4. benefits that exclude each other, paid together for one month.
    held: dict[tuple[str, str], dict[str, int]] = {}
    for idn, rule, m, fen, kind, _j in lines:
        if kind != "recovery" and fen > 0:
            slot = held.setdefault((idn, m), {})
            slot[rule] = slot.get(rule, 0) + fen
    for a, b, why in exclusive:
        both = [(idn, m, rules[b]) for (idn, m), rules in held.items() if a in rules and b in rules]
        for (idn, rule), (months, fen) in sorted(_group((i, b, m, f) for i, m, f in both).items()):
            findings.append(Finding(check="exclusive_together", person=mask_id_number(idn), months=tuple(sorted(months)), amount=from_fen(fen),
                                    rule=f"{a}+{b}", article=why, detail=f"同月同时发放 {a} 与 {b}；列示金额为 {b} 部分"))
    order = list(CHECKS)
    findings.sort(key=lambda f: (order.index(f.check), f.person, f.rule, f.months))
    return AuditReport(findings, _ledger_totals(book), as_of, roster is not None)


def _announced_without_roster(book: Book, engine: Any, as_of: date) -> list[Finding]:
    """Lines priced before a value announced later (in force for their month) with no 补发 since: amount needs the roster."""
    out: list[Finding] = []
    uses: dict[str, list[str]] = {}
    for r in engine.registry.rules:
        for n in r.rule.param_names:
            uses.setdefault(n, []).append(r.code)
    for p, v in engine.parameters.announcements(through=as_of):
        assert v.announced is not None
        rules = sorted(set(uses.get(p.name, [])))
        if not rules:
            continue
        marks = ",".join("?" * len(rules))
        sql = (f"SELECT p.id_number, l.rule, l.period FROM line l JOIN person p ON p.id = l.person_id JOIN run ON run.id = l.run_id "
               f"LEFT JOIN reversal r ON r.line_id = l.id WHERE r.id IS NULL AND l.kind = 'pay' AND l.rule IN ({marks}) "
               f"AND l.period >= ? AND run.known_on < ? AND NOT EXISTS (SELECT 1 FROM line_row a WHERE a.kind = 'arrears' "
               f"AND a.person_id = l.person_id AND a.rule = l.rule AND a.period = l.period)")
        rows = book.connection.execute(sql, (*rules, f"{v.start:%Y-%m}", v.announced.isoformat())).fetchall()
        for (idn, rule), (months, _) in sorted(_group((i, r, m, 0) for i, r, m in rows).items()):
            out.append(Finding(check="announced_not_applied", person=mask_id_number(idn), months=tuple(sorted(months)), amount=ZERO, rule=rule,
                               article=v.source.cite(),
                               detail=f"参数 {p.name} 自{v.start.isoformat()}起调整（{v.announced.isoformat()}公布），已发月份未见补发；金额须以花名册核算"))
    return out


def _returned_unpaid(book: Book, engine: Any, as_of: date, deadline_days: int) -> list[Finding]:
    """Pay lines reversed (e.g. returned by the bank) and not paid again within the deadline after their month."""
    # Reversed pay lines (rows and pay blocks) whose (person, rule, month) has no standing pay or 补发 line; looked up
    # per key (the index, a block's person order), not with a subquery per line over the view.
    unpaid: list[tuple[int, str, str, int, str]] = []
    standing: dict[tuple[int, str, str], bool] = {}
    for _lid, pid, rule, m, kind, fen, why, _at in book._reversed_lines():
        if kind != "pay":
            continue
        key = (pid, rule, m)
        if key not in standing:
            lines = book._lines_by_id(book._person_lines(pid, rule=rule, month=m))
            standing[key] = any(ln[4] in ("pay", "arrears") for ln in lines.values())
        if not standing[key]:
            unpaid.append((pid, rule, m, fen, why))
    ids = book.id_numbers(u[0] for u in unpaid)
    out = []
    # Late = the month owed ended more than the deadline ago (as for lines never paid).
    late = [(ids[pid], r, m, f, why) for pid, r, m, f, why in unpaid if month_period(m).end + timedelta(days=deadline_days) <= as_of]
    for (idn, rule), (months, fen) in sorted(_group((i, r, m, f) for i, r, m, f, _ in late).items()):
        why = next(w for i, r, _m, _f, w in late if i == idn and r == rule)
        out.append(Finding(check="unpaid_past_deadline", person=mask_id_number(idn), months=tuple(sorted(months)), amount=from_fen(fen),
                           rule=rule, article=_article(engine, rule), detail=f"冲正后未重新发放，已超过应发月份后 {deadline_days} 天（{why}）"))
    return out
