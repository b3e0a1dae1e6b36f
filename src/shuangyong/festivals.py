"""Festival dates as data: the days 双拥 visits and 慰问金 are tied to.

``date(name, year)`` gives the Gregorian date of 元旦, 春节, 清明, 八一 (建军节),
中秋 and 烈士纪念日 in ``year``.  The lunar festivals (春节 = 正月初一, 中秋 =
八月十五) and 清明 (the day of the 清明 solar term) come from the
``lunar-python`` library (the ``campaigns`` extra), never from a table typed
here; the fixed days are defined by law or custom:

* 元旦 1 January; 八一 1 August (建军节, the PLA's founding day, 1927);
* 烈士纪念日 30 September, set by the 全国人大常委会决定 of 2014-08-31, so it
  exists from 2014 on (an earlier year is an error, not a guess).

English aliases are accepted (``spring_festival``, ``new_year``, ``qingming``,
``army_day``, ``mid_autumn``, ``martyrs_day``).
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

from .errors import ShuangyongError

__all__ = ["FESTIVALS", "ALIASES", "date", "canonical", "FestivalError"]


class FestivalError(ShuangyongError, ValueError):
    """An unknown festival name, a year out of range, or the lunar library missing."""


#: Canonical Chinese name → (English name, how the date is found).
FESTIVALS: dict[str, tuple[str, str]] = {
    "元旦": ("New Year's Day", "1月1日"),
    "春节": ("Spring Festival", "农历正月初一 (lunar-python)"),
    "清明": ("Qingming", "清明节气日 (lunar-python)"),
    "八一": ("Army Day", "8月1日 建军节"),
    "中秋": ("Mid-Autumn Festival", "农历八月十五 (lunar-python)"),
    "烈士纪念日": ("Martyrs' Day", "9月30日 (2014年起, 全国人大常委会决定 2014-08-31)"),
}

#: Other spellings → canonical Chinese name.
ALIASES: dict[str, str] = {
    "new_year": "元旦", "new year": "元旦", "newyear": "元旦",
    "春节": "春节", "spring_festival": "春节", "spring festival": "春节", "chinese_new_year": "春节", "lunar_new_year": "春节",
    "清明节": "清明", "qingming": "清明", "tomb_sweeping": "清明",
    "建军节": "八一", "八一建军节": "八一", "army_day": "八一", "army day": "八一", "bayi": "八一",
    "中秋节": "中秋", "mid_autumn": "中秋", "mid-autumn": "中秋", "mid autumn": "中秋",
    "martyrs_day": "烈士纪念日", "martyrs' day": "烈士纪念日", "martyrs day": "烈士纪念日",
}

_MARTYRS_DAY_FROM = 2014
# lunar-python covers this range of solar years reliably for our purpose (its own tables run wider).
_MIN_YEAR, _MAX_YEAR = 1901, 2099


def canonical(name: str) -> str:
    """The canonical Chinese name of a festival, or :class:`FestivalError` listing the known ones."""
    n = str(name).strip()
    if n in FESTIVALS:
        return n
    alias = ALIASES.get(n) or ALIASES.get(n.lower())
    if alias is None:
        known = "、".join(FESTIVALS)
        raise FestivalError(f"unknown festival {name!r}; known: {known} (English aliases: {', '.join(sorted(a for a in ALIASES if a.isascii()))})")
    return alias


def date(name: str, year: int) -> _dt.date:
    """The Gregorian date of festival ``name`` in ``year``."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise FestivalError(f"year must be a whole number, not {year!r}")
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise FestivalError(f"year {year} is outside {_MIN_YEAR}–{_MAX_YEAR}")
    return _date(canonical(name), year)


@lru_cache(maxsize=1024)
def _date(name: str, year: int) -> _dt.date:
    if name == "元旦":
        return _dt.date(year, 1, 1)
    if name == "八一":
        return _dt.date(year, 8, 1)
    if name == "烈士纪念日":
        if year < _MARTYRS_DAY_FROM:
            raise FestivalError(f"烈士纪念日 was set in 2014 (全国人大常委会决定 2014-08-31); there is none in {year}")
        return _dt.date(year, 9, 30)
    lunar = _lunar()
    if name == "春节":
        return _solar(lunar.Lunar.fromYmd(year, 1, 1).getSolar())
    if name == "中秋":
        return _solar(lunar.Lunar.fromYmd(year, 8, 15).getSolar())
    # 清明: the solar term falls on 4–6 April; read it from the lunar year that contains April.
    term = lunar.Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    d = _solar(term)
    if d.year != year:  # pragma: no cover - the library's table is keyed by lunar year; guard anyway
        raise FestivalError(f"清明 for {year} came out as {d.isoformat()}")
    return d


def _solar(s: object) -> _dt.date:
    return _dt.date(s.getYear(), s.getMonth(), s.getDay())  # type: ignore[attr-defined]


def _lunar():  # type: ignore[no-untyped-def]
    try:
        import lunar_python
    except ImportError:
        from .extras import install_hint

        raise FestivalError(
            f"the lunar festivals (春节, 中秋, 清明) need the lunar-python library: {install_hint('campaigns')}"
        ) from None
    return lunar_python
