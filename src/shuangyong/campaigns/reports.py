"""Reports written from the 台帐: 工作简报 / 工作总结 skeletons and assessment evidence.

Every figure in a report is computed from the records and the plan — counts of
tasks by state, households visited and 慰问金 paid — never typed; the prose
around them is a skeleton an office completes.  ``evidence`` turns the
records into the evidence document an assessment scheme takes, so
``shuangyong assess`` scores a unit straight from its 台帐.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from attrs import frozen

from .plans import CampaignPlan
from .taizhang import STATES, TaskStatus, WorkRecord, task_status

__all__ = ["Tally", "tally", "briefing", "evidence", "HOUSEHOLDS", "PEOPLE"]

#: The count names that mean households and people visited (record counts {"户": n, "人": m}).
HOUSEHOLDS = "户"
PEOPLE = "人"


@frozen
class Tally:
    """The figures of a report: tasks by state, visits and money, per stage and per unit."""

    as_of: date
    states: dict[str, int]
    by_stage: dict[str, dict[str, int]]
    by_unit: dict[str, dict[str, int]]
    households: int
    people: int
    amount: Decimal
    records: int
    overdue_no_record: tuple[TaskStatus, ...]

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def completed(self) -> int:
        return self.states.get("done", 0) + self.states.get("done_late", 0)

    @property
    def overdue(self) -> int:
        """Items not completed by their deadline: finished late, or still not finished after it."""
        return self.states.get("done_late", 0) + self.states.get("late", 0) + self.states.get("late_no_record", 0)

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "items": self.total, "completed": self.completed, "overdue": self.overdue,
                "states": dict(self.states), "by_stage": self.by_stage, "by_unit": self.by_unit, "households": self.households,
                "people": self.people, "amount": str(self.amount), "records": self.records,
                "overdue_no_record": [s.to_dict() for s in self.overdue_no_record]}


def tally(plan: CampaignPlan, records: Iterable[WorkRecord], as_of: date, unit: str | None = None) -> Tally:
    """Count tasks by state (each unit's part of a task is one 项) and sum visits and money, up to ``as_of``."""
    recs = [r for r in records if r.on <= as_of and (unit is None or r.unit == unit)]
    statuses = [s for s in task_status(plan, recs, as_of) if unit is None or s.unit == unit]
    states = Counter(s.state for s in statuses)
    by_stage: dict[str, Counter[str]] = {st.key: Counter() for st in plan.stages}
    by_unit: dict[str, Counter[str]] = {}
    for s in statuses:
        by_stage[s.task.stage][s.state] += 1
        by_unit.setdefault(s.unit, Counter())[s.state] += 1
    return Tally(
        as_of, {k: states.get(k, 0) for k in STATES}, {k: dict(v) for k, v in by_stage.items()},
        {k: dict(v) for k, v in by_unit.items()},
        sum(r.counts.get(HOUSEHOLDS, 0) for r in recs), sum(r.counts.get(PEOPLE, 0) for r in recs),
        sum((r.amount for r in recs), Decimal("0.00")), len(recs),
        tuple(s for s in statuses if s.state == "late_no_record"),
    )


def _yuan(d: Decimal) -> str:
    return f"{int(d):,}" if d == d.to_integral_value() else f"{d:,.2f}"


def briefing(plan: CampaignPlan, records: Iterable[WorkRecord], as_of: date, *, unit: str | None = None,
             kind: str = "简报") -> str:
    """A 工作简报 (``kind="简报"``) or 工作总结 (``kind="总结"``) skeleton; every figure computed from the records."""
    t = tally(plan, records, as_of, unit)
    who = unit or "全县"
    name = plan.title if plan.title.endswith("工作") else plan.title + "工作"
    head = f"{name}{'总结' if kind == '总结' else '简报'}（{who}，截至{as_of.year}年{as_of.month}月{as_of.day}日）"
    lines = [head, ""]
    lines.append(
        f"一、总体情况。按实施方案，{who}共承担任务{t.total}项（每个责任单位的每项任务计1项），"
        f"完成{t.completed}项，逾期{t.overdue}项（其中逾期完成{t.states['done_late']}项、逾期未完成{t.states['late']}项、"
        f"逾期未开展{t.states['late_no_record']}项），进行中{t.states['in_progress']}项，未到期未开展{t.states['not_started']}项。"
        f"台帐共登记{t.records}条。"
    )
    lines.append(f"二、走访慰问。走访慰问{t.households}户（{t.people}人），发放慰问金{_yuan(t.amount)}元。")
    lines.append("三、分阶段进展。")
    for st in plan.stages:
        c = t.by_stage.get(st.key, {})
        n = sum(c.values())
        if n:
            done = c.get("done", 0) + c.get("done_late", 0)
            late = c.get("done_late", 0) + c.get("late", 0) + c.get("late_no_record", 0)
            lines.append(f"  {st.title}（{st.start.isoformat()}至{st.end.isoformat()}）：任务{n}项，完成{done}项，逾期{late}项。")
    if unit is None:
        lines.append("四、分单位进展。")
        for u, c in t.by_unit.items():
            done = c.get("done", 0) + c.get("done_late", 0)
            late = c.get("done_late", 0) + c.get("late", 0) + c.get("late_no_record", 0)
            lines.append(f"  {u}：任务{sum(c.values())}项，完成{done}项，逾期{late}项。")
    lines.append(("五" if unit is None else "四") + "、逾期未开展事项（无台帐记录）。")
    if t.overdue_no_record:
        for s in t.overdue_no_record:
            lines.append(f"  {s.unit}：{s.task.title}（时限{s.deadline.isoformat()}）")
    else:
        lines.append("  无。")
    lines.append(("六" if unit is None else "五") + "、主要做法和下一步工作：（由承办单位填写）")
    return "\n".join(lines) + "\n"


def evidence(plan: CampaignPlan, records: Iterable[WorkRecord], as_of: date, *, unit: str | None = None,
             scheme: Any = None) -> dict[str, Any]:
    """The evidence document for an assessment scheme, from the tasks that name ``evidence = {section, key, …}``.

    ``check = "…"``: the check is met (its value the evidence references, or ``"台帐记录#id"``)
    when the task is complete for ``unit`` (any of its units when ``unit`` is None); otherwise
    ``false``.  ``value = "done" | "count" | "amount" | "records"``: a number from the records
    (``count`` sums the count named by ``what``).  With ``scheme``, every checklist check the
    plan does not cover is written ``false``, so the card lists it as missing.
    """
    recs = [r for r in records if r.on <= as_of and (unit is None or r.unit == unit)]
    statuses = [s for s in task_status(plan, recs, as_of) if unit is None or s.unit == unit]
    doc: dict[str, Any] = {"unit": unit or plan.title, "period": f"{plan.start.isoformat()}至{as_of.isoformat()}",
                           "assessed_on": as_of.isoformat()}
    if scheme is not None:
        doc["scheme"] = scheme.code
        for section, keys in scheme.evidence_template().items():
            if section == "checklists":
                for key, checks in keys.items():
                    doc.setdefault("checklists", {})[key] = {c: False for c in checks}
    for task in plan.tasks:
        ev = task.evidence
        if not ev:
            continue
        mine = [s for s in statuses if s.task.key == task.key]
        if not mine:
            continue
        task_recs = [r for s in mine for r in s.records]
        section = doc.setdefault(ev["section"], {})
        if "check" in ev:
            done = [s for s in mine if s.completed_on is not None]
            if done:
                refs = [e for s in done for r in s.records for e in r.evidence] or [f"台帐记录#{r.id}" for s in done for r in s.records]
                value: Any = "；".join(dict.fromkeys(refs))
            else:
                value = False
            section.setdefault(ev["key"], {})[ev["check"]] = value
        else:
            how = ev.get("value", "done")
            if how == "done":
                value = sum(1 for s in mine if s.completed_on is not None)
            elif how == "records":
                value = len(task_recs)
            elif how == "amount":
                value = str(sum((r.amount for r in task_recs), Decimal("0.00")))
            else:
                value = sum(r.counts.get(ev.get("what", HOUSEHOLDS), 0) for r in task_recs)
            section[ev["key"]] = value
    return doc
