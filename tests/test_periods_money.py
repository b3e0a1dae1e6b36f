from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.money import from_fen, to_fen
from shuangyong.periods import prorate_by_day, split_by_day


def test_year_and_month() -> None:
    y = sy.Period.year(2024)
    assert (y.start, y.end, y.kind, y.label, y.days) == (date(2024, 1, 1), date(2025, 1, 1), "year", "2024", 366)
    m = sy.Period.month(2024, 8)
    assert (m.start, m.end, m.kind, m.label) == (date(2024, 8, 1), date(2024, 9, 1), "month", "2024-08")
    assert len(y.months()) == 12 and y.months()[7] == m


def test_range_months_start_with_the_first_whole_month() -> None:
    r = sy.Period.range(date(2024, 3, 15), date(2024, 7, 1))
    assert [p.label for p in r.months()] == ["2024-04", "2024-05", "2024-06"]
    assert r.label == "2024-03-15..2024-06-30"


def test_bad_periods() -> None:
    with pytest.raises(sy.InvalidPeriodError):
        sy.Period.range(date(2024, 5, 1), date(2024, 5, 1))
    with pytest.raises(sy.InvalidPeriodError):
        sy.Period.month(2024, 13)
    with pytest.raises(sy.InvalidPeriodError):
        sy.parse_period("24")


def test_parse_period() -> None:
    assert sy.parse_period("2024") == sy.Period.year(2024)
    assert sy.parse_period("2024-08") == sy.Period.month(2024, 8)
    assert sy.parse_period("2024-03-15..2024-06-30") == sy.Period.range(date(2024, 3, 15), date(2024, 7, 1))


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@given(dates, st.integers(1, 2000), st.lists(dates, max_size=10))
def test_split_at_change_dates_loses_no_day(start: date, length: int, cuts: list[date]) -> None:
    p = sy.Period.range(start, start + timedelta(days=length))
    parts = p.split_at(cuts)
    assert parts[0].start == p.start and parts[-1].end == p.end
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
    assert sum(x.days for x in parts) == p.days
    assert len(parts) == 1 + len({c for c in cuts if p.start < c < p.end})


def test_prorate_by_day_by_hand() -> None:
    # 36,600 a year, February 2024 (29 of 366 days): 36600 × 29 / 366 = 2900
    assert prorate_by_day(Decimal(36600), sy.Period.month(2024, 2), sy.Period.year(2024)) == Decimal(2900)


@given(st.integers(1990, 2040), st.integers(0, 10**9))
def test_a_year_prorated_month_by_month_sums_to_the_annual_amount(year: int, fen: int) -> None:
    y = sy.Period.year(year)
    annual = Decimal(fen) / 100
    shares = split_by_day(annual, y.months(), y)
    assert sum(shares) == annual
    assert all(s >= 0 for s in shares)
    # each share is within a 分 of the exact day share
    assert all(abs(s - prorate_by_day(annual, m, y)) <= Decimal("0.01") for s, m in zip(shares, y.months()))


@pytest.mark.parametrize(
    "policy, amount, expected",
    [
        (sy.FEN_HALF_UP, "8889.166666", "8889.17"),
        (sy.FEN_HALF_UP, "0.005", "0.01"),
        (sy.FEN_HALF_UP, "0.0049", "0.00"),
        (sy.YUAN_HALF_UP, "39015.9", "39016.00"),  # 吴江 86,702 × 45%
        (sy.YUAN_HALF_UP, "39015.5", "39016.00"),
        (sy.YUAN_HALF_UP, "39015.49", "39015.00"),
        (sy.YUAN_UP, "14803.2", "14804.00"),  # 德安 37,008 × 40%
        (sy.YUAN_UP, "14803.00", "14803.00"),
        (sy.FEN_DOWN, "1.239", "1.23"),
    ],
)
def test_rounding_policies_by_hand(policy: sy.Rounding, amount: str, expected: str) -> None:
    assert policy(Decimal(amount)) == Decimal(expected)
    assert str(policy(Decimal(amount))) == expected


@given(st.decimals(min_value=0, max_value=10**7, places=6, allow_nan=False))
def test_roundings_stay_close_and_ordered(x: Decimal) -> None:
    assert abs(sy.FEN_HALF_UP(x) - x) <= Decimal("0.005")
    assert sy.YUAN_UP(x) >= x > sy.YUAN_UP(x) - 1
    assert from_fen(to_fen(sy.FEN_HALF_UP(x))) == sy.FEN_HALF_UP(x)


@given(st.integers(0, 10**9))
def test_monthly_shares_of_an_annual_standard_stay_within_six_fen(annual_fen: int) -> None:
    annual = from_fen(annual_fen)
    twelve = sy.FEN_HALF_UP(annual / 12) * 12
    assert abs(twelve - annual) <= Decimal("0.06")


def test_babel_formatting() -> None:
    assert sy.format_amount(Decimal("981875")) == "¥981,875.00"
    assert sy.format_wan(Decimal("981875")) == "98.19万元"
    assert sy.format_amount(Decimal("981875"), "en") == "CN¥981,875.00"


def test_float_is_refused() -> None:
    from shuangyong.money import to_decimal

    with pytest.raises(TypeError):
        to_decimal(1.5)
    with pytest.raises(TypeError):
        sy.Q(0.1)
