"""Scorecards: what an assessment gave, how two compare, and a county roll-up.

:class:`ScoreCard` is the result of :func:`shuangyong.assessment.schemes.assess`: points
per node, every lost point with its reason and evidence key, bonus kept apart
from the base, vetoes (一票否决), missing checklist items, total and grade.
``str(card)`` is Chinese; ``card.to_text("en")`` English; ``card.to_dict()``
a versioned JSON-ready dict.  :func:`compare` lists where points moved
between two cards of one scheme; :func:`roll_up` summarises many units.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from attrs import field, frozen

from ..errors import SchemeError

__all__ = [
    "CARD_FORMAT", "COMPARISON_FORMAT", "COUNTY_FORMAT",
    "Lost", "VetoHit", "Missing", "NodeScore", "ScoreCard", "Move", "Comparison", "compare",
    "WeakItem", "CountyView", "roll_up",
]

CARD_FORMAT = "shuangyong.scorecard/1"
COMPARISON_FORMAT = "shuangyong.scorecard-comparison/1"
COUNTY_FORMAT = "shuangyong.scorecard-rollup/1"

_NUMERALS = "一二三四五六七八九十"


def _s(d: Decimal) -> str:
    """Points as text without exponent or trailing zeros: 6, 3.5, 0.25."""
    n = d.normalize()
    return format(n if n != 0 else Decimal(0), "f")


@frozen
class Lost:
    """Points lost at one item: how many, why, and which evidence key shows it."""

    path: str
    title: str
    points: Decimal
    reason: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "title": self.title, "points": _s(self.points), "reason": self.reason, "evidence": self.evidence}


@frozen
class VetoHit:
    """A veto (一票否决) that was triggered."""

    path: str
    title: str
    reason: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "title": self.title, "reason": self.reason, "evidence": self.evidence}


@frozen
class Missing:
    """A checklist item that must be present for a pass and is not."""

    path: str
    title: str
    item: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "title": self.title, "item": self.item, "evidence": self.evidence}


@frozen(kw_only=True)
class NodeScore:
    """Points of one node: ``points`` of ``max`` base, ``bonus`` of ``bonus_max``."""

    path: str
    key: str
    title: str
    kind: str  # "group" or "item"
    type: str
    max: Decimal
    points: Decimal
    bonus: Decimal = Decimal(0)
    bonus_max: Decimal = Decimal(0)
    children: tuple[NodeScore, ...] = ()
    detail: str = ""
    refs: tuple[tuple[str, str], ...] = ()

    def walk(self) -> Iterator[NodeScore]:
        yield self
        for c in self.children:
            yield from c.walk()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path, "title": self.title, "kind": self.kind, "points": _s(self.points), "max": _s(self.max)}
        if self.type:
            d["type"] = self.type
        if self.bonus or self.bonus_max:
            d["bonus"], d["bonus_max"] = _s(self.bonus), _s(self.bonus_max)
        if self.detail:
            d["detail"] = self.detail
        if self.refs:
            d["records"] = dict(self.refs)
        if self.children:
            d["children"] = [c.to_dict() for c in self.children]
        return d


@frozen(kw_only=True)
class ScoreCard:
    """The result of one assessment.

    ``total = base + bonus``; ``base`` never exceeds ``max_points``; ``bonus``
    never counts toward ``base``.  ``passed`` is false when a veto fired
    (``vetoed``), a required checklist item is ``missing``, or the score is
    below the passing grade.  ``lost`` lists every lost point with its reason.
    """

    scheme: str
    scheme_title: str
    nodes: tuple[NodeScore, ...]
    base: Decimal
    bonus: Decimal
    total: Decimal
    max_points: Decimal
    bonus_max: Decimal
    vetoed: bool
    passed: bool
    grade: str
    vetoes: tuple[VetoHit, ...] = ()
    lost: tuple[Lost, ...] = ()
    missing: tuple[Missing, ...] = ()
    unit: str = ""
    period: str = ""
    scheme_version: str = ""
    partial: bool = False
    bonus_capped: bool = False

    def walk(self) -> Iterator[NodeScore]:
        """Every node, depth first."""
        for n in self.nodes:
            yield from n.walk()

    def node(self, path: str) -> NodeScore:
        """The score of one node by dotted path."""
        for n in self.walk():
            if n.path == path:
                return n
        raise SchemeError(f"scorecard of {self.scheme!r} has no node {path!r}")

    @property
    def points_lost(self) -> Decimal:
        return sum((x.points for x in self.lost), Decimal(0))

    def __str__(self) -> str:
        return self.to_text("zh_CN")

    def to_text(self, locale: str = "zh_CN") -> str:
        """A readable report; ``locale="en"`` for English labels (titles stay as the scheme wrote them)."""
        en = locale.lower().startswith("en")
        who = " — ".join(x for x in (self.unit, self.period) if x)
        lines = [f"{self.scheme_title}（{self.scheme}）" + (f" — {who}" if who else "")]
        if self.partial:
            lines.append("Note: partial scheme (some values not known from the sources)" if en else "注意：本方案不完整（部分分值来源未载明）")
        if en:
            lines.append(f"Total {_s(self.total)} = base {_s(self.base)} / {_s(self.max_points)} + bonus {_s(self.bonus)}"
                         + (f" / {_s(self.bonus_max)}" if self.bonus_max else ""))
            lines.append(f"Grade: {self.grade}   Result: {'PASS' if self.passed else 'FAIL'}")
        else:
            lines.append(f"总分 {_s(self.total)} ＝ 基本分 {_s(self.base)}／{_s(self.max_points)} ＋ 特色加分 {_s(self.bonus)}"
                         + (f"／{_s(self.bonus_max)}" if self.bonus_max else ""))
            lines.append(f"等级：{self.grade}　结论：{'通过' if self.passed else '未通过'}")
        if self.vetoes:
            lines.append("Vetoes:" if en else "一票否决：")
            lines += [f"  ✗ {v.title} ({v.evidence})" if en else f"  ✗ {v.title}〔证据 {v.evidence}〕" for v in self.vetoes]
        lines.append("Points by criterion:" if en else "各项得分：")
        for i, n in enumerate(self.nodes):
            label = f"{_NUMERALS[i]}、" if i < len(_NUMERALS) and not en else f"{i + 1}. "
            self._node_lines(n, label, 1, lines, en)
        if self.lost:
            lines.append(f"Points lost ({_s(self.points_lost)}):" if en else f"失分明细（共 {_s(self.points_lost)} 分）：")
            for x in self.lost:
                lines.append(f"  - {x.path} {x.title}: −{_s(x.points)} — {x.reason} [{x.evidence}]" if en
                             else f"  - {x.title}：失 {_s(x.points)} 分 — {x.reason}〔证据 {x.evidence}〕")
        if self.missing:
            lines.append("Missing (required for a pass):" if en else "缺项（须全部具备才能通过）：")
            lines += [f"  - {m.title}: {m.item}" if en else f"  - {m.title}：{m.item}" for m in self.missing]
        if self.bonus_capped:
            lines.append("Bonus capped at the scheme's maximum." if en else "特色加分已按方案上限封顶。")
        return "\n".join(lines)

    def _node_lines(self, n: NodeScore, label: str, depth: int, lines: list[str], en: bool) -> None:
        pad = "  " * depth
        if n.kind == "item" and n.type == "veto":
            score = n.detail
        elif n.bonus_max and not n.max:
            score = (f"bonus {_s(n.bonus)} / {_s(n.bonus_max)}" if en else f"加分 {_s(n.bonus)}／{_s(n.bonus_max)}")
        else:
            score = f"{_s(n.points)} / {_s(n.max)}" if en else f"{_s(n.points)}／{_s(n.max)}"
            if n.kind == "group" and n.bonus:
                score += f" (+{_s(n.bonus)} bonus)" if en else f"（另加分 {_s(n.bonus)}）"
        extra = f"  [{n.detail}]" if n.kind == "item" and n.detail and n.type != "veto" else ""
        lines.append(f"{pad}{label}{n.title}  {score}{extra}")
        for c in n.children:
            self._node_lines(c, "", depth + 1, lines, en)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, versioned by ``format``; points as exact decimal strings."""
        return {
            "format": CARD_FORMAT,
            "scheme": {"code": self.scheme, "title": self.scheme_title, "version": self.scheme_version, "partial": self.partial},
            "unit": self.unit,
            "period": self.period,
            "total": _s(self.total),
            "base": _s(self.base),
            "max_points": _s(self.max_points),
            "bonus": _s(self.bonus),
            "bonus_max": _s(self.bonus_max),
            "bonus_capped": self.bonus_capped,
            "grade": self.grade,
            "passed": self.passed,
            "vetoed": self.vetoed,
            "vetoes": [v.to_dict() for v in self.vetoes],
            "lost": [x.to_dict() for x in self.lost],
            "missing": [m.to_dict() for m in self.missing],
            "nodes": [n.to_dict() for n in self.nodes],
        }


# -- comparison ------------------------------------------------------------------------


@frozen
class Move:
    """Points of one node in two cards: ``delta = after − before`` (base and bonus together)."""

    path: str
    title: str
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "title": self.title, "before": _s(self.before), "after": _s(self.after), "delta": _s(self.delta)}


@frozen(kw_only=True)
class Comparison:
    """Where points moved between card ``a`` (before / unit A) and ``b`` (after / unit B)."""

    scheme: str
    a: ScoreCard
    b: ScoreCard
    moves: tuple[Move, ...]
    vetoes_added: tuple[str, ...] = ()
    vetoes_removed: tuple[str, ...] = ()
    missing_added: tuple[str, ...] = ()
    missing_removed: tuple[str, ...] = ()

    @property
    def total_delta(self) -> Decimal:
        return self.b.total - self.a.total

    @property
    def item_moves(self) -> tuple[Move, ...]:
        """Moves of items only (the leaves), where the points actually changed."""
        leaves = {n.path for n in self.b.walk() if n.kind == "item"} | {n.path for n in self.a.walk() if n.kind == "item"}
        return tuple(m for m in self.moves if m.path in leaves)

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self, locale: str = "zh_CN") -> str:
        en = locale.lower().startswith("en")
        name_a = self.a.unit or self.a.period or "A"
        name_b = self.b.unit or self.b.period or "B"
        if self.a.unit == self.b.unit and self.a.period != self.b.period:
            name_a, name_b = self.a.period or "A", self.b.period or "B"
        sign = "+" if self.total_delta > 0 else ""
        lines = [
            f"{self.b.scheme_title}: {name_a} → {name_b}",
            (f"Total {_s(self.a.total)} → {_s(self.b.total)} ({sign}{_s(self.total_delta)}); grade {self.a.grade} → {self.b.grade}" if en
             else f"总分 {_s(self.a.total)} → {_s(self.b.total)}（{sign}{_s(self.total_delta)}）；等级 {self.a.grade} → {self.b.grade}"),
        ]
        moves = self.item_moves
        if not moves:
            lines.append("No item changed." if en else "各项得分无变化。")
        for m in sorted(moves, key=lambda m: m.delta):
            s = "+" if m.delta > 0 else ""
            lines.append(f"  {m.title}: {_s(m.before)} → {_s(m.after)} ({s}{_s(m.delta)})" if en
                         else f"  {m.title}：{_s(m.before)} → {_s(m.after)}（{s}{_s(m.delta)}）")
        for label_en, label_zh, xs in (("veto triggered", "新增一票否决", self.vetoes_added), ("veto cleared", "消除一票否决", self.vetoes_removed),
                                       ("now missing", "新增缺项", self.missing_added), ("now present", "补齐缺项", self.missing_removed)):
            for x in xs:
                lines.append(f"  {label_en}: {x}" if en else f"  {label_zh}：{x}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": COMPARISON_FORMAT,
            "scheme": self.scheme,
            "a": {"unit": self.a.unit, "period": self.a.period, "total": _s(self.a.total), "grade": self.a.grade, "passed": self.a.passed},
            "b": {"unit": self.b.unit, "period": self.b.period, "total": _s(self.b.total), "grade": self.b.grade, "passed": self.b.passed},
            "total_delta": _s(self.total_delta),
            "moves": [m.to_dict() for m in self.moves],
            "vetoes_added": list(self.vetoes_added),
            "vetoes_removed": list(self.vetoes_removed),
            "missing_added": list(self.missing_added),
            "missing_removed": list(self.missing_removed),
        }


def compare(a: ScoreCard, b: ScoreCard) -> Comparison:
    """Where points moved from card ``a`` to card ``b`` (this year vs last, or unit vs unit).

    Both cards must come from one scheme; every node whose points (base plus
    bonus) differ is listed, groups and items alike, in scheme order.
    """
    if a.scheme != b.scheme:
        raise SchemeError(f"cannot compare scorecards of different schemes ({a.scheme!r} and {b.scheme!r})")
    pa = {n.path: n for n in a.walk()}
    moves = []
    for n in b.walk():
        old = pa.get(n.path)
        before = (old.points + old.bonus) if old else Decimal(0)
        after = n.points + n.bonus
        if before != after:
            moves.append(Move(n.path, n.title, before, after))
    va, vb = {v.title for v in a.vetoes}, {v.title for v in b.vetoes}
    ma, mb = {f"{m.title}：{m.item}" for m in a.missing}, {f"{m.title}：{m.item}" for m in b.missing}
    return Comparison(scheme=a.scheme, a=a, b=b, moves=tuple(moves),
                      vetoes_added=tuple(sorted(vb - va)), vetoes_removed=tuple(sorted(va - vb)),
                      missing_added=tuple(sorted(mb - ma)), missing_removed=tuple(sorted(ma - mb)))


# -- county roll-up ------------------------------------------------------------------


@frozen
class WeakItem:
    """An item across units: how many lost points on it, how many points in all, the average score."""

    path: str
    title: str
    max: Decimal
    units_losing: int
    points_lost: Decimal
    average: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "title": self.title, "max": _s(self.max), "units_losing": self.units_losing,
                "points_lost": _s(self.points_lost), "average": _s(self.average)}


@frozen(kw_only=True)
class CountyView:
    """Many units' cards of one scheme: units per grade, passes, vetoes, and the weakest items."""

    scheme: str
    scheme_title: str
    units: int
    by_grade: dict[str, int] = field(eq=False)
    passed: int
    vetoed: int
    average_total: Decimal
    weakest: tuple[WeakItem, ...]
    missing: dict[str, int] = field(eq=False)
    failing_units: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self, locale: str = "zh_CN") -> str:
        en = locale.lower().startswith("en")
        if en:
            lines = [f"{self.scheme_title}: {self.units} units, {self.passed} passed, {self.vetoed} vetoed, average total {_s(self.average_total)}"]
            lines += [f"  {g}: {n}" for g, n in self.by_grade.items()]
            if self.weakest:
                lines.append("Weakest items:")
            lines += [f"  {w.title}: {w.units_losing} units lost {_s(w.points_lost)} points (average {_s(w.average)} / {_s(w.max)})" for w in self.weakest]
        else:
            lines = [f"{self.scheme_title}：共 {self.units} 个单位，通过 {self.passed} 个，一票否决 {self.vetoed} 个，平均总分 {_s(self.average_total)}"]
            lines += [f"  {g}：{n} 个" for g, n in self.by_grade.items()]
            if self.weakest:
                lines.append("失分最多的项目：")
            lines += [f"  {w.title}：{w.units_losing} 个单位失分，共失 {_s(w.points_lost)} 分（平均 {_s(w.average)}／{_s(w.max)}）" for w in self.weakest]
        if self.missing:
            lines.append("Most often missing:" if en else "最常见缺项：")
            lines += [f"  {k}: {n}" if en else f"  {k}：{n} 个单位" for k, n in self.missing.items()]
        if self.failing_units:
            lines.append(("Not passed: " if en else "未通过单位：") + "、".join(self.failing_units))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": COUNTY_FORMAT, "scheme": self.scheme, "units": self.units, "by_grade": dict(self.by_grade),
            "passed": self.passed, "vetoed": self.vetoed, "average_total": _s(self.average_total),
            "weakest": [w.to_dict() for w in self.weakest], "missing": dict(self.missing), "failing_units": list(self.failing_units),
        }


def roll_up(cards: Iterable[ScoreCard], top: int = 10) -> CountyView:
    """Summarise unit scorecards of one scheme into a county view.

    Units per grade (in order of first appearance, grades sorted by count),
    how many passed or were vetoed, the ``top`` items that lost the most
    points across units, and the checklist items most often missing.
    """
    cs = list(cards)
    if not cs:
        raise SchemeError("roll_up() needs at least one scorecard")
    codes = {c.scheme for c in cs}
    if len(codes) > 1:
        raise SchemeError(f"roll_up() needs scorecards of one scheme, got {', '.join(sorted(codes))}")
    grades = Counter(c.grade for c in cs)
    per_item: dict[str, list[NodeScore]] = {}
    for c in cs:
        for n in c.walk():
            if n.kind == "item" and n.max > 0:
                per_item.setdefault(n.path, []).append(n)
    weak = []
    for path, ns in per_item.items():
        lost = sum((n.max - n.points for n in ns), Decimal(0))
        if lost <= 0:
            continue
        avg = (sum((n.points for n in ns), Decimal(0)) / len(ns)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        weak.append(WeakItem(path, ns[0].title, ns[0].max, sum(1 for n in ns if n.points < n.max), lost, avg))
    weak.sort(key=lambda w: (-w.points_lost, -w.units_losing, w.path))
    missing = Counter(f"{m.title}：{m.item}" for c in cs for m in c.missing)
    avg_total = (sum((c.total for c in cs), Decimal(0)) / len(cs)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    failing = tuple(c.unit or f"#{i + 1}" for i, c in enumerate(cs) if not c.passed)
    return CountyView(
        scheme=cs[0].scheme, scheme_title=cs[0].scheme_title, units=len(cs), by_grade=dict(grades.most_common()),
        passed=sum(c.passed for c in cs), vetoed=sum(c.vetoed for c in cs), average_total=avg_total,
        weakest=tuple(weak[:top]), missing=dict(missing.most_common()), failing_units=failing,
    )
