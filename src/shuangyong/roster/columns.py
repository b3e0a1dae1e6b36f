"""A roster parsed column by column, its facts as arrays, and the columnar road of a roster run.

:class:`Parsed` reads each column once per distinct value with the record module's own parsers and
checks every row exactly as :meth:`Person.from_record` would; a row is taken here only when every
check passes (anything else takes the reference road, which then names the exact field and reason).
:class:`FactStore` gives each declared fact of the rows taken as an array: codes into a table of
values, or days since 1970 for a date.  :func:`run_columnar` prices every rule over those arrays
(:mod:`shuangyong.roster.pricing`) and hands the results to the roster run.

A long module on purpose: the parse (rows to typed columns) and the fact arrays derived from it share one row index and one set of code tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import ShuangyongError
from ..facts import CATALOGUE, DATED_FACTS, EVENT_FACTS, SETTLING_FACTS, age_on
from ..ids import normalize_id_number
from ..model import Category
from ..money import to_fen
from ..periods import Period
from .pricing import ABSENT as _ABSENT
from .pricing import EncodedColumn, _hashable, month_day, month_key, price_rule, profiles
from .reading import CodedColumn, FixedTextColumn, Roster, index_cells
from .fastpath import rule_support
from .keys import distinct, group_rows

# == the columnar road ====================================================================
#
# Rows are parsed column by column, each distinct value once, with the record
# module's own parsers; a row is taken here only when every check that
# Person.from_record makes passes (anything else goes to the reference road,
# which then names the exact field and reason).  Facts are arrays of codes
# into per-fact value tables.  For each rule registration the rows are
# grouped by their rule inputs over the whole period (a fact that changes
# once in the period, like age at a birthday, is encoded as before / month /
# after); each group is priced month by month through Engine.evaluate with
# a memo, and the 分 are broadcast back to the rows.

_EPOCH = date(1970, 1, 1).toordinal()
#: Days since 1970 of the earliest birth date a 身份证号 can hold (year 1), and more days than any year 1–9999 spans.
_FIRST_BIRTH = date(1, 1, 1).toordinal() - _EPOCH
_BIRTH_SPAN = 4_000_000

_SERVICE_KEYS = ("enlisted", "discharged", "service_type", "hardship", "education", "conscript_years", "discharge_hukou")
_DISABILITY_KEYS = ("disability_grade", "disability_cause", "disability_date", "disability_approved", "disability_paid_monthly")
_TIE_KEYS = ("relation", "member_death_date", "member_awards", "member_monthly_pay", "survivor_confirmed",
             "survivor_pension_paid_monthly")
_DATE_KEYS = ("birth_date", "enlisted", "discharged", "disability_date", "member_death_date", "death_date", "disability_approved",
              "survivor_confirmed")


def _parsers() -> dict[str, Callable[[Any], Any]]:
    from ..ids import validate_region
    from ..model import (
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
    from ..record import (
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
        "discharge_hukou": lambda v: Hukou.parse(v, "discharge_hukou"),
        "urban_pension": lambda v: _parse_bool(v, "urban_pension"),
        "needy": lambda v: _parse_bool(v, "needy"),
        **{k: (lambda key: lambda v: _parse_money(v, key))(k)
           for k in ("disability_paid_monthly", "survivor_pension_paid_monthly", "allowance_paid_monthly")},
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


def _month_table(np: Any, ylo: int, yhi: int) -> tuple[Any, Any]:
    """Days in month ``m`` of year ``y``, and days since 1970 of its first day, at ``(y - ylo) * 16 + m``.

    For years ``ylo..yhi`` (within 0..9999) and ``m`` 0..15 (int32): a month that does not exist —
    month 0, past 12, or in year 0 — has 0 days (and first day 0).  Built over the years spanned,
    so a 身份证号's birth date is checked and counted with two lookups instead of calendar arithmetic.
    """
    years = np.arange(ylo, yhi + 1, dtype=np.int64)
    mi = (years[:, None] - 1970) * 12 + np.arange(12, dtype=np.int64)[None, :]  # months since 1970-01
    starts = mi.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ends = (mi + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    length = np.zeros((len(years), 16), dtype=np.int32)
    first = np.zeros((len(years), 16), dtype=np.int32)
    real = years >= 1
    length[real, 1:13] = (ends - starts)[real]
    first[real, 1:13] = starts[real]
    return length.reshape(-1), first.reshape(-1)


def _iso_dates(np: Any, raw: Sequence[Any]) -> tuple[list[int], Any]:
    """The codes whose value ``record.parse_date`` reads by its first rule, and those dates as days since 1970.

    That rule takes text of the form ``2023-08-01`` (ASCII digits) that ``date.fromisoformat`` accepts, and
    ``parse_date`` then keeps a date within ``EARLIEST_DATE``…``LATEST_DATE``.  Exactly those values are
    claimed here, checked with arrays (a column of dates has tens of thousands of distinct values);
    anything else — another spelling, an impossible day, a date out of range — is left to the parser.
    """
    from ..record import EARLIEST_DATE, LATEST_DATE

    cand = [c for c in range(1, len(raw)) if type(raw[c]) is str and len(raw[c]) == 10]
    text = "".join([raw[c] for c in cand])
    if not cand or not text.isascii():
        cand = [c for c in cand if raw[c].isascii()]
        text = "".join([raw[c] for c in cand])
    if not cand:
        return [], np.zeros(0, dtype=np.int32)
    b = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(-1, 10).T
    digits = b[[0, 1, 2, 3, 5, 6, 8, 9]] - np.uint8(48)  # a byte that is not a digit wraps above 9
    ok = (b[4] == 45) & (b[7] == 45) & (digits.max(axis=0) <= 9)  # 45: "-"
    n = digits.astype(np.int32) * ok
    y = ((n[0] * 10 + n[1]) * 10 + n[2]) * 10 + n[3]
    m = n[4] * 10 + n[5]
    dd = n[6] * 10 + n[7]
    ylo = int(y.min())
    length, first = _month_table(np, ylo, int(y.max()))
    at = (y - ylo) * 16 + np.minimum(m, 15)
    ok &= (dd >= 1) & (dd <= length[at])  # a real day (year 0 and months 0 or past 12 have none)
    days = first[at] + (dd - 1)
    ok &= (days >= EARLIEST_DATE.toordinal() - _EPOCH) & (days <= LATEST_DATE.toordinal() - _EPOCH)
    keep = np.flatnonzero(ok)
    return np.asarray(cand, dtype=np.int64)[keep].tolist(), days[keep]


def _code_type(np: Any, size: int) -> Any:
    """The narrowest integer type for codes ``0..size - 1`` with room for one more (a region given for the
    whole roster is appended to the region column's values after its codes are made)."""
    return np.int8 if size < 127 else np.int16 if size < 32767 else np.int32


def _row_codes(np: Any, n: int) -> Any:
    """Codes ``1..n`` (row ``i`` is code ``i + 1``), int32 while they fit: half the bytes of int64."""
    return np.arange(1, n + 1, dtype=np.int32 if n < 2**31 - 1 else np.int64)


class _ByCode(Sequence[Any]):
    """The usual ID column's values by code: code 0 is absent (``None``), code ``c`` is cell ``c - 1``."""

    __slots__ = ("cells",)

    def __init__(self, cells: FixedTextColumn) -> None:
        self.cells = cells

    def __len__(self) -> int:
        return len(self.cells) + 1

    def __getitem__(self, c: Any) -> Any:
        if isinstance(c, slice):
            return [self[k] for k in range(*c.indices(len(self)))]
        return None if c == 0 else self.cells[c - 1]

    def __iter__(self) -> Any:
        yield None
        yield from self.cells


class _Column:
    """One record key over the rows: ``codes`` (0 = absent) into ``values`` (parsed) and ``bad`` (unparseable)."""

    def __init__(self, np: Any, codes: Any, raw: list[Any], parser: Callable[[Any], Any] | None, dates: bool = False) -> None:
        self.codes = codes
        self._constant: bool | None = None
        self.raw = raw  # normalised value per code
        #: A date column's days since 1970 per code (``ABSENT`` for no date), when every value was read by arrays.
        self.days: Any = None
        if parser is None:
            # Values as they are, none unparseable: the ID column has a value per row, so no per-value lists here.
            self.values: list[Any] = raw if isinstance(raw, _ByCode) else list(raw)  # (the ID cells stay one string)
            self.bad = np.zeros(len(raw), dtype=bool)
            return
        self.values = [None] * len(raw)
        bad = [False] * len(raw)
        todo: Any = range(1, len(raw))
        if dates:
            claimed, days = _iso_dates(np, raw)
            if claimed:
                # The usual cells, read by arrays as parse_date reads them; the parser sees only the others.
                read = days.astype("datetime64[D]").astype(object).tolist()
                if len(claimed) == len(raw) - 1:  # claimed holds every code from 1, ascending
                    self.values[1:] = read
                    self.days = np.empty(len(raw), dtype=np.int32)
                    self.days[0] = _ABSENT
                    self.days[1:] = days
                    todo = ()
                else:
                    for c, v in zip(claimed, read):
                        self.values[c] = v
                    todo = sorted(set(todo) - set(claimed))
        for c in todo:
            try:
                self.values[c] = parser(raw[c])
            except (ShuangyongError, TypeError, ValueError, ArithmeticError):
                bad[c] = True
        self.bad = np.array(bad, dtype=bool)

    def present(self) -> Any:
        return self.codes > 0

    def constant(self) -> bool:
        """Whether every row has the same code (computed once: the parse is kept between runs)."""
        if self._constant is None:
            c = self.codes
            self._constant = not len(c) or int(c.min()) == int(c.max())
        return self._constant

    def bad_rows(self) -> Any:
        return self.bad.take(self.codes)  # (take: numpy's fast gather for narrow codes)

    def any_bad(self) -> bool:
        """Whether some value of the column is unparseable (a check over the few values, not the rows)."""
        return bool(self.bad.any())


class Parsed:
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
        self._canon: Sequence[str | None] | None = None
        self.unhandled = np.zeros(n, dtype=bool)
        for key, headers in by_key.items():
            if key == "name":
                continue  # any text is a valid name, and no rule reads it: not worth a pass over the rows
            plain = self._plain_ids(headers) if key == "id_number" else None
            codes, raw = plain if plain is not None else self._merge(headers)
            if key == "region" and region is not None:
                if len(raw) == 1 or region not in raw:
                    raw.append(region)
                codes = np.where(codes == 0, raw.index(region), codes)
            if key.startswith("extra:") or key == "id_number":
                self.cols[key] = _Column(np, codes, raw, None)
            elif key in parsers:
                self.cols[key] = _Column(np, codes, raw, parsers[key], dates=key in _DATE_KEYS)
            else:  # a record key this road does not know yet: such rows take the reference road
                self.cols[key] = _Column(np, codes, raw, None)
                self.unhandled |= codes > 0
        if "region" not in self.cols and region is not None:
            self.cols["region"] = _Column(np, np.ones(n, dtype=np.int32), [None, region], parsers["region"])
        self._ids()

    def _plain_ids(self, headers: list[str]) -> tuple[Any, list[Any]] | None:
        """The usual ID column (one header, every cell 18 ASCII characters): each cell its own code, no indexing.

        ``None`` when the column is anything else; it is then indexed like every other column.
        """
        if len(headers) != 1:
            return None
        col = self.roster.data[headers[0]]
        if isinstance(col, FixedTextColumn) and col.width == 18 and col.text.isascii():
            self._joined_ids = col.text  # as the Arrow reader gives it: no string per cell
            return _row_codes(self.np, len(col)), _ByCode(col)
        try:
            joined = "".join(col)
        except TypeError:
            return None
        if len(joined) != 18 * len(col) or not joined.isascii():
            return None
        self._joined_ids = joined
        return _row_codes(self.np, len(col)), [None, *col]

    def _merge(self, headers: list[str]) -> tuple[Any, list[Any]]:
        np = self.np
        table: dict[Any, int] = {_vkey(None): 0}
        raw: list[Any] = [None]
        merged = None
        for h in headers:
            col = self.roster.data[h]
            if isinstance(col, CodedColumn):  # read as codes already (the array CSV reader)
                distinct, idx = col.values, col.codes
            else:
                distinct, idx = index_cells(np, col)
            # Normalise each distinct value once; a text cell keys by itself (no other key type
            # equals a str), anything else by _vkey.
            normed = [(v.strip() or None) if type(v) is str and v.isascii() else _norm(v) for v in distinct]
            keys = [nv if type(nv) is str else _vkey(nv) for nv in normed]
            for k, nv in zip(keys, normed):
                if k not in table:
                    table[k] = len(raw)
                    raw.append(nv)
            remap = list(map(table.__getitem__, keys))
            # Codes as narrow as the values allow: most columns have a handful of values (one byte a row
            # instead of four), and every later pass over them (checks, gathers) reads that much less.
            kind = _code_type(np, len(raw))
            at = idx if isinstance(idx, np.ndarray) else np.asarray(idx, dtype=np.int64)
            codes = np.asarray(remap, dtype=kind).take(at) if len(idx) else np.zeros(0, dtype=kind)
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
        self.birth = np.zeros(self.n, dtype=np.int32)
        self.male = np.zeros(self.n, dtype=bool)
        self.canon_values: Sequence[str | None] = [None]
        if col is None:
            return
        vals = col.raw
        # The IDs are checked once per code; entry e below is code e + 1 (code 0, no ID, is never valid),
        # so for the usual ID column (row i is code i + 1) an entry's answer is already its row's.
        joined = getattr(self, "_joined_ids", None)
        shape = None
        if joined is not None:  # every cell is 18 ASCII characters (see _plain_ids)
            text = joined
        else:
            is18 = [isinstance(v, str) and len(v) == 18 for v in vals[1:]]
            shape = np.array(is18, dtype=bool)
            blank = "?" * 18
            text = "".join([v if k else blank for v, k in zip(vals[1:], is18)])
        # Bytes and small integers: at 10⁶ IDs an int64 copy of the digits alone would take 144 MB.
        buf = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8).reshape(-1, 18)
        # Position-major: each of the 18 positions one contiguous row, so the arithmetic below runs on
        # whole rows (twice as fast as reading every 18th byte).
        by_position = buf.T.copy()  # (a copy, written below; never a view of the read-only bytes)
        # In place, here and below: each new 10⁶-row array costs its page faults, more than the arithmetic.
        d = by_position[:17]
        d -= np.uint8(48)  # a byte that is not a digit wraps above 9
        last = by_position[17]
        lower_x = last == 120  # a lower-case x is the check character X
        last[lower_x] = 88
        ok = (d.max(axis=0) <= 9) & (((last >= 48) & (last <= 57)) | (last == 88))
        if shape is not None:
            ok &= shape
        d *= ok  # IDs that are not ID-shaped read as zeros from here on
        from ..ids import PROVINCES

        def number(a: int, b: int) -> Any:  # the digits a..b-1 as one int32
            v = d[a].astype(np.int32)
            for j in range(a + 1, b):
                v *= 10
                v += d[j]
            return v

        prov = np.zeros(100, dtype=bool)
        prov[[int(p) for p in PROVINCES]] = True
        area = number(0, 6)  # 行政区划代码 (kept for repeats, with the sequence number)
        ok &= prov[area // 10000]
        y, m, dd = number(6, 10), number(10, 12), number(12, 14)
        # Month lengths and first days from one table over (year, month): a month that does not exist
        # (month 0 or past 12, year 0) has no days, so the day check rejects it too.
        ylo = int(y.min()) if len(y) else 0
        length, first = _month_table(np, ylo, int(y.max()) if len(y) else 0)
        at = (y - ylo) * 16 + np.minimum(m, 15)
        ok &= (dd >= 1) & (dd <= length[at])
        # Σ digit × weight is at most 17 × 9 × 10: 16-bit sums carry half the bytes of 32-bit ones.
        weighted = np.zeros(d.shape[1], dtype=np.uint16)
        term = np.empty_like(weighted)
        for j in range(17):
            weighted += np.multiply(d[j], np.uint16(pow(2, 17 - j, 11)), out=term)
        ok &= np.frombuffer(b"10X98765432", dtype=np.uint8)[weighted % 11] == last
        # Birth date as days since 1970 (1970-01-01 where the ID is not valid).
        born_days = first[at] + (dd - 1)
        if not ok.all():
            born_days = np.where(ok, born_days, 0).astype(np.int32)
        # Kept for repeats(): 6 bytes an entry instead of the 17 digits.
        self._id_area, self._id_seq = area, (number(14, 17)).astype(np.int16)
        self._id_lower_x = bool((ok & lower_x).any())
        if isinstance(vals, _ByCode) and ok.all() and not lower_x.any():
            self.canon_values = vals  # every cell is its own canonical form
        else:
            canon = list(vals)
            canon[0] = None
            for e in np.flatnonzero(~ok).tolist():
                canon[e + 1] = None
            for e in np.flatnonzero(ok & lower_x).tolist():
                canon[e + 1] = vals[e + 1].upper()
            self.canon_values = canon
        male = d[16] % 2 == 1
        codes = col.codes
        self.id_codes = codes
        self._ids_are_rows = joined is not None
        if joined is not None:  # row i is code i + 1, entry i: the entries are the rows
            self.id_ok, self.birth, self.male = ok, born_days, male
            return

        def per_row(a: Any) -> Any:
            full = np.zeros(len(a) + 1, dtype=a.dtype)  # code 0: not valid, 1970-01-01, not male
            full[1:] = a
            return full[codes]

        self.id_ok, self.birth, self.male = per_row(ok), per_row(born_days), per_row(male)

    def canonical_ids(self) -> Sequence[str | None]:
        """Canonical 身份证号 per row (``None`` when not valid); rows this road cannot judge are checked one by one."""
        if self._canon is not None:
            return self._canon
        if "id_number" not in self.cols:
            return [None] * self.n
        cv = self.canon_values
        codes = self.id_codes
        if isinstance(cv, _ByCode):  # the usual ID column, every ID valid as written (see _ids)
            self._canon = cv.cells
            return cv.cells
        if len(cv) == self.n + 1 and (not self.n or (int(codes[0]) == 1 and bool((codes[1:] - codes[:-1] == 1).all()))):
            out = cv[1:]  # the usual ID column: row i is code i + 1 (see _plain_ids)
        else:
            out = [cv[c] for c in codes.tolist()]
        raw = self.cols["id_number"].raw
        for i in self.np.flatnonzero(~self.id_ok).tolist():
            v = raw[int(self.id_codes[i])]
            out[i] = normalize_id_number(v) if isinstance(v, str) else None
        self._canon = out
        return out

    def repeats(self, canon: Sequence[str | None], problem: Mapping[int, Any]) -> dict[int, int] | None:
        """``{}`` when no 身份证号 repeats (the usual roster), found with arrays; ``None`` when the caller must
        compare the canonical strings one by one: some ID repeats, or some valid ID was
        not judged by this road (a space inside, a lower-case x, other digits)."""
        np = self.np
        if "id_number" not in self.cols:
            return {}
        if self._id_lower_x or any(canon[i] is not None for i in np.flatnonzero(~self.id_ok).tolist()):
            return None
        use = self.id_ok.copy()
        if problem:
            use[np.fromiter(problem, dtype=np.int64, count=len(problem))] = False
        area, seq = self._id_area, self._id_seq
        if self._ids_are_rows and use.all():  # the usual ID column, every row judged: entries are rows
            birth = self.birth
        else:
            rows = np.flatnonzero(use)
            e = self.id_codes[rows] - 1
            area, seq, birth = area[e], seq[e], self.birth[rows]
        # A valid 身份证号 is its area code, birth date and sequence number (the check character follows
        # from them), so those three as one int64 are the ID exactly: equal keys are equal IDs.
        key = (area.astype(np.int64) * _BIRTH_SPAN + (birth - _FIRST_BIRTH)) * 1000 + seq
        key.sort()
        return None if bool((key[1:] == key[:-1]).any()) else {}

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
            # No such column: every row absent, one value broadcast (read-only) rather than 4 bytes a row.
            out = np.broadcast_to(np.array(_ABSENT, dtype=np.int32), (self.n,))
        else:
            per = col.days
            if per is None:
                per = np.array([_ABSENT if v is None else v.toordinal() - _EPOCH for v in col.values], dtype=np.int32)
            out = per.take(col.codes)
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
        dis = np.zeros(n, dtype=bool)
        for k in _DISABILITY_KEYS:
            dis |= present(k)
        for k, c in self.cols.items():
            if not c.any_bad():
                continue  # every value parses: no row to drop (and no pass over the rows)
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
            from ..model import Sex

            sc = self.cols["sex"]
            male = np.array([v is Sex.MALE for v in sc.values], dtype=bool)[sc.codes]
            ok &= ~(present("sex") & (male != self.male))
        for k in ("death_date", "enlisted", "discharged", "disability_date", "disability_approved", "survivor_confirmed"):
            if k in self.cols:
                ok &= ~(present(k) & (self.days(k) < self.birth))
        if "enlisted" in self.cols and "discharged" in self.cols:
            ok &= ~(present("discharged") & (self.days("discharged") < self.days("enlisted")))
        if "awards" in self.cols:
            c = self.cols["awards"]
            first = np.array([min((a.date.toordinal() - _EPOCH for a in (v or ()) if a.date is not None), default=1 << 40)
                              for v in c.values], dtype=np.int64)
            ok &= first.take(c.codes) >= self.birth
        if excluded:
            ok[np.fromiter(excluded, dtype=np.int64, count=len(excluded))] = False
        return np.flatnonzero(ok)


# -- facts as arrays ------------------------------------------------------------------------

# Derived from the one fact catalogue (shuangyong.facts.CATALOGUE); nothing about a fact is declared here.
#: fact → record keys it depends on ("@birth", "@sex" come from the ID number).
_DEPS: dict[str, tuple[str, ...]] = {n: f.columns for n, f in CATALOGUE.items()}
#: Facts that are a record date, with the column they come from and the column they need present.
_DATE_COLUMN_FACTS: dict[str, tuple[str, str]] = {n: (f.column, f.gate) for n, f in CATALOGUE.items() if f.vector == "date"}
#: Facts that are one record column's value: (column, column that must be present too, value when absent).
_COLUMN_FACTS: dict[str, tuple[str, str, Any]] = {n: (f.column, f.gate, f.absent) for n, f in CATALOGUE.items() if f.vector == "column"}
#: Facts that count whole years (or months) of service; they stop depending on the date once a discharge date is recorded.
_SERVICE_COUNT_FACTS = frozenset(n for n, f in CATALOGUE.items() if f.vector == "count")
#: Facts whose value depends on the date priced.
_VARYING = DATED_FACTS


def _fact_known(name: str) -> bool:
    return name.startswith("extra.") or name in CATALOGUE


class _ServiceView:
    """The parts of a ServiceRecord a fact reads, with ServiceRecord's own methods."""

    __slots__ = ("enlisted", "discharged", "service_type", "hardship", "education", "conscript_years", "hukou_at_discharge")

    from ..model import ServiceRecord as _SR

    serving_on = _SR.serving_on
    service_years = _SR.service_years
    service_months = _SR.service_months
    del _SR


class _PersonView:
    """The parts of a Person a fact reads, with Person's own methods (facts are computed by shuangyong.facts itself)."""

    __slots__ = ("region", "hukou", "sex", "birth_date", "categories", "death_date", "service", "awards", "disability",
                 "family_tie", "extra", "urban_pension", "allowance_paid_monthly")

    from ..model import Person as _P

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


class FactStore:
    """Fact codes per row (restricted to the rows of the columnar road)."""

    def __init__(self, parsed: Parsed, rows: Any) -> None:
        self.p = parsed
        self.np = parsed.np
        self.rows = rows
        self.tables: dict[str, _Table] = {}
        self._fixed: dict[str, Any] = {}
        self._at: dict[tuple[str, date], Any] = {}
        self._combos: dict[str, tuple[Any, Any]] = {}
        self._combo_cache: dict[tuple[str, int, date | None], int] = {}
        # Usually every row takes this road: then per-row arrays are used as they are, not copied.
        self._every = len(rows) == parsed.n
        self.birth = self.take(parsed.birth)
        self._svc_codes: dict[str, tuple[date, Any]] = {}
        self._svc_serving: Any = None
        self._days: dict[str, Any] = {}

    def take(self, per_row: Any) -> Any:
        """A per-row array of the parsed roster, restricted to this store's rows."""
        return per_row if self._every else per_row[self.rows]

    def table(self, name: str) -> _Table:
        return self.tables.setdefault(name, _Table())

    def present(self, column: str) -> Any:
        """Rows where a record column has a value."""
        col = self.p.cols.get(column)
        if col is None:
            return self.np.zeros(len(self.rows), dtype=bool)
        return self.take(col.codes) > 0

    def days(self, name: str) -> Any:
        """A date fact of every row as days since 1970 (``_ABSENT`` where there is no date)."""
        hit = self._days.get(name)
        if hit is None:
            column, needs = _DATE_COLUMN_FACTS[name]
            if column == "@birth":
                hit = self.birth
            else:
                # The column it needs is guaranteed by Parsed.fast_rows (see _column_codes).
                hit = self.take(self.p.days(column))
            self._days[name] = hit
        return hit

    def varies(self, name: str) -> bool | None:
        """Whether a fact's codes differ between rows, when that is known without looking (else ``None``)."""
        if name in _COLUMN_FACTS and name != "mental_disorder" and self._every:
            col = self.p.cols.get(_COLUMN_FACTS[name][0])
            return False if col is None else not col.constant()
        return None

    def _column_codes(self, name: str) -> Any:
        """Codes of a fact that is one record column's value: the column's own codes, not copied.

        Two spellings of one value keep two codes (that only costs a second pricing).  The gate
        columns are already guaranteed by ``Parsed.fast_rows`` (no service field without 入伍时间, no
        disability field without grade and cause, no tie field without 遗属类别), except for 精神病,
        which is read only with a disability.
        """
        np = self.np
        column, gate, default = _COLUMN_FACTS[name]
        t = self.table(name)
        col = self.p.cols.get(column)
        if col is None:
            return np.full(len(self.rows), t.code(default), dtype=np.int32)
        convert = bool if name == "mental_disorder" else None
        t.values = [default if v is None else (convert(v) if convert else v) for v in col.values]
        t.index = {}
        codes = self.take(col.codes)
        if gate and name == "mental_disorder":
            codes = np.where(self.present(gate), codes, 0)
        return codes

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

    def _dep_constant(self, dep: str) -> bool:
        """Whether a dependency has one value on every row, known without a pass (an absent or one-valued column)."""
        if dep in ("@birth", "@sex"):
            return False
        col = self.p.cols.get(dep)
        return col is None or (self._every and col.constant())

    def combos(self, name: str) -> tuple[Any, Any]:
        """(representative row per distinct dependency combination, combination per row)."""
        if name not in self._combos:
            np = self.np
            deps = (f"extra:{name[6:]}",) if name.startswith("extra.") else _DEPS[name]
            n = len(self.rows)
            if n and all(self._dep_constant(d) for d in deps):
                # One combination, row 0 its representative (as group_rows would find): no pass over the rows.
                self._combos[name] = (np.zeros(1, dtype=np.int64), np.broadcast_to(np.array(0, dtype=np.int64), (n,)))
            else:
                _, first, inv = group_rows(np, [self._dep_codes(d) for d in deps])
                self._combos[name] = (first, inv)
        return self._combos[name]

    def _per_combo(self, name: str, on: date) -> Any:
        """Codes of a fact computed once per dependency combination, spread over the rows (one value: broadcast)."""
        np = self.np
        first, inv = self.combos(name)
        per = np.array([self._compute(name, g, int(k), on) for g, k in enumerate(first.tolist())], dtype=np.int64)
        if len(per) == 1:
            return np.broadcast_to(per, (len(self.rows),))  # read-only, like every cached code array
        return per[inv]

    def _view(self, name: str, k: int) -> _PersonView:
        p = self.p
        i = int(self.rows[k])
        deps = (f"extra:{name[6:]}",) if name.startswith("extra.") else _DEPS[name]
        v = _PersonView()
        v.region = p.value("region", i) if "region" in deps else None
        v.hukou = p.value("hukou", i) if "hukou" in deps else None
        from ..model import Sex

        v.sex = (Sex.MALE if p.male[i] else Sex.FEMALE) if "@sex" in deps else None
        v.birth_date = date.fromordinal(int(p.birth[i]) + _EPOCH) if "@birth" in deps else None
        v.categories = (p.value("categories", i) or frozenset()) if "categories" in deps else frozenset()
        v.death_date = p.value("death_date", i) if "death_date" in deps else None
        v.awards = (p.value("awards", i) or ()) if "awards" in deps else ()
        v.urban_pension = p.value("urban_pension", i) if "urban_pension" in deps else None
        v.allowance_paid_monthly = p.value("allowance_paid_monthly", i) if "allowance_paid_monthly" in deps else None
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
            s.hukou_at_discharge = p.value("discharge_hukou", i) if "discharge_hukou" in deps else None
            v.service = s
        v.disability = None
        if "disability_grade" in deps and p.value("disability_grade", i) is not None:
            from types import SimpleNamespace

            v.disability = SimpleNamespace(
                grade=p.value("disability_grade", i), cause=p.value("disability_cause", i) if "disability_cause" in deps else None,
                assessed=p.value("disability_date", i) if "disability_date" in deps else None,
                mental_disorder=bool(p.value("mental_disorder", i)) if "mental_disorder" in deps else False,
                approved=p.value("disability_approved", i) if "disability_approved" in deps else None,
                paid_monthly=p.value("disability_paid_monthly", i) if "disability_paid_monthly" in deps else None)
        v.family_tie = None
        if "survivor_of" in deps and p.value("survivor_of", i) is not None:
            from types import SimpleNamespace

            v.family_tie = SimpleNamespace(
                member_status=p.value("survivor_of", i), relation=p.value("relation", i) if "relation" in deps else None,
                member_death_date=p.value("member_death_date", i) if "member_death_date" in deps else None,
                member_awards=(p.value("member_awards", i) or ()) if "member_awards" in deps else (),
                member_monthly_pay=p.value("member_monthly_pay", i) if "member_monthly_pay" in deps else None,
                confirmed=p.value("survivor_confirmed", i) if "survivor_confirmed" in deps else None,
                pension_paid_monthly=p.value("survivor_pension_paid_monthly", i) if "survivor_pension_paid_monthly" in deps else None)
        return v

    def _compute(self, name: str, combo: int, k: int, on: date) -> int:
        from ..facts import compute_fact

        fixed = name not in _VARYING or (name in SETTLING_FACTS and self.p.value("discharged", int(self.rows[k])) is not None)
        key = (name, combo, None if fixed else on)
        c = self._combo_cache.get(key)
        if c is None:
            c = self._combo_cache[key] = self.table(name).code(compute_fact(name, self._view(name, k), on))  # type: ignore[arg-type]
        return c

    def codes(self, name: str, on: date) -> Any:
        """Fact codes of every row on ``on`` (cached; time-invariant facts computed once)."""
        np = self.np
        if name not in _VARYING:
            if name not in self._fixed and name in _COLUMN_FACTS:
                self._fixed[name] = self._column_codes(name)
            if name not in self._fixed and name in _DATE_COLUMN_FACTS:
                self._fixed[name] = self._date_column(name)
            if name not in self._fixed:
                self._fixed[name] = self._per_combo(name, on)
            return self._fixed[name]
        key = (name, on)
        if key not in self._at and name in _SERVICE_COUNT_FACTS:
            self._at[key] = self._service_counts(name, on)
        if key not in self._at:
            if name == "age":
                self._at[key] = self._age(on)
            elif name == "serving":
                # ServiceRecord.serving_on: enlisted on or before the date and not yet discharged.
                enl = self.take(self.p.days("enlisted"))
                dis = self.take(self.p.days("discharged"))
                o = on.toordinal() - _EPOCH
                t = self.table("serving")
                yes, no = t.code(True), t.code(False)
                self._at[key] = np.where((enl != _ABSENT) & (enl <= o) & ((dis == _ABSENT) | (o < dis)), yes, no).astype(np.int32)
            elif name == "alive":
                d = self.take(self.p.days("death_date"))
                t = self.table("alive")
                yes, no = t.code(True), t.code(False)
                self._at[key] = np.where((d == _ABSENT) | (on.toordinal() - _EPOCH < d), yes, no).astype(np.int32)
            else:
                self._at[key] = self._per_combo(name, on)
        return self._at[key]

    def _date_column(self, name: str) -> Any:
        """Codes of a fact that is a record date, present only with its dependency (vectorised)."""
        np = self.np
        column, needs = _DATE_COLUMN_FACTS[name]
        t = self.table(name)
        if column == "@birth":
            uniq, inv = distinct(np, self.birth)
            lut = np.array([t.code(date.fromordinal(int(d) + _EPOCH)) for d in uniq.tolist()], dtype=np.int64)
            return lut[inv]
        col = self.p.cols.get(column)
        none = t.code(None)
        if col is None:
            return np.full(len(self.rows), none, dtype=np.int64)
        lut = np.array([t.code(v) for v in col.values], dtype=np.int64)
        out = lut.take(col.codes[self.rows])
        need = self.p.cols.get(needs) if needs else None
        if needs:
            present = need.codes[self.rows] > 0 if need is not None else np.zeros(len(self.rows), dtype=bool)
            out = np.where(present, out, none)
        return out

    def _serving_rows(self) -> Any:
        """Rows whose service record has no discharge date: their counts depend on the date."""
        if self._svc_serving is None:
            enl, dis = self.take(self.p.days("enlisted")), self.take(self.p.days("discharged"))
            self._svc_serving = self.np.flatnonzero((enl != _ABSENT) & (dis == _ABSENT))
        return self._svc_serving

    def _service_counts(self, name: str, on: date) -> Any:
        """Whole service years (or months) of every row on ``on``, as ``ServiceRecord`` counts them (vectorised).

        A discharged record counts to its discharge date whatever ``on`` is, so every row is counted
        once; only records still serving are counted again for another date.
        """
        first = self._svc_codes.get(name)
        if first is None:
            first = self._svc_codes[name] = (on, self._count_codes(name, on, None))
        if on == first[0]:
            return first[1]
        serving = self._serving_rows()
        if not len(serving):
            return first[1]
        out = first[1].copy()
        out[serving] = self._count_codes(name, on, serving)
        return out

    def _count_codes(self, name: str, on: date, sub: Any) -> Any:
        """Codes of a service count for rows ``sub`` of this store (all when ``None``) on ``on``."""
        np = self.np
        enl, dis = self.take(self.p.days("enlisted")), self.take(self.p.days("discharged"))
        if sub is not None:
            enl, dis = enl[sub], dis[sub]
        if name == "conscript_service_years":
            return self._conscript_service_codes(on, enl, dis, sub)
        if name == "conscript_years" and "conscript_years" in self.p.cols:
            # A record that states its 义务兵役年限 is taken at its word: count only the others.
            col = self.p.cols["conscript_years"]
            t = self.table(name)
            lut = np.array([-1 if v is None else t.code(int(v)) for v in col.values], dtype=np.int32)
            codes = lut.take(self.take(col.codes) if sub is None else col.codes[self.rows[sub]])
            rest = np.flatnonzero(codes < 0)
            none = enl[rest] == _ABSENT
            codes[rest[none]] = t.code(0)  # no service record: no years
            rest = rest[~none]
            if len(rest):
                codes[rest] = self._value_codes(name, self._count_values(name, on, enl[rest], dis[rest]))
            return codes
        return self._value_codes(name, self._count_values(name, on, enl, dis))

    def _conscript_service_codes(self, on: date, enl: Any, dis: Any, sub: Any) -> Any:
        """Codes of ``conscript_service_years``: ``national.conscripts.conscript_years_of`` over rows.

        Stated 义务兵役年限 as they are; an 义务兵 or a record without a type, the whole service
        (part-years up); a 军士 who enlisted from 1998-12-29, at most two years; anyone else unknown.
        """
        from ..model import ServiceType
        from ..national.conscripts import CONSCRIPT_TERM_2_YEARS_FROM, CONSCRIPT_TERM_YEARS_FROM_1998

        np = self.np

        def per_row(column: str, of: Callable[[Any], int]) -> Any:
            col = self.p.cols.get(column)
            n = len(self.rows) if sub is None else len(sub)
            if col is None:
                return np.full(n, of(None), dtype=np.int32)
            lut = np.array([of(v) for v in col.values], dtype=np.int32)
            return lut.take(self.take(col.codes) if sub is None else col.codes[self.rows[sub]])

        unknown = -1
        stated = per_row("conscript_years", lambda v: unknown if v is None else int(v))
        value = np.where(enl == _ABSENT, 0, stated)  # no service record: no years; else as stated
        kind = per_row("service_type", lambda v: 0 if v is None or v is ServiceType.CONSCRIPT else 1 if v is ServiceType.NCO else 2)
        # Only a record that states no years and is an 义务兵 (or has no type) or a 军士 is counted: its whole
        # service, part-years up (a 军士 from 1998-12-29 at most two years; earlier, unknown).  A roster
        # that states the years of every record counts nothing.
        count = np.flatnonzero((value == unknown) & (kind <= 1))
        if len(count):
            e = enl[count]
            whole = self._count_values("service_years_up", on, e, dis[count])
            nco = np.where(e >= CONSCRIPT_TERM_2_YEARS_FROM.toordinal() - _EPOCH, np.minimum(whole, CONSCRIPT_TERM_YEARS_FROM_1998),
                           unknown)
            value[count] = np.where(kind[count] == 0, whole, nco)
        # One table over unknown and the known values spanned, its codes made in the order the
        # per-value lookups would make them (unknown first, then the known values ascending).
        t = self.table("conscript_service_years")
        none = t.code(None)
        counts = np.bincount(value - unknown) if len(value) else np.zeros(1, dtype=np.int64)
        present = np.flatnonzero(counts[1:]) + (unknown + 1)
        lo, hi = (int(present[0]), int(present[-1])) if len(present) else (0, 0)
        lut = np.array([none] + [t.code(v) for v in range(lo, hi + 1)], dtype=np.int32)
        return lut.take(np.where(value == unknown, 0, value - lo + 1))

    def _value_codes(self, name: str, value: Any) -> Any:
        np = self.np
        t = self.table(name)
        lo, hi = int(value.min()) if len(value) else 0, int(value.max()) if len(value) else 0
        lut = np.array([t.code(int(v)) for v in range(lo, hi + 1)], dtype=np.int64)
        return lut.take(value - lo)

    def _count_values(self, name: str, on: date, enl: Any, dis: Any) -> Any:
        """Whole years (or months) of service from 入伍时间 to 退役时间 (or ``on`` while serving)."""
        np = self.np
        o = on.toordinal() - _EPOCH
        has = enl != _ABSENT
        # No service record: from ``on`` to ``on``, no time at all.
        start = np.where(has, enl, o)
        end = np.where(has & (dis != _ABSENT), dis, o)
        if name == "service_months":
            # ServiceRecord.service_months counts as dateutil's relativedelta does: a month is whole when the
            # enlistment day, clipped to the end month's length, is reached (30 March → 28 February is whole).
            smi, sd, _ = month_day(np, start)
            emi, ed, elen = month_day(np, end)
            whole = emi - smi - (np.minimum(sd, elen) > ed)
            return np.where(end > start, np.maximum(whole, 0), 0)
        # 32 × whole months + the day difference, one subtraction of month keys; nothing before the start.
        # With 384 = 12 × 32: whole years are diff // 384, and a part-year is left exactly when diff % 384 != 0
        # (months past the whole years, or the end day short of or past the start day).
        diff = np.maximum(month_key(np, end) - month_key(np, start), 0)
        rounding = {"service_years": "down", "service_years_half": "half"}.get(name, "up")
        if rounding == "up":
            return (diff + 383) // 384
        if rounding == "half":  # a part-year of six whole months or more counts
            return (diff + 192) // 384
        return diff // 384

    def dated(self, name: str, units: Sequence[date]) -> tuple[Any, Any]:
        """A date-dependent fact on ``units[0]``, and the rows where its value differs on another unit."""
        np = self.np
        c0 = self.codes(name, units[0])
        still = np.zeros(len(self.rows), dtype=bool)
        if len(units) == 1:
            return c0, still
        u0, u1 = units[0].toordinal() - _EPOCH, units[-1].toordinal() - _EPOCH
        if name == "serving":
            # Serving changes on the enlistment and on the discharge date.
            enl, dis = self.take(self.p.days("enlisted")), self.take(self.p.days("discharged"))
            return c0, ((enl > u0) & (enl <= u1)) | ((dis != _ABSENT) & (dis > u0) & (dis <= u1))
        if name == "alive":
            d = self.take(self.p.days("death_date"))
            return c0, (d != _ABSENT) & (d > u0) & (d <= u1)
        if name in _SERVICE_COUNT_FACTS or name == "age":
            # Counts only grow with the date: equal on the first and the last unit means equal throughout.
            return c0, self.codes(name, units[-1]) != c0
        for u in units[1:]:
            still |= self.codes(name, u) != c0
        return c0, still

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
        return lut.take(age - lo)

    def value_at(self, name: str, k: int, on: date) -> int:
        """One row's fact code on a date of its own (one-off events)."""
        if name not in _VARYING:
            return int(self.codes(name, on)[k])
        if name == "age":
            return self.table("age").code(age_on(date.fromordinal(int(self.birth[k]) + _EPOCH), on))
        first, inv = self.combos(name)
        g = int(inv[k])
        return self._compute(name, g, int(first[g]), on)


#: One-off events that are a record date: event → the date column it is read from.
_ONE_OFF_COLUMNS = {n: CATALOGUE[n].column for n in EVENT_FACTS}


def _supported(reg: Any, base: Any) -> bool:
    # A supplement (``extends``) reads its base's amount month by month: the reference road prices those rows.
    return rule_support(reg, base) is None


def run_columnar(engine: Any, parsed: Parsed, period: Period, rows: Any, col: Any, progress: Callable[[int, int], None] | None,
                 stats: Any = None) -> list[int]:
    """Price the columnar rows; return the rows that must take the reference road after all.

    ``stats`` (a :class:`shuangyong.roster.fastpath.FastPathStats`) is told, per rule, how many rows were
    priced here and why the others were not.
    """
    np = parsed.np
    if len(rows) == 0:
        return []
    rcol = parsed.cols["region"]
    rcode = rcol.codes[rows] if len(rows) < parsed.n else rcol.codes
    regions = {int(c): rcol.values[int(c)] for c in np.flatnonzero(np.bincount(rcode)).tolist()}
    slow_mask = np.zeros(len(rows), dtype=bool)
    plans: dict[int, tuple[Any, Any, list[str]]] = {}
    for c, region in regions.items():
        sel = engine.selection(region)
        if not all(_supported(r, b) for r, b in sel):
            slow_mask |= rcode == c
            if stats is not None:
                stats.region_reason[region] = {r.code: rule_support(r, b) or "region" for r, b in sel}
            continue
        col.add_codes(r for r, _ in sel)
        for r, b in sel:
            plans.setdefault((id(r), id(b) if b is not None else None), (r, b, []))[2].append(region)
    if slow_mask.all():
        return rows.tolist()
    slow = rows[slow_mask].tolist()
    if slow:
        rows = rows[~slow_mask]
        rcode = rcode[~slow_mask]
    facts = FactStore(parsed, rows)
    memo = engine.columnar_memo()
    n = len(rows)
    ordered = list(plans.values())
    periodic = [reg for reg, _, _ in ordered if reg.rule.period != "one_off"]
    groups = profiles(np, facts, {f for reg in periodic for f in reg.rule.inputs}, [m.start for m in period.months()])
    fen: dict[str, Any] = {}
    elig: dict[str, Any] = {}
    inkind: dict[str, Any] = {}  # rule code -> rows with an in-kind unit
    failed = np.zeros(n, dtype=bool)
    # The total of each row: what the profile pays under every rule priced per profile, plus the
    # rows priced one by one (their dates, one-off events, rules with a grouping of their own).
    total_g = np.zeros(groups.size, dtype=np.int64)
    total = np.zeros(n, dtype=np.int64)
    per_region = np.bincount(rcode, minlength=max(regions) + 1)
    in_rule: dict[int, Any] = {}  # rule registration → region codes it prices
    for step, (reg, _base, regs_here) in enumerate(ordered):
        in_rule[id(reg)] = [c for c, r in regions.items() if r in regs_here]
        if stats is not None:
            stats.add_fast(reg.code, int(per_region[in_rule[id(reg)]].sum()))
        if reg.rule.period == "one_off":
            # 0 in the rule's regions, -1 elsewhere; rows with an event in the period have their own amount.
            table = np.full(max(regions) + 1, -1, dtype=np.int64)
            table[[c for c, r in regions.items() if r in regs_here]] = 0
            priced = _price_events(reg, table, rcode, regions, facts, parsed, rows, period, memo, failed, engine)
            at = np.array([k for k, *_ in priced], dtype=np.int64)
            f = EncodedColumn(np, [(table, rcode, [(at, np.array([a for _, a, _, _ in priced], dtype=np.int64))] if priced else [])], n)
            e = EncodedColumn(np, [(np.zeros(len(table), dtype=bool), rcode,
                                    [(at, np.array([c > 0 for _, _, c, _ in priced], dtype=bool))] if priced else [])], n, flag=True)
            if reg.code in fen:
                fen[reg.code], elig[reg.code] = fen[reg.code].merged(f), elig[reg.code].merged(e)
            else:
                fen[reg.code], elig[reg.code] = f, e
            for k, amount, _counts, kind in priced:
                if kind:
                    inkind.setdefault(reg.code, np.zeros(n, dtype=bool))[k] = True
                else:
                    total[k] += amount
        else:
            prices = price_rule(np, engine, reg, set(regs_here), groups, facts, period, memo, _base)
            if stats is not None:
                for why, k_rows in prices.other.items():
                    stats.add_fast(reg.code, -k_rows)
                    stats.add_other(reg.code, why, k_rows)
            f, e, k, x = prices.columns(np)
            if reg.code in fen:  # the same code from another pack's registration in other regions
                fen[reg.code], elig[reg.code] = fen[reg.code].merged(f), elig[reg.code].merged(e)
            else:
                fen[reg.code], elig[reg.code] = f, e
            if x is not None:
                failed |= x
            if k is not None:
                inkind.setdefault(reg.code, np.zeros(n, dtype=bool))[k] = True
            prices.add_total(np, total_g if prices.grouping is groups else None, total, f, k)
        if progress is not None:
            progress(int(n * (step + 1) / (len(ordered) + 1)), parsed.n)
    total += total_g.take(groups.of_row)
    ok = ~failed
    slow += rows[failed].tolist()
    if stats is not None and failed.any():
        # Failed rows are priced (and counted) on the reference road.
        stats.failed_rows.update(rows[failed].tolist())
        lost = np.bincount(rcode[failed], minlength=len(per_region))
        for reg, _base, _regs in ordered:
            stats.add_fast(reg.code, -int(lost[in_rule[id(reg)]].sum()))
    cats_col = parsed.cols.get("categories")
    cat_values = [v or frozenset() for v in cats_col.values] if cats_col is not None else [frozenset()]
    cat_codes = facts.take(cats_col.codes) if cats_col is not None else np.zeros(n, dtype=np.int64)
    if failed.any():
        rows, total, cat_codes = rows[ok], total[ok], cat_codes[ok]
        fen = {c: f.array()[ok] for c, f in fen.items()}
        elig = {c: e.array()[ok] for c, e in elig.items()}
    col.block(rows, fen, elig, total, cat_codes, cat_values)
    return slow


def _price_events(reg: Any, table: Any, rcode: Any, regions: dict[int, str], facts: FactStore, parsed: Parsed, rows: Any,
                  period: Period, memo: dict[Any, Any], failed: Any, engine: Any) -> list[tuple[int, int, int, bool]]:
    """A one-off rule: each event of a row (of a region where ``table`` is not -1) in the period, priced on its date.

    Returns (row, 分, units that count as eligible, in kind) for every row with an event; rows whose
    formula failed are marked in ``failed``.
    """
    np = facts.np
    rule = reg.rule
    out: list[tuple[int, int, int, bool]] = []
    if rule.event == "awards":
        colm = parsed.cols.get("awards")
        if colm is None:
            return out
        lo, hi = period.start, period.end
        has = np.array([any(a.date is not None and lo <= a.date < hi for a in (v or ())) for v in colm.values], dtype=bool)
        cand = np.flatnonzero(has[facts.take(colm.codes)])
        cand = cand[table[rcode[cand]] >= 0]
    else:
        d = facts.take(parsed.days(_ONE_OFF_COLUMNS[rule.event]))
        lo, hi = period.start.toordinal() - _EPOCH, period.end.toordinal() - _EPOCH
        cand = np.flatnonzero((d >= lo) & (d < hi))
        cand = cand[table[rcode[cand]] >= 0]
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
                resolved = {full: engine.parameters.find(full, region, when) for full in rule.param_names}
                state = tuple(None if r is None else (r.jurisdiction, r.start, r.carried_forward) for r in resolved.values())
                mkey = ("event", id(reg), tuple(_hashable(v) for v in values.values()), when, _hashable(payload), state)
                unit = memo.get(mkey)
                if unit is None:
                    unit = memo[mkey] = engine.evaluate(reg, region, when, values, resolved, payload, None)
                if unit.status == "eligible":
                    total += to_fen(unit.amount)
                    cnt += 1
                elif unit.status == "in_kind":
                    cnt += 1
                    kind = True
        except ShuangyongError:
            failed[k] = True
            continue
        out.append((k, total, cnt, kind))
    return out


