"""The payment book: pay a period, record life events, reverse, recover, and pay 补发.

Every payment line is one (person, rule, month): a monthly rule pays one line per
month; a yearly or one-off rule pays in the month its pay day or event falls in,
so the key does not depend on how months are grouped into runs (monthly, or
half-yearly 社会化发放).  A run is computed first, then recorded in one
transaction that takes the write lock (``BEGIN IMMEDIATE``), reads what is
already paid and inserts only the rest: a rerun is a no-op that says so, and two
processes paying at once cannot both pay a line (the second waits for the lock and
then reads the first's lines; row lines are also guarded by the unique index and
trigger of :mod:`.store`).
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache, wraps
from itertools import count, groupby, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar, cast

from attrs import field, frozen

from ..ids import mask_id_number, normalize_id_number
from ..money import from_fen, to_fen
from ..params import _jsonable
from ..periods import Period, add_months
from .events import EVENT_WORDS, LifeEvent, standing
from .store import RUN_LINES, LedgerError, connect, has_json_each, now_text
from .vectors import as_list, new_line_columns, new_lines, numpy_or_none, positive, take

__all__ = ["Book", "PayRun", "MonthDue", "months_of", "month_label", "month_period"]


@lru_cache(maxsize=1024)
def month_label(p: Period) -> str:
    return f"{p.start:%Y-%m}"


@lru_cache(maxsize=1024)
def month_period(label: str) -> Period:
    y, m = label.split("-")
    return Period.month(int(y), int(m))


_F = TypeVar("_F", bound=Callable[..., Any])


def _gc_paused(method: _F) -> _F:
    """Run ``method`` with the cyclic garbage collector paused (the roster reader's own switch).

    ``pay`` and ``arrears`` build millions of small objects (keys, tuples, lines) and no cycles, while
    the roster's parse and the person map stay alive: each full collection walked all of them again,
    about a fifth of ``arrears`` at 10⁶ persons.  Collection resumes when the call returns.
    """
    @wraps(method)
    def paused(*args: Any, **kwargs: Any) -> Any:
        from ..roster.reading import no_gc  # imported when used, as the roster modules are here

        with no_gc():
            return method(*args, **kwargs)
    return cast(_F, paused)


def months_of(period: Period) -> list[Period]:
    """The whole months of ``period``; a period that is not whole months is refused."""
    if period.start.day != 1 or period.end.day != 1:
        raise LedgerError(f"the ledger pays whole months: {period.label} does not start and end on a month boundary")
    return period.months()


@frozen(kw_only=True)
class PayRun:
    """What one ``pay`` (or 补发) did: lines paid now, lines found already paid, the total paid now."""

    run_id: int | None
    kind: str
    period: Period
    lines_paid: int
    lines_already_paid: int
    total: Decimal
    withheld: int = 0
    withheld_total: Decimal = Decimal("0.00")
    rejected: tuple[Any, ...] = ()
    persons: int = 0
    known_on: date | None = None
    withheld_reasons: dict[str, int] = field(factory=dict)

    @property
    def noop(self) -> bool:
        """Nothing new was paid (a rerun, or nothing due): no run was recorded."""
        return self.run_id is None

    def lines(self, locale: str = "zh_CN") -> list[str]:
        zh = locale.startswith("zh")
        what = "补发" if self.kind == "arrears" else "发放"
        out: list[str] = []
        if self.noop:
            out.append(f"{self.period.label} 无新{what}：{self.lines_already_paid} 条已发放，未重复发放" if zh else
                       f"{self.period.label}: nothing new to pay; {self.lines_already_paid} lines already paid, none paid twice")
        else:
            out.append(f"{self.period.label} {what}批次 #{self.run_id}：新发放 {self.lines_paid} 条，{self.persons} 人，金额 {self.total} 元；"
                       f"已发放未重复 {self.lines_already_paid} 条" if zh else
                       f"{self.period.label} run #{self.run_id} ({self.kind}): {self.lines_paid} lines paid to {self.persons} persons, "
                       f"{self.total} yuan; {self.lines_already_paid} lines already paid")
        if self.withheld:
            parts = "；".join(f"{EVENT_WORDS.get(k, k)} {v} 条" for k, v in sorted(self.withheld_reasons.items()))
            out.append(f"因死亡/暂停未发 {self.withheld} 条，{self.withheld_total} 元（{parts}）" if zh else
                       f"withheld for death/suspension: {self.withheld} lines, {self.withheld_total} yuan")
        if self.rejected:
            out.append(f"退回 {len(self.rejected)} 行（未发放）" if zh else f"rejected rows (not paid): {len(self.rejected)}")
            for r in self.rejected[:20]:
                out.append(f"  第{r.row}行 {r.id_number} {r.field}: {r.reason}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "period": self.period.label,
            "noop": self.noop,
            "lines_paid": self.lines_paid,
            "lines_already_paid": self.lines_already_paid,
            "persons": self.persons,
            "total": str(self.total),
            "withheld": self.withheld,
            "withheld_total": str(self.withheld_total),
            "known_on": self.known_on.isoformat() if self.known_on else None,
            "rejected": [r.to_dict() for r in self.rejected],
        }


class MonthDue:
    """What the rules give for one month, per rule, as columns over the roster run's result rows (internal).

    ``payable``: rule → (result rows, 分), int64 arrays on the numpy road and lists on the plain one, each rule's
    worked out when first read (an ``arrears`` that prices the month as known on a past day reads only the rules
    it compares); ``withheld``: rule → (rows, 分, event kind), lists.  ``keys`` (canonical 身份证号 per result
    row: a list of 10⁶ str at 10⁶ rows, ≈ 0.3 s) and ``positions`` (roster position per result row) are built
    only when first read: the array roads take :meth:`id_codes` and :meth:`position_array` instead, made from
    the run's fixed-width ID text where it has one.
    """

    def __init__(self, month: str, run: Any, rules: Callable[[str], tuple[tuple[Any, Any], tuple[list[int], list[int], list[str]]]],
                 rejects: list[Any]) -> None:
        self.month = month
        self.payable: Mapping[str, tuple[Any, Any]] = _PerRule(run.rule_codes, self._rule)
        self.rejects = rejects
        self._run = run
        self._ids, self._index = _run_columns(run)
        self._rules = rules
        self._held: dict[str, tuple[list[int], list[int], list[str]]] = {}
        self._keys: list[str] | None = None
        self._positions: list[int] | None = None
        self._codes: Any = _UNREAD

    def _rule(self, code: str) -> tuple[Any, Any]:
        pay, held = self._rules(code)
        if held[0]:
            self._held[code] = held
        return pay

    @property
    def withheld(self) -> dict[str, tuple[list[int], list[int], list[str]]]:
        """Rule → (rows, 分, event kind) of the lines a life event holds back (every rule worked out)."""
        list(self.payable.values())  # every rule worked out: the held lines come with them
        return {code: self._held[code] for code in self.payable if code in self._held}

    def __repr__(self) -> str:
        return f"<MonthDue {self.month}: {len(self)} rows, rules {sorted(self.payable)}>"  # never the IDs

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def keys(self) -> list[str]:
        """Canonical 身份证号 per result row (personal data: for keys and joins only)."""
        if self._keys is None:
            self._keys = self._run.person_ids()
        return self._keys

    @property
    def positions(self) -> list[int]:
        """Roster position per result row."""
        if self._positions is None:
            self._positions = self._run.roster_positions()
        return self._positions

    def key(self, row: int) -> str:
        """The canonical 身份证号 of one result row (without listing them all)."""
        ids = self._ids if self._keys is None else self._keys
        return str(ids[row])

    def position_array(self, np: Any) -> Any:
        """``positions`` as an int64 array (the run's own array where it has one)."""
        index = self._index
        return np.asarray(index if hasattr(index, "dtype") else self.positions, dtype=np.int64)

    def id_codes(self, np: Any) -> tuple[Any, Any] | None:
        """(:func:`_id_codes` of ``keys``: int64 codes that sort as the IDs do, their bytes as an (n, 18) array), read
        from the run's ID text without a string per row where it is one string of 18-character cells; ``None`` when
        some key is not a canonical ID (then the roads that need codes fall back to the keys)."""
        if self._codes is _UNREAD:
            ids = self._ids
            text = getattr(ids, "text", None)
            v = None
            if isinstance(text, str) and getattr(ids, "width", None) == 18 and text.isascii():
                v = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(len(ids), 18)
            if v is not None:
                code = _byte_codes(v, np) if len(v) else np.zeros(0, dtype=np.int64)
                self._codes = None if code is None else (code, v)
            else:
                self._codes = _id_codes(self.keys, np) if len(self.keys) else (np.zeros(0, dtype=np.int64),
                                                                               np.zeros((0, 18), dtype=np.uint8))
        return self._codes  # type: ignore[no-any-return]

    def same_rows(self, other: MonthDue) -> bool:
        """Whether ``other`` (another engine's run of the same roster) has these result rows, in this order."""
        mine, theirs = self._ids, other._ids
        text, other_text = getattr(mine, "text", None), getattr(theirs, "text", None)
        if isinstance(text, str) and isinstance(other_text, str):
            return text == other_text and getattr(mine, "width", 0) == getattr(theirs, "width", 0)
        return self.keys == other.keys

    def event_rows(self, events: dict[str, list[LifeEvent]], np: Any) -> dict[int, list[LifeEvent]]:
        """Result row → the recorded events of its person, for the (few) persons with events."""
        if not events:
            return {}
        coded = self.id_codes(np) if np is not None else None
        ev_keys = list(events)
        ev_coded = _id_codes(ev_keys, np) if coded is not None else None
        if coded is None or ev_coded is None:
            return {i: events[k] for i, k in enumerate(self.keys) if k in events}
        rows = np.flatnonzero(np.isin(coded[0], ev_coded[0])).tolist()
        return {i: events[self.key(i)] for i in rows}


_UNREAD: Any = object()


class _PerRule(Mapping[str, tuple[Any, Any]]):
    """A mapping of the rules given, each value made by ``make`` when first read and then kept."""

    def __init__(self, codes: Sequence[str], make: Callable[[str], tuple[Any, Any]]) -> None:
        self._codes = list(codes)
        self._known = frozenset(self._codes)
        self._make = make
        self._made: dict[str, tuple[Any, Any]] = {}

    def __getitem__(self, code: str) -> tuple[Any, Any]:
        hit = self._made.get(code)
        if hit is None:
            if code not in self._known:
                raise KeyError(code)
            hit = self._made[code] = self._make(code)
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, code: object) -> bool:
        return code in self._known


def _run_columns(run: Any) -> tuple[Sequence[str], Any]:
    """(canonical 身份证号 per result row, roster position per result row) as the roster run holds them
    (``RosterRun.id_column``, ``position_array``): the ID cells as one fixed-width string (``FixedTextColumn``) or a
    list, the positions as an array or a list — not the lists of ``person_ids`` and ``roster_positions`` (≈ 0.3 s
    and 0.1 s at 10⁶ rows)."""
    keys, index = run.id_column(), run.position_array()
    if len(keys) != len(index):  # (never: a row per result) the lists, then
        return run.person_ids(), run.roster_positions()
    return keys, index


class Book:
    """A payment ledger on one SQLite file; see ``docs/ledger.md``.  Use :func:`shuangyong.ledger.open`."""

    def __init__(self, path: str | Path, *, create: bool = True, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self._conn = connect(self.path, create=create, timeout=timeout)
        # Keyed by the engine object itself (weakly): an id() could be reused by another engine.
        self._known: weakref.WeakKeyDictionary[Any, dict[date, Any]] = weakref.WeakKeyDictionary()
        self._pids: dict[str, int] = {}
        self._pid_top = 0
        self._pids_pending: list[tuple[list[str], Any]] = []  # persons created by a pay, put into the map when it is next read
        self._bulk = has_json_each(self._conn)
        self._block_cache: dict[int, tuple[Any, Any, bool]] = {}
        # The last person index (ID codes ascending, person ids, the largest id it holds): kept while the person table's
        # largest id is that one (persons are append-only and each new one is numbered above the largest, as the map's
        # top-up also assumes), topped up by a pay's new persons.
        self._index: tuple[Any, Any, int] | None = None

    # -- housekeeping ------------------------------------------------------------
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ledger.Book {self.path.name}>"

    @property
    def connection(self) -> sqlite3.Connection:
        """The SQLite connection (read it freely; the tables refuse updates and deletes)."""
        return self._conn

    # -- engines as known on a day ---------------------------------------------------
    def engine_known_on(self, engine: Any, day: date) -> Any:
        """``engine.as_known_on(day)``, reusing ``engine`` itself when nothing was announced after ``day``."""
        if not engine.parameters.announcements(after=day):
            return engine
        by_day = self._known.setdefault(engine, {})
        hit = by_day.get(day)
        if hit is None:
            hit = by_day[day] = engine.as_known_on(day)
        return hit

    # -- persons and events --------------------------------------------------------
    def _canon(self, id_number: str) -> str:
        key = normalize_id_number(id_number)
        if key is None:
            raise LedgerError(f"not a valid 身份证号: {mask_id_number(id_number)}")
        return key

    def _person_id(self, key: str, create: bool = True) -> int | None:
        row = self._conn.execute("SELECT id FROM person WHERE id_number = ?", (key,)).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            return None
        return int(self._conn.execute("INSERT INTO person (id_number) VALUES (?)", (key,)).lastrowid or 0)

    def person_map(self) -> dict[str, int]:
        """ID number → person id of every person in the ledger (person rows never change: cached, topped up)."""
        for keys, ids in self._pids_pending:
            self._pids.update(zip(keys, ids.tolist()))
        self._pids_pending = []
        rows = self._conn.execute("SELECT id_number, id FROM person WHERE id > ?", (self._pid_top,)).fetchall()
        if rows:
            self._pids.update(rows)
            self._pid_top = max(r[1] for r in rows)
        return self._pids

    def _person_ids(self, keys: Iterable[str]) -> dict[str, int]:
        """ID number → person id, creating the missing ones (call inside a write transaction).

        New persons are inserted in sorted order with the ids SQLite would give them (one above
        the largest, then on): written explicitly, they top up the map without reading it back.
        """
        known = self.person_map()
        missing = sorted(set(keys).difference(known))
        if missing:
            top = int(self._conn.execute("SELECT coalesce(max(id), 0) FROM person").fetchone()[0])
            ids = range(top + 1, top + 1 + len(missing))
            if self._bulk and len(missing) >= _BULK_MIN:
                # One statement for the lot (see _insert_pay_lines): an ID's id is its array position above top.
                self._conn.execute("INSERT INTO person (id, id_number) SELECT ? + key, value FROM json_each(?)",
                                   (top + 1, json.dumps(missing)))
            else:
                self._conn.executemany("INSERT INTO person (id, id_number) VALUES (?, ?)", zip(ids, missing))
            known.update(zip(missing, ids))
            self._pid_top = max(self._pid_top, ids[-1])
        return known

    def _row_person_ids(self, dues: Sequence[MonthDue], np: Any) -> dict[str, Any]:
        """Month → person id of each result row with a payable line (0 for the others), as int64 arrays, creating the
        missing persons (call inside a write transaction).

        The same persons get the same ids as :meth:`_person_ids` gives them (new ones numbered in ID order above the
        largest), with the work on arrays: a canonical ID sorts as the integer of its 17 digits and check character,
        where an ``X`` counts 10, so no million strings are sorted or put in sets.
        """
        rows = sum(len(idx) for md in dues for idx, _ in md.payable.values())
        # A large month in a book whose map was never read (each monthly pay from the command line): its persons are
        # looked up in the person table as sorted ID codes, not a dict of every person built first (≈ 1 s at 10⁶).
        index = self._person_index(np) if rows >= _INDEX_MIN and self._bulk and not self._pids and not self._pids_pending else None
        known = self.person_map() if index is None else {}
        per: list[tuple[MonthDue, Any, Any, Any]] = []
        # The new persons, month by month: their ID codes and where their bytes are (on the index's road: the run's ID
        # text as an (n, 18) array, and rows of it) or their IDs as strings (the map's road).
        parts: list[Any] = []
        for md in dues:
            mask = np.zeros(len(md), dtype=bool)
            for idx, _ in md.payable.values():
                mask[np.asarray(idx, dtype=np.int64)] = True
            pos = np.flatnonzero(mask)
            coded = md.id_codes(np) if index is not None else None
            if coded is not None:
                assert index is not None
                code = coded[0][pos]
                ids = _look_up_codes(index, code, np)
                miss = np.flatnonzero(ids == 0)
                parts.append((code[miss], coded[1], pos[miss]))  # (codes, the month's ID bytes, their rows): gathered once
            else:
                if index is not None:  # (never: result rows hold canonical IDs) the map, then, for the rest
                    index, known = None, self.person_map()
                ks = _pick(md.keys, pos.tolist())
                ids = (np.fromiter(map(known.get, ks, repeat(0)), dtype=np.int64, count=len(ks)) if known
                       else np.zeros(len(ks), dtype=np.int64))
                miss = np.flatnonzero(ids == 0)
                parts.append(ks if len(miss) == len(ks) else _pick(ks, miss.tolist()))
            per.append((md, pos, ids, miss))
        if any(len(p[0] if isinstance(p, tuple) else p) for p in parts):
            text: str | None
            if all(isinstance(p, tuple) for p in parts):
                missing: list[str] | None = None
                new_codes = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
                if len(parts) == 1:
                    one_v, one_rows = parts[0][1], parts[0][2]

                    def bytes_of(at: Any) -> Any:
                        return one_v[one_rows[at]]
                else:
                    bytes_of = np.concatenate([p[1][p[2]] for p in parts]).__getitem__
                first, rank, text = _sorted_unique_codes(new_codes, bytes_of, np)
            else:
                missing = [k for p in parts for k in (_id_strings(p[1][p[2]]) if isinstance(p, tuple) else p)]
                first, rank, text = _sorted_unique(missing, np)
            top = int(self._conn.execute("SELECT coalesce(max(id), 0) FROM person").fetchone()[0])

            def firsts() -> list[str]:
                return _pick(missing, first.tolist()) if missing is not None else _id_strings(bytes_of(first))

            if index is not None and len(first) < _BULK_MIN:
                # A few new persons in a book whose map is not read: their rows, with the ids the map's road gives them.
                self._conn.executemany("INSERT INTO person (id, id_number) VALUES (?, ?)",
                                       zip(range(top + 1, top + 1 + len(first)), firsts()))
                if missing is None:
                    self._index_added(index, new_codes[first], top, np)
            elif text is None or len(first) < _BULK_MIN or not self._bulk:
                self._person_ids(firsts())  # the row road (few, odd or no json_each): same ids, same order
            else:
                self._conn.execute("INSERT INTO person (id, id_number) SELECT ? + key, value FROM json_each(?)", (top + 1, text))
                if index is not None and missing is None:
                    self._index_added(index, new_codes[first], top, np)
                if index is None:
                    # Into the map only when it is next read (a pay from the command line never reads it again).
                    self._pids_pending.append((missing if missing is not None else _id_strings(bytes_of(np.arange(len(rank)))),
                                               rank + (top + 1)))
                    self._pid_top = max(self._pid_top, top + len(first))
                # (A map never read reads every person, these too, from the table when it is first read.)
            at = 0
            for _md, _pos, ids, miss in per:
                ids[miss] = rank[at:at + len(miss)] + (top + 1)
                at += len(miss)
        out: dict[str, Any] = {}
        for md, pos, ids, _miss in per:
            rp = np.zeros(len(md), dtype=np.int64)
            rp[pos] = ids
            out[md.month] = rp
        return out

    def id_numbers(self, pids: Iterable[int]) -> dict[int, str]:
        """Person id → 身份证号 of ``pids`` (personal data: mask before showing), asked of the person table 500 at a
        time (SQLite's limit on bound values is 999 in older builds)."""
        wanted = sorted(set(pids))
        out: dict[int, str] = {}
        for at in range(0, len(wanted), 500):
            part = wanted[at:at + 500]
            out.update(self._conn.execute(f"SELECT id, id_number FROM person WHERE id IN ({','.join('?' * len(part))})", part))
        return out

    def _person_index(self, np: Any) -> tuple[Any, Any] | None:
        """Every person of the ledger as (ID codes ascending, person ids), read from the table as two JSON arrays
        (``None`` when some stored ID is not a canonical one: then the map is used); the last one is reused while no
        person was added since (read-only arrays)."""
        if self._index is not None:
            top = self._conn.execute("SELECT coalesce(max(id), 0) FROM person").fetchone()[0]
            if top == self._index[2]:
                return self._index[0], self._index[1]
            self._index = None
        # In the table's order (a scan; ordered by the ID index it takes twice as long), the IDs as one string, given
        # as bytes (no decoding and encoding again: a byte that is not an ASCII digit or X fails the codes' check).
        raw, ids = self._conn.execute("SELECT CAST(group_concat(id_number, '') AS BLOB), json_group_array(id) FROM person").fetchone()
        pids = _int_array(ids, np)
        if not len(pids):
            return np.zeros(0, dtype=np.int64), pids
        if len(raw) != 18 * len(pids):
            return None
        codes = _byte_codes(np.frombuffer(raw, dtype=np.uint8).reshape(len(pids), 18), np)
        if codes is None:
            return None
        order = np.argsort(codes, kind="stable")
        codes, pids = codes[order], pids[order]
        self._index = (codes, pids, int(pids.max()))
        return codes, pids

    def _index_added(self, index: tuple[Any, Any], codes: Any, top: int, np: Any) -> None:
        """Keep ``index`` with the new persons of ``codes`` (ID codes, ascending) numbered ``top + 1`` on (inside the
        write transaction that inserted them: a rollback forgets it)."""
        merged = np.concatenate([index[0], codes])
        order = np.argsort(merged, kind="stable")  # two ascending runs: merged, not sorted afresh
        ids = np.concatenate([index[1], np.arange(top + 1, top + 1 + len(codes), dtype=np.int64)])
        self._index = (merged[order], ids[order], top + len(codes))

    def _record_event(self, kind: str, id_number: str, on: date, reported_on: date | None, document: str, reason: str,
                      back_pay: bool = False) -> LifeEvent:
        if not isinstance(on, date):
            raise LedgerError(f"{kind}: the date must be a date, not {on!r}")
        ev = LifeEvent(kind=kind, on=on, reported_on=reported_on or date.today(), document=document, reason=reason, back_pay=back_pay)
        key = self._canon(id_number)
        with self._write():
            pid = self._person_id(key)
            self._conn.execute(
                "INSERT INTO event (person_id, kind, on_date, reported_on, document, reason, back_pay, recorded_at) VALUES (?,?,?,?,?,?,?,?)",
                (pid, kind, on.isoformat(), ev.reported_on.isoformat(), document, reason, int(back_pay), now_text()))
        return ev

    def record_death(self, id_number: str, on: date, *, reported_on: date | None = None, document: str = "") -> LifeEvent:
        """Record a death on ``on`` (reported on ``reported_on``): monthly payments stop from the next month."""
        return self._record_event("death", id_number, on, reported_on, document, "死亡")

    def suspend(self, id_number: str, on: date, *, reason: str, document: str = "", reported_on: date | None = None) -> LifeEvent:
        """Suspend payment from the month after ``on`` (e.g. 条例 第59条; 年审 or 生存认证 missed)."""
        if not str(reason).strip():
            raise LedgerError("a suspension needs a reason (暂停原因)")
        return self._record_event("suspension", id_number, on, reported_on, document, reason)

    def resume(self, id_number: str, on: date, *, document: str, back_pay: bool = False, reason: str = "恢复发放",
               reported_on: date | None = None) -> LifeEvent:
        """Resume payment from the month starting on or after ``on``; ``back_pay``: the suspended months are owed too."""
        if not str(document).strip():
            raise LedgerError("a resumption needs its document (恢复发放依据)")
        return self._record_event("resumption", id_number, on, reported_on, document, reason, back_pay)

    def events(self, id_number: str | None = None) -> dict[str, list[LifeEvent]]:
        """Recorded life events by canonical 身份证号 (one person's when ``id_number`` is given)."""
        sql = ("SELECT p.id_number, e.kind, e.on_date, e.reported_on, e.document, e.reason, e.back_pay "
               "FROM event e JOIN person p ON p.id = e.person_id")
        args: tuple[Any, ...] = ()
        if id_number is not None:
            sql += " WHERE p.id_number = ?"
            args = (self._canon(id_number),)
        out: dict[str, list[LifeEvent]] = {}
        for key, kind, on, rep, doc, reason, back in self._conn.execute(sql + " ORDER BY e.id", args):
            out.setdefault(key, []).append(LifeEvent(kind=kind, on=date.fromisoformat(on), reported_on=date.fromisoformat(rep),
                                                     document=doc, reason=reason, back_pay=bool(back)))
        return out

    # -- transactions ------------------------------------------------------------------
    def _write(self) -> Any:
        return _Tx(self._conn, self._forget)

    def _forget(self) -> None:
        """After a rollback: person ids (and pay blocks) seen inside the transaction may not exist."""
        self._pids = {}
        self._pid_top = 0
        self._pids_pending = []
        self._block_cache = {}
        self._index = None

    # -- computing what is due -----------------------------------------------------------
    def due(self, engine: Any, roster: Any, month: Period, *, region: str | None = None,
            events: dict[str, list[LifeEvent]] | None = None, fast: bool | None = None) -> MonthDue:
        """What the rules give for ``month`` per (person, rule), split into payable and withheld by a life event."""
        from ..roster.run import run_roster

        np = numpy_or_none(fast)
        run = run_roster(engine, roster, month, region=region, fast=fast)
        events = self.events() if events is None else events
        kinds = rule_kinds(engine)
        ev_rows: dict[int, list[LifeEvent]] = {}
        ev_at: Any = None

        def rule(code: str) -> tuple[tuple[Any, Any], tuple[list[int], list[int], list[str]]]:
            fen = run.amounts_fen(code)
            idx: Any
            vals: Any
            if np is not None:
                f = np.asarray(fen, dtype=np.int64)
                idx = np.flatnonzero(f > 0)
                vals = f[idx]
            else:
                idx = positive(fen, np)
                vals = take(fen, idx, np)
            held: tuple[list[int], list[int], list[str]] = ([], [], [])
            if ev_rows:
                kind = kinds.get(code, "monthly")
                # Only the rows of persons with events are looked at (ascending, as the rows are).
                at = (np.flatnonzero(np.isin(idx, ev_at)).tolist() if ev_at is not None
                      else [j for j, i in enumerate(idx) if i in ev_rows])
                drop: list[int] = []
                for j in at:
                    i = int(idx[j])
                    st = standing(ev_rows[i], month.start, kind)
                    if not st.payable:
                        drop.append(j)
                        held[0].append(i)
                        held[1].append(int(vals[j]))
                        held[2].append(st.event.kind if st.event is not None else "")
                if drop:
                    if np is not None:
                        keep = np.ones(len(idx), dtype=bool)
                        keep[drop] = False
                        idx, vals = idx[keep], vals[keep]
                    else:
                        gone = set(drop)
                        idx = [i for j, i in enumerate(idx) if j not in gone]
                        vals = [f for j, f in enumerate(vals) if j not in gone]
            return (idx, vals), held

        md = MonthDue(month_label(month), run, rule, run.rejects)
        ev_rows = md.event_rows(events, np)
        ev_at = np.asarray(sorted(ev_rows), dtype=np.int64) if np is not None and ev_rows else None
        return md

    # -- pay ---------------------------------------------------------------------------
    @_gc_paused
    def pay(self, engine: Any, roster: Any, period: Period, *, jurisdiction: str = "", operator: str = "",
            known_on: date | None = None, region: str | None = None, note: str = "", fast: bool | None = None) -> PayRun:
        """Compute ``period`` (whole months) and record every line not yet paid, in one transaction.

        ``known_on`` (default today) is the day whose parameter knowledge prices the run:
        values announced later are not used, and the run records the day.
        """
        from ..roster.reading import read_roster

        if not isinstance(period, Period):
            raise TypeError("pay() takes a Period, e.g. sy.Period.month(2025, 8)")
        months = months_of(period)
        day = known_on or date.today()
        priced = self.engine_known_on(engine, day)
        roster = read_roster(roster)
        np = numpy_or_none(fast)
        events = self.events()
        dues = [self.due(priced, roster, m, region=region, events=events, fast=fast) for m in months]
        withheld = sum(len(w[0]) for md in dues for w in md.withheld.values())
        withheld_fen = sum(sum(w[1]) for md in dues for w in md.withheld.values())
        reasons: dict[str, int] = {}
        for md in dues:
            for w in md.withheld.values():
                for k in w[2]:
                    reasons[k] = reasons.get(k, 0) + 1
        common: dict[str, Any] = dict(period=period, known_on=day, rejected=tuple(dues[0].rejects if dues else ()), withheld=withheld,
                      withheld_total=from_fen(withheld_fen), withheld_reasons=reasons)
        with self._write():
            row_pids = self._row_person_ids(dues, np) if np is not None else None
            pid_of = self._person_ids(_payable_keys(dues)) if row_pids is None else {}
            # Per (month, rule), the lines not yet paid, sorted by person id: with the months in order
            # and the rules sorted, this is the unique index's order (each insert lands next to the
            # previous one in the B-tree) and the line ids come out as they always have.
            batches: list[tuple[str, str, Any, Any, Any]] = []  # int64 arrays with numpy, lists without
            already = 0
            for md in sorted(dues, key=lambda d: d.month):
                state = self._pay_state(md.month)
                get = pid_of.__getitem__
                for code in sorted(md.payable):
                    idx, vals = md.payable[code]
                    live, counts = state.get(code, ((), {}))
                    if row_pids is not None:
                        pids: Any = row_pids[md.month][np.asarray(idx, dtype=np.int64)]
                        keys, seqs, fen = new_line_columns(pids, vals, live, counts, np)
                    else:
                        pids = list(map(get, _pick(md.keys, idx)))
                        keys, seqs, fen = new_lines(pids, vals, live, counts, np)
                    already += len(pids) - len(keys)
                    if len(keys):
                        batches.append((md.month, code, keys, seqs, fen))
            if not batches:
                return PayRun(run_id=None, kind="pay", lines_paid=0, lines_already_paid=already, total=from_fen(0), **common)
            lines = sum(len(b[2]) for b in batches)
            if row_pids is not None:
                total = sum(int(b[4].sum()) for b in batches)
                # (a batch's keys are distinct: one batch's persons are its lines)
                from ..roster.keys import distinct

                persons = len(batches[0][2]) if len(batches) == 1 else len(distinct(np, np.concatenate([b[2] for b in batches]))[0])
            else:
                total = sum(sum(b[4]) for b in batches)
                persons = len(set().union(*(b[2] for b in batches)))
            run_id = self._insert_run("pay", period, priced, day, jurisdiction, operator, roster.source, lines, total, common["rejected"], note)
            next_id = self._next_line_id()
            for m, code, keys, seqs, fen in batches:
                next_id = self._insert_pay_lines(run_id, m, code, keys, seqs, fen, next_id, np)
        return PayRun(run_id=run_id, kind="pay", lines_paid=lines, lines_already_paid=already, total=from_fen(total),
                      persons=persons, **common)

    def _insert_pay_lines(self, run_id: int, month: str, code: str, keys: Any, seqs: Any, fen: Any, next_id: int,
                          np: Any = None) -> int:
        """Record one (month, rule) batch of pay lines with line ids from ``next_id`` on, in the order given (``keys``
        ascending); returns the next free line id.  ``keys``, ``seqs``, ``fen``: lists, or int64 arrays.

        Each stretch of lines with one ``seq`` (the whole batch but for repayments after a reversal) of at least
        ``_BULK_MIN`` lines is one ``pay_block`` row (schema 3): a JSON array of ``person id << 32 | 分`` that
        takes the line ids ``next_id`` … ``next_id + n − 1`` in array order, the ids row-by-row inserts would
        have taken.  Shorter stretches, values outside the packing's range (never met: 分 of one line < 2³²,
        person ids < 2³¹) and an SQLite without ``json_each`` (which could not read a block back) write rows
        of ``line_row``, numbered explicitly from the same counter.
        """
        at = 0
        arrays = hasattr(keys, "dtype")
        if arrays and len(seqs) and bool((seqs == seqs[0]).all()):
            stretches = [(int(seqs[0]), len(seqs))]
        elif not arrays and seqs and seqs.count(seqs[0]) == len(seqs):
            stretches = [(seqs[0], len(seqs))]  # the usual batch: one seq throughout (counted at C speed)
        else:
            stretches = [(sq, sum(1 for _ in same)) for sq, same in groupby(as_list(seqs))]
        for seq, n in stretches:
            end = at + n
            k, f = keys[at:end], fen[at:end]
            lo_f, hi_f = (int(f.min()), int(f.max())) if arrays else (min(f), max(f))
            if self._bulk and n >= _BULK_MIN and k[0] > 0 and k[-1] < 1 << 31 and lo_f >= 0 and hi_f < 1 << 32:
                self._conn.execute(
                    "INSERT INTO pay_block (run_id, rule, period, seq, first_id, lines, total_fen, items) VALUES (?,?,?,?,?,?,?,?)",
                    (run_id, code, month, seq, next_id, n, int(f.sum()) if arrays else sum(f), _pack(k, f, np)))
            else:
                self._conn.executemany(
                    "INSERT INTO line_row (id, run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (?, ?, ?, ?, ?, 'pay', ?, ?)",
                    zip(count(next_id), repeat(run_id), as_list(k), repeat(code), repeat(month), repeat(seq), as_list(f)))
            next_id += n
            at = end
        return next_id

    def _next_line_id(self) -> int:
        """One above every line id in use, in rows and in pay blocks (read inside the write transaction)."""
        row = self._conn.execute(
            "SELECT max(coalesce((SELECT max(id) FROM line_row), 0), "
            "coalesce((SELECT first_id + lines - 1 FROM pay_block ORDER BY first_id DESC LIMIT 1), 0)) + 1").fetchone()
        return int(row[0])

    # -- pay blocks ----------------------------------------------------------------------
    def _block_lines(self, block_id: int, items: str | None = None, lines: int | None = None) -> tuple[list[int], list[int], bool]:
        """(person ids, 分, person ids ascending) of one pay block, in line-id order, as lists of ints."""
        pids, fens, ascending = self._block_data(block_id, items, lines)
        return (pids.tolist(), fens.tolist(), ascending) if hasattr(pids, "tolist") else (pids, fens, ascending)

    def _block_data(self, block_id: int, items: str | None = None, lines: int | None = None) -> tuple[Any, Any, bool]:
        """(person ids, 分, person ids ascending) of one pay block, in line-id order: int64 arrays (lists without numpy).

        Blocks never change: the last few read are kept (forgotten on a rollback, when a block id read inside the
        transaction may be given again), as arrays (16 bytes a line, where lists of ints take ≈ 70).
        """
        hit = self._block_cache.get(block_id)
        if hit is not None:
            return hit
        if items is None:
            items, lines = self._conn.execute("SELECT items, lines FROM pay_block WHERE id = ?", (block_id,)).fetchone()
        out = _unpack(items, numpy_or_none())
        if lines is not None and len(out[0]) != lines:
            raise LedgerError(f"ledger: pay block {block_id} holds {len(out[0])} lines, its row says {lines}")
        if len(self._block_cache) >= _BLOCK_CACHE:
            self._block_cache.pop(next(iter(self._block_cache)))
        self._block_cache[block_id] = out
        return out

    def _month_blocks(self, month: str, arrays: bool = False) -> list[_Block]:
        """The pay blocks of one month, oldest first, with their lines read (as lists; ``arrays``: as the cache's
        int64 arrays where numpy is there — read them, never write into them)."""
        out = []
        meta = self._conn.execute("SELECT id, run_id, rule, seq, first_id, lines FROM pay_block WHERE period = ? ORDER BY first_id",
                                  (month,)).fetchall()
        for bid, run_id, rule, seq, first, n in meta:
            pids, fens, ascending = self._block_data(bid, None, n) if arrays else self._block_lines(bid, None, n)
            out.append(_Block(bid, run_id, rule, seq, first, pids, fens, ascending))
        return out

    def _block_reversals(self, month: str) -> list[tuple[int, int, str]]:
        """(block id, position in the block, reason) of every reversed block line of one month."""
        return self._conn.execute(
            "SELECT b.id, r.line_id - b.first_id, r.reason FROM pay_block b JOIN reversal r "
            "ON r.line_id >= b.first_id AND r.line_id < b.first_id + b.lines WHERE b.period = ?", (month,)).fetchall()

    def _lines_by_id(self, ids: Sequence[int]) -> dict[int, tuple[int, int, str, str, str, int, int, str]]:
        """Line id → (run, person id, rule, month, kind, seq, 分, cause) for those of ``ids`` in the ledger (rows and blocks)."""
        out: dict[int, tuple[int, int, str, str, str, int, int, str]] = {}
        ids = sorted(set(ids))
        for at in range(0, len(ids), 500):
            part = ids[at:at + 500]
            for row in self._conn.execute(f"SELECT id, run_id, person_id, rule, period, kind, seq, amount_fen, cause FROM line_row "
                                          f"WHERE id IN ({','.join('?' * len(part))})", part):
                out[row[0]] = row[1:]
        rest = [i for i in ids if i not in out]
        if rest:
            blocks = self._conn.execute("SELECT id, first_id, lines, run_id, rule, period, seq FROM pay_block ORDER BY first_id").fetchall()
            firsts = [b[1] for b in blocks]
            for i in rest:
                j = bisect_right(firsts, i) - 1
                if j < 0 or i >= firsts[j] + blocks[j][2]:
                    continue
                bid, first, n, run_id, rule, period, seq = blocks[j]
                pids, fens, _ = self._block_data(bid, None, n)
                out[i] = (run_id, int(pids[i - first]), rule, period, "pay", seq, int(fens[i - first]), "")
        return out

    def _reversed_lines(self) -> list[tuple[int, int, str, str, str, int, str, str]]:
        """(line id, person id, rule, month, kind, 分, reason, recorded at) of every reversed line, by line id."""
        out = list(self._conn.execute(
            "SELECT l.id, l.person_id, l.rule, l.period, l.kind, l.amount_fen, r.reason, r.recorded_at FROM reversal r "
            "JOIN line_row l ON l.id = r.line_id"))
        for bid, first, n, rule, period, lid, reason, at in self._conn.execute(
                "SELECT b.id, b.first_id, b.lines, b.rule, b.period, r.line_id, r.reason, r.recorded_at FROM pay_block b "
                "JOIN reversal r ON r.line_id >= b.first_id AND r.line_id < b.first_id + b.lines").fetchall():
            pids, fens, _ = self._block_data(bid, None, n)
            out.append((lid, int(pids[lid - first]), rule, period, "pay", int(fens[lid - first]), reason, at))
        return sorted(out)

    def _person_lines(self, pid: int, *, rule: str | None = None, month: str | None = None, run_id: int | None = None,
                      standing_only: bool = True) -> list[int]:
        """Line ids of one person (optionally one rule, month, run), unreversed ones only by default, ascending."""
        cond, args = "", []
        for col, v in (("rule", rule), ("period", month), ("run_id", run_id)):
            if v is not None:
                cond += f" AND {col} = ?"
                args.append(v)
        sql = f"SELECT l.id FROM line_row l LEFT JOIN reversal r ON r.line_id = l.id WHERE l.person_id = ?{cond.replace(' AND ', ' AND l.')}"
        if standing_only:
            sql += " AND r.id IS NULL"
        ids = [r[0] for r in self._conn.execute(sql, (pid, *args))]
        found = []
        for bid, first, n in self._conn.execute(f"SELECT id, first_id, lines FROM pay_block WHERE 1 = 1{cond}", args).fetchall():
            pids, _, ascending = self._block_data(bid, None, n)
            if ascending:
                j = int(pids.searchsorted(pid)) if hasattr(pids, "searchsorted") else bisect_left(pids, pid)
                if j < len(pids) and pids[j] == pid:
                    found.append(first + j)
            else:  # not in person order (not written by this library): look at each
                found.extend(first + j for j, p in enumerate(pids) if p == pid)
        if found and standing_only:
            gone = {r[0] for r in self._conn.execute(f"SELECT line_id FROM reversal WHERE line_id IN ({','.join('?' * len(found))})", found)}
            found = [i for i in found if i not in gone]
        return sorted(ids + found)

    def _pay_state(self, month: str) -> dict[str, tuple[list[int], dict[int, int]]]:
        """For one month, per rule: persons with a standing pay line, and the count of pay lines of the others."""
        # Row lines counted on the unique index alone (a covering scan), block lines read from their arrays,
        # then corrected for the (few) reversed lines.
        reversed_n: dict[tuple[str, int], int] = {}
        for rule, pid in self._conn.execute(
                "SELECT l.rule, l.person_id FROM reversal r JOIN line_row l ON l.id = r.line_id WHERE l.period = ? AND l.kind = 'pay'", (month,)):
            reversed_n[(rule, pid)] = reversed_n.get((rule, pid), 0) + 1
        by_rule: list[tuple[str, list[int], list[int]]]
        if self._bulk:
            # Each rule's persons and line counts as two JSON arrays (no Python tuple per person); their order is not used.
            by_rule = [(rule, json.loads(p), json.loads(n)) for rule, p, n in self._conn.execute(
                "SELECT rule, json_group_array(person_id), json_group_array(n) FROM (SELECT rule, person_id, count(*) AS n FROM line_row "
                "WHERE period = ? AND kind = 'pay' GROUP BY rule, person_id) GROUP BY rule", (month,))]
        else:
            rows = self._conn.execute("SELECT rule, person_id, count(*) FROM line_row WHERE period = ? AND kind = 'pay' "
                                      "GROUP BY rule, person_id ORDER BY rule, person_id", (month,)).fetchall()
            by_rule = []
            if rows:
                rules, pids, ns = zip(*rows)
                for rule in sorted(set(rules)):
                    lo, hi = bisect_left(rules, rule), bisect_right(rules, rule)
                    by_rule.append((rule, list(pids[lo:hi]), list(ns[lo:hi])))
        blocks = self._month_blocks(month)
        if blocks:
            at = {b.id: b for b in blocks}
            for bid, pos, _ in self._block_reversals(month):
                key = (at[bid].rule, at[bid].pids[pos])
                reversed_n[key] = reversed_n.get(key, 0) + 1
            sources: dict[str, list[tuple[list[int], list[int] | None]]] = {}
            for rule, row_pids, row_ns in by_rule:
                sources[rule] = [(row_pids, row_ns)]
            for b in blocks:
                sources.setdefault(b.rule, []).append((b.pids, None))  # one line per person in a block
            by_rule = []
            for rule, src in sources.items():
                if len(src) == 1:
                    one, maybe_ns = src[0]
                    by_rule.append((rule, one, maybe_ns if maybe_ns is not None else [1] * len(one)))
                    continue
                merged: dict[int, int] = {}
                for some, maybe_ns in src:
                    for pid, n in zip(some, maybe_ns if maybe_ns is not None else repeat(1)):
                        merged[pid] = merged.get(pid, 0) + n
                by_rule.append((rule, list(merged), list(merged.values())))
        out: dict[str, tuple[list[int], dict[int, int]]] = {}
        for rule, live, n_lines in by_rule:
            counts: dict[int, int] = {}
            gone = {pid: n for (r, pid), n in reversed_n.items() if r == rule}
            if gone:
                # A person with as many reversed pay lines as pay lines has none standing.
                at_n = dict(zip(live, n_lines))
                counts = {pid: at_n[pid] for pid, n in gone.items() if pid in at_n and at_n[pid] <= n}
                if counts:
                    live = [p for p in live if p not in counts]
            out[rule] = (live, counts)
        return out

    def _insert_run(self, kind: str, period: Period, engine: Any, day: date, jurisdiction: str, operator: str, source: str,
                    lines: int, total: int, rejects: Sequence[Any], note: str) -> int:
        packs = [{"name": p.name, "version": p.version} for p in engine.packs] if engine is not None else []
        params = _parameters_used(engine, period) if engine is not None else []
        cur = self._conn.execute(
            "INSERT INTO run (kind, period, jurisdiction, known_on, engine_version, packs, parameters, operator, created_at, source, "
            "lines, total_fen, rejects, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (kind, period.label, jurisdiction, day.isoformat(), engine.version if engine is not None else "",
             json.dumps(packs, ensure_ascii=False), json.dumps(params, ensure_ascii=False), operator, now_text(), str(source),
             lines, total, json.dumps([r.to_dict() for r in rejects], ensure_ascii=False), note))
        return int(cur.lastrowid or 0)

    # -- reading -----------------------------------------------------------------------
    def total_paid(self, period: Period) -> Decimal:
        """Everything recorded as paid (pay and 补发 lines, not reversed) for the months of ``period``."""
        labels = [month_label(m) for m in months_of(period)]
        marks = ",".join("?" * len(labels))
        row = self._conn.execute(
            f"SELECT coalesce(sum(l.amount_fen), 0) FROM line l LEFT JOIN reversal r ON r.line_id = l.id "
            f"WHERE r.id IS NULL AND l.kind IN ('pay', 'arrears') AND l.period IN ({marks})", tuple(labels)).fetchone()
        return from_fen(int(row[0]))

    def total_recovered(self, period: Period) -> Decimal:
        """Overpayments recovered (追缴 recorded) for the months of ``period``, as a positive amount."""
        labels = [month_label(m) for m in months_of(period)]
        marks = ",".join("?" * len(labels))
        row = self._conn.execute(
            f"SELECT coalesce(-sum(l.amount_fen), 0) FROM line l LEFT JOIN reversal r ON r.line_id = l.id "
            f"WHERE r.id IS NULL AND l.kind = 'recovery' AND l.period IN ({marks})", tuple(labels)).fetchone()
        return from_fen(int(row[0]))

    def runs(self) -> list[dict[str, Any]]:
        """Every recorded run, oldest first (JSON-ready; rejects masked)."""
        cols = ("id", "kind", "period", "jurisdiction", "known_on", "engine_version", "operator", "created_at", "source", "lines",
                "total_fen", "note")
        out = []
        for row in self._conn.execute(f"SELECT {', '.join(cols)} FROM run ORDER BY id"):
            d = dict(zip(cols, row))
            d["total"] = str(from_fen(d.pop("total_fen")))
            out.append(d)
        return out

    def run_lines(self, run_id: int) -> list[dict[str, Any]]:
        """The lines of one run: line id, canonical 身份证号 (personal data), rule, month, amount, kind, reversed."""
        sql = (f"SELECT l.id, p.id_number, l.rule, l.period, l.amount_fen, l.kind, r.reason FROM {RUN_LINES} l "
               f"JOIN person p ON p.id = l.person_id LEFT JOIN reversal r ON r.line_id = l.id ORDER BY l.id")
        return [{"line": i, "id_number": k, "rule": rule, "month": m, "amount": from_fen(f), "kind": kind, "reversed": rev}
                for i, k, rule, m, f, kind, rev in self._conn.execute(sql, (run_id, run_id))]

    # -- corrections ---------------------------------------------------------------------
    def reverse(self, line_ids: Iterable[int], *, reason: str, document: str = "", operator: str = "") -> int:
        """Reverse lines (a bank return, a payment made in error): new reversal entries, the lines stay.

        A reversed pay line leaves its month unpaid, so the next ``pay`` or 补发 pays it again.
        Returns the number of lines reversed now (already reversed lines are skipped).
        """
        if not str(reason).strip():
            raise LedgerError("a reversal needs a reason (冲正原因)")
        ids = sorted(set(int(i) for i in line_ids))
        with self._write():
            done: set[int] = set()
            for at in range(0, len(ids), 500):
                part = ids[at:at + 500]
                done.update(r[0] for r in self._conn.execute(f"SELECT line_id FROM reversal WHERE line_id IN ({','.join('?' * len(part))})", part))
            todo = [i for i in ids if i not in done]
            if not todo:
                return 0
            found = self._lines_by_id(todo)
            if len(found) != len(todo):
                raise LedgerError("reverse: some line ids are not in the ledger")
            total = -sum(r[6] for r in found.values())
            months = sorted({r[3] for r in found.values()})
            period = Period(month_period(months[0]).start, month_period(months[-1]).end)
            run_id = self._insert_run("reversal", period, None, date.today(), "", operator, "", len(todo), total, (), reason)
            now = now_text()
            self._conn.executemany("INSERT INTO reversal (line_id, run_id, reason, document, recorded_at) VALUES (?,?,?,?,?)",
                                   ((i, run_id, reason, document, now) for i in todo))
        return len(todo)

    def find_lines(self, id_number: str, rule: str | None = None, month: str | None = None, *, standing_only: bool = True) -> list[int]:
        """Line ids of one person (optionally one rule and month), unreversed ones only by default."""
        pid = self._person_id(self._canon(id_number), create=False)
        if pid is None:
            return []
        return self._person_lines(pid, rule=rule, month=month, standing_only=standing_only)

    def record_recovery(self, id_number: str, rule: str, month: str, amount: Decimal | str | int, *, method: str = "refund",
                        document: str = "", operator: str = "") -> int:
        """Record an overpayment recovered (追缴): a negative line with its method (refund, or 丧葬补助 netting)."""
        if method not in ("refund", "funeral_netting"):
            raise LedgerError("recovery method must be 'refund' (退回) or 'funeral_netting' (从丧葬补助中抵扣)")
        fen = to_fen(Decimal(str(amount)))
        if fen <= 0:
            raise LedgerError("a recovery amount must be positive")
        key = self._canon(id_number)
        p = month_period(month)
        cause = ("追缴：退回" if method == "refund" else "追缴：从丧葬补助中抵扣") + (f"（{document}）" if document else "")
        with self._write():
            pid = self._person_id(key, create=False)
            standing_fen = 0 if pid is None else sum(
                ln[6] for ln in self._lines_by_id(self._person_lines(pid, rule=rule, month=month)).values())
            if fen > standing_fen:
                raise LedgerError(f"{mask_id_number(key)} {rule} {month}: cannot recover {from_fen(fen)} 元, "
                                  f"only {from_fen(standing_fen)} 元 stands paid (reversed lines are already unpaid)")
            seq = self._conn.execute("SELECT count(*) FROM line_row WHERE person_id = ? AND rule = ? AND period = ? AND kind = 'recovery'",
                                     (pid, rule, month)).fetchone()[0]
            run_id = self._insert_run("recovery", p, None, date.today(), "", operator, "", 1, -fen, (), cause)
            self._conn.execute("INSERT INTO line_row (id, run_id, person_id, rule, period, kind, seq, amount_fen, cause) "
                               "VALUES (?,?,?,?,?,'recovery',?,?,?)", (self._next_line_id(), run_id, pid, rule, month, seq, -fen, cause))
        return run_id

    # -- arrears ---------------------------------------------------------------------------
    @_gc_paused
    def arrears(self, engine: Any, roster: Any, through: Period, *, since: Period | None = None, region: str | None = None,
                fast: bool | None = None) -> Any:
        """Compare, month by month up to ``through``, what the rules now give with what was paid (see :mod:`.arrears`).

        Returns an :class:`~shuangyong.ledger.arrears.Arrears`: ``underpaid_total``, ``overpaid_total``, and
        its lines (``rule``, ``period``, ``amount``, ``cause``) when iterated.
        """
        from .arrears import compute_arrears

        return compute_arrears(self, engine, roster, through, since=since, region=region, fast=fast)

    @_gc_paused
    def pay_arrears(self, engine: Any, roster: Any, through: Period, *, since: Period | None = None, region: str | None = None,
                    operator: str = "", jurisdiction: str = "", note: str = "") -> PayRun:
        """Pay every underpayment up to ``through`` as 补发 lines (each with its cause), in one transaction.

        Overpayments are not netted here: they stay listed by ``arrears`` until recovered.
        """
        from .arrears import compute_arrears

        with self._write():
            arr = compute_arrears(self, engine, roster, through, since=since, region=region)
            under = [ln for ln in arr if ln.kind == "underpaid"]
            start = since.start if since is not None else (min((month_period(ln.month).start for ln in arr), default=through.start))
            period = Period(min(start, through.start), through.end)
            if not under:
                return PayRun(run_id=None, kind="arrears", period=period, lines_paid=0, lines_already_paid=0, total=from_fen(0),
                              known_on=date.today())
            ids = self._person_ids(ln._id_number for ln in under)
            months = sorted({ln.month for ln in under})
            marks = ",".join("?" * len(months))
            counts = {(a, b, c): n for a, b, c, n in self._conn.execute(
                f"SELECT person_id, rule, period, count(*) FROM line_row WHERE kind = 'arrears' AND period IN ({marks}) "
                f"GROUP BY person_id, rule, period", months)}
            total = sum(to_fen(ln.amount) for ln in under)
            run_id = self._insert_run("arrears", period, engine, date.today(), jurisdiction, operator, str(getattr(arr, "source", "")),
                                      len(under), total, (), note)
            rows = []
            next_id = self._next_line_id()
            for ln in under:
                pid = ids[ln._id_number]
                rows.append((next_id, run_id, pid, ln.rule, ln.month, counts.get((pid, ln.rule, ln.month), 0), to_fen(ln.amount), ln.cause))
                next_id += 1
            self._conn.executemany(
                "INSERT INTO line_row (id, run_id, person_id, rule, period, kind, seq, amount_fen, cause) VALUES (?,?,?,?,?,'arrears',?,?,?)",
                rows)
        return PayRun(run_id=run_id, kind="arrears", period=period, lines_paid=len(under), lines_already_paid=0, total=from_fen(total),
                      persons=len({r[2] for r in rows}), known_on=date.today())


class _Tx:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any error); re-entrant within one book."""

    def __init__(self, conn: sqlite3.Connection, on_rollback: Any = None) -> None:
        self.conn = conn
        self.outer = False
        self.on_rollback = on_rollback

    def __enter__(self) -> sqlite3.Connection:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.outer = True
        return self.conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if not self.outer:
            return
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
            if self.on_rollback is not None:
                self.on_rollback()
            if isinstance(exc, sqlite3.IntegrityError):
                raise LedgerError(f"the ledger refused the run, nothing was recorded: {exc}") from exc


#: Fewer rows than this go to ``executemany`` (one JSON statement is not worth it for a handful); a stretch of
#: at least this many new pay lines of one (month, rule, seq) is stored as one pay block.
_BULK_MIN = 32
#: Payable rows from which a pay looks its persons up in a person index instead of the map (see _row_person_ids).
_INDEX_MIN = 4096

#: Pay blocks whose lines a book keeps read (a 10⁶-line block is two lists of 10⁶ ints).
_BLOCK_CACHE = 4

_LOW32 = (1 << 32) - 1


class _Block:
    """One pay block of a month, its lines read: person ids and 分 in line-id order (line ``first + i``)."""

    __slots__ = ("id", "run_id", "rule", "seq", "first", "pids", "fens", "ascending")

    def __init__(self, id: int, run_id: int, rule: str, seq: int, first: int, pids: Any, fens: Any, ascending: bool) -> None:
        self.id, self.run_id, self.rule, self.seq, self.first = id, run_id, rule, seq, first
        self.pids, self.fens, self.ascending = pids, fens, ascending


def _sorted_unique(keys: list[str], np: Any) -> tuple[Any, Any, str | None]:
    """The distinct ``keys`` sorted as Python sorts strings: (position in ``keys`` of each, in order; the rank of each
    key among them; their JSON array, or ``None`` when the keys are not all canonical IDs).

    Canonical IDs (17 digits and a digit or ``X``) are sorted as integers (:func:`_sorted_unique_codes`).
    Anything else is sorted as strings.
    """
    n = len(keys)
    coded = _id_codes(keys, np)
    if coded is not None:
        return _sorted_unique_codes(coded[0], coded[1].__getitem__, np)
    uniq = sorted(set(keys))
    at = {k: i for i, k in enumerate(uniq)}
    rank = np.fromiter(map(at.__getitem__, keys), dtype=np.int64, count=n)
    first = np.empty(len(uniq), dtype=np.int64)
    first[rank] = np.arange(n, dtype=np.int64)
    return first, rank, None


def _sorted_unique_codes(code: Any, bytes_of: Callable[[Any], Any], np: Any) -> tuple[Any, Any, str]:
    """:func:`_sorted_unique` of canonical IDs given as their :func:`_id_codes` (``code``; ``bytes_of(positions)``:
    the IDs' bytes at those positions, an (k, 18) array): sorted as integers, the check character last with ``X``
    as 10, which keeps the strings' order; their JSON is written from the same bytes (only the distinct ones read)."""
    n = len(code)
    # Equal codes are equal strings: any of them stands for the lot.  A stable sort (a merge of runs) takes a roster
    # already in ID order, or in runs of it, in a fraction of the time a quicksort does.
    order = np.argsort(code, kind="stable")
    ordered = code[order]
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.cumsum(starts) - 1
    first = order[starts]
    out = np.empty((len(first), 21), dtype=np.uint8)  # "<18 characters>",
    out[:, 0] = out[:, 19] = ord('"')
    out[:, 1:19] = bytes_of(first)
    out[:, 20] = ord(",")
    return first, rank, "[" + out.tobytes()[:-1].decode("ascii") + "]"


def _id_strings(v: Any) -> list[str]:
    """IDs given as an (n, 18) byte array (canonical: ASCII), as strings."""
    from ..roster.reading import FixedTextColumn

    return FixedTextColumn(v.tobytes().decode("ascii"), 18).tolist()


def _look_up(index: tuple[Any, Any], keys: Sequence[str], np: Any) -> Any:
    """The person id of each of ``keys`` in a person index (0: not in the ledger); ``None`` when some key is not a
    canonical ID."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    coded = _id_codes(keys, np)
    if coded is None:
        return None
    return _look_up_codes(index, coded[0], np)


def _look_up_codes(index: tuple[Any, Any], code: Any, np: Any) -> Any:
    """:func:`_look_up` of IDs given as their :func:`_id_codes`."""
    codes, pids = index
    if not len(codes) or not len(code):
        return np.zeros(len(code), dtype=np.int64)
    at = np.minimum(np.searchsorted(codes, code), len(codes) - 1)
    return np.where(codes[at] == code, pids[at], 0)


def _id_codes(keys: Sequence[str], np: Any) -> tuple[Any, Any] | None:
    """Canonical IDs (17 digits and a digit or ``X``) as int64 codes that sort as the strings do — the digits
    read eight bytes at a time (SWAR), the check character last with ``X`` as 10 — and their bytes as an
    (n, 18) array; ``None`` when some key is not a canonical ID."""
    n = len(keys)
    if not n or sum(map(len, keys)) != 18 * n:
        return None
    try:
        raw = np.array(keys, dtype="S18")
    except UnicodeEncodeError:
        return None
    v = np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(n, 18)
    code = _byte_codes(v, np)
    return None if code is None else (code, v)


def _byte_codes(v: Any, np: Any) -> Any:
    """:func:`_id_codes` of IDs given as an (n, 18) byte array (``None`` when one is not a canonical ID)."""
    last = v[:, 17]
    bad = (v - np.uint8(48)) > 9  # not a digit (bytes below "0" wrap around)
    bad[:, 17] &= last != 88
    if bool(bad.any()):
        return None
    code = (_eight_digits(np, v[:, 0:8]) * 100_000_000 + _eight_digits(np, v[:, 8:16])) * 10 + (v[:, 16].astype(np.int64) - 48)
    return code * 11 + np.where(last == 88, 10, last.astype(np.int64) - 48)  # shorter strings never get here (NUL bytes)


def _eight_digits(np: Any, cols: Any) -> Any:
    """The numbers written by rows of eight ASCII digits (an (n, 8) uint8 array), as int64."""
    x = np.ascontiguousarray(cols).view("<u8").reshape(-1) & np.uint64(0x0F0F0F0F0F0F0F0F)
    x = ((x * np.uint64(10)) + (x >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    x = ((x * np.uint64(100)) + (x >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    x = ((x * np.uint64(10000)) + (x >> np.uint64(32))) & np.uint64(0x00000000FFFFFFFF)
    return x.astype(np.int64)


def _pack(pids: Sequence[int], fen: Sequence[int], np: Any) -> str:
    """A block's ``items``: the JSON array of ``person id << 32 | 分`` (compact)."""
    if np is not None:
        packed = (np.asarray(pids, dtype=np.int64) << 32) | np.asarray(fen, dtype=np.int64)
        from ..roster.keys import loaded_pyarrow

        if loaded_pyarrow() is not None:  # pyarrow already loaded (it read the roster): its cast writes the same text
            from ..arrow import json_int_array

            return json_int_array(np, packed)
        return json.dumps(packed.tolist(), separators=(",", ":"))
    return json.dumps([(a << 32) | b for a, b in zip(pids, fen)], separators=(",", ":"))


def _int_array(text: str, np: Any) -> Any:
    """A JSON array of integers (as SQLite's ``json_group_array`` writes them) as an int64 array, read by numpy's
    text parser (≈ 5× ``json.loads``); as JSON when numpy stops short of the end (it does so quietly)."""
    body = text.strip()[1:-1]
    a = np.fromstring(body, dtype=np.int64, sep=",") if body.strip() else np.zeros(0, dtype=np.int64)
    if a.size and body.count(",") != a.size - 1:
        a = np.asarray(json.loads(text), dtype=np.int64)
    return a


def _unpack(items: str, np: Any) -> tuple[Any, Any, bool]:
    """(person ids, 分, person ids strictly ascending) of a block's ``items``: int64 arrays (lists without numpy)."""
    if np is not None:
        a = _int_array(items, np)
        p = a >> 32
        return p, a & _LOW32, bool((p[1:] > p[:-1]).all())
    vals = json.loads(items)
    pids = [v >> 32 for v in vals]
    return pids, [v & _LOW32 for v in vals], all(a < b for a, b in zip(pids, pids[1:]))


def rule_kinds(engine: Any) -> dict[str, str]:
    """Rule code → ``monthly`` / ``yearly`` / ``one_off`` for every registered rule."""
    return {r.code: r.rule.period for r in engine.registry.rules}


def _parameters_used(engine: Any, period: Period) -> list[dict[str, Any]]:
    """Every value of the rules' parameters in force during ``period`` as the engine knew them, with its source."""
    names = sorted({n for r in engine.registry.rules for n in r.rule.param_names})
    out = []
    for name in names:
        for p in engine.parameters.parameters(name):
            for i, v in enumerate(p.values):
                nxt = p.values[i + 1].start if i + 1 < len(p.values) else date.max
                if v.start < period.end and nxt > period.start:
                    out.append({"name": name, "jurisdiction": p.jurisdiction, "from": v.start.isoformat(), "value": _jsonable(v.value),
                                "announced": v.announced.isoformat() if v.announced else None, "source": v.source.cite()})
    return out


def _pick(items: Sequence[Any], idx: Sequence[int]) -> list[Any]:
    """``[items[i] for i in idx]`` at C speed."""
    if not len(idx):
        return []
    if len(idx) == 1:
        return [items[idx[0]]]
    return list(itemgetter(*idx)(items))


def _payable_keys(dues: Sequence[MonthDue]) -> set[str]:
    """The ID numbers with a payable line in any month (the persons a pay run may need)."""
    out: set[str] = set()
    for md in dues:
        for idx, _ in md.payable.values():
            out.update(_pick(md.keys, idx))
    return out


def add_month(label: str, n: int) -> str:
    return f"{add_months(month_period(label).start, n):%Y-%m}"
