"""Service counts as arrays (``FactStore._count_values``) and the month arithmetic under them, against ``model``'s own."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangyong.model import _whole_years
from shuangyong.roster import columns, pricing

np = pytest.importorskip("numpy")

EPOCH = date(1970, 1, 1).toordinal()
ABSENT = pricing.ABSENT


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dates(date(1, 1, 1), date(9999, 12, 31)), min_size=1, max_size=30), st.booleans())
def test_month_key_and_month_day_match_datetime(dates: list[date], dense: bool) -> None:
    if dense:  # many rows over a short span: the tabulated road
        dates = [date.fromordinal(min(dates[0].toordinal() + k % 40, date(9999, 12, 31).toordinal())) for k in range(200)]
    days = np.array([d.toordinal() - EPOCH for d in dates], dtype=np.int32)
    key = pricing.month_key(np, days)
    mi, day, length = pricing.month_day(np, days)
    assert key.dtype == mi.dtype == day.dtype == length.dtype == np.int32
    for d, k, m, dd, n in zip(dates, key.tolist(), mi.tolist(), day.tolist(), length.tolist()):
        months = (d.year - 1970) * 12 + d.month - 1
        nxt = date(d.year + 1, 1, 1) if d.month == 12 and d.year < 9999 else (d.replace(month=d.month + 1, day=1) if d.month < 12 else None)
        assert (m, dd, k) == (months, d.day, months * 32 + d.day - 1)
        assert n == ((nxt - d.replace(day=1)).days if nxt is not None else 31)


_day = st.dates(date(1900, 1, 1), date(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), _day), st.one_of(st.none(), _day)), min_size=1, max_size=40), _day,
       st.sampled_from(["service_years", "service_years_up", "service_years_half", "service_months"]), st.booleans())
def test_count_values_match_the_service_record(pairs: list[tuple[date | None, date | None]], on: date, name: str,
                                               dense: bool) -> None:
    """As ``facts._service`` / ``ServiceRecord.service_months``: to 退役时间, or ``on`` while serving; 0 without 入伍时间."""
    if dense:
        pairs = pairs * (5000 // len(pairs) + 1)  # past the size where dates are looked up in a table
    enl = np.array([ABSENT if e is None else e.toordinal() - EPOCH for e, _ in pairs], dtype=np.int32)
    dis = np.array([ABSENT if d is None else d.toordinal() - EPOCH for _, d in pairs], dtype=np.int32)
    store: Any = SimpleNamespace(np=np)
    got = columns.FactStore._count_values(store, name, on, enl, dis).tolist()
    rounding = {"service_years": "down", "service_years_up": "up", "service_years_half": "half"}.get(name)
    for (e, d), g in zip(pairs, got):
        if e is None:
            want = 0
        elif name == "service_months":
            end = d or on
            r = relativedelta(end, e)
            want = max(0, r.years * 12 + r.months)
        else:
            want = _whole_years(e, d or on, rounding or "down")
        assert g == want, (e, d, on, name)


@st.composite
def _service_records(draw: Any) -> list[dict[str, Any]]:
    """Records with and without service, of every type (or none), stating their years or not, serving or discharged."""
    from shuangyong.testing import synthetic_id

    out = []
    for i in range(draw(st.integers(1, 15))):
        born = draw(st.dates(date(1930, 1, 1), date(1990, 12, 31)))
        rec: dict[str, Any] = {"id_number": synthetic_id("422827", born, 2 * i + 1), "region": "422827"}
        if draw(st.integers(0, 3)):
            enl = draw(st.dates(date(born.year + 17, 1, 1), date(born.year + 30, 12, 31)))
            rec["enlisted"] = enl.isoformat()
            rec["service_type"] = draw(st.sampled_from(["", "义务兵", "军士", "军官"]))
            if draw(st.booleans()):
                rec["discharged"] = draw(st.dates(enl, date(2030, 12, 31))).isoformat()
            if draw(st.booleans()):
                rec["conscript_years"] = str(draw(st.integers(0, 8)))
        out.append(rec)
    keys = sorted({k for r in out for k in r})
    return [{k: r.get(k, "") for k in keys} for r in out]


@settings(max_examples=150, deadline=None)
@given(_service_records(), st.sampled_from([date(2024, 1, 1), date(2024, 12, 1), date(1999, 6, 1), date(2031, 3, 1)]))
def test_conscript_service_years_match_the_scalar_fact(records: list[dict[str, Any]], on: date) -> None:
    """Counted only where no years are stated; equal to ``facts.CATALOGUE["conscript_service_years"]`` per person."""
    import shuangyong as sy
    from shuangyong import facts
    from shuangyong.roster.reading import read_roster

    parsed = columns.Parsed(read_roster(records), None, np)
    rows = parsed.fast_rows(set())
    store = columns.FactStore(parsed, rows)
    codes = store.codes("conscript_service_years", on)
    fact = facts.CATALOGUE["conscript_service_years"]
    for k, i in enumerate(rows.tolist()):
        want = fact.scalar(sy.Person.from_record(records[i]), on)
        assert store.table("conscript_service_years").values[int(codes[k])] == want, (records[i], on)
