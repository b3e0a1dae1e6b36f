"""``Book.arrears`` on its two roads: the array road (differences as columns, causes said once per group of alike
lines, lines made when first read) gives exactly the lines of the exact per-line road (``fast=False``).

The roster is a CSV file (the array reader keeps its cells coded, which the grouping reads); each person meets one
of the fates below, so the lines carry every cause: a rise announced later, a record corrected, a death on the
roster and one recorded, a suspension, a resumption with back pay, a reversal, a person never paid, and persons
who left the roster (with and without a recorded death).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

import shuangyong as sy
from shuangyong import ledger
from shuangyong.ledger import arrears as arrears_module
from shuangyong.testing import FixturePack, synthetic_id

RISE = Path(__file__).parent / "data" / "ledger" / "county_rise.toml"
ENGINE = sy.Engine(plugins=[FixturePack("county_rise", [], [RISE])])
HEAD = ["身份证号", "姓名", "行政区划代码", "户籍", "类别", "遗属类别", "与军人关系", "伤残等级", "伤残性质", "死亡时间"]
FATES = ("rise", "grade", "roster_death", "recorded_death", "suspended", "resumed", "reversed", "new", "gone", "gone_dead",
         "bereaved")
THROUGH = sy.Period.month(2025, 10)


def _row(i: int, fate: str, corrected: bool) -> list[str]:
    idn = synthetic_id("422827", f"19{40 + i % 50}-0{1 + i % 9}-1{i % 10}", i % 1000)
    if fate == "grade":
        grade = str(1 + (i + (3 if corrected else 0)) % 10)
        return [idn, "测试", "422827", "农村", "残疾军人", "", "", grade, "因公", ""]
    if fate == "bereaved":
        return [idn, "测试", "422827", "城镇", "病故军人遗属", "病故", "配偶", "", "", ""]
    died = "2025-08-10" if fate == "roster_death" and corrected else ""
    return [idn, "测试", "422827", "城镇", "烈士遗属", "烈士", "父母", "", "", died]


def _write(path: Path, fates: list[str], corrected: bool) -> list[str]:
    ids = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEAD)
        for i, fate in enumerate(fates):
            row = _row(i, fate, corrected)
            ids.append(row[0])
            if (fate == "new" and not corrected) or (fate in ("gone", "gone_dead") and corrected):
                continue
            w.writerow(row)
    return ids


def _ledger(tmp: Path, fates: list[str]) -> tuple[Path, Path]:
    """A ledger paid June–October from the first roster with the fates' events; returns it and the corrected roster."""
    first, corrected = tmp / "roster.csv", tmp / "roster-corrected.csv"
    ids = _write(first, fates, False)
    _write(corrected, fates, True)
    with ledger.open(tmp / "county.db") as book:
        for i, fate in enumerate(fates):
            if fate == "resumed":
                book.suspend(ids[i], date(2025, 6, 30), reason="未参加年审")
        for m in range(6, 11):
            # Priced on the 15th (October too: before the rise's notice of the 20th), so the rise is owed.
            book.pay(ENGINE, first, sy.Period.month(2025, m), known_on=date(2025, m, 15))
        for i, fate in enumerate(fates):
            if fate in ("recorded_death", "gone_dead"):
                book.record_death(ids[i], date(2025, 8, 10), reported_on=date(2025, 10, 1))
            elif fate == "suspended":
                book.suspend(ids[i], date(2025, 7, 31), reason="未参加年审")
            elif fate == "resumed":
                book.resume(ids[i], date(2025, 9, 1), document="恢复发放通知", back_pay=True)
            elif fate == "reversed":
                lines = book.find_lines(ids[i], month="2025-08")
                if lines:
                    book.reverse(lines, reason="银行退回：账户已销户")
    return tmp / "county.db", corrected


def _view(arr: ledger.Arrears) -> dict:
    return {
        "lines": [(ln.person, ln.rule, ln.period, ln.month, ln.due, ln.paid, ln.difference, ln.amount, ln.kind, ln.cause, ln.cause_kind,
                   ln._id_number, ln.to_dict()) for ln in arr],
        "len": len(arr), "under": arr.underpaid_total, "over": arr.overpaid_total,
        "offers": [o.to_dict() for o in arr.offers], "not_on_roster": arr.not_on_roster, "summary": arr.summary(),
        "text": arr.text_lines(), "text_en": arr.text_lines("en", limit=3), "since": arr.since, "through": arr.through,
    }


def _both(db: Path, roster: Path | list[dict[str, str]], index_min: int, monkeypatch: pytest.MonkeyPatch) -> tuple[ledger.Arrears, ledger.Arrears]:
    monkeypatch.setattr(arrears_module, "_INDEX_MIN", index_min)
    # A fresh book each time: one whose person map was never read (the command line's) takes the person index.
    with ledger.open(db) as book:
        fast = book.arrears(ENGINE, roster, through=THROUGH)
    with ledger.open(db) as book:
        exact = book.arrears(ENGINE, roster, through=THROUGH, fast=False)
    return fast, exact


ALL = [f for f in FATES for _ in range(3)]


@pytest.mark.parametrize("index_min", [1, 10 ** 9], ids=["person index", "person map"])
def test_array_road_gives_the_exact_roads_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index_min: int) -> None:
    db, roster = _ledger(tmp_path, ALL)
    asked: list[str] = []
    said = arrears_module._Causes.cause
    monkeypatch.setattr(arrears_module._Causes, "cause", lambda self, idn, *a: asked.append(idn) or said(self, idn, *a))
    monkeypatch.setattr(arrears_module, "_INDEX_MIN", index_min)
    with ledger.open(db) as book:
        fast = book.arrears(ENGINE, roster, through=THROUGH)
    grouped, asked[:] = len(asked), []
    with ledger.open(db) as book:
        exact = book.arrears(ENGINE, roster, through=THROUGH, fast=False)
    assert fast._columns is not None and exact._columns is None  # the array road answered, not its fallback
    assert len(asked) == len(exact) > grouped  # causes asked once per group of alike lines, not once per line
    assert _view(fast) == _view(exact)
    kinds = {ln.cause_kind for ln in exact}
    assert kinds == {"parameter", "record", "death", "suspension", "unpaid", "resumption"}
    # Off the roster: the three gone, and the three gone after a recorded death (their months before it).
    assert any("银行退回" in ln.cause for ln in exact) and exact.offers and exact.not_on_roster == 6


def test_a_roster_of_records_gives_the_same_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, roster = _ledger(tmp_path, ALL)
    with roster.open(encoding="utf-8") as fh:
        records = [{k: v for k, v in r.items() if v} for r in csv.DictReader(fh)]  # cells not coded: the per-line causes
    fast, exact = _both(db, records, 1, monkeypatch)
    assert _view(fast) == _view(exact) and len(exact)


def test_lines_are_made_only_when_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, roster = _ledger(tmp_path, ALL)
    fast, exact = _both(db, roster, 1, monkeypatch)
    assert fast._lines is None
    assert (len(fast), fast.underpaid_total, fast.overpaid_total) == (len(exact), exact.underpaid_total, exact.overpaid_total)
    assert fast.text_lines(limit=2) == exact.text_lines(limit=2)
    assert fast._lines is None  # totals, counts and the first lines come from the columns
    assert [ln.to_dict() for ln in fast] == [ln.to_dict() for ln in exact]
    assert all("*" * 10 in ln.person and ln.person != ln._id_number for ln in fast)


def test_pay_arrears_is_the_same_from_either_road(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, roster = _ledger(tmp_path, ALL)
    monkeypatch.setattr(arrears_module, "_INDEX_MIN", 1)
    with ledger.open(db) as book:
        run = book.pay_arrears(ENGINE, roster, through=THROUGH)
        rows = book.run_lines(run.run_id)
    assert run.lines_paid == len(rows) > 0
    with ledger.open(db) as book:
        assert [ln.kind for ln in book.arrears(ENGINE, roster, through=THROUGH)].count("underpaid") == 0


def test_an_id_the_array_road_does_not_take_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, roster = _ledger(tmp_path, ALL)
    monkeypatch.setattr(arrears_module, "_id_codes", lambda keys, np: None)  # as if some ID were not canonical
    with ledger.open(db) as book:
        fast = book.arrears(ENGINE, roster, through=THROUGH)
    monkeypatch.undo()
    with ledger.open(db) as book:
        exact = book.arrears(ENGINE, roster, through=THROUGH, fast=False)
    assert fast._columns is None and _view(fast) == _view(exact)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fates=st.lists(st.sampled_from(FATES), min_size=1, max_size=14), index_min=st.sampled_from([1, 10 ** 9]))
def test_array_road_equals_exact_road_property(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                                               fates: list[str], index_min: int) -> None:
    tmp = tmp_path_factory.mktemp("arr")
    db, roster = _ledger(tmp, fates)
    fast, exact = _both(db, roster, index_min, monkeypatch)
    assert fast._columns is not None and _view(fast) == _view(exact)


@given(found=st.lists(st.integers(0, 40), max_size=30, unique=True), wide=st.booleans(),
       asked=st.lists(st.integers(0, 50), max_size=20))
def test_row_of_a_person_id_by_table_and_by_search(found: list[int], wide: bool, asked: list[int]) -> None:
    import numpy as np

    ids = [f * 10 ** 8 if wide else f for f in found]  # ids spread wide: looked up in the ids sorted
    row_of = arrears_module._RowOf(np.asarray(ids, dtype=np.int64), np)
    want = [ids.index(p) if p and p in ids else -1 for p in (a * 10 ** 8 if wide else a for a in asked)]
    got = row_of(np.asarray([a * 10 ** 8 if wide else a for a in asked], dtype=np.int64)).tolist()
    assert got == want and (row_of.table is None) == (wide and any(ids))  # (0: a row of no ledger person)


def test_the_person_index_is_kept_topped_up_and_read_again_when_persons_were_added(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from shuangyong.ledger import book as book_module

    monkeypatch.setattr(book_module, "_INDEX_MIN", 1)
    monkeypatch.setattr(arrears_module, "_INDEX_MIN", 1)
    first = tmp_path / "a.csv"
    _write(first, ALL[:20], False)
    _write(tmp_path / "b.csv", ALL, False)
    db = tmp_path / "county.db"

    def fresh() -> tuple:
        with ledger.open(db) as other:
            got = other._person_index(np)
        assert got is not None
        return got[0].tolist(), got[1].tolist()

    with ledger.open(db) as book:
        book.pay(ENGINE, first, sy.Period.month(2025, 6), known_on=date(2025, 6, 15))
        assert book._index is not None  # topped up with the pay's new persons, not read back
        kept = book._person_index(np)
        assert (kept[0].tolist(), kept[1].tolist()) == fresh()
        before = len(kept[0])
        book.pay(ENGINE, tmp_path / "b.csv", sy.Period.month(2025, 7), known_on=date(2025, 7, 15))  # more new persons
        kept = book._person_index(np)
        assert (kept[0].tolist(), kept[1].tolist()) == fresh() and len(kept[0]) > before
        before = len(kept[0])
        with ledger.open(db) as other:  # another writer adds a person: the kept index is read again
            other.suspend(synthetic_id("110101", "1950-01-01", 7), date(2025, 7, 1), reason="未参加年审")
        kept = book._person_index(np)
        assert (kept[0].tolist(), kept[1].tolist()) == fresh() and len(kept[0]) == before + 1
        with pytest.raises(RuntimeError):
            with book._write():
                book._index_added(kept, np.asarray([1], dtype=np.int64), 10 ** 6, np)
                raise RuntimeError("rolled back")
        assert book._index is None  # forgotten with the rollback
        fast = book.arrears(ENGINE, tmp_path / "b.csv", through=sy.Period.month(2025, 7))
    with ledger.open(db) as book:
        exact = book.arrears(ENGINE, tmp_path / "b.csv", through=sy.Period.month(2025, 7), fast=False)
    assert _view(fast) == _view(exact)


@given(values=st.lists(st.integers(-5, 5), max_size=20), spread=st.sampled_from([1, 10 ** 9]))
def test_distinct_values_ascending(values: list[int], spread: int) -> None:
    import numpy as np

    from shuangyong.roster.keys import distinct  # the ledger's distinct values (days, persons) come from here

    values = [x * spread for x in values]  # close together and spread wide
    assert distinct(np, np.asarray(values, dtype=np.int64))[0].tolist() == sorted(set(values))


def test_a_roster_without_region_and_death_columns_gives_the_same_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The region given to the call, no death-date column: the grouping reads absent cells as one value."""
    db, corrected = _ledger(tmp_path, ALL)
    bare = tmp_path / "bare.csv"
    with corrected.open(encoding="utf-8") as fh, bare.open("w", newline="", encoding="utf-8") as out:
        rows = list(csv.reader(fh))
        keep = [j for j, h in enumerate(rows[0]) if h not in ("行政区划代码", "死亡时间")]
        csv.writer(out).writerows([[r[j] for j in keep] for r in rows])
    monkeypatch.setattr(arrears_module, "_INDEX_MIN", 1)
    with ledger.open(db) as book:
        fast = book.arrears(ENGINE, bare, through=THROUGH, region="422827")
    with ledger.open(db) as book:
        exact = book.arrears(ENGINE, bare, through=THROUGH, region="422827", fast=False)
    assert fast._columns is not None and len(exact) and _view(fast) == _view(exact)


def test_a_several_month_pay_numbers_persons_on_the_index_as_on_the_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New persons met in several months of one pay (their bytes gathered month by month) get the map road's ids."""
    from shuangyong.ledger import book as book_module

    small, full = tmp_path / "small.csv", tmp_path / "full.csv"
    _write(small, ALL[:12], False)
    _write(full, ALL, True)

    def tell(db: Path, index_min: int) -> tuple[list, list]:
        monkeypatch.setattr(book_module, "_INDEX_MIN", index_min)
        with ledger.open(db) as book:
            book.pay(ENGINE, small, sy.Period(date(2025, 6, 1), date(2025, 8, 1)), known_on=date(2025, 7, 15))
            book.pay(ENGINE, full, sy.Period(date(2025, 6, 1), date(2025, 11, 1)), known_on=date(2025, 10, 25))
            c = book.connection
            return (c.execute("SELECT id, id_number FROM person ORDER BY id").fetchall(),
                    c.execute("SELECT id, person_id, rule, period, seq, amount_fen FROM line ORDER BY id").fetchall())

    by_index, by_map = tell(tmp_path / "index.db", 1), tell(tmp_path / "map.db", 10 ** 9)
    assert by_index == by_map and len(by_index[0]) > 12
