"""补发 and overpayments: what the rules give now, month by month, against what the ledger says was paid.

Each difference is a line with its cause in words, found in this order:

1. a death recorded (or on the roster) before the month: the payment is an
   overpayment to recover (追缴), and the office's usual option — netting it
   against the 丧葬补助 the death gives — is shown with its figures, never applied;
2. a suspension in force for the month: paid while suspended;
3. nothing standing for the month: unpaid (never paid, or the bank returned it);
   after a resumption with back pay: the suspended months;
4. a parameter value that changed since the payment was priced (it was
   announced after the run's ``known_on`` day): the line names the parameter,
   the old and new value, its notice and the day it was announced;
5. otherwise a correction of the person's record (the roster now gives another
   amount with the same parameter values).

Overpayments are never netted against underpayments: both totals are reported.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import islice, repeat
from operator import itemgetter
from typing import Any

from attrs import field, frozen

from ..errors import ShuangyongError
from ..ids import mask_id_number
from ..privacy import mask_id_table
from ..money import ZERO, from_fen
from ..periods import Period, add_months
from .book import _INDEX_MIN, Book, MonthDue, _id_codes, _id_strings, _look_up, _look_up_codes, _pick, month_label, month_period, rule_kinds
from .events import LifeEvent, standing
from .vectors import as_list, difference_columns, differences, numpy_or_none

__all__ = ["ArrearsLine", "Arrears", "FuneralOffer", "compute_arrears"]


@frozen(kw_only=True)
class ArrearsLine:
    """One (person, rule, month) whose payment differs from what the rules give now."""

    person: str  # masked 身份证号
    rule: str
    period: Period
    due: Decimal
    paid: Decimal
    cause: str
    cause_kind: str  # death, suspension, unpaid, resumption, parameter, record
    _id_number: str = field(repr=False, alias="id_number")

    @property
    def month(self) -> str:
        return month_label(self.period)

    @property
    def difference(self) -> Decimal:
        """``due − paid``: positive is owed to the person (补发), negative is overpaid."""
        return self.due - self.paid

    @property
    def amount(self) -> Decimal:
        """The size of the difference (always positive; ``kind`` says which way)."""
        return abs(self.difference)

    @property
    def kind(self) -> str:
        return "underpaid" if self.difference > 0 else "overpaid"

    def to_dict(self) -> dict[str, Any]:
        return _line_dict(self.person, self.rule, self.month, self.kind, str(self.amount), str(self.due), str(self.paid), self.cause,
                          self.cause_kind)


def _line_dict(person: str, rule: str, month: str, kind: str, amount: str, due: str, paid: str, cause: str, cause_kind: str) -> dict[str, Any]:
    """A line as JSON-ready text (:meth:`ArrearsLine.to_dict`, and the summary's lines made from the columns)."""
    return {"person": person, "rule": rule, "period": month, "kind": kind, "amount": amount, "due": due, "paid": paid, "cause": cause,
            "cause_kind": cause_kind}


@frozen(kw_only=True)
class FuneralOffer:
    """The 丧葬补助 netting option for a death reported after payment: shown, never applied."""

    person: str
    death: date
    reported: date
    overpaid: Decimal
    grant: Decimal | None  # None: the rules give no 丧葬补助 for this person (or it could not be computed)

    @property
    def text(self) -> str:
        if self.grant is None:
            return f"{self.person}：死亡后多发 {self.overpaid} 元，应追缴（按现有记录无丧葬补助可抵扣）"
        net = self.grant - self.overpaid
        tail = f"抵扣后应发丧葬补助 {net} 元" if net >= 0 else f"抵扣后仍应追缴 {-net} 元"
        return (f"{self.person}：{self.death.isoformat()}去世、{self.reported.isoformat()}报告，死亡后多发 {self.overpaid} 元应追缴；"
                f"可选做法：从丧葬补助 {self.grant} 元中抵扣，{tail}（须经办人决定，未自动抵扣）")

    def to_dict(self) -> dict[str, Any]:
        return {"person": self.person, "death": self.death.isoformat(), "reported": self.reported.isoformat(),
                "overpaid": str(self.overpaid), "funeral_grant": None if self.grant is None else str(self.grant), "text": self.text}


class Arrears:
    """The differences found by :meth:`Book.arrears`; iterate for the lines (underpaid and overpaid).

    On the numpy road the differences are held as columns (integer 分, codes of the causes' words) and the
    :class:`ArrearsLine` objects are made only when the lines are first read (``lines``, iterating): totals and
    counts come from the columns.
    """

    def __init__(self, through: Period, since: Period, lines: list[ArrearsLine], offers: list[FuneralOffer],
                 not_on_roster: int, source: str = "") -> None:
        self.through = through
        self.since = since
        self._lines: list[ArrearsLine] | None = lines
        self._columns: _Columns | None = None
        self.offers = offers
        self.not_on_roster = not_on_roster
        self.source = source

    @classmethod
    def _of_columns(cls, through: Period, since: Period, columns: _Columns, offers: list[FuneralOffer], not_on_roster: int,
                    source: str = "") -> Arrears:
        out = cls(through, since, [], offers, not_on_roster, source)
        out._lines, out._columns = None, columns
        return out

    @property
    def lines(self) -> list[ArrearsLine]:
        """Every line, sorted by (身份证号, month, rule)."""
        if self._lines is None:
            assert self._columns is not None
            self._lines = self._columns.lines(0, len(self._columns))
        return self._lines

    def __iter__(self) -> Iterator[ArrearsLine]:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self._columns) if self._columns is not None else len(self.lines)

    def _head(self, limit: int) -> list[ArrearsLine]:
        """The first ``limit`` lines (from the columns without making the others, when they are not made yet)."""
        if self._lines is None and self._columns is not None:
            return self._columns.lines(0, min(limit, len(self._columns)))
        return self.lines[:limit]

    def _fen_totals(self) -> tuple[int, int, int, int] | None:
        """(分 underpaid, 分 overpaid, lines underpaid, lines overpaid) from the columns, when held as columns."""
        return self._columns.totals() if self._columns is not None else None

    @property
    def underpaid_total(self) -> Decimal:
        t = self._fen_totals()
        if t is not None:
            return from_fen(t[0])
        return sum((ln.amount for ln in self.lines if ln.kind == "underpaid"), ZERO)

    @property
    def overpaid_total(self) -> Decimal:
        t = self._fen_totals()
        if t is not None:
            return from_fen(t[1])
        return sum((ln.amount for ln in self.lines if ln.kind == "overpaid"), ZERO)

    def summary(self) -> dict[str, Any]:
        t = self._fen_totals()
        under_n, over_n = (t[2], t[3]) if t is not None else (sum(1 for ln in self.lines if ln.kind == "underpaid"),
                                                             sum(1 for ln in self.lines if ln.kind == "overpaid"))
        return {
            "since": self.since.label, "through": self.through.label,
            "underpaid_total": str(self.underpaid_total), "overpaid_total": str(self.overpaid_total),
            "underpaid_lines": under_n,
            "overpaid_lines": over_n,
            "persons_not_on_roster": self.not_on_roster,
            "funeral_offers": [o.to_dict() for o in self.offers],
            "lines": self._columns.dicts() if self._columns is not None else [ln.to_dict() for ln in self.lines],
        }

    def text_lines(self, locale: str = "zh_CN", limit: int = 50) -> list[str]:
        zh = locale.startswith("zh")
        out = [f"{self.since.label}..{self.through.label} 补发合计 {self.underpaid_total} 元，多发（应追缴）合计 {self.overpaid_total} 元"
               if zh else f"{self.since.label}..{self.through.label}: underpaid {self.underpaid_total}, overpaid {self.overpaid_total}"]
        for ln in self._head(limit):
            word = ("补发" if ln.kind == "underpaid" else "多发") if zh else ln.kind
            out.append(f"  {ln.person} {ln.rule} {ln.month} {word} {ln.amount} 元：{ln.cause}")
        n = len(self)
        if n > limit:
            out.append(f"  …另 {n - limit} 条" if zh else f"  … {n - limit} more")
        for o in self.offers:
            out.append(("丧葬补助抵扣选项：" if zh else "funeral-grant netting option: ") + o.text)
        if self.not_on_roster:
            out.append(f"不在花名册、无法核对的人员 {self.not_on_roster} 人" if zh else f"persons not on the roster (not checked): {self.not_on_roster}")
        return out


class _Columns:
    """The lines of an :class:`Arrears` as arrays, in line order (sorted by 身份证号, month, rule): the IDs' bytes
    (canonical IDs only), month and rule as indices into ``months`` and ``rules``, due and paid in 分, and the
    cause as an index into ``causes`` ((words, kind) pairs)."""

    def __init__(self, np: Any, ids: Any, month: Any, rule: Any, due: Any, paid: Any, cause: Any, months: list[Period],
                 rules: list[str], causes: list[tuple[str, str]]) -> None:
        self.np, self.ids, self.month, self.rule, self.due, self.paid, self.cause = np, ids, month, rule, due, paid, cause
        self.months, self.rules, self.causes = months, rules, causes
        self._totals: tuple[int, int, int, int] | None = None

    def __len__(self) -> int:
        return len(self.due)

    def totals(self) -> tuple[int, int, int, int]:
        if self._totals is None:
            diff = self.due - self.paid
            under = diff > 0
            self._totals = (int(diff[under].sum()), int(-diff[~under].sum()), int(under.sum()), int((~under).sum()))
        return self._totals

    def id_numbers(self, a: int, b: int) -> list[str]:
        """The canonical 身份证号 of lines ``a`` … ``b − 1`` (personal data: mask before showing)."""
        return _id_strings(self.ids[a:b])

    def dicts(self) -> list[dict[str, Any]]:
        """Every line's :meth:`ArrearsLine.to_dict`, made from the columns (no line objects)."""
        masked = mask_id_table(self.np, self.ids.tobytes().decode("ascii"), len(self)).tobytes().decode("ascii")
        yuan: dict[int, Decimal] = {}

        def text(fen: int) -> str:
            return str(_yuan(yuan, fen))

        labels = [month_label(m) for m in self.months]
        out = []
        for k, (m, r, d, p, c) in enumerate(zip(self.month.tolist(), self.rule.tolist(), self.due.tolist(), self.paid.tolist(),
                                                 self.cause.tolist())):
            words, kind = self.causes[c]
            out.append(_line_dict(masked[18 * k:18 * k + 18], self.rules[r], labels[m], "underpaid" if d > p else "overpaid",
                                  text(abs(d - p)), text(d), text(p), words, kind))
        return out

    def lines(self, a: int, b: int) -> list[ArrearsLine]:
        """:class:`ArrearsLine` objects of lines ``a`` … ``b − 1``."""
        if b <= a:
            return []
        text = self.ids[a:b].tobytes().decode("ascii")
        ids = _id_strings(self.ids[a:b])
        masked = mask_id_table(self.np, text, b - a).tobytes().decode("ascii")
        yuan: dict[int, Decimal] = {}
        out = []
        months, rules, causes = self.months, self.rules, self.causes
        for k, (idn, m, r, d, p, c) in enumerate(zip(ids, self.month[a:b].tolist(), self.rule[a:b].tolist(), self.due[a:b].tolist(),
                                                      self.paid[a:b].tolist(), self.cause[a:b].tolist())):
            words, kind = causes[c]
            out.append(ArrearsLine(person=masked[18 * k:18 * k + 18], rule=rules[r], period=months[m], due=_yuan(yuan, d),
                                   paid=_yuan(yuan, p), cause=words, cause_kind=kind, id_number=idn))
        return out


def _yuan(memo: dict[int, Decimal], fen: int) -> Decimal:
    """``from_fen(fen)``, made once per amount (a month's lines repeat a few amounts many times)."""
    out = memo.get(fen)
    if out is None:
        out = memo[fen] = from_fen(fen)
    return out


_Paid = tuple[Any, Any, Any, dict[int, str]]


def _net_paid(book: Book, month: str, np: Any = None) -> dict[str, _Paid]:
    """For one month, per rule: person ids (ascending), net 分 standing, the latest run of a standing
    non-recovery line (``None`` — with numpy ``-1`` —: none), and the latest reversal reason of the persons with a
    reversed line.  Lists; with ``np``, int64 arrays (the pay blocks' own arrays are never written into).

    Row lines are summed first (one query per rule, in person order) and pay blocks read from their arrays
    (in person order as written), then both corrected for the (few) persons with a reversed line.
    """
    conn = book.connection
    blocks = book._month_blocks(month, arrays=np is not None)
    # The persons with a reversed line this month, and every line of theirs: (分, kind, run, reversal reason).
    touched: dict[tuple[str, int], list[tuple[int, str, int, str | None]]] = {}
    for rule, pid in conn.execute("SELECT DISTINCT l.rule, l.person_id FROM reversal r JOIN line_row l ON l.id = r.line_id "
                                  "WHERE l.period = ?", (month,)):
        touched[(rule, pid)] = []
    block_reasons: dict[tuple[int, int], str] = {}
    if blocks:
        at = {blk.id: blk for blk in blocks}
        for bid, pos, reason in book._block_reversals(month):
            block_reasons[(bid, pos)] = reason
            touched[(at[bid].rule, int(at[bid].pids[pos]))] = []
    if touched:
        for (rule, pid), lines in touched.items():
            lines.extend(conn.execute("SELECT l.amount_fen, l.kind, l.run_id, r.reason FROM line_row l LEFT JOIN reversal r "
                                      "ON r.line_id = l.id WHERE l.period = ? AND l.rule = ? AND l.person_id = ?", (month, rule, pid)))
        for blk in blocks:
            for (rule, pid), lines in touched.items():
                if rule != blk.rule:
                    continue
                for pos in _positions(blk, pid):
                    lines.append((int(blk.fens[pos]), "pay", blk.run_id, block_reasons.get((blk.id, pos))))
    out: dict[str, _Paid] = {}
    rules = sorted({r for (r,) in conn.execute("SELECT DISTINCT rule FROM line_row WHERE period = ?", (month,))} | {blk.rule for blk in blocks})
    none_run = -1 if np is not None else None
    for rule in rules:
        mine = [blk for blk in blocks if blk.rule == rule]
        pids: Any
        nets: Any
        runs: Any
        if np is not None:
            pids, nets, runs = _rule_paid_arrays(book, month, rule, mine, np)
        else:
            pids, nets, runs = _rule_paid_lists(book, month, rule, mine)
        revs: dict[int, str] = {}
        for (r, pid), lines in touched.items():
            if r != rule:
                continue
            j = bisect_left(pids, pid)
            standing_lines = [t for t in lines if t[3] is None]
            nets[j] = sum(t[0] for t in standing_lines)
            runs[j] = max((t[2] for t in standing_lines if t[1] != "recovery"), default=none_run)
            revs[pid] = max(t[3] for t in lines if t[3] is not None)
        out[rule] = (pids, nets, runs, revs)
    return out


# One row per line, in person order (the unique index's); a person with several lines is summed after.
_RULE_LINES = ("SELECT person_id, amount_fen, CASE WHEN kind != 'recovery' THEN run_id ELSE {none} END AS run FROM line_row "
               "WHERE period = ? AND rule = ? ORDER BY person_id")


def _rule_paid_lists(book: Book, month: str, rule: str, mine: list[Any]) -> tuple[list[int], list[int], list[int | None]]:
    """:func:`_net_paid`'s (person ids, net 分, latest run) of one rule before the reversals: lists."""
    conn = book.connection
    sql = _RULE_LINES.format(none="NULL")
    pids: list[int]
    nets: list[int]
    runs: list[int | None]
    if book._bulk:
        # Three JSON arrays instead of a Python tuple per line (less than half the time).
        pj, nj, rj = conn.execute(f"SELECT json_group_array(person_id), json_group_array(amount_fen), "
                                  f"json_group_array(run) FROM ({sql})", (month, rule)).fetchone()
        pids, nets, runs = json.loads(pj), json.loads(nj), json.loads(rj)
    else:
        rows = conn.execute(sql, (month, rule)).fetchall()
        pids, nets, runs = (list(col) for col in zip(*rows)) if rows else ([], [], [])
    if mine and not pids and len(mine) == 1:
        pids, nets, runs = mine[0].pids, mine[0].fens, [mine[0].run_id] * len(mine[0].pids)
    else:
        for blk in mine:
            pids, nets, runs = pids + blk.pids, nets + blk.fens, runs + [blk.run_id] * len(blk.pids)
    # The order is checked, not assumed; then a person with several lines is summed.
    if any(a > b for a, b in zip(pids, islice(pids, 1, None))):
        pids, nets, runs = (list(col) for col in zip(*sorted(zip(pids, nets, runs), key=itemgetter(0))))
    if len(set(pids)) != len(pids):
        rows3 = list(zip(pids, nets, runs))
        pids, nets, runs = [], [], []
        for pid, fen, run in rows3:
            if pids and pids[-1] == pid:
                nets[-1] += fen
                if run is not None and (runs[-1] is None or run > runs[-1]):
                    runs[-1] = run
            else:
                pids.append(pid)
                nets.append(fen)
                runs.append(run)
    elif pids is (mine[0].pids if mine else None):
        nets = list(nets)  # corrected by the caller: never the block's own list
    return pids, nets, runs


def _rule_paid_arrays(book: Book, month: str, rule: str, mine: list[Any], np: Any) -> tuple[Any, Any, Any]:
    """:func:`_rule_paid_lists` as int64 arrays (the latest run ``-1`` where none): the blocks' arrays taken as they are,
    not listed."""
    conn = book.connection
    sql = _RULE_LINES.format(none="-1")
    if book._bulk:
        pj, nj, rj = conn.execute(f"SELECT json_group_array(person_id), json_group_array(amount_fen), "
                                  f"json_group_array(run) FROM ({sql})", (month, rule)).fetchone()
        cols = [json.loads(pj), json.loads(nj), json.loads(rj)]
    else:
        rows = conn.execute(sql, (month, rule)).fetchall()
        cols = [list(col) for col in zip(*rows)] if rows else [[], [], []]
    parts = [tuple(np.asarray(c, dtype=np.int64) for c in cols)]
    parts += [(np.asarray(b.pids, dtype=np.int64), np.asarray(b.fens, dtype=np.int64), np.full(len(b.pids), b.run_id, dtype=np.int64))
              for b in mine]
    # Always new arrays (the caller corrects them in place; the blocks' are the cache's).
    pids, nets, runs = (np.concatenate([p[k] for p in parts]) for k in range(3))
    # The order is checked, not assumed; then a person with several lines is summed (runs: the latest).
    if len(pids) > 1 and bool((pids[1:] < pids[:-1]).any()):
        o = np.argsort(pids, kind="stable")
        pids, nets, runs = pids[o], nets[o], runs[o]
    if len(pids) > 1 and bool((pids[1:] == pids[:-1]).any()):
        starts = np.flatnonzero(np.concatenate([[True], pids[1:] != pids[:-1]]))
        pids, nets, runs = pids[starts], np.add.reduceat(nets, starts), np.maximum.reduceat(runs, starts)
    return pids, nets, runs


def _positions(blk: Any, pid: int) -> list[int]:
    """Positions of ``pid`` in a pay block (one at most when the block is in person order, as this library writes)."""
    if blk.ascending:
        j = bisect_left(blk.pids, pid)
        return [j] if j < len(blk.pids) and blk.pids[j] == pid else []
    return [j for j, p in enumerate(blk.pids) if p == pid]


_UNSEEN: Any = object()


class _Fallback(Exception):
    """The array road met something it does not take (an ID that is not canonical, a roster column it cannot code,
    result rows that differ between two runs of one roster): the exact road answers instead."""


def compute_arrears(book: Book, engine: Any, roster: Any, through: Period, *, since: Period | None = None,
                    region: str | None = None, fast: bool | None = None) -> Arrears:
    from ..roster.reading import read_roster

    np = numpy_or_none(fast)
    roster = read_roster(roster)
    if since is None:
        first = book.connection.execute("SELECT min(p) FROM (SELECT min(period) AS p FROM line_row UNION ALL "
                                        "SELECT min(period) FROM pay_block)").fetchone()[0]
        since = month_period(first) if first else Period.month(through.start.year, through.start.month)
    start = since.start.replace(day=1)
    end = add_months(through.start.replace(day=1), 1) if through.end.day != 1 else through.end
    if end <= start:
        raise ValueError("arrears: 'through' is before the first month")
    months = Period(start, end).months()
    events = book.events()
    kinds = rule_kinds(engine)
    # A large roster against a book whose person map was never read (an `arrears` from the command line): persons
    # looked up in a person index, not a dict of every person built first (see Book._row_person_ids).
    index = (book._person_index(np) if np is not None and book._bulk and not book._pids and not book._pids_pending
             and len(roster) >= _INDEX_MIN else None)
    if np is not None:
        try:
            return _ArrayRoad(book, engine, roster, months, region, fast, np, events, kinds, index).run(through, since)
        except _Fallback:
            pass
    return _exact_arrears(book, engine, roster, months, through, since, region, fast, np, events, kinds, index)


def _exact_arrears(book: Book, engine: Any, roster: Any, months: list[Period], through: Period, since: Period, region: str | None,
                   fast: bool | None, np: Any, events: dict[str, list[LifeEvent]], kinds: dict[str, str], index: Any) -> Arrears:
    """The exact road: a line object and its cause per difference (the plain road, and the array road's fallback)."""
    pid_of = book.person_map() if index is None else {}
    known_of: dict[int | None, str] = dict(book.connection.execute("SELECT id, known_on FROM run"))
    by_pid: dict[int, str] | None = None
    out: list[ArrearsLine] = []
    order: list[tuple[str, str, str]] = []  # the sort key of each line of ``out``
    masks: dict[str, str] = {}
    yuan: dict[int, Decimal] = {}
    checker: _Causes | None = None
    not_checked: set[str] = set()
    for m in months:
        md = book.due(engine, roster, m, region=region, events=events, fast=fast)
        # Persons on the roster but not in the ledger get keys of their own below 0 (never paid).
        found = _look_up(index, md.keys, np) if index is not None else None
        if index is not None and found is None:  # (never: result rows hold canonical IDs) the map, then
            index, pid_of, by_pid = None, book.person_map(), None
        row_pid_arr = None if found is None else np.where(found > 0, found, -1 - np.arange(len(found), dtype=np.int64))
        row_pid = row_pid_arr.tolist() if row_pid_arr is not None else list(map(pid_of.get, md.keys, range(-1, -1 - len(md.keys), -1)))
        paid = _net_paid(book, md.month)
        then_due: _ThenDue | None = None
        for rule in sorted(set(md.payable) | set(paid)):
            idx, vals = md.payable.get(rule, ([], []))
            idx, vals = as_list(idx), as_list(vals)
            pids, nets, runs, revs = paid.get(rule, ([], [], [], {}))
            due_pids = _pick(row_pid, idx)
            diffs = differences(due_pids, vals, pids, nets, np)
            if not diffs:
                continue
            if row_pid_arr is not None:
                by_pid = _names_of(book, [d[0] for d in diffs if d[0] >= 0], row_pid_arr, md.keys, np)
            elif by_pid is None:
                by_pid = {v: k for k, v in pid_of.items()}
            if checker is None:
                roster_keys = set(md.keys)
                checker = _Causes(book, engine, roster, events, kinds, dict(zip(md.keys, md.positions)), region)
            if then_due is None:
                then_due = _ThenDue(book, engine, roster, m, region, events, fast)
            assert by_pid is not None
            run_of = dict(zip(pids, runs))
            then_tables: dict[str, Any] = {}
            for pid, due_fen, net in diffs:
                idn = by_pid[pid] if pid >= 0 else md.keys[-1 - pid]
                if idn not in roster_keys:
                    # Off the roster (or rejected): only a recorded death says what is due (nothing, after it).
                    evs = events.get(idn)
                    st = standing(evs, m.start, kinds.get(rule, "monthly")) if evs else None
                    if st is None or st.payable:
                        not_checked.add(idn)
                        continue
                last = run_of.get(pid)
                known = known_of.get(last) if last is not None else None
                due_then = None
                if known is not None:
                    table = then_tables.get(known, _UNSEEN)
                    if table is _UNSEEN:
                        table = then_tables[known] = then_due.table(known, rule, row_pid)
                    if table is not None:
                        due_then = table.get(pid, 0)
                cause, ck = checker.cause(idn, rule, md.month, due_fen, net, known, revs.get(pid), due_then)
                person = masks.get(idn)
                if person is None:
                    person = masks[idn] = mask_id_number(idn)
                out.append(ArrearsLine(person=person, rule=rule, period=m, due=_yuan(yuan, due_fen), paid=_yuan(yuan, net),
                                       cause=cause, cause_kind=ck, id_number=idn))
                order.append((idn, md.month, rule))
    out = [out[i] for i in sorted(range(len(out)), key=order.__getitem__)]
    over: dict[str, Decimal] = {}
    for ln in out:
        if ln.cause_kind == "death" and ln.kind == "overpaid":
            over[ln._id_number] = over.get(ln._id_number, ZERO) + ln.amount
    offers = checker.offers(over) if checker is not None else []
    return Arrears(through, since, out, offers, len(not_checked), roster.source)


#: ``due_then`` of a line whose standards as known then were today's (or that was never paid): no amount.
_NO_FEN = -(1 << 62)


class _ArrayRoad:
    """:func:`compute_arrears` on arrays: the differences of a (month, rule) found as columns, and their causes said
    once per group of lines whose words cannot differ.

    For a person on the roster with no recorded event and no reversed line, the words depend only on the rule, the
    month, the amounts due and paid, the day the payment was priced, the amount as known that day and the person's
    region and death-date cells (see :meth:`_Causes.cause`): lines alike in these are grouped on arrays and one of
    them asks for the words.  The others (events, reversals, persons off the roster, cells that do not read) take
    the exact road's per-line steps.  Lines are sorted by (身份证号, month, rule) on the IDs' integer codes.
    """

    def __init__(self, book: Book, engine: Any, roster: Any, months: list[Period], region: str | None, fast: bool | None, np: Any,
                 events: dict[str, list[LifeEvent]], kinds: dict[str, str], index: Any) -> None:
        self.book, self.engine, self.roster, self.months, self.region, self.fast, self.np = book, engine, roster, months, region, fast, np
        self.events, self.kinds, self.index = events, kinds, index
        self.checker: _Causes | None = None
        self.positions: _RowPositions | None = None
        self.causes: list[tuple[str, str]] = []
        self.cause_at: dict[tuple[str, str], int] = {}
        self.not_checked: set[str] = set()
        self.rules: list[str] = []
        # Per (month, rule) with lines: (ID codes, ID bytes, month index, rule index, due, paid, cause index).
        self.chunks: list[tuple[Any, ...]] = []

    def _cause_index(self, said: tuple[str, str]) -> int:
        i = self.cause_at.get(said)
        if i is None:
            i = self.cause_at[said] = len(self.causes)
            self.causes.append(said)
        return i

    def run(self, through: Period, since: Period) -> Arrears:
        np, book = self.np, self.book
        ev_codes = np.zeros(0, dtype=np.int64)
        if self.events:
            coded = _id_codes(list(self.events), np)
            if coded is None:
                raise _Fallback
            ev_codes = coded[0]
        known_of: dict[int, str | None] = dict(book.connection.execute("SELECT id, known_on FROM run"))
        days = sorted({d for d in known_of.values() if d is not None})
        run_day = np.full(max(known_of, default=0) + 1, -1, dtype=np.int64)  # run id → index in ``days`` (-1: none)
        for rid, d in known_of.items():
            if d is not None:
                run_day[rid] = days.index(d)
        pid_of = book.person_map() if self.index is None else {}
        for mi, m in enumerate(self.months):
            self._month(mi, m, ev_codes, days, run_day, pid_of)
        return self._result(through, since)

    def _month(self, mi: int, m: Period, ev_codes: Any, days: list[str], run_day: Any, pid_of: dict[str, int]) -> None:
        from ..roster.keys import distinct

        np, book = self.np, self.book
        md = book.due(self.engine, self.roster, m, region=self.region, events=self.events, fast=self.fast)
        coded = md.id_codes(np)
        if coded is None:
            raise _Fallback
        codes, idb = coded
        n = len(codes)
        if self.index is not None:
            found = _look_up_codes(self.index, codes, np)
        else:
            found = (np.fromiter(map(pid_of.get, md.keys, repeat(0)), dtype=np.int64, count=n) if pid_of and n
                     else np.zeros(n, dtype=np.int64))
        # Persons on the roster but not in the ledger get keys of their own below 0 (never paid).
        row_pid = np.where(found > 0, found, -1 - np.arange(n, dtype=np.int64))
        row_of = _RowOf(found, np)
        has_ev = np.isin(codes, ev_codes) if len(ev_codes) else np.zeros(n, dtype=bool)
        position = md.position_array(np)
        # Row-indexed columns read at row 0 for the lines off the roster (masked out after): one row at least.
        if not n:
            has_ev, position, idb = np.zeros(1, dtype=bool), np.zeros(1, dtype=np.int64), np.zeros((1, 18), dtype=np.uint8)
        code_of = codes if n else np.zeros(1, dtype=np.int64)
        paid = _net_paid(book, md.month, np)
        then = _ThenDue(book, self.engine, self.roster, m, self.region, self.events, self.fast)
        empty = np.zeros(0, dtype=np.int64)
        for rule in sorted(set(md.payable) | set(paid)):
            idx, vals = md.payable.get(rule, (empty, empty))
            pids, nets, runs, revs = paid.get(rule, (empty, empty, empty, {}))
            dk, dd, dp = difference_columns(row_pid[np.asarray(idx, dtype=np.int64)], vals, pids, nets, np)
            if not len(dk):
                continue
            if self.checker is None:
                self.positions = _RowPositions(md, np)
                self.checker = _Causes(book, self.engine, self.roster, self.events, self.kinds, self.positions, self.region)
            checker, positions = self.checker, self.positions
            assert positions is not None
            k = len(dk)
            # The result row of each line (-1: a ledger person off the roster).
            row = np.where(dk < 0, -1 - dk, -1)
            inl = np.flatnonzero(dk >= 0)
            if len(inl):
                row[inl] = row_of(dk[inl])
            on = row >= 0
            r0 = np.where(on, row, 0)
            # The latest run of a standing line, and the day it was priced (-1: none).
            if len(pids):
                at = np.minimum(np.searchsorted(pids, dk), len(pids) - 1)
                run = np.where(pids[at] == dk, runs[at], -1)
            else:
                run = np.full(k, -1, dtype=np.int64)
            if len(run) and int(run.max()) >= len(run_day):
                raise _Fallback  # (never: lines name recorded runs)
            day = np.where(run >= 0, run_day[np.maximum(run, 0)], -1)
            # What the standards known that day give the row (none where they were today's).
            due_then = np.full(k, _NO_FEN, dtype=np.int64)
            for d in distinct(np, day[day >= 0])[0].tolist():
                table = then.dense(days[d], rule, md, np)
                if table is not None:
                    sel = day == d
                    due_then[sel] = np.where(on[sel], table[r0[sel]], 0) if n else 0
            slow = ~on | has_ev[r0] & on
            if revs:
                slow |= np.isin(dk, np.fromiter(revs, dtype=np.int64, count=len(revs)))
            cause = np.full(k, -1, dtype=np.int64)
            cells = checker.cell_codes(np)
            if cells is None:
                slow[:] = True
            else:
                g = np.flatnonzero(~slow)
                if len(g):
                    pos = position[row[g]]
                    # The columns that tell the groups apart (one that is the same throughout tells nothing: left out).
                    cols = [c for c in (dd[g], dp[g], day[g], due_then[g], cells[0][0][pos], cells[1][0][pos])
                            if bool((c != c[0]).any())]
                    order = np.lexsort(cols[::-1]) if cols else np.arange(len(g))
                    starts = np.zeros(len(g), dtype=bool)
                    starts[0] = True
                    for c in cols:
                        sc = c[order]
                        starts[1:] |= sc[1:] != sc[:-1]
                    group = np.empty(len(g), dtype=np.int64)
                    group[order] = np.cumsum(starts) - 1
                    said = []
                    for j in order[starts].tolist():
                        line = int(g[j])
                        p = int(position[row[line]])
                        if checker.cell_facts(cells[0][1][cells[0][0][p]], cells[1][1][cells[1][0][p]]) is None:
                            said.append(-1)  # cells that do not read: each person's record says (the exact road)
                            continue
                        t = int(due_then[line])
                        idn = md.key(int(row[line]))
                        positions.note(idn, p)
                        said.append(self._cause_index(checker.cause(
                            idn, rule, md.month, int(dd[line]), int(dp[line]), days[day[line]] if day[line] >= 0 else None,
                            None, None if t == _NO_FEN else t)))
                    cause[g] = np.asarray(said, dtype=np.int64)[group]
                    slow[g[cause[g] < 0]] = True
            keep = np.ones(k, dtype=bool)
            lone = np.flatnonzero(slow)
            names = book.id_numbers(dk[lone[~on[lone]]].tolist()) if len(lone) else {}
            ids = idb[r0]
            line_codes = code_of[r0]
            for line in lone.tolist():
                pid = int(dk[line])
                if on[line]:
                    idn = md.key(int(row[line]))
                    positions.note(idn, int(position[row[line]]))
                else:
                    idn = names[pid]
                    # Off the roster (or rejected): only a recorded death says what is due (nothing, after it).
                    evs = self.events.get(idn)
                    st = standing(evs, m.start, self.kinds.get(rule, "monthly")) if evs else None
                    if st is None or st.payable:
                        self.not_checked.add(idn)
                        keep[line] = False
                        continue
                    one = _id_codes([idn], np)
                    if one is None:
                        raise _Fallback  # an ID stored as it is not canonical: sorted as a string on the exact road
                    line_codes[line], ids[line] = one[0][0], one[1][0]
                t = int(due_then[line])
                cause[line] = self._cause_index(checker.cause(
                    idn, rule, md.month, int(dd[line]), int(dp[line]), days[day[line]] if day[line] >= 0 else None, revs.get(pid),
                    None if t == _NO_FEN else t))
            if rule not in self.rules:
                self.rules.append(rule)
            kept = np.flatnonzero(keep)
            self.chunks.append((line_codes[kept], ids[kept], np.full(len(kept), mi, dtype=np.int64),
                                np.full(len(kept), self.rules.index(rule), dtype=np.int64), dd[kept], dp[kept], cause[kept]))

    def _result(self, through: Period, since: Period) -> Arrears:
        np = self.np
        if self.chunks:
            code, ids, month, rule, due, paid, cause = (np.concatenate([c[j] for c in self.chunks]) for j in range(7))
        else:
            code, month, rule, due, paid, cause = (np.zeros(0, dtype=np.int64) for _ in range(6))
            ids = np.zeros((0, 18), dtype=np.uint8)
        rank = np.asarray([sorted(self.rules).index(r) for r in self.rules], dtype=np.int64)
        order = np.lexsort((rank[rule] if len(rule) else rule, month, code))
        cols = _Columns(np, ids[order], month[order], rule[order], due[order], paid[order], cause[order], self.months, self.rules,
                        self.causes)
        offers: list[FuneralOffer] = []
        if self.checker is not None and len(cols):
            death = np.asarray([k == "death" for _, k in self.causes], dtype=bool)
            over_at = np.flatnonzero(death[cols.cause] & (cols.paid > cols.due))
            over: dict[str, Decimal] = {}
            for j in over_at.tolist():
                idn = cols.id_numbers(j, j + 1)[0]
                over[idn] = over.get(idn, ZERO) + from_fen(int(cols.paid[j] - cols.due[j]))
            offers = self.checker.offers(over)
        return Arrears._of_columns(through, since, cols, offers, len(self.not_checked), self.roster.source)


class _RowOf:
    """Person id → result row (-1: not on the roster) of the ledger persons on a month's roster (``found``: each
    row's person id, 0 for none).  Person ids are numbered densely from 1, so a table indexed by id (8 bytes a
    person) answers, filled in one pass; ids spread wider than that are looked up in the ids sorted."""

    def __init__(self, found: Any, np: Any) -> None:
        self.np = np
        top = int(found.max()) if len(found) else 0
        rows = np.flatnonzero(found > 0)
        self.table = None
        if top <= 4 * len(found) + 1_000_000:
            self.table = np.full(top + 1, -1, dtype=np.int64)
            self.table[found[rows]] = rows
        else:
            self.order = rows[np.argsort(found[rows], kind="stable")]
            self.ranked = found[self.order]

    def __call__(self, pids: Any) -> Any:
        np = self.np
        if self.table is not None:
            inside = pids < len(self.table)
            return np.where(inside, self.table[np.where(inside, pids, 0)], -1)
        if not len(self.ranked):
            return np.full(len(pids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.ranked, pids), len(self.ranked) - 1)
        return np.where(self.ranked[at] == pids, self.order[at], -1)


class _RowPositions:
    """身份证号 → roster position of the persons of one month's result rows: those the caller has met (``note``), then
    the others looked up by ID code (not a dict of 10⁶ built first)."""

    def __init__(self, md: MonthDue, np: Any) -> None:
        self.np, self.md = np, md
        self.order: Any = None
        self.known: dict[str, int] = {}

    def note(self, idn: str, pos: int) -> None:
        """``idn`` is at roster position ``pos`` (the caller read it off its row: no search)."""
        self.known[idn] = pos

    def get(self, idn: str, default: int | None = None) -> int | None:
        hit = self.known.get(idn)
        if hit is not None:
            return hit
        np = self.np
        if self.order is None:  # sorted when first asked
            coded = self.md.id_codes(np)
            assert coded is not None
            self.order = np.argsort(coded[0], kind="stable")
            self.codes = coded[0][self.order]
            self.position = self.md.position_array(np)
        one = _id_codes([idn], np) if isinstance(idn, str) else None
        if one is None or not len(self.codes):
            return default
        at = int(np.searchsorted(self.codes, one[0][0]))
        if at >= len(self.codes) or self.codes[at] != one[0][0]:
            return default
        return int(self.position[self.order[at]])


def _names_of(book: Book, pids: list[int], row_pid: Any, keys: Any, np: Any) -> dict[int, str]:
    """Person id → 身份证号 of ``pids``: from the roster rows that carry them (``row_pid``: each row's person id),
    else from the person table (persons paid but no longer on the roster)."""
    if not pids:
        return {}
    want = np.asarray(pids, dtype=np.int64)
    order = np.argsort(row_pid, kind="stable")
    ranked = row_pid[order]
    at = np.minimum(np.searchsorted(ranked, want), len(ranked) - 1)
    hit = ranked[at] == want
    out = {p: keys[r] for p, r in zip(want[hit].tolist(), order[at[hit]].tolist())}
    out.update(book.id_numbers(want[~hit].tolist()))
    return out


class _ThenDue:
    """What the current roster gives for one month as known on a past day (the day a payment was priced).

    Computed once per distinct day, only when the standards known that day differ from today's:
    equal to what was paid, the difference is the standards' alone; otherwise the record changed.
    """

    def __init__(self, book: Book, engine: Any, roster: Any, month: Period, region: str | None,
                 events: dict[str, list[LifeEvent]], fast: bool | None) -> None:
        self.book, self.engine, self.roster, self.month, self.region = book, engine, roster, month, region
        self.events, self.fast = events, fast
        self._by_day: dict[str, MonthDue | None] = {}
        self._dense: dict[tuple[str, str], Any] = {}

    def due(self, known: str) -> MonthDue | None:
        """The month as the rules known on ``known`` give it (``None``: the standards then were today's)."""
        if known not in self._by_day:
            then = self.book.engine_known_on(self.engine, date.fromisoformat(known))
            self._by_day[known] = (None if then is self.engine else
                                   self.book.due(then, self.roster, self.month, region=self.region, events=self.events, fast=self.fast))
        return self._by_day[known]

    def table(self, known: str, rule: str, row_pid: list[int]) -> dict[int, int] | None:
        """Person id (``row_pid`` of a result row) → 分 the rule gives as known on ``known`` (``None``: the standards
        then were today's)."""
        md = self.due(known)
        if md is None:
            return None
        idx, vals = md.payable.get(rule, ([], []))
        return {row_pid[i]: f for i, f in zip(as_list(idx), as_list(vals))}

    def dense(self, known: str, rule: str, now: MonthDue, np: Any) -> Any:
        """分 the rule gives each result row as known on ``known``, an int64 array over the rows (0: nothing; ``None``:
        the standards then were today's).  The run then must have the rows of ``now`` (the run now), in order."""
        md = self.due(known)
        if md is None:
            return None
        hit = self._dense.get((known, rule))
        if hit is None:
            if not now.same_rows(md):
                raise _Fallback  # (never: one roster gives the same rows) the exact road pairs them as it always has
            hit = np.zeros(len(now), dtype=np.int64)
            idx, vals = md.payable.get(rule, ([], []))
            hit[np.asarray(idx, dtype=np.int64)] = np.asarray(vals, dtype=np.int64)
            self._dense[(known, rule)] = hit
        return hit


#: Cells of a coded column read one by one before the column is listed whole (see _Causes._cell).
_LIST_AFTER = 256


class _Causes:
    """Finds the words for a difference (see the module docstring for the order)."""

    def __init__(self, book: Book, engine: Any, roster: Any, events: dict[str, list[LifeEvent]], kinds: dict[str, str],
                 positions: dict[str, int] | _RowPositions, region: str | None) -> None:
        from ..record import parse_date

        self.book, self.engine, self.roster, self.events, self.kinds = book, engine, roster, events, kinds
        self.positions, self.region = positions, region
        self._parse_date = parse_date
        self._facts: dict[str, tuple[str, date | None] | None] = {}
        self._by_cells: dict[tuple[Any, Any], tuple[str, date | None] | None] = {}
        self._columns: dict[str, Any] = {}
        self._reads: dict[str, int] = {}
        self._regions: dict[str, str] = {}
        self._changes: dict[tuple[str, str, date, date, int, int], list[str]] = {}
        self._said: dict[tuple[Any, ...], tuple[str, str]] = {}

    def facts(self, idn: str) -> tuple[str, date | None] | None:
        """(region, death date) of a person on the roster, read from its columns (``None``: not on the roster).

        Only what a cause needs: a Person is built only when a column is missing or unreadable.
        Persons whose two cells read alike share the answer.
        """
        out: tuple[str, date | None] | None = self._facts.get(idn, _UNSEEN)  # type: ignore[arg-type]
        if out is not _UNSEEN:
            return out
        out = None
        pos = self.positions.get(idn)
        if pos is not None:
            out = self.cell_facts(self._cell("region", pos), self._cell("death_date", pos))
            if out is None:
                from ..model import Person

                rec = self.roster.record(pos)
                if self.region and not any(self.roster.keys.get(h) == "region" for h in rec):
                    rec["region"] = self.region
                p = Person.from_record(rec)
                out = (p.region, p.death_date)
        self._facts[idn] = out
        return out

    def cell_facts(self, region_cell: Any, died_cell: Any) -> tuple[str, date | None] | None:
        """(region, death date) as a person's two cells give them (``None``: they do not say; the record does)."""
        region = region_cell or self.region
        cells = (region, died_cell)
        out = self._by_cells.get(cells)
        if out is None:
            try:
                out = (self._region(str(region)), self._parse_date(died_cell) if died_cell else None) if region else None
            except (ValueError, ShuangyongError):
                out = None
            if out is not None:
                self._by_cells[cells] = out
        return out

    def _header(self, key: str) -> str | None:
        return next((h for h in self.roster.headers if self.roster.keys.get(h) == key), None)

    def _cell(self, key: str, pos: int) -> Any:
        col = self._columns.get(key, self)
        if col is self:
            h = self._header(key)
            col = self._columns[key] = self.roster.data[h] if h is not None else None
            self._reads[key] = 0
        if col is None:
            return None
        self._reads[key] += 1
        if self._reads[key] == _LIST_AFTER:
            from ..roster.reading import CodedColumn

            if isinstance(col, CodedColumn):
                # Many cells read (the exact road, line by line): listed at C speed, once; then a cell is one index,
                # not a method call.  A few (one per group of lines) are read from the codes.
                col = self._columns[key] = list(col)
        return col[pos]

    def cell_codes(self, np: Any) -> tuple[tuple[Any, list[Any]], tuple[Any, list[Any]]] | None:
        """The region and death-date cells of every roster position as (codes, values): equal codes, equal cells.
        A column the roster lacks is one ``None``; ``None`` when a column is not kept coded (then each line's
        cells are read on the exact road)."""
        from ..roster.reading import CodedColumn

        out: list[tuple[Any, list[Any]]] = []
        for key in ("region", "death_date"):
            h = self._header(key)
            col = self.roster.data[h] if h is not None else None
            if col is None:
                out.append((np.zeros(len(self.roster), dtype=np.int64), [None]))
            elif isinstance(col, CodedColumn) and hasattr(col.codes, "dtype") and len(col.codes) == len(self.roster):
                out.append((col.codes, col.values))
            else:
                return None
        return out[0], out[1]

    def _region(self, text: str) -> str:
        from ..ids import validate_region

        if text not in self._regions:
            self._regions[text] = validate_region(text)
        return self._regions[text]

    def cause(self, idn: str, rule: str, m: str, due: int, net: int, known: str | None, rev: str | None,
              due_then: int | None = None) -> tuple[str, str]:
        """The words and kind for one difference.

        A person with no recorded event gets words that depend only on the rule, the month, the
        amounts, the run's day, the reversal reason and the person's (region, death date): those
        are said once and reused (the parameter sentences were already shared the same way).
        """
        if self.events.get(idn):
            return self._cause(idn, rule, m, due, net, known, rev, due_then)
        key = (rule, m, due, net, known, rev, due_then, self.facts(idn))
        hit = self._said.get(key)
        if hit is None:
            hit = self._said[key] = self._cause(idn, rule, m, due, net, known, rev, due_then)
        return hit

    def _cause(self, idn: str, rule: str, m: str, due: int, net: int, known: str | None, rev: str | None,
               due_then: int | None = None) -> tuple[str, str]:
        start = month_period(m).start
        evs = self.events.get(idn, [])
        st = standing(evs, start, self.kinds.get(rule, "monthly")) if evs else None
        facts = self.facts(idn)
        region, died = facts if facts is not None else (None, None)
        if net > due and st is not None and not st.payable and st.event is not None:
            if st.event.kind == "death":
                return f"死亡后发放：{st.why}；应追缴 {from_fen(net - due)} 元（可选从丧葬补助中抵扣，见抵扣选项）", "death"
            return f"暂停期间发放：{st.why}；应追缴 {from_fen(net - due)} 元", "suspension"
        if net > due and died is not None and start > died:
            return (f"死亡后发放：花名册记载{died.isoformat()}去世，次月起停发；应追缴 {from_fen(net - due)} 元"
                    f"（可选从丧葬补助中抵扣，见抵扣选项）"), "death"
        if net == 0 and known is None:
            back = [e for e in evs if e.kind == "resumption" and e.back_pay and e.on >= start]
            if back:
                return f"恢复发放（{back[0].document}），补发暂停期间", "resumption"
            if rev:
                return f"未发放：银行退回或冲正（{rev}）", "unpaid"
            return "未发放：本月无发放记录", "unpaid"
        record = f"记录更正：按现花名册记录应发 {from_fen(due)} 元，已发 {from_fen(net)} 元"
        if known is None or region is None or due_then is None:
            return record + "（参数未变）", "record"
        changed = self.parameter_changes(idn, region, rule, start, date.fromisoformat(known), due, due_then)
        if due_then == net and changed:
            return "；".join(changed), "parameter"
        if changed:
            # Both moved: the record (what the standards known then give it differs from what was paid) and the standards.
            return f"{record}（按发放时已知标准应发 {from_fen(due_then)} 元）；另：" + "；".join(changed), "record"
        return record + "（参数未变）", "record"

    def parameter_changes(self, idn: str, region: str, rule: str, on: date, known: date, due: int, due_then: int) -> list[str]:
        """Sentences naming each parameter the person's amount used whose value differs from what ``known`` knew.

        The parameters used come from the exact path for one person of each (region, rule, month, day,
        amounts) signature: persons alike in these share the answer.
        """
        key = (region, rule, on, known, due, due_then)
        hit = self._changes.get(key)
        if hit is None:
            hit = self._changes[key] = self._parameter_changes(idn, region, rule, on, known)
        return hit

    def _parameter_changes(self, idn: str, region: str, rule: str, on: date, known: date) -> list[str]:
        from ..model import Person

        then = self.book.engine_known_on(self.engine, known)
        if then is self.engine:
            return []
        pos = self.positions.get(idn)
        if pos is None:
            return []
        rec = self.roster.record(pos)
        if self.region and not any(self.roster.keys.get(h) == "region" for h in rec):
            rec["region"] = self.region
        person = Person.from_record(rec)
        month = Period.month(on.year, on.month)
        used: list[str] = []
        for eng in (self.engine, then):
            ent = eng.entitlements(person, month, rules=[rule]).get(rule)
            for seg in ent.segments if ent is not None else ():
                for resolved, _path, _value in seg.params:
                    if resolved.name not in used:
                        used.append(resolved.name)
        out = []
        for name in used:
            now_v = self.engine.parameters.find(name, region, on)
            old_v = then.parameters.find(name, region, on)
            if now_v is None or (old_v is not None and (old_v.value, old_v.start, old_v.jurisdiction) == (now_v.value, now_v.start, now_v.jurisdiction)):
                continue
            old_text = "无" if old_v is None else _value_text(old_v.value, now_v.value)
            new_text = _value_text(now_v.value, old_v.value if old_v is not None else None)
            ann = f"，{now_v.announced.isoformat()}公布" if now_v.announced else ""
            out.append(f"标准调整：参数 {name} 自{now_v.start.isoformat()}起由 {old_text} 调整为 {new_text}"
                       f"（{now_v.source.cite()}{ann}；发放时按{known.isoformat()}已知标准计发）")
        return out

    def offers(self, over: dict[str, Decimal]) -> list[FuneralOffer]:
        """The 丧葬补助 netting options of the persons overpaid after a death (``over``: 身份证号 → amount)."""
        out = []
        for idn, amount in sorted(over.items()):
            death, reported = self._death(idn)
            if death is None:
                continue
            out.append(FuneralOffer(person=mask_id_number(idn), death=death, reported=reported or death, overpaid=amount,
                                    grant=self._grant(idn, death)))
        return out

    def _death(self, idn: str) -> tuple[date | None, date | None]:
        ds = [e for e in self.events.get(idn, []) if e.kind == "death"]
        if ds:
            d = min(ds, key=lambda e: e.on)
            return d.on, d.reported_on
        f = self.facts(idn)
        return (f[1], None) if f is not None else (None, None)

    def _grant(self, idn: str, death: date) -> Decimal | None:
        """The 丧葬补助 the rules give for this death (the record with the death date set), if any."""
        from ..model import Person

        pos = self.positions.get(idn)
        if pos is None or "funeral_grant" not in self.kinds:
            return None
        rec = self.roster.record(pos)
        rec = {k: v for k, v in rec.items() if self.roster.keys.get(k) != "death_date"} | {"死亡时间": death.isoformat()}
        if self.region and not any(self.roster.keys.get(h) == "region" for h in rec):
            rec["region"] = self.region
        try:
            person = Person.from_record(rec)
            res = self.engine.entitlements(person, Period.day(death), rules=["funeral_grant"])
        except Exception:  # noqa: BLE001 - an offer that cannot be computed is shown as such, never guessed
            return None
        ent = res.get("funeral_grant")
        return ent.amount if ent is not None and ent.eligible else None


def _value_text(v: Any, other: Any) -> str:
    """A parameter value in words; for a table, only the cells that differ from ``other``."""
    if isinstance(v, dict):
        cells = []
        for k, x in v.items():
            o = other.get(k) if isinstance(other, dict) else None
            if o != x:
                cells.append(f"{k}={_value_text(x, o)}")
        return "{" + ", ".join(cells) + "}" if cells else "{…}"
    return str(v)
