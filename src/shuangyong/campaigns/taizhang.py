"""The 台帐: an append-only SQLite record of work done against a campaign plan's tasks.

Each record says which task, which unit, on what date, what was done, counts
(``{"户": 12, "人": 15}``), an amount in 元 (stored as integer 分), whether it
completes the unit's part of the task, and evidence references (file names,
photo numbers, 文号).  Records are never edited: SQLite triggers refuse
UPDATE and DELETE, and a mistake is put right by a new record that
``corrects`` the old one (queries then skip the old one).  Each record is
written in its own transaction with ``synchronous=FULL``, so a crash leaves
either the whole record or none of it.

A record naming a task the plan does not have, or a unit that is not that
task's 牵头单位 / 责任单位, is rejected with :class:`CampaignError` saying why;
nothing is written.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from attrs import field, frozen

from ..record import parse_date
from .plans import CampaignError, CampaignPlan, Task

__all__ = ["WorkRecord", "Taizhang", "TaskStatus", "STATES", "task_status"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan TEXT NOT NULL,
    task TEXT NOT NULL,
    unit TEXT NOT NULL,
    done_on TEXT NOT NULL,
    what TEXT NOT NULL,
    counts TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    evidence TEXT NOT NULL,
    corrects INTEGER REFERENCES records(id),
    recorded_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, '台帐 records are never edited: add a record that corrects it'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, '台帐 records are never deleted: add a record that corrects it'); END;
"""

#: Task states, with their Chinese labels.
STATES = {
    "done": "已完成",
    "done_late": "逾期完成",
    "in_progress": "进行中",
    "late": "逾期未完成",
    "not_started": "未开展",
    "late_no_record": "逾期未开展",
}


@frozen
class WorkRecord:
    """One 台帐 entry as stored."""

    id: int
    plan: str
    task: str
    unit: str
    on: date
    what: str
    counts: Mapping[str, int] = field(factory=dict)
    amount: Decimal = Decimal("0.00")
    complete: bool = True
    evidence: tuple[str, ...] = field(converter=tuple, factory=tuple)
    corrects: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "plan": self.plan, "task": self.task, "unit": self.unit, "date": self.on.isoformat(),
                "what": self.what, "counts": dict(self.counts), "amount": str(self.amount), "complete": self.complete,
                "evidence": list(self.evidence), "corrects": self.corrects}


def _amount_fen(value: Any) -> int:
    if isinstance(value, float) or isinstance(value, bool):
        raise CampaignError(f"amount: {value!r} — money must be a Decimal or a string, never a float")
    try:
        d = Decimal(str(value).replace(",", "").strip() or "0")
    except InvalidOperation:
        raise CampaignError(f"amount: {value!r} is not a number of 元") from None
    if not d.is_finite() or d < 0:
        raise CampaignError(f"amount: {value!r} must be a non-negative amount of 元")
    fen = d * 100
    if fen != fen.to_integral_value():
        raise CampaignError(f"amount: {value!r} has more than two decimals (分)")
    return int(fen)


class Taizhang:
    """A 台帐 file for one plan.  ``Taizhang(path, plan)`` opens (or creates) it; use as a context manager."""

    def __init__(self, path: str | os.PathLike[str], plan: CampaignPlan) -> None:
        self.path = Path(path)
        self.plan = plan
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key='plan'").fetchone()
            if row is None:
                with self._tx():
                    self._db.execute("INSERT INTO meta VALUES ('plan', ?)", (plan.code,))
            elif row[0] != plan.code:
                raise CampaignError(f"{self.path}: this 台帐 is kept against plan {row[0]!r}, not {plan.code!r}")
        except sqlite3.DatabaseError as e:
            raise CampaignError(f"{self.path}: not a 台帐 database ({e})") from None

    # -- housekeeping ----------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Taizhang:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self) -> Any:
        db = self._db

        class _T:
            def __enter__(self) -> None:
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, et: object, ev: object, tb: object) -> None:
                db.execute("COMMIT" if et is None else "ROLLBACK")

        return _T()

    # -- writing ---------------------------------------------------------------------
    def check(self, task: str, unit: str, on: Any, *, counts: Mapping[str, Any] | None = None, amount: Any = 0,
              corrects: int | None = None) -> tuple[Task, date, dict[str, int], int]:
        """Validate a record without writing it; the reasons for refusing it, all at once, as :class:`CampaignError`."""
        problems: list[str] = []
        t = next((x for x in self.plan.tasks if x.key == task), None)
        if t is None:
            problems.append(f"task: no task {task!r} in plan {self.plan.code!r} (tasks: {', '.join(x.key for x in self.plan.tasks)})")
        elif unit not in t.units:
            where = "is not a unit of the plan" if unit not in self.plan.units else f"is not 牵头 or 责任 for task {task!r}"
            problems.append(f"unit: {unit!r} {where} (units for this task: {', '.join(t.units)})")
        d: date | None = None
        try:
            d = parse_date(on, "date")
        except Exception as e:  # noqa: BLE001 - the parser's message is the reason
            problems.append(f"date: {e}")
        if d is not None and not self.plan.start <= d <= self.plan.end:
            problems.append(f"date: {d} lies outside the plan's {self.plan.start}–{self.plan.end}")
        clean: dict[str, int] = {}
        for k, v in (counts or {}).items():
            if isinstance(v, bool) or not isinstance(v, (int, str)) or not str(v).strip().isdigit():
                problems.append(f"counts.{k}: {v!r} must be a whole number ≥ 0")
            else:
                clean[str(k)] = int(v)
        fen = 0
        try:
            fen = _amount_fen(amount)
        except CampaignError as e:
            problems.append(str(e))
        if corrects is not None:
            row = self._db.execute("SELECT task, unit FROM records WHERE id=?", (corrects,)).fetchone()
            if row is None:
                problems.append(f"corrects: no record {corrects}")
            elif (row[0], row[1]) != (task, unit):
                problems.append(f"corrects: record {corrects} is for {row[0]}/{row[1]}, not {task}/{unit}")
        if problems or t is None or d is None:
            raise CampaignError("台帐 record rejected — " + "; ".join(problems))
        return t, d, clean, fen

    def record(self, task: str, unit: str, on: Any, what: str, *, counts: Mapping[str, Any] | None = None, amount: Any = 0,
               complete: bool = True, evidence: Iterable[str] = (), corrects: int | None = None) -> WorkRecord:
        """Append one record (its own transaction) and return it; a bad record raises and writes nothing."""
        if not str(what).strip():
            raise CampaignError("台帐 record rejected — what: say what was done")
        _, d, clean, fen = self.check(task, unit, on, counts=counts, amount=amount, corrects=corrects)
        refs = [str(e) for e in evidence if str(e).strip()]
        with self._tx():
            cur = self._db.execute(
                "INSERT INTO records (plan, task, unit, done_on, what, counts, amount_fen, complete, evidence, corrects, recorded_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.plan.code, task, unit, d.isoformat(), str(what).strip(), json.dumps(clean, ensure_ascii=False), fen,
                 int(bool(complete)), json.dumps(refs, ensure_ascii=False), corrects,
                 datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
        rid = cur.lastrowid
        assert rid is not None
        return WorkRecord(rid, self.plan.code, task, unit, d, str(what).strip(), clean, Decimal(fen) / 100, bool(complete),
                          tuple(refs), corrects)

    # -- reading ---------------------------------------------------------------------
    def records(self, *, include_superseded: bool = False, as_of: date | None = None) -> list[WorkRecord]:
        """Records in the order written; by default without those a later record corrects."""
        rows = self._db.execute(
            "SELECT id, plan, task, unit, done_on, what, counts, amount_fen, complete, evidence, corrects FROM records ORDER BY id"
        ).fetchall()
        out = [WorkRecord(r[0], r[1], r[2], r[3], date.fromisoformat(r[4]), r[5], json.loads(r[6]), Decimal(r[7]) / 100,
                          bool(r[8]), tuple(json.loads(r[9])), r[10]) for r in rows]
        if as_of is not None:
            out = [r for r in out if r.on <= as_of]
        if not include_superseded:
            gone = {r.corrects for r in out if r.corrects is not None}
            out = [r for r in out if r.id not in gone]
        return out

    def __iter__(self) -> Iterator[WorkRecord]:
        return iter(self.records())

    def status(self, as_of: date) -> list[TaskStatus]:
        """Every (task, unit[, year]) with its state on ``as_of``; see :func:`task_status`."""
        return task_status(self.plan, self.records(as_of=as_of), as_of)


@frozen
class TaskStatus:
    """Where one unit stands on one task (one year of a yearly task) on a date."""

    task: Task
    unit: str
    deadline: date
    state: str
    records: tuple[WorkRecord, ...] = field(converter=tuple, factory=tuple)
    completed_on: date | None = None
    targets: tuple[tuple[str, Decimal | None, bool], ...] = field(converter=tuple, factory=tuple)

    @property
    def late(self) -> bool:
        return self.state in ("done_late", "late", "late_no_record")

    @property
    def label(self) -> str:
        return STATES[self.state]

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task.key, "title": self.task.title, "stage": self.task.stage, "unit": self.unit,
                "deadline": self.deadline.isoformat(), "state": self.state, "label": self.label,
                "records": len(self.records), "completed_on": self.completed_on.isoformat() if self.completed_on else None,
                "targets": [{"target": t, "achieved": None if a is None else str(a), "met": m} for t, a, m in self.targets]}


def _instances(plan: CampaignPlan, task: Task) -> list[tuple[date, date, date]]:
    """(window start, window end, deadline) of each occurrence: one, or one per plan year for a yearly task."""
    if task.recurring != "yearly":
        return [(plan.start, plan.end, task.deadline)]
    out = []
    for y in range(plan.start.year, plan.end.year + 1):
        try:
            dl = task.deadline.replace(year=y)
        except ValueError:  # 29 February
            dl = date(y, 2, 28)
        if plan.start <= dl <= plan.end:
            out.append((max(plan.start, date(y, 1, 1)), min(plan.end, date(y, 12, 31)), dl))
    return out


def _achieved(target: Any, recs: list[WorkRecord]) -> Decimal | None:
    if target.measure == "records":
        return Decimal(len(recs))
    if target.measure == "amount":
        return sum((r.amount for r in recs), Decimal("0.00"))
    num = sum(r.counts.get(target.what, 0) for r in recs)
    if target.measure == "count":
        return Decimal(num)
    den = sum(r.counts.get(target.of, 0) for r in recs)
    return None if den == 0 else Decimal(num) / Decimal(den)


def task_status(plan: CampaignPlan, records: Iterable[WorkRecord], as_of: date) -> list[TaskStatus]:
    """The state of every (task, unit) on ``as_of``, in plan order.

    ``done``: a record marked complete on or before the deadline (and every target met);
    ``done_late``: completed after it; ``in_progress``: records, not complete, deadline not
    passed; ``late``: records but not complete after the deadline; ``not_started``: no record
    yet, deadline not passed; ``late_no_record``: the deadline passed with no record at all.
    A complete record whose task has a target not met counts as not complete.
    """
    recs = list(records)
    out: list[TaskStatus] = []
    for task in plan.tasks:
        for unit in task.units:
            for lo, hi, deadline in _instances(plan, task):
                mine = [r for r in recs if r.task == task.key and r.unit == unit and lo <= r.on <= hi and r.on <= as_of]
                targets = [(t.describe(), a, t.met(a)) for t in task.targets for a in [_achieved(t, mine)]]
                completing = [r for r in mine if r.complete]
                completed_on = None
                if completing and all(m for _, _, m in targets):
                    # Completed when the last target was reached or the first complete record, whichever is later.
                    completed_on = completing[0].on if not targets else max(completing[0].on, _met_on(task, mine))
                if completed_on is not None:
                    state = "done" if completed_on <= deadline else "done_late"
                elif as_of > deadline:
                    state = "late" if mine else "late_no_record"
                else:
                    state = "in_progress" if mine else "not_started"
                out.append(TaskStatus(task, unit, deadline, state, mine, completed_on, targets))
    return out


def _met_on(task: Task, recs: list[WorkRecord]) -> date:
    """The first date by which every target of ``task`` was met by the records up to it."""
    ordered = sorted(recs, key=lambda r: (r.on, r.id))
    for i in range(len(ordered)):
        upto = ordered[: i + 1]
        if all(t.met(_achieved(t, upto)) for t in task.targets):
            return ordered[i].on
    return ordered[-1].on
