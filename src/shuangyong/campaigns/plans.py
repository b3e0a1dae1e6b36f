"""Campaign plans (活动实施方案) as data: stages, tasks, 牵头单位 / 责任单位, deadlines, targets.

A plan is a TOML file a rule pack ships through ``shuangyong_campaign_plans``
(or a county writes itself); ``load_plan`` validates it and raises
:class:`CampaignError` naming the file and the key of every problem at once.
The format is documented in ``docs/campaigns.md``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from attrs import field, frozen

from ..errors import ShuangyongError
from ..params import Source

__all__ = ["CampaignError", "Stage", "Task", "Target", "CampaignPlan", "load_plan", "OPS", "MEASURES"]


class CampaignError(ShuangyongError, ValueError):
    """A malformed plan, visit scheme or 台帐 record; the message names the file/row and the key."""


#: Comparison operators a target may use.
OPS = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "==": "等于"}
#: What a target measures from the 台帐 records of its task.
MEASURES = ("count", "amount", "records", "ratio")


@frozen
class Stage:
    """One stage (阶段) with its date range."""

    key: str
    title: str
    start: date
    end: date
    note: str = ""


@frozen
class Target:
    """A measurable target: ``count`` of ``what`` (sum of record counts), ``amount`` (元), ``records``, or ``ratio``.

    ``ratio`` divides the summed counts ``what`` by ``of`` (e.g. 已安置 / 应安置 ≥ 96%).
    """

    title: str
    measure: str
    op: str
    value: Decimal
    what: str = ""
    of: str = ""

    def met(self, achieved: Decimal | None) -> bool:
        if achieved is None:
            return False
        return {">=": achieved >= self.value, ">": achieved > self.value, "<=": achieved <= self.value,
                "<": achieved < self.value, "==": achieved == self.value}[self.op]

    def describe(self) -> str:
        v = f"{(self.value * 100).normalize():f}%" if self.measure == "ratio" else f"{self.value.normalize():f}"
        return f"{self.title}{OPS[self.op]}{v}"


@frozen
class Task:
    """A task: where it belongs, who leads (牵头单位), who is responsible (责任单位), its deadline and targets."""

    key: str
    title: str
    stage: str
    deadline: date
    lead: str
    responsible: tuple[str, ...] = field(converter=tuple, factory=tuple)
    area: str = ""
    targets: tuple[Target, ...] = field(converter=tuple, factory=tuple)
    evidence: Mapping[str, str] | None = None
    recurring: str = ""

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit that must record work against the task: the lead first, then the responsible units."""
        return (self.lead, *[u for u in self.responsible if u != self.lead])


@frozen
class CampaignPlan:
    """A validated campaign plan."""

    code: str
    title: str
    start: date
    end: date
    stages: tuple[Stage, ...] = field(converter=tuple)
    tasks: tuple[Task, ...] = field(converter=tuple)
    units: tuple[str, ...] = field(converter=tuple)
    areas: Mapping[str, str] = field(factory=dict)
    jurisdiction: str = "national"
    sources: tuple[Source, ...] = field(converter=tuple, factory=tuple)
    assumptions: tuple[str, ...] = field(converter=tuple, factory=tuple)
    path: str = ""

    def task(self, key: str) -> Task:
        for t in self.tasks:
            if t.key == key:
                return t
        raise CampaignError(f"plan {self.code!r}: no task {key!r}; tasks: {', '.join(t.key for t in self.tasks)}")

    def stage(self, key: str) -> Stage:
        for s in self.stages:
            if s.key == key:
                return s
        raise CampaignError(f"plan {self.code!r}: no stage {key!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "title": self.title, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "jurisdiction": self.jurisdiction, "units": list(self.units), "areas": dict(self.areas),
            "stages": [{"key": s.key, "title": s.title, "start": s.start.isoformat(), "end": s.end.isoformat()} for s in self.stages],
            "tasks": [{"key": t.key, "title": t.title, "stage": t.stage, "area": t.area, "deadline": t.deadline.isoformat(),
                       "lead": t.lead, "responsible": list(t.responsible), "targets": [x.describe() for x in t.targets]}
                      for t in self.tasks],
        }


def load_plan(source: str | os.PathLike[str] | Mapping[str, Any]) -> CampaignPlan:
    """Read and validate a plan from a TOML file (or an already parsed mapping)."""
    if isinstance(source, Mapping):
        return _build(source, "<plan>")
    path = Path(source)
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except OSError as e:
        raise CampaignError(f"{path}: cannot read ({e.strerror or e})") from None
    except tomllib.TOMLDecodeError as e:
        raise CampaignError(f"{path}: not valid TOML ({e})") from None
    return _build(doc, str(path))


class _Problems:
    def __init__(self, where: str) -> None:
        self.where = where
        self.items: list[str] = []

    def add(self, key: str, msg: str) -> None:
        self.items.append(f"{key}: {msg}")

    def raise_if_any(self) -> None:
        if self.items:
            raise CampaignError(f"{self.where}: " + "; ".join(self.items))


def _date(v: Any, key: str, pr: _Problems) -> date | None:
    from ..errors import InvalidRecordError
    from ..record import parse_date

    if v is None:
        pr.add(key, "is required (a date, e.g. 2015-01-01)")
        return None
    try:
        return parse_date(v, key)
    except InvalidRecordError:
        pr.add(key, f"{v!r} is not a date (YYYY-MM-DD)")
        return None


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def _end(v: Any, key: str, pr: _Problems) -> date | None:
    # "2015-02" as an end means the month's last day.
    d = _date(v, key, pr)
    if d is not None and isinstance(v, str) and v.count("-") == 1:
        return _month_end(d)
    return d


def _text(doc: Mapping[str, Any], key: str, where: str, pr: _Problems, required: bool = True) -> str:
    v = doc.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        if required:
            pr.add(f"{where}{key}", "is required")
        return ""
    if not isinstance(v, str):
        pr.add(f"{where}{key}", f"must be text, not {type(v).__name__}")
        return ""
    return v.strip()


def _build(doc: Mapping[str, Any], where: str) -> CampaignPlan:
    pr = _Problems(where)
    known = {"format", "kind", "code", "title", "start", "end", "jurisdiction", "units", "groups", "areas", "stages", "tasks",
             "sources", "assumptions", "description"}
    for k in doc:
        if k not in known:
            pr.add(str(k), f"unknown key (known: {', '.join(sorted(known))})")
    if doc.get("format", 1) != 1:
        pr.add("format", f"only format 1 exists, not {doc.get('format')!r}")
    if doc.get("kind", "plan") != "plan":
        pr.add("kind", f"a plan file has kind = \"plan\", not {doc.get('kind')!r}")
    code = _text(doc, "code", "", pr)
    if code and (not code.replace("_", "").isalnum() or not code.isascii()):
        pr.add("code", f"{code!r} must be English snake_case")
    title = _text(doc, "title", "", pr)
    start = _date(doc.get("start"), "start", pr)
    end = _end(doc.get("end"), "end", pr)
    if start and end and end < start:
        pr.add("end", f"{end} is before start {start}")

    units_raw = doc.get("units", [])
    if not isinstance(units_raw, list) or not all(isinstance(u, str) and u.strip() for u in units_raw) or not units_raw:
        pr.add("units", "must be a non-empty list of unit names (县双拥办, 县民政局, …)")
        units_raw = []
    units = [u.strip() for u in units_raw]
    if len(set(units)) != len(units):
        pr.add("units", f"named twice: {', '.join(sorted({u for u in units if units.count(u) > 1}))}")
    groups_raw = doc.get("groups", {})
    groups: dict[str, list[str]] = {}
    if not isinstance(groups_raw, Mapping):
        pr.add("groups", "must be a table: group name = [unit, …]")
    else:
        for g, members in groups_raw.items():
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                pr.add(f"groups.{g}", "must be a list of unit names")
                continue
            for m in members:
                if m not in units:
                    pr.add(f"groups.{g}", f"{m!r} is not in units")
            groups[g] = list(members)

    areas_raw = doc.get("areas", [])
    areas: dict[str, str] = {}
    for i, a in enumerate(areas_raw if isinstance(areas_raw, list) else []):
        k, t = _text(a, "key", f"areas[{i}].", pr), _text(a, "title", f"areas[{i}].", pr)
        if k in areas:
            pr.add(f"areas[{i}].key", f"{k!r} given twice")
        areas[k] = t

    stages: list[Stage] = []
    stage_keys: set[str] = set()
    stages_raw = doc.get("stages", [])
    if not isinstance(stages_raw, list) or not stages_raw:
        pr.add("stages", "at least one [[stages]] is required")
        stages_raw = []
    for i, s in enumerate(stages_raw):
        w = f"stages[{i}]."
        k = _text(s, "key", w, pr)
        if k in stage_keys:
            pr.add(w + "key", f"{k!r} given twice")
        stage_keys.add(k)
        s_start, s_end = _date(s.get("start"), w + "start", pr), _end(s.get("end"), w + "end", pr)
        if s_start and s_end:
            if s_end < s_start:
                pr.add(w + "end", f"{s_end} is before the stage start {s_start}")
            if start and end and (s_start < start or s_end > end):
                pr.add(w + "start", f"{s_start}–{s_end} lies outside the plan's {start}–{end}")
            stages.append(Stage(k, _text(s, "title", w, pr), s_start, s_end, str(s.get("note", ""))))

    tasks: list[Task] = []
    task_keys: set[str] = set()
    tasks_raw = doc.get("tasks", [])
    if not isinstance(tasks_raw, list) or not tasks_raw:
        pr.add("tasks", "at least one [[tasks]] is required")
        tasks_raw = []
    stage_by_key = {s.key: s for s in stages}
    task_known = {"key", "title", "stage", "area", "deadline", "lead", "responsible", "targets", "evidence", "recurring", "note"}
    for i, t in enumerate(tasks_raw):
        w = f"tasks[{i}]."
        for k in t:
            if k not in task_known:
                pr.add(w + str(k), f"unknown key (known: {', '.join(sorted(task_known))})")
        k = _text(t, "key", w, pr)
        if k in task_keys:
            pr.add(w + "key", f"{k!r} given twice")
        task_keys.add(k)
        st = _text(t, "stage", w, pr)
        if st and st not in stage_by_key:
            pr.add(w + "stage", f"no stage {st!r} (stages: {', '.join(stage_by_key)})")
        area = _text(t, "area", w, pr, required=False)
        if area and area not in areas:
            pr.add(w + "area", f"no area {area!r} (areas: {', '.join(areas) or 'none'})")
        deadline = _end(t["deadline"], w + "deadline", pr) if "deadline" in t else (stage_by_key[st].end if st in stage_by_key else None)
        if deadline and start and end and not start <= deadline <= end:
            pr.add(w + "deadline", f"{deadline} lies outside the plan's {start}–{end}")
        lead = _text(t, "lead", w, pr)
        responsible_raw = t.get("responsible", [])
        if isinstance(responsible_raw, str):
            responsible_raw = [responsible_raw]
        responsible: list[str] = []
        for name in [lead, *responsible_raw] if lead else list(responsible_raw):
            if name in groups:
                members = groups[name]
                if name == lead:
                    pr.add(w + "lead", f"the 牵头单位 must be one unit, not the group {name!r}")
                responsible.extend(members)
            elif name not in units:
                pr.add(w + ("lead" if name == lead else "responsible"), f"{name!r} is not in units or groups")
            elif name != lead:
                responsible.append(name)
        recurring = str(t.get("recurring", ""))
        if recurring not in ("", "yearly"):
            pr.add(w + "recurring", f"must be \"yearly\" or absent, not {recurring!r}")
        targets: list[Target] = []
        for j, x in enumerate(t.get("targets", []) or []):
            targets.append(_target(x, f"{w}targets[{j}].", pr))
        ev = t.get("evidence")
        if ev is not None:
            if not isinstance(ev, Mapping) or "section" not in ev or "key" not in ev:
                pr.add(w + "evidence", "must be a table with section and key (and check, or value = done/count/amount/records)")
                ev = None
            else:
                ev = {str(a): str(b) for a, b in ev.items()}
                if "check" not in ev and ev.get("value", "done") not in ("done", "count", "amount", "records"):
                    pr.add(w + "evidence.value", "must be done, count, amount or records")
        if deadline is not None:
            tasks.append(Task(k, _text(t, "title", w, pr), st, deadline, lead, tuple(dict.fromkeys(responsible)), area,
                              tuple(targets), ev, recurring))

    sources: list[Source] = []
    for i, s in enumerate(doc.get("sources", []) or []):
        try:
            sources.append(Source(**s))
        except (TypeError, ValueError, ShuangyongError) as e:
            pr.add(f"sources[{i}]", str(e))
    pr.raise_if_any()
    assert start is not None and end is not None
    return CampaignPlan(code, title, start, end, stages, tasks, units, areas, str(doc.get("jurisdiction", "national")),
                        sources, tuple(str(a) for a in doc.get("assumptions", [])), where)


def _target(x: Any, w: str, pr: _Problems) -> Target:
    if not isinstance(x, Mapping):
        pr.add(w.rstrip("."), "must be a table")
        return Target("", "count", ">=", Decimal(0))
    measure = str(x.get("measure", "count"))
    if measure not in MEASURES:
        pr.add(w + "measure", f"must be one of {', '.join(MEASURES)}, not {measure!r}")
    op = str(x.get("op", ">="))
    if op not in OPS:
        pr.add(w + "op", f"must be one of {' '.join(OPS)}, not {op!r}")
    raw = x.get("value")
    value = Decimal(0)
    if isinstance(raw, float) or isinstance(raw, bool) or raw is None:
        pr.add(w + "value", "is required as a whole number or a string (\"96%\", \"2.5\"); floats are refused")
    else:
        s = str(raw).strip()
        try:
            value = Decimal(s[:-1]) / 100 if s.endswith("%") else Decimal(s)
        except InvalidOperation:
            pr.add(w + "value", f"{raw!r} is not a number")
    what, of = str(x.get("what", "")), str(x.get("of", ""))
    if measure in ("count", "ratio") and not what:
        pr.add(w + "what", "names the record count to sum (e.g. \"户\")")
    if measure == "ratio" and not of:
        pr.add(w + "of", "names the denominator count (e.g. \"应安置\")")
    title = str(x.get("title", "")) or what
    return Target(title, measure, op, value, what, of)
