"""Periods: years, months and half-open date ranges.

A :class:`Period` is ``[start, end)``: ``Period.year(2024)`` runs from
2024-01-01 up to, not including, 2025-01-01.  Monthly rules are priced month
by month; a month is *in* a period when its first day is (a range that
starts mid-month counts from the next month, see :meth:`Period.months`).
Proration by day (:func:`prorate_by_day`) counts the days of the range over
the days of the whole unit.  Arithmetic on months uses dateutil's
``relativedelta``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from attrs import frozen
from dateutil.relativedelta import relativedelta

from .errors import InvalidPeriodError

__all__ = ["Period", "months_between", "add_months", "month_start", "prorate_by_day", "split_by_day", "parse_period"]


def month_start(d: date) -> date:
    """The first day of the month containing ``d``."""
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    """``d`` moved by ``n`` months (end-of-month clipped, as dateutil does)."""
    if d.day == 1:  # the common case, without relativedelta's cost
        y, m = divmod(d.month - 1 + n, 12)
        return date(d.year + y, m + 1, 1)
    return d + relativedelta(months=n)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from the month of ``start`` to the month of ``end`` (end exclusive)."""
    return (end.year - start.year) * 12 + (end.month - start.month)


@frozen(order=True, cache_hash=True)  # a key of the engine's caches: hashed many times per person
class Period:
    """A half-open date range ``[start, end)``."""

    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.start, date) or not isinstance(self.end, date):
            raise InvalidPeriodError("a period needs two dates")
        if self.end <= self.start:
            raise InvalidPeriodError(f"period end {self.end} must be after its start {self.start}")

    # -- constructors ------------------------------------------------------
    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year ``year``."""
        return cls(date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """One calendar month."""
        try:
            start = date(year, month, 1)
        except ValueError as e:
            raise InvalidPeriodError(f"no month {year}-{month}: {e}") from None
        return cls(start, add_months(start, 1))

    @classmethod
    def range(cls, start: date, end: date) -> Period:
        """A half-open range ``[start, end)``."""
        return cls(start, end)

    @classmethod
    def day(cls, d: date) -> Period:
        """A single day."""
        return cls(d, d + timedelta(days=1))

    # -- queries -----------------------------------------------------------
    @property
    def kind(self) -> str:
        """``year``, ``month`` or ``range``."""
        if self.start.month == 1 and self.start.day == 1 and self.end == date(self.start.year + 1, 1, 1):
            return "year"
        if self.start.day == 1 and self.end == add_months(self.start, 1):
            return "month"
        return "range"

    @property
    def label(self) -> str:
        """``2024``, ``2024-08`` or ``2024-03-15..2024-06-30`` (inclusive last day)."""
        k = self.kind
        if k == "year":
            return f"{self.start.year}"
        if k == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()}..{(self.end - timedelta(days=1)).isoformat()}"

    def __str__(self) -> str:
        return self.label

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d < self.end

    def months(self) -> list[Period]:
        """The calendar months whose first day lies in the period, in order.

        A monthly amount is due for a month when the month begins inside the
        period; a range from 03-15 therefore starts paying with April.
        """
        return list(_months(self.start, self.end))

    def years(self) -> list[int]:
        """The calendar years the period touches."""
        return list(range(self.start.year, (self.end - timedelta(days=1)).year + 1))

    def split_at(self, dates: Iterable[date]) -> list[Period]:
        """Cut the period at each date strictly inside it; the pieces cover it exactly."""
        cuts = sorted({d for d in dates if self.start < d < self.end})
        bounds = [self.start, *cuts, self.end]
        return [Period(a, b) for a, b in zip(bounds, bounds[1:])]

    def overlap(self, other: Period) -> Period | None:
        """The intersection of two periods, or ``None``."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Period(start, end) if start < end else None

    def __iter__(self) -> Iterator[Period]:
        return iter(self.months())


@lru_cache(maxsize=4096)
def _months(start: date, end: date) -> tuple[Period, ...]:
    first = month_start(start)
    if first < start:
        first = add_months(first, 1)
    out: list[Period] = []
    m = first
    while m < end:
        nxt = add_months(m, 1)
        out.append(Period(m, nxt))
        m = nxt
    return tuple(out)


def prorate_by_day(amount: Decimal, part: Period, whole: Period) -> Decimal:
    """``amount × days(part ∩ whole) / days(whole)``, unrounded (round with a policy)."""
    inter = part.overlap(whole)
    if inter is None:
        return Decimal(0)
    return Decimal(amount) * inter.days / whole.days


def split_by_day(amount: Decimal, parts: Iterable[Period], whole: Period, quantum: Decimal = Decimal("0.01")) -> list[Decimal]:
    """Share ``amount`` over ``parts`` of ``whole`` by days, rounded so the shares add up.

    Each share is the difference of the rounded running totals (half up to
    ``quantum``), so shares over parts that cover ``whole`` sum to ``amount``
    rounded, never a 分 more or less.
    """
    from decimal import ROUND_HALF_UP

    out: list[Decimal] = []
    days = 0
    done = Decimal(0).quantize(quantum)
    for part in parts:
        inter = part.overlap(whole)
        days += inter.days if inter else 0
        running = (Decimal(amount) * days / whole.days).quantize(quantum, rounding=ROUND_HALF_UP)
        out.append(running - done)
        done = running
    return out


_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def parse_period(text: str) -> Period:
    """Parse ``2024``, ``2024-08`` or ``2024-03-15..2024-06-30`` (last day inclusive)."""
    s = text.strip()
    if m := _YEAR.match(s):
        return Period.year(int(m[1]))
    if m := _MONTH.match(s):
        return Period.month(int(m[1]), int(m[2]))
    if m := _RANGE.match(s):
        try:
            a, b = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError as e:
            raise InvalidPeriodError(f"period {text!r}: {e}") from None
        return Period(a, b + timedelta(days=1))
    raise InvalidPeriodError(f"period {text!r}: expected YYYY, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD")
