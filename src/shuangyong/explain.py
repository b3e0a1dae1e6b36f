"""Explanations a clerk can show a citizen: inputs, parameters with sources, arithmetic, rounding.

``str(explanation)`` is Chinese; ``explanation.to_text("en")`` English;
``explanation.to_dict()`` a versioned, JSON-ready dict.  The numbers shown
reproduce the amount: each segment's expression evaluates to its raw
amount, the rounding gives the unit amount, and units × unit amount summed
over segments is the total.  ID numbers and names are masked.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from attrs import frozen

from .calc import fmt_number
from .ids import mask_name
from .model import LabelledEnum, Person
from .money import ROUNDINGS

if TYPE_CHECKING:
    from .engine import Adjustment, Engine, Entitlement, Segment
    from .rules import BenefitRule

__all__ = ["Explanation", "FORMAT", "FORMAT_VERSION"]

FORMAT = "shuangyong.explanation"
FORMAT_VERSION = 1

_STATUS = {
    "eligible": ("享受", "eligible"),
    "in_kind": ("享受（非现金）", "eligible (in kind)"),
    "not_eligible": ("不享受", "not eligible"),
    "no_standard": ("无现行标准", "no standard in force"),
    "missing_parameter": ("缺少本地参数", "local parameter missing"),
}
_LEVEL = {
    "national": ("国家", "national"),
    "province": ("省级", "province"),
    "prefecture": ("市级", "prefecture"),
    "county": ("县级", "county"),
    "township": ("乡镇级", "township"),
    "override": ("测算调整", "what-if override"),
}


def _show(v: Any, lang: str = "zh") -> str:
    if isinstance(v, LabelledEnum):
        return v.label if lang == "zh" else v.en  # type: ignore[attr-defined]
    if isinstance(v, (set, frozenset, tuple, list)):
        items = sorted(_show(x, lang) for x in v)
        return ("、" if lang == "zh" else ", ").join(items) if items else ("无" if lang == "zh" else "none")
    if isinstance(v, Decimal):
        return fmt_number(v)
    if isinstance(v, date):
        return v.isoformat()
    if v is None:
        return "无" if lang == "zh" else "none"
    if isinstance(v, bool):
        return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")
    if hasattr(v, "level") and hasattr(v, "date"):  # an Award
        return _show(v.level, lang) + (f"@{v.date.isoformat()}" if v.date else "")
    return str(v)


@frozen(kw_only=True)
class Explanation:
    """The trace of one rule's result for one person and period."""

    entitlement: Entitlement
    rule: BenefitRule
    person_id: str
    person_name: str
    region: str
    adjustments: tuple[Adjustment, ...]
    engine_version: str
    packs: tuple[tuple[str, str], ...]

    @classmethod
    def build(cls, engine: Engine, person: Person, ent: Entitlement, rule: BenefitRule, adjustments: list[Adjustment],
              reveal: bool = False) -> Explanation:
        # The engine hands each caller a result carrying that caller's own facts (engine._own_inputs).
        return cls(
            entitlement=ent,
            rule=rule,
            person_id=person.id_number if reveal else person.masked_id,
            person_name=person.name if reveal else mask_name(person.name),
            region=person.region,
            adjustments=tuple(adjustments),
            engine_version=engine.version,
            packs=tuple((p.name, p.version) for p in engine.packs),
        )

    @property
    def amount(self) -> Decimal:
        return self.entitlement.amount

    @property
    def total(self) -> Decimal:
        """The amount plus any adjustments tied to this rule (or to no rule)."""
        return self.entitlement.amount + sum((a.amount for a in self.adjustments), Decimal("0.00"))

    def __str__(self) -> str:
        return self.to_text("zh")

    def to_text(self, lang: str = "zh") -> str:
        """The explanation as prose: ``zh`` (default) or ``en``."""
        zh = not lang.startswith("en")
        e = self.entitlement
        L: list[str] = []
        title = e.title if zh else e.title_en
        L.append(f"{title}（{e.rule}）" if zh else f"{title} ({e.rule})")
        L.append(("对象：" if zh else "Person: ") + f"{self.person_id} {self.person_name}".rstrip() + ("，区划 " if zh else ", region ") + self.region)
        L.append(("期间：" if zh else "Period: ") + e.period.label)
        lvl = _LEVEL.get(_level(e.jurisdiction), (e.jurisdiction, e.jurisdiction))
        L.append(("依据：" if zh else "Basis: ") + e.basis.cite() + (f"（{lvl[0]}规则，规则包 {e.pack}）" if zh else f" ({lvl[1]} rule, pack {e.pack})"))
        elig = self.rule.eligibility if zh else self.rule.eligibility_en
        if elig:
            L.append(("享受条件：" if zh else "Eligibility: ") + elig)
        status = _STATUS[e.status][0 if zh else 1]
        L.append(("结论：" if zh else "Result: ") + status + (f"，{_fmt(e.amount)} 元" if zh else f", {_fmt(e.amount)} yuan"))
        if e.reason:
            L.append(("原因：" if zh else "Reason: ") + (e.reason if zh else e.reason_en))
        for s in e.segments:
            L.extend(self._segment_lines(s, zh))
        if self.rule.assumptions:
            L.append("假设（政策未明确之处）：" if zh else "Assumptions (where the sources are silent):")
            L.extend(f"  - {a}" for a in self.rule.assumptions)
        for a in self.adjustments:
            L.append((f"人工调整：{_fmt(a.amount)} 元，原因：{a.reason}，审批：{a.approver}" if zh else
                      f"Manual adjustment: {_fmt(a.amount)} yuan, reason: {a.reason}, approved by {a.approver}")
                     + (f"，文件：{a.document}" if zh and a.document else (f", document: {a.document}" if a.document else "")))
        if self.adjustments:
            L.append((f"合计（含调整）：{_fmt(self.total)} 元" if zh else f"Total with adjustments: {_fmt(self.total)} yuan"))
        return "\n".join(L)

    def _segment_lines(self, s: Segment, zh: bool) -> list[str]:
        unit_zh = {"month": "个月", "year": "年", "event": "次"}[s.unit]
        unit_en = {"month": "month(s)", "year": "year(s)", "event": "event(s)"}[s.unit]
        head = f"· {s.label}（{s.units}{unit_zh}）" if zh else f"· {s.label} ({s.units} {unit_en})"
        out = [head + "：" + (_STATUS[s.status][0] if zh else _STATUS[s.status][1]) if zh else head + ": " + _STATUS[s.status][1]]
        if s.event is not None:
            out.append(("    事件：" if zh else "    event: ") + _show(s.event, "zh" if zh else "en"))
        if s.inputs:
            shown = ("，" if zh else ", ").join(f"{n}={_show(v, 'zh' if zh else 'en')}" for n, v in s.inputs)
            out.append(("    输入：" if zh else "    inputs: ") + shown)
        for r, path, leaf in s.params:
            name = r.name + "".join(f"[{k}]" for k in path)
            lvl = _LEVEL.get(r.level, (r.level, r.level))[0 if zh else 1]
            cf = stale_note(r, zh)
            if zh:
                out.append(f"    参数 {name} = {_show(leaf)} {r.unit}，自 {r.start.isoformat()} 起，{lvl}（{r.jurisdiction}），来源：{r.source.cite()}{cf}")
            else:
                out.append(f"    parameter {name} = {_show(leaf, 'en')} {r.unit}, from {r.start.isoformat()}, {lvl} ({r.jurisdiction}), source: {r.source.cite()}{cf}")
        if s.status == "eligible" and s.raw is not None:
            rounding = ROUNDINGS.get(self.entitlement.rounding)
            rl = (rounding.label_zh if zh else rounding.name) if rounding else self.entitlement.rounding
            # A bare figure needs no "= itself".
            calc = _raw(s.raw) if s.expression == fmt_number(s.raw) else f"{s.expression} = {_raw(s.raw)}"
            if s.raw != s.unit_amount:
                calc += f" → {_fmt(s.unit_amount)}（{rl}）" if zh else f" → {_fmt(s.unit_amount)} ({rl})"
            if s.units > 1:
                calc += f"；× {s.units} = {_fmt(s.amount)}" if zh else f"; × {s.units} = {_fmt(s.amount)}"
            out.append(("    计算：" if zh else "    arithmetic: ") + calc)
        elif s.status == "in_kind" and s.in_kind is not None:
            out.append(("    内容：" + s.in_kind.description) if zh else ("    benefit: " + (s.in_kind.description_en or s.in_kind.description)))
        elif s.reason:
            out.append(("    原因：" if zh else "    reason: ") + (s.reason if zh else s.reason_en))
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with ``format`` and ``format_version``, engine and pack versions."""
        e = self.entitlement
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine_version": self.engine_version,
            "packs": [{"name": n, "version": v} for n, v in self.packs],
            "rule": e.rule,
            "title": e.title,
            "title_en": e.title_en,
            "person": {"id_number": self.person_id, "name": self.person_name, "region": self.region},
            "period": e.period.label,
            "status": e.status,
            "eligible": e.eligible,
            "amount": str(e.amount),
            "reason": e.reason,
            "reason_en": e.reason_en,
            "basis": e.basis.to_dict(),
            "jurisdiction": e.jurisdiction,
            "pack": e.pack,
            "rounding": e.rounding,
            "eligibility": {"zh": self.rule.eligibility, "en": self.rule.eligibility_en},
            "assumptions": list(self.rule.assumptions),
            "segments": [
                {
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "unit": s.unit,
                    "units": s.units,
                    "status": s.status,
                    "reason": s.reason,
                    "reason_en": s.reason_en,
                    "expression": s.expression,
                    "raw": None if s.raw is None else str(s.raw),
                    "unit_amount": str(s.unit_amount),
                    "amount": str(s.amount),
                    "inputs": {n: _show(v, "en") for n, v in s.inputs},
                    "parameters": [dict(r.to_dict(), path=list(path), value_used=_show(leaf)) for r, path, leaf in s.params],
                    "in_kind": None if s.in_kind is None else s.in_kind.description,
                    "event": None if s.event is None else _show(s.event, "en"),
                }
                for s in e.segments
            ],
            "adjustments": [a.to_dict() for a in self.adjustments],
            "total_with_adjustments": str(self.total),
        }


def _raw(d: Decimal) -> str:
    # Long quotients are shown to 4 places with an ellipsis; to_dict() keeps the exact value.
    short = d.quantize(Decimal("0.0001"))
    return fmt_number(d) if short == d else f"{fmt_number(short)}…"


def _fmt(d: Decimal) -> str:
    return f"{d:,.2f}"


def _level(j: str) -> str:
    from .ids import region_level

    return region_level(j)


def stale_note(r: Any, zh: bool = True) -> str:
    """What a clerk is told when a figure is carried past its expected revision ("" when it is not)."""
    if not r.carried_forward:
        return ""
    due = r.expected_update.isoformat() if r.expected_update else "?"
    if zh:
        return f"（{due} 起标准未录入，沿用 {r.start.isoformat()} 标准，可能已调整）"
    return f" (no standard recorded from {due}: the {r.start.isoformat()} standard is carried forward and may have been raised)"
