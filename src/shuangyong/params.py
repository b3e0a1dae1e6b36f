"""Dated parameters with sources, looked up by jurisdiction along the fallback chain.

A parameter is a series of (effective-from date, value, source).  Every
value names its document (title, number, article, date in force) and how
sure it is: ``primary`` (the legal text was read), ``secondary`` (a news,
government or reposted page), ``inferred`` (deduced, e.g. the "before"
figures of a later notice) or ``assumption`` (the sources are silent; the
library chose, and says so).  A value without a source is refused at load.

Parameter files are TOML, read with ``tomllib`` and ``parse_float=Decimal``
so money never passes through float::

    [annual_standard]                       # full name: <file stem>.annual_standard
    description = "残疾抚恤金标准"
    unit = "元/年"
    update = "yearly-08-01"                # expected revision: flag values carried past it
    [[annual_standard.values]]
    from = 2021-08-01
    value = { "1" = { 因战 = 106670, 因公 = 103300, 因病 = 99910 } }
    source = { document = "…", number = "…", certainty = "secondary" }

An entry ``ended = true`` (instead of ``value``) ends the series from its
date.  An entry may say when it was made known, ``announced = 2025-10-20``
(the notice's date), beside the date it takes effect: a rise in force from
1 August but announced in October.  :meth:`ParameterSet.as_known_on` (and
``Engine.as_known_on``) sees only the values announced by a given day, which
is how a payment ledger explains its 补发.  An entry without ``announced`` is
taken as known from the start.

``update`` says when a value is expected to be revised (see :func:`parse_update`):
``"yearly"`` (a year after the value's own start), ``"yearly-08-01"`` (every
1 August), or a schedule that changed, ``"yearly-10-01 until 2018-08-01,
yearly-08-01"``.  A value still in force on or after its next expected
revision is *carried forward*: the lookup says so (:attr:`Resolved.carried_forward`,
:attr:`Resolved.expected_update`), explanations name the date, and
:func:`stale_parameters` lists every such parameter.  A top-level ``prefix = "…"`` replaces the file stem in the names, and
a top-level ``jurisdiction = "422827"`` sets the jurisdiction when the
registering pack does not.

Lookup by (name, region, date) walks :func:`~shuangyong.ids.fallback_chain`
and the first jurisdiction with a value in force answers; the answer
(:class:`Resolved`) says which level that was and where the value came from.

A long module on purpose: loading, lookup along the fallback chain, overrides, announcement dates and revision schedules are the behaviour of one data type, and their invariants are checked together.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from attrs import frozen

from .errors import ParameterFileError, ParameterNotFoundError, RuleConflictError
from .ids import NATIONAL, fallback_chain, region_level, validate_region

__all__ = [
    "CERTAINTIES",
    "Source",
    "DatedValue",
    "Parameter",
    "Resolved",
    "ParameterSet",
    "load_parameter_file",
    "load_parameters",
    "OVERRIDE",
    "UpdateSchedule",
    "parse_update",
    "StaleParameter",
    "stale_parameters",
]

CERTAINTIES = ("primary", "secondary", "inferred", "assumption")

#: Pseudo-jurisdiction of what-if overrides: it answers before any real level.
OVERRIDE = "override"


def _anniversary(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


_YEARLY = re.compile(r"yearly-(\d\d)-(\d\d)(?: until (\d{4}-\d\d-\d\d))?")
#: A value set within this many months of a scheduled revision is not expected to change at it
#: (the 2011 schemes began in July and August and were first raised a year later, not that 1 October).
_SETTLE_MONTHS = 6


@frozen
class UpdateSchedule:
    """When the values of a parameter are expected to be revised.

    ``days`` are (month, day, until) parts in order: revisions fall on that month-day every year,
    before ``until`` (the next part's first revision day) where given.  No parts means one year
    after each value's own start (``"yearly"``).
    """

    text: str
    days: tuple[tuple[int, int, date | None], ...] = ()

    def next_after(self, start: date) -> date:
        """The first revision expected after a value that took effect on ``start``."""
        if not self.days:
            return _anniversary(start)
        settled = _add_months(start, _SETTLE_MONTHS)
        for year in range(start.year, start.year + 3):
            lower = date.min
            for month, day, until in self.days:
                d = _on_day(year, month, day)
                if lower <= d and (until is None or d < until) and d > start and d >= settled:
                    return d
                lower = until or lower
        return _anniversary(start)  # unreachable for a well-formed schedule


def parse_update(text: str) -> UpdateSchedule | None:
    """``update`` of a parameter file: ``""`` (never expected), ``"yearly"``, ``"yearly-MM-DD"``, or
    comma-separated ``"yearly-MM-DD until YYYY-MM-DD"`` parts ending with an open one.

    Raises :class:`ValueError` naming what is wrong.
    """
    text = text.strip()
    if not text:
        return None
    if text == "yearly":
        return UpdateSchedule(text)
    parts: list[tuple[int, int, date | None]] = []
    pieces = [x.strip() for x in text.split(",")]
    for k, piece in enumerate(pieces):
        m = _YEARLY.fullmatch(piece)
        if m is None:
            raise ValueError(f"{piece!r}: expected 'yearly', 'yearly-MM-DD' or 'yearly-MM-DD until YYYY-MM-DD'")
        month, day = int(m.group(1)), int(m.group(2))
        try:
            date(2000, month, day)
            until = date.fromisoformat(m.group(3)) if m.group(3) else None
        except ValueError as e:
            raise ValueError(f"{piece!r}: {e}") from None
        if (until is None) != (k == len(pieces) - 1):
            raise ValueError(f"{text!r}: every part but the last needs 'until YYYY-MM-DD'; the last has none")
        if until is not None and parts and parts[-1][2] is not None and until <= parts[-1][2]:
            raise ValueError(f"{text!r}: the 'until' dates must increase")
        parts.append((month, day, until))
    return UpdateSchedule(text, tuple(parts))


def _on_day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:  # 29 February
        return date(year, month, 28)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return _on_day(d.year + y, m + 1, d.day)


@frozen(kw_only=True)
class Source:
    """The legal basis of a value or rule: document, number, article, date in force, certainty."""

    document: str
    certainty: str
    number: str = ""
    article: str = ""
    in_force: date | None = None
    note: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.document:
            raise ValueError("a source needs a document")
        if self.certainty not in CERTAINTIES:
            raise ValueError(f"certainty must be one of {', '.join(CERTAINTIES)}, not {self.certainty!r}")

    def cite(self) -> str:
        """One-line citation: 《条例》令第788号 第25条 (primary)."""
        parts = [self.document]
        if self.number and self.number not in self.document:
            parts.append(self.number)
        if self.article:
            parts.append(self.article)
        text = " ".join(parts)
        if self.in_force:
            text += f", 自{self.in_force.isoformat()}施行"
        return f"{text} [{self.certainty}]"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"document": self.document, "certainty": self.certainty}
        for k in ("number", "article", "note"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        if self.in_force:
            d["in_force"] = self.in_force.isoformat()
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Source:
        """Build from a TOML/JSON table; unknown keys are refused."""
        allowed = {"document", "certainty", "number", "article", "in_force", "note"}
        extra = set(data) - allowed
        if extra:
            raise ValueError(f"unknown source keys {sorted(extra)}; allowed: {sorted(allowed)}")
        if "document" not in data or "certainty" not in data:
            raise ValueError("a source needs 'document' and 'certainty'")
        in_force = data.get("in_force")
        if in_force is not None and not isinstance(in_force, date):
            raise ValueError("source in_force must be a TOML date (YYYY-MM-DD)")
        return cls(
            document=str(data["document"]),
            certainty=str(data["certainty"]),
            number=str(data.get("number", "")),
            article=str(data.get("article", "")),
            in_force=in_force,
            note=str(data.get("note", "")),
        )


@frozen
class DatedValue:
    """One value of a parameter, in force from ``start`` until the next one."""

    start: date
    value: Any  # Decimal, str, bool, a nested dict of those, or None (series ended)
    source: Source
    #: The day the value was made known (the notice's date); ``None``: known from the start.
    announced: date | None = None


@frozen(kw_only=True)
class Parameter:
    """A named, dated series for one jurisdiction."""

    name: str
    jurisdiction: str
    values: tuple[DatedValue, ...]
    description: str = ""
    unit: str = ""
    update: str = ""
    pack: str = ""
    path: str = ""
    schedule: UpdateSchedule | None = None

    def value_on(self, on: date) -> DatedValue | None:
        """The entry in force on ``on`` (``None`` before the first or after an end)."""
        found = None
        for v in self.values:
            if v.start <= on:
                found = v
            else:
                break
        if found is None or found.value is None:
            return None
        return found

    def change_dates(self) -> list[date]:
        """Every date the value, or whether it is carried past its expected revision, changes."""
        out = [v.start for v in self.values]
        for k, v in enumerate(self.values):
            due = self.expected_update(v) if v.value is not None else None
            if due is not None and (k + 1 == len(self.values) or due < self.values[k + 1].start):
                out.append(due)
        return sorted(set(out))

    def expected_update(self, dv: DatedValue) -> date | None:
        """When ``dv`` (one of this parameter's values) is next expected to be revised, if ever."""
        schedule = self.schedule if self.schedule is not None else parse_update(self.update)
        return schedule.next_after(dv.start) if schedule is not None else None

    def as_known_on(self, day: date) -> Parameter | None:
        """This series without the values announced after ``day`` (``None`` when nothing is left)."""
        kept = tuple(v for v in self.values if v.announced is None or v.announced <= day)
        if len(kept) == len(self.values):
            return self
        if not kept:
            return None
        return Parameter(name=self.name, jurisdiction=self.jurisdiction, values=kept, description=self.description,
                         unit=self.unit, update=self.update, pack=self.pack, path=self.path, schedule=self.schedule)


@frozen(kw_only=True)
class Resolved:
    """The answer to a lookup: the value and where it came from."""

    name: str
    value: Any
    start: date
    jurisdiction: str
    level: str
    source: Source
    pack: str = ""
    carried_forward: bool = False
    unit: str = ""
    #: When the value was next expected to be revised (``None``: no schedule declared).
    expected_update: date | None = None
    #: The day the value was announced, when its file says (``announced = …``).
    announced: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _jsonable(self.value),
            "unit": self.unit,
            "from": self.start.isoformat(),
            "jurisdiction": self.jurisdiction,
            "level": self.level,
            "pack": self.pack,
            "source": self.source.to_dict(),
            "carried_forward": self.carried_forward,
            "expected_update": self.expected_update.isoformat() if self.expected_update else None,
        } | ({"announced": self.announced.isoformat()} if self.announced else {})


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


class ParameterSet:
    """All parameters an engine knows, by name and jurisdiction; immutable once built."""

    def __init__(self, parameters: Iterable[Parameter] = ()) -> None:
        self._by_name: dict[str, dict[str, Parameter]] = {}
        for p in parameters:
            self._add(p)
        self._cache: dict[tuple[str, str, date], Resolved | None] = {}

    def _add(self, p: Parameter) -> None:
        slot = self._by_name.setdefault(p.name, {})
        if p.jurisdiction in slot:
            first = slot[p.jurisdiction]
            raise RuleConflictError(p.name, p.jurisdiction, first.pack or first.path, p.pack or p.path, kind="parameter")
        slot[p.jurisdiction] = p

    # -- queries -----------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def parameters(self, name: str | None = None) -> list[Parameter]:
        """Every parameter (or every jurisdiction's series of ``name``)."""
        if name is not None:
            return list(self._by_name.get(name, {}).values())
        return [p for slot in self._by_name.values() for p in slot.values()]

    def find(self, name: str, region: str, on: date) -> Resolved | None:
        """Like :meth:`lookup` but ``None`` when nothing is in force."""
        key = (name, region, on)
        try:
            return self._cache[key]
        except KeyError:
            pass
        slot = self._by_name.get(name)
        result = None
        if slot:
            chain = (OVERRIDE, *fallback_chain(region)) if OVERRIDE in slot else fallback_chain(region)
            for j in chain:
                p = slot.get(j)
                if p is None:
                    continue
                dv = p.value_on(on)
                if dv is None:
                    continue
                if isinstance(dv.value, _Patch):
                    under = self._find_in(slot, fallback_chain(region), on)
                    if under is None:
                        continue
                    dv = DatedValue(dv.start, _set_path(under.value, dv.value.path, dv.value.value), dv.source, dv.announced)
                # A value still in force on or after its next expected revision is stale.
                due = p.expected_update(dv)
                carried = due is not None and on >= due
                result = Resolved(
                    name=name,
                    value=dv.value,
                    start=dv.start,
                    jurisdiction=j,
                    level=OVERRIDE if j == OVERRIDE else region_level(j),
                    source=dv.source,
                    pack=p.pack,
                    carried_forward=carried,
                    unit=p.unit,
                    expected_update=due,
                    announced=dv.announced,
                )
                break
        self._cache[key] = result
        return result

    @staticmethod
    def _find_in(slot: dict[str, Parameter], chain: tuple[str, ...], on: date) -> DatedValue | None:
        for j in chain:
            p = slot.get(j)
            dv = p.value_on(on) if p is not None else None
            if dv is not None:
                return dv
        return None

    def lookup(self, name: str, region: str, on: date) -> Resolved:
        """The value of ``name`` in force for ``region`` on ``on``, walking the fallback chain.

        Raises :class:`ParameterNotFoundError` when no level has a value in force.
        """
        r = self.find(name, region, on)
        if r is None:
            reason = "unknown parameter" if name not in self._by_name else "no level of the fallback chain has a value in force"
            raise ParameterNotFoundError(name, region, on, reason)
        return r

    def change_dates(self, names: Iterable[str], region: str) -> list[date]:
        """Every date on which one of ``names`` may change for ``region`` (sorted)."""
        chain = set(fallback_chain(region)) | {OVERRIDE}
        out: set[date] = set()
        for n in names:
            for j, p in self._by_name.get(n, {}).items():
                if j in chain:
                    out.update(p.change_dates())
        return sorted(out)

    # -- as known on a day ------------------------------------------------------------
    def as_known_on(self, day: date) -> ParameterSet:
        """The parameters as they were known on ``day``: values announced later are left out.

        A value in force from 2025-08-01 but announced on 2025-10-20 is invisible to
        ``as_known_on(date(2025, 9, 30))``, which prices August and September at the value
        before it.  Values without an ``announced`` date are always seen.
        """
        kept = [q for p in self.parameters() if (q := p.as_known_on(day)) is not None]
        return ParameterSet(kept)

    def announcements(self, after: date | None = None, through: date | None = None) -> list[tuple[Parameter, DatedValue]]:
        """Values carrying an ``announced`` date in ``(after, through]``, by announcement date."""
        out = [(p, v) for p in self.parameters() for v in p.values
               if v.announced is not None and (after is None or v.announced > after) and (through is None or v.announced <= through)]
        out.sort(key=lambda t: (t[1].announced or date.min, t[0].name))
        return out

    # -- what-if -------------------------------------------------------------------
    def with_overrides(self, overrides: Iterable[tuple[str, Any, date | None]], note: str = "what-if override") -> ParameterSet:
        """A new set in which each ``(name, value, from_date)`` beats every jurisdiction.

        ``name`` may reach into a table value: ``disability_pension.annual_standard.1.因战``.
        ``from_date`` ``None`` means "always".
        """
        new = ParameterSet(self.parameters())
        grouped: dict[str, list[tuple[tuple[str, ...], Any, date | None]]] = {}
        for full, value, start in overrides:
            name, path = self._split_name(full)
            grouped.setdefault(name, []).append((path, value, start))
        for name, items in grouped.items():
            values: list[DatedValue] = []
            src = Source(document=note, certainty="assumption", note="set by the caller, not a policy document")
            for path, value, start in sorted(items, key=lambda t: t[2] or date.min):
                # A cell of a table is stored as a patch, applied to whatever the table is on each date.
                values.append(DatedValue(start or date.min, _Patch(path, value) if path else value, src))
            new._by_name[name][OVERRIDE] = Parameter(name=name, jurisdiction=OVERRIDE, values=tuple(values), pack=OVERRIDE)
        return new

    def _split_name(self, full: str) -> tuple[str, tuple[str, ...]]:
        parts = full.split(".")
        for i in range(len(parts), 0, -1):
            cand = ".".join(parts[:i])
            if cand in self._by_name:
                return cand, tuple(parts[i:])
        raise ParameterNotFoundError(full, NATIONAL, "any date", "unknown parameter; see `shuangyong params`")



@frozen(kw_only=True)
class StaleParameter:
    """A parameter whose latest value is carried past its expected revision (see :func:`stale_parameters`)."""

    name: str
    jurisdiction: str
    pack: str
    start: date
    expected_update: date
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "jurisdiction": self.jurisdiction, "pack": self.pack, "from": self.start.isoformat(),
                "expected_update": self.expected_update.isoformat(), "unit": self.unit}


def stale_parameters(ps: ParameterSet, on: date) -> list[StaleParameter]:
    """Every parameter, of every jurisdiction, whose value in force on ``on`` was due for revision by then."""
    out = []
    for p in ps.parameters():
        dv = p.value_on(on)
        if dv is None or p.jurisdiction == OVERRIDE:
            continue
        due = p.expected_update(dv)
        if due is not None and on >= due:
            out.append(StaleParameter(name=p.name, jurisdiction=p.jurisdiction, pack=p.pack, start=dv.start, expected_update=due, unit=p.unit))
    return sorted(out, key=lambda s: (s.name, s.jurisdiction))


def _set_path(base: Any, path: tuple[str, ...], value: Any) -> Any:
    if not path:
        return value
    table = dict(base) if isinstance(base, dict) else {}
    table[path[0]] = _set_path(table.get(path[0]), path[1:], value)
    return table


@frozen
class _Patch:
    """An override of one cell of a table-valued parameter."""

    path: tuple[str, ...]
    value: Any


# -- loading ---------------------------------------------------------------------

_PARAM_KEYS = {"description", "unit", "update", "source", "values", "reference", "note"}
_VALUE_KEYS = {"from", "value", "source", "ended", "note", "announced"}


def load_parameter_file(path: str | Path, jurisdiction: str | None = None, pack: str = "") -> list[Parameter]:
    """Read one TOML parameter file; a malformed file is refused with file, key and reason."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh, parse_float=Decimal)
    except OSError as e:
        raise ParameterFileError(path, "", f"cannot read: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ParameterFileError(path, "", f"not valid TOML: {e}") from e
    prefix = data.pop("prefix", path.stem)
    file_jurisdiction = data.pop("jurisdiction", None)
    data.pop("title", None)
    data.pop("description", None)
    j = jurisdiction or file_jurisdiction or NATIONAL
    if j != NATIONAL:
        try:
            j = validate_region(str(j))
        except ValueError as e:
            raise ParameterFileError(path, "jurisdiction", str(e)) from None
    out = []
    for key, table in data.items():
        full = f"{prefix}.{key}" if prefix else key
        if not isinstance(table, dict):
            raise ParameterFileError(path, key, "each parameter must be a table ([name]) with a 'values' array")
        out.append(_parameter_from_table(path, key, full, table, j, pack))
    return out


def _parameter_from_table(path: Path, key: str, full: str, table: dict[str, Any], j: str, pack: str) -> Parameter:
    extra = set(table) - _PARAM_KEYS
    if extra:
        raise ParameterFileError(path, key, f"unknown keys {sorted(extra)}; allowed: {sorted(_PARAM_KEYS)}")
    raw_values = table.get("values")
    if not isinstance(raw_values, list) or not raw_values:
        raise ParameterFileError(path, key, "needs a non-empty [[values]] array")
    default_source = table.get("source")
    values: list[DatedValue] = []
    for i, entry in enumerate(raw_values):
        where = f"{key}.values[{i}]"
        if not isinstance(entry, dict):
            raise ParameterFileError(path, where, "each value must be a table with from, value and source")
        extra = set(entry) - _VALUE_KEYS
        if extra:
            raise ParameterFileError(path, where, f"unknown keys {sorted(extra)}; allowed: {sorted(_VALUE_KEYS)}")
        start = entry.get("from")
        if not isinstance(start, date):
            raise ParameterFileError(path, where, "'from' must be a TOML date such as 2021-08-01")
        src_data = entry.get("source", default_source)
        if src_data is None:
            raise ParameterFileError(path, where, "value has no source; every figure needs document and certainty")
        try:
            source = Source.from_dict(src_data)
        except (ValueError, TypeError, AttributeError) as e:
            raise ParameterFileError(path, f"{where}.source", str(e)) from None
        announced = entry.get("announced")
        if announced is not None and (not isinstance(announced, date) or isinstance(announced, datetime)):
            raise ParameterFileError(path, f"{where}.announced", "'announced' must be a TOML date such as 2025-10-20")
        if entry.get("ended"):
            value = None
        elif "value" not in entry:
            raise ParameterFileError(path, where, "needs 'value' (or ended = true)")
        else:
            try:
                value = _normalise_value(entry["value"])
            except ValueError as e:
                raise ParameterFileError(path, f"{where}.value", str(e)) from None
        values.append(DatedValue(start, value, source, announced))
    starts = [v.start for v in values]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise ParameterFileError(path, key, "values must be in date order with no date twice")
    update = str(table.get("update", ""))
    try:
        schedule = parse_update(update)
    except ValueError as e:
        raise ParameterFileError(path, f"{key}.update", str(e)) from None
    return Parameter(
        name=full,
        jurisdiction=j,
        values=tuple(values),
        description=str(table.get("description", "")),
        unit=str(table.get("unit", "")),
        update=update,
        pack=pack,
        path=str(path),
        schedule=schedule,
    )


def _normalise_value(v: Any) -> Any:
    if isinstance(v, bool) or isinstance(v, str) or isinstance(v, Decimal):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, dict):
        return {str(k): _normalise_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return tuple(_normalise_value(x) for x in v)
    raise ValueError(f"unsupported value type {type(v).__name__}")


def load_parameters(path: str | Path, jurisdiction: str | None = None, pack: str = "") -> list[Parameter]:
    """Load a TOML file, or every ``*.toml`` in a folder (sorted, recursively)."""
    path = Path(path)
    if path.is_dir():
        out: list[Parameter] = []
        for f in sorted(path.rglob("*.toml")):
            out.extend(load_parameter_file(f, jurisdiction, pack))
        return out
    if not path.exists():
        raise ParameterFileError(path, "", "no such file or folder")
    return load_parameter_file(path, jurisdiction, pack)

