"""Leaf item types of assessment schemes: how one item turns evidence into points.

Built-in types (``type = "…"`` in a scheme file, see ``docs/writing-a-scheme.md``):

========== ============= =====================================================
type       evidence in   points
========== ============= =====================================================
checklist  ``checklists`` ``points`` of each check present (a reference to its
                          supporting record is required); ``all_required``
                          makes every item a condition of passing
threshold  ``metrics``    ``max`` when the metric is ``>=`` / ``<=`` the target,
                          else 0
ratio      ``metrics``    linear between ``floor`` (0) and ``target`` (``max``),
                          capped at both ends
per_count  ``counts``     ``points_each`` × count, capped at ``max``
deduction  ``defects``    ``max`` − ``points_each`` per defect, never below
                          ``floor``
bonus      ``bonus``      特色/加分 claims, capped at ``max``; kept apart from
                          the base score
veto       ``vetoes``     no points; ``true`` fails the whole assessment
                          (一票否决)
========== ============= =====================================================

A rule pack adds a type through ``shuangyong_item_types(register)`` with
``register(name, scorer)``; ``scorer(item, value)`` receives the
:class:`~shuangyong.assessment.schemes.Item` and its evidence value (``None`` when
absent) and returns an :class:`Outcome` (or plain points).  It may raise
``ValueError`` / ``TypeError`` for bad evidence: that becomes one line of the
:class:`~shuangyong.errors.EvidenceError`.  All points are ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from ..errors import SchemeError

if TYPE_CHECKING:
    from .schemes import Item

__all__ = ["SECTIONS", "Outcome", "ItemType", "BUILTIN_TYPES", "CustomType", "to_points", "to_metric", "fmt"]

#: Evidence sections, in the order a scorecard lists them.
SECTIONS = ("metrics", "checklists", "counts", "defects", "bonus", "vetoes")

_ZERO = Decimal(0)


@frozen
class Outcome:
    """What an item scored: points, each lost point with its reason, and flags.

    ``lost`` holds ``(points, reason)`` pairs; ``missing`` the checklist items
    required and absent; ``refs`` the ``(item, supporting record)`` pairs seen.
    """

    points: Decimal
    lost: tuple[tuple[Decimal, str], ...] = field(default=(), converter=tuple)
    vetoed: bool = False
    veto_reason: str = ""
    missing: tuple[str, ...] = field(default=(), converter=tuple)
    refs: tuple[tuple[str, str], ...] = field(default=(), converter=tuple)
    detail: str = ""


# -- value helpers ----------------------------------------------------------------


def to_points(value: Any, what: str) -> Decimal:
    """A point value from a scheme file (int, Decimal or numeric string); floats refused."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise SchemeError(f"{what}: points must be a number, not {type(value).__name__} {value!r}")
    try:
        d = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise SchemeError(f"{what}: {value!r} is not a number") from None
    if not d.is_finite():
        raise SchemeError(f"{what}: {value!r} is not a finite number")
    return d


def to_metric(value: Any) -> Decimal:
    """A metric from evidence or a scheme: number, ``"96%"`` or a float (read via its repr).

    Floats are accepted here, unlike money, because a metric such as 受教育面
    ``0.96`` typed in Python is meant as the decimal literal; ``repr`` gives
    exactly that literal back.  Raises ``TypeError`` / ``ValueError``.
    """
    if isinstance(value, bool):
        raise TypeError("expected a number, got a boolean")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, str):
        s = value.strip().replace("％", "%")
        try:
            d = Decimal(s[:-1].strip()) / 100 if s.endswith("%") else Decimal(s)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number (write 0.96 or \"96%\")") from None
    else:
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if not d.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return d


def fmt(d: Decimal) -> str:
    """Points for display: no exponent, trailing zeros kept as the scheme's places give them."""
    return format(d, "f")


def _q(d: Decimal, places: int) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# -- the item type protocol --------------------------------------------------------------


class ItemType:
    """Base of the built-in types: parse the scheme fields, check and score evidence.

    ``fields`` names the type-specific keys a scheme item may carry (``None``
    value = optional).  ``section`` is where its evidence lives.
    """

    name = ""
    section = "metrics"
    fields: tuple[str, ...] = ()
    bonus = False  # counts toward the bonus, never the base

    def parse(self, spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], Decimal]:
        """Validate the type-specific fields; return (params, max points)."""
        raise NotImplementedError

    def check(self, item: Item, value: Any) -> list[str]:
        """Problems with ``value`` as evidence for ``item`` (empty list: fine)."""
        return []

    def score(self, item: Item, value: Any) -> Outcome:
        raise NotImplementedError


def _need(spec: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in spec:
        raise SchemeError(f"{where}: type {spec.get('type')!r} needs {key!r}")
    return spec[key]


def _max(spec: Mapping[str, Any], where: str) -> Decimal:
    m = to_points(_need(spec, "max", where), f"{where}.max")
    if m < 0:
        raise SchemeError(f"{where}.max: must not be negative")
    return m


def _op(spec: Mapping[str, Any], where: str) -> str:
    op = str(spec.get("op", ">=")).replace("≥", ">=").replace("≤", "<=")
    if op not in (">=", "<="):
        raise SchemeError(f"{where}.op: must be \">=\" or \"<=\", not {spec.get('op')!r}")
    return op


def _metric_param(spec: Mapping[str, Any], key: str, where: str) -> Decimal:
    try:
        return to_metric(_need(spec, key, where))
    except (TypeError, ValueError) as e:
        raise SchemeError(f"{where}.{key}: {e}") from None


def _check_metric(item: Item, value: Any) -> list[str]:
    try:
        to_metric(value)
    except (TypeError, ValueError) as e:
        return [f"{item.evidence_ref}: {e} (item {item.path})"]
    return []


class Checklist(ItemType):
    name = "checklist"
    section = "checklists"
    fields = ("checks", "points_each", "all_required", "max")

    def parse(self, spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], Decimal]:
        raw = _need(spec, "checks", where)
        if not isinstance(raw, list) or not raw:
            raise SchemeError(f"{where}.checks: a non-empty list of check names (or {{name, points}} tables)")
        each = to_points(spec["points_each"], f"{where}.points_each") if "points_each" in spec else None
        names: list[str] = []
        points: list[Decimal | None] = []
        for i, it in enumerate(raw):
            if isinstance(it, str):
                names.append(it.strip())
                points.append(None)
            elif isinstance(it, Mapping):
                extra = set(it) - {"name", "points", "note"}
                if extra or "name" not in it:
                    raise SchemeError(f"{where}.checks[{i}]: a table needs 'name' (and optional 'points', 'note'); unknown {sorted(extra)}")
                names.append(str(it["name"]).strip())
                points.append(to_points(it["points"], f"{where}.checks[{i}].points") if "points" in it else None)
            else:
                raise SchemeError(f"{where}.checks[{i}]: expected a name or a table, not {type(it).__name__}")
        if any(not n for n in names) or len(set(names)) != len(names):
            raise SchemeError(f"{where}.checks: names must be non-empty and distinct")
        n_unset = sum(p is None for p in points)
        if n_unset and each is None:
            if "max" not in spec:
                each = Decimal(1)  # a plain checklist: one point per item
            else:
                rest = to_points(spec["max"], f"{where}.max") - sum((p for p in points if p is not None), _ZERO)
                each = rest / n_unset
                if each != each.quantize(Decimal("0.0001")):
                    raise SchemeError(f"{where}: max does not divide evenly over {n_unset} items; give points_each")
        table = {n: (p if p is not None else each) for n, p in zip(names, points, strict=True)}
        total = sum(table.values(), _ZERO)  # type: ignore[arg-type]
        if "max" in spec and to_points(spec["max"], f"{where}.max") != total:
            raise SchemeError(f"{where}.max is {spec['max']} but its checks add up to {fmt(total)}")
        return {"checks": table, "all_required": bool(spec.get("all_required", False))}, total

    def check(self, item: Item, value: Any) -> list[str]:
        if not isinstance(value, Mapping):
            return [f"{item.evidence_ref}: expected a table {{item name = \"supporting record\"}}, got {type(value).__name__} (item {item.path})"]
        out = []
        known = item.params["checks"]
        for name, ref in value.items():
            if name not in known:
                out.append(f"{item.evidence_ref}.{name}: not a check of checklist {item.path} (checks: {'、'.join(known)})")
            elif ref is False:
                continue  # stated absent
            elif not isinstance(ref, str) or not ref.strip():
                out.append(
                    f"{item.evidence_ref}.{name}: give the supporting record as a non-empty string "
                    f"(e.g. \"台帐 2024 第3页\"), or false when absent; got {ref!r}"
                )
        return out

    def score(self, item: Item, value: Any) -> Outcome:
        present = {k: v for k, v in (value or {}).items() if isinstance(v, str) and v.strip()}
        lost, missing = [], []
        pts = _ZERO
        for name, p in item.params["checks"].items():
            if name in present:
                pts += p
            else:
                missing.append(name)
                if p:
                    lost.append((p, f"缺少：{name}"))
        detail = f"具备 {len(present)}/{len(item.params['checks'])} 项"
        required = item.params["all_required"]
        return Outcome(
            points=pts,
            lost=lost,
            missing=missing if required else (),
            refs=tuple(present.items()),
            detail=detail + ("（须全部具备）" if required else ""),
        )


class Threshold(ItemType):
    name = "threshold"
    fields = ("op", "target", "max")

    def parse(self, spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], Decimal]:
        return {"op": _op(spec, where), "target": _metric_param(spec, "target", where)}, _max(spec, where)

    def check(self, item: Item, value: Any) -> list[str]:
        return _check_metric(item, value)

    def score(self, item: Item, value: Any) -> Outcome:
        v = to_metric(value)
        op, target = item.params["op"], item.params["target"]
        ok = v >= target if op == ">=" else v <= target
        sign = "≥" if op == ">=" else "≤"
        if ok:
            return Outcome(points=item.max, detail=f"{fmt(v)} {sign} {fmt(target)}，达标")
        return Outcome(points=_ZERO, lost=[(item.max, f"{fmt(v)} 未达到 {sign} {fmt(target)} 的要求")], detail=f"{fmt(v)}，未达标")


class Ratio(ItemType):
    name = "ratio"
    fields = ("floor", "target", "max")

    def parse(self, spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], Decimal]:
        floor, target = _metric_param(spec, "floor", where), _metric_param(spec, "target", where)
        if floor == target:
            raise SchemeError(f"{where}: floor and target must differ")
        return {"floor": floor, "target": target}, _max(spec, where)

    def check(self, item: Item, value: Any) -> list[str]:
        return _check_metric(item, value)

    def score(self, item: Item, value: Any) -> Outcome:
        v = to_metric(value)
        floor, target = item.params["floor"], item.params["target"]
        # Works both ways: target above floor (higher is better) or below it (lower is better).
        share = (v - floor) / (target - floor)
        share = min(max(share, _ZERO), Decimal(1))
        pts = _q(item.max * share, item.places)
        detail = f"{fmt(v)}：在 {fmt(floor)}（0分）与 {fmt(target)}（满分）之间按比例计分"
        if pts >= item.max:
            return Outcome(points=item.max, detail=f"{fmt(v)} 达到目标 {fmt(target)}")
        return Outcome(points=pts, lost=[(item.max - pts, f"{fmt(v)} 未达到目标 {fmt(target)}（{fmt(floor)} 起按比例计分）")], detail=detail)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise TypeError(f"expected a whole number, got {type(value).__name__}")
    try:
        d = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a whole number") from None
    if d != d.to_integral_value() or d < 0:
        raise ValueError(f"{value!r} is not a whole number ≥ 0")
    return int(d)


class PerCount(ItemType):
    name = "per_count"
    section = "counts"
    fields = ("points_each", "max")

    def parse(self, spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], Decimal]:
        each = to_points(_need(spec, "points_each", where), f"{where}.points_each")
        if each <= 0:
            raise SchemeError(f"{where}.points_each: must be positive")
        return {"points_each": each}, _max(spec, where)

    def check(self, item: Item, value: Any) -> list[str]:
        try:
            _count(value)
        except (TypeError, ValueError) as e:
            return [f"{item.evidence_ref}: {e} (item {item.path})"]
        return []

    def score(self, item: Item, value: Any) -> Outcome:
        n = _count(value)
        raw = item.params["points_each"] * n
        pts = min(raw, item.max)
        detail = f"{n} × {fmt(item.params['points_each'])} = {fmt(raw)}" + ("（封顶）" if raw > item.max else "")
        if pts >= item.max:
            return Outcome(points=item.max, detail=detail)
        return Outcome(points=pts, lost=[(item.max - pts, f"仅 {n} 次/项，每项 {fmt(item.params['points_each'])} 分，未达满分")], detail=detail)


class Deduction(ItemType):
    name = "deduction"
    section = "defects"
    fields = ("points_each", "max", "floor")

    def parse(self, spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], Decimal]:
        each = to_points(_need(spec, "points_each", where), f"{where}.points_each")
        mx = _max(spec, where)
        floor = to_points(spec.get("floor", 0), f"{where}.floor")
        if each <= 0 or not (0 <= floor <= mx):
            raise SchemeError(f"{where}: points_each must be positive and 0 ≤ floor ≤ max")
        return {"points_each": each, "floor": floor}, mx

    def check(self, item: Item, value: Any) -> list[str]:
        if isinstance(value, list):
            bad = [i for i, d in enumerate(value) if not isinstance(d, str) or not d.strip()]
            return [f"{item.evidence_ref}[{i}]: each defect must be a non-empty description" for i in bad]
        try:
            _count(value)
        except (TypeError, ValueError) as e:
            return [f"{item.evidence_ref}: {e}; give a count or a list of defect descriptions (item {item.path})"]
        return []

    def score(self, item: Item, value: Any) -> Outcome:
        defects = [d.strip() for d in value] if isinstance(value, list) else [f"问题 {i + 1}" for i in range(_count(value))]
        each, floor = item.params["points_each"], item.params["floor"]
        pts, lost, beyond = item.max, [], 0
        for d in defects:
            cut = min(each, pts - floor)
            if cut <= 0:
                beyond += 1  # already at the floor: the defect is listed in the detail, no point is lost
                continue
            pts -= cut
            lost.append((cut, f"扣分：{d}"))
        detail = f"{len(defects)} 个问题，每个扣 {fmt(each)} 分，最低 {fmt(floor)} 分"
        if beyond:
            detail += f"（另有 {beyond} 个问题因已扣至下限未再扣分）"
        return Outcome(points=pts, lost=lost, detail=detail)


class Bonus(ItemType):
    name = "bonus"
    section = "bonus"
    fields = ("points_each", "options", "max")
    bonus = True

    def parse(self, spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], Decimal]:
        mx = _max(spec, where)
        options = spec.get("options")
        if options is not None:
            if not isinstance(options, Mapping) or not options:
                raise SchemeError(f"{where}.options: a table {{claim name = points}}")
            opts = {str(k): to_points(v, f"{where}.options.{k}") for k, v in options.items()}
            return {"options": opts, "points_each": None}, mx
        each = to_points(_need(spec, "points_each", where), f"{where}.points_each")
        return {"options": None, "points_each": each}, mx

    def check(self, item: Item, value: Any) -> list[str]:
        if not isinstance(value, Mapping):
            return [f"{item.evidence_ref}: expected a table {{claim = \"supporting record\"}}, got {type(value).__name__} (item {item.path})"]
        out = []
        opts = item.params["options"]
        for name, ref in value.items():
            if opts is not None and name not in opts:
                out.append(f"{item.evidence_ref}.{name}: not a bonus option of {item.path} (options: {'、'.join(opts)})")
            elif not isinstance(ref, str) or not ref.strip():
                out.append(f"{item.evidence_ref}.{name}: give the supporting record as a non-empty string; got {ref!r}")
        return out

    def score(self, item: Item, value: Any) -> Outcome:
        claims = dict(value or {})
        opts, each = item.params["options"], item.params["points_each"]
        raw = sum(((opts[c] if opts is not None else each) for c in claims), _ZERO)
        pts = min(raw, item.max)
        detail = f"加分项 {len(claims)} 项，合计 {fmt(raw)} 分" + (f"，封顶 {fmt(item.max)} 分" if raw > item.max else "")
        return Outcome(points=pts, refs=tuple((k, str(v)) for k, v in claims.items()), detail=detail)


class Veto(ItemType):
    name = "veto"
    section = "vetoes"
    fields = ("max",)

    def parse(self, spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], Decimal]:
        if "max" in spec and to_points(spec["max"], f"{where}.max") != 0:
            raise SchemeError(f"{where}: a veto carries no points (max = 0 or leave it out)")
        return {}, _ZERO

    def check(self, item: Item, value: Any) -> list[str]:
        if not isinstance(value, bool):
            return [f"{item.evidence_ref}: expected true (occurred) or false (did not occur), got {value!r} (item {item.path})"]
        return []

    def score(self, item: Item, value: Any) -> Outcome:
        if value:
            return Outcome(points=_ZERO, vetoed=True, veto_reason=f"一票否决：{item.title}", detail="发生，一票否决")
        return Outcome(points=_ZERO, detail="未发生")


BUILTIN_TYPES: dict[str, ItemType] = {t.name: t for t in (Checklist(), Threshold(), Ratio(), PerCount(), Deduction(), Bonus(), Veto())}


class CustomType(ItemType):
    """An item type a pack registered: ``scorer(item, value)``; ``max`` is required, ``section`` optional."""

    def __init__(self, name: str, scorer: Callable[..., Any]) -> None:
        self.name = name
        self.scorer = scorer
        self.section = str(getattr(scorer, "section", "metrics"))
        self.bonus = bool(getattr(scorer, "bonus", False))

    def parse(self, spec: Mapping[str, Any], where: str) -> tuple[dict[str, Any], Decimal]:  # pragma: no cover - custom params parsed by scoring
        return {}, _max(spec, where)

    def check(self, item: Item, value: Any) -> list[str]:
        check = getattr(self.scorer, "check", None)
        if check is None:
            return []
        try:
            return [f"{item.evidence_ref}: {p}" for p in check(item, value)]
        except (TypeError, ValueError) as e:
            return [f"{item.evidence_ref}: {e} (item {item.path})"]

    def score(self, item: Item, value: Any) -> Outcome:
        out = self.scorer(item, value)
        if isinstance(out, Outcome):
            result = out
        elif isinstance(out, (int, Decimal)) and not isinstance(out, bool):
            pts = Decimal(out)
            result = Outcome(points=pts, lost=[(item.max - pts, f"{item.title}：未得满分")] if pts < item.max else [])
        else:
            raise SchemeError(f"item type {self.name!r}: scorer returned {type(out).__name__}; return an Outcome or Decimal points")
        if not isinstance(result.points, Decimal):
            result = Outcome(Decimal(result.points), result.lost, result.vetoed, result.veto_reason, result.missing, result.refs, result.detail)
        if result.points < 0 or result.points > item.max:
            raise SchemeError(f"item type {self.name!r}: scorer gave {result.points} points for {item.path}, outside 0…{item.max}")
        return result
