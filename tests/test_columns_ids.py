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
