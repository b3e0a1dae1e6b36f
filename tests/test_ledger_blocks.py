"""Schema 3's pay blocks: a county's months written as blocks read back exactly as the same months written as rows.

The same story is told twice, once on the bulk road (a stretch of ≥ 32 new pay lines of one month, rule and seq is
one ``pay_block`` row) and once on the row road (an SQLite taken to have no ``json_each``: every line a row of
``line_row``).  Everything a reader can see must be equal: the view ``line`` row for row (line ids included), the
reversals, totals, a run's lines, the bank file and its return, ``arrears``, 补发, the audit and the county totals.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

import shuangyong as sy
from shuangyong import ledger
from shuangyong.ledger import book as book_mod
from shuangyong.ledger.audit import audit
from shuangyong.ledger.bank import import_bank_return, write_bank_file
from shuangyong.ledger.reports import county_totals
from shuangyong.testing import FixturePack, synthetic_id

RISE = Path(__file__).parent / "data" / "ledger" / "county_rise.toml"
PEOPLE = sorted(synthetic_id("422827", date(1930 + i % 60, 1 + i % 12, 1 + i % 28), 10 + i % 900) for i in range(100))


def record(idn: str, i: int) -> dict:
    return {"身份证号": idn, "姓名": f"测试{i}", "行政区划代码": "422827", "户籍": "城镇", "类别": "烈士遗属", "遗属类别": "烈士",
            "与军人关系": "父母", "银行账号": f"62220200{i:011d}"}


@pytest.fixture
def engine() -> sy.Engine:
    return sy.Engine(plugins=[FixturePack("county_rise", [], [RISE])])


def story(path: Path, engine: sy.Engine) -> dict:
    """Pay, return, reverse, repay (seq 1 in a block and as a row, seq 2), a death and a recovery, 补发, audit."""
    roster = [record(k, i) for i, k in enumerate(PEOPLE)]
    jul, aug, sep = (sy.Period.month(2025, m) for m in (7, 8, 9))
    out: dict = {}
    with ledger.open(path) as book:
        c = book.connection
        r1 = book.pay(engine, roster, jul, known_on=date(2025, 7, 10))
        r2 = book.pay(engine, roster[:60], aug, known_on=date(2025, 8, 10))  # August in two runs: 60, then the other 40
        r3 = book.pay(engine, roster, aug, known_on=date(2025, 8, 11))
        assert (r2.lines_paid, r3.lines_paid, r3.lines_already_paid) == (60, 40, 60)
        # The bank returns one July item; 40 August lines are reversed in error and repaid (seq 1), one of those again (seq 2).
        bank = path.parent / "bank.csv"
        batch = write_bank_file(book, r1.run_id, roster, bank)
        ret = path.parent / "return.csv"
        ret.write_text(f"流水号,结果,原因\n{batch.batch}-000010,失败,账户已销户\n", encoding="utf-8")
        out["return"] = import_bank_return(book, ret).lines_reversed
        assert book.reverse([i for k in PEOPLE[20:60] for i in book.find_lines(k, month="2025-08")], reason="错发冲正") == 40
        out["jul again"] = book.pay(engine, roster, jul, known_on=date(2025, 7, 20)).to_dict()
        out["aug again"] = book.pay(engine, roster, aug, known_on=date(2025, 8, 20)).to_dict()
        assert book.reverse(book.find_lines(PEOPLE[30], month="2025-08"), reason="错发冲正") == 1
        out["aug third"] = book.pay(engine, roster, aug, known_on=date(2025, 8, 21)).to_dict()
        # A death in July reported in September: August was overpaid; part of it recovered.
        book.record_death(PEOPLE[50], date(2025, 7, 5), reported_on=date(2025, 9, 2))
        book.record_recovery(PEOPLE[50], "survivor_pension", "2025-08", "1000.00")
        out["sep"] = book.pay(engine, roster, sep, known_on=date(2025, 9, 10)).to_dict()
        arr = book.arrears(engine, roster, through=sep)
        out["arrears"] = arr.summary()
        out["arrears paid"] = book.pay_arrears(engine, roster, through=sep).to_dict()
        out["line"] = c.execute("SELECT * FROM line ORDER BY id").fetchall()
        out["reversal"] = c.execute("SELECT id, line_id, run_id, reason, document FROM reversal ORDER BY id").fetchall()
        out["person"] = c.execute("SELECT * FROM person ORDER BY id").fetchall()
        out["totals"] = [(str(book.total_paid(p)), str(book.total_recovered(p))) for p in (jul, aug, sep)]
        out["run lines"] = [book.run_lines(r["id"]) for r in book.runs()]
        out["find"] = [book.find_lines(k, standing_only=s) for k in PEOPLE[28:32] for s in (True, False)]
        out["county"] = county_totals(book, sy.Period(jul.start, sep.end))
        rep = audit(book, engine, roster, as_of=date(2026, 1, 31))
        out["audit"] = (rep.ledger, [f.to_dict() for f in rep])
        out["bank"] = bank.read_bytes().split(b"\r\n", 2)[2]  # after the header with the day it was written
        out["blocks"] = c.execute("SELECT period, seq, first_id, lines FROM pay_block ORDER BY first_id").fetchall()
        out["rows"] = c.execute("SELECT count(*) FROM line_row").fetchone()[0]
    return out


def test_blocks_read_back_as_the_same_lines_as_rows(tmp_path, engine, monkeypatch):
    for road in ("bulk", "rows"):
        (tmp_path / road).mkdir()
    bulk = story(tmp_path / "bulk" / "county.db", engine)
    with monkeypatch.context() as m:
        m.setattr(book_mod, "has_json_each", lambda conn: False)
        rows = story(tmp_path / "rows" / "county.db", engine)
    assert rows["blocks"] == [] and rows["rows"] == len(rows["line"])
    # July (100), August's two runs (60 and 40) and its 40 repayments (seq 1), September: blocks; the rest rows.
    assert [(p, s, n) for p, s, _, n in bulk["blocks"]] == [("2025-07", 0, 100), ("2025-08", 0, 60), ("2025-08", 0, 40),
                                                            ("2025-08", 1, 40), ("2025-09", 0, 99)]
    assert bulk["rows"] == len(bulk["line"]) - 339
    for key in rows:
        if key not in ("blocks", "rows"):
            assert bulk[key] == rows[key], key
    ids = [ln[0] for ln in bulk["line"]]
    assert ids == list(range(1, len(ids) + 1))  # unique and contiguous across rows and blocks
    lines = {ln[0]: ln for ln in bulk["line"]}
    seqs = sorted(ln[6] for ln in bulk["line"] if ln[4] == "2025-08" and ln[5] == "pay" and ln[2] == lines[bulk["find"][4][0]][2])
    assert seqs == [0, 1, 2]  # PEOPLE[30]: paid, reversed, repaid in a block, reversed, repaid as a row
    assert bulk["return"] == 1 and bulk["arrears"]["overpaid_lines"] == 1
    # The July line the bank returned was a block line; its repayment is a row with seq 1, after the block's ids.
    assert (bulk["jul again"]["lines_paid"], bulk["jul again"]["lines_already_paid"]) == (1, 99)
    (returned,) = [ln for ln in bulk["line"] if ln[4] == "2025-07" and ln[6] == 1]
    (first,) = [ln for ln in bulk["line"] if ln[4] == "2025-07" and ln[6] == 0 and ln[2] == returned[2]]
    assert first[0] <= 100 < returned[0] and (first[0],) in [(r[1],) for r in bulk["reversal"]]


def test_blocks_without_numpy_read_back_the_same(tmp_path, engine, monkeypatch):
    """numpy is an optional extra: blocks are packed and read back with lists and bisection without it."""
    from shuangyong.ledger import arrears as arrears_mod

    for road in ("numpy", "lists"):
        (tmp_path / road).mkdir()
    with_np = story(tmp_path / "numpy" / "county.db", engine)
    with monkeypatch.context() as m:
        for mod in (book_mod, arrears_mod):
            m.setattr(mod, "numpy_or_none", lambda fast=None: None)
        without = story(tmp_path / "lists" / "county.db", engine)
    assert without["blocks"] == with_np["blocks"] != []
    for key in with_np:
        assert without[key] == with_np[key], key


def test_a_query_by_month_expands_only_that_months_blocks(tmp_path, engine):
    with ledger.open(tmp_path / "x.db") as book:
        roster = [record(k, i) for i, k in enumerate(PEOPLE)]
        for m in (7, 8):
            book.pay(engine, roster, sy.Period.month(2025, m), known_on=date(2025, m, 10))
        c = book.connection
        plan = " | ".join(r[3] for r in c.execute("EXPLAIN QUERY PLAN SELECT sum(amount_fen) FROM line WHERE period = ? AND rule = ?",
                                                  ("2025-08", "survivor_pension")))
        assert "SEARCH b USING INDEX pay_block_month" in plan and "SCAN b" not in plan
        assert c.execute("SELECT count(*), sum(amount_fen) FROM line WHERE period = '2025-08'").fetchone() == (100, 100 * 282167)


def test_two_books_paying_the_same_month_in_blocks_pay_each_line_once(tmp_path, engine):
    """The second book's pay runs after the first committed (the write lock): it reads the block and pays nothing."""
    roster = [record(k, i) for i, k in enumerate(PEOPLE)]
    p = tmp_path / "x.db"
    with ledger.open(p) as a, ledger.open(p) as b:
        first = a.pay(engine, roster[:50], sy.Period.month(2025, 7), known_on=date(2025, 7, 10))
        second = b.pay(engine, roster, sy.Period.month(2025, 7), known_on=date(2025, 7, 10))
        assert (first.lines_paid, second.lines_paid, second.lines_already_paid) == (50, 50, 50)
        c = sqlite3.connect(p)
        assert c.execute("SELECT count(*), count(DISTINCT person_id) FROM line").fetchone() == (100, 100)
        c.close()


def test_a_pay_looks_its_persons_up_in_the_person_table_as_the_map_would(tmp_path: Path, engine: sy.Engine,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Each month paid by a fresh book (as each `shuangyong pay` is): with the person index (any month, here) and
    # with the map (no month), the same persons get the same ids and the same lines are paid.
    roster = [record(k, i) for i, k in enumerate(PEOPLE)]
    extra = [record(synthetic_id("422827", date(1950, 1, 1) + timedelta(days=i), 500 + i), 200 + i) for i in range(40)]
    months = [sy.Period.month(2025, m) for m in (7, 8, 9, 10)]
    rosters = [roster[:70], roster, roster + extra[:5], roster + extra]  # new persons: 70, 30, 5 (a few), 35 (a batch)

    def tell(db: Path, index_min: int) -> tuple[list, list, list]:
        monkeypatch.setattr(book_mod, "_INDEX_MIN", index_min)
        looked: list[bool] = []
        real = book_mod.Book._person_index

        def spy(self: book_mod.Book, np: object) -> object:
            looked.append(True)
            return real(self, np)

        monkeypatch.setattr(book_mod.Book, "_person_index", spy)
        for m, r in zip(months, rosters):
            with ledger.open(db) as book:
                book.pay(engine, r, m, known_on=date(2025, 11, 1))
        with ledger.open(db) as book:
            c = book.connection
            people = c.execute("SELECT id, id_number FROM person ORDER BY id").fetchall()
            lines = c.execute("SELECT id, person_id, rule, period, seq, amount_fen FROM line ORDER BY id").fetchall()
        return people, lines, looked

    by_index = tell(tmp_path / "index.db", 1)
    by_map = tell(tmp_path / "map.db", 10**9)
    assert by_index[2] == [True] * len(months) and by_map[2] == []
    assert by_index[:2] == by_map[:2]
    assert len(by_index[0]) == len(PEOPLE) + len(extra)


@pytest.mark.parametrize("keep", [100, 80])  # the whole roster, and one without 20 persons the ledger has paid
def test_arrears_looks_its_persons_up_in_the_person_table_as_the_map_would(tmp_path: Path, engine: sy.Engine,
                                                                          monkeypatch: pytest.MonkeyPatch, keep: int) -> None:
    from shuangyong.ledger import arrears as arrears_mod

    db = tmp_path / "county.db"
    story(db, engine)
    roster = [record(k, i) for i, k in enumerate(PEOPLE)][:keep]
    sep = sy.Period.month(2025, 9)
    seen = {}
    looked: list[int] = []
    real = book_mod.Book._person_index
    monkeypatch.setattr(book_mod.Book, "_person_index", lambda self, np: looked.append(1) or real(self, np))
    for index_min in (1, 10**9):
        monkeypatch.setattr(arrears_mod, "_INDEX_MIN", index_min)
        with ledger.open(db) as book:  # a fresh book, as an `arrears` from the command line
            seen[index_min] = book.arrears(engine, roster, through=sep).summary()
    assert looked == [1]  # the index once (first), the map the second time
    assert seen[1] == seen[10**9]
    assert seen[1]["lines"] and (keep == 100 or seen[1]["persons_not_on_roster"] > 0)
