"""Rules priced over roster columns: each formula runs once per distinct combination of its inputs.

This is the engine of the columnar road of :func:`shuangyong.roster.run.run_roster`.  For one rule, one
class of regions whose parameters move together, and one run of months in which none of the rule's
parameters changes (a *segment*), the rows are keyed by the codes of the rule's declared facts —
grade, cause, 户籍, categories…; for a date fact only whether the date is present.  The formula then
runs once per distinct key, unchanged, through the engine's public seam ``Engine.evaluate`` (same ``Params``,
same rounding, same classification of the answer), with the key's values.  Two things are not
values but stand-ins:

* each present **date fact** is a :class:`DateColumn`: ``replace``, ``+ relativedelta`` and
  ``+ timedelta`` are recorded as steps, and a comparison gives a :class:`Cond`;
* ``facts.on`` is an :class:`OnColumn` standing for every month of the segment; comparing it with
  a date gives a :class:`Cond` too.

When the formula branches on a ``Cond`` the run continues with one outcome and the other is queued:
the formula is run again with the same decisions up to that point and the other outcome there (the
formula is a plain function of its inputs, so replaying decisions replays the run).  Each run ends in
a *leaf*: the comparisons taken and the engine's priced result.  The comparisons are then evaluated
as whole arrays over the rows of the key — a date comparison gives a mask, a comparison of
``facts.on`` gives each row the range of months for which it holds — and each row's months fall into
exactly one leaf.  A row's amount is the leaf's 分 per month times its months there, in integer
arithmetic: exact, because every leaf was priced by the engine's own code.

Anything a stand-in cannot answer (a date's ``year``, formatting it, ``facts.on == …``) raises
:class:`NeedConcrete`; the key is then priced again with real dates or real months.  The slowest
fallback groups rows by every input value including whole dates and prices each distinct
combination unit by unit — still once per combination, never once per person.

Around that core: :func:`profiles` groups the rows once by every fact the rules read, so keys are
formed over profiles, not rows; what a formula read (for a set fact, the memberships it tested)
decides which keys share an exploration, and explorations are kept on the engine; a rule's answers
come back as :class:`RulePrices` per profile plus the rows priced one by one, and are handed on as
:class:`EncodedColumn` s.  ``docs/columnar.md`` tells the whole story.

A long module on purpose: the columnar road's exploration, decision replay and array evaluation are one algorithm (``docs/columnar.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from datetime import date
from typing import Any

from ..errors import ShuangyongError
from ..facts import DATE_FACTS, DATED_FACTS, STAND_IN_FACTS
from ..money import to_fen
from .keys import distinct, group_rows
from ..standins import EPOCH, AgeColumn, Cond, DateColumn, Explorer, NeedConcrete, OnColumn

__all__ = ["NeedConcrete", "DateColumn", "OnColumn", "AgeColumn", "Cond", "Leaf", "FAILED", "explore", "apply_steps", "ymd", "combine",
           "Grouping", "profiles", "Segment", "RulePrices", "EncodedColumn", "price_rule", "ABSENT", "DATE_FACTS"]

#: Days since 1970 of a date that is not there (int32 day arrays: half the memory traffic of int64).
ABSENT = -(1 << 31)

#: More leaves than this for one key and the key is priced with real values instead.
LEAF_LIMIT = 512

#: A leaf whose formula raised: rows that reach it take the reference road (which reports the error).
FAILED = object()


# -- exploring one key ------------------------------------------------------------------------------


class Leaf:
    """One path through a formula: the comparisons taken and what the engine priced there."""

    __slots__ = ("conds", "result", "fen", "counts", "in_kind", "failed")

    def __init__(self, conds: tuple[tuple[Any, bool], ...], result: Any) -> None:
        self.conds = conds
        self.result = result
        self.failed = result is FAILED
        status = None if self.failed else result.status
        #: 分 per unit when the unit pays, else 0.
        self.fen = to_fen(result.amount) if status == "eligible" else 0
        #: Whether a unit here makes the entitlement "eligible" (a paying or an in-kind unit).
        self.counts = status in ("eligible", "in_kind")
        self.in_kind = status == "in_kind"


class _Reads(dict):  # type: ignore[type-arg]
    """The facts of a run; notes what the formula reads (``Facts`` reads them by subscript).

    A fact read whole is noted by its name; of a set (categories, hardship areas) only the
    memberships tested are noted, as ``("in", name, item)``, unless the set is used otherwise.
    """

    seen: set[Any]

    __slots__ = ("seen",)

    def __getitem__(self, name: str) -> Any:
        v = dict.__getitem__(self, name)
        if type(v) is frozenset:
            return _Members(v, self.seen, name)
        self.seen.add(name)
        return v


class _Members(AbstractSet[Any]):
    """A set fact that notes each membership tested; any other use notes the whole set.

    Not a ``frozenset`` subclass on purpose: C code handed a real set as an argument
    (``set(x)``, ``{a}.isdisjoint(x)``) reads its table directly, past any method that could note
    the use; an abstract set is always read through the methods below.
    """

    __slots__ = ("_items", "_seen", "_name")

    def __init__(self, items: frozenset[Any], seen: set[Any], name: str) -> None:
        self._items = items
        self._seen = seen
        self._name = name

    def __contains__(self, item: object) -> bool:
        self._seen.add(("in", self._name, item))
        return item in self._items

    def _whole(self) -> frozenset[Any]:
        self._seen.add(self._name)
        return self._items

    # isinstance(x, frozenset) is what the per-person road answers (it hands over the frozenset itself);
    # asking is a use of the whole set.
    @property  # type: ignore[misc]
    def __class__(self) -> type:  # type: ignore[override]
        self._whole()
        return frozenset

    def __iter__(self) -> Iterator[Any]:
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def __hash__(self) -> int:
        return hash(self._whole())

    def __eq__(self, other: object) -> bool:
        return self._whole() == (other._whole() if isinstance(other, _Members) else other)

    def __repr__(self) -> str:
        return repr(self._whole())

    @classmethod
    def _from_iterable(cls, it: Any) -> frozenset[Any]:
        return frozenset(it)


def explore(run: Callable[[dict[str, Any], Any], Any], values: dict[str, Any], date_facts: Sequence[str],
            symbolic_on: bool, reads: set[str] | None = None, age_on: date | None = None) -> list[Leaf]:
    """Every path of one formula run on one key: ``run(values, on)`` is called once per path.

    ``date_facts`` are handed over as :class:`DateColumn`; ``facts.on`` is an :class:`OnColumn` when
    ``symbolic_on``.  A :class:`ShuangyongError` in a run is a failed leaf; :class:`NeedConcrete`
    propagates (the caller prices the key again with real values).  ``reads`` collects the facts
    the formula read on any path: a key that agrees on those has the very same leaves.  With
    ``age_on`` (the real date priced), ``age`` is an :class:`AgeColumn`.
    """
    leaves: list[Leaf] = []
    stack: list[tuple[bool, ...]] = [()]
    seen: set[str] = set() if reads is None else reads
    while stack:
        prefix = stack.pop()
        x = Explorer(prefix)
        vals = _Reads(values)
        vals.seen = seen
        for name in date_facts:
            dict.__setitem__(vals, name, DateColumn(x, ("fact", name, ())))
        on = OnColumn(x) if symbolic_on else None
        if age_on is not None:
            dict.__setitem__(vals, "age", AgeColumn(x, on if on is not None else age_on))
        try:
            result = run(vals, on)
        except ShuangyongError:
            if date_facts or symbolic_on or age_on is not None:
                # A stand-in may be what made it fail: let real values decide.
                raise NeedConcrete(date_facts[0] if date_facts else ("age" if age_on is not None else "on")) from None
            result = FAILED
        leaves.append(Leaf(tuple(x.taken), result))
        stack.extend(reversed(x.pending))
        if len(leaves) > LEAF_LIMIT:
            raise NeedConcrete(date_facts[0] if date_facts else "on")
    return leaves


def shape_of(leaves: Sequence[Leaf]) -> tuple[Any, ...]:
    """What must be evaluated over the rows: the comparisons of each leaf (not the amounts)."""
    return tuple(leaf.conds for leaf in leaves)


# -- dates as arrays ------------------------------------------------------------------------------------


def _tabulated(np: Any, values: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn`` (vectorised) of every value, through a table over the span of the values when it is small.

    Dates in a roster span a few decades: computing on the ~20,000 days spanned and gathering is far
    cheaper than calendar arithmetic on a million cells.  ``fn`` may return a tuple of arrays.
    """
    if not len(values):
        return fn(values)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo > 200_000:
        return fn(values)
    table = fn(np.arange(lo, hi + 1, dtype=np.int64))
    # Positions as the platform's index type, gathered with take: numpy's fastest gather (an int32
    # index, or fancy indexing, goes through a conversion on every call).
    at = np.subtract(values, lo, dtype=np.intp)
    return tuple(t.take(at) for t in table) if isinstance(table, tuple) else table.take(at)


def _ymd_direct(np: Any, days: Any) -> tuple[Any, Any, Any]:
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    mi = m.astype(np.int64)
    return mi // 12 + 1970, mi % 12 + 1, (d - m.astype("datetime64[D]")).astype(np.int64) + 1


def ymd(np: Any, days: Any) -> tuple[Any, Any, Any]:
    """Year, month and day of days since 1970 (arrays)."""
    return _tabulated(np, days, lambda d: _ymd_direct(np, d))  # type: ignore[no-any-return]


def month_key(np: Any, days: Any) -> Any:
    """``32 × months since 1970-01 + day of the month - 1`` of days since 1970 (int32).

    Increasing with the date, and the difference of two keys is ``32 × whole months + the day
    difference`` with the day difference folded into the low five bits: floor division by 32 gives the
    whole months between the dates (a month is whole once its day is reached), by 384 whole years.
    """
    def direct(d: Any) -> Any:
        dd = d.astype("datetime64[D]")
        m = dd.astype("datetime64[M]")
        return (m.astype(np.int64) * 32 + (dd - m.astype("datetime64[D]")).astype(np.int64)).astype(np.int32)

    return _tabulated(np, days, direct)


def month_day(np: Any, days: Any) -> tuple[Any, Any, Any]:
    """Months since 1970-01, day of the month and days in that month, of days since 1970 (int32 arrays).

    What whole-month and whole-year counts need: two dates' month difference is a subtraction, and
    the 32-bit results carry half the bytes of :func:`ymd`'s through the gathers and the arithmetic.
    """
    def direct(d: Any) -> tuple[Any, Any, Any]:
        dd = d.astype("datetime64[D]")
        m = dd.astype("datetime64[M]")
        starts = m.astype("datetime64[D]")
        nxt = (m + 1).astype("datetime64[D]")
        return (m.astype(np.int64).astype(np.int32), ((dd - starts).astype(np.int64) + 1).astype(np.int32),
                (nxt - starts).astype(np.int64).astype(np.int32))

    return _tabulated(np, days, direct)  # type: ignore[no-any-return]


def _month_starts(np: Any, months: Any) -> Any:
    """Days since 1970 of the first day of each month (months counted from 1970-01)."""
    return _tabulated(np, months, lambda m: m.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64))


def _month_days(np: Any, months: Any) -> Any:
    """Days in each month, months counted from 1970-01."""
    return _tabulated(np, months, lambda m: _month_starts(np, m + 1) - _month_starts(np, m))


def _month_index(np: Any, days: Any) -> Any:
    """Months since 1970-01 of days since 1970."""
    return _tabulated(np, days, lambda d: d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64))


def _day_of_month(np: Any, days: Any) -> Any:
    return _tabulated(np, days, lambda d: _ymd_direct(np, d)[2])


def compose_date(np: Any, y: Any, m: Any, d: Any) -> Any:
    """Days since 1970 of year, month and day (arrays; the day must exist in its month)."""
    return _month_starts(np, (y - 1970) * 12 + (m - 1)) + d - 1


_MIN_DAYS = date(1, 1, 1).toordinal() - EPOCH
_MAX_DAYS = date(9999, 12, 31).toordinal() - EPOCH


def apply_steps(np: Any, days: Any, steps: Sequence[tuple[Any, ...]]) -> tuple[Any, Any]:
    """``days`` (since 1970) put through recorded ``replace`` / relativedelta / timedelta steps.

    Returns the new days and a mask of rows where Python would have raised (an impossible
    ``replace``, a date out of range): those rows are priced with real dates instead.  Between
    steps the dates stay split into year, month and day as long as the steps work on those.

    Each day's answer depends on that day alone, so where the rows outnumber the days they span (a
    roster's dates span a few decades) the steps run once per day of the span and the rows gather.
    """
    if len(days) >= _STEP_TABLE_FROM:
        lo, hi = int(days.min()), int(days.max())
        if hi - lo < len(days):
            new, ok = _apply_steps(np, np.arange(lo, hi + 1, dtype=np.int64), steps)
            at = np.subtract(days, lo, dtype=np.intp)  # (as in _tabulated: the fastest gather)
            return new.take(at), ok.take(at)
    return _apply_steps(np, days, steps)


#: Fewer rows than this and the steps run on the rows themselves (a table is not worth building).
_STEP_TABLE_FROM = 4096


def _apply_steps(np: Any, days: Any, steps: Sequence[tuple[Any, ...]]) -> tuple[Any, Any]:
    """:func:`apply_steps` computed on every element."""
    ok = np.ones(len(days), dtype=bool)
    y: Any = None  # when set, the dates are (y, m, d) and ``days`` is stale
    m: Any = None
    d: Any = None

    def joined() -> Any:
        return compose_date(np, y, m, d) if y is not None else days

    for step in steps:
        kind = step[0]
        if kind == "days":
            days = joined() + step[1]
            y = m = d = None
            ok &= (days >= _MIN_DAYS) & (days <= _MAX_DAYS)  # Python raises at this very step
        elif kind == "replace":
            parts = dict(step[1])
            if y is None and set(parts) == {"day"} and 1 <= parts["day"] <= 28:
                # A day every month has: move within the month.
                days = days - _day_of_month(np, days) + parts["day"]
                continue
            if y is None:
                y, m, d = ymd(np, days)
            y = np.full_like(y, parts["year"]) if "year" in parts else y
            m = np.full_like(m, parts["month"]) if "month" in parts else m
            d = np.full_like(d, parts["day"]) if "day" in parts else d
            good = (y >= 1) & (y <= 9999) & (m >= 1) & (m <= 12) & (d >= 1)
            y, m = np.where(good, y, 1970), np.where(good, m, 1)
            good &= d <= _month_days(np, (y - 1970) * 12 + (m - 1))
            ok &= good
            d = np.where(good, d, 1)
        elif kind == "birthday":  # the birthday of an age: + years, 29 February → 1 March outside leap years
            if y is None:
                y, m, d = ymd(np, days)
            y = y + step[1]
            leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
            moved = (m == 2) & (d == 29) & ~leap
            m, d = np.where(moved, 3, m), np.where(moved, 1, d)
            good = (y >= 1) & (y <= 9999)
            ok &= good
            y = np.where(good, y, 1970)
        else:  # ("rd", years, months, days): years and months first, the day clipped to the month, then days
            _, years, months, extra = step
            if y is None:
                y, m, d = ymd(np, days)
            total = y * 12 + (m - 1) + years * 12 + months
            y, m = total // 12, total % 12 + 1
            good = (y >= 1) & (y <= 9999)
            ok &= good
            y = np.where(good, y, 1970)
            d = np.minimum(d, _month_days(np, (y - 1970) * 12 + (m - 1)))
            if extra:
                days = compose_date(np, y, m, d) + extra
                y = m = d = None
                ok &= (days >= _MIN_DAYS) & (days <= _MAX_DAYS)
    days = joined()
    ok &= (days >= _MIN_DAYS) & (days <= _MAX_DAYS)
    return days, ok


# -- pricing a rule over rows ------------------------------------------------------------------------



class Segment:
    """Units ``[a, b)`` of the period's units priced with one set of parameter values.

    ``state`` names those values (parameter, level, start) so that what is learnt about a formula
    under them can be kept on the engine for the next run.
    """

    __slots__ = ("a", "b", "on", "resolved", "state")

    def __init__(self, a: int, b: int, on: date, resolved: dict[str, Any]) -> None:
        self.a, self.b, self.on, self.resolved = a, b, on, resolved
        self.state = tuple((full, None) if r is None else (full, r.jurisdiction, r.start, r.carried_forward)
                           for full, r in resolved.items())


def combine(np: Any, parts: Sequence[tuple[Any, int]], n: int) -> tuple[Any, Any, Any]:
    """Rows keyed by the tuple of their codes: (key of each row 0..K-1, a representative row per key, K).

    Codes are mixed into one integer (``width`` per part); whenever the space of mixed values would
    grow past ``_SPAN``, the keys seen so far are renumbered densely (a scatter, not a sort).
    """
    key: Any = None
    span = 1
    for codes, width in parts:
        width = max(int(width), 1)
        if width == 1:
            continue
        if key is None:
            # The first part is the key as it stands (0 × width + codes): one copy, no zeros to multiply.
            key = codes.astype(np.int32 if width < 2**31 else np.int64)
            span = width
            continue
        if span * width > _SPAN:
            key, span = _dense(np, key, span)
        if span * width >= 2**31:
            key = key.astype(np.int64)
        key *= width
        key += codes
        span *= width
    if key is None:
        key = np.zeros(n, dtype=np.int32)
    key, span = _dense(np, key, span)
    # int32 arithmetic is the fast way to mix codes; int64 the fast way to index with the result.
    key = key.astype(np.int64)
    rep = np.zeros(span, dtype=np.int32 if n < 2**31 else np.int64)
    rep[key] = np.arange(n, dtype=rep.dtype)  # any row of the key will do as its representative
    return key, rep.astype(np.int64), span


_SPAN = 1 << 20


def _dense(np: Any, key: Any, span: int) -> tuple[Any, int]:
    """Keys renumbered 0..K-1 in order of value (K distinct keys)."""
    if span > 4 * len(key) + _SPAN:
        uniq, inv = distinct(np, key)
        return inv.astype(np.int32), len(uniq)
    present = np.flatnonzero(np.bincount(key, minlength=span))
    if len(present) == span:
        return key, span
    lut = np.zeros(span, dtype=np.int32)
    lut[present] = np.arange(len(present), dtype=np.int32)
    return lut.take(key), len(present)


class Grouping:
    """Rows grouped by the values of some facts: the group of every row and, per group, each fact's code.

    ``codes[name]`` holds, per group, the code of a fact (a date fact: whether it is present;
    ``"~name"``: whether a date-dependent fact changes within the period; ``"†"``: whether the
    person dies before the last month of the period).
    """

    def __init__(self, np: Any, parts: Sequence[tuple[str, Any, int]], n: int, known: dict[str, bool] | None = None) -> None:
        # A part with one value for every row does not split groups: only its value is kept.
        known = known or {}
        varying = {name for name, c, _ in parts if len(c) and (known[name] if known.get(name) is not None else c.min() != c.max())}
        self.of_row, rep, self.size = combine(np, [(c, w) for name, c, w in parts if name in varying], n)
        self.rep = rep
        self.codes = {name: c[rep] if name in varying else np.full(self.size, c[0] if len(c) else 0, dtype=c.dtype)
                      for name, c, _ in parts}

    def rows(self, np: Any, groups: Any) -> Any:
        """Every row of the given groups (a boolean mask over groups)."""
        return np.flatnonzero(groups.take(self.of_row))

    def sizes(self, np: Any) -> Any:
        """The number of rows of every group (for the fast-path counts of ``shuangyong.roster.fastpath``)."""
        got = getattr(self, "_sizes", None)
        if got is None:
            got = self._sizes = np.bincount(self.of_row, minlength=self.size)
        return got


def profiles(np: Any, facts: Any, names: Iterable[str], months: Sequence[date]) -> Grouping:
    """The rows grouped by every fact the rules read (and region), for the months of the period."""
    parts: list[tuple[str, Any, int]] = []
    for name in sorted((set(names) - STAND_IN_FACTS) | {"region"}):
        if name in DATE_FACTS:
            parts.append((name, (facts.days(name) != ABSENT).view(np.int8), 2))
        elif name in DATED_FACTS:
            c0, varying = facts.dated(name, months)
            parts.append((name, c0, len(facts.table(name).values)))
            parts.append(("~" + name, varying.view(np.int8), 2))
        else:
            parts.append((name, facts.codes(name, months[0]), len(facts.table(name).values)))
    death = facts.days("death_date")
    last = months[-1].toordinal() - EPOCH
    parts.append(("†", ((death != ABSENT) & (death < last)).view(np.int8), 2))
    return Grouping(np, parts, len(facts.rows), {name: facts.varies(name) for name, _, _ in parts})


class RulePrices:
    """One rule's answers: per group of a grouping, and for rows priced one by one, per row.

    ``fen`` is -1 for groups the rule does not apply to; ``counts`` the units that make the
    entitlement eligible (paying or in kind).
    """

    def __init__(self, np: Any, grouping: Grouping) -> None:
        self.grouping = grouping
        self.fen = np.full(grouping.size, -1, dtype=np.int64)
        self.counts = np.zeros(grouping.size, dtype=np.int64)
        self.in_kind = np.zeros(grouping.size, dtype=bool)
        self.failed = np.zeros(grouping.size, dtype=bool)
        #: (rows, fen, counts, in_kind, failed) for rows whose answer depends on their own dates.
        self.by_row: list[tuple[Any, Any, Any, Any, Any]] = []
        #: Rows not priced per profile, by reason (``shuangyong.roster.fastpath.REASONS``).
        self.other: dict[str, int] = {}

    def columns(self, np: Any) -> tuple[EncodedColumn, EncodedColumn, Any, Any]:
        """(分, eligible) as encoded columns, and the in-kind and failed flags of every row (``None`` when no row has them).

        Amounts are int32 when every one fits (a year of any pension does), else int64.
        """
        g = self.grouping.of_row
        n = len(g)
        big = max([int(self.fen.max(initial=0))] + [int(f.max(initial=0)) for _, f, _, _, _ in self.by_row])
        kind = np.int32 if big < 2**31 else np.int64
        fen = EncodedColumn(np, [(self.fen.astype(kind), g, [(rows, f.astype(kind)) for rows, f, _, _, _ in self.by_row])], n)
        elig = EncodedColumn(np, [(self.counts > 0, g, [(rows, c > 0) for rows, _, c, _, _ in self.by_row])], n, flag=True)
        ik = fail = None
        if self.in_kind.any() or any(k.any() for _, _, _, k, _ in self.by_row):
            ik = EncodedColumn(np, [(self.in_kind, g, [(rows, k) for rows, _, _, k, _ in self.by_row])], n, flag=True).array()
        if self.failed.any() or any(x.any() for _, _, _, _, x in self.by_row):
            fail = EncodedColumn(np, [(self.failed, g, [(rows, x) for rows, _, _, _, x in self.by_row])], n, flag=True).array()
        return fen, elig, ik, fail

    def add_total(self, np: Any, total_g: Any, total: Any, fen: Any, in_kind: Any) -> None:
        """Add what this rule pays to the totals: per group (``total_g``, when priced on those groups)
        and per row for rows priced one by one; otherwise every row from ``fen`` / ``in_kind``.

        An entitlement with an in-kind unit is not money: it never counts (as ``Entitlements.computed_total``).
        """
        if total_g is None:
            fen = fen.array()
            paid = fen > 0
            if in_kind is not None:
                paid &= ~in_kind
            np.add(total, fen, out=total, where=paid, casting="unsafe")
            return
        # Groups whose rows are priced one by one hold 0 here: their rows add their own amounts.
        total_g += np.where((self.fen > 0) & ~self.in_kind, self.fen, 0)
        for rows, f, _c, k, _x in self.by_row:
            total[rows] += np.where((f > 0) & ~k, f, 0)


class EncodedColumn:
    """A per-row column held as a value per group plus the rows that have values of their own.

    The rules are priced per group, so a rule's amounts are one small table and the rows priced one
    by one; the 10⁶ values are only spelt out (:meth:`array`) when something reads them row by
    row.  Several layers (the same rule code registered for different regions) are read in order,
    a later layer's value winning wherever it applies (``>= 0``, or true for flags).
    """

    def __init__(self, np: Any, layers: list[tuple[Any, Any, list[tuple[Any, Any]]]], n: int, flag: bool = False) -> None:
        self.np = np
        self.layers = layers  # (table per group, group of each row, [(rows, values)])
        self.n = n
        self.flag = flag
        self._array: Any = None
        self._kind: Any = ...  # _width(), once known

    def __len__(self) -> int:
        return self.n

    def merged(self, other: EncodedColumn) -> EncodedColumn:
        return EncodedColumn(self.np, self.layers + other.layers, self.n, self.flag)

    def array(self, keep: bool = True) -> Any:
        """Every row's value (computed once; ``keep=False``: computed for a caller that needs it once, and not
        held, as the report's sums do after the writers — 8 MB a rule at 10⁶ rows).

        Amounts are int32 when every value fits (as :meth:`RulePrices.columns` makes them); a column with
        one value for every row (a rule that pays nobody here) is that value broadcast, read-only, holding
        no 10⁶-row copy.
        """
        if self._array is not None:
            return self._array
        one = self._one_value()
        out = self.np.broadcast_to(one, (self.n,)) if one is not None else self._spell(0, self.n)
        if keep:
            self._array = out
        return out

    def rows(self, start: int, stop: int) -> Any:
        """The values of rows ``start`` to ``stop``, without spelling out (or holding) the whole column."""
        if self._array is not None:
            return self._array[start:stop]
        return self._spell(start, stop)

    def at(self, rows: Any) -> Any:
        """The values of the rows ``rows`` (an index array), without spelling out (or holding) the column."""
        np = self.np
        rows = np.asarray(rows, dtype=np.int64)
        if self._array is not None:
            return self._array[rows]
        parts = []
        for table, of_row, overrides in self._typed_layers():
            v = table.take(of_row.take(rows))  # (take: numpy's fast gather)
            for own, values in overrides:
                own, values = np.asarray(own, dtype=np.int64), np.asarray(values)
                order = np.argsort(own, kind="stable")
                pos = np.searchsorted(own, rows, sorter=order)
                hit = pos < len(own)
                hit[hit] = own[order[pos[hit]]] == rows[hit]
                v[hit] = values[order[pos[hit]]]
            parts.append(v)
        return self._combine(parts, len(rows))

    def _typed_layers(self) -> list[tuple[Any, Any, Any]]:
        """The layers with tables of the column's type (int32 amounts where they fit: see :meth:`array`)."""
        kind = None if self.flag else self._width()
        if kind is None:
            return self.layers
        return [(table.astype(kind, copy=False), of_row, overrides) for table, of_row, overrides in self.layers]

    def _spell(self, start: int, stop: int) -> Any:
        np = self.np
        whole = start == 0 and stop >= self.n
        parts = []
        for table, of_row, overrides in self._typed_layers():
            v = table.take(of_row if whole else of_row[start:stop])
            for rows, values in overrides:
                if whole:
                    v[rows] = values
                else:
                    rows, values = np.asarray(rows), np.asarray(values)
                    inside = (rows >= start) & (rows < stop)
                    v[rows[inside] - start] = values[inside]
            parts.append(v)
        return self._combine(parts, len(range(self.n)[start:stop]))

    def _combine(self, parts: list[Any], size: int) -> Any:
        """The layers' values read in order, a later layer's winning wherever it applies."""
        np = self.np
        out = None
        for v in parts:
            if out is None:
                out = v
            elif self.flag:
                out |= v
            else:
                if out.dtype != v.dtype:
                    out = out.astype(np.result_type(out, v))
                np.copyto(out, v, where=v >= 0)
        return out if out is not None else np.zeros(size, dtype=bool if self.flag else np.int64)

    def _one_value(self) -> Any:
        """The value of every row as a 0-d array of the column's type, when one layer without rows of their own
        gives every row the same value (``None`` when not, or not known without a pass over the rows)."""
        np = self.np
        if len(self.layers) != 1 or self.layers[0][2] or not self.n:
            return None
        table, of_row, _ = self.layers[0]
        if not len(table):
            return None
        if self.flag:
            table = table.astype(bool, copy=False)
        elif (kind := self._width()) is not None:
            table = table.astype(kind, copy=False)
        if table.min() != table.max() and len(table) <= 64:
            # A short table (per region) may hold values for codes no row has: only the codes used count.
            table = table[np.bincount(of_row, minlength=len(table)) > 0]
        if not len(table) or table.min() != table.max():
            return None
        return table[0].reshape(())

    def _width(self) -> Any:
        """int32 when every amount of every layer fits it (tables and rows of their own are small to scan), else ``None``."""
        if self._kind is ...:
            self._kind = self._find_width()
        return self._kind

    def _find_width(self) -> Any:
        np = self.np
        parts = [t for t, _, _ in self.layers] + [v for _, _, ov in self.layers for _, v in ov]
        if not all(getattr(p, "dtype", None) is not None and p.dtype.kind in "iu" for p in parts):
            return None
        lo = min((int(p.min()) for p in parts if len(p)), default=0)
        hi = max((int(p.max()) for p in parts if len(p)), default=0)
        return np.int32 if -(2**31) <= lo and hi < 2**31 else None

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        a = self.array()
        return a if dtype is None else a.astype(dtype)

    def __getitem__(self, i: Any) -> Any:
        return self.array()[i]

    def tolist(self) -> list[Any]:
        return self.array().tolist()

    def any_positive(self) -> bool:
        """Whether some row's value is > 0, from the tables where possible (:func:`column_stats`)."""
        return column_stats(self.np, [self])[0][1] > 0

    def sum_where(self, positive_only: bool = True) -> int:
        """Σ of the values (only those > 0 when ``positive_only``), from the tables where possible."""
        np = self.np
        if len(self.layers) != 1:
            a = self.array()
            return int(a[a > 0].sum()) if positive_only else int(a.sum())
        table, of_row, overrides = self.layers[0]
        sizes = np.bincount(of_row, minlength=len(table))
        t = table.astype(np.int64)
        if positive_only:
            t = np.maximum(t, 0)
        # Groups with rows of their own hold 0 (or False) in the table: those rows add their own values.
        total = int((t * sizes).sum())
        for _rows, values in overrides:
            v = values.astype(np.int64)
            total += int((np.maximum(v, 0) if positive_only else v).sum())
        return total

    def texts(self, fmt: Callable[[int], str]) -> list[str]:
        """``fmt`` of every row's value, each distinct value formatted once."""
        np = self.np
        if len(self.layers) == 1 and not self.layers[0][2]:
            table, of_row, _ = self.layers[0]
            cache: dict[int, str] = {}
            words = np.array([cache.get(v) or cache.setdefault(v, fmt(v)) for v in table.tolist()], dtype=object)
            return words[of_row].tolist()
        uniq, inv = distinct(np, self.array())
        words = np.array([fmt(v) for v in uniq.tolist()], dtype=object)
        return words[inv].tolist()


def group_by_values(np: Any, columns: Sequence[Any], n: int) -> tuple[int, Any, Any]:
    """Rows in groups whose rows have equal values in every column (encoded or plain): (count, first
    row of each group, group of each row), as :func:`keys.group_rows` gives them.

    Encoded columns are grouped by what their values come from — their pricing groups and, for rows
    priced one by one, their own values — never spelt out; plain columns by their values.  Two groups
    may hold equal values (a caller wanting distinct combinations groups the few groups again).
    """
    parts: list[Any] = []
    seen: set[int] = set()
    for col in columns:
        if isinstance(col, EncodedColumn) and col._array is None:
            for _table, of_row, overrides in col.layers:
                if id(of_row) not in seen:
                    seen.add(id(of_row))
                    parts.append(of_row)
                if overrides:
                    # 0 where the row takes its group's value, else 1 + its value's index among this layer's own values
                    # (int32: a layer's own values are at most its rows).
                    own = np.zeros(n, dtype=np.int32 if n < 1 << 31 else np.int64)
                    top = 0
                    for rows, values in overrides:
                        uniq, inv = distinct(np, np.asarray(values).astype(np.int64))
                        own[rows] = top + 1 + inv
                        top += len(uniq)
                    parts.append(own)
            continue
        values = col.array() if isinstance(col, EncodedColumn) else col
        parts.append(distinct(np, np.asarray(values, dtype=np.int64))[1])  # (no copy of an int64 column)
    return group_rows(np, parts)


def column_stats(np: Any, columns: Sequence[Any]) -> list[tuple[int, int]]:
    """Per column (encoded or plain; amounts or flags): (Σ of its values > 0, rows with a value > 0).

    From the tables where a column has one layer, columns of the same groups sharing one count of
    each group's rows (a column's own rows count by their own values: their group holds 0 or n/a in
    the table, as :meth:`EncodedColumn.sum_where` relies on).
    """
    sizes: dict[int, tuple[Any, Any]] = {}  # id(of_row) → (of_row, rows per group); of_row held so the id stays its own
    out: list[tuple[int, int]] = []
    for col in columns:
        if isinstance(col, EncodedColumn) and len(col.layers) == 1 and col._array is None:
            table, of_row, overrides = col.layers[0]
            got = sizes.get(id(of_row))
            if got is None:
                got = sizes[id(of_row)] = (of_row, np.bincount(of_row, minlength=len(table)))
            t = np.asarray(table).astype(np.int64)
            pays = t > 0
            total, count = int((np.where(pays, t, 0) * got[1]).sum()), int(got[1][pays].sum())
            for _rows, values in overrides:
                v = np.asarray(values).astype(np.int64)
                total += int(v[v > 0].sum())
                count += int((v > 0).sum())
            out.append((total, count))
            continue
        total = count = 0
        for a in _pieces(np, col):
            a = a.astype(np.int64)
            total += int(a[a > 0].sum())
            count += int((a > 0).sum())
        out.append((total, count))
    return out


def _pieces(np: Any, col: Any, size: int = 1 << 16) -> Iterator[Any]:
    """A column's values piece by piece: an encoded column is spelt out ``size`` rows at a time, never whole."""
    if not isinstance(col, EncodedColumn):
        yield np.asarray(col)
        return
    for a in range(0, col.n, size):
        yield col.rows(a, min(col.n, a + size))


def sum_positive(np: Any, columns: Sequence[Any], n: int) -> Any:
    """Per row, the sum of ``max(value, 0)`` over the columns (encoded or plain), as int64.

    Encoded columns of one layer that share their groups are summed per group first and spelt out
    once; their rows priced one by one then add their own values (their group holds 0 or n/a in the
    table, as :meth:`EncodedColumn.sum_where` relies on too: checked, and a column where it does not
    hold is spelt out).  Anything else is spelt out for this sum only.
    """
    acc = np.zeros(n, dtype=np.int64)
    by_groups: dict[int, tuple[Any, Any, list[Any]]] = {}
    for col in columns:
        if isinstance(col, EncodedColumn) and len(col.layers) == 1 and col._array is None and not col.flag \
                and all(bool((col.layers[0][0][col.layers[0][1][rows]] <= 0).all()) for rows, _v in col.layers[0][2]):
            table, of_row, overrides = col.layers[0]
            at = by_groups.get(id(of_row))
            if at is None:
                at = by_groups[id(of_row)] = (of_row, np.zeros(len(table), dtype=np.int64), [])
            at[1][:] += np.maximum(table.astype(np.int64), 0)
            at[2].extend(overrides)
            continue
        pos = 0
        for values in _pieces(np, col):
            acc[pos:pos + len(values)] += np.maximum(np.asarray(values, dtype=np.int64), 0)
            pos += len(values)
    for of_row, per_group, overrides in by_groups.values():
        acc += per_group[of_row]
        for rows, values in overrides:
            acc[rows] += np.maximum(np.asarray(values, dtype=np.int64), 0)
    return acc


class PricedRule:
    """A rule registration as the columnar road prices it: alone, or a supplement (``extends=``) with its base.

    A supplement is priced unit by unit together with its base, in one run of both formulas on the
    same stand-ins, exactly as the per-person road does: where the base does not pay, the supplement
    says so (``engine.base_not_paid``); where it pays, the supplement's formula reads its amount as
    ``facts.base``.  ``inputs`` and ``param_names`` are those of both rules; ``key`` identifies the
    registration in memos kept on the engine.
    """

    __slots__ = ("reg", "base", "rule", "inputs", "param_names", "key", "code")

    def __init__(self, reg: Any, base: Any = None) -> None:
        self.reg, self.base, self.rule, self.key, self.code = reg, base, reg.rule, id(reg), reg.code
        if base is None:
            self.inputs, self.param_names = tuple(reg.rule.inputs), tuple(reg.rule.param_names)
        else:
            self.inputs = tuple(dict.fromkeys((*base.rule.inputs, *reg.rule.inputs)))
            self.param_names = tuple(dict.fromkeys((*base.rule.param_names, *reg.rule.param_names)))

    def evaluate(self, engine: Any, region: str, on: date, values: dict[str, Any], resolved: dict[str, Any], seen_on: Any = None) -> Any:
        if self.base is None:
            return engine.evaluate(self.reg, region, on, values, resolved, None, None, seen_on)
        b = engine.evaluate(self.base, region, on, _only(values, self.base.rule.inputs), resolved, None, None, seen_on)
        if b.status != "eligible":
            return engine.base_not_paid(self.reg)
        return engine.evaluate(self.reg, region, on, _only(values, self.reg.rule.inputs), resolved, None, b.amount, seen_on)


def _only(values: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The facts one formula declared (a formula reading another one's would raise, as on the per-person road)."""
    if type(values) is _Reads:
        out = _Reads({n: dict.__getitem__(values, n) for n in names})
        out.seen = values.seen
        return out
    return {n: values[n] for n in names}


def price_rule(np: Any, engine: Any, reg: Any, regions: set[str], groups: Grouping, facts: Any, period: Any,
               memo: dict[Any, Any], base: Any = None) -> RulePrices:
    """A monthly or yearly rule (with its base when it ``extends`` one) over every row of ``groups`` whose region is in ``regions``.

    Regions whose parameters resolve alike on every unit form one class; within a class the units
    split into segments wherever a parameter value changes.
    """
    reg = PricedRule(reg, base)
    rule = reg.rule
    monthly = rule.period == "monthly"
    if monthly:
        units = [m.start for m in period.months()]
    else:
        units = []
        for y in period.years():
            try:
                pay = date(y, *rule.pay_on)
            except ValueError:  # 29 February
                pay = date(y, rule.pay_on[0], 28)
            if pay in period:
                units.append(pay)
    dated = [f for f in reg.inputs if f in DATED_FACTS and f not in STAND_IN_FACTS]
    months = [m.start for m in period.months()]
    # The profiles hold date-dependent facts on the first month and whether they change on any
    # later month start: exact on any unit that is a month start of the period.
    still = len(units) > 1 or bool(units) and units[0] != months[0]
    if dated and units and not set(units) <= set(months):
        # Pay days between month starts: this rule groups by its own values on them.
        parts = [("@", groups.of_row, groups.size)]
        for f in dated:
            c0, varying = facts.dated(f, units)
            parts += [(f, c0, len(facts.table(f).values)), ("~" + f, varying.view(np.int8), 2)]
        sub = Grouping(np, parts, len(groups.of_row))
        sub.codes.update({k: v[sub.codes["@"]] for k, v in groups.codes.items() if k not in sub.codes})
        groups = sub
        still = len(units) > 1
    out = RulePrices(np, groups)
    region_table = facts.table("region").values
    region_of = groups.codes["region"]
    # The region codes present, ascending (a count per code: no sort, and no ``numpy.ma`` import as ``numpy.unique`` makes).
    here = [c for c in np.flatnonzero(np.bincount(region_of)).tolist() if region_table[c] in regions]
    if not units:
        out.fen[np.isin(region_of, here)] = 0
        return out
    find = engine.parameters.find
    classes: dict[Any, tuple[str, list[int]]] = {}
    for c in here:
        region = region_table[c]
        state = []
        for u in units:
            found = [find(full, region, u) for full in reg.param_names]
            state.append(tuple(None if r is None else (r.jurisdiction, r.start) for r in found))
        classes.setdefault(tuple(state), (region, []))[1].append(c)
    for state, (region, codes) in classes.items():
        segments = []
        a = 0
        for b in range(1, len(units) + 1):
            if b == len(units) or not monthly or state[b] != state[a]:
                on = units[a]
                segments.append(Segment(a, b, on, {full: find(full, region, on) for full in reg.param_names}))
                a = b
        members = np.flatnonzero(np.isin(region_of, codes))
        _price_groups(np, engine, reg, region, members, units, segments, groups, facts, monthly, memo, out, still)
    return out


def _price_groups(np: Any, engine: Any, reg: Any, region: str, members: Any, units: Sequence[date], segments: Sequence[Segment],
                  groups: Grouping, facts: Any, monthly: bool, memo: dict[Any, Any], out: RulePrices, still: bool) -> None:
    """One rule over the groups ``members`` of one region class.

    ``still``: whether a date-dependent fact must hold still over the units (``"~"`` codes) for a
    group to be priced on its value.
    """
    static = [f for f in reg.inputs if f not in DATED_FACTS]
    dated = [f for f in reg.inputs if f in DATED_FACTS and f not in STAND_IN_FACTS]
    dates = [f for f in static if f in DATE_FACTS]
    plain = [f for f in static if f not in DATE_FACTS]
    valued = plain + dated
    codes = {f: groups.codes[f][members] for f in valued}
    present = {f: groups.codes[f][members] > 0 for f in dates}
    parts = [(codes[f], len(facts.table(f).values)) for f in valued] + [(present[f].astype(np.int64), 2) for f in dates]
    keys, reps, nkeys = combine(np, parts, len(members))
    tables = {f: facts.table(f).values for f in valued}
    # Per key: the code of each fact (a date fact: 1 present, 0 absent); values are built only when explored.
    key_codes = [dict(zip(valued, row)) for row in zip(*(codes[f][reps].tolist() for f in valued))] if valued else [{} for _ in range(nkeys)]
    for f in dates:
        for kc, c in zip(key_codes, present[f][reps].tolist()):
            kc[f] = int(c)
    kcodes = {f: codes[f][reps] for f in valued}
    kcodes.update({f: present[f][reps].astype(np.int64) for f in dates})
    plans = _plans(np, engine, reg, region, key_codes, kcodes, tables, dates, units, segments, monthly, memo)
    outside = np.array([p is None for p in plans], dtype=bool)[keys]

    # A group needs its rows priced one by one where a date-dependent fact changes in the period,
    # or the formula needs real dates.
    exotic = np.zeros(len(members), dtype=bool)
    for f in dated if still else ():
        exotic |= groups.codes["~" + f][members] > 0
    changes = exotic & ~outside
    exotic |= outside
    if exotic.any():
        sizes = groups.sizes(np)[members]
        for why, mask in (("outside_vocabulary", outside), ("changes", changes)):
            n = int(sizes[mask].sum())
            if n:
                out.other[why] = out.other.get(why, 0) + n
    dying = groups.codes["†"][members] > 0 if monthly else np.zeros(len(members), dtype=bool)
    trivial = np.array([p is not None and p.trivial for p in plans], dtype=bool)[keys] & ~exotic & ~dying

    # Groups whose formula never looked at a date: their amounts straight from the key's plan.
    fen_t = np.zeros(nkeys, dtype=np.int64)
    cnt_t = np.zeros(nkeys, dtype=np.int64)
    ik_t = np.zeros(nkeys, dtype=bool)
    fail_t = np.zeros(nkeys, dtype=bool)
    for k, plan in enumerate(plans):
        if plan is not None and plan.trivial:
            fen_t[k], cnt_t[k], ik_t[k], fail_t[k] = plan.totals
    out.fen[members] = np.where(trivial, fen_t[keys], 0)
    out.counts[members] = np.where(trivial, cnt_t[keys], 0)
    out.in_kind[members] = trivial & ik_t[keys]
    out.failed[members] = trivial & fail_t[keys]

    # The other groups: their rows, each leaf's comparisons as arrays.
    general = ~trivial & ~exotic
    if general.any():
        shape_ids: dict[Any, int] = {}
        shape_of_key = np.full(nkeys, -1, dtype=np.int64)
        for k, plan in enumerate(plans):
            if plan is not None:
                shape_of_key[k] = shape_ids.setdefault(plan.shape, len(shape_ids))
        key_of_group = np.full(groups.size, -1, dtype=np.int64)
        key_of_group[members[general]] = keys[general]
        for sid in range(len(shape_ids)):
            sel = np.zeros(groups.size, dtype=bool)
            sel[members[general & (shape_of_key[keys] == sid)]] = True
            if not sel.any():
                continue
            rows = groups.rows(np, sel)
            members_k = [k for k in range(nkeys) if shape_of_key[k] == sid]
            # Deaths cut months off only in groups of people who die before the last unit.
            dies = monthly and bool((groups.codes["†"][sel] > 0).any())
            out.by_row.append(_evaluate_shape(np, rows, key_of_group.take(groups.of_row.take(rows)), members_k, plans, units, facts, dies))
    if exotic.any():
        sel = np.zeros(groups.size, dtype=bool)
        sel[members[exotic]] = True
        rows = groups.rows(np, sel)
        out.by_row.append(_price_concrete(np, engine, reg, region, rows, units, segments, facts, monthly, memo))


class _KeyPlan:
    """What the formula does for one key: per run of units, its leaves."""

    __slots__ = ("entries", "shape", "trivial", "totals")

    def __init__(self, entries: list[tuple[int, int, list[Leaf]]]) -> None:
        self.entries = entries
        self.shape = tuple((a, b, shape_of(leaves)) for a, b, leaves in entries)
        self.trivial = all(len(leaves) == 1 and not leaves[0].conds for _, _, leaves in entries)
        #: For a plan without comparisons: (分, units that count as eligible, in kind, failed) over the period.
        self.totals = (0, 0, False, False)
        if self.trivial:
            self.totals = (sum(leaves[0].fen * (b - a) for a, b, leaves in entries),
                           sum(b - a for a, b, leaves in entries if leaves[0].counts),
                           any(leaves[0].in_kind for _, _, leaves in entries), any(leaves[0].failed for _, _, leaves in entries))


def _plans(np: Any, engine: Any, reg: Any, region: str, key_codes: list[dict[str, int]], kcodes: dict[str, Any],
           tables: dict[str, list[Any]], dates: Sequence[str], units: Sequence[date], segments: Sequence[Segment], monthly: bool,
           memo: dict[Any, Any]) -> list[_KeyPlan | None]:
    """What the formula does for each key, in every segment (``None``: the key needs real dates).

    ``key_codes[k]`` are key ``k``'s fact codes (into ``tables``; a date fact: 1 present, 0 absent);
    ``kcodes[f]`` the same as one array per fact.
    """
    n = len(key_codes)
    everyone = np.arange(n)
    per_seg: list[tuple[Segment, list[Any], dict[int, list[Any]]]] = []
    for seg in segments:
        symbolic_on = monthly and seg.b - seg.a > 1
        # A run of months does not depend on which months they are; a single unit does.
        got = _assign(np, engine, reg, region, key_codes, kcodes, tables, dates, seg, seg.on, symbolic_on, memo, everyone)
        per_unit: dict[int, list[Any]] = {}
        need_month = np.array([g == "on" for g in got], dtype=bool)
        if need_month.any():
            # The formula needs the real month: each unit on its own.
            idx = np.flatnonzero(need_month)
            for u in range(seg.a, seg.b):
                per_unit[u] = _assign(np, engine, reg, region, key_codes, kcodes, tables, dates, seg, units[u], False, memo, idx)
        per_seg.append((seg, got, per_unit))
    shared: dict[tuple[int, ...], _KeyPlan] = {}
    plans: list[_KeyPlan | None] = []
    for k in range(n):
        entries: list[tuple[int, int, list[Leaf]]] = []
        for seg, got, per_unit in per_seg:
            g = got[k]
            if g == "on":
                for u in range(seg.a, seg.b):
                    one = per_unit[u][k]
                    if isinstance(one, str):
                        break
                    entries.append((u, u + 1, one))
                else:
                    continue
                entries = []
                break
            if isinstance(g, str):
                entries = []
                break
            entries.append((seg.a, seg.b, g))
        if not entries:
            plans.append(None)
            continue
        ident = tuple(id(e[2]) for e in entries)
        plan = shared.get(ident)
        if plan is None:
            plan = shared[ident] = _KeyPlan(entries)
        plans.append(plan)
    return plans


def _assign(np: Any, engine: Any, reg: Any, region: str, key_codes: list[dict[str, int]], kcodes: dict[str, Any],
            tables: dict[str, list[Any]], dates: Sequence[str], seg: Segment, on: date, symbolic_on: bool, memo: dict[Any, Any],
            todo: Any) -> list[Any]:
    """The leaves of keys ``todo`` in one segment; each exploration serves every key that agrees on what it read.

    An entry is a list of leaves, ``"on"`` when the formula needs the real month, or ``"dates"``.
    """
    out: list[Any] = [None] * len(key_codes)
    slot = memo.setdefault((reg.key, seg.state, None if symbolic_on else on), [])
    members: dict[tuple[str, Any], Any] = {}

    seen: dict[tuple[Any, int], Any] = {}

    def probe(p: Any, codes: dict[str, int]) -> Any:
        # By value, not by code: the memo outlives this run's code tables.
        name = p if isinstance(p, str) else p[1]
        at = (p, codes[name])
        v = seen.get(at, seen)
        if v is seen:
            if isinstance(p, str):
                v = codes[p] if p in dates else _hashable(tables[p][codes[p]])
            else:
                v = p[2] in (tables[name][codes[name]] or ())
            seen[at] = v
        return v

    def probe_all(p: Any, at: Any) -> Any:
        if isinstance(p, str):
            return kcodes[p][at]
        table = members.get((p[1], p[2]))
        if table is None:
            table = members[(p[1], p[2])] = np.array([p[2] in (v or ()) for v in tables[p[1]]], dtype=bool)
        return table[kcodes[p[1]][at]]

    while len(todo):
        k = int(todo[0])
        codes = key_codes[k]
        leaves: Any = None
        for probes, table in slot:
            leaves = table.get(tuple([probe(p, codes) for p in probes]))
            if leaves is not None:
                break
        else:
            probes, leaves = _explore_key(engine, reg, region, codes, tables, dates, seg, on, symbolic_on)
            for have, table in slot:
                if have == probes:
                    break
            else:
                table = {}
                slot.append((probes, table))
            table[tuple([probe(p, codes) for p in probes])] = leaves
        match = np.ones(len(todo), dtype=bool)
        for p in probes:
            if isinstance(p, str):
                match &= kcodes[p][todo] == codes[p]
            else:
                match &= probe_all(p, todo) == probe(p, codes)
        for j in todo[match].tolist():
            out[j] = leaves
        todo = todo[~match]
    return out


def _explore_key(engine: Any, reg: Any, region: str, codes: dict[str, int], tables: dict[str, list[Any]], dates: Sequence[str],
                 seg: Segment, on: date, symbolic_on: bool) -> tuple[tuple[Any, ...], Any]:
    """(what the formula read, its leaves) for one key."""
    symbolic = [f for f in dates if codes[f]]
    values = {f: tables[f][c] for f, c in codes.items() if f not in dates}
    values.update({f: None for f in dates if not codes[f]})
    reads: set[Any] = set()

    def run(vals: dict[str, Any], seen_on: Any) -> Any:
        return reg.evaluate(engine, region, on, vals, seg.resolved, seen_on)

    try:
        leaves: Any = explore(run, values, symbolic, symbolic_on, reads, on if "age" in reg.inputs else None)
    except NeedConcrete as e:
        leaves = "on" if e.what == "on" and symbolic_on else "dates"
        reads = set(codes)  # a fallback is kept for this very key only
    # A set read whole makes its memberships redundant; date facts are noted by presence.
    whole = {r for r in reads if isinstance(r, str)} | set(symbolic)
    kept = [r for r in reads if isinstance(r, str) or r[1] not in whole]
    probes = tuple(sorted(kept, key=lambda r: (r,) if isinstance(r, str) else (r[1], repr(r[2]))))
    return tuple(p for p in probes if isinstance(p, str) and p in codes or not isinstance(p, str)), leaves


def _hashable(v: Any) -> Any:
    try:
        hash(v)
        return (type(v), v)
    except TypeError:
        return (type(v), repr(v))


def _evaluate_shape(np: Any, rows: Any, row_keys: Any, members: list[int], plans: list[Any], units: Sequence[date],
                    facts: Any, dies: bool) -> tuple[Any, Any, Any, Any, Any]:
    """Rows of keys sharing one shape: each leaf's comparisons as arrays, its amounts from a table."""
    n = len(rows)
    starts = np.array([u.toordinal() - EPOCH for u in units], dtype=np.int64)
    local = np.zeros(max(members) + 1, dtype=np.int64)
    local[members] = np.arange(len(members))
    kl = local.take(row_keys)
    fen_out = np.zeros(n, dtype=np.int64)
    cnt_out = np.zeros(n, dtype=np.int64)
    ik_out = np.zeros(n, dtype=bool)
    fail_out = np.zeros(n, dtype=bool)
    cache: dict[Any, Any] = {}

    def value(expr: Any) -> Any:
        if expr[0] == "const":
            return expr[1]
        hit = cache.get(expr)
        if hit is None:
            _, name, steps = expr
            base = cache.get(name)
            if base is None:
                base = cache[name] = facts.days(name).take(rows)
            hit, ok = apply_steps(np, base, steps) if steps else (base, None)
            if ok is not None:
                np.logical_or(fail_out, ~ok, out=fail_out)  # Python would raise there: the reference road says what
            cache[expr] = hit
        return hit

    # Unit counts (bounds, months in a leaf) are at most len(units): 16-bit arrays carry a quarter of the
    # bytes of int64 ones through the per-leaf minimum / maximum / subtraction.
    small = np.int16 if len(units) < 2**15 else np.int64
    limit = None
    if dies:
        d = facts.days("death_date")[rows]
        # Months that begin after a death are not paid (engine-wide rule).
        limit = np.where(d == ABSENT, len(starts), np.searchsorted(starts, d, side="right")).astype(small)
    template = plans[members[0]]
    unit_month = None
    if len(units) > 1:
        mi = np.array([(u.year - 1970) * 12 + u.month - 1 for u in units], dtype=np.int64)
        if all(u.day == 1 for u in units) and bool((np.diff(mi) == 1).all()):
            unit_month = mi  # consecutive month starts: bounds by month arithmetic

    def bound(a: int, b: int, op: str, rhs: Any) -> Any:
        """How many units of [a, b) start before (lt) or on (le) ``rhs``, plus ``a`` (cached)."""
        bkey = ("bound", a, b, op, rhs)
        at = cache.get(bkey)
        if at is None:
            t = value(rhs)
            if unit_month is None or not isinstance(t, np.ndarray):
                at = a + np.searchsorted(starts[a:b], t, side="left" if op == "lt" else "right")
            else:
                # A month start is on or before t exactly when its month is t's month or earlier
                # (before t: on or before the day before t): the units [0, U) up to t are
                # clip(month(t) - month(unit 0) + 1, 0, U), and those of [a, b) the same clipped to [a, b)
                # (the units are consecutive months).  Worked out once per date and comparison, per day
                # of the dates' span, in the narrow type.
                mkey = ("month", op, rhs)
                upto = cache.get(mkey)
                if upto is None:
                    shift, first, total = (1 if op == "lt" else 0), int(unit_month[0]), len(units)
                    upto = cache[mkey] = _tabulated(
                        np, t, lambda d: np.clip(_month_index(np, d - shift) - (first - 1), 0, total).astype(small))
                at = upto if (a, b) == (0, len(units)) else np.clip(upto, a, b)
            cache[bkey] = at
        return at

    def holds(c: Any, outcome: bool) -> Any:
        """Rows where a comparison of two dates has this outcome (each comparison and its negation computed once).

        Not recursive on purpose: a closure that calls itself is a reference cycle, and would keep this
        call's arrays alive until the collector next runs.
        """
        ckey = ("holds", c, outcome)
        m = cache.get(ckey)
        if m is None:
            yes = cache.get(("holds", c, True))
            if yes is None:
                lhs, op, rhs = c
                x, y = value(lhs), value(rhs)
                yes = cache[("holds", c, True)] = x < y if op == "lt" else (x <= y if op == "le" else x == y)
            m = cache[ckey] = yes if outcome else ~yes
        return m

    # Every date any comparison reads is worked out first, whatever the leaf pays: a row where Python
    # would raise computing one is marked failed above, as it is on every path through the formula.
    for a, b, leaves in template.entries:
        for leaf in leaves:
            for (lhs, _op, rhs), _outcome in leaf.conds:
                if lhs != ("on",):
                    value(lhs)
                value(rhs)

    for e, (a, b, leaves) in enumerate(template.entries):
        for j, leaf in enumerate(leaves):
            at = [plans[k].entries[e][2][j] for k in members]
            fen = [x.fen for x in at]
            cnt = [x.counts for x in at]
            ik = [x.in_kind for x in at]
            failed = [x.failed for x in at]
            if not (any(fen) or any(cnt) or any(ik) or any(failed)):
                continue  # a leaf that pays nothing, counts nothing and never failed adds nothing to any row
            lo: Any = a
            hi: Any = b
            mask: Any = None
            for c, outcome in leaf.conds:
                if c[0] == ("on",):
                    # How many of the units start before (lt) or on (le) the date: one search per comparison.
                    if outcome:
                        hi = np.minimum(hi, bound(a, b, c[1], c[2]))
                    else:
                        lo = np.maximum(lo, bound(a, b, c[1], c[2]))
                else:
                    m = holds(c, outcome)
                    mask = m if mask is None else mask & m
            if limit is not None:
                hi = np.minimum(hi, limit)
            months = np.maximum(np.asarray(hi) - lo, 0)
            if mask is not None:
                months = months * mask
            if not np.any(months):
                continue
            if any(fen):
                # One amount for every key of the leaf (the usual case): no table to gather from.
                fen_out += (np.int64(fen[0]) * months if len(set(fen)) == 1 else np.array(fen, dtype=np.int64).take(kl) * months)
            if any(cnt):
                cnt_out += (months if all(cnt) else np.array(cnt, dtype=np.int64).take(kl) * months)
            if any(ik):
                ik_out |= np.array(ik, dtype=bool).take(kl) & (months > 0)
            if any(failed):
                fail_out |= np.array(failed, dtype=bool).take(kl) & (months > 0)
    return rows, fen_out, cnt_out, ik_out, fail_out


def _price_concrete(np: Any, engine: Any, reg: Any, region: str, rows: Any, units: Sequence[date], segments: Sequence[Segment],
                    facts: Any, monthly: bool, memo: dict[Any, Any]) -> tuple[Any, Any, Any, Any, Any]:
    """Rows priced with real values: grouped by every input (whole dates, date-dependent facts unit by unit)."""
    names = list(reg.inputs)
    cols = []
    for f in names:
        if f in DATED_FACTS:
            cols += [facts.codes(f, u)[rows] for u in units]
        elif f in DATE_FACTS:
            cols.append(facts.days(f)[rows])
        else:
            cols.append(facts.codes(f, units[0])[rows])
    cols.append(facts.days("death_date")[rows] if monthly else np.full(len(rows), ABSENT, dtype=np.int64))
    uniq, inv = np.unique(np.stack(cols, axis=1), axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    seg_of = [next(s for s in segments if s.a <= u < s.b) for u in range(len(units))]
    g_fen = np.zeros(len(uniq), dtype=np.int64)
    g_cnt = np.zeros(len(uniq), dtype=np.int64)
    g_ik = np.zeros(len(uniq), dtype=bool)
    g_fail = np.zeros(len(uniq), dtype=bool)
    for g, combo in enumerate(uniq.tolist()):
        died = combo[-1]
        for u, on in enumerate(units):
            if monthly and died != ABSENT and on.toordinal() - EPOCH > died:
                break  # months that begin after a death are not paid (engine-wide rule)
            values: dict[str, Any] = {}
            c = 0
            for f in names:
                if f in DATED_FACTS:
                    values[f] = facts.table(f).values[combo[c + u]]
                    c += len(units)
                elif f in DATE_FACTS:
                    values[f] = None if combo[c] == ABSENT else date.fromordinal(combo[c] + EPOCH)
                    c += 1
                else:
                    values[f] = facts.table(f).values[combo[c]]
                    c += 1
            seg = seg_of[u]
            mkey = ("concrete", reg.key, tuple((f, _hashable(v)) for f, v in values.items()), seg.state, on)
            leaf = memo.get(mkey)
            if leaf is None:
                try:
                    result = reg.evaluate(engine, region, on, values, seg.resolved)
                except ShuangyongError:
                    result = FAILED
                leaf = memo[mkey] = Leaf((), result)
            g_fen[g] += leaf.fen
            g_cnt[g] += 1 if leaf.counts else 0
            g_ik[g] |= leaf.in_kind
            g_fail[g] |= leaf.failed
    return rows, g_fen[inv], g_cnt[inv], g_ik[inv], g_fail[inv]
