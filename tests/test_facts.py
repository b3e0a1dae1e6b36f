"""The fact catalogue (shuangyong.facts.CATALOGUE): each scalar getter and its vector twin agree.

For random records, every fact of the catalogue computed over the rows by the columnar road's
``FactStore`` equals the scalar getter applied to the person ``Person.from_record`` builds.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong import facts, rules
from shuangyong.roster import columns
from shuangyong.roster import pricing
from shuangyong.roster.reading import read_roster

from conftest import make_id

np = pytest.importorskip("numpy")


@st.composite
def _record(draw: Any, i: int) -> dict[str, Any]:
    born = draw(st.one_of(st.dates(date(1930, 1, 1), date(2000, 12, 31)), st.sampled_from([date(1948, 2, 29), date(1960, 3, 1)])))
    rec: dict[str, Any] = {"id_number": make_id("422827", born, draw(st.integers(0, 499)) * 2 + 1 + i % 2), "region": draw(st.sampled_from(["422827", "110101"])),
                           "hukou": draw(st.sampled_from(["农村", "城镇", ""])),
                           "categories": draw(st.sampled_from(["", "残疾军人", "参战退役人员、残疾军人", "烈士遗属"]))}
    if draw(st.booleans()):
        enl = draw(st.dates(born + timedelta(days=365 * 17), born + timedelta(days=365 * 25)))
        rec.update(enlisted=enl.isoformat(), service_type=draw(st.sampled_from(["义务兵", "军士", "军官"])),
                   hardship=draw(st.sampled_from(["", "西藏"])), education=draw(st.sampled_from(["", "本科"])))
        if draw(st.booleans()):
            rec["discharged"] = draw(st.dates(enl + timedelta(days=1), enl + timedelta(days=365 * 20))).isoformat()
        if draw(st.booleans()):
            rec["conscript_years"] = str(draw(st.integers(0, 5)))
        rec["discharge_hukou"] = draw(st.sampled_from(["", "农村", "城镇"]))
    if "discharge_hukou" not in rec and draw(st.booleans()):
        rec["discharge_hukou"] = "农村"  # without a service record: the gate leaves the fact empty
    if draw(st.booleans()):
        rec.update(disability_grade=str(draw(st.integers(1, 10))), disability_cause=draw(st.sampled_from(["因战", "因公", "因病"])),
                   mental_disorder=draw(st.sampled_from(["", "是", "否"])))
        if draw(st.booleans()):
            rec["disability_date"] = draw(st.dates(date(1990, 1, 1), date(2024, 12, 31))).isoformat()
    if rec["categories"] == "烈士遗属":
        rec.update(survivor_of="烈士", relation=draw(st.sampled_from(["父母", "配偶", "子女"])))
        if draw(st.booleans()):
            rec["member_death_date"] = draw(st.dates(date(1980, 1, 1), date(2024, 12, 31))).isoformat()
    if draw(st.integers(0, 5)) == 0:
        rec["death_date"] = draw(st.dates(date(2024, 1, 1), date(2025, 6, 30))).isoformat()
    return rec


@st.composite
def _roster(draw: Any) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 12))
    recs = [draw(_record(i)) for i in range(n)]
    keys = sorted({k for r in recs for k in r})
    return [{k: r.get(k, "") for k in keys} for r in recs]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=_roster(), on=st.sampled_from([date(2024, 1, 1), date(2024, 8, 1), date(2013, 3, 1), date(2025, 2, 28)]))
def test_every_vector_getter_equals_its_scalar_twin(records: list[dict[str, Any]], on: date) -> None:
    roster = read_roster(records)
    parsed = columns.Parsed(roster, None, np)
    rows = parsed.fast_rows(set())
    store = columns.FactStore(parsed, rows)
    for k, i in enumerate(rows.tolist()):
        try:
            person = sy.Person.from_record(records[i])
        except sy.InvalidRecordError:
            continue  # a row the reference road rejects is not taken by the columnar road either (tested in test_batch)
        for name, fact in facts.CATALOGUE.items():
            want = fact.scalar(person, on)
            if fact.vector == "date":
                d = int(store.days(name)[k])
                got: Any = None if d == pricing.ABSENT else date.fromordinal(d + pricing.EPOCH)
                assert got == want, (name, records[i])
            code = int(store.codes(name, on)[k])
            got = store.table(name).values[code]
            if fact.kind == "set" or name in ("awards", "member_awards"):
                got, want = tuple(sorted(map(repr, got or ()))), tuple(sorted(map(repr, want or ())))
            assert got == want, (name, on, records[i], got, want)


def test_the_catalogue_is_the_one_home() -> None:
    # every derived table is the catalogue's, and a fact's kind is one of the documented ones
    assert set(facts.FACTS) == set(facts.CATALOGUE)
    assert {f.kind for f in facts.CATALOGUE.values()} <= {"fixed", "date", "dated", "set"}
    assert set(columns._DEPS) == set(facts.CATALOGUE)
    assert set(rules.EVENTS) == facts.EVENT_FACTS | {"awards"}
    assert pricing.DATE_FACTS is facts.DATE_FACTS
    for n, f in facts.CATALOGUE.items():
        assert (f.vector in ("column", "date")) == bool(f.column), n
        assert f.gate == "" or f.gate in f.columns, n


def test_the_pairing_sees_rows_of_every_kind() -> None:
    # A guard on the property above: the records it draws do take the columnar road.
    recs = [{"id_number": make_id("422827", date(1950, 1, 1), 11), "region": "422827", "enlisted": "1968-03-01", "discharged": "",
             "disability_grade": "6", "disability_cause": "因战", "disability_date": "2001-05-05", "categories": "残疾军人"}]
    parsed = columns.Parsed(read_roster(recs), None, np)
    rows = parsed.fast_rows(set())
    assert rows.tolist() == [0]
    store = columns.FactStore(parsed, rows)
    assert store.table("service_years").values[int(store.codes("service_years", date(2024, 8, 1))[0])] == 56
    assert store.table("age").values[int(store.codes("age", date(2024, 8, 1))[0])] == 74


def test_service_months_at_a_month_end_counts_as_the_reference_road_does() -> None:
    # Found by the pairing above: enlisted 30 March, priced 28 February — the per-person road
    # (ServiceRecord.service_months, dateutil's count) says 695 whole months; the arrays said 694.
    rec = {"id_number": make_id("422827", date(1949, 1, 1), 11), "region": "422827", "enlisted": "1967-03-30", "service_type": "义务兵"}
    parsed = columns.Parsed(read_roster([rec]), None, np)
    store = columns.FactStore(parsed, parsed.fast_rows(set()))
    on = date(2025, 2, 28)
    assert sy.Person.from_record(rec).service.service_months(on) == 695
    assert store.table("service_months").values[int(store.codes("service_months", on)[0])] == 695
