"""Roster runs: every row of a roster ends as a result or a reject, with a reconciled summary.

``run_roster(engine, source, period)`` reads a roster (:mod:`shuangyong.roster.reading`),
validates each row exactly as :meth:`Person.from_record` does, computes every
applicable rule exactly as :meth:`Engine.entitlements` does, and returns a
:class:`RosterRun`: one result row per computed person (``row``, masked
``id_number``, one column per rule code, ``total``), one reject per bad row
(``row``, masked ``id_number``, ``field``, ``reason``), and a summary in the
form county reports use ("重点优抚对象 360 人，发放金额 981,875 元").  A repeated
身份证号 rejects the later rows: nobody is paid twice.

Two roads give the same answers (the test suite checks it with hypothesis):

* the **reference** road builds a :class:`Person` per row and calls
  ``engine.entitlements`` — exact by definition, used without numpy and for
  any row the other road is not sure of;
* the **columnar** road (numpy, the optional extra ``fast``) parses each
  column once per distinct value (:mod:`shuangyong.roster.columns`), groups the rows
  by every fact the rules read, and prices each rule once per distinct
  combination of the facts its formula actually reads, with dates and months
  as stand-ins whose comparisons are then evaluated as arrays
  (:mod:`shuangyong.roster.pricing`; ``docs/columnar.md``).  Amounts are integer 分
  throughout.  A row the columnar parser is not sure of (any field it would
  not accept, a rule it cannot price this way) takes the reference road, so
  rejects carry exactly ``from_record``'s field and reason.

A roster keeps its parse (``Roster.cache``): a second run over it — another
period, a what-if — starts from the parsed columns.

What-if: ``overrides=["disability_pension.annual_standard.1.因战=120000@2024-08-01"]``
(or ``(name, value, date)`` tuples) runs the roster under the engine and
under ``engine.with_overrides(...)`` and reports the difference per rule and
per category and how many people gain or lose.

A long module on purpose: ``run_roster``, ``RosterRun`` (rows, summary, report form, writers), what-if and the collector all work on one encoded outcome; moving the writers to their own module is the next split.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from attrs import define, field

from ..errors import (
    InvalidRecordError,
    ParameterFileError,
    RosterError,
    ShuangyongError,
)
from ..ids import normalize_id_number
from ..outputs import FORMATS, OutputLock, OutputSet, atomic_file, check_output_paths, format_of, safe_cell
from ..outputs import write_table as _write_table
from ..privacy import mask_cell, mask_id_number, mask_text
from ..reasons import field_title, is_zh, reason_text
from ..model import Category
from ..money import format_amount, format_wan, from_fen, to_fen
from ..periods import Period
from ..record import normalise_record
from .columns import Parsed, run_columnar
from .fastpath import FastPathStats
from .keys import distinct
from .pricing import EncodedColumn, column_stats, group_by_values, sum_positive
from .reading import FixedTextColumn, Roster, read_roster

__all__ = ["run_roster", "RosterRun", "Reject", "WhatIf", "parse_override", "load_overrides", "write_table", "FORMATS"]

#: How many reject lines the summary prints (and ``summary()["first_rejects"]`` holds).
FIRST_REJECTS = 5

#: Column headers of the results and rejects files: record/rule codes, or Chinese titles.
HEADERS = ("code", "zh")

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

    def text(self, locale: str = "zh_CN") -> str:
        """The reason in the locale (Chinese by default; see :mod:`shuangyong.reasons`)."""
        return reason_text(self.reason, locale)

    def field_text(self, locale: str = "zh_CN") -> str:
        """The field at fault as a clerk knows it (``disability_grade`` → ``伤残等级``)."""
        return field_title(self.field, locale)

    def localised(self, locale: str = "zh_CN") -> dict[str, Any]:
        """The reject as a row of the rejects file: field and reason in the locale."""
        return {"row": self.row, "id_number": self.id_number, "field": self.field_text(locale), "reason": self.text(locale)}


@define
class _Outcome:
    """Per-row answers of one engine over one roster (internal, columnar, compact).

    Sequences are numpy arrays on the columnar road and plain lists without numpy.
    ``fen[code][i]`` is -1 where the rule does not apply to person ``i``; ``cat_codes[i]``
    indexes ``cat_sets``; ``index[i]`` is the person's roster row, ``canon`` the canonical
    身份证号 of every roster row (never printed, only masked).
    """

    codes: list[str]
    titles: dict[str, tuple[str, str]]
    rows: Any  # spreadsheet row number per computed person
    index: Any
    canon: Sequence[str | None]
    fen: dict[str, Any]
    eligible: dict[str, Any]
    total: Any
    cat_codes: Any
    cat_sets: list[frozenset[Category]]
    rejects: list[Reject]
    _keys: Sequence[str] | None = field(default=None, init=False)
    #: Per rule, rows priced on the fast path and the others by reason (shuangyong.roster.fastpath).
    fast_path: Any = field(default=None, init=False)

    @property
    def keys(self) -> Sequence[str]:
        """Canonical 身份证号 per computed person (a list, or the ID cells kept as one string)."""
        if self._keys is None:
            canon = self.canon
            np = _arrays(self.index)
            if np is not None and len(self.index) == len(canon) and (not len(canon) or int(self.index[-1]) == len(canon) - 1):
                self._keys = canon  # type: ignore[assignment]  # every row computed, in order: the parse's own list
            elif np is not None and isinstance(canon, FixedTextColumn):
                self._keys = canon.take(np, self.index)
            else:
                self._keys = [canon[i] for i in _as_list(self.index)]  # type: ignore[misc]
        return self._keys

    def masked(self, i: int) -> str:
        return mask_id_number(self.keys[i])

    def position(self, row: int) -> int | None:
        """The person on spreadsheet row ``row``, or ``None``."""
        np = _numpy()
        if np is not None and isinstance(self.rows, np.ndarray):
            hit = np.flatnonzero(self.rows == row)
            return int(hit[0]) if len(hit) else None
        try:
            return list(self.rows).index(row)
        except ValueError:
            return None


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
    #: People computed in the base run whose scenario failed: a reject of the scenario each, with its
    #: reason (never silently left out of the comparison): compared + len(rejects) = base computed.
    rejects: list[Reject] = field(factory=list)
    base_computed: int = 0

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
            "rejected": len(self.rejects),
            "reconciled": self.compared + len(self.rejects) == self.base_computed,
            "rejects": [r.to_dict() for r in self.rejects],
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
        if self.rejects:
            if zh:
                out.append(f"  测算比较 {self.compared} 人 + 测算失败 {len(self.rejects)} 人 = 现行计算 {self.base_computed} 人")
            else:
                out.append(f"  compared {self.compared} + scenario failed {len(self.rejects)} = computed in the base run {self.base_computed}")
            for rej in self.rejects[:FIRST_REJECTS]:
                out.append("  " + _reject_line(rej, locale))
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
    """The outcome of :func:`run_roster`: results, rejects, summary, and an optional what-if.

    ``repr`` shows counts only.  IDs in results and rejects are masked unless the run was made with
    ``reveal=True`` (which the summary records).
    """

    def __init__(self, period: Period, roster: Roster, outcome: _Outcome, engine: Any, elapsed: float,
                 what_if: WhatIf | None = None, path: str = "", reveal: bool = False) -> None:
        self.period = period
        self.roster = roster
        self._o = outcome
        self.engine = engine
        self.elapsed = elapsed
        self.what_if = what_if
        self.path = path  # "columnar", "reference" or "mixed"
        self._stale: int | None = None
        self._stale_inputs: tuple[str | None, bool] | None = None  # (region, fast) of the run, set by run_roster
        self.reveal = reveal
        #: What the last :meth:`write_outputs` wrote (named in the summary it wrote last).
        self.outputs: list[dict[str, Any]] = []
        self.kept_columns: list[str] = []
        self._report: list[ReportGroup] | None = None
        self._figures: dict[str, tuple[int, int, int]] | None = None

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
        t = self._o.total
        return from_fen(int(t.sum()) if _arrays(t) is not None else sum(t))

    @property
    def unknown_columns(self) -> list[str]:
        # A header row that is really data (a roster without one) must not leak through this list.
        return [mask_cell(h, self.reveal) for h in self.roster.unknown_columns]

    @property
    def stale_results(self) -> int:
        """(person, rule) results resting on a figure carried past its expected revision (see :mod:`.staleness`)."""
        if self._stale is None:
            from .staleness import count_stale_results

            region, fast = self._stale_inputs or (None, _numpy() is not None)
            # The rules that pay someone, from the per-rule figures the summary and the report use anyway.
            paying = {c for c, (_n, _fen, paid) in self._rule_figures().items() if paid}
            self._stale = count_stale_results(self.engine, self.roster, self.period, region, self._o, fast, paying)
        return self._stale

    # -- rows -------------------------------------------------------------------------
    def keep_columns(self, keep: Iterable[str]) -> list[str]:
        """The roster headers named by ``keep`` (a header, or a record key such as ``name``), checked."""
        out: list[str] = []
        headers = self.roster.headers
        for k in keep:
            k = str(k).strip()
            if not k:
                continue
            hit = k if k in headers else next((h for h in headers if self.roster.keys.get(h) == k), None)
            if hit is None:
                shown = "、".join(mask_cell(h, self.reveal) for h in headers)
                raise RosterError(f"--keep {k}: the roster has no such column (没有这一列); columns are {shown}")
            if hit not in out:
                out.append(hit)
        return out

    def results(self, keep: Iterable[str] = (), reveal: bool | None = None) -> Iterable[dict[str, Any]]:
        """Result rows: ``row``, ``id_number`` (masked unless revealed), the ``keep`` roster columns as
        they are in the roster, one ``Decimal`` (or ``None``) per rule code, ``total``."""
        o = self._o
        reveal = self.reveal if reveal is None else reveal
        kept = self.keep_columns(keep)
        rows, total = _as_list(o.rows), _as_list(o.total)
        index = _as_list(o.index) if kept else []
        fen = {c: _as_list(o.fen[c]) for c in o.codes}
        keys = o.keys
        for i in range(len(rows)):
            row: dict[str, Any] = {"row": rows[i], "id_number": keys[i] if reveal else mask_id_number(keys[i])}
            for h in kept:
                v = self.roster.data[h][index[i]]
                # A kept 身份证号 column follows --reveal like the id_number column.
                row[h] = v if reveal or self.roster.keys.get(h) != "id_number" else mask_id_number(v)
            for c in o.codes:
                f = fen[c][i]
                row[c] = None if f < 0 else from_fen(f)
            row["total"] = from_fen(total[i])
            yield row

    def amount(self, row: int, code: str | None = None) -> Decimal | None:
        """The amount of one rule (or the total) for the person on spreadsheet row ``row``."""
        o = self._o
        i = o.position(row)
        if i is None:
            return None
        if code is None:
            return from_fen(int(o.total[i]))
        f = int(o.fen[code][i])
        return None if f < 0 else from_fen(f)

    # -- per person, for applications (the payment ledger) ------------------------------
    def person_ids(self) -> list[str]:
        """Canonical 身份证号 of every result row, in result order.

        Personal data: for keys and joins only; mask (``ids.mask_id_number``) before showing.
        """
        keys = self.id_column()
        return keys.tolist() if isinstance(keys, FixedTextColumn) else list(keys)

    def id_column(self) -> Sequence[str]:
        """:meth:`person_ids` as the run holds them, without a string per row: a ``FixedTextColumn`` (``.text``, one
        string of 18-character cells) where the reader gave one, else a list.  Personal data; do not modify."""
        return self._o.keys  # type: ignore[no-any-return]

    def roster_positions(self) -> list[int]:
        """Position in ``self.roster`` of every result row (``roster.record(i)`` gives its record)."""
        index = self.position_array()
        return index.tolist() if hasattr(index, "tolist") else [int(i) for i in index]  # (an array's tolist gives ints)

    def position_array(self) -> Sequence[int]:
        """:meth:`roster_positions` as the run holds them: an int64 numpy array on the columnar road, else a list
        (do not modify)."""
        return self._o.index  # type: ignore[no-any-return]

    def amounts_fen(self, code: str) -> Sequence[int]:
        """Rule ``code``'s amount per result row in integer 分; ``-1`` where the rule does not apply.

        A numpy int64 array on the columnar road, a list otherwise (do not modify it).
        """
        if code not in self._o.fen:
            raise KeyError(f"no rule {code!r} in this run; rules: {', '.join(self._o.codes)}")
        fen = self._o.fen[code]
        np = _numpy()
        if np is not None and not isinstance(fen, list):
            return np.asarray(fen, dtype=np.int64)  # type: ignore[no-any-return]
        return fen  # type: ignore[no-any-return]

    def _rule_figures(self) -> dict[str, tuple[int, int, int]]:
        """Per rule code: (persons eligible, 分 paid, persons paid), computed once for the summary and the report."""
        if self._figures is None:
            o = self._o
            np = _numpy()
            columns = [*(o.fen[c] for c in o.codes), *(o.eligible[c] for c in o.codes)]
            # (eligibility as flags: then the rows with a value > 0 are its sum, as _rule_stats counts them)
            if np is not None and all(isinstance(o.fen[c], (EncodedColumn, np.ndarray)) for c in o.codes) and all(
                    (isinstance(e, EncodedColumn) and e.flag) or (isinstance(e, np.ndarray) and e.dtype == bool)
                    for e in (o.eligible[c] for c in o.codes)):
                # From the pricing tables, columns of one grouping sharing its group sizes.
                stats = column_stats(np, columns)
                k = len(o.codes)
                self._figures = {c: (stats[k + j][1], *stats[j]) for j, c in enumerate(o.codes)}
            else:
                self._figures = {c: (*_rule_stats(o, c), _paid_count(o, [c])) for c in o.codes}
        return self._figures

    # -- summary ----------------------------------------------------------------------
    def summary(self, locale: str = "zh_CN") -> dict[str, Any]:
        """JSON-ready summary: counts, reconciliation, totals per rule, per category, per report group."""
        o = self._o
        rules = []
        figures = self._rule_figures()
        for c in o.codes:
            persons, amount, paid_persons = figures[c]
            zh, en = o.titles[c]
            rules.append({"code": c, "title": zh, "title_en": en, "persons": persons, "paid_persons": paid_persons,
                          "amount": str(from_fen(amount)), "group": _report_group(self.engine, c),
                          "fast_path": o.fast_path.for_rule(c) if o.fast_path is not None else None})
        cats = []
        for cat, (n, paid, amount) in _by_category(o).items():
            cats.append({"category": cat.label, "category_en": cat.en, "persons": n, "paid_persons": paid,  # type: ignore[attr-defined]
                         "amount": str(from_fen(amount))})
        by_field = Counter(r.field for r in o.rejects)
        out: dict[str, Any] = {
            "format_version": SUMMARY_FORMAT,
            "period": self.period.label,
            "source": mask_text(self.roster.source, reveal=self.reveal),
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
            "stale_results": self.stale_results,
            "report": [g.to_dict() for g in self.report()],
            "rules": rules,
            "categories": cats,
            "rejects_by_field": dict(sorted(by_field.items())),
            "first_rejects": [r.localised(locale) for r in o.rejects[:FIRST_REJECTS]],
            "unknown_columns": self.unknown_columns,
            "notes": list(self.roster.notes),
            "reveal": self.reveal,
            "kept_columns": [mask_cell(h, self.reveal) for h in self.kept_columns],
            "path": self.path,
            "elapsed_seconds": round(self.elapsed, 3),
        }
        if self.outputs:
            out["outputs"] = list(self.outputs)
        if self.what_if is not None:
            out["what_if"] = self.what_if.to_dict()
        return out

    def report(self) -> list[ReportGroup]:
        """The county-report form: 重点优抚对象 (periodic 抚恤补助), one-off grants, 优待金, in kind.

        Each group counts only the people it paid; under 重点优抚对象, one line per category, again
        counting only people paid a periodic amount.
        """
        if self._report is None:
            self._report = self._make_report()
        return list(self._report)

    def _make_report(self) -> list[ReportGroup]:
        o = self._o
        groups: dict[str, list[str]] = {}
        for c in o.codes:
            groups.setdefault(_report_group(self.engine, c), []).append(c)
        out: list[ReportGroup] = []
        figures = self._rule_figures()
        for key in REPORT_GROUPS:
            codes = groups.get(key, [])
            if not codes:
                continue
            per_person = _paid_amounts(o, codes)
            paid = _count_positive(per_person)
            amount = _sum(per_person)
            rules = []
            for c in codes:
                n = figures[c][2]
                if n:
                    rules.append((c, o.titles[c], n, figures[c][1]))
            cats = []
            if key == "periodic":
                cats = [(cat, p, f) for cat, (_n, p, f) in _by_category(o, per_person).items() if p and cat in KEY_CATEGORIES]
            if key == "in_kind":
                persons = max((figures[c][0] for c in codes), default=0)
                rules = [(c, o.titles[c], figures[c][0], 0) for c in codes if figures[c][0]]
                if not rules:
                    continue
                out.append(ReportGroup(key, persons, 0, rules, cats))
                continue
            if not paid:
                continue
            out.append(ReportGroup(key, paid, amount, rules, cats))
        return out

    def lines(self, locale: str = "zh_CN") -> list[str]:
        """The reconciliation and county-report lines (zh_CN default, or ``en``)."""
        zh = is_zh(locale)
        o = self._o
        out: list[str] = []
        if zh:
            out.append(f"{self.period.label} 花名册核算：读入 {self.rows_in} 行 = 计算 {self.computed} 行 + 退回 {self.rejected} 行")
        else:
            out.append(f"Roster run {self.period.label}: rows in {self.rows_in} = computed {self.computed} + rejected {self.rejected}")
        paid = _persons_paid(o)
        tot = self.total
        if zh:
            out.append(f"合计 {paid} 人，发放金额 {_report_amount(tot, locale)}")
        else:
            out.append(f"Total: {paid} persons paid, amount {_report_amount(tot, locale)}")
        report = self.report()
        for g in report:
            out.extend(g.lines(locale))
        adjusted = tot - sum((from_fen(g.amount) for g in report), Decimal(0))
        if adjusted and report:
            out.append(f"  其中人工调整 {_signed(adjusted, locale)}" if zh else f"  of which manual adjustments {_signed(adjusted, locale)}")
        if self.stale_results:
            out.append(f"其中 {self.stale_results} 项结果沿用已过预期调整日期的标准（可能已调整，见 shuangyong params --stale）" if zh else
                       f"{self.stale_results} result(s) rest on figures carried past their expected update (see shuangyong params --stale)")
        if o.rejects:
            by_field = Counter(r.field_text(locale) for r in o.rejects)
            if zh:
                parts = "、".join(f"{k} {v}" for k, v in by_field.most_common())
                out.append(f"退回 {self.rejected} 行（按字段：{parts}），前 {min(FIRST_REJECTS, self.rejected)} 行：")
            else:
                parts = ", ".join(f"{k} {v}" for k, v in by_field.most_common())
                out.append(f"Rejected {self.rejected} rows (by field: {parts}); the first {min(FIRST_REJECTS, self.rejected)}:")
            for r in o.rejects[:FIRST_REJECTS]:
                out.append("  " + _reject_line(r, locale))
        if self.unknown_columns:
            cols = "、".join(self.unknown_columns)
            out.append(f"未识别的列（已保留为 extra）：{cols}" if zh else f"Unknown columns (kept as extra): {', '.join(self.unknown_columns)}")
        if self.reveal:
            out.append("注意：已按 --reveal 输出完整身份证号" if zh else "Note: full ID numbers written (--reveal)")
        if self.what_if is not None:
            out.extend(self.what_if.lines(locale))
        return out

    # -- writers ----------------------------------------------------------------------
    def _result_header(self, kept: list[str], headers: str) -> tuple[list[str], dict[str, str]]:
        o = self._o
        header = ["row", "id_number", *kept, *o.codes, "total"]
        if headers not in HEADERS:
            raise RosterError(f"--headers {headers}: choose from {', '.join(HEADERS)}")
        if headers == "code":
            return header, {}
        titles = {"row": field_title("row"), "id_number": field_title("id_number"), "total": field_title("total")}
        titles.update({c: o.titles[c][0] for c in o.codes})
        return header, titles

    def to_arrow(self, which: str = "results") -> Any:
        """The run as a ``pyarrow.Table`` (extra ``arrow``): ``which`` is ``"results"``, ``"rejects"`` or ``"all"``.

        Results: ``row`` int64, ``id_number`` string (masked), one ``decimal128(18, 2)`` per rule code
        (null where the rule does not apply), ``total`` decimal128(18, 2).  Rejects: ``row``,
        ``id_number``, ``field``, ``reason``.  All: every roster row in order, the results columns then
        ``status`` (``computed``/``rejected``), ``field``, ``reason``.  See ``shuangyong.arrow.results_table``.
        """
        from ..arrow import results_table

        return results_table(self, which)

    def to_pandas(self, which: str = "results") -> Any:
        """:meth:`to_arrow` as a pandas DataFrame; amounts keep ``pd.ArrowDtype(decimal128(18, 2))`` (exact)."""
        from ..arrow import to_pandas

        return to_pandas(self.to_arrow(which))

    def write_results(self, path: str | Path, format: str | None = None, *, keep: Iterable[str] = (),
                      headers: str = "code", file: Any = None) -> int:
        """Write the result rows (csv, jsonl or xlsx; by suffix unless ``format`` is given); returns the row count.

        ``keep``: roster columns carried through (e.g. ``["姓名", "乡镇", "银行账号"]``); ``headers``:
        ``"code"`` (record keys and rule codes) or ``"zh"`` (Chinese titles).  XLSX is formatted for
        a clerk: text ID column, money format, header style, widths, frozen header, a 合计 row.
        The file appears at ``path`` only when whole (``"-"``: standard output).
        """
        o = self._o
        kept = self.keep_columns(keep)
        header, titles = self._result_header(kept, headers)
        fmt = format_of(path, format)
        money = [*o.codes, "total"]
        if fmt == "parquet" and not (kept or self.reveal or titles):
            from ..arrow import results_pieces, write_parquet

            with contextlib.ExitStack() as stack:
                fh = file if file is not None else stack.enter_context(atomic_file(path, "wb"))
                # In pieces (a whole table of a large run at once doubles its memory), amounts as decimal64:
                # the 分 buffers as they are; the file reads back as decimal128(18, 2).
                write_parquet(results_pieces(self, money_bits=64), fh)
            return len(o.rows)
        if fmt != "csv":
            rows = self.results(kept)
            _write_table(path, header, rows, fmt, titles=titles, money=money, text=["id_number", *kept],
                         totals="合计" if fmt == "xlsx" else None,
                         sheet="发放名单", file=file)
            return len(o.rows)
        shown = [titles.get(h, h) for h in header]
        with contextlib.ExitStack() as stack:
            fh = file if file is not None else stack.enter_context(atomic_file(path, "wb"))
            bom = "" if str(path) == "-" else "\ufeff"
            if kept or self.reveal or titles:
                self._write_csv_columns(fh, shown, kept, bom)
            else:
                self._write_plain_csv(fh, header, bom)
        return len(o.rows)

    def _write_csv_columns(self, fh: Any, shown: list[str], kept: list[str], bom: str) -> None:
        """The results CSV with kept roster columns (formula-safe) or full IDs: column by column, each
        amount formatted once per distinct value, only the kept text cells neutralised one by one."""
        o = self._o
        index = _as_list(o.index)
        keys = o.keys
        ids = list(keys) if self.reveal else [k[:4] + "**********" + k[-4:] if len(k) == 18 else mask_id_number(k) for k in keys]
        columns: list[list[str]] = [list(map(str, _as_list(o.rows))), ids]  # type: ignore[list-item]
        for h in kept:
            data = self.roster.data[h]
            is_id = self.roster.keys.get(h) == "id_number" and not self.reveal
            columns.append([safe_cell(mask_id_number(data[i]) if is_id else ("" if data[i] is None else str(data[i])))
                            for i in index])
        columns += [_fen_texts(o.fen[c], blank_negative=True) for c in o.codes]
        columns.append(_fen_texts(o.total, blank_negative=False))
        text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        try:
            text.write(bom)
            w = csv.writer(text)
            w.writerow([safe_cell(h) for h in shown])
            w.writerows(zip(*columns))
            text.flush()
        finally:
            text.detach()

    def _write_plain_csv(self, fh: Any, header: list[str], bom: str) -> None:
        """The results CSV with masked IDs and amounts only (all plain ASCII): the fast writers."""
        o = self._o
        np = _numpy()
        if np is not None and _arrays(o.rows) is not None:
            columns = self._csv_columns(np)
            if columns is not None:
                from .csvout import join_rows

                fh.write((bom + ",".join(header) + "\r\n").encode("utf-8"))
                join_rows(np, columns, len(o.rows), fh.write)
                return
        # CSV column by column: the same text as str(Decimal) of each amount, without a Decimal per cell.
        # Keys are canonical 18-character IDs: mask_id_number's slicing, inline for speed.
        keys = o.keys
        masked = [k[:4] + "**********" + k[-4:] if len(k) == 18 else mask_id_number(k) for k in keys]
        columns = [list(map(str, _as_list(o.rows))), masked]
        columns += [_fen_texts(o.fen[c], blank_negative=True) for c in o.codes]
        columns.append(_fen_texts(o.total, blank_negative=False))
        text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        try:
            text.write(bom)
            w = csv.writer(text)
            w.writerow(header)
            if set(map(len, keys)) <= {18} or all(_plain_csv(m) for m, k in zip(masked, keys) if len(k) != 18):
                # Digits, '.', '-', '*' and 'X' need no quoting: rows joined directly, far faster than csv.writer.
                if masked:
                    text.write("\r\n".join(map(",".join, zip(*columns))))
                    text.write("\r\n")
            else:
                w.writerows([[safe_cell(c) for c in r] for r in zip(*columns)])
            text.flush()
        finally:
            text.detach()

    def _csv_columns(self, np: Any) -> list[Any] | None:
        """The result columns as byte tables for ``csvout.join_rows`` (``None`` when a cell would need quoting)."""
        from ..privacy import mask_id_table
        from .csvout import Numbers, merge_grouped, text_table

        o = self._o
        keys = o.keys
        n = len(keys)
        if isinstance(keys, FixedTextColumn) and keys.width == 18:
            ids = keys.text  # read as one string, kept as one
        elif n == 0 or set(map(len, keys)) != {18}:
            return None
        else:
            ids = "".join(keys)
        if n == 0 or not ids.isascii():
            return None
        rows = np.asarray(o.rows, dtype=np.int64)
        if int(rows.min()) < 0:
            return None  # (never: rows are line numbers) the csv module writes what the tables would not

        def masked(a: int, b: int) -> tuple[Any, Any]:
            return mask_id_table(np, ids[a * 18:b * 18], b - a), np.full(b - a, 18, dtype=np.int64)

        # Row numbers and IDs are made chunk by chunk as the lines are joined (see csvout.Column).
        columns: list[Any] = [(Numbers(np, rows), None, None), (masked, None, None)]
        # The amounts: rows grouped by what their amounts come from (pricing groups, rows priced one by one),
        # each group's amounts formatted from its first row, the lines' amount texts joined once per
        # combination — not a code per row and rule sorted out of 10⁶ spelt-out amounts.
        amounts = [*((o.fen[c], True) for c in o.codes), (o.total, False)]
        _count, first, of_row = group_by_values(np, [v for v, _ in amounts], n)
        coded = []
        for values, blank in amounts:
            at = values.at(first) if isinstance(values, EncodedColumn) else np.asarray(values)[first]
            uniq, codes = distinct(np, np.asarray(at, dtype=np.int64))
            texts = ["" if (blank and f < 0) else _fen_text(f) for f in uniq.tolist()]
            coded.append((*text_table(np, texts), codes))
        merged = merge_grouped(np, coded, of_row)
        if merged is not None:
            columns.append(merged)
        else:  # too many combinations to join once each: a code per row and rule, from its group's
            # (two bytes a row and rule where the texts are few, as a score of columns are held at once)
            columns += [(tab, lengths, codes.astype(np.uint16 if len(lengths) <= 1 << 16 else np.int32)[of_row])
                        for tab, lengths, codes in coded]
        return columns

    def all_rejects(self) -> list[Reject]:
        """The run's rejects, then the what-if's (people whose scenario failed)."""
        extra = self.what_if.rejects if self.what_if is not None else []
        return [*self._o.rejects, *extra]

    def write_rejects(self, path: str | Path, format: str | None = None, *, headers: str = "code",
                      locale: str = "zh_CN", file: Any = None) -> int:
        """Write the reject rows: ``row``, masked ``id_number``, ``field``, ``reason`` — field and
        reason in the locale (Chinese by default); a what-if's failed people follow.  Returns the count."""
        if headers not in HEADERS:
            raise RosterError(f"--headers {headers}: choose from {', '.join(HEADERS)}")
        header = ["row", "id_number", "field", "reason"]
        titles = {h: field_title(h) for h in header} if headers == "zh" else {}
        rejects = self.all_rejects()
        _write_table(path, header, (r.localised(locale) for r in rejects), format, titles=titles, text=["id_number"],
                     sheet="退回名单", file=file)
        return len(rejects)

    def write_summary(self, path: str | Path, locale: str = "zh_CN", file: Any = None) -> None:
        """Write :meth:`summary` as JSON (UTF-8, Chinese kept readable), atomically."""
        data = (json.dumps(self.summary(locale), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        if file is not None:
            file.write(data)
            return
        with atomic_file(path, "wb") as fh:
            fh.write(data)

    def write_outputs(self, results: str | Path | None = None, rejects: str | Path | None = None,
                      summary: str | Path | None = None, *, format: str | None = None, keep: Iterable[str] = (),
                      headers: str = "code", locale: str = "zh_CN", lock: bool = True, lock_wait: float = 0.0) -> None:
        """Write results, rejects and summary together: each whole or not at all, the summary last,
        naming the files it vouches for.  Paths are checked first (none may be the roster or another
        output) and locked (another run writing them makes this wait ``lock_wait`` seconds, then fail)."""
        paths = {"--out": results, "--rejects": rejects, "--summary": summary}
        check_output_paths([self.roster.source] if self.roster.source else [], paths)
        self.kept_columns = self.keep_columns(keep)
        with contextlib.ExitStack() as stack:
            if lock:
                stack.enter_context(OutputLock([p for p in paths.values() if p is not None], wait=lock_wait))
            outs = stack.enter_context(OutputSet())
            self.outputs = []
            if results is not None:
                fmt = format_of(results, format)
                n = self.write_results(results, fmt, keep=keep, headers=headers, file=outs.open(results))
                self.outputs.append({"kind": "results", "path": str(results), "format": fmt, "rows": n})
            if rejects is not None:
                fmt = format_of(rejects, format)
                n = self.write_rejects(rejects, fmt, headers=headers, locale=locale, file=outs.open(rejects))
                self.outputs.append({"kind": "rejects", "path": str(rejects), "format": fmt, "rows": n})
            if summary is not None:
                self.write_summary(summary, locale, file=outs.open(summary))

    def __repr__(self) -> str:
        return f"<RosterRun {self.period.label} rows_in={self.rows_in} computed={self.computed} rejected={self.rejected} total={self.total}>"


#: The 重点优抚对象: the categories drawing periodic 抚恤补助 (domain.md §2; 优抚对象 of the 条例 and the
#: groups given 定期生活补助 by 民政/退役军人 circulars).
KEY_CATEGORIES = frozenset({
    Category.MARTYR_SURVIVOR, Category.DUTY_DEATH_SURVIVOR, Category.ILLNESS_DEATH_SURVIVOR, Category.DISABLED_VETERAN,
    Category.DEMOBILISED_VETERAN, Category.SICK_RETURNEE, Category.COMBAT_VETERAN, Category.NUCLEAR_VETERAN,
    Category.UNIT_8023, Category.MARTYR_CHILD, Category.RURAL_VETERAN,
})

#: Report groups in the order of the county-report form.
REPORT_GROUPS = ("periodic", "one_off", "youdai", "other", "in_kind")

_GROUP_TITLES = {
    "periodic": ("重点优抚对象（定期抚恤补助）", "Key entitled persons (periodic pensions and allowances)"),
    "one_off": ("一次性抚恤补助", "One-off grants"),
    "youdai": ("优待金", "Preferential allowances (优待金)"),
    "other": ("其他定期补助", "Other periodic allowances"),
    "in_kind": ("非现金优待", "In-kind benefits"),
}


@define(frozen=True)
class ReportGroup:
    """One block of the county-report form: the people it paid, its amount (分), its rules and categories."""

    key: str
    persons: int
    amount: int
    rules: list[tuple[str, tuple[str, str], int, int]]  # (code, (title, title_en), persons paid, 分)
    categories: list[tuple[Category, int, int]]  # (category, persons paid, 分)

    def to_dict(self) -> dict[str, Any]:
        zh, en = _GROUP_TITLES[self.key]
        return {
            "group": self.key, "title": zh, "title_en": en, "persons": self.persons, "amount": str(from_fen(self.amount)),
            "rules": [{"code": c, "title": t[0], "persons": n, "amount": str(from_fen(f))} for c, t, n, f in self.rules],
            "categories": [{"category": c.label, "category_en": c.en, "persons": n, "amount": str(from_fen(f))}  # type: ignore[attr-defined]
                           for c, n, f in self.categories],
        }

    def lines(self, locale: str = "zh_CN") -> list[str]:
        zh = is_zh(locale)
        title = _GROUP_TITLES[self.key][0 if zh else 1]
        if self.key == "in_kind":
            items = ("、" if zh else ", ").join(f"{t[0] if zh else t[1]} {n}{' 人' if zh else ''}" for _c, t, n, _f in self.rules)
            return [f"{title}：{items}" if zh else f"{title}: {items}"]
        out = [f"{title} {self.persons} 人，发放金额 {_report_amount(from_fen(self.amount), locale)}" if zh else
               f"{title}: {self.persons} persons, amount {_report_amount(from_fen(self.amount), locale)}"]
        for cat, n, f in self.categories:
            a = _report_amount(from_fen(f), locale)
            if zh:
                out.append(f"  {cat.label} {n} 人，发放金额 {a}")
            else:
                en = cat.en  # type: ignore[attr-defined]
                out.append(f"  {en[:1].upper()}{en[1:]}: {n} persons, amount {a}")
        for _c, t, n, f in self.rules:
            a = _report_amount(from_fen(f), locale)
            out.append(f"  {t[0]} {n} 人，发放金额 {a}" if zh else f"  {t[1]}: {n} persons, amount {a}")
        return out


def _report_group(engine: Any, code: str) -> str:
    """Which block of the report form a rule's money belongs to.

    A rule may say so itself (``report_group`` attribute); otherwise 优待…金 in its title → 优待金,
    one-off → one-off grants, a periodic rule whose title names 抚恤, 护理费 or a category of the
    重点优抚对象 → 重点优抚对象, any other periodic rule (随军家属生活补助 …) → other.
    """
    for reg in engine.registry.rules:
        if reg.code != code:
            continue
        rule = reg.rule
        own = getattr(rule, "report_group", None)
        if own in REPORT_GROUPS:
            return str(own)
        if "优待" in rule.title and "金" in rule.title:
            return "youdai"
        if rule.period == "one_off":
            return "one_off"
        return "periodic" if _KEY_TITLE.search(rule.title) else "other"
    return "other"


def _key_words() -> str:
    words = {"抚恤", "护理费", "伤残", "残疾", "遗属", "烈士", "复员", "带病回乡", "参战", "涉核", "8023", "农村籍退役士兵"}
    for c in KEY_CATEGORIES:
        words.add(c.label)
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_KEY_TITLE = re.compile(_key_words())


def _report_amount(amount: Decimal, locale: str) -> str:
    """An amount as the county form writes it: 万元 or 亿元 as its size calls for, the exact figure after."""
    exact = format_amount(amount, locale)
    if not is_zh(locale):
        return exact
    a = abs(amount)
    if a >= Decimal(10) ** 8:
        from babel.numbers import format_decimal

        yi = (amount / Decimal(10) ** 8).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{format_decimal(yi, format='#,##0.00', locale=locale)}亿元（{exact}）"
    if a >= 10000:
        return f"{format_wan(amount, locale)}（{exact}）"
    return exact


def _reject_line(r: Reject, locale: str) -> str:
    if is_zh(locale):
        return f"第 {r.row} 行 {r.id_number or '（无身份证号）'}：{r.field_text(locale)} — {r.text(locale)}"
    return f"row {r.row} {r.id_number or '(no ID)'}: {r.field} — {r.reason}"


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
    sheet: str | int | None = None,
    header_row: int | None = None,
    reveal: bool = False,
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
    the reference road.  ``sheet`` and ``header_row``: where an XLSX roster is
    (see :func:`shuangyong.roster.reading.read_roster`).  ``reveal``: full 身份证号 in results, rejects and reasons (masked by
    default); the summary records it.
    """
    from ..engine import Adjustment
    from ..periods import parse_period

    started = time.perf_counter()
    if isinstance(period, int):
        period = Period.year(period)
    elif isinstance(period, str):
        period = parse_period(period)
    if not isinstance(period, Period):
        raise TypeError("period must be a Period, a year or a period string")
    if region is not None:
        from ..ids import validate_region

        region = validate_region(region, "--region")
    roster = read_roster(source, encoding=encoding, sheet=sheet, header_row=header_row)
    if progress is not None:
        progress(0, len(roster))
    if not any(k == "id_number" for k in roster.keys.values()) and len(roster):
        # A file without a header row has a person's cells as its "headers": masked like any cell.
        shown = ", ".join(mask_cell(h, reveal) for h in roster.headers)
        raise RosterError(f"{roster.source}: no 身份证号 (id_number) column (没有身份证号列); columns are {shown}")
    adj: dict[str, list[Adjustment]] = {}
    for idn, items in (adjustments or {}).items():
        key = normalize_id_number(idn)
        if key is None:
            raise InvalidRecordError("adjustments", mask_id_number(idn, reveal=reveal), "not a valid 身份证号")
        adj[key] = list(items)
        for a in adj[key]:
            if not isinstance(a, Adjustment):
                raise TypeError("adjustments must be sy.Adjustment objects")
    if fast is None:
        fast = _numpy() is not None
    outcome, road = _compute(engine, roster, period, region, adj, progress, fast, reveal)
    what_if = None
    if overrides is not None:
        parsed = load_overrides(overrides) if isinstance(overrides, (str, Path)) else [parse_override(o) for o in overrides]
        _check_override_kinds(engine, parsed)
        scenario_engine = engine.with_overrides(parsed)
        scenario, _ = _compute(scenario_engine, roster, period, region, adj, None, fast, reveal)
        what_if = _compare(parsed, outcome, scenario)
    run = RosterRun(period, roster, outcome, engine, time.perf_counter() - started, what_if, road, reveal)
    run._stale_inputs = (region, fast)
    return run


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


def _check_override_kinds(engine: Any, overrides: list[tuple[str, Any, date | None]]) -> None:
    """Refuse an override whose kind (number, yes/no, text) is not the kind the parameter holds (``=true`` for money)."""
    params = engine.parameters
    for full, value, _ in overrides:
        name, path = params._split_name(full)
        kinds = set()
        for p in params.parameters(name):
            for dv in p.values:
                leaf = dv.value
                for part in path:
                    leaf = leaf.get(part) if isinstance(leaf, dict) else None
                if leaf is not None and not isinstance(leaf, dict):
                    kinds.add(_kind(leaf))
        if kinds and _kind(value) not in kinds:
            raise InvalidRecordError("override", f"{full}={value}", f"{full} holds {' or '.join(sorted(kinds))}, not {_kind(value)}")


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "yes/no (true/false)"
    if isinstance(v, (int, Decimal)):
        return "a number"
    if isinstance(v, dict):
        return "a table"
    return "text"


def _override_value(v: Any) -> Any:
    if isinstance(v, Decimal) and not v.is_finite():
        raise InvalidRecordError("override", str(v), "not a finite number（不是有限数）")
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
        d = Decimal(s.replace(",", ""))
    except InvalidOperation:
        return s
    if not d.is_finite():
        raise InvalidRecordError("override", s, "not a finite number（不是有限数）")
    if d and not -18 <= d.adjusted() <= 18:
        raise InvalidRecordError("override", s[:40], "a number this large or small is not a parameter value（数值超出范围）")
    return d


def _override_date(s: str, name: str) -> date:
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise InvalidRecordError("override", f"{name}@{s}", "the date after @ must be YYYY-MM-DD") from None


# -- writing tables ----------------------------------------------------------------------


def _format_of(p: Path) -> str:
    return format_of(p)


def _fen_text(f: int) -> str:
    """Integer 分 as ``str(from_fen(f))`` writes it: ``123450`` → ``1234.50``."""
    yuan, fen = divmod(abs(f), 100)
    return f"{'-' if f < 0 else ''}{yuan}.{fen:02d}"


def _plain_csv(text: str) -> bool:
    return not any(ch in text for ch in ',"\r\n')


def _fen_texts(values: Sequence[int], blank_negative: bool) -> list[str]:
    """``_fen_text`` of many amounts; each distinct amount (they repeat a lot) is formatted once."""
    if isinstance(values, EncodedColumn):
        return values.texts(lambda f: "" if (blank_negative and f < 0) else _fen_text(f))
    np = _numpy()
    if np is None:
        cache: dict[int, str] = {}
        return [cache.get(f) or cache.setdefault(f, "" if (blank_negative and f < 0) else _fen_text(f)) for f in values]
    arr = np.asarray(values, dtype=np.int64)
    uniq, inv = distinct(np, arr)
    texts = np.array(["" if (blank_negative and f < 0) else _fen_text(f) for f in uniq.tolist()], dtype=object)
    return texts[inv].tolist()




def write_table(path: str | Path, header: Sequence[str], rows: Iterable[Mapping[str, Any]], format: str | None = None) -> None:
    """Write rows as CSV (UTF-8 with BOM, so Excel opens Chinese correctly), JSON Lines or XLSX.

    Kept for callers of the earlier API: the one table writer is :func:`shuangyong.outputs.write_table`
    (atomic, formula-safe, formatted XLSX).
    """
    _write_table(path, header, rows, format)


# -- computing -----------------------------------------------------------------------------


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _compute(engine: Any, roster: Roster, period: Period, region: str | None, adj: Mapping[str, list[Any]],
             progress: ProgressFn | None, fast: bool, reveal: bool = False) -> tuple[_Outcome, str]:
    n = len(roster)
    np = _numpy() if fast else None
    parsed = None
    if np is not None:
        # Parsing is the costly part of a run: a roster keeps its parse for the next run (a what-if, another period).
        parsed = roster.cache.get(("parsed", region))
        if parsed is None:
            parsed = roster.cache[("parsed", region)] = Parsed(roster, region, np)
    problem = {i: (f, r) for i, f, r in roster.problems}
    # What depends on the rows alone (IDs, repeats, the rows the columnar road can take) is kept with the parse.
    checked = roster.cache.get(("checked", region, parsed is not None))
    if checked is None:
        canon = parsed.canonical_ids() if parsed is not None else _canonical_ids(roster)
        fast_dup = parsed.repeats(canon, problem) if parsed is not None else None
        dup = fast_dup if fast_dup is not None else _repeats(canon, problem)
        excluded = set(problem) | set(dup)
        checked = roster.cache[("checked", region, parsed is not None)] = (
            canon, dup, excluded, parsed.fast_rows(excluded) if parsed is not None else None)
    canon, dup, excluded, fast_rows = checked
    col = _Collector(engine, roster, period, adj, canon, reveal)
    if parsed is not None:
        slow_extra = run_columnar(engine, parsed, period, fast_rows, col, progress, col.fast_path)
        todo = np.ones(n, dtype=bool)
        todo[fast_rows] = False
        todo[np.asarray(slow_extra, dtype=np.int64)] = True
        if excluded:
            todo[np.fromiter(excluded, dtype=np.int64, count=len(excluded))] = False
        slow = np.flatnonzero(todo).tolist()
    else:
        col.fast_path.default_reason = "reference"
        slow = [i for i in range(n) if i not in excluded]
    done = n - len(slow)
    for k, i in enumerate(slow):
        col.reference_row(i, region)
        if progress is not None and k % 256 == 0:
            progress(done + k, n)
    for i, (f, r) in problem.items():
        col.reject(i, f, r)
    for i, j in dup.items():
        col.reject(i, "id_number", repeat_reason(roster.row_numbers[j]))
    if progress is not None:
        progress(n, n)
    road = "reference" if parsed is None else ("columnar" if not slow else "mixed")
    return col.outcome(), road


def repeat_reason(first_row: int) -> str:
    """The reject reason of a row whose 身份证号 row ``first_row`` already has."""
    return f"repeats the 身份证号 of row {first_row} (重复的身份证号: only the first row is computed)"


def _repeats(canon: Sequence[str | None], problem: Mapping[int, Any]) -> dict[int, int]:
    """Rows whose 身份证号 an earlier row already has → that earlier row: they are rejected, never paid twice."""
    present = [c for c in canon if c is not None]
    if not problem and len(set(present)) == len(present):
        return {}
    first_seen: dict[str, int] = {}
    dup: dict[int, int] = {}
    for i, c in enumerate(canon):
        if c is None or i in problem:
            continue
        j = first_seen.setdefault(c, i)
        if j != i:
            dup[i] = j
    return dup


def _canonical_ids(roster: Roster) -> list[str | None]:
    out: list[str | None] = []
    heads = [h for h, k in roster.keys.items() if k == "id_number"]
    for i in range(len(roster)):
        # The cell as read, not its text: an ID given as a number is refused, so it is no one's first row.
        v = next((c for c in (roster.data[h][i] for h in heads) if c not in (None, "")), None)
        out.append(normalize_id_number(v) if v is not None else None)
    return out


class _Collector:
    """Gathers per-row answers from both roads (columnar blocks and single rows), then orders them by row."""

    def __init__(self, engine: Any, roster: Roster, period: Period, adj: Mapping[str, list[Any]], canon: Sequence[str | None],
                 reveal: bool = False) -> None:
        self.engine = engine
        self.reveal = reveal
        self.roster = roster
        self.period = period
        self.adj = adj
        self.canon = canon
        self.codes: dict[str, tuple[str, str]] = {}
        self.single: dict[int, tuple[dict[str, int], dict[str, bool], int, int]] = {}
        self.blocks: list[tuple[Any, dict[str, Any], dict[str, Any], Any, Any]] = []
        self.rejected: dict[int, Reject] = {}
        self.cat_index: dict[frozenset[Category], int] = {}
        self.fast_path = FastPathStats()

    def add_codes(self, regs: Iterable[Any]) -> None:
        for reg in regs:
            self.codes.setdefault(reg.code, (reg.rule.title, reg.rule.title_en))

    def cat_code(self, cats: frozenset[Category]) -> int:
        return self.cat_index.setdefault(cats, len(self.cat_index))

    def reject(self, i: int, fieldname: str, reason: str) -> None:
        self.single.pop(i, None)
        idn = _first_id(self.roster, i) or ""
        # The reason may quote the row (a pack's rule, a parser): the row's own ID and name are masked
        # wherever they appear, and anything else ID- or account-shaped too.
        reason = mask_text(reason, secrets=(idn, _first_name(self.roster, i)), reveal=self.reveal)
        self.rejected[i] = Reject(self.roster.row_numbers[i], mask_id_number(idn, reveal=self.reveal), fieldname, reason)

    def block(self, rows: Any, fen: dict[str, Any], elig: dict[str, Any], total: Any, cat_codes: Any, cat_sets: list[Any]) -> None:
        """Columnar results: ``rows`` (roster indices), per code arrays (-1 = n/a), totals in 分, category set codes."""
        np = _numpy()
        lut = np.array([self.cat_code(c) for c in cat_sets], dtype=np.int64)
        self.blocks.append((rows, fen, elig, total, lut[cat_codes] if len(lut) else np.zeros(len(rows), dtype=np.int64)))

    def reference_row(self, i: int, region: str | None) -> None:
        from ..model import Person

        rec = self.roster.record(i)
        if region is not None:
            known, _ = _safe_normalise(rec)
            if known is not None and "region" not in known:
                rec["region"] = region
        try:
            person = Person.from_record(rec)
            self.add_codes(r for r, _ in self.engine.selection(person.region))
            res = self.engine.entitlements(person, self.period)
        except InvalidRecordError as e:
            self.reject(i, e.field, _reason(e, self.reveal))
            return
        except ShuangyongError as e:
            self.reject(i, getattr(e, "field", None) or getattr(e, "rule", None) or "record", str(e))
            return
        self.fast_path.reference_row(i, person.region, (e.rule for e in res))
        fen = {e.rule: to_fen(e.amount) for e in res}
        elig = {e.rule: e.eligible for e in res}
        self.single[i] = (fen, elig, to_fen(res.computed_total), self.cat_code(person.categories))

    def outcome(self) -> _Outcome:
        known = _ordered_codes(self.engine)
        codes = [c for c in known if c in self.codes] + sorted(set(self.codes) - set(known))
        # A code's title is its first registration's (national before packs), whatever order rows met them in.
        first = _first_titles(self.engine)
        self.codes = {c: first.get(c, t) for c, t in self.codes.items()}
        np = _numpy()
        if np is not None:
            o = self._outcome_arrays(np, codes)
        else:
            order = sorted(self.single)
            o = _Outcome(codes=codes, titles=dict(self.codes), rows=[self.roster.row_numbers[i] for i in order], index=order,
                         canon=self.canon, fen={c: [self.single[i][0].get(c, -1) for i in order] for c in codes},
                         eligible={c: [bool(self.single[i][1].get(c, False)) for i in order] for c in codes},
                         total=[self.single[i][2] for i in order], cat_codes=[self.single[i][3] for i in order],
                         cat_sets=list(self.cat_index), rejects=[self.rejected[i] for i in sorted(self.rejected)])
        if self.adj:
            extra = [sum(to_fen(a.amount) for a in self.adj.get(k, ())) if k in self.adj else 0 for k in o.keys]
            o.total = (o.total + np.array(extra, dtype=np.int64)) if np is not None else [t + x for t, x in zip(o.total, extra)]
        o.fast_path = self.fast_path
        return o

    def _outcome_arrays(self, np: Any, codes: list[str]) -> _Outcome:
        """``outcome`` with numpy: the blocks and single rows put in row order as whole arrays."""
        singles = sorted(self.single)
        pieces = [np.asarray(b[0], dtype=np.int64) for b in self.blocks]
        if singles:
            pieces.append(np.asarray(singles, dtype=np.int64))
        all_rows = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        # One block of rows in roster order (the usual case) needs no reordering.
        order = None if len(pieces) <= 1 else np.argsort(all_rows, kind="stable")

        def column(block_part: Any, single_value: Any, dtype: Any) -> Any:
            parts = [block_part(b) for b in self.blocks]
            if singles:
                parts.append(np.asarray([single_value(i) for i in singles], dtype=dtype))
            if not parts:
                return np.zeros(0, dtype=dtype)
            if len(parts) == 1 and order is None:
                return parts[0]  # as the road left it (an encoded column stays encoded)
            out = np.concatenate([np.asarray(x) for x in parts])
            return out if order is None else out[order]

        fen = {c: column(lambda b, c=c: b[1][c] if c in b[1] else np.full(len(b[0]), -1),
                         lambda i, c=c: self.single[i][0].get(c, -1), np.int64) for c in codes}
        elig = {c: column(lambda b, c=c: b[2][c] if c in b[2] else np.zeros(len(b[0]), dtype=bool),
                          lambda i, c=c: bool(self.single[i][1].get(c, False)), bool) for c in codes}
        index = all_rows if order is None else all_rows[order]
        numbers = np.frombuffer(self.roster.row_numbers, dtype=np.int64) if self.roster.row_numbers.itemsize == 8 else \
            np.asarray(self.roster.row_numbers, dtype=np.int64)
        return _Outcome(codes=codes, titles=dict(self.codes), rows=numbers[index], index=index, canon=self.canon, fen=fen,
                        eligible=elig, total=column(lambda b: b[3], lambda i: self.single[i][2], np.int64),
                        cat_codes=column(lambda b: b[4], lambda i: self.single[i][3], np.int64), cat_sets=list(self.cat_index),
                        rejects=[self.rejected[i] for i in sorted(self.rejected)])


def _ordered_codes(engine: Any) -> list[str]:
    seen: dict[str, None] = {}
    for reg in engine.registry.rules:
        seen.setdefault(reg.code, None)
    return list(seen)


def _first_titles(engine: Any) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for reg in engine.registry.rules:
        out.setdefault(reg.code, (reg.rule.title, reg.rule.title_en))
    return out


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


def _first_name(roster: Roster, i: int) -> str | None:
    for h, k in roster.keys.items():
        if k == "name":
            v = roster.data[h][i]
            if v not in (None, ""):
                return str(v).strip()
    return None


def _reason(e: InvalidRecordError, reveal: bool = False) -> str:
    if e.value is None or e.value == "":
        return e.reason
    # The value comes from a cell of a row whose columns may be swapped: masked by shape, as an excerpt.
    return f"{e.reason} (value {mask_cell(e.value, reveal)!r})"


def np_array(values: Any) -> Any:
    """An encoded column spelt out as an array; anything else unchanged."""
    return values.array() if isinstance(values, EncodedColumn) else values


def _as_list(values: Any) -> list[Any]:
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _arrays(*values: Any) -> Any:
    """The values as numpy arrays when they are (the columnar road), else ``None``."""
    np = _numpy()
    if np is None or not all(isinstance(v, np.ndarray) for v in values):
        return None
    return np


def _rule_stats(o: _Outcome, code: str) -> tuple[int, int]:
    """(persons eligible, 分 paid) for one rule code."""
    e, f = o.eligible[code], o.fen[code]
    if isinstance(f, EncodedColumn) and isinstance(e, EncodedColumn):
        return e.sum_where(positive_only=False), f.sum_where()
    if not isinstance(e, list):
        e, f = np_array(e), np_array(f)
    if _arrays(e, f) is None:
        return sum(1 for x in e if x), sum(x for x in f if x > 0)
    return int(e.sum()), int(f[f > 0].sum())


def _paid_amounts(o: _Outcome, codes: Sequence[str], only: Any = None) -> Any:
    """Per person: the 分 the rules ``codes`` pay (n/a counts as 0); 0 where ``only`` (a per-person flag) is false."""
    np = _arrays(o.total)
    if np is not None:
        acc = sum_positive(np, [o.fen[c] for c in codes], len(o.total))  # n/a (negative) adds nothing
        return acc if only is None else np.where(only, acc, 0)
    cols = [_as_list(np_array(o.fen[c])) for c in codes]
    out = [sum(max(col[i], 0) for col in cols) for i in range(len(o.total))]
    return out if only is None else [x if k else 0 for x, k in zip(out, only)]


def _count_positive(values: Any) -> int:
    return int((values > 0).sum()) if _arrays(values) is not None else sum(1 for x in values if x > 0)


def _sum(values: Any) -> int:
    return int(values.sum()) if _arrays(values) is not None else sum(values)


def _paid_count(o: _Outcome, codes: Sequence[str]) -> int:
    """People paid more than nothing by the rules ``codes``."""
    if len(codes) == 1:
        f = o.fen[codes[0]]
        if isinstance(f, EncodedColumn) and len(f.layers) == 1:
            # From the tables, as EncodedColumn.sum_where: a group whose rows carry their own values
            # holds 0 in the table, and those rows count by their own values.
            np = _numpy()
            table, of_row, overrides = f.layers[0]
            sizes = np.bincount(of_row, minlength=len(table))
            n = int(sizes[np.asarray(table) > 0].sum())
            return n + sum(int((np.asarray(v) > 0).sum()) for _rows, v in overrides)
    return _count_positive(_paid_amounts(o, codes))


def _persons_paid(o: _Outcome) -> int:
    t = o.total
    return sum(1 for x in t if x > 0) if _arrays(t) is None else int((t > 0).sum())


def _by_category(o: _Outcome, amounts: Any = None) -> dict[Category, tuple[int, int, int]]:
    """Per category: (persons, persons paid, 分 paid), summed per distinct category set first.

    ``amounts``: per-person 分 to count instead of the totals (one report group's money).
    """
    k = len(o.cat_sets)
    total = o.total if amounts is None else amounts
    np = _arrays(total, o.cat_codes)
    if np is not None:
        persons = np.bincount(o.cat_codes, minlength=k)
        paid = np.bincount(o.cat_codes, weights=None if not len(total) else (total > 0), minlength=k).astype(np.int64)
        # Integer 分 summed exactly (a float weight would not be): per set, with int64 arithmetic.
        amount = np.zeros(k, dtype=np.int64)
        np.add.at(amount, o.cat_codes, total)
        sets = {o.cat_sets[j]: (int(persons[j]), int(paid[j]), int(amount[j])) for j in range(k)}
    else:
        acc: dict[int, list[int]] = {}
        for c, t in zip(o.cat_codes, total):
            a = acc.setdefault(c, [0, 0, 0])
            a[0] += 1
            a[1] += t > 0
            a[2] += t
        sets = {o.cat_sets[j]: (a[0], a[1], a[2]) for j, a in acc.items()}
    out: dict[Category, list[int]] = {}
    for cats, (n, p, f) in sets.items():
        for c in cats:
            a = out.setdefault(c, [0, 0, 0])
            a[0] += n
            a[1] += p
            a[2] += f
    return {c: (out[c][0], out[c][1], out[c][2]) for c in Category if c in out}


def _compare(overrides: list[tuple[str, Any, date | None]], base: _Outcome, scen: _Outcome) -> WhatIf:
    """Base and scenario person by person (matched by 身份证号), per rule and per category."""
    np = _arrays(base.index, scen.index)
    if np is not None and np.array_equal(base.index, scen.index):
        bi = si = np.arange(len(base.index))
    else:
        pos = {k: j for j, k in enumerate(scen.keys)}
        pairs = [(i, pos[k]) for i, k in enumerate(base.keys) if k in pos]
        bi, si = [p[0] for p in pairs], [p[1] for p in pairs]
        if np is not None:
            bi, si = np.asarray(bi, dtype=np.int64), np.asarray(si, dtype=np.int64)
    codes = list(dict.fromkeys([*base.codes, *scen.codes]))
    if np is not None:
        bt, st = base.total[bi], scen.total[si]
        d = st - bt
        gain, lose, same = int((d > 0).sum()), int((d < 0).sum()), int((d == 0).sum())
        by_rule = {c: (int(base.fen[c][bi].clip(0).sum()) if c in base.fen else 0,
                       int(scen.fen[c][si].clip(0).sum()) if c in scen.fen else 0) for c in codes}
        k = len(base.cat_sets)
        b_amt, s_amt = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
        np.add.at(b_amt, base.cat_codes[bi], bt)
        np.add.at(s_amt, base.cat_codes[bi], st)
        per_set = [(base.cat_sets[j], int(b_amt[j]), int(s_amt[j])) for j in range(k)]
        base_total, scen_total = int(bt.sum()), int(st.sum())
    else:
        bt_l, st_l = [base.total[i] for i in bi], [scen.total[j] for j in si]
        gain = sum(1 for a, b in zip(bt_l, st_l) if b > a)
        lose = sum(1 for a, b in zip(bt_l, st_l) if b < a)
        same = len(bt_l) - gain - lose
        by_rule = {c: (sum(max(base.fen[c][i], 0) for i in bi) if c in base.fen else 0,
                       sum(max(scen.fen[c][j], 0) for j in si) if c in scen.fen else 0) for c in codes}
        acc: dict[int, list[int]] = {}
        for i, a, b in zip(bi, bt_l, st_l):
            x = acc.setdefault(base.cat_codes[i], [0, 0])
            x[0] += a
            x[1] += b
        per_set = [(base.cat_sets[j], x[0], x[1]) for j, x in acc.items()]
        base_total, scen_total = sum(bt_l), sum(st_l)
    by_cat: dict[Category, list[int]] = {}
    for cats, b_f, s_f in per_set:
        for cat in cats:
            a = by_cat.setdefault(cat, [0, 0])
            a[0] += b_f
            a[1] += s_f
    titles = {**scen.titles, **base.titles}
    rules = [{"code": c, "title": titles[c][0], "title_en": titles[c][1], "base": str(from_fen(b)), "scenario": str(from_fen(s)),
              "difference": str(from_fen(s - b))} for c, (b, s) in by_rule.items()]
    cats = [{"category": c.label, "category_en": c.en, "base": str(from_fen(by_cat[c][0])),  # type: ignore[attr-defined]
             "scenario": str(from_fen(by_cat[c][1])), "difference": str(from_fen(by_cat[c][1] - by_cat[c][0]))}
            for c in Category if c in by_cat]
    # Everyone computed in the base run and not in the scenario is a reject of the scenario, with the
    # scenario's own reason for that row: the comparison never hides a failure.
    failed: list[Reject] = []
    if len(bi) != len(base.index):
        matched = set(_as_list(bi))
        scen_rejects = {r.row: r for r in scen.rejects}
        rows = _as_list(base.rows)
        for i in range(len(rows)):
            if i in matched:
                continue
            r = scen_rejects.get(rows[i])
            if r is not None:
                failed.append(Reject(r.row, r.id_number, r.field, f"the scenario failed: {r.reason}"))
            else:
                failed.append(Reject(rows[i], base.masked(i), "what_if", "the scenario failed: the person is not in its results"))
    return WhatIf(overrides=overrides, base_total=base_total, scenario_total=scen_total, by_rule=rules, by_category=cats,
                  gainers=gain, losers=lose, unchanged=same, compared=len(bi), rejects=failed, base_computed=len(base.index))


def _signed(d: Decimal, locale: str) -> str:
    s = format_amount(abs(d), locale)
    return ("+" if d >= 0 else "−") + s
