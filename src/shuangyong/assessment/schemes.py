"""Assessment schemes (双拥模范城（县） 考评, grassroots checklists) and scoring evidence against them.

A :class:`Scheme` is a tree of criteria with maximum points, written as TOML
(``docs/writing-a-scheme.md`` is the exact format) and registered by a rule
pack through ``shuangyong_schemes(register)``.  Leaves are items of a type
(checklist, threshold, ratio, per_count, deduction, bonus, veto — see
:mod:`shuangyong.assessment.items` — or one a pack registered).

Evidence is a TOML/JSON file or a dict with the sections ``metrics``,
``checklists``, ``counts``, ``defects``, ``bonus`` and ``vetoes``; each item
reads one key of its section.  Unknown keys, missing required evidence and
values of the wrong type are all collected and raised together as one
:class:`~shuangyong.errors.EvidenceError` naming each key.

``assess(scheme, evidence)`` gives a :class:`ScoreCard` (points per node,
each lost point with its reason and evidence key, bonus apart from base,
vetoes, grade).  ``compare(a, b)`` lists where points moved; ``roll_up(cards)``
gives a county view.  Points are ``Decimal`` throughout.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from attrs import field, frozen

from ..errors import EvidenceError, SchemeError
from ..params import Source
from .scorecard import (
    Comparison,
    CountyView,
    Lost,
    Missing,
    Move,
    NodeScore,
    ScoreCard,
    VetoHit,
    WeakItem,
    compare,
    roll_up,
)
from .items import BUILTIN_TYPES, SECTIONS, CustomType, ItemType, Outcome, fmt, to_points

__all__ = [
    "FORMAT",
    "SECTIONS",
    "META_KEYS",
    "Grade",
    "Item",
    "Group",
    "Scheme",
    "load_scheme",
    "scheme_from_dict",
    "load_evidence",
    "assess",
    "Outcome",
    "ScoreCard",
    "NodeScore",
    "Lost",
    "VetoHit",
    "Missing",
    "compare",
    "Comparison",
    "Move",
    "roll_up",
    "CountyView",
    "WeakItem",
]

#: The scheme file format version this module reads.
FORMAT = 1

#: Keys of an evidence document that describe it rather than give evidence.
META_KEYS = ("format", "scheme", "unit", "period", "assessed_on", "assessor", "notes")

_SCHEME_KEYS = {
    "format", "code", "title", "kind", "version", "jurisdiction", "description", "places", "pass_mark",
    "grades_on", "pass_grade", "fail_grade", "veto_grade", "bonus_max", "assumptions", "sources", "grades",
    "criteria", "partial",
}
_NODE_KEYS = {"key", "title", "max", "source", "note", "items"}
_LEAF_KEYS = {"key", "title", "type", "evidence", "required", "source", "note"}
_GRADE_KEYS = {"name", "min", "passing", "note"}


@frozen
class Grade:
    """A grade band: the card gets the highest band whose ``min`` the score reaches."""

    name: str
    min: Decimal
    passing: bool = True
    note: str = ""


@frozen(kw_only=True)
class Item:
    """A leaf criterion: its type, points, and the evidence key it reads (``section.evidence``)."""

    key: str
    path: str
    title: str
    type: str
    max: Decimal
    section: str
    evidence: str
    required: bool
    params: dict[str, Any] = field(eq=False, hash=False)
    shared: bool = False  # evidence key named explicitly, so other items may read it too
    bonus: bool = False
    places: int = 2
    source: Source | None = None
    note: str = ""

    @property
    def evidence_ref(self) -> str:
        """Where the evidence lives, e.g. ``metrics.城镇退役士兵安置率``."""
        return f"{self.section}.{self.evidence}"


@frozen(kw_only=True)
class Group:
    """An inner criterion: children, with the base points and the bonus cap they add up to."""

    key: str
    path: str
    title: str
    children: tuple[Item | Group, ...]
    max: Decimal
    bonus_max: Decimal
    source: Source | None = None
    note: str = ""


@frozen(kw_only=True)
class Scheme:
    """An assessment scheme: criteria tree, grades, sources and stated assumptions."""

    code: str
    title: str
    criteria: tuple[Item | Group, ...]
    kind: str = "assessment"
    version: str = ""
    jurisdiction: str = "national"
    description: str = ""
    places: int = 2
    pass_mark: Decimal | None = None
    grades: tuple[Grade, ...] = ()
    grades_on: str = "total"
    pass_grade: str = "合格"
    fail_grade: str = "不合格"
    veto_grade: str = "一票否决"
    bonus_cap: Decimal | None = None
    partial: bool = False
    assumptions: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    path: str = ""

    @property
    def max_points(self) -> Decimal:
        """The most base points the scheme can give (bonus excluded)."""
        return sum((n.max for n in self.criteria if not (isinstance(n, Item) and n.bonus)), Decimal(0))

    @property
    def bonus_max(self) -> Decimal:
        """The most bonus points: the sum of bonus items' caps, or the scheme's own cap if lower."""
        raw = sum((n.bonus_max if isinstance(n, Group) else (n.max if n.bonus else Decimal(0)) for n in self.criteria), Decimal(0))
        return raw if self.bonus_cap is None else min(raw, self.bonus_cap)

    def leaves(self) -> Iterator[Item]:
        """Every item, depth first, in file order."""

        def walk(nodes: tuple[Item | Group, ...]) -> Iterator[Item]:
            for n in nodes:
                if isinstance(n, Group):
                    yield from walk(n.children)
                else:
                    yield n

        return walk(self.criteria)

    def node(self, path: str) -> Item | Group:
        """A node by its dotted path (``organisation.budget``)."""
        nodes: tuple[Item | Group, ...] = self.criteria
        found: Item | Group | None = None
        for part in path.split("."):
            found = next((n for n in nodes if n.key == part), None)
            if found is None:
                raise SchemeError(f"scheme {self.code!r} has no node {path!r}")
            nodes = found.children if isinstance(found, Group) else ()
        assert found is not None
        return found

    def evidence_template(self) -> dict[str, dict[str, Any]]:
        """A blank evidence document: every key each item reads, with a placeholder showing its shape."""
        out: dict[str, dict[str, Any]] = {}
        for it in self.leaves():
            shape: Any
            if it.type == "checklist":
                shape = {name: "佐证记录（缺少则写 false）" for name in it.params["checks"]}
            elif it.type == "bonus":
                shape = {}
            elif it.type == "veto":
                shape = False
            elif it.type in ("per_count", "deduction"):
                shape = 0
            else:
                shape = "数值"
            out.setdefault(it.section, {})[it.evidence] = shape
        return out

    def __repr__(self) -> str:
        return f"Scheme(code={self.code!r}, title={self.title!r}, max_points={fmt(self.max_points)})"


# -- loading ---------------------------------------------------------------------------


def load_scheme(path: str | os.PathLike[str], item_types: Mapping[str, Any] | None = None) -> Scheme:
    """Read a scheme TOML file (format: ``docs/writing-a-scheme.md``); errors name the file and key."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = tomllib.load(f, parse_float=Decimal)
    except OSError as e:
        raise SchemeError(f"{p}: cannot read scheme file ({e.strerror or e})") from e
    except tomllib.TOMLDecodeError as e:
        raise SchemeError(f"{p}: not valid TOML ({e})") from e
    return scheme_from_dict(data, origin=str(p), item_types=item_types)


def scheme_from_dict(data: Mapping[str, Any], origin: str = "<scheme>", item_types: Mapping[str, Any] | None = None) -> Scheme:
    """Build a :class:`Scheme` from the parsed TOML table (or an equivalent dict)."""
    try:
        return _build_scheme(data, origin, item_types or {})
    except SchemeError as e:
        if str(e).startswith(origin):
            raise
        raise SchemeError(f"{origin}: {e}") from None


def _build_scheme(data: Mapping[str, Any], origin: str, item_types: Mapping[str, Any]) -> Scheme:
    extra = set(data) - _SCHEME_KEYS
    if extra:
        raise SchemeError(f"unknown top-level keys {sorted(extra)}; allowed: {sorted(_SCHEME_KEYS)}")
    fmt_version = data.get("format", FORMAT)
    if fmt_version != FORMAT:
        raise SchemeError(f"format = {fmt_version!r}; this version of shuangyong reads format {FORMAT}")
    for k in ("code", "title", "criteria"):
        if k not in data:
            raise SchemeError(f"missing required key {k!r}")
    code = str(data["code"]).strip()
    if not code or any(c.isspace() for c in code):
        raise SchemeError(f"code {data['code']!r}: must be non-empty, without spaces")
    places = data.get("places", 2)
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 6:
        raise SchemeError(f"places: a whole number 0–6, not {places!r}")
    if not isinstance(data["criteria"], list) or not data["criteria"]:
        raise SchemeError("criteria: a non-empty array of tables ([[criteria]])")
    types: dict[str, ItemType] = dict(BUILTIN_TYPES)
    types.update({n: CustomType(n, s) for n, s in item_types.items()})
    criteria = tuple(_node(spec, f"criteria[{i}]", "", types, places) for i, spec in enumerate(data["criteria"]))
    _unique([n.key for n in criteria], "criteria")
    _check_evidence_keys(criteria)
    grades = tuple(sorted((_grade(g, i) for i, g in enumerate(data.get("grades", []))), key=lambda g: -g.min))
    grades_on = str(data.get("grades_on", "total"))
    if grades_on not in ("total", "base"):
        raise SchemeError(f"grades_on: \"total\" or \"base\", not {grades_on!r}")
    sources = data.get("sources", [])
    if not isinstance(sources, list):
        raise SchemeError("sources: an array of source tables")
    assumptions = data.get("assumptions", [])
    if not isinstance(assumptions, list) or not all(isinstance(a, str) for a in assumptions):
        raise SchemeError("assumptions: an array of strings")
    return Scheme(
        code=code,
        title=str(data["title"]),
        criteria=criteria,
        kind=str(data.get("kind", "assessment")),
        version=str(data.get("version", "")),
        jurisdiction=str(data.get("jurisdiction", "national")),
        description=str(data.get("description", "")),
        places=places,
        pass_mark=to_points(data["pass_mark"], "pass_mark") if "pass_mark" in data else None,
        grades=grades,
        grades_on=grades_on,
        pass_grade=str(data.get("pass_grade", "合格")),
        fail_grade=str(data.get("fail_grade", "不合格")),
        veto_grade=str(data.get("veto_grade", "一票否决")),
        bonus_cap=to_points(data["bonus_max"], "bonus_max") if "bonus_max" in data else None,
        partial=bool(data.get("partial", False)),
        assumptions=tuple(assumptions),
        sources=tuple(_source(s, f"sources[{i}]") for i, s in enumerate(sources)),
        path=origin,
    )


def _source(spec: Any, where: str) -> Source:
    if not isinstance(spec, Mapping):
        raise SchemeError(f"{where}: a source table {{document, certainty, number, article, note}}")
    try:
        return Source.from_dict(spec)
    except (TypeError, ValueError) as e:
        raise SchemeError(f"{where}: {e}") from None


def _grade(spec: Any, i: int) -> Grade:
    where = f"grades[{i}]"
    if not isinstance(spec, Mapping) or "name" not in spec or "min" not in spec:
        raise SchemeError(f"{where}: a table with 'name' and 'min'")
    extra = set(spec) - _GRADE_KEYS
    if extra:
        raise SchemeError(f"{where}: unknown keys {sorted(extra)}")
    return Grade(str(spec["name"]), to_points(spec["min"], f"{where}.min"), bool(spec.get("passing", True)), str(spec.get("note", "")))


def _unique(keys: list[str], where: str) -> None:
    seen: set[str] = set()
    for k in keys:
        if k in seen:
            raise SchemeError(f"{where}: key {k!r} appears twice")
        seen.add(k)


def _node(spec: Any, where: str, parent: str, types: Mapping[str, ItemType], places: int) -> Item | Group:
    if not isinstance(spec, Mapping):
        raise SchemeError(f"{where}: expected a table")
    key = str(spec.get("key", "")).strip()
    if not key or "." in key:
        raise SchemeError(f"{where}: every node needs a 'key' (non-empty, without '.')")
    path = f"{parent}.{key}" if parent else key
    where = f"{where} ({path})"
    if "title" not in spec:
        raise SchemeError(f"{where}: missing 'title'")
    source = _source(spec["source"], f"{where}.source") if "source" in spec else None
    if "items" in spec and "type" in spec:
        raise SchemeError(f"{where}: a node has either 'items' (a group) or 'type' (an item), not both")
    if "items" in spec:
        extra = set(spec) - _NODE_KEYS
        if extra:
            raise SchemeError(f"{where}: unknown keys {sorted(extra)} for a group; allowed: {sorted(_NODE_KEYS)}")
        if not isinstance(spec["items"], list) or not spec["items"]:
            raise SchemeError(f"{where}.items: a non-empty array of tables")
        children = tuple(_node(c, f"{where}.items[{i}]", path, types, places) for i, c in enumerate(spec["items"]))
        _unique([c.key for c in children], f"{where}.items")
        base = sum((c.max for c in children if isinstance(c, Group) or not c.bonus), Decimal(0))
        bonus = sum((c.bonus_max if isinstance(c, Group) else (c.max if c.bonus else Decimal(0)) for c in children), Decimal(0))
        if "max" in spec and to_points(spec["max"], f"{where}.max") != base:
            raise SchemeError(f"{where}.max is {spec['max']} but its items' base points add up to {fmt(base)}")
        return Group(key=key, path=path, title=str(spec["title"]), children=children, max=base, bonus_max=bonus,
                     source=source, note=str(spec.get("note", "")))
    if "type" not in spec:
        raise SchemeError(f"{where}: a node needs 'items' (a group) or 'type' (an item)")
    tname = str(spec["type"])
    itype = types.get(tname)
    custom = itype is None or isinstance(itype, CustomType)
    if custom:
        # A pack's type: its own fields are kept as params; it needs a max and may name its section.
        params = {k: v for k, v in spec.items() if k not in _LEAF_KEYS | {"max", "section", "bonus"}}
        mx = to_points(spec["max"], f"{where}.max") if "max" in spec else None
        if mx is None or mx < 0:
            raise SchemeError(f"{where}: item type {tname!r} (from a pack) needs 'max' ≥ 0")
        section = str(spec.get("section", "metrics"))
        if section not in SECTIONS:
            raise SchemeError(f"{where}.section: one of {', '.join(SECTIONS)}")
        bonus = bool(spec.get("bonus", False))
    else:
        assert itype is not None
        allowed = _LEAF_KEYS | set(itype.fields)
        extra = set(spec) - allowed
        if extra:
            raise SchemeError(f"{where}: unknown keys {sorted(extra)} for type {tname!r}; allowed: {sorted(allowed)}")
        params, mx = itype.parse(spec, where)
        section, bonus = itype.section, itype.bonus
    required = spec.get("required", not bonus)
    if not isinstance(required, bool):
        raise SchemeError(f"{where}.required: true or false")
    evidence = str(spec.get("evidence", key)).strip()
    if not evidence:
        raise SchemeError(f"{where}.evidence: must not be empty")
    return Item(key=key, path=path, title=str(spec["title"]), type=tname, max=mx, section=section, evidence=evidence,
                shared="evidence" in spec, required=required, params=params, bonus=bonus, places=places, source=source, note=str(spec.get("note", "")))


def _check_evidence_keys(criteria: tuple[Item | Group, ...]) -> None:
    # Two items may read one evidence key only when both say so with `evidence = …`;
    # an accidental clash of default keys would silently score one fact twice.
    seen: dict[tuple[str, str], Item] = {}
    scheme = Scheme(code="-", title="-", criteria=criteria)
    for it in scheme.leaves():
        k = (it.section, it.evidence)
        if k in seen:
            other = seen[k]
            if not (it.shared and other.shared):
                raise SchemeError(
                    f"items {other.path} and {it.path} both read evidence {it.evidence_ref}; "
                    "give each a distinct key, or set evidence = \"…\" on both to share it on purpose"
                )
        seen[k] = it


# -- evidence ----------------------------------------------------------------------------


def load_evidence(source: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """Evidence as a dict: from a mapping, or a ``.toml`` / ``.json`` file (numbers read as Decimal)."""
    if isinstance(source, Mapping):
        return dict(source)
    p = Path(source)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise EvidenceError([f"{p}: cannot read evidence file ({e.strerror or e})"]) from e
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(raw.decode("utf-8-sig"), parse_float=Decimal)
        else:
            data = tomllib.loads(raw.decode("utf-8-sig"), parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as e:
        raise EvidenceError([f"{p}: not valid {'JSON' if p.suffix.lower() == '.json' else 'TOML'} ({e})"]) from e
    if not isinstance(data, dict):
        raise EvidenceError([f"{p}: the evidence document must be a table/object"])
    return data


def _types_for(scheme: Scheme, item_types: Mapping[str, Any] | None) -> dict[str, ItemType]:
    types: dict[str, ItemType] = dict(BUILTIN_TYPES)
    for name, scorer in (item_types or {}).items():
        if name in BUILTIN_TYPES:
            raise SchemeError(f"item type {name!r} is built in and cannot be replaced")
        types[name] = scorer if isinstance(scorer, ItemType) else CustomType(name, scorer)
    missing = sorted({it.type for it in scheme.leaves() if it.type not in types})
    if missing:
        raise SchemeError(
            f"scheme {scheme.code!r} uses item type(s) {', '.join(missing)} that no installed pack provides "
            f"(pass item_types=engine.item_types(); known: {', '.join(sorted(types))})"
        )
    return types


def _gather(scheme: Scheme, evidence: Mapping[str, Any], types: Mapping[str, ItemType]) -> dict[str, Any]:
    """Check the whole document first and report every problem at once."""
    problems: list[str] = []
    declared = evidence.get("scheme")
    if declared is not None and str(declared) != scheme.code:
        problems.append(f"scheme: the evidence is for {declared!r}, not {scheme.code!r}")
    wanted: dict[str, dict[str, list[Item]]] = {}
    for it in scheme.leaves():
        wanted.setdefault(it.section, {}).setdefault(it.evidence, []).append(it)
    for key, val in evidence.items():
        if key in META_KEYS:
            continue
        if key not in SECTIONS:
            problems.append(f"{key}: unknown key (sections: {', '.join(SECTIONS)}; descriptive keys: {', '.join(META_KEYS)})")
            continue
        if not isinstance(val, Mapping):
            problems.append(f"{key}: must be a table of evidence keys, got {type(val).__name__}")
            continue
        for k in val:
            if k not in wanted.get(key, {}):
                hint = _close(str(k), list(wanted.get(key, {})))
                problems.append(f"{key}.{k}: unknown evidence key — no item of scheme {scheme.code!r} reads it{hint}")
    values: dict[str, Any] = {}
    for it in scheme.leaves():
        sect = evidence.get(it.section)
        present = isinstance(sect, Mapping) and it.evidence in sect
        if not present:
            if it.required:
                problems.append(f"{it.evidence_ref}: missing evidence for {it.path} ({it.title})")
            continue
        value = sect[it.evidence]  # type: ignore[index]
        problems.extend(types[it.type].check(it, value))
        values[it.path] = value
    if problems:
        raise EvidenceError(problems)
    return values


def _close(word: str, options: list[str]) -> str:
    import difflib

    m = difflib.get_close_matches(word, options, n=1)
    return f"; did you mean {m[0]!r}?" if m else ""


# -- assessing -------------------------------------------------------------------------


def assess(scheme: Scheme, evidence: str | os.PathLike[str] | Mapping[str, Any], item_types: Mapping[str, Any] | None = None) -> ScoreCard:
    """Score ``evidence`` against ``scheme``.

    ``evidence`` is a dict or a TOML/JSON file path; ``item_types`` maps extra
    type names to scorers (``engine.item_types()``).  Raises
    :class:`~shuangyong.errors.EvidenceError` listing every problem.
    """
    if not isinstance(scheme, Scheme):
        raise SchemeError(f"assess() takes a Scheme (sy.load_scheme(path) or engine.scheme(code)), not {type(scheme).__name__}")
    doc = load_evidence(evidence)
    types = _types_for(scheme, item_types)
    values = _gather(scheme, doc, types)
    lost: list[Lost] = []
    vetoes: list[VetoHit] = []
    missing: list[Missing] = []

    def score_node(n: Item | Group) -> NodeScore:
        if isinstance(n, Group):
            kids = tuple(score_node(c) for c in n.children)
            base = sum((k.points for k in kids), Decimal(0))
            bonus = sum((k.bonus for k in kids), Decimal(0))
            return NodeScore(path=n.path, key=n.key, title=n.title, kind="group", type="", max=n.max, points=base,
                             bonus=bonus, bonus_max=n.bonus_max, children=kids)
        if n.path in values:
            out = types[n.type].score(n, values[n.path])
        else:
            # Optional evidence left out: nothing present, nothing claimed.
            out = Outcome(points=Decimal(0), lost=[(n.max, "未提供证据（可选项）")] if n.max and not n.bonus else [], detail="未提供")
        for pts, reason in out.lost:
            lost.append(Lost(path=n.path, title=n.title, points=pts, reason=reason, evidence=n.evidence_ref))
        if out.vetoed:
            vetoes.append(VetoHit(path=n.path, title=n.title, reason=out.veto_reason or f"一票否决：{n.title}", evidence=n.evidence_ref))
        for m in out.missing:
            missing.append(Missing(path=n.path, title=n.title, item=m, evidence=n.evidence_ref))
        pts = out.points
        return NodeScore(path=n.path, key=n.key, title=n.title, kind="item", type=n.type,
                         max=Decimal(0) if n.bonus else n.max, points=Decimal(0) if n.bonus else pts,
                         bonus=pts if n.bonus else Decimal(0), bonus_max=n.max if n.bonus else Decimal(0),
                         detail=out.detail, refs=out.refs)

    nodes = tuple(score_node(n) for n in scheme.criteria)
    base = sum((n.points for n in nodes), Decimal(0))
    bonus_raw = sum((n.bonus for n in nodes), Decimal(0))
    bonus = bonus_raw if scheme.bonus_cap is None else min(bonus_raw, scheme.bonus_cap)
    total = base + bonus
    grade, passed = _grade_of(scheme, base, total, bool(vetoes), bool(missing))
    return ScoreCard(
        scheme=scheme.code, scheme_title=scheme.title, scheme_version=scheme.version, partial=scheme.partial,
        unit=str(doc.get("unit", "")), period=str(doc.get("period", "")),
        nodes=nodes, base=base, bonus=bonus, total=total, max_points=scheme.max_points, bonus_max=scheme.bonus_max,
        vetoed=bool(vetoes), vetoes=tuple(vetoes), passed=passed, grade=grade, lost=tuple(lost), missing=tuple(missing),
        bonus_capped=bonus_raw > bonus,
    )


def _grade_of(scheme: Scheme, base: Decimal, total: Decimal, vetoed: bool, incomplete: bool) -> tuple[str, bool]:
    if vetoed:
        return scheme.veto_grade, False
    if incomplete:
        return scheme.fail_grade, False
    score = total if scheme.grades_on == "total" else base
    if scheme.grades:
        for g in scheme.grades:  # sorted highest first
            if score >= g.min:
                return g.name, g.passing
        return scheme.fail_grade, False
    if scheme.pass_mark is not None and score < scheme.pass_mark:
        return scheme.fail_grade, False
    return scheme.pass_grade, True
