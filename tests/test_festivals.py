"""Festival dates (issue 17): 春节 2000–2050 against the published calendar, fixed days, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from shuangyong import festivals

pytest.importorskip("lunar_python")

# 春节 (农历正月初一), 2000–2050, as published in the Hong Kong Observatory's
# 公历与农历日期对照表 (Gregorian–Lunar Calendar Conversion Table, 1901–2100),
# which agrees with the 紫金山天文台 中国天文年历 for these years.  Typed from the
# published table, not produced by the library under test.
SPRING_FESTIVAL = {
    2000: "02-05", 2001: "01-24", 2002: "02-12", 2003: "02-01", 2004: "01-22", 2005: "02-09", 2006: "01-29",
    2007: "02-18", 2008: "02-07", 2009: "01-26", 2010: "02-14", 2011: "02-03", 2012: "01-23", 2013: "02-10",
    2014: "01-31", 2015: "02-19", 2016: "02-08", 2017: "01-28", 2018: "02-16", 2019: "02-05", 2020: "01-25",
    2021: "02-12", 2022: "02-01", 2023: "01-22", 2024: "02-10", 2025: "01-29", 2026: "02-17", 2027: "02-06",
    2028: "01-26", 2029: "02-13", 2030: "02-03", 2031: "01-23", 2032: "02-11", 2033: "01-31", 2034: "02-19",
    2035: "02-08", 2036: "01-28", 2037: "02-15", 2038: "02-04", 2039: "01-24", 2040: "02-12", 2041: "02-01",
    2042: "01-22", 2043: "02-10", 2044: "01-30", 2045: "02-17", 2046: "02-06", 2047: "01-26", 2048: "02-14",
    2049: "02-02", 2050: "01-23",
}

# 中秋 and 清明 for a few years, from the same published tables.
MID_AUTUMN = {2015: "09-27", 2020: "10-01", 2023: "09-29", 2024: "09-17", 2025: "10-06"}
QINGMING = {2008: "04-04", 2015: "04-05", 2016: "04-04", 2019: "04-05", 2024: "04-04", 2025: "04-04"}


def _d(year: int, md: str) -> dt.date:
    m, d = md.split("-")
    return dt.date(year, int(m), int(d))


def test_spring_festival_2000_to_2050_matches_published_calendar() -> None:
    assert len(SPRING_FESTIVAL) == 51
    wrong = {y: (festivals.date("春节", y), md) for y, md in SPRING_FESTIVAL.items() if festivals.date("春节", y) != _d(y, md)}
    assert wrong == {}


@pytest.mark.parametrize(("year", "md"), sorted(MID_AUTUMN.items()))
def test_mid_autumn(year: int, md: str) -> None:
    assert festivals.date("中秋", year) == _d(year, md)
    assert festivals.date("mid_autumn", year) == _d(year, md)


@pytest.mark.parametrize(("year", "md"), sorted(QINGMING.items()))
def test_qingming_is_the_solar_term(year: int, md: str) -> None:
    assert festivals.date("清明", year) == _d(year, md)


def test_fixed_days_and_aliases() -> None:
    assert festivals.date("元旦", 2025) == dt.date(2025, 1, 1)
    assert festivals.date("八一", 2025) == festivals.date("建军节", 2025) == festivals.date("army_day", 2025) == dt.date(2025, 8, 1)
    assert festivals.date("烈士纪念日", 2014) == festivals.date("Martyrs_Day", 2014) == dt.date(2014, 9, 30)


def test_every_festival_lies_in_its_year() -> None:
    for name in festivals.FESTIVALS:
        for year in range(2014, 2051):
            assert festivals.date(name, year).year == year


@pytest.mark.parametrize(
    ("name", "year", "words"),
    [("端午", 2025, "unknown festival"), ("烈士纪念日", 2013, "2014"), ("春节", 1800, "outside"), ("元旦", "2025", "whole number")],
)
def test_errors_are_clear(name: str, year: object, words: str) -> None:
    with pytest.raises(festivals.FestivalError, match=words):
        festivals.date(name, year)  # type: ignore[arg-type]
