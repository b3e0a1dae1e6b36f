"""Roster runs: every row of a roster ends as a result or a reject, with a reconciled summary.

``run_roster(engine, source, period)`` reads a roster (:mod:`shuangyong.roster`),
validates each row exactly as :meth:`Person.from_record` does, computes every
applicable rule exactly as :meth:`Engine.entitlements` does, and returns a
:class:`RosterRun`: one result row per computed person (``row``, masked
``id_number``, one column per rule code, ``total``), one reject per bad row
(``row``, masked ``id_number``, ``field``, ``reason``), and a summary in the
form county reports use ("重点优抚对象 360 人，发放金额 981,875 元").  A repeated
身份证号 rejects the later rows: nobody is paid twice.

Two roads give the same answers (the test suite checks it with hypothesis):

* the **reference** road builds a :class:`Person` per row and calls
  ``engine.entitlements`` — exact by definition, ≈ 2,000 persons/s;
* the **columnar** road (numpy, the optional extra ``fast``) parses each
  column once per distinct value with the record module's own parsers,
  computes each declared fact as an array of codes, groups rows whose rule
  inputs are equal over the whole period, prices each group once through
  the engine's own ``_evaluate`` and broadcasts integer 分.  Months share a
  pricing when the parameter values in force are the same and the formula
  looked at the date only through comparisons that come out the same (a
  guarded date records them); anything else is priced month by month.  A
  row the columnar parser is not sure of (any field it would not accept,
  a pack rule it cannot group) takes the reference road, so the rejects
  carry exactly ``from_record``'s field and reason.

What-if: ``overrides=["disability_pension.annual_standard.1.因战=120000@2024-08-01"]``
(or ``(name, value, date)`` tuples) runs the roster under the engine and
under ``engine.with_overrides(...)`` and reports the difference per rule and
per category and how many people gain or lose.
"""

from __future__ import annotations

import csv
import json
import sys
import time
import tomllib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from attrs import define

from .errors import (
    InvalidRecordError,
    ParameterFileError,
    ParameterNotFoundError,
    RosterError,
    ShuangyongError,
)
from .facts import DATED_FACTS
from .ids import mask_id_number, normalize_id_number
from .model import Category
from .money import format_amount, format_wan, from_fen, to_fen
from .periods import Period
from .record import normalise_record
from .roster import Roster, read_roster

__all__ = ["run_roster", "RosterRun", "Reject", "WhatIf", "parse_override", "load_overrides", "write_table", "FORMATS"]

#: Output formats of :meth:`RosterRun.write_results` / :meth:`RosterRun.write_rejects`.
FORMATS = ("csv", "jsonl", "xlsx")

SUMMARY_FORMAT = 1

ProgressFn = Callable[[int, int], None]


@define(frozen=True)
class Reject:
    """A row that was not computed: its row number, masked 身份证号, the field at fault and why."""

    row: int
    id_number: str
    field: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "id_number": self.id_number, "field": self.field, "reason": self.reason}


@define
class _Outcome:
    """Per-row answers of one engine over one roster (internal, columnar, compact).

    ``fen[code][i]`` is -1 where the rule does not apply to person ``i``.
    """

    codes: list[str]
    titles: dict[str, tuple[str, str]]
    rows: array  # spreadsheet row number per computed person
    keys: list[str]  # canonical 身份证号 per computed person: never printed, only masked
    fen: dict[str, array]
    eligible: dict[str, array]
    total: array
    categories: list[frozenset[Category]]
    rejects: list[Reject]

    def masked(self, i: int) -> str:
        return mask_id_number(self.keys[i])


@define
class WhatIf:
    """The difference an override makes: per rule, per category, and who gains or loses."""

    overrides: list[tuple[str, Any, date | None]]
    base_total: int
    scenario_total: int
    by_rule: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    gainers: int
    losers: int
    unchanged: int
    compared: int

    @property
    def difference(self) -> Decimal:
        return from_fen(self.scenario_total - self.base_total)

    def to_dict(self) -> dict[str, Any]:
        return {
            "overrides": [{"name": n, "value": str(v), "from": d.isoformat() if d else None} for n, v, d in self.overrides],
            "base_total": str(from_fen(self.base_total)),
            "scenario_total": str(from_fen(self.scenario_total)),
            "difference": str(self.difference),
            "gainers": self.gainers,
            "losers": self.losers,
            "unchanged": self.unchanged,
            "compared": self.compared,
            "by_rule": self.by_rule,
            "by_category": self.by_category,
        }

    def lines(self, locale: str = "zh_CN") -> list[str]:
        """The what-if report as county-style lines."""
        zh = locale.startswith("zh")
        d = self.difference
        out = []
        if zh:
            out.append(f"测算：调整后合计 {format_amount(from_fen(self.scenario_total), locale)}，较现行 {_signed(d, locale)}；"
                       f"增发 {self.gainers} 人，减发 {self.losers} 人，不变 {self.unchanged} 人")
        else:
            out.append(f"What-if: total {format_amount(from_fen(self.scenario_total), locale)}, {_signed(d, locale)} against the "
                       f"current rules; {self.gainers} gain, {self.losers} lose, {self.unchanged} unchanged")
        for r in self.by_rule:
            if r["difference"] != "0.00":
                name = r["title"] if zh else r["title_en"]
                out.append(f"  {name}: {_signed(Decimal(r['difference']), locale)}")
        for c in self.by_category:
            if c["difference"] != "0.00":
                name = c["category"] if zh else c["category_en"]
                out.append(f"  {name}: {_signed(Decimal(c['difference']), locale)}")
        return out


class RosterRun:
    """The outcome of :func:`run_roster`: results, rejects, summary, and an optional what-if."""

    def __init__(self, period: Period, roster: Roster, outcome: _Outcome, engine: Any, elapsed: float,
                 what_if: WhatIf | None = None, path: str = "") -> None:
        self.period = period
        self.roster = roster
        self._o = outcome
        self.engine = engine
        self.elapsed = elapsed
        self.what_if = what_if
        self.path = path  # "columnar", "reference" or "mixed"

    # -- counts -----------------------------------------------------------------------
    @property
    def rows_in(self) -> int:
        return len(self.roster)

    @property
    def computed(self) -> int:
        return len(self._o.rows)

    @property
    def rejected(self) -> int:
        return len(self._o.rejects)

    @property
    def rejects(self) -> list[Reject]:
        return list(self._o.rejects)

    @property
    def rule_codes(self) -> list[str]:
        return list(self._o.codes)

    @property
    def total(self) -> Decimal:
        """The sum of every result row's total, in 元 (exact)."""
        return from_fen(sum(self._o.total))

    @property
    def unknown_columns(self) -> list[str]:
        return self.roster.unknown_columns

    # -- rows -------------------------------------------------------------------------
    def results(self) -> Iterable[dict[str, Any]]:
        """Result rows: ``row``, masked ``id_number``, one ``Decimal`` (or ``None``) per rule code, ``total``."""
        o = self._o
        for i in range(len(o.rows)):
            row: dict[str, Any] = {"row": o.rows[i], "id_number": o.masked(i)}
            for c in o.codes:
                f = o.fen[c][i]
                row[c] = None if f < 0 else from_fen(f)
            row["total"] = from_fen(o.total[i])
            yield row

    def amount(self, row: int, code: str | None = None) -> Decimal | None:
        """The amount of one rule (or the total) for the person on spreadsheet row ``row``."""
        o = self._o
        try:
            i = o.rows.index(row)
        except ValueError:
            return None
        if code is None:
            return from_fen(o.total[i])
        f = o.fen[code][i]
        return None if f < 0 else from_fen(f)

    # -- summary ----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: counts, reconciliation, totals per rule and per category."""
        o = self._o
        rules = []
        for c in o.codes:
            persons, amount = _rule_stats(o, c)
            zh, en = o.titles[c]
            rules.append({"code": c, "title": zh, "title_en": en, "persons": persons, "amount": str(from_fen(amount))})
        cats = []
        for cat, (n, paid, amount) in _by_category(o).items():
            cats.append({"category": cat.label, "category_en": cat.en, "persons": n, "paid_persons": paid,  # type: ignore[attr-defined]
                         "amount": str(from_fen(amount))})
        by_field = Counter(r.field for r in o.rejects)
        out: dict[str, Any] = {
            "format_version": SUMMARY_FORMAT,
            "period": self.period.label,
            "source": self.roster.source,
            "format": self.roster.format,
            "encoding": self.roster.encoding,
            "engine_version": self.engine.version,
            "packs": [{"name": p.name, "version": p.version} for p in self.engine.packs],
            "rows_in": self.rows_in,
            "computed": self.computed,
            "rejected": self.rejected,
            "reconciled": self.rows_in == self.computed + self.rejected,
            "total": str(self.total),
            "persons_paid": _persons_paid(o),
            "rules": rules,
            "categories": cats,
            "rejects_by_field": dict(sorted(by_field.items())),
            "unknown_columns": self.unknown_columns,
            "path": self.path,
            "elapsed_seconds": round(self.elapsed, 3),
        }
        if self.what_if is not None:
            out["what_if"] = self.what_if.to_dict()
        return out

    def lines(self, locale: str = "zh_CN") -> list[str]:
        """The reconciliation and county-style summary lines (zh_CN default, or ``en``)."""
        zh = locale.startswith("zh")
        o = self._o
        out: list[str] = []
        if zh:
            out.append(f"{self.period.label} 花名册核算：读入 {self.rows_in} 行 = 计算 {self.computed} 行 + 退回 {self.rejected} 行")
        else:
            out.append(f"Roster run {self.period.label}: rows in {self.rows_in} = computed {self.computed} + rejected {self.rejected}")
        paid = _persons_paid(o)
        tot = self.total
        if zh:
            out.append(f"合计 {paid} 人，发放金额 {format_amount(tot, locale)}（{format_wan(tot, locale)}）")
        else:
            out.append(f"Total: {paid} persons paid, amount {format_amount(tot, locale)} ({format_wan(tot, locale)})")
        for cat, (n, _paid, amount) in _by_category(o).items():
            a = from_fen(amount)
            if zh:
                out.append(f"{cat.label} {n} 人，发放金额 {format_amount(a, locale)}")
            else:
                en = cat.en  # type: ignore[attr-defined]
                out.append(f"{en[:1].upper()}{en[1:]}: {n} persons, amount {format_amount(a, locale)}")
        for c in o.codes:
            persons, fen = _rule_stats(o, c)
            if not persons:
                continue
            a = from_fen(fen)
            zh_t, en_t = o.titles[c]
            if zh:
                out.append(f"  {zh_t} {persons} 人，发放金额 {format_amount(a, locale)}")
            else:
                out.append(f"  {en_t}: {persons} persons, amount {format_amount(a, locale)}")
        if o.rejects:
            by_field = Counter(r.field for r in o.rejects)
            parts = "、".join(f"{k} {v}" for k, v in by_field.most_common()) if zh else ", ".join(f"{k} {v}" for k, v in by_field.most_common())
            out.append(f"退回原因（按字段）：{parts}" if zh else f"Rejects by field: {parts}")
        if self.unknown_columns:
            cols = "、".join(self.unknown_columns)
            out.append(f"未识别的列（已保留为 extra）：{cols}" if zh else f"Unknown columns (kept as extra): {', '.join(self.unknown_columns)}")
        if self.what_if is not None:
            out.extend(self.what_if.lines(locale))
        return out

    # -- writers ----------------------------------------------------------------------
    def write_results(self, path: str | Path, format: str | None = None) -> None:
        """Write the result rows (csv, jsonl or xlsx; by suffix unless ``format`` is given)."""
        o = self._o
        header = ["row", "id_number", *o.codes, "total"]
        p = Path(path)
        if (format or _format_of(p)) != "csv":
            write_table(path, header, self.results(), format)
            return
        # CSV column by column: the same text as str(Decimal) of each amount, without a Decimal per cell.
        # Keys are canonical 18-character IDs: mask_id_number's slicing, inline for speed.
        masked = [k[:4] + "**********" + k[-4:] if len(k) == 18 else mask_id_number(k) for k in o.keys]
        columns = [[str(r) for r in o.rows], masked]
        columns += [_fen_texts(o.fen[c], blank_negative=True) for c in o.codes]
        columns.append(_fen_texts(o.total, blank_negative=False))
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(zip(*columns))

    def write_rejects(self, path: str | Path, format: str | None = None) -> None:
        """Write the reject rows: ``row``, masked ``id_number``, ``field``, ``reason``."""
        write_table(path, ["row", "id_number", "field", "reason"], (r.to_dict() for r in self._o.rejects), format)

    def write_summary(self, path: str | Path) -> None:
        """Write :meth:`summary` as JSON (UTF-8, Chinese kept readable)."""
        Path(path).write_text(json.dumps(self.summary(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def __repr__(self) -> str:
        return f"<RosterRun {self.period.label} rows_in={self.rows_in} computed={self.computed} rejected={self.rejected} total={self.total}>"


# -- the front door ----------------------------------------------------------------------


def run_roster(
    engine: Any,
    source: Any,
    period: Period | str | int,
    *,
    region: str | None = None,
    overrides: Iterable[Any] | str | Path | None = None,
    adjustments: Mapping[str, Iterable[Any]] | None = None,
    progress: ProgressFn | None = None,
    encoding: str | None = None,
    fast: bool | None = None,
) -> RosterRun:
    """Compute every row of a roster; see the module docstring.

    ``source``: a path (CSV/JSONL/XLSX), a list of mappings, or a :class:`Roster`.
    ``period``: a :class:`Period`, ``2024`` or ``"2024-08"``.  ``region``: the
    行政区划代码 used for rows that give none.  ``overrides``: what-if
    parameter overrides (strings ``name=value[@date]``, ``(name, value, date)``
    tuples, or a TOML file path).  ``adjustments``: 身份证号 → list of
    :class:`sy.Adjustment`, added to that person's total and kept visible.
    ``progress(done, total)`` is called as rows are processed.  ``fast``:
    ``None`` uses the columnar road when numpy is installed, ``False`` forces
    the reference road.
    """
    from .engine import Adjustment
    from .periods import parse_period

    started = time.perf_counter()
    if isinstance(period, int):
        period = Period.year(period)
    elif isinstance(period, str):
        period = parse_period(period)
    if not isinstance(period, Period):
        raise TypeError("period must be a Period, a year or a period string")
    if region is not None:
        from .ids import validate_region

        region = validate_region(region, "--region")
    roster = read_roster(source, encoding=encoding)
    if not any(k == "id_number" for k in roster.keys.values()) and len(roster):
        raise RosterError(f"{roster.source}: no 身份证号 (id_number) column; columns are {', '.join(roster.headers)}")
    adj: dict[str, list[Adjustment]] = {}
    for idn, items in (adjustments or {}).items():
        key = normalize_id_number(idn)
        if key is None:
            raise InvalidRecordError("adjustments", mask_id_number(idn), "not a valid 身份证号")
        adj[key] = list(items)
        for a in adj[key]:
            if not isinstance(a, Adjustment):
                raise TypeError("adjustments must be sy.Adjustment objects")
    if fast is None:
        fast = _numpy() is not None
    outcome, road = _compute(engine, roster, period, region, adj, progress, fast)
    what_if = None
    if overrides is not None:
        parsed = load_overrides(overrides) if isinstance(overrides, (str, Path)) else [parse_override(o) for o in overrides]
        scenario_engine = engine.with_overrides(parsed)
        scenario, _ = _compute(scenario_engine, roster, period, region, adj, None, fast)
        what_if = _compare(parsed, outcome, scenario)
    return RosterRun(period, roster, outcome, engine, time.perf_counter() - started, what_if, road)


# -- what-if overrides ----------------------------------------------------------------


def parse_override(item: Any) -> tuple[str, Any, date | None]:
    """``"name=value[@YYYY-MM-DD]"`` or ``(name, value[, date])`` → ``(name, value, date | None)``.

    Numbers become ``Decimal``; ``true``/``false`` booleans; anything else stays a string.
    """
    if isinstance(item, tuple):
        if len(item) == 2:
            return str(item[0]), _override_value(item[1]), None
        if len(item) == 3:
            d = item[2]
            if isinstance(d, str):
                d = _override_date(d, str(item[0]))
            return str(item[0]), _override_value(item[1]), d
        raise InvalidRecordError("override", repr(item), "expected (name, value) or (name, value, date)")
    if not isinstance(item, str) or "=" not in item:
        raise InvalidRecordError("override", item, "expected name=value or name=value@YYYY-MM-DD")
    name, _, rest = item.partition("=")
    name = name.strip()
    value, at, when = rest.rpartition("@") if "@" in rest else (rest, "", "")
    if not name:
        raise InvalidRecordError("override", item, "missing parameter name before '='")
    return name, _override_value(value.strip()), _override_date(when.strip(), name) if at else None


def load_overrides(path: str | Path) -> list[tuple[str, Any, date | None]]:
    """Read what-if overrides from TOML.

    Either a table of ``"parameter.name" = value`` pairs, or an array
    ``[[override]]`` of tables with ``name``, ``value`` and optional ``from``::

        "disability_pension.annual_standard.1.因战" = 120000
        [[override]]
        name = "disability_pension.annual_standard.2.因战"
        value = 110000
        from = 2024-08-01
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh, parse_float=Decimal)
    except OSError as e:
        raise ParameterFileError(p, "", f"cannot read: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ParameterFileError(p, "", f"not valid TOML: {e}") from e
    out: list[tuple[str, Any, date | None]] = []
    for i, t in enumerate(data.pop("override", [])):
        if not isinstance(t, dict) or "name" not in t or "value" not in t:
            raise ParameterFileError(p, f"override[{i}]", "needs name and value (and optionally from = YYYY-MM-DD)")
        d = t.get("from")
        if d is not None and not isinstance(d, date):
            raise ParameterFileError(p, f"override[{i}]", "'from' must be a TOML date such as 2024-08-01")
        out.append((str(t["name"]), _override_value(t["value"]), d))

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            out.append((prefix, _override_value(node), None))

    walk("", data)
    return out


def _override_value(v: Any) -> Any:
    if isinstance(v, bool) or isinstance(v, Decimal):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        raise InvalidRecordError("override", v, "a float is not exact; give the number as a string or a TOML decimal")
    s = str(v).strip()
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:
        return s


def _override_date(s: str, name: str) -> date:
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise InvalidRecordError("override", f"{name}@{s}", "the date after @ must be YYYY-MM-DD") from None


# -- writing tables ----------------------------------------------------------------------


def _format_of(p: Path) -> str:
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}.get(p.suffix.lower(), "csv")


def _fen_text(f: int) -> str:
    """Integer 分 as ``str(from_fen(f))`` writes it: ``123450`` → ``1234.50``."""
    yuan, fen = divmod(abs(f), 100)
    return f"{'-' if f < 0 else ''}{yuan}.{fen:02d}"


def _fen_texts(values: Sequence[int], blank_negative: bool) -> list[str]:
    """``_fen_text`` of many amounts; each distinct amount (they repeat a lot) is formatted once."""
    np = _numpy()
    if np is None:
        cache: dict[int, str] = {}
        return [cache.get(f) or cache.setdefault(f, "" if (blank_negative and f < 0) else _fen_text(f)) for f in values]
    arr = np.frombuffer(values, dtype=np.int64) if isinstance(values, array) and values.itemsize == 8 else np.asarray(values, dtype=np.int64)
    uniq, inv = np.unique(arr, return_inverse=True)
    texts = np.array(["" if (blank_negative and f < 0) else _fen_text(f) for f in uniq.tolist()], dtype=object)
    return texts[inv.reshape(-1)].tolist()


def write_table(path: str | Path, header: Sequence[str], rows: Iterable[Mapping[str, Any]], format: str | None = None) -> None:
    """Write rows as CSV (UTF-8 with BOM, so Excel opens Chinese correctly), JSON Lines or XLSX."""
    p = Path(path)
    fmt = format or _format_of(p)
    if fmt not in FORMATS:
        raise RosterError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "csv":
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for r in rows:
                w.writerow(["" if r.get(h) is None else str(r.get(h)) for h in header])
    elif fmt == "jsonl":
        with p.open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps({h: (str(r[h]) if isinstance(r.get(h), Decimal) else r.get(h)) for h in header}, ensure_ascii=False))
                fh.write("\n")
    else:
        try:
            import openpyxl
        except ImportError:
            raise RosterError("writing .xlsx needs openpyxl (pip install 'shuangyong[xlsx]')") from None
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(list(header))
        for r in rows:
            ws.append([r.get(h) for h in header])
        wb.save(p)


# -- computing -----------------------------------------------------------------------------


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _compute(engine: Any, roster: Roster, period: Period, region: str | None, adj: Mapping[str, list[Any]],
             progress: ProgressFn | None, fast: bool) -> tuple[_Outcome, str]:
    n = len(roster)
    np = _numpy() if fast else None
    parsed = _Parsed(roster, region, np) if np is not None else None
    problem = {i: (f, r) for i, f, r in roster.problems}
    canon = parsed.canonical_ids() if parsed is not None else _canonical_ids(roster)
    # A repeated 身份证号 rejects the later rows whatever else is right or wrong with them.
    first_seen: dict[str, int] = {}
    dup: dict[int, int] = {}
    for i, c in enumerate(canon):
        if c is None or i in problem:
            continue
        j = first_seen.setdefault(c, i)
        if j != i:
            dup[i] = j
    col = _Collector(engine, roster, period, adj, canon)
    excluded = set(problem) | set(dup)
    if parsed is not None:
        fast_rows = parsed.fast_rows(excluded)
        slow_extra = _run_columnar(engine, parsed, period, fast_rows, col, progress)
        fast_set = set(fast_rows.tolist()) - set(slow_extra)
        slow = [i for i in range(n) if i not in excluded and i not in fast_set]
    else:
        slow = [i for i in range(n) if i not in excluded]
    done = n - len(slow)
    for k, i in enumerate(slow):
        col.reference_row(i, region)
        if progress is not None and k % 256 == 0:
            progress(done + k, n)
    for i, (f, r) in problem.items():
        col.reject(i, f, r)
    for i, j in dup.items():
        col.reject(i, "id_number", f"repeats the 身份证号 of row {roster.row_numbers[j]} (重复的身份证号: only the first row is computed)")
    if progress is not None:
        progress(n, n)
    road = "reference" if parsed is None else ("columnar" if not slow else "mixed")
    return col.outcome(), road


def _canonical_ids(roster: Roster) -> list[str | None]:
    out: list[str | None] = []
    for i in range(len(roster)):
        v = _first_id(roster, i)
        out.append(normalize_id_number(v) if v is not None else None)
    return out


class _Collector:
    """Gathers per-row answers from both roads (columnar blocks and single rows), then orders them by row."""

    def __init__(self, engine: Any, roster: Roster, period: Period, adj: Mapping[str, list[Any]], canon: list[str | None]) -> None:
        self.engine = engine
        self.roster = roster
        self.period = period
        self.adj = adj
        self.canon = canon
        self.codes: dict[str, tuple[str, str]] = {}
        self.single: dict[int, tuple[dict[str, int], dict[str, bool], int, frozenset[Category]]] = {}
        self.blocks: list[tuple[Any, dict[str, Any], dict[str, Any], Any, list[frozenset[Category]]]] = []
        self.rejected: dict[int, Reject] = {}

    def add_codes(self, regs: Iterable[Any]) -> None:
        for reg in regs:
            self.codes.setdefault(reg.code, (reg.rule.title, reg.rule.title_en))

    def reject(self, i: int, fieldname: str, reason: str) -> None:
        self.single.pop(i, None)
        self.rejected[i] = Reject(self.roster.row_numbers[i], mask_id_number(_first_id(self.roster, i) or ""), fieldname, reason)

    def block(self, rows: Any, fen: dict[str, Any], elig: dict[str, Any], total: Any, cats: list[frozenset[Category]]) -> None:
        """Columnar results: ``rows`` (roster indices), per code arrays (-1 = n/a), totals in 分."""
        self.blocks.append((rows, fen, elig, total, cats))

    def reference_row(self, i: int, region: str | None) -> None:
        from .model import Person

        rec = self.roster.record(i)
        if region is not None:
            known, _ = _safe_normalise(rec)
            if known is not None and "region" not in known:
                rec["region"] = region
        try:
            person = Person.from_record(rec)
            self.add_codes(r for r, _ in self.engine._select(person.region))
            res = self.engine.entitlements(person, self.period)
        except InvalidRecordError as e:
            self.reject(i, e.field, _reason(e))
            return
        except ShuangyongError as e:
            self.reject(i, getattr(e, "field", None) or getattr(e, "rule", None) or "record", str(e))
            return
        fen = {e.rule: to_fen(e.amount) for e in res}
        elig = {e.rule: e.eligible for e in res}
        self.single[i] = (fen, elig, to_fen(res.computed_total), person.categories)

    def outcome(self) -> _Outcome:
        known = _ordered_codes(self.engine)
        codes = [c for c in known if c in self.codes] + sorted(set(self.codes) - set(known))
        np = _numpy()
        if np is not None:
            return self._outcome_arrays(np, codes)
        where: dict[int, tuple[int, int]] = {}
        for b, (rows, *_rest) in enumerate(self.blocks):
            for k, i in enumerate(rows.tolist() if hasattr(rows, "tolist") else rows):
                where[i] = (b, k)
        for i in self.single:
            where[i] = (-1, i)
        order = sorted(where)
        o = _Outcome(codes=codes, titles=dict(self.codes), rows=array("l"), keys=[], fen={c: array("q") for c in codes},
                     eligible={c: array("b") for c in codes}, total=array("q"), categories=[],
                     rejects=[self.rejected[i] for i in sorted(self.rejected)])
        block_lists = [({c: (f[c].tolist() if c in f else None) for c in codes}, {c: (e[c].tolist() if c in e else None) for c in codes},
                        t.tolist(), cats) for _, f, e, t, cats in self.blocks]
        for i in order:
            b, k = where[i]
            canon = self.canon[i]
            assert canon is not None
            extra = sum(to_fen(a.amount) for a in self.adj.get(canon, ()))
            o.rows.append(self.roster.row_numbers[i])
            o.keys.append(canon)
            if b < 0:
                fen, elig, total, cats = self.single[i]
                for c in codes:
                    o.fen[c].append(fen.get(c, -1))
                    o.eligible[c].append(bool(elig.get(c, False)))
            else:
                fl, el, tl, cl = block_lists[b]
                for c in codes:
                    fc = fl[c]
                    o.fen[c].append(-1 if fc is None else fc[k])
                    o.eligible[c].append(0 if el[c] is None else el[c][k])
                total, cats = tl[k], cl[k]
            o.total.append(total + extra)
            o.categories.append(cats)
        return o

    def _outcome_arrays(self, np: Any, codes: list[str]) -> _Outcome:
        """``outcome`` with numpy: the blocks and single rows put in row order as whole arrays."""
        singles = sorted(self.single)
        parts_rows = [np.asarray(rows, dtype=np.int64) for rows, *_ in self.blocks] + [np.asarray(singles, dtype=np.int64)]
        all_rows = np.concatenate(parts_rows) if parts_rows else np.zeros(0, dtype=np.int64)
        order = np.argsort(all_rows, kind="stable")
        rows_sorted = all_rows[order]

        def column(block_part: Any, single_value: Any, dtype: Any) -> Any:
            pieces = [np.asarray(block_part(b), dtype=dtype) for b in self.blocks]
            pieces.append(np.asarray([single_value(i) for i in singles], dtype=dtype))
            return np.concatenate(pieces)[order]

        def to_array(kind: str, values: Any) -> array:
            out = array(kind)
            out.frombytes(np.ascontiguousarray(values, dtype={"q": np.int64, "b": np.int8, "l": np.int64}[kind]).tobytes())
            return out

        o = _Outcome(codes=codes, titles=dict(self.codes), rows=array("l"), keys=[], fen={}, eligible={}, total=array("q"),
                     categories=[], rejects=[self.rejected[i] for i in sorted(self.rejected)])
        for c in codes:
            fen = column(lambda b, c=c: b[1][c] if c in b[1] else np.full(len(b[0]), -1),
                         lambda i, c=c: self.single[i][0].get(c, -1), np.int64)
            elig = column(lambda b, c=c: b[2][c] if c in b[2] else np.zeros(len(b[0])),
                          lambda i, c=c: bool(self.single[i][1].get(c, False)), np.int8)
            o.fen[c] = to_array("q", fen)
            o.eligible[c] = to_array("b", elig)
        total = column(lambda b: b[3], lambda i: self.single[i][2], np.int64)
        canon = [self.canon[i] for i in rows_sorted.tolist()]
        if self.adj:
            extra = np.array([sum(to_fen(a.amount) for a in self.adj.get(k, ())) if k in self.adj else 0 for k in canon], dtype=np.int64)
            total = total + extra
        o.total = to_array("q", total)
        numbers = np.frombuffer(self.roster.row_numbers, dtype=np.int64) if self.roster.row_numbers.itemsize == 8 else \
            np.asarray(self.roster.row_numbers, dtype=np.int64)
        o.rows = to_array("l", numbers[rows_sorted])
        o.keys = canon
        cats_all: list[Any] = [c for b in self.blocks for c in b[4]] + [self.single[i][3] for i in singles]
        o.categories = [cats_all[k] for k in order.tolist()]
        return o


# == the columnar road ====================================================================
#
# Rows are parsed column by column, each distinct value once, with the record
# module's own parsers; a row is taken here only when every check that
# Person.from_record makes passes (anything else goes to the reference road,
# which then names the exact field and reason).  Facts are arrays of codes
# into per-fact value tables.  For each rule registration the rows are
# grouped by their rule inputs over the whole period (a fact that changes
# once in the period, like age at a birthday, is encoded as before / month /
# after); each group is priced month by month through Engine._evaluate with
# a memo, and the 分 are broadcast back to the rows.

_EPOCH = date(1970, 1, 1).toordinal()
_ABSENT = -(1 << 40)

_SERVICE_KEYS = ("enlisted", "discharged", "service_type", "hardship", "education", "conscript_years")
_DISABILITY_KEYS = ("disability_grade", "disability_cause", "disability_date")
_TIE_KEYS = ("relation", "member_death_date", "member_awards", "member_monthly_pay")
_DATE_KEYS = ("birth_date", "enlisted", "discharged", "disability_date", "member_death_date", "death_date")


def _parsers() -> dict[str, Callable[[Any], Any]]:
    from .ids import validate_region
    from .model import (
        DisabilityCause,
        Education,
        Hardship,
        Hukou,
        MemberStatus,
        Relation,
        ServiceType,
        Sex,
        parse_grade,
    )
    from .record import (
        _parse_awards,
        _parse_bool,
        _parse_int,
        _parse_money,
        parse_date,
        split_list,
    )

    def d(key: str) -> Callable[[Any], Any]:
        return lambda v: parse_date(v, key)

    return {
        "name": str,
        "region": lambda v: validate_region(str(v)),
        "hukou": lambda v: Hukou.parse(v, "hukou"),
        "sex": lambda v: Sex.parse(v, "sex"),
        "categories": lambda v: frozenset(Category.parse(c, "categories") for c in split_list(v)),
        "service_type": lambda v: ServiceType.parse(v, "service_type"),
        "hardship": lambda v: frozenset(Hardship.parse(x, "hardship") for x in split_list(v)),
        "education": lambda v: Education.parse(v, "education"),
        "conscript_years": lambda v: _parse_int(v, "conscript_years", 0, 80),
        "awards": lambda v: _parse_awards(v, "awards"),
        "disability_grade": parse_grade,
        "disability_cause": lambda v: DisabilityCause.parse(v, "disability_cause"),
        "mental_disorder": lambda v: _parse_bool(v, "mental_disorder"),
        "survivor_of": lambda v: MemberStatus.parse(v, "survivor_of"),
        "relation": lambda v: Relation.parse(v, "relation"),
        "member_awards": lambda v: _parse_awards(v, "member_awards"),
        "member_monthly_pay": lambda v: _parse_money(v, "member_monthly_pay"),
        **{k: d(k) for k in _DATE_KEYS},
    }


def _vkey(v: Any) -> Any:
    # 1 == True == Decimal("1.0") in a dict; keep values of different types (and Decimal spellings) apart.
    if isinstance(v, Decimal):
        return (Decimal, str(v))
    try:
        hash(v)
    except TypeError:
        return (type(v), repr(v))
    return (type(v), v)


def _norm(v: Any) -> Any:
    import unicodedata

    if isinstance(v, str):
        # NFKC leaves ASCII unchanged; most cells (IDs, dates, codes) are ASCII.
        s = (v if v.isascii() else unicodedata.normalize("NFKC", v)).strip()
        return s or None
    return v


class _Column:
    """One record key over the rows: ``codes`` (0 = absent) into ``values`` (parsed) and ``bad`` (unparseable)."""

    def __init__(self, np: Any, codes: Any, raw: list[Any], parser: Callable[[Any], Any] | None) -> None:
        self.codes = codes
        self.raw = raw  # normalised value per code
        self.values: list[Any] = [None] * len(raw)
        bad = [False] * len(raw)
        if parser is not None:
            for c in range(1, len(raw)):
                try:
                    self.values[c] = parser(raw[c])
                except (ShuangyongError, TypeError, ValueError, ArithmeticError):
                    bad[c] = True
        else:
            self.values = list(raw)
        self.bad = np.array(bad, dtype=bool)

    def present(self) -> Any:
        return self.codes > 0

    def bad_rows(self) -> Any:
        return self.bad[self.codes]


class _Parsed:
    """A roster parsed column by column (numpy)."""

    def __init__(self, roster: Roster, region: str | None, np: Any) -> None:
        self.np = np
        self.roster = roster
        self.n = n = len(roster)
        parsers = _parsers()
        by_key: dict[str, list[str]] = {}
        for h, k in roster.keys.items():
            by_key.setdefault(k if k is not None else f"extra:{h}", []).append(h)
        self.cols: dict[str, _Column] = {}
        self._days: dict[str, Any] = {}
        self.conflict = np.zeros(n, dtype=bool)
        self.unhandled = np.zeros(n, dtype=bool)
        for key, headers in by_key.items():
            if key == "name":
                continue  # any text is a valid name, and no rule reads it: not worth a pass over the rows
            codes, raw = self._merge(headers)
            if key == "region" and region is not None:
                if len(raw) == 1 or region not in raw:
                    raw.append(region)
                codes = np.where(codes == 0, raw.index(region), codes)
            if key.startswith("extra:") or key == "id_number":
                self.cols[key] = _Column(np, codes, raw, None)
            elif key in parsers:
                self.cols[key] = _Column(np, codes, raw, parsers[key])
            else:  # a record key this road does not know yet: such rows take the reference road
                self.cols[key] = _Column(np, codes, raw, None)
                self.unhandled |= codes > 0
        if "region" not in self.cols and region is not None:
            self.cols["region"] = _Column(np, np.ones(n, dtype=np.int32), [None, region], parsers["region"])
        self._ids()

    def _merge(self, headers: list[str]) -> tuple[Any, list[Any]]:
        np = self.np
        table: dict[Any, int] = {_vkey(None): 0}
        raw: list[Any] = [None]
        merged = None
        for h in headers:
            col = self.roster.data[h]
            local: dict[Any, int] = {}
            try:
                # C-speed: distinct values in order of first appearance, then each cell's index.
                local = {v: i for i, v in enumerate(dict.fromkeys(col))}
                idx = np.fromiter(map(local.__getitem__, col), dtype=np.int64, count=len(col))
                distinct = list(local)
            except TypeError:  # unhashable cells (JSON lists): key them by their repr
                keyed: dict[Any, int] = {}
                distinct = []
                idx = []
                for v in col:
                    k = _vkey(v)
                    if k not in keyed:
                        keyed[k] = len(distinct)
                        distinct.append(v)
                    idx.append(keyed[k])
            # Normalise each distinct value once; a text cell keys by itself (no other key type
            # equals a str), anything else by _vkey.
            normed = [(v.strip() or None) if type(v) is str and v.isascii() else _norm(v) for v in distinct]
            keys = [nv if type(nv) is str else _vkey(nv) for nv in normed]
            for k, nv in zip(keys, normed):
                if k not in table:
                    table[k] = len(raw)
                    raw.append(nv)
            remap = list(map(table.__getitem__, keys))
            codes = np.asarray(remap, dtype=np.int32)[np.asarray(idx, dtype=np.int64)] if len(idx) else np.zeros(0, dtype=np.int32)
            if merged is None:
                merged = codes
            else:
                both = (merged > 0) & (codes > 0)
                self.conflict |= both & (merged != codes)
                merged = np.where(merged > 0, merged, codes)
        assert merged is not None
        return merged, raw

    def _ids(self) -> None:
        np = self.np
        col = self.cols.get("id_number")
        self.id_ok = np.zeros(self.n, dtype=bool)
        self.birth = np.zeros(self.n, dtype=np.int64)
        self.male = np.zeros(self.n, dtype=bool)
        self.canon_values: list[str | None] = [None]
        if col is None:
            return
        vals = col.raw
        is18 = [c > 0 and isinstance(v, str) and len(v) == 18 for c, v in enumerate(vals)]
        blank = "?" * 18
        strs = [v.upper() if k else blank for v, k in zip(vals, is18)]
        shape = np.array(is18, dtype=bool)
        # Small integer types: at 10⁶ IDs an int64 copy of the digits alone would take 144 MB.
        buf = np.frombuffer("".join(strs).encode("ascii", "replace"), dtype=np.uint8).reshape(-1, 18)
        d = buf[:, :17].astype(np.int16) - 48
        last = buf[:, 17].astype(np.int16)
        ok = shape & ((d >= 0) & (d <= 9)).all(axis=1) & (((last >= 48) & (last <= 57)) | (last == 88))
        d = np.where(ok[:, None], d, 0).astype(np.int16)
        from .ids import PROVINCES

        prov = np.zeros(100, dtype=bool)
        prov[[int(p) for p in PROVINCES]] = True
        ok &= prov[d[:, 0] * 10 + d[:, 1]]
        def digit(j: int) -> Any:
            return d[:, j].astype(np.int64)

        y = digit(6) * 1000 + digit(7) * 100 + digit(8) * 10 + digit(9)
        m = digit(10) * 10 + digit(11)
        dd = digit(12) * 10 + digit(13)
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        mdays = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] + [0] * 87)[m] + (leap & (m == 2))
        ok &= (y >= 1) & (m >= 1) & (m <= 12) & (dd >= 1) & (dd <= mdays)
        weights = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int16)
        check = np.frombuffer(b"10X98765432", dtype=np.uint8).astype(np.int16)
        ok &= check[(d * weights).sum(axis=1, dtype=np.int64) % 11] == last
        # Birth date as days since 1970 (datetime64 arithmetic is exact for the proleptic calendar).
        ys = np.where(ok, y, 1970)
        born = (ys - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (np.where(ok, m, 1) - 1).astype("timedelta64[M]")
        born_days = born.astype("datetime64[D]").astype(np.int64) + np.where(ok, dd, 1) - 1
        self.canon_values = [s if o else None for s, o in zip(strs, ok.tolist())]
        codes = col.codes
        self.id_ok = ok[codes]
        self.birth = born_days[codes]
        self.male = (d[:, 16] % 2 == 1)[codes]
        self.id_codes = codes

    def canonical_ids(self) -> list[str | None]:
        """Canonical 身份证号 per row (``None`` when not valid); rows this road cannot judge are checked one by one."""
        if "id_number" not in self.cols:
            return [None] * self.n
        cv = self.canon_values
        out = [cv[c] for c in self.id_codes.tolist()]
        raw = self.cols["id_number"].raw
        for i in self.np.flatnonzero(~self.id_ok).tolist():
            v = raw[int(self.id_codes[i])]
            out[i] = normalize_id_number(v) if isinstance(v, str) else None
        return out

    def value(self, key: str, i: int) -> Any:
        col = self.cols.get(key)
        return None if col is None else col.values[int(col.codes[i])]

    def days(self, key: str) -> Any:
        """Per row: the date of ``key`` as days since 1970, or a large negative number when absent."""
        np = self.np
        if key in self._days:
            return self._days[key]
        col = self.cols.get(key)
        if col is None:
            out = np.full(self.n, _ABSENT, dtype=np.int64)
        else:
            per = np.array([_ABSENT if v is None else v.toordinal() - _EPOCH for v in col.values], dtype=np.int64)
            out = per[col.codes]
        self._days[key] = out
        return out

    def fast_rows(self, excluded: set[int]) -> Any:
        """Rows every one of whose checks passes here, exactly as Person.from_record would check them."""
        np = self.np
        n = self.n

        def present(k: str) -> Any:
            c = self.cols.get(k)
            return c.present() if c is not None else np.zeros(n, dtype=bool)

        ok = self.id_ok & ~self.conflict & ~self.unhandled & present("region")
        dis = present("disability_grade") | present("disability_cause") | present("disability_date")
        for k, c in self.cols.items():
            if k == "mental_disorder":
                ok &= ~(c.bad_rows() & dis)  # read only when a disability is recorded
            elif not k.startswith("extra:"):
                ok &= ~c.bad_rows()
        enl = present("enlisted")
        for k in _SERVICE_KEYS:
            ok &= ~(present(k) & ~enl)
        ok &= ~(dis & ~(present("disability_grade") & present("disability_cause")))
        surv = present("survivor_of")
        for k in _TIE_KEYS:
            ok &= ~(present(k) & ~surv)
        if "birth_date" in self.cols:
            ok &= ~(present("birth_date") & (self.days("birth_date") != self.birth))
        if "sex" in self.cols:
            from .model import Sex

            sc = self.cols["sex"]
            male = np.array([v is Sex.MALE for v in sc.values], dtype=bool)[sc.codes]
            ok &= ~(present("sex") & (male != self.male))
        for k in ("death_date", "enlisted", "discharged", "disability_date"):
            if k in self.cols:
                ok &= ~(present(k) & (self.days(k) < self.birth))
        if "enlisted" in self.cols and "discharged" in self.cols:
            ok &= ~(present("discharged") & (self.days("discharged") < self.days("enlisted")))
        if "awards" in self.cols:
            c = self.cols["awards"]
            first = np.array([min((a.date.toordinal() - _EPOCH for a in (v or ()) if a.date is not None), default=1 << 40)
                              for v in c.values], dtype=np.int64)
            ok &= first[c.codes] >= self.birth
        if excluded:
            ok[np.fromiter(excluded, dtype=np.int64, count=len(excluded))] = False
        return np.flatnonzero(ok)


# -- facts as arrays ------------------------------------------------------------------------

#: fact → record keys it depends on ("@birth", "@sex" come from the ID number).
_DEPS: dict[str, tuple[str, ...]] = {
    "region": ("region",), "hukou": ("hukou",), "sex": ("@sex",), "birth_date": ("@birth",), "age": ("@birth",),
    "categories": ("categories",), "alive": ("death_date",), "death_date": ("death_date",),
    "service_type": ("enlisted", "service_type"), "enlisted": ("enlisted",), "discharged": ("enlisted", "discharged"),
    "hardship": ("enlisted", "hardship"), "education": ("enlisted", "education"),
    "serving": ("enlisted", "discharged"), "service_years": ("enlisted", "discharged"),
    "service_years_up": ("enlisted", "discharged"), "service_years_half": ("enlisted", "discharged"),
    "service_months": ("enlisted", "discharged"), "conscript_years": ("enlisted", "discharged", "conscript_years"),
    "awards": ("awards",), "highest_award": ("awards",),
    "disability_grade": ("disability_grade",), "disability_cause": ("disability_grade", "disability_cause"),
    "disability_assessed": ("disability_grade", "disability_date"), "mental_disorder": ("disability_grade", "mental_disorder"),
    "survivor_of": ("survivor_of",), "relation": ("survivor_of", "relation"),
    "member_death_date": ("survivor_of", "member_death_date"), "member_awards": ("survivor_of", "member_awards"),
    "member_monthly_pay": ("survivor_of", "member_monthly_pay"),
}
#: Facts that are a record date, with the column they come from and the column they need present.
_DATE_COLUMN_FACTS: dict[str, tuple[str, str]] = {
    "birth_date": ("@birth", ""), "enlisted": ("enlisted", ""), "discharged": ("discharged", "enlisted"),
    "disability_assessed": ("disability_date", "disability_grade"), "member_death_date": ("member_death_date", "survivor_of"),
    "death_date": ("death_date", ""),
}
#: Facts that are a record column read only with a service record, and their value without one (or when empty).
_SERVICE_COLUMN_FACTS: dict[str, Any] = {"service_type": None, "hardship": frozenset(), "education": None}
#: Facts that count whole years (or months) of service.
_SERVICE_COUNT_FACTS = frozenset({"service_years", "service_years_up", "service_years_half", "service_months", "conscript_years"})
#: Facts whose value depends on the date priced.
_VARYING = DATED_FACTS
#: Of those, the ones that stop depending on the date once a discharge date is recorded.
_FIXED_WHEN_DISCHARGED = frozenset({"service_years", "service_years_up", "service_years_half", "service_months", "conscript_years"})


def _fact_known(name: str) -> bool:
    from .facts import FACTS

    return name.startswith("extra.") or (name in _DEPS and name in FACTS)


class _ServiceView:
    """The parts of a ServiceRecord a fact reads, with ServiceRecord's own methods."""

    __slots__ = ("enlisted", "discharged", "service_type", "hardship", "education", "conscript_years")

    from .model import ServiceRecord as _SR

    serving_on = _SR.serving_on
    service_years = _SR.service_years
    service_months = _SR.service_months
    del _SR


class _PersonView:
    """The parts of a Person a fact reads, with Person's own methods (facts are computed by shuangyong.facts itself)."""

    __slots__ = ("region", "hukou", "sex", "birth_date", "categories", "death_date", "service", "awards", "disability",
                 "family_tie", "extra")

    from .model import Person as _P

    alive_on = _P.alive_on
    highest_award = _P.highest_award
    extra_value = _P.extra_value
    del _P


class _Table:
    """Distinct values of one fact; codes are stable for the whole run."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.values: list[Any] = []

    def code(self, v: Any) -> int:
        k = _vkey(v)
        c = self.index.get(k)
        if c is None:
            c = self.index[k] = len(self.values)
            self.values.append(v)
        return c


class _FactStore:
    """Fact codes per row (restricted to the rows of the columnar road)."""

    def __init__(self, parsed: _Parsed, rows: Any) -> None:
        self.p = parsed
        self.np = parsed.np
        self.rows = rows
        self.tables: dict[str, _Table] = {}
        self._fixed: dict[str, Any] = {}
        self._at: dict[tuple[str, date], Any] = {}
        self._combos: dict[str, tuple[Any, Any]] = {}
        self._combo_cache: dict[tuple[str, int, date | None], int] = {}
        self.birth = parsed.birth[rows]
        self._svc: dict[date, tuple[Any, Any, Any, Any]] = {}
        self._svc_fixed: tuple[Any, ...] | None = None

    def table(self, name: str) -> _Table:
        return self.tables.setdefault(name, _Table())

    def _dep_codes(self, dep: str) -> Any:
        np = self.np
        if dep == "@birth":
            return self.birth
        if dep == "@sex":
            return self.p.male[self.rows].astype(np.int64)
        col = self.p.cols.get(dep)
        if col is None:
            return np.zeros(len(self.rows), dtype=np.int64)
        return col.codes[self.rows].astype(np.int64)

    def combos(self, name: str) -> tuple[Any, Any]:
        """(representative row per distinct dependency combination, combination per row)."""
        if name not in self._combos:
            deps = (f"extra:{name[6:]}",) if name.startswith("extra.") else _DEPS[name]
            _, first, inv = _group(self.np, [self._dep_codes(d) for d in deps])
            self._combos[name] = (first, inv)
        return self._combos[name]

    def _view(self, name: str, k: int) -> _PersonView:
        p = self.p
        i = int(self.rows[k])
        deps = (f"extra:{name[6:]}",) if name.startswith("extra.") else _DEPS[name]
        v = _PersonView()
        v.region = p.value("region", i) if "region" in deps else None
        v.hukou = p.value("hukou", i) if "hukou" in deps else None
        from .model import Sex

        v.sex = (Sex.MALE if p.male[i] else Sex.FEMALE) if "@sex" in deps else None
        v.birth_date = date.fromordinal(int(p.birth[i]) + _EPOCH) if "@birth" in deps else None
        v.categories = (p.value("categories", i) or frozenset()) if "categories" in deps else frozenset()
        v.death_date = p.value("death_date", i) if "death_date" in deps else None
        v.awards = (p.value("awards", i) or ()) if "awards" in deps else ()
        v.extra = ()
        if name.startswith("extra."):
            val = p.value(f"extra:{name[6:]}", i)
            v.extra = () if val is None else ((name[6:], val),)
        v.service = None
        if "enlisted" in deps and p.value("enlisted", i) is not None:
            s = _ServiceView()
            s.enlisted = p.value("enlisted", i)
            s.discharged = p.value("discharged", i) if "discharged" in deps else None
            s.service_type = p.value("service_type", i) if "service_type" in deps else None
            s.hardship = (p.value("hardship", i) or frozenset()) if "hardship" in deps else frozenset()
            s.education = p.value("education", i) if "education" in deps else None
            s.conscript_years = p.value("conscript_years", i) if "conscript_years" in deps else None
            v.service = s
        v.disability = None
        if "disability_grade" in deps and p.value("disability_grade", i) is not None:
            from types import SimpleNamespace

            v.disability = SimpleNamespace(
                grade=p.value("disability_grade", i), cause=p.value("disability_cause", i) if "disability_cause" in deps else None,
                assessed=p.value("disability_date", i) if "disability_date" in deps else None,
                mental_disorder=bool(p.value("mental_disorder", i)) if "mental_disorder" in deps else False)
        v.family_tie = None
        if "survivor_of" in deps and p.value("survivor_of", i) is not None:
            from types import SimpleNamespace

            v.family_tie = SimpleNamespace(
                member_status=p.value("survivor_of", i), relation=p.value("relation", i) if "relation" in deps else None,
                member_death_date=p.value("member_death_date", i) if "member_death_date" in deps else None,
                member_awards=(p.value("member_awards", i) or ()) if "member_awards" in deps else (),
                member_monthly_pay=p.value("member_monthly_pay", i) if "member_monthly_pay" in deps else None)
        return v

    def _compute(self, name: str, combo: int, k: int, on: date) -> int:
        from .facts import compute_fact

        fixed = name not in _VARYING or (name in _FIXED_WHEN_DISCHARGED and self.p.value("discharged", int(self.rows[k])) is not None)
        key = (name, combo, None if fixed else on)
        c = self._combo_cache.get(key)
        if c is None:
            c = self._combo_cache[key] = self.table(name).code(compute_fact(name, self._view(name, k), on))  # type: ignore[arg-type]
        return c

    def codes(self, name: str, on: date) -> Any:
        """Fact codes of every row on ``on`` (cached; time-invariant facts computed once)."""
        np = self.np
        if name not in _VARYING:
            if name not in self._fixed and name in _DATE_COLUMN_FACTS:
                self._fixed[name] = self._date_column(name)
            if name not in self._fixed and name in _SERVICE_COLUMN_FACTS:
                self._fixed[name] = self._service_column(name)
            if name not in self._fixed:
                first, inv = self.combos(name)
                per = np.array([self._compute(name, g, int(k), on) for g, k in enumerate(first.tolist())], dtype=np.int64)
                self._fixed[name] = per[inv]
            return self._fixed[name]
        key = (name, on)
        if key not in self._at and name in _SERVICE_COUNT_FACTS:
            self._at[key] = self._service_counts(name, on)
        if key not in self._at:
            if name == "age":
                self._at[key] = self._age(on)
            elif name == "serving":
                # ServiceRecord.serving_on: enlisted on or before the date and not yet discharged.
                enl = self.p.days("enlisted")[self.rows]
                dis = self.p.days("discharged")[self.rows]
                o = on.toordinal() - _EPOCH
                t = self.table("serving")
                yes, no = t.code(True), t.code(False)
                self._at[key] = np.where((enl != _ABSENT) & (enl <= o) & ((dis == _ABSENT) | (o < dis)), yes, no).astype(np.int64)
            elif name == "alive":
                d = self.p.days("death_date")[self.rows]
                t = self.table("alive")
                yes, no = t.code(True), t.code(False)
                self._at[key] = np.where((d == _ABSENT) | (on.toordinal() - _EPOCH < d), yes, no).astype(np.int64)
            else:
                first, inv = self.combos(name)
                per = np.array([self._compute(name, g, int(k), on) for g, k in enumerate(first.tolist())], dtype=np.int64)
                self._at[key] = per[inv]
        return self._at[key]

    def _date_column(self, name: str) -> Any:
        """Codes of a fact that is a record date, present only with its dependency (vectorised)."""
        np = self.np
        column, needs = _DATE_COLUMN_FACTS[name]
        t = self.table(name)
        if column == "@birth":
            uniq, inv = np.unique(self.birth, return_inverse=True)
            lut = np.array([t.code(date.fromordinal(int(d) + _EPOCH)) for d in uniq.tolist()], dtype=np.int64)
            return lut[inv.reshape(-1)]
        col = self.p.cols.get(column)
        none = t.code(None)
        if col is None:
            return np.full(len(self.rows), none, dtype=np.int64)
        lut = np.array([t.code(v) for v in col.values], dtype=np.int64)
        out = lut[col.codes[self.rows]]
        need = self.p.cols.get(needs) if needs else None
        if needs:
            present = need.codes[self.rows] > 0 if need is not None else np.zeros(len(self.rows), dtype=bool)
            out = np.where(present, out, none)
        return out

    def _service_column(self, name: str) -> Any:
        """Codes of a service-record field (``service_type``, ``hardship``, ``education``), vectorised."""
        np = self.np
        t = self.table(name)
        default = _SERVICE_COLUMN_FACTS[name]
        none = t.code(default)
        col = self.p.cols.get(name)
        enl = self.p.cols.get("enlisted")
        if col is None or enl is None:
            return np.full(len(self.rows), none, dtype=np.int64)
        lut = np.array([t.code(default if v is None else v) for v in col.values], dtype=np.int64)
        return np.where(enl.codes[self.rows] > 0, lut[col.codes[self.rows]], none)

    def _service_months(self, on: date) -> tuple[Any, Any, Any, Any]:
        """(whole months, rows with a part month, rows with a positive span, rows with service) on ``on``.

        A discharged record counts to its discharge date whatever ``on`` is, so its figures are
        computed once; only serving records are counted again for each date.
        """
        np = self.np
        cached = self._svc.get(on)
        if cached is not None:
            return cached
        enl = self.p.days("enlisted")[self.rows]
        dis = self.p.days("discharged")[self.rows]
        has = enl != _ABSENT

        def ymd(days: Any) -> tuple[Any, Any, Any]:
            d = days.astype("datetime64[D]")
            m = d.astype("datetime64[M]")
            return (m.astype("datetime64[Y]").astype(np.int64) + 1970, m.astype(np.int64) % 12 + 1,
                    (d - m.astype("datetime64[D]")).astype(np.int64) + 1)

        def count(start: Any, end: Any) -> tuple[Any, Any, Any]:
            sy_, sm, sd = ymd(start)
            ey, em, ed = ymd(end)
            return (ey - sy_) * 12 + em - sm - (ed < sd), ed != sd, end > start

        if self._svc_fixed is None:
            start = np.where(has, enl, 0)
            self._svc_fixed = (start, *count(start, np.where(has & (dis != _ABSENT), dis, start)))
        start, months, part_day, positive = (a.copy() for a in self._svc_fixed)
        serving = np.flatnonzero(has & (dis == _ABSENT))
        if len(serving):
            o = on.toordinal() - _EPOCH
            m2, p2, pos2 = count(start[serving], np.full(len(serving), o, dtype=np.int64))
            months[serving], part_day[serving], positive[serving] = m2, p2, pos2
        out = self._svc[on] = (months, part_day, positive & has, has)
        return out

    def _service_counts(self, name: str, on: date) -> Any:
        """Whole service years (or months) of every row on ``on``, as ``ServiceRecord`` counts them (vectorised)."""
        np = self.np
        months, part_day, positive, has = self._service_months(on)
        if name == "service_months":
            value = np.where(positive, np.maximum(months, 0), 0)
        else:
            years, rest = np.divmod(np.maximum(months, 0), 12)
            part = (rest > 0) | part_day
            rounding = {"service_years": "down", "service_years_half": "half"}.get(name, "up")
            if rounding == "up":
                years = years + part
            elif rounding == "half":
                years = years + (rest >= 6)
            value = np.where(positive, years, 0)
            if name == "conscript_years" and "conscript_years" in self.p.cols:
                # A record that states its 义务兵役年限 is taken at its word.
                col = self.p.cols["conscript_years"]
                stated = np.array([-1 if v is None else int(v) for v in col.values], dtype=np.int64)[col.codes[self.rows]]
                value = np.where(has & (stated >= 0), stated, value)
        t = self.table(name)
        lo, hi = int(value.min()) if len(value) else 0, int(value.max()) if len(value) else 0
        lut = np.array([t.code(int(v)) for v in range(lo, hi + 1)], dtype=np.int64)
        return lut[value - lo]

    def _age(self, on: date) -> Any:
        np = self.np
        # Same arithmetic as shuangyong.facts._age: years, less one before the birthday.
        b = self.birth.astype("datetime64[D]")
        y = b.astype("datetime64[Y]").astype(np.int64) + 1970
        md = (b - b.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
        mo = (b.astype("datetime64[M]").astype(np.int64) % 12) + 1
        before = (on.month < mo) | ((on.month == mo) & (on.day < md))
        age = on.year - y - before.astype(np.int64)
        t = self.table("age")
        lo, hi = int(age.min()) if len(age) else 0, int(age.max()) if len(age) else 0
        lut = np.array([t.code(a) for a in range(lo, hi + 1)], dtype=np.int64)
        return lut[age - lo]

    def value_at(self, name: str, k: int, on: date) -> int:
        """One row's fact code on a date of its own (one-off events)."""
        if name not in _VARYING:
            return int(self.codes(name, on)[k])
        if name == "age":
            b = date.fromordinal(int(self.birth[k]) + _EPOCH)
            return self.table("age").code(on.year - b.year - ((on.month, on.day) < (b.month, b.day)))
        first, inv = self.combos(name)
        g = int(inv[k])
        return self._compute(name, g, int(first[g]), on)


def _group(np: Any, parts: Sequence[Any]) -> tuple[int, Any, Any]:
    """Group rows by the tuple of their codes: (count, first row of each group, group of each row)."""
    n = len(parts[0]) if parts else 0
    if n == 0:
        return 0, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for p in parts:
        p = np.asarray(p, dtype=np.int64)
        lo = int(p.min())
        width = int(p.max()) - lo + 1
        if span * width >= (1 << 62):
            _, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64).reshape(-1)
            span = int(key.max()) + 1
        key = key * width + (p - lo)
        span *= width
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    return len(uniq), first, inv.reshape(-1)


class _GuardedDate(date):
    """The date being priced, as the formula sees it: comparisons are recorded, any other use marks it opaque.

    A result priced for one month holds for another month with the same
    inputs and parameter values when every comparison the formula made with
    the date comes out the same; when the formula used the date in any other
    way (arithmetic, attributes, formatting) the result is tied to that date.
    """

    __slots__ = ("_g_log", "_g_opaque")

    def __new__(cls, d: date) -> _GuardedDate:
        self = date.__new__(cls, d.year, d.month, d.day)
        object.__setattr__(self, "_g_log", [])
        object.__setattr__(self, "_g_opaque", False)
        return self

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_g_"):
            object.__setattr__(self, "_g_opaque", True)
        return object.__getattribute__(self, name)

    def _g_cmp(self, op: str, other: Any) -> Any:
        plain = date(*_plain_ymd(self))
        if type(other) is not date:
            object.__setattr__(self, "_g_opaque", True)
            if isinstance(other, _GuardedDate):
                other = date(*_plain_ymd(other))
            return getattr(plain, op)(other)
        r = getattr(plain, op)(other)
        object.__getattribute__(self, "_g_log").append((op, other, r))
        return r

    def __lt__(self, o: Any) -> Any:
        return self._g_cmp("__lt__", o)

    def __le__(self, o: Any) -> Any:
        return self._g_cmp("__le__", o)

    def __gt__(self, o: Any) -> Any:
        return self._g_cmp("__gt__", o)

    def __ge__(self, o: Any) -> Any:
        return self._g_cmp("__ge__", o)

    def __eq__(self, o: Any) -> Any:
        return self._g_cmp("__eq__", o)

    def __ne__(self, o: Any) -> Any:
        return self._g_cmp("__ne__", o)

    def _g_leak(self) -> None:
        # The engine's own "no value in force" error writes the date into its message; that is not the
        # formula using the date (the engine turns the error into a status and drops the message).
        caller = sys._getframe(2).f_code
        if caller is not _NOT_FOUND_INIT:
            object.__setattr__(self, "_g_opaque", True)

    def __hash__(self) -> int:
        self._g_leak()
        return hash(date(*_plain_ymd(self)))

    def __str__(self) -> str:
        self._g_leak()
        return date(*_plain_ymd(self)).__str__()

    def __repr__(self) -> str:
        self._g_leak()
        return date(*_plain_ymd(self)).__repr__()

    def __format__(self, spec: str) -> str:
        self._g_leak()
        return date(*_plain_ymd(self)).__format__(spec)

    def __add__(self, o: Any) -> Any:
        self._g_leak()
        return date(*_plain_ymd(self)) + o

    __radd__ = __add__

    def __sub__(self, o: Any) -> Any:
        self._g_leak()
        return date(*_plain_ymd(self)) - o

    def __rsub__(self, o: Any) -> Any:
        self._g_leak()
        return o - date(*_plain_ymd(self))

    def __reduce__(self) -> Any:
        self._g_leak()
        return (date, _plain_ymd(self))

    def __reduce_ex__(self, proto: Any) -> Any:
        return self.__reduce__()


_NOT_FOUND_INIT = ParameterNotFoundError.__init__.__code__


def _plain_ymd(d: date) -> tuple[int, int, int]:
    # date's own C getters, so reading them here does not count as the formula's use.
    return (date.year.__get__(d), date.month.__get__(d), date.day.__get__(d))  # type: ignore[attr-defined]


class _Pricer:
    """Prices one unit through Engine._evaluate, remembering results that other months can share."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.memo: dict[Any, list[tuple[Any, Any, Any]]] = {}

    def price(self, reg: Any, region: str, on: date, end: date, values: dict[str, Any], vkey: Any, state: Any,
              event: Any, base_amount: Decimal | None) -> tuple[Any, bool]:
        """(unit, shareable): ``shareable`` when the formula did not look at the date at all."""
        key = (id(reg), vkey, state, _event_key(event), base_amount)
        entries = self.memo.get(key)
        if entries is not None:
            for guards, exact, unit in entries:
                if exact is not None:
                    if exact == on:
                        return unit, False
                elif all(getattr(on, op)(other) == r for op, other, r in guards):
                    return unit, not guards
        g = _GuardedDate(on)
        resolved = {full: self.engine.parameters.find(full, region, on) for full in reg.rule.param_names}
        unit = _evaluate(self.engine, reg, region, g, end, values, resolved, event, base_amount)
        opaque = object.__getattribute__(g, "_g_opaque")
        log = tuple(object.__getattribute__(g, "_g_log"))
        self.memo.setdefault(key, []).append(((), on, unit) if opaque else (log, None, unit))
        return unit, (not opaque and not log)


def _date_classes(engine: Any, reg: Any, units: list[tuple[date, date]], G: int, first: Any, inv: Any, date_idx: list[int],
                  fixed_names: list[str], fixed_codes: list[Any], varying_names: list[str], var_stacks: list[Any],
                  region_of_row: list[str], facts: _FactStore, np: Any) -> tuple[int, Any, Any, list[Any]]:
    """Split each group into classes of rows whose dates lead to the same answer.

    A probe prices one row of the group with its dates traced (``shuangyong.sharing``);
    every row whose dates give the same outcome on each comparison the formula made
    joins its class, and the rest are probed again.  Pricing each class's first row
    then gives every member's exact result.
    """
    from .sharing import Recorder, TracedDate, apply_chain

    tables = [facts.table(f) for f in fixed_names]
    transformed: dict[Any, tuple[Any, Any]] = {}
    _ops = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal, "eq": np.equal, "ne": np.not_equal}

    def dates_after(j: int, chain: tuple[Any, ...]) -> tuple[Any, Any]:
        """(ordinal of each distinct value after ``chain``, whether it exists), computed once per (fact, chain)."""
        key = (fixed_names[j], chain)
        out = transformed.get(key)
        if out is None:
            ords, ok = [], []
            for v in tables[j].values:
                d = None
                if type(v) is date:
                    try:
                        d = apply_chain(v, chain)
                    except (ValueError, OverflowError):
                        d = None
                ords.append(d.toordinal() if d is not None else 0)
                ok.append(d is not None)
            out = transformed[key] = (np.array(ords, dtype=np.int64), np.array(ok, dtype=bool))
        return out

    order = np.argsort(inv, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inv, minlength=G))])
    new_inv = np.empty_like(inv)
    new_first: list[int] = []
    new_units: list[Any] = []
    for g in range(G):
        remaining = order[bounds[g]:bounds[g + 1]]
        while len(remaining):
            rep = int(remaining[0])
            rec = Recorder()
            values: dict[str, Any] = {}
            for j, f in enumerate(fixed_names):
                v = tables[j].values[int(fixed_codes[j][rep])]
                values[f] = TracedDate(v, j, rec) if j in date_idx and type(v) is date else v
            region = region_of_row[rep]
            exact = False
            priced: list[Any] | None = []
            for m, (on, end) in enumerate(units):
                for f, C in zip(varying_names, var_stacks):
                    values[f] = facts.table(f).values[int(C[m, rep])]
                resolved = {full: engine.parameters.find(full, region, on) for full in reg.rule.param_names}
                try:
                    priced.append(_evaluate(engine, reg, region, on, end, dict(values), resolved, None, None))  # type: ignore[union-attr]
                except ShuangyongError:
                    exact = True
                    priced = None  # the main loop prices it again and marks the rows for the reference road
                    break
            rec.active = False
            mask = np.ones(len(remaining), dtype=bool)
            if exact:
                for j in date_idx:
                    mask &= fixed_codes[j][remaining] == fixed_codes[j][rep]
            else:
                for pos_j, chain, op, other, outcome in rec.conditions:
                    ords, ok = dates_after(pos_j, chain)
                    codes_r = fixed_codes[pos_j][remaining]
                    if op == "exact":
                        mask &= ok[codes_r] & (ords[codes_r] == other.toordinal())
                    else:
                        mask &= ok[codes_r] & (_ops[op](ords[codes_r], other.toordinal()) == outcome)
            mask[0] = True  # the probe's own row always belongs to its class
            new_inv[remaining[mask]] = len(new_first)
            new_first.append(rep)
            new_units.append(priced)
            remaining = remaining[~mask]
    return len(new_first), np.asarray(new_first, dtype=np.int64), new_inv, new_units


def _is_date_table(table: _Table) -> bool:
    """True when a fact's values are dates (or absent)."""
    vals = [v for v in table.values if v is not None]
    return bool(vals) and all(type(v) is date for v in vals)


def _evaluate(engine: Any, reg: Any, region: str, on: date, end: date, values: dict[str, Any], resolved: dict[str, Any],
              event: Any, base_amount: Decimal | None) -> Any:
    """Engine._evaluate, whichever of its two signatures this engine has (with or without ``end``)."""
    import inspect

    fn = engine._evaluate
    takes_end = _TAKES_END.get(type(engine))
    if takes_end is None:
        takes_end = _TAKES_END[type(engine)] = "end" in inspect.signature(fn).parameters
    if takes_end:
        return fn(reg, region, on, end, values, resolved, event, base_amount)
    return fn(reg, region, on, values, resolved, event, base_amount)


_TAKES_END: dict[type, bool] = {}


def _event_key(e: Any) -> Any:
    try:
        hash(e)
        return e
    except TypeError:
        return repr(e)


_ONE_OFF_COLUMNS = {"discharged": "discharged", "enlisted": "enlisted", "death_date": "death_date", "member_death_date": "member_death_date"}


def _state(engine: Any, reg: Any, region: str, on: date) -> tuple[Any, ...]:
    out = []
    for full in reg.rule.param_names:
        r = engine.parameters.find(full, region, on)
        out.append(None if r is None else (r.jurisdiction, r.start))
    return tuple(out)


def _supported(reg: Any, base: Any) -> bool:
    rule = reg.rule
    if not all(_fact_known(f) for f in rule.inputs):
        return False
    if rule.period == "one_off":
        return base is None and isinstance(rule.event, str) and (rule.event in _ONE_OFF_COLUMNS or rule.event == "awards")
    if base is not None:
        # The base unit is looked up by the unit's own date: the same month, or the same pay day.
        return base.rule.period == rule.period and (rule.period == "monthly" or base.rule.pay_on == rule.pay_on)
    return True


def _run_columnar(engine: Any, parsed: _Parsed, period: Period, rows: Any, col: _Collector, progress: ProgressFn | None) -> list[int]:
    """Price the columnar rows; return the rows that must take the reference road after all."""
    np = parsed.np
    if len(rows) == 0:
        return []
    rcol = parsed.cols["region"]
    rcode = rcol.codes[rows]
    regions = {int(c): rcol.values[int(c)] for c in np.unique(rcode).tolist()}
    slow_mask = np.zeros(len(rows), dtype=bool)
    plans: dict[int, tuple[Any, Any, list[str]]] = {}
    for c, region in regions.items():
        sel = engine._select(region)
        if not all(_supported(r, b) for r, b in sel):
            slow_mask |= rcode == c
            continue
        col.add_codes(r for r, _ in sel)
        for r, b in sel:
            plans.setdefault(id(r), (r, b, []))[2].append(region)
    if slow_mask.all():
        return rows.tolist()
    keep = ~slow_mask
    slow = rows[slow_mask].tolist()
    rows = rows[keep]
    rcode = rcode[keep]
    facts = _FactStore(parsed, rows)
    pricer = _Pricer(engine)
    n = len(rows)
    fen: dict[str, Any] = {}
    elig: dict[str, Any] = {}
    inkind: dict[str, Any] = {}  # rule code -> rows with an in-kind unit
    failed = np.zeros(n, dtype=bool)
    base_groups: dict[int, tuple[Any, list[list[tuple[int, Decimal | None]]]]] = {}
    region_of_code = {v: k for k, v in regions.items()}
    death = parsed.days("death_date")[rows]
    ordered = sorted(plans.values(), key=lambda t: 1 if t[0].extends else 0)
    for step, (reg, base, regs_here) in enumerate(ordered):
        member = np.isin(rcode, [region_of_code[r] for r in regs_here])
        pos = np.flatnonzero(member)
        if reg.code not in fen:
            fen[reg.code] = np.full(n, -1, dtype=np.int64)
            elig[reg.code] = np.zeros(n, dtype=np.int8)
        if reg.rule.period == "one_off":
            _price_events(reg, pos, rcode, regions, facts, parsed, rows, period, pricer, fen[reg.code], elig[reg.code], inkind, failed, engine)
        else:
            _price_periodic(reg, base, pos, rcode, regions, facts, period, pricer, fen[reg.code], elig[reg.code], inkind, failed,
                            death, base_groups, engine)
        if progress is not None:
            progress(int(n * (step + 1) / (len(ordered) + 1)), parsed.n)
    # A rule with an in-kind unit is not money: it never counts in the total (as Entitlements.computed_total).
    total = np.zeros(n, dtype=np.int64)
    money_codes = list(fen)
    for c in money_codes:
        f = fen[c]
        paid = f > 0
        if c in inkind:
            paid &= ~inkind[c]
        total += np.where(paid, f, 0)
    ok = ~failed
    slow += rows[failed].tolist()
    cats_col = parsed.cols.get("categories")
    cat_values = [v or frozenset() for v in cats_col.values] if cats_col is not None else [frozenset()]
    cat_codes = cats_col.codes[rows[ok]].tolist() if cats_col is not None else [0] * int(ok.sum())
    col.block(rows[ok], {c: fen[c][ok] for c in fen}, {c: (elig[c][ok] > 0).astype(np.int8) for c in elig}, total[ok],
              [cat_values[k] for k in cat_codes])
    return slow


def _price_periodic(reg: Any, base: Any, pos: Any, rcode: Any, regions: dict[int, str], facts: _FactStore, period: Period,
                    pricer: _Pricer, fen_out: Any, elig_out: Any, inkind: Any, failed: Any, death: Any,
                    base_groups: dict[int, Any], engine: Any) -> None:
    np = facts.np
    rule = reg.rule
    if rule.period == "monthly":
        units = [(m.start, m.end) for m in period.months()]
    else:
        units = []
        for y in period.years():
            try:
                pay = date(y, *rule.pay_on)
            except ValueError:
                pay = date(y, rule.pay_on[0], 28)
            if pay in period:
                units.append((pay, date(y + 1, 1, 1)))
    M = len(units)
    if len(pos) == 0:
        return
    if M == 0:
        fen_out[pos] = 0
        return
    # Regions whose parameter values move together form one class.
    cls_of: dict[int, int] = {}
    class_states: list[list[Any]] = []
    class_region: list[str] = []
    sigs: dict[Any, int] = {}
    for c in np.unique(rcode[pos]).tolist():
        region = regions[c]
        sig = tuple(_state(engine, reg, region, on) for on, _ in units)
        if sig not in sigs:
            sigs[sig] = len(class_states)
            class_states.append(list(sig))
            class_region.append(region)
        cls_of[c] = sigs[sig]
    lut = np.zeros(max(cls_of) + 1, dtype=np.int64)
    for c, k in cls_of.items():
        lut[c] = k
    cls = lut[rcode[pos]]
    parts: list[Any] = [cls]
    fixed_names = [f for f in rule.inputs if f not in _VARYING]
    varying_names = [f for f in rule.inputs if f in _VARYING]
    fixed_codes = [facts.codes(f, units[0][0])[pos] for f in fixed_names]
    # Date facts (assessment, birth, enlistment dates) do not split groups: within a group, people
    # whose dates give the same outcome on every comparison the formula makes share one pricing
    # (shuangyong.sharing), so only whether each date is present goes into the grouping key.
    date_idx = [] if base is not None else [j for j, f in enumerate(fixed_names) if _is_date_table(facts.table(f))]
    for j, codes_j in enumerate(fixed_codes):
        if j in date_idx:
            absent = np.array([v is None for v in facts.table(fixed_names[j]).values], dtype=np.int64)
            parts.append(absent[codes_j])
        else:
            parts.append(codes_j)
    var_stacks = []
    multi = np.zeros(len(pos), dtype=bool)
    for f in varying_names:
        C = np.stack([facts.codes(f, on)[pos] for on, _ in units])
        var_stacks.append(C)
        if M > 1:
            ch = C[1:] != C[:-1]
            nch = ch.sum(axis=0)
            t = np.where(nch > 0, ch.argmax(axis=0) + 1, M)
            multi |= nch > 1
            parts += [C[0], t, C[np.minimum(t, M - 1), np.arange(len(pos))]]
        else:
            parts.append(C[0])
    if multi.any():
        # Two or more changes in the period: such a row is its own group (rare: enlisted and discharged in one year).
        parts.append(np.where(multi, np.arange(len(pos)) + 1, 0))
    base_rows = None
    if base is not None:
        binfo = base_groups.get(id(base))
        bgroup = np.full(len(facts.rows), -1, dtype=np.int64)
        if binfo is not None:
            bpos, binv, bunits = binfo
            bgroup[bpos] = binv
        base_rows = bgroup[pos]
        parts.append(base_rows + 1)
        base_unit_lists = binfo[2] if binfo is not None else []
    G, first, inv = _group(np, parts)
    probed: list[Any] | None = None
    if date_idx:
        G, first, inv, probed = _date_classes(engine, reg, units, G, first, inv, date_idx, fixed_names, fixed_codes, varying_names,
                                              var_stacks, [class_region[k] for k in cls.tolist()], facts, np)
    cls_g = cls[first].tolist()
    fixed_g = [fc[first].tolist() for fc in fixed_codes]
    var_g = [C[:, first].T.tolist() for C in var_stacks]
    base_g = base_rows[first].tolist() if base_rows is not None else None
    order = list(rule.inputs)
    where = [("f", fixed_names.index(f)) if f in fixed_names else ("v", varying_names.index(f)) for f in order]
    tables = [facts.table(f) for f in order]
    g_fen = np.zeros(G, dtype=np.int64)
    g_elig = np.zeros(G, dtype=np.int64)
    g_kind = np.zeros(G, dtype=bool)
    g_fail = np.zeros(G, dtype=bool)
    unit_lists: list[list[tuple[int, Decimal | None]]] = []
    need_units = True
    for g in range(G):
        k = cls_g[g]
        region = class_region[k]
        states = class_states[k]
        per: list[tuple[int, Decimal | None]] = []
        prev = None
        prev_unit = None
        total = cnt = 0
        kind = False
        try:
            for m, (on, end) in enumerate(units):
                codes = tuple(fixed_g[j][g] if w == "f" else var_g[j][g][m] for w, j in where)
                base_amount = None
                if base_g is not None:
                    bg = base_g[g]
                    bu = base_unit_lists[bg][m] if bg >= 0 and base_unit_lists else (0, None)
                    if bu[0] != 1:
                        per.append((0, None))
                        prev = None
                        continue
                    base_amount = bu[1]
                key = (codes, states[m], base_amount)
                if probed is not None and probed[g] is not None:
                    unit = probed[g][m]  # the probe priced this class's first row already, with the same inputs
                elif prev is not None and key == prev and prev_unit is not None:
                    unit = prev_unit
                else:
                    values = {f: tables[j].values[c] for j, (f, c) in enumerate(zip(order, codes))}
                    unit, shareable = pricer.price(reg, region, on, end, values, codes, states[m], None, base_amount)
                    prev, prev_unit = key, (unit if shareable else None)
                st = 1 if unit.status == "eligible" else (2 if unit.status == "in_kind" else 0)
                per.append((st, unit.amount if st == 1 else None))
                if st == 1:
                    total += to_fen(unit.amount)
                    cnt += 1
                elif st == 2:
                    cnt += 1
                    kind = True
        except ShuangyongError:
            g_fail[g] = True
            per = [(0, None)] * M
        g_fen[g], g_elig[g], g_kind[g] = total, cnt, kind
        unit_lists.append(per)
    fen_out[pos] = g_fen[inv]
    elig_out[pos] = (g_elig[inv] > 0).astype(np.int8)
    failed[pos] |= g_fail[inv]
    kind_rows = g_kind[inv]
    if kind_rows.any():
        k = inkind.setdefault(reg.code, np.zeros(len(facts.rows), dtype=bool))
        k[pos] |= kind_rows
    if need_units:
        base_groups[id(reg)] = (pos, inv, unit_lists)
    if rule.period == "monthly":
        # Months that begin after a death are not paid (engine-wide rule): recount those rows.
        on_days = np.array([on.toordinal() - _EPOCH for on, _ in units], dtype=np.int64)
        d = death[pos]
        hit = np.flatnonzero((d != _ABSENT) & (d < on_days[-1]))
        for h in hit.tolist():
            alive_months = int(np.searchsorted(on_days, d[h], side="right"))
            per = unit_lists[int(inv[h])][:alive_months]
            fen_out[pos[h]] = sum(to_fen(a) for s, a in per if s == 1 and a is not None)
            elig_out[pos[h]] = 1 if any(s in (1, 2) for s, _ in per) else 0
            if reg.code in inkind:
                inkind[reg.code][pos[h]] = any(s == 2 for s, _ in per)


def _price_events(reg: Any, pos: Any, rcode: Any, regions: dict[int, str], facts: _FactStore, parsed: _Parsed, rows: Any,
                  period: Period, pricer: _Pricer, fen_out: Any, elig_out: Any, inkind: Any, failed: Any, engine: Any) -> None:
    np = facts.np
    rule = reg.rule
    fen_out[pos] = 0
    if len(pos) == 0:
        return
    if rule.event == "awards":
        colm = parsed.cols.get("awards")
        if colm is None:
            return
        lo, hi = period.start, period.end
        has = np.array([any(a.date is not None and lo <= a.date < hi for a in (v or ())) for v in colm.values], dtype=bool)
        cand = pos[has[colm.codes[rows[pos]]]]
    else:
        key = _ONE_OFF_COLUMNS[rule.event]
        d = parsed.days(key)[rows[pos]]
        lo, hi = period.start.toordinal() - _EPOCH, period.end.toordinal() - _EPOCH
        cand = pos[(d != _ABSENT) & (d >= lo) & (d < hi)]
    order = list(rule.inputs)
    tables = [facts.table(f) for f in order]
    for k in cand.tolist():
        i = int(rows[k])
        region = regions[int(rcode[k])]
        if rule.event == "awards":
            evs = sorted(((a.date, a) for a in parsed.value("awards", i) if a.date is not None), key=lambda e: e[0])
        else:
            dv = parsed.value(_ONE_OFF_COLUMNS[rule.event], i)
            evs = [(dv, dv)]
        total = cnt = 0
        kind = False
        try:
            for when, payload in evs:
                if when not in period:
                    continue
                codes = tuple(facts.value_at(f, k, when) for f in order)
                values = {f: tables[j].values[c] for j, (f, c) in enumerate(zip(order, codes))}
                unit, _ = pricer.price(reg, region, when, when, values, codes, (when, _state(engine, reg, region, when)), payload, None)
                if unit.status == "eligible":
                    total += to_fen(unit.amount)
                    cnt += 1
                elif unit.status == "in_kind":
                    cnt += 1
                    kind = True
        except ShuangyongError:
            failed[k] = True
            continue
        fen_out[k] = total
        elig_out[k] = 1 if cnt else 0
        if kind:
            inkind.setdefault(reg.code, np.zeros(len(facts.rows), dtype=bool))[k] = True


def _ordered_codes(engine: Any) -> list[str]:
    seen: dict[str, None] = {}
    for reg in engine.registry.rules:
        seen.setdefault(reg.code, None)
    return list(seen)


def _safe_normalise(rec: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    try:
        return normalise_record(rec)
    except ShuangyongError:
        return None, None


def _first_id(roster: Roster, i: int) -> str | None:
    for h, k in roster.keys.items():
        if k == "id_number":
            v = roster.data[h][i]
            if v not in (None, ""):
                return str(v).strip()
    return None


def _reason(e: InvalidRecordError) -> str:
    if e.value is None or e.value == "":
        return e.reason
    return f"{e.reason} (value {e.value!r})"


def _ints(values: Any) -> Any:
    """A numpy view of an ``array`` of integers (or ``None`` without numpy)."""
    np = _numpy()
    if np is None:
        return None
    return np.frombuffer(values, dtype={1: np.int8, 8: np.int64}[values.itemsize]) if values.itemsize in (1, 8) else np.asarray(values)


def _rule_stats(o: _Outcome, code: str) -> tuple[int, int]:
    """(persons eligible, 分 paid) for one rule code."""
    e, f = _ints(o.eligible[code]), _ints(o.fen[code])
    if e is None or f is None:
        return sum(1 for x in o.eligible[code] if x), sum(x for x in o.fen[code] if x > 0)
    return int((e != 0).sum()), int(f[f > 0].sum())


def _persons_paid(o: _Outcome) -> int:
    t = _ints(o.total)
    return sum(1 for x in o.total if x > 0) if t is None else int((t > 0).sum())


def _by_category(o: _Outcome) -> dict[Category, tuple[int, int, int]]:
    """Per category: (persons, persons paid, 分 paid), summed per distinct category set first."""
    sets: dict[frozenset[Category], list[int]] = {}
    np = _numpy()
    if np is not None and len(o.total):
        index: dict[frozenset[Category], int] = {}
        codes = np.fromiter((index.setdefault(c, len(index)) for c in o.categories), dtype=np.int64, count=len(o.categories))
        tot = np.frombuffer(o.total, dtype=np.int64) if o.total.itemsize == 8 else np.asarray(o.total, dtype=np.int64)
        persons = np.zeros(len(index), dtype=np.int64)
        paid = np.zeros(len(index), dtype=np.int64)
        amount = np.zeros(len(index), dtype=np.int64)
        np.add.at(persons, codes, 1)
        np.add.at(paid, codes, (tot > 0).astype(np.int64))
        np.add.at(amount, codes, tot)  # integer 分: exact
        for cats, k in index.items():
            sets[cats] = [int(persons[k]), int(paid[k]), int(amount[k])]
    else:
        for cats, t in zip(o.categories, o.total):
            a = sets.setdefault(cats, [0, 0, 0])
            a[0] += 1
            a[1] += t > 0
            a[2] += t
    acc: dict[Category, list[int]] = {}
    for cats, (n, p, f) in sets.items():
        for c in cats:
            a = acc.setdefault(c, [0, 0, 0])
            a[0] += n
            a[1] += p
            a[2] += f
    return {c: (acc[c][0], acc[c][1], acc[c][2]) for c in Category if c in acc}


def _compare(overrides: list[tuple[str, Any, date | None]], base: _Outcome, scen: _Outcome) -> WhatIf:
    pos = {k: i for i, k in enumerate(scen.keys)}
    gain = lose = same = 0
    by_rule: dict[str, list[int]] = {c: [0, 0] for c in dict.fromkeys([*base.codes, *scen.codes])}
    by_cat: dict[Category, list[int]] = {}
    for i, k in enumerate(base.keys):
        j = pos.get(k)
        if j is None:
            continue
        d = scen.total[j] - base.total[i]
        gain += d > 0
        lose += d < 0
        same += d == 0
        for c in by_rule:
            if c in base.fen:
                by_rule[c][0] += max(base.fen[c][i], 0)
            if c in scen.fen:
                by_rule[c][1] += max(scen.fen[c][j], 0)
        for cat in base.categories[i]:
            a = by_cat.setdefault(cat, [0, 0])
            a[0] += base.total[i]
            a[1] += scen.total[j]
    titles = {**scen.titles, **base.titles}
    rules = [{"code": c, "title": titles[c][0], "title_en": titles[c][1], "base": str(from_fen(b)), "scenario": str(from_fen(s)),
              "difference": str(from_fen(s - b))} for c, (b, s) in by_rule.items()]
    cats = [{"category": c.label, "category_en": c.en, "base": str(from_fen(by_cat[c][0])),  # type: ignore[attr-defined]
             "scenario": str(from_fen(by_cat[c][1])), "difference": str(from_fen(by_cat[c][1] - by_cat[c][0]))}
            for c in Category if c in by_cat]
    paired = [k for k in base.keys if k in pos]
    bt = sum(base.total[i] for i, k in enumerate(base.keys) if k in pos)
    st = sum(scen.total[pos[k]] for k in paired)
    return WhatIf(overrides=overrides, base_total=bt, scenario_total=st, by_rule=rules, by_category=cats,
                  gainers=gain, losers=lose, unchanged=same, compared=len(paired))


def _signed(d: Decimal, locale: str) -> str:
    s = format_amount(abs(d), locale)
    return ("+" if d >= 0 else "−") + s
