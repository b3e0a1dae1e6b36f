"""军队转业干部安置 by points: score officers' files, rank them, let them choose posts in rank order.

A :class:`PlacementScheme` is a pack's 计分办法 written as TOML (format in
``docs/writing-a-scheme.md``, "Placement schemes"): a list of components,
each of a type — ``service`` (军龄, per year or per month), ``post`` (职务
table, with an optional bonus after years in post), ``rank`` (军衔 table),
``awards`` (立功受奖 table, each award or the highest only), ``hardship``
(points per year in hardship areas, doubled where the scheme says, and/or
steps such as "10 years → +5"), ``education`` (学历 table), ``exam`` (exam
score × factor) and ``given`` (points the office assessed itself and
supplies per officer, for schemes whose tables are not published).

:func:`rank` orders officers by total and then the scheme's declared
tie-breaks, ending with the ID number so the order is total.
:func:`allocate` lets officers choose in rank order and records, for each,
why every other post was not theirs (full, not in their preferences, or a
lower preference).  Every point carries its arithmetic in Chinese.

A long module on purpose: loading a placement scheme, scoring officers and allocating posts share the officer record and the tie rules.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from attrs import field, frozen

from ..errors import InvalidRecordError, SchemeError
from ..ids import mask_id_number, mask_name, normalize_id_number, validate_id_number
from ..model import AwardLevel, Hardship
from ..params import Source

__all__ = [
    "FORMAT", "COMPONENT_TYPES", "TIE_BREAKS", "RANKING_FORMAT", "ALLOCATION_FORMAT",
    "Officer", "Component", "PlacementScheme", "Line", "PlacementScore", "Ranked", "Ranking",
    "Post", "Skip", "Placement", "Allocation",
    "load_placement_scheme", "placement_scheme_from_dict", "score", "rank", "allocate",
]

FORMAT = 1
RANKING_FORMAT = "shuangyong.placement.points-ranking/1"
ALLOCATION_FORMAT = "shuangyong.placement.points-allocation/1"

COMPONENT_TYPES = ("service", "post", "rank", "awards", "hardship", "education", "exam", "given")

#: Tie-breaks a scheme may declare, applied in its order after the total; "id" always ends the list.
TIE_BREAKS = {
    "post": "职务高者优先",
    "rank": "军衔高者优先",
    "service": "军龄长者优先",
    "enlisted": "入伍早者优先",
    "exam": "考试成绩高者优先",
    "awards": "立功受奖分高者优先",
    "hardship": "艰苦地区服役年限长者优先",
    "id": "公民身份号码顺序（最后手段，保证排序唯一）",
}

_ZERO = Decimal(0)

# -- the officer's file ---------------------------------------------------------------

#: Officer record keys with their Chinese headers.
OFFICER_FIELDS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "公民身份号码", "身份证号码"),
    "name": ("姓名",),
    "enlisted": ("入伍时间", "入伍日期"),
    "transferred": ("转业时间", "批准转业时间", "退役时间"),
    "post": ("职务", "职务等级", "任职"),
    "post_since": ("任现职时间", "任职时间"),
    "rank": ("军衔",),
    "awards": ("立功受奖", "奖励"),
    "hardship": ("艰苦地区", "艰苦地区服役"),
    "education": ("学历",),
    "exam": ("考试成绩", "考试分"),
    "given": ("考核分",),
}
_OFFICER_ALIASES = {h: k for k, hs in OFFICER_FIELDS.items() for h in hs}


def _dec(value: Any, key: str, shown: Any = None) -> Decimal:
    if isinstance(value, bool):
        raise InvalidRecordError(key, value, "expected a number")
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidRecordError(key, shown if shown is not None else value, "not a number") from None
    if not d.is_finite():
        raise InvalidRecordError(key, value, "not a finite number")
    return d


def _pairs(value: Any, key: str) -> tuple[tuple[str, Decimal], ...]:
    """``{"西藏": 4}`` or ``"西藏:4;高原:2.5"`` → (("西藏", 4), ("高原", 2.5))."""
    from ..record import split_list

    if value is None or value == "":
        return ()
    if isinstance(value, Mapping):
        items = list(value.items())
    else:
        items = []
        for part in split_list(value):
            name, sep, num = part.replace("：", ":").partition(":")
            if not sep:
                raise InvalidRecordError(key, part, "write name:number, e.g. 西藏:4")
            items.append((name.strip(), num.strip().removesuffix("年")))
    out = []
    for name, num in items:
        d = _dec(num, f"{key}.{name}")
        if d < 0:
            raise InvalidRecordError(f"{key}.{name}", num, "must not be negative")
        out.append((str(name).strip(), d))
    return tuple(out)


def _awards(value: Any, key: str) -> tuple[str, ...]:
    """``"一等功;三等功×2"`` or a list → ("一等功", "三等功", "三等功")."""
    from ..record import split_list

    out: list[str] = []
    for part in split_list(value) if value not in (None, "") else []:
        name, times = part, 1
        for sep in ("×", "x", "*"):
            if sep in part:
                name, _, n = part.partition(sep)
                try:
                    times = int(n.strip())
                except ValueError:
                    raise InvalidRecordError(key, part, "write e.g. 三等功×2") from None
        out.extend([name.strip().split("@")[0]] * times)
    return tuple(out)



def _canonical_id(value: str) -> str:
    return normalize_id_number(value) or value

@frozen(kw_only=True)
class Officer:
    """A transferred officer's file (军队转业干部档案), as a placement scheme reads it.

    ``id_number`` and ``name`` are masked in ``repr``.  ``hardship`` maps
    area → years served there; ``given`` maps component key → points the
    office assessed under its own table.  Build from flat records with
    :meth:`from_record`.
    """

    # Canonical when valid (Unicode digits folded), so the repeat check in rank() compares one form.
    id_number: str = field(converter=_canonical_id, repr=mask_id_number)
    name: str = field(default="", repr=mask_name)
    enlisted: date
    transferred: date | None = None
    post: str = ""
    post_since: date | None = None
    rank: str = ""
    awards: tuple[str, ...] = field(default=(), converter=tuple)
    hardship: tuple[tuple[str, Decimal], ...] = field(default=(), converter=tuple)
    education: str = ""
    exam: Decimal | None = None
    given: tuple[tuple[str, Decimal], ...] = field(default=(), converter=tuple)

    def __attrs_post_init__(self) -> None:
        validate_id_number(self.id_number)
        if self.transferred is not None and self.transferred < self.enlisted:
            raise InvalidRecordError("transferred", self.transferred.isoformat(), f"before enlistment ({self.enlisted.isoformat()})")
        if self.post_since is not None and self.post_since < self.enlisted:
            raise InvalidRecordError("post_since", self.post_since.isoformat(), "before enlistment")
        if self.exam is not None and self.exam < 0:
            raise InvalidRecordError("exam", self.exam, "must not be negative")

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def label(self) -> str:
        """Masked name and ID, for reports: ``张** (3701**********123X)``."""
        return f"{mask_name(self.name)} ({self.masked_id})" if self.name else self.masked_id

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Officer:
        """Build from a mapping with English keys or Chinese headers (see ``OFFICER_FIELDS``).

        Columns ``given.<component>`` (or ``考核分.<component>``) add office-assessed points.
        """
        from ..record import _norm_text, parse_date

        f: dict[str, Any] = {}
        given: dict[str, Any] = {}
        unknown = []
        for raw_key, value in record.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            k = _norm_text(str(raw_key))
            if isinstance(value, str):
                value = _norm_text(value)
            for prefix in ("given.", "考核分."):
                if k.startswith(prefix):
                    given[k[len(prefix):]] = value
                    break
            else:
                key = k if k in OFFICER_FIELDS else _OFFICER_ALIASES.get(k)
                if key is None:
                    unknown.append(k)
                else:
                    f[key] = value
        if unknown:
            raise InvalidRecordError(unknown[0], None, f"unknown officer field(s) {unknown}; known: {', '.join(OFFICER_FIELDS)}")
        for k in ("id_number", "enlisted"):
            if k not in f:
                raise InvalidRecordError(k, None, "required")
        g = dict(_pairs(f.pop("given", None), "given"))
        g.update({k: _dec(v, f"given.{k}") for k, v in given.items()})
        id_number = validate_id_number(f["id_number"])
        return cls(
            id_number=id_number,
            name=str(f.get("name", "")),
            enlisted=parse_date(f["enlisted"], "enlisted"),
            transferred=parse_date(f["transferred"], "transferred") if "transferred" in f else None,
            post=str(f.get("post", "")),
            post_since=parse_date(f["post_since"], "post_since") if "post_since" in f else None,
            rank=str(f.get("rank", "")),
            awards=_awards(f.get("awards"), "awards"),
            hardship=_pairs(f.get("hardship"), "hardship"),
            education=str(f.get("education", "")),
            exam=_dec(f["exam"], "exam") if "exam" in f else None,
            given=tuple(g.items()),
        )

    def service_months(self, until: date) -> tuple[int, int]:
        """Whole months of service from enlistment to ``until``, and the days left over."""
        months = (until.year - self.enlisted.year) * 12 + until.month - self.enlisted.month
        if until.day < self.enlisted.day:
            months -= 1
        anchor_month = self.enlisted.month + months
        y, m = self.enlisted.year + (anchor_month - 1) // 12, (anchor_month - 1) % 12 + 1
        import calendar

        d = min(self.enlisted.day, calendar.monthrange(y, m)[1])
        return months, (until - date(y, m, d)).days


# -- the scheme ------------------------------------------------------------------------

_COMMON = {"key", "title", "type", "source", "note"}
_FIELDS = {
    "service": {"per", "points", "part", "max"},
    "post": {"table", "tenure_bonus", "missing"},
    "rank": {"table", "missing"},
    "awards": {"table", "count", "max"},
    "hardship": {"per_year", "doubled", "steps", "max"},
    "education": {"table", "missing"},
    "exam": {"factor"},
    "given": {"max"},
}
_SCHEME_KEYS = {"format", "code", "title", "jurisdiction", "version", "description", "partial", "partial_note",
                "places", "tie_breaks", "sources", "assumptions", "components"}


@frozen(kw_only=True)
class Component:
    """One scoring component of a placement scheme (军龄, 职务, …) and its parameters."""

    key: str
    title: str
    type: str
    params: dict[str, Any] = field(eq=False, hash=False)
    source: Source | None = None
    note: str = ""


@frozen(kw_only=True)
class PlacementScheme:
    """A 计分办法: components, declared tie-breaks, sources, and whether it is partial."""

    code: str
    title: str
    components: tuple[Component, ...]
    tie_breaks: tuple[str, ...]
    jurisdiction: str = ""
    version: str = ""
    description: str = ""
    partial: bool = False
    partial_note: str = ""
    places: int = 2
    sources: tuple[Source, ...] = ()
    assumptions: tuple[str, ...] = ()
    path: str = ""

    def component(self, type_or_key: str) -> Component | None:
        return next((c for c in self.components if c.key == type_or_key), None) or next(
            (c for c in self.components if c.type == type_or_key), None)

    def __repr__(self) -> str:
        return f"PlacementScheme(code={self.code!r}, title={self.title!r}, partial={self.partial})"


def load_placement_scheme(path: str | os.PathLike[str]) -> PlacementScheme:
    """Read a placement scheme TOML file; errors name the file and the key."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = tomllib.load(f, parse_float=Decimal)
    except OSError as e:
        raise SchemeError(f"{p}: cannot read placement scheme ({e.strerror or e})") from e
    except tomllib.TOMLDecodeError as e:
        raise SchemeError(f"{p}: not valid TOML ({e})") from e
    return placement_scheme_from_dict(data, origin=str(p))


def placement_scheme_from_dict(data: Mapping[str, Any], origin: str = "<placement scheme>") -> PlacementScheme:
    """Build a :class:`PlacementScheme` from a parsed TOML table or an equivalent dict."""
    try:
        return _build(data)
    except SchemeError as e:
        raise SchemeError(f"{origin}: {e}") from None


def _num(v: Any, where: str) -> Decimal:
    if isinstance(v, bool) or not isinstance(v, (int, Decimal, str)):
        raise SchemeError(f"{where}: a number, not {v!r}")
    try:
        return Decimal(str(v).strip())
    except InvalidOperation:
        raise SchemeError(f"{where}: {v!r} is not a number") from None


def _table(spec: Mapping[str, Any], where: str, canon: Any = None) -> dict[str, Decimal]:
    t = spec.get("table")
    if not isinstance(t, Mapping) or not t:
        raise SchemeError(f"{where}.table: a table {{label = points}}")
    out: dict[str, Decimal] = {}
    for k, v in t.items():
        label = canon(k) if canon else str(k)
        if label in out:
            raise SchemeError(f"{where}.table: {k!r} given twice")
        out[label] = _num(v, f"{where}.table.{k}")
    return out


def _canon_award(s: str) -> str:
    try:
        return str(AwardLevel.parse(s).label)
    except InvalidRecordError:
        return str(s).strip()


def _canon_area(s: str) -> str:
    try:
        return str(Hardship.parse(s).label)
    except InvalidRecordError:
        return str(s).strip()


def _canon_post(s: str) -> str:
    # "正营职" and "正营" are the same post; 计分办法 write both.
    s = str(s).strip()
    return s[:-1] if s.endswith("职") and len(s) > 1 else s


def _build(data: Mapping[str, Any]) -> PlacementScheme:
    extra = set(data) - _SCHEME_KEYS
    if extra:
        raise SchemeError(f"unknown top-level keys {sorted(extra)}; allowed: {sorted(_SCHEME_KEYS)}")
    if data.get("format", FORMAT) != FORMAT:
        raise SchemeError(f"format = {data.get('format')!r}; this version reads format {FORMAT}")
    for k in ("code", "title", "components"):
        if k not in data:
            raise SchemeError(f"missing required key {k!r}")
    comps = []
    for i, spec in enumerate(data["components"]):
        where = f"components[{i}]"
        if not isinstance(spec, Mapping) or "type" not in spec:
            raise SchemeError(f"{where}: a table with a 'type' ({', '.join(COMPONENT_TYPES)})")
        t = str(spec["type"])
        if t not in _FIELDS:
            raise SchemeError(f"{where}.type: {t!r} is not one of {', '.join(COMPONENT_TYPES)}")
        bad = set(spec) - _COMMON - _FIELDS[t]
        if bad:
            raise SchemeError(f"{where}: unknown keys {sorted(bad)} for type {t!r}; allowed: {sorted(_COMMON | _FIELDS[t])}")
        comps.append(_component(t, spec, f"{where} ({spec.get('key', t)})"))
    keys = [c.key for c in comps]
    if len(set(keys)) != len(keys):
        raise SchemeError("components: each needs a distinct key")
    ties = [str(t) for t in data.get("tie_breaks", [])]
    for t in ties:
        if t not in TIE_BREAKS:
            raise SchemeError(f"tie_breaks: {t!r} is not one of {', '.join(TIE_BREAKS)}")
    if "id" not in ties:
        ties.append("id")  # the last resort that makes the order total
    places = data.get("places", 2)
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 6:
        raise SchemeError(f"places: a whole number 0–6, not {places!r}")
    srcs = []
    for i, s in enumerate(data.get("sources", [])):
        try:
            srcs.append(Source.from_dict(s))
        except (TypeError, ValueError, AttributeError) as e:
            raise SchemeError(f"sources[{i}]: {e}") from None
    return PlacementScheme(
        code=str(data["code"]).strip(), title=str(data["title"]), components=tuple(comps), tie_breaks=tuple(ties),
        jurisdiction=str(data.get("jurisdiction", "")), version=str(data.get("version", "")),
        description=str(data.get("description", "")), partial=bool(data.get("partial", False)),
        partial_note=str(data.get("partial_note", "")), places=places, sources=tuple(srcs),
        assumptions=tuple(str(a) for a in data.get("assumptions", [])),
    )


def _component(t: str, spec: Mapping[str, Any], where: str) -> Component:
    p: dict[str, Any] = {}
    missing = str(spec.get("missing", "error"))
    if missing not in ("error", "zero"):
        raise SchemeError(f"{where}.missing: \"error\" (a value not in the table stops scoring) or \"zero\"")
    p["missing"] = missing
    if t == "service":
        p["per"] = str(spec.get("per", "year"))
        if p["per"] not in ("year", "month"):
            raise SchemeError(f"{where}.per: \"year\" or \"month\"")
        p["points"] = _num(spec.get("points"), f"{where}.points")
        p["part"] = str(spec.get("part", "down"))
        if p["part"] not in ("down", "up"):
            raise SchemeError(f"{where}.part: \"down\" (part-years/months do not count) or \"up\" (they count as whole)")
        p["max"] = _num(spec["max"], f"{where}.max") if "max" in spec else None
    elif t == "post":
        p["table"] = _table(spec, where, _canon_post)
        tb = spec.get("tenure_bonus")
        if tb is not None:
            if not isinstance(tb, Mapping) or not {"years", "points"} <= set(tb) or set(tb) - {"years", "points", "posts"}:
                raise SchemeError(f"{where}.tenure_bonus: {{years, points, posts (optional list)}}")
            posts = [_canon_post(x) for x in tb.get("posts", list(p["table"]))]
            for x in posts:
                if x not in p["table"]:
                    raise SchemeError(f"{where}.tenure_bonus.posts: {x!r} is not in the table")
            p["tenure_bonus"] = {"years": int(tb["years"]), "points": _num(tb["points"], f"{where}.tenure_bonus.points"), "posts": posts}
    elif t == "rank":
        p["table"] = _table(spec, where)
    elif t == "education":
        p["table"] = _table(spec, where)
    elif t == "awards":
        p["table"] = _table(spec, where, _canon_award)
        p["count"] = str(spec.get("count", "each"))
        if p["count"] not in ("each", "highest"):
            raise SchemeError(f"{where}.count: \"each\" (every award counts) or \"highest\"")
        p["max"] = _num(spec["max"], f"{where}.max") if "max" in spec else None
    elif t == "hardship":
        p["per_year"] = _num(spec["per_year"], f"{where}.per_year") if "per_year" in spec else None
        p["doubled"] = [_canon_area(a) for a in spec.get("doubled", [])]
        steps = spec.get("steps", [])
        p["steps"] = sorted(((_num(s["years"], f"{where}.steps.years"), _num(s["points"], f"{where}.steps.points")) for s in steps), reverse=True)
        if p["per_year"] is None and not p["steps"]:
            raise SchemeError(f"{where}: give per_year, steps, or both")
        p["max"] = _num(spec["max"], f"{where}.max") if "max" in spec else None
    elif t == "exam":
        p["factor"] = _num(spec.get("factor"), f"{where}.factor")
    elif t == "given":
        p["max"] = _num(spec["max"], f"{where}.max") if "max" in spec else None
    src = None
    if "source" in spec:
        try:
            src = Source.from_dict(spec["source"])
        except (TypeError, ValueError, AttributeError) as e:
            raise SchemeError(f"{where}.source: {e}") from None
    default_titles = {"service": "军龄", "post": "职务", "rank": "军衔", "awards": "立功受奖", "hardship": "艰苦地区服役",
                      "education": "学历", "exam": "考试成绩", "given": str(spec.get("key", "考核"))}
    return Component(key=str(spec.get("key", t)), title=str(spec.get("title", default_titles[t])), type=t, params=p,
                     source=src, note=str(spec.get("note", "")))


# -- scoring -----------------------------------------------------------------------------


@frozen
class Line:
    """Points of one component for one officer, with the arithmetic that gives them."""

    key: str
    title: str
    points: Decimal
    explanation: str
    basis: str = ""


@frozen(kw_only=True)
class PlacementScore:
    """An officer's points under a scheme: one :class:`Line` per component, and the total."""

    officer: Officer
    scheme: str
    lines: tuple[Line, ...]
    total: Decimal
    service_months: int
    tie_values: dict[str, Any] = field(eq=False, hash=False, repr=False)

    def line(self, key: str) -> Line:
        return next(x for x in self.lines if x.key == key)

    def __str__(self) -> str:
        out = [f"{self.officer.label}：总分 {_s(self.total)}"]
        out += [f"  {x.title} {_s(x.points)} 分 — {x.explanation}" for x in self.lines]
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {"officer": self.officer.masked_id, "scheme": self.scheme, "total": _s(self.total),
                "lines": [{"key": x.key, "title": x.title, "points": _s(x.points), "explanation": x.explanation, "basis": x.basis} for x in self.lines]}


def _s(d: Decimal) -> str:
    n = d.normalize()
    return format(n if n != 0 else Decimal(0), "f")


def _q(d: Decimal, places: int) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _years_between(start: date, end: date) -> int:
    y = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(y, 0)


def score(officer: Officer, scheme: PlacementScheme, as_of: date | None = None) -> PlacementScore:
    """Score one officer's file; ``as_of`` is the date 军龄 runs to when the file has no transfer date."""
    until = officer.transferred or as_of
    needs_dates = "service" in scheme.tie_breaks or any(
        c.type == "service" or (c.type == "post" and "tenure_bonus" in c.params) for c in scheme.components)
    if until is None and needs_dates:
        raise InvalidRecordError("transferred", None, f"{officer.masked_id}: no transfer date; pass as_of= (the date 军龄 is counted to)")
    months, days = officer.service_months(until) if until is not None else (0, 0)
    until = until or officer.enlisted  # only reached when no component reads it
    lines = []
    ties: dict[str, Any] = {"service": months, "enlisted": officer.enlisted, "id": officer.id_number,
                            "exam": officer.exam if officer.exam is not None else Decimal(-1)}
    for c in scheme.components:
        pts, text = _component_points(c, officer, months, days, until, ties, scheme)
        pts = _q(pts, scheme.places)
        lines.append(Line(c.key, c.title, pts, text, c.source.cite() if c.source else ""))
        ties.setdefault(c.type, pts)
    for k in ("post", "rank", "awards", "hardship"):
        ties.setdefault(k, _ZERO)
    total = sum((x.points for x in lines), _ZERO)
    return PlacementScore(officer=officer, scheme=scheme.code, lines=tuple(lines), total=total, service_months=months, tie_values=ties)


def _lookup(c: Component, value: str, what: str, officer: Officer, partial: bool, canon: Any = None) -> tuple[Decimal, str] | None:
    table: dict[str, Decimal] = c.params["table"]
    key = canon(value) if canon else value
    if key in table:
        return table[key], key
    if c.params.get("missing") == "zero":
        return None
    known = "、".join(table)
    raise InvalidRecordError(c.key, value or "（空）", f"{officer.masked_id}: {what} not in the scheme's table ({known})"
                             + ("; the scheme is partial — this value is not known from its sources" if partial else ""))


def _component_points(c: Component, o: Officer, months: int, days: int, until: date, ties: dict[str, Any],
                      scheme: PlacementScheme) -> tuple[Decimal, str]:
    p = c.params
    if c.type == "service":
        if p["per"] == "month":
            n = months + (1 if p["part"] == "up" and days > 0 else 0)
            pts = n * p["points"]
            text = f"军龄 {n} 个月 × {_s(p['points'])} = {_s(pts)}"
        else:
            n = months // 12 + (1 if p["part"] == "up" and (months % 12 or days) else 0)
            pts = n * p["points"]
            text = f"军龄 {n} 年（{o.enlisted.isoformat()} 至 {until.isoformat()}，{months} 个月）× {_s(p['points'])} = {_s(pts)}"
        if p["max"] is not None and pts > p["max"]:
            pts, text = p["max"], text + f"，封顶 {_s(p['max'])}"
        return pts, text
    if c.type == "post":
        if not o.post:
            if p["missing"] == "zero":
                return _ZERO, "无职务记录，0 分"
            raise InvalidRecordError("post", None, f"{o.masked_id}: no 职务 in the file; scheme {scheme.code!r} scores it")
        found = _lookup(c, o.post, "职务", o, scheme.partial, _canon_post)
        if found is None:
            return _ZERO, f"职务 {o.post} 不在计分表中，0 分"
        pts, key = found
        ties["post"] = pts
        text = f"职务 {key} {_s(pts)}"
        tb = p.get("tenure_bonus")
        if tb and key in tb["posts"]:
            if o.post_since is None:
                text += f"（任现职时间未填，不计满 {tb['years']} 年加分）"
            elif _years_between(o.post_since, until) >= tb["years"]:
                pts += tb["points"]
                text += f" + 任现职满 {tb['years']} 年加 {_s(tb['points'])} = {_s(pts)}"
        return pts, text
    if c.type in ("rank", "education"):
        value, what = (o.rank, "军衔") if c.type == "rank" else (o.education, "学历")
        if not value:
            if p["missing"] == "zero":
                return _ZERO, f"无{what}记录，0 分"
            raise InvalidRecordError(c.type, None, f"{o.masked_id}: no {what} in the file; scheme {scheme.code!r} scores it")
        found = _lookup(c, value, what, o, scheme.partial)
        if found is None:
            return _ZERO, f"{what} {value} 不在计分表中，0 分"
        return found[0], f"{what} {found[1]} {_s(found[0])}"
    if c.type == "awards":
        table = p["table"]
        got = []
        for a in o.awards:
            key = _canon_award(a)
            if key in table:
                got.append((key, table[key]))
        if not got:
            return _ZERO, "无计分的立功受奖，0 分" + (f"（未计分：{'、'.join(o.awards)}）" if o.awards else "")
        if p["count"] == "highest":
            key, pts = max(got, key=lambda g: g[1])
            text = f"最高一项 {key} {_s(pts)}"
        else:
            pts = sum((g[1] for g in got), _ZERO)
            text = " + ".join(f"{k} {_s(v)}" for k, v in got) + f" = {_s(pts)}"
        if p["max"] is not None and pts > p["max"]:
            pts, text = p["max"], text + f"，封顶 {_s(p['max'])}"
        skipped = [a for a in o.awards if _canon_award(a) not in table]
        if skipped:
            text += f"（不在计分表：{'、'.join(skipped)}）"
        return pts, text
    if c.type == "hardship":
        pts, parts = _ZERO, []
        years_total = sum((y for _, y in o.hardship), _ZERO)
        ties["hardship"] = years_total
        if p["per_year"] is not None:
            for area, years in o.hardship:
                mult = 2 if _canon_area(area) in p["doubled"] else 1
                add = years * p["per_year"] * mult
                pts += add
                parts.append(f"{area} {_s(years)} 年 × {_s(p['per_year'])}" + (" × 2（加倍）" if mult == 2 else "") + f" = {_s(add)}")
        for need, add in p["steps"]:
            if years_total >= need:
                pts += add
                parts.append(f"艰苦地区累计 {_s(years_total)} 年 ≥ {_s(need)} 年，加 {_s(add)}")
                break
        if p["max"] is not None and pts > p["max"]:
            pts = p["max"]
            parts.append(f"封顶 {_s(p['max'])}")
        return pts, "；".join(parts) or f"艰苦地区服役 {_s(years_total)} 年，不加分"
    if c.type == "exam":
        if o.exam is None:
            raise InvalidRecordError("exam", None, f"{o.masked_id}: no exam score; scheme {scheme.code!r} adds exam × {_s(p['factor'])}")
        pts = o.exam * p["factor"]
        return pts, f"考试成绩 {_s(o.exam)} × {_s(p['factor'])} = {_s(pts)}"
    # given: the office assessed these points under its own table
    g = dict(o.given)
    if c.key not in g:
        raise InvalidRecordError(f"given.{c.key}", None, f"{o.masked_id}: scheme {scheme.code!r} needs the office-assessed points for {c.title}")
    pts = g[c.key]
    if pts < 0 or (p["max"] is not None and pts > p["max"]):
        raise InvalidRecordError(f"given.{c.key}", pts, f"{o.masked_id}: outside 0…{_s(p['max']) if p['max'] is not None else '∞'}")
    return pts, f"{c.title} {_s(pts)}（按本地计分办法核定，由经办机构填报）"


# -- ranking ------------------------------------------------------------------------


@frozen(kw_only=True)
class Ranked:
    """One place in a ranking; ``decided_by`` names the tie-break that put it below the one above."""

    position: int
    score: PlacementScore
    decided_by: str = ""

    @property
    def officer(self) -> Officer:
        return self.score.officer

    @property
    def total(self) -> Decimal:
        return self.score.total


@frozen(kw_only=True)
class Ranking:
    """Officers in rank order under one scheme (iterable; ``ranking[0]`` is first)."""

    scheme: PlacementScheme
    entries: tuple[Ranked, ...]

    def __iter__(self) -> Iterator[Ranked]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> Ranked:
        return self.entries[i]

    def __str__(self) -> str:
        out = [f"{self.scheme.title}（{self.scheme.code}）排名" + ("（不完整方案）" if self.scheme.partial else "")]
        out.append("同分时依次比较：" + "、".join(TIE_BREAKS[t] for t in self.scheme.tie_breaks))
        for r in self.entries:
            tie = f"（与上一名同分，{TIE_BREAKS[r.decided_by]}）" if r.decided_by else ""
            out.append(f"{r.position}. {r.officer.label}  {_s(r.total)} 分{tie}")
            out += [f"     {x.title} {_s(x.points)}：{x.explanation}" for x in r.score.lines]
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {"format": RANKING_FORMAT, "scheme": self.scheme.code, "partial": self.scheme.partial,
                "tie_breaks": list(self.scheme.tie_breaks),
                "ranking": [{"position": r.position, "decided_by": r.decided_by, **r.score.to_dict()} for r in self.entries]}


def _sort_key(s: PlacementScore, ties: Sequence[str]) -> tuple[Any, ...]:
    key: list[Any] = [-s.total]
    for t in ties:
        v = s.tie_values[t]
        # Higher is better except for the enlistment date (earlier first) and the ID (ascending).
        key.append(v if t in ("enlisted", "id") else -v)
    return tuple(key)


def rank(officers: Iterable[Officer], scheme: PlacementScheme, as_of: date | None = None) -> Ranking:
    """Score and order officers: by total, then the scheme's tie-breaks, then ID number (a total order)."""
    officers = list(officers)
    seen: set[str] = set()
    for o in officers:  # before scoring: a repeat is the first thing to fix (IDs are canonical, digits folded)
        if o.id_number in seen:
            raise InvalidRecordError("id_number", o.masked_id, "the same officer appears twice")
        seen.add(o.id_number)
    scores = [score(o, scheme, as_of) for o in officers]
    ties = scheme.tie_breaks
    scores.sort(key=lambda s: _sort_key(s, ties))
    entries = []
    for i, s in enumerate(scores):
        decided = ""
        if i and scores[i - 1].total == s.total:
            prev = scores[i - 1]
            decided = next(t for t in ties if prev.tie_values[t] != s.tie_values[t])
        entries.append(Ranked(position=i + 1, score=s, decided_by=decided))
    return Ranking(scheme=scheme, entries=tuple(entries))


# -- allocation --------------------------------------------------------------------------


@frozen
class Post:
    """A placement post (安置岗位/单位) with its number of seats."""

    code: str
    seats: int
    title: str = ""

    def __attrs_post_init__(self) -> None:
        if self.seats < 0:
            raise InvalidRecordError("posts", self.code, "seats must not be negative")


@frozen
class Skip:
    """Why an officer did not get a post: ``full`` / ``not_preferred`` / ``lower_preference``."""

    post: str
    reason: str
    detail: str


@frozen(kw_only=True)
class Placement:
    """One officer's outcome: the post obtained (or ``None``), which choice it was, and every skip."""

    position: int
    officer: Officer
    post: str | None
    choice: int | None
    skipped: tuple[Skip, ...]
    note: str = ""  # why an officer got no post: 未填报志愿 / 所填志愿岗位均已满额


@frozen(kw_only=True)
class Allocation:
    """Posts chosen in rank order: who got which post, why others were skipped, seats left."""

    placements: tuple[Placement, ...]
    posts: tuple[Post, ...]
    seats_left: dict[str, int] = field(eq=False)

    def holders(self, post: str) -> list[Officer]:
        return [p.officer for p in self.placements if p.post == post]

    @property
    def unplaced(self) -> tuple[Placement, ...]:
        return tuple(p for p in self.placements if p.post is None)

    def __str__(self) -> str:
        titles = {p.code: p.title or p.code for p in self.posts}
        out = ["按名次依次选岗结果："]
        for p in self.placements:
            got = f"选定 {titles[p.post]}（第 {p.choice} 志愿）" if p.post else "未安置"
            out.append(f"{p.position}. {p.officer.label}：{got}")
            out += [f"     未得 {titles[s.post]}：{s.detail}" for s in p.skipped if s.reason == "full"]
            if p.note:
                out.append(f"     {p.note}")
        out.append("剩余名额：" + ("、".join(f"{titles[k]} {v}" for k, v in self.seats_left.items() if v) or "无"))
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": ALLOCATION_FORMAT,
            "placements": [{"position": p.position, "officer": p.officer.masked_id, "post": p.post, "choice": p.choice,
                            "note": p.note,
                            "skipped": [{"post": s.post, "reason": s.reason, "detail": s.detail} for s in p.skipped]}
                           for p in self.placements],
            "seats_left": dict(self.seats_left),
        }


def _posts(posts: Any) -> tuple[Post, ...]:
    out: list[Post] = []
    if isinstance(posts, Mapping):
        for code, v in posts.items():
            if isinstance(v, Mapping):
                out.append(Post(str(code), _seats(v.get("seats"), code), str(v.get("title", ""))))
            else:
                out.append(Post(str(code), _seats(v, code)))
    else:
        for p in posts:
            out.append(p if isinstance(p, Post) else Post(str(p["code"]), _seats(p.get("seats"), p["code"]), str(p.get("title", ""))))
    codes = [p.code for p in out]
    if len(set(codes)) != len(codes):
        raise InvalidRecordError("posts", ", ".join(codes), "a post code appears twice")
    return tuple(out)


def _seats(v: Any, code: Any) -> int:
    if isinstance(v, bool) or v is None:
        raise InvalidRecordError(f"posts.{code}", v, "seats must be a whole number")
    try:
        n = int(str(v).strip())
    except ValueError:
        raise InvalidRecordError(f"posts.{code}", v, "seats must be a whole number") from None
    return n


def allocate(ranked: Ranking | Iterable[Ranked], posts: Any, preferences: Mapping[str, Sequence[str]]) -> Allocation:
    """Officers choose posts in rank order.

    ``posts``: ``{code: seats}``, ``{code: {seats, title}}`` or a list of
    :class:`Post`.  ``preferences``: ``{id_number: [post codes, first choice
    first]}``.  Each officer gets the first post in their preferences that
    still has a seat.  For every post an officer did not get, the result says
    why: ``full`` (taken by the higher-ranked officers named), ``not_preferred``,
    or ``lower_preference`` (an earlier choice was obtained).  No post is given
    beyond its seats.
    """
    entries = list(ranked)
    plist = _posts(posts)
    seats = {p.code: p.seats for p in plist}
    by_id = {r.officer.id_number: r for r in entries}
    prefs: dict[str, list[str]] = {}
    for pid, codes in preferences.items():
        oid = validate_id_number(pid, "preferences")
        if oid not in by_id:
            raise InvalidRecordError("preferences", mask_id_number(oid), "not an officer of this ranking")
        codes = [codes] if isinstance(codes, str) else list(codes)
        unknown = [c for c in codes if c not in seats]
        if unknown:
            raise InvalidRecordError("preferences", mask_id_number(oid), f"unknown post(s) {unknown}; posts: {', '.join(seats)}")
        if len(set(codes)) != len(codes):
            raise InvalidRecordError("preferences", mask_id_number(oid), "a post is listed twice")
        prefs[oid] = codes
    holders: dict[str, list[int]] = {c: [] for c in seats}
    out = []
    for r in entries:
        mine = prefs.get(r.officer.id_number, [])
        got, choice, skipped = None, None, []
        for n, code in enumerate(mine, start=1):
            if len(holders[code]) < seats[code]:
                got, choice = code, n
                break
            taken = "、".join(f"第{i}名" for i in holders[code]) or "无"
            skipped.append(Skip(code, "full", f"名额已满（{seats[code]} 个名额已由 {taken} 选定）"))
        if got is not None:
            holders[got].append(r.position)
            later = mine[choice:]  # type: ignore[misc]
            skipped += [Skip(c, "lower_preference", f"已按第 {choice} 志愿安置，不再考虑后序志愿") for c in later]
        skipped += [Skip(c, "not_preferred", "未列入本人志愿") for c in seats if c not in mine]
        note = "" if got is not None else ("未填报志愿" if not mine else "所填志愿岗位均已满额")
        out.append(Placement(position=r.position, officer=r.officer, post=got, choice=choice, skipped=tuple(skipped), note=note))
    left = {c: seats[c] - len(holders[c]) for c in seats}
    return Allocation(placements=tuple(out), posts=plist, seats_left=left)
