"""The 身份证号 arrays of ``roster.columns.Parsed``: the month table and the exact repeat key, against plain definitions."""

from __future__ import annotations

from array import array
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangyong.roster import columns

np = pytest.importorskip("numpy")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 9999), st.integers(0, 40))
def test_month_table_matches_datetime(ylo: int, span: int) -> None:
    yhi = min(ylo + span, 9999)
    length, first = columns._month_table(np, ylo, yhi)
    assert length.dtype == np.int32 and first.dtype == np.int32 and len(length) == len(first) == (yhi - ylo + 1) * 16
    for y in range(ylo, yhi + 1):
        for m in range(16):
            at = (y - ylo) * 16 + m
            if y >= 1 and 1 <= m <= 12:
                start = date(y, m, 1)
                nxt = date(y + 1, 1, 1) if m == 12 and y < 9999 else (date(y, m + 1, 1) if m < 12 else None)
                days = (nxt - start).days if nxt is not None else 31  # 9999-12
                assert int(length[at]) == days, (y, m)
                assert int(first[at]) == (start - date(1970, 1, 1)).days
            else:
                assert int(length[at]) == 0 and int(first[at]) == 0


@st.composite
def _ids(draw: Any) -> tuple[list[str], bool]:
    """Valid IDs over a few areas, dates and sequence numbers (so that some repeat), as a list or the reader's fixed column."""
    from shuangyong.testing import synthetic_id

    areas = draw(st.lists(st.sampled_from(["110101", "422827", "451422", "659001", "110102"]), min_size=1, max_size=3))
    days = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    seqs = draw(st.lists(st.integers(0, 999), min_size=1, max_size=3))
    n = draw(st.integers(0, 25))
    out = []
    for _ in range(n):
        born = date(1900, 1, 1) + timedelta(days=draw(st.sampled_from(days)) * 9131)
        out.append(synthetic_id(draw(st.sampled_from(areas)), born, draw(st.sampled_from(seqs))))
    return out, draw(st.booleans())


@settings(max_examples=200, deadline=None)
@given(_ids(), st.sets(st.integers(0, 30), max_size=4))
def test_repeats_key_is_exact(drawn: tuple[list[str], bool], problem_rows: set[int]) -> None:
    """Valid IDs only: ``repeats`` answers ``{}`` exactly when no two judged rows hold one ID (never "maybe")."""
    from shuangyong.roster.reading import FixedTextColumn, Roster

    ids, fixed = drawn
    cells: Any = FixedTextColumn("".join(ids), 18) if fixed and ids else ids
    roster = Roster(headers=["身份证号"], data={"身份证号": cells}, row_numbers=array("l", range(2, len(ids) + 2)))
    parsed = columns.Parsed(roster, None, np)
    problem = {i: ("x", "y") for i in problem_rows if i < len(ids)}
    judged = [v for i, v in enumerate(ids) if i not in problem]
    got = parsed.repeats(parsed.canonical_ids(), problem)
    assert got == ({} if len(set(judged)) == len(judged) else None)


_cells = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),  # any digits: impossible days, year 0, out of range
    st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
    st.dates(date(1840, 1, 1), date(2210, 12, 31)).map(date.isoformat),
    st.from_regex(r"[0-9０-９x/ -]{10}", fullmatch=True),  # ten characters of another kind, full-width digits
    st.dates().map(lambda d: d.strftime("%Y/%m/%d")),
    st.dates(),
    st.integers(0, 99999999),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_cells, max_size=30))
def test_iso_dates_claims_exactly_what_parse_date_reads_first(cells: list[Any]) -> None:
    """A claimed code's day is ``parse_date``'s answer; an unclaimed ISO-looking value is one ``parse_date`` does not take."""
    from shuangyong.errors import ShuangyongError
    from shuangyong.record import parse_date

    raw = [None, *cells]
    claimed, days = columns._iso_dates(np, raw)
    assert claimed == sorted(claimed) and len(claimed) == len(days)
    got = dict(zip(claimed, days.tolist()))
    for c in range(1, len(raw)):
        v = raw[c]
        try:
            want: date | None = parse_date(v, "enlisted")
        except (ShuangyongError, TypeError, ValueError, ArithmeticError):
            want = None
        if c in got:
            assert want is not None and got[c] == (want - date(1970, 1, 1)).days, v
        elif isinstance(v, str) and len(v) == 10 and v.isascii() and v[4] == v[7] == "-" and (v[:4] + v[5:7] + v[8:]).isdigit():
            assert want is None, v  # every readable date of this form is claimed


@settings(max_examples=100, deadline=None)
@given(st.lists(_cells, min_size=1, max_size=30))
def test_date_column_values_and_days_match_the_parser(cells: list[Any]) -> None:
    """A date column parsed with the array pre-read: the same values, failures and days as the parser alone."""
    from shuangyong.roster.columns import _Column, _parsers

    raw = [None, *dict.fromkeys(c if not isinstance(c, str) else c for c in cells)]
    codes = np.arange(len(raw), dtype=np.int32)
    parser = _parsers()["enlisted"]
    fast = _Column(np, codes, list(raw), parser, dates=True)
    plain = _Column(np, codes, list(raw), parser)
    assert [(type(v), v) for v in fast.values] == [(type(v), v) for v in plain.values]
    assert fast.bad.tolist() == plain.bad.tolist()
    if fast.days is not None:
        assert fast.days.tolist() == [pricing_absent() if v is None else (v - date(1970, 1, 1)).days for v in plain.values]


def pricing_absent() -> int:
    from shuangyong.roster.pricing import ABSENT

    return ABSENT


@pytest.mark.parametrize("size", [1, 2, 125, 126, 127, 128, 32765, 32766, 32767, 40000])
def test_code_type_leaves_room_for_one_more(size: int) -> None:
    kind = columns._code_type(np, size)
    assert np.iinfo(kind).max >= size  # codes 0..size - 1, and the one a given region appends
    assert kind == (np.int8 if size <= 126 else np.int16 if size <= 32766 else np.int32)


@pytest.mark.parametrize("distinct", [120, 125, 126, 127, 300])
def test_region_given_for_the_roster_fills_blank_cells_whatever_the_code_width(distinct: int) -> None:
    from shuangyong.roster.reading import Roster

    cells = [f"x{k}" for k in range(distinct)] + [None, ""]
    roster = Roster(headers=["行政区划代码"], data={"行政区划代码": cells}, row_numbers=array("l", range(2, len(cells) + 2)))
    parsed = columns.Parsed(roster, "422827", np)
    col = parsed.cols["region"]
    got = [col.raw[c] for c in col.codes.tolist()]
    assert got == [*cells[:distinct], "422827", "422827"]
