"""Ledger schema migrations and the bulk pay-once check.

``V1_FILE`` is the SQL dump (``sqlite3 .dump``) of a ledger written by the library at schema
version 1 (commit 5ed295f): three persons paid June–August, a bank file whose return reversed one
line (paid again with seq 1), a death and a suspension, a half-year run, 补发 and a recovery.  Only
``run.parameters`` was shortened to ``[]`` to keep this file readable (no migration reads it).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import shuangyong as sy
from shuangyong import ledger
from shuangyong.ledger import store
from shuangyong.testing import FixturePack, synthetic_id

RISE = Path(__file__).parent / "data" / "ledger" / "county_rise.toml"
TABLES = ("person", "run", "line", "reversal", "event", "bank_file", "bank_item", "bank_return")

V1_FILE = """\
BEGIN TRANSACTION;
CREATE TABLE bank_file (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES run(id),
    format TEXT NOT NULL,
    batch TEXT NOT NULL UNIQUE,
    items INTEGER NOT NULL,
    total_fen INTEGER NOT NULL,
    written_at TEXT NOT NULL
);
INSERT INTO "bank_file" VALUES(1,3,'generic','R000003-01',3,846501,'2026-12-03T12:21:55+00:00');
CREATE TABLE bank_item (
    bank_file_id INTEGER NOT NULL REFERENCES bank_file(id),
    seq INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES person(id),
    amount_fen INTEGER NOT NULL,
    PRIMARY KEY (bank_file_id, seq)
);
INSERT INTO "bank_item" VALUES(1,1,1,282167);
INSERT INTO "bank_item" VALUES(1,2,2,282167);
INSERT INTO "bank_item" VALUES(1,3,3,282167);
CREATE TABLE bank_return (
    id INTEGER PRIMARY KEY,
    bank_file_id INTEGER NOT NULL REFERENCES bank_file(id),
    item TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (bank_file_id, item)
);
INSERT INTO "bank_return" VALUES(1,1,'R000003-01-000002','账户已销户','2026-12-03T12:21:55+00:00');
CREATE TABLE event (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES person(id),
    kind TEXT NOT NULL CHECK (kind IN ('death', 'suspension', 'resumption')),
    on_date TEXT NOT NULL,
    reported_on TEXT NOT NULL,
    document TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    back_pay INTEGER NOT NULL DEFAULT 0,
    recorded_at TEXT NOT NULL
);
INSERT INTO "event" VALUES(1,1,'death','2025-07-03','2025-08-20','死亡医学证明','死亡',0,'2026-12-03T12:21:55+00:00');
INSERT INTO "event" VALUES(2,3,'suspension','2025-09-20','2026-12-03','','未按期生存认证',0,'2026-12-03T12:21:55+00:00');
CREATE TABLE line (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES run(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    rule TEXT NOT NULL,
    period TEXT NOT NULL,                     -- always a month, YYYY-MM
    kind TEXT NOT NULL CHECK (kind IN ('pay', 'arrears', 'recovery')),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    amount_fen INTEGER NOT NULL,
    cause TEXT NOT NULL DEFAULT ''
);
INSERT INTO "line" VALUES(1,1,1,'survivor_pension','2025-06','pay',0,282167,'');
INSERT INTO "line" VALUES(2,1,2,'survivor_pension','2025-06','pay',0,282167,'');
INSERT INTO "line" VALUES(3,1,3,'survivor_pension','2025-06','pay',0,282167,'');
INSERT INTO "line" VALUES(4,2,1,'survivor_pension','2025-07','pay',0,282167,'');
INSERT INTO "line" VALUES(5,2,2,'survivor_pension','2025-07','pay',0,282167,'');
INSERT INTO "line" VALUES(6,2,3,'survivor_pension','2025-07','pay',0,282167,'');
INSERT INTO "line" VALUES(7,3,1,'survivor_pension','2025-08','pay',0,282167,'');
INSERT INTO "line" VALUES(8,3,2,'survivor_pension','2025-08','pay',0,282167,'');
INSERT INTO "line" VALUES(9,3,3,'survivor_pension','2025-08','pay',0,282167,'');
INSERT INTO "line" VALUES(10,5,2,'survivor_pension','2025-08','pay',1,282167,'');
INSERT INTO "line" VALUES(11,5,2,'survivor_pension','2025-09','pay',0,282167,'');
INSERT INTO "line" VALUES(12,5,3,'survivor_pension','2025-09','pay',0,282167,'');
INSERT INTO "line" VALUES(13,5,2,'survivor_pension','2025-10','pay',0,282167,'');
INSERT INTO "line" VALUES(14,6,2,'survivor_pension','2025-08','arrears',0,17833,'标准调整：参数 survivor_pension.martyr 自2025-08-01起由 33860 调整为 36000（测试用调标通知（2025年） 测退役〔2025〕1号 [assumption]，2025-10-20公布；发放时按2025-10-12已知标准计发）');
INSERT INTO "line" VALUES(15,6,2,'survivor_pension','2025-09','arrears',0,17833,'标准调整：参数 survivor_pension.martyr 自2025-08-01起由 33860 调整为 36000（测试用调标通知（2025年） 测退役〔2025〕1号 [assumption]，2025-10-20公布；发放时按2025-10-12已知标准计发）');
INSERT INTO "line" VALUES(16,6,2,'survivor_pension','2025-10','arrears',0,17833,'标准调整：参数 survivor_pension.martyr 自2025-08-01起由 33860 调整为 36000（测试用调标通知（2025年） 测退役〔2025〕1号 [assumption]，2025-10-20公布；发放时按2025-10-12已知标准计发）');
INSERT INTO "line" VALUES(17,6,3,'survivor_pension','2025-08','arrears',0,17833,'标准调整：参数 survivor_pension.martyr 自2025-08-01起由 33860 调整为 36000（测试用调标通知（2025年） 测退役〔2025〕1号 [assumption]，2025-10-20公布；发放时按2025-08-10已知标准计发）');
INSERT INTO "line" VALUES(18,6,3,'survivor_pension','2025-09','arrears',0,17833,'标准调整：参数 survivor_pension.martyr 自2025-08-01起由 33860 调整为 36000（测试用调标通知（2025年） 测退役〔2025〕1号 [assumption]，2025-10-20公布；发放时按2025-10-12已知标准计发）');
INSERT INTO "line" VALUES(19,7,1,'survivor_pension','2025-08','recovery',0,-10000,'追缴：退回（退回）');
CREATE TABLE migration (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, library TEXT NOT NULL);
INSERT INTO "migration" VALUES(1,'2026-12-03T12:21:55+00:00','0.1.0');
CREATE TABLE person (
    id INTEGER PRIMARY KEY,
    id_number TEXT NOT NULL UNIQUE            -- canonical 18-character 身份证号 (personal data)
);
INSERT INTO "person" VALUES(1,'422827194903020312');
INSERT INTO "person" VALUES(2,'422827195707140207');
INSERT INTO "person" VALUES(3,'422827200207290181');
CREATE TABLE reversal (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL UNIQUE REFERENCES line(id),
    run_id INTEGER NOT NULL REFERENCES run(id),
    reason TEXT NOT NULL CHECK (length(reason) > 0),
    document TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);
INSERT INTO "reversal" VALUES(1,8,4,'银行退回：账户已销户','ret.csv R000003-01-000002','2026-12-03T12:21:55+00:00');
CREATE TABLE run (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('pay', 'arrears', 'recovery', 'reversal')),
    period TEXT NOT NULL,                     -- label of the period run: 2025-08, 2025, 2025-07-01..2025-12-31
    jurisdiction TEXT NOT NULL DEFAULT '',
    known_on TEXT NOT NULL,                   -- the day whose parameter knowledge priced the run
    engine_version TEXT NOT NULL DEFAULT '',
    packs TEXT NOT NULL DEFAULT '[]',         -- JSON: [{"name", "version"}]
    parameters TEXT NOT NULL DEFAULT '[]',    -- JSON: parameter values the rules could use, with sources
    operator TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    lines INTEGER NOT NULL,
    total_fen INTEGER NOT NULL,
    rejects TEXT NOT NULL DEFAULT '[]',       -- JSON: masked rejects of the roster run
    note TEXT NOT NULL DEFAULT ''
);
INSERT INTO "run" VALUES(1,'pay','2025-06','','2025-06-10','0.1.0','[{"name": "national", "version": "0.1.0"}, {"name": "county_rise", "version": "0"}]','[]','','2026-12-03T12:21:55+00:00','records',3,846501,'[]','');
INSERT INTO "run" VALUES(2,'pay','2025-07','','2025-07-10','0.1.0','[{"name": "national", "version": "0.1.0"}, {"name": "county_rise", "version": "0"}]','[]','','2026-12-03T12:21:55+00:00','records',3,846501,'[]','');
INSERT INTO "run" VALUES(3,'pay','2025-08','','2025-08-10','0.1.0','[{"name": "national", "version": "0.1.0"}, {"name": "county_rise", "version": "0"}]','[]','','2026-12-03T12:21:55+00:00','records',3,846501,'[]','');
INSERT INTO "run" VALUES(4,'reversal','2025-08','','2026-12-03','','[]','[]','','2026-12-03T12:21:55+00:00','',1,-282167,'[]','银行退回：账户已销户');
INSERT INTO "run" VALUES(5,'pay','2025-08-01..2025-10-31','','2025-10-12','0.1.0','[{"name": "national", "version": "0.1.0"}, {"name": "county_rise", "version": "0"}]','[]','','2026-12-03T12:21:55+00:00','records',4,1128668,'[]','');
INSERT INTO "run" VALUES(6,'arrears','2025-08-01..2025-10-31','','2026-12-03','0.1.0','[{"name": "national", "version": "0.1.0"}, {"name": "county_rise", "version": "0"}]','[]','','2026-12-03T12:21:55+00:00','records',5,89165,'[]','');
INSERT INTO "run" VALUES(7,'recovery','2025-08','','2026-12-03','','[]','[]','','2026-12-03T12:21:55+00:00','',1,-10000,'[]','追缴：退回（退回）');
CREATE UNIQUE INDEX line_once ON line (period, rule, person_id, kind, seq);
CREATE INDEX event_person ON event (person_id);
CREATE TRIGGER line_pay_once BEFORE INSERT ON line
WHEN NEW.kind = 'pay' AND EXISTS (
    SELECT 1 FROM line l WHERE l.period = NEW.period AND l.rule = NEW.rule AND l.person_id = NEW.person_id
    AND l.kind = 'pay' AND NOT EXISTS (SELECT 1 FROM reversal r WHERE r.line_id = l.id))
BEGIN SELECT RAISE(ABORT, 'ledger: this (person, rule, month) is already paid'); END;
CREATE TRIGGER run_no_update BEFORE UPDATE ON run BEGIN SELECT RAISE(ABORT, 'ledger table run is append-only: record a correction instead'); END;
CREATE TRIGGER run_no_delete BEFORE DELETE ON run BEGIN SELECT RAISE(ABORT, 'ledger table run is append-only: record a reversal instead'); END;
CREATE TRIGGER line_no_update BEFORE UPDATE ON line BEGIN SELECT RAISE(ABORT, 'ledger table line is append-only: record a correction instead'); END;
CREATE TRIGGER line_no_delete BEFORE DELETE ON line BEGIN SELECT RAISE(ABORT, 'ledger table line is append-only: record a reversal instead'); END;
CREATE TRIGGER reversal_no_update BEFORE UPDATE ON reversal BEGIN SELECT RAISE(ABORT, 'ledger table reversal is append-only: record a correction instead'); END;
CREATE TRIGGER reversal_no_delete BEFORE DELETE ON reversal BEGIN SELECT RAISE(ABORT, 'ledger table reversal is append-only: record a reversal instead'); END;
CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'ledger table event is append-only: record a correction instead'); END;
CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'ledger table event is append-only: record a reversal instead'); END;
CREATE TRIGGER person_no_update BEFORE UPDATE ON person BEGIN SELECT RAISE(ABORT, 'ledger table person is append-only: record a correction instead'); END;
CREATE TRIGGER person_no_delete BEFORE DELETE ON person BEGIN SELECT RAISE(ABORT, 'ledger table person is append-only: record a reversal instead'); END;
CREATE TRIGGER bank_file_no_update BEFORE UPDATE ON bank_file BEGIN SELECT RAISE(ABORT, 'ledger table bank_file is append-only: record a correction instead'); END;
CREATE TRIGGER bank_file_no_delete BEFORE DELETE ON bank_file BEGIN SELECT RAISE(ABORT, 'ledger table bank_file is append-only: record a reversal instead'); END;
CREATE TRIGGER bank_item_no_update BEFORE UPDATE ON bank_item BEGIN SELECT RAISE(ABORT, 'ledger table bank_item is append-only: record a correction instead'); END;
CREATE TRIGGER bank_item_no_delete BEFORE DELETE ON bank_item BEGIN SELECT RAISE(ABORT, 'ledger table bank_item is append-only: record a reversal instead'); END;
CREATE TRIGGER bank_return_no_update BEFORE UPDATE ON bank_return BEGIN SELECT RAISE(ABORT, 'ledger table bank_return is append-only: record a correction instead'); END;
CREATE TRIGGER bank_return_no_delete BEFORE DELETE ON bank_return BEGIN SELECT RAISE(ABORT, 'ledger table bank_return is append-only: record a reversal instead'); END;
COMMIT;
"""


def v1_ledger(path: Path, *extra: str) -> Path:
    """Write ``V1_FILE`` (plus ``extra`` statements, run as version 1 allowed) as a ledger file at ``path``."""
    c = sqlite3.connect(path, isolation_level=None)
    c.executescript(V1_FILE)
    for sql in extra:
        c.execute(sql)
    c.close()
    return path


def rows(path: Path) -> dict[str, list[tuple]]:
    c = sqlite3.connect(path)
    try:
        return {t: c.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}
    finally:
        c.close()


def schema(c: sqlite3.Connection) -> list[tuple]:
    return c.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name != 'sqlite_sequence' ORDER BY type, name").fetchall()


@pytest.fixture
def engine() -> sy.Engine:
    return sy.Engine(plugins=[FixturePack("county_rise", [], [RISE])])


def record(idn: str) -> dict:
    return {"身份证号": idn, "姓名": "测试人员", "行政区划代码": "422827", "户籍": "城镇", "类别": "烈士遗属", "遗属类别": "烈士",
            "与军人关系": "父母"}


def test_a_version_1_file_migrates_forward_keeping_every_row(tmp_path):
    p = v1_ledger(tmp_path / "v1.db")
    before = rows(p)
    assert sqlite3.connect(p).execute("SELECT max(version) FROM migration").fetchone()[0] == 1
    with ledger.open(p) as book:
        c = book.connection
        assert c.execute("SELECT max(version) FROM migration").fetchone()[0] == store.SCHEMA_VERSION == 3
        assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The same schema as a file created by this version.
        with ledger.open(tmp_path / "new.db") as fresh:
            assert schema(c) == schema(fresh.connection)
    assert rows(p) == before
    with ledger.open(p) as book:  # opening again migrates nothing
        assert book.connection.execute("SELECT count(*) FROM migration").fetchone()[0] == 3


def test_a_migrated_file_keeps_paying_each_line_once(tmp_path, engine):
    p = v1_ledger(tmp_path / "v1.db")
    with ledger.open(p) as book:
        c = book.connection
        ids = dict(c.execute("SELECT id_number, id FROM person"))
        roster = [record(k) for k in sorted(ids)]
        paid_before = book.total_paid(sy.Period(date(2025, 6, 1), date(2025, 11, 1)))
        again = book.pay(engine, roster, sy.Period(date(2025, 6, 1), date(2025, 11, 1)), known_on=date(2025, 10, 12))
        assert again.noop and book.total_paid(sy.Period(date(2025, 6, 1), date(2025, 11, 1))) == paid_before
        # Line 10 is the repayment (seq 1) of line 8, which the bank returned: a third pay line is refused …
        key = c.execute("SELECT run_id, person_id, rule, period FROM line WHERE id = 10").fetchone()
        for seq in (0, 1, 2):
            with pytest.raises(sqlite3.IntegrityError):
                c.execute("INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (?,?,?,?,'pay',?,1)", (*key, seq))
        # … until line 10 is reversed too; then the next pay pays it once more, with seq 2.
        assert book.reverse([10], reason="错发冲正") == 1
        run = book.pay(engine, roster, sy.Period.month(2025, 8), known_on=date(2025, 10, 12))
        assert (run.lines_paid, run.lines_already_paid, run.withheld) == (1, 1, 1)  # the third person died in July
        assert c.execute("SELECT seq FROM line WHERE run_id = ?", (run.run_id,)).fetchall() == [(2,)]
        nov = book.pay(engine, roster, sy.Period.month(2025, 11), known_on=date(2025, 11, 12))
        assert nov.lines_paid == 1  # the dead person's line withheld, the suspended one too
        assert (nov.withheld, nov.lines_already_paid) == (2, 0)
        assert c.execute("SELECT max(id) FROM person").fetchone()[0] == 3


def test_a_version_1_file_with_a_pay_line_out_of_sequence_is_not_migrated(tmp_path):
    # Raw SQL could put a pay line with seq 3 and no earlier line into a version-1 file (its trigger
    # only asked for no standing line); version 2's trigger relies on the sequence, so it refuses.
    p = v1_ledger(tmp_path / "v1.db", "INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen) "
                                      "VALUES (1, 1, 'survivor_pension', '2024-12', 'pay', 3, 100)")
    before = rows(p)
    with pytest.raises(ledger.LedgerError, match="not reversed"):
        ledger.open(p)
    assert rows(p) == before
    c = sqlite3.connect(p)
    assert c.execute("SELECT max(version) FROM migration").fetchone()[0] == 1
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 0  # a plain connection: nothing left switched on
    c.close()


def test_the_trigger_lets_a_pay_line_follow_only_a_reversed_one(tmp_path, engine):
    a = synthetic_id("422827", "1957-07-14", 20)
    with ledger.open(tmp_path / "x.db") as book:
        book.pay(engine, [record(a)], sy.Period.month(2025, 1), known_on=date(2025, 1, 1))
        c = book.connection
        run_id, pid, rule = c.execute("SELECT run_id, person_id, rule FROM line").fetchone()
        ins = "INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (?,?,?,?,'pay',?,100)"
        for month, seq in (("2025-01", 1), ("2025-02", 1), ("2025-02", 5)):  # after a standing line; without a line 0
            with pytest.raises(sqlite3.IntegrityError, match="already paid"):
                c.execute(ins, (run_id, pid, rule, month, seq))
        c.execute(ins, (run_id, pid, rule, "2025-02", 0))  # a first line needs nothing but the unique index
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            c.execute(ins, (run_id, pid, rule, "2025-02", 0))
        # Other kinds are numbered freely under the unique index.
        c.execute("INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (?,?,?,?,'arrears',4,100)",
                  (run_id, pid, rule, "2025-02"))
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            c.execute("INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (?,?,?,?,'gift',0,100)",
                      (run_id, pid, rule, "2025-02"))


@pytest.mark.parametrize("fast", [None, False])
def test_pay_after_a_partial_payment_of_the_month_pays_only_the_rest(tmp_path, engine, fast):
    people = [synthetic_id("422827", date(1950 + i, 1 + i % 12, 1 + i % 28), 10 + i) for i in range(12)]
    roster = [record(k) for k in people]
    month = sy.Period.month(2025, 3)
    with ledger.open(tmp_path / "x.db") as book:
        first = book.pay(engine, roster[3:8], month, known_on=date(2025, 3, 1), fast=fast)
        assert (first.lines_paid, first.lines_already_paid) == (5, 0)
        # One of the five comes back from the bank: unpaid again.
        (back,) = book.find_lines(people[5], month="2025-03")
        assert book.reverse([back], reason="银行退回") == 1
        book.record_death(people[0], date(2025, 1, 10))
        full = book.pay(engine, roster, month, known_on=date(2025, 3, 1), fast=fast)
        assert (full.lines_paid, full.lines_already_paid, full.withheld) == (7, 4, 1)
        assert full.persons == 7 and full.total == first.total / 5 * 7
        c = book.connection
        got = c.execute("SELECT p.id_number, l.seq FROM line l JOIN person p ON p.id = l.person_id WHERE l.run_id = ? ORDER BY l.id",
                        (full.run_id,)).fetchall()
        # Inserted in the unique index's order (person id), the returned line with seq 1.
        pid = dict(c.execute("SELECT id_number, id FROM person"))
        assert [k for k, _ in got] == sorted((k for k in people[1:] if k not in people[3:5] + people[6:8]), key=pid.__getitem__)
        assert dict(got)[people[5]] == 1 and {s for k, s in got if k != people[5]} == {0}
        # Persons are numbered in ID order per run, continuing after those already there (the death's person included).
        assert sorted(pid.values()) == list(range(1, 13))
        assert [pid[k] for k in sorted(people[3:8])] == [1, 2, 3, 4, 5]
        assert book.total_paid(month) == full.total + first.total / 5 * 4
        assert book.pay(engine, roster, month, known_on=date(2025, 3, 1), fast=fast).lines_already_paid == 11


def test_mask_of_a_canonical_id_is_the_privacy_mask():
    """mask_id_number's shortcut for a canonical ID (the ledger masks one per arrears line) gives the text of its
    general road (a leading space takes that road)."""
    for idn in (synthetic_id("422827", "1957-07-14", 20), "42282719570714002X", "110101199003071234", "4228271957071", "x" * 18,
                "４２２８２７１９５７０７１４００２Ｘ"):
        assert sy.mask_id_number(idn) == sy.mask_id_number(" " + idn)


def _v2_ledger(path: Path, monkeypatch) -> Path:
    """``V1_FILE`` migrated to version 2 only (as the library of schema 2 would leave it), plus a month of 40 pay lines
    (one reversed) and a 补发 line written as that library wrote them: rows of ``line``."""
    v1_ledger(path)
    with monkeypatch.context() as m:
        m.setattr(store, "MIGRATIONS", store.MIGRATIONS[:2])
        m.setattr(store, "SCHEMA_VERSION", 2)
        c = store.connect(path)
    try:
        assert c.execute("SELECT max(version) FROM migration").fetchone()[0] == 2
        c.execute("BEGIN IMMEDIATE")
        ids = [synthetic_id("422827", date(1950 + i % 40, 1 + i % 12, 1 + i % 28), 100 + i) for i in range(37)]
        c.executemany("INSERT INTO person (id_number) VALUES (?)", [(k,) for k in sorted(ids)])
        c.execute("INSERT INTO run (kind, period, known_on, created_at, lines, total_fen) VALUES ('pay', '2025-11', '2025-11-10', 'x', 40, 11286680)")
        run = c.execute("SELECT max(id) FROM run").fetchone()[0]
        c.executemany("INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (?, ?, 'survivor_pension', '2025-11', 'pay', 0, 282167)",
                      [(run, pid) for pid in range(1, 41)])
        c.execute("INSERT INTO run (kind, period, known_on, created_at, lines, total_fen) VALUES ('reversal', '2025-11', '2025-11-20', 'x', 1, -282167)")
        rev_run = c.execute("SELECT max(id) FROM run").fetchone()[0]
        line5 = c.execute("SELECT id FROM line WHERE run_id = ? AND person_id = 5", (run,)).fetchone()[0]
        c.execute("INSERT INTO reversal (line_id, run_id, reason, recorded_at) VALUES (?, ?, '银行退回', 'x')", (line5, rev_run))
        c.execute("INSERT INTO run (kind, period, known_on, created_at, lines, total_fen) VALUES ('arrears', '2025-11', '2025-11-25', 'x', 1, 17833)")
        arr = c.execute("SELECT max(id) FROM run").fetchone()[0]
        c.execute("INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen, cause) "
                  "VALUES (?, 7, 'survivor_pension', '2025-11', 'arrears', 0, 17833, '记录更正')", (arr,))
        c.execute("COMMIT")
    finally:
        c.close()
    return path


def test_a_populated_version_2_file_migrates_to_3_keeping_rows_reversals_and_totals(tmp_path, engine, monkeypatch):
    p = _v2_ledger(tmp_path / "v2.db", monkeypatch)
    before = rows(p)
    c = sqlite3.connect(p)
    totals_sql = ("SELECT l.period, l.kind, coalesce(sum(l.amount_fen), 0), count(*) FROM line l LEFT JOIN reversal r ON r.line_id = l.id "
                  "WHERE r.id IS NULL GROUP BY 1, 2 ORDER BY 1, 2")
    totals = c.execute(totals_sql).fetchall()
    assert c.execute("SELECT type FROM sqlite_master WHERE name = 'line'").fetchone()[0] == "table"
    c.close()
    with ledger.open(p) as book:
        c = book.connection
        assert c.execute("SELECT max(version) FROM migration").fetchone()[0] == 3
        assert c.execute("SELECT type FROM sqlite_master WHERE name = 'line'").fetchone()[0] == "view"
        assert c.execute("SELECT count(*) FROM pay_block").fetchone()[0] == 0  # every old line stays a row
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute(totals_sql).fetchall() == totals
        with ledger.open(tmp_path / "new.db") as fresh:
            assert schema(c) == schema(fresh.connection)
        nov = sy.Period.month(2025, 11)
        paid = book.total_paid(nov)
        # The reversed line is paid again (seq 1, a row), the rest is not paid twice; the 补发 line still counts.
        ids = dict(c.execute("SELECT id_number, id FROM person"))
        roster = [record(k) for k in sorted(ids, key=ids.__getitem__)[3:]]  # the 37 persons added at version 2
        again = book.pay(engine, roster, nov, known_on=date(2025, 11, 12))
        assert (again.lines_paid, again.lines_already_paid) == (1, 36)
        assert again.total == Decimal("3000.00") and book.total_paid(nov) == paid + again.total  # priced after the rise
        top = c.execute("SELECT max(id) FROM line_row").fetchone()[0]
        # December for the 37: one block, numbered after every row line.
        dec = book.pay(engine, roster, sy.Period.month(2025, 12), known_on=date(2025, 12, 10))
        assert dec.lines_paid == 37
        assert c.execute("SELECT first_id, lines FROM pay_block").fetchall() == [(top + 1, 37)]
    after = rows(p)
    for t in TABLES:
        assert after[t][:len(before[t])] == before[t], t  # nothing old changed; only new rows after them


def test_raw_sql_through_the_view_keeps_the_rules_of_a_row(tmp_path, engine):
    people = sorted(synthetic_id("422827", date(1950 + i % 40, 1 + i % 12, 1 + i % 28), 10 + i) for i in range(40))
    with ledger.open(tmp_path / "x.db") as book:
        book.pay(engine, [record(k) for k in people], sy.Period.month(2025, 1), known_on=date(2025, 1, 1))
        c = book.connection
        (first, n), = c.execute("SELECT first_id, lines FROM pay_block").fetchall()
        assert (first, n) == (1, 40)
        run_id, pid, rule = c.execute("SELECT run_id, person_id, rule FROM line WHERE id = 7").fetchone()
        ins = "INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (?,?,?,?,'pay',?,100)"
        for seq in (0, 1, 2):  # the key's line stands in the block
            with pytest.raises(sqlite3.IntegrityError, match="already paid"):
                c.execute(ins, (run_id, pid, rule, "2025-01", seq))
        with pytest.raises(sqlite3.IntegrityError, match="pay block"):  # a row may not take a block's line id
            c.execute("INSERT INTO line_row (id, run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (20,?,?,?,'2025-02','pay',0,1)",
                      (run_id, pid, rule))
        with pytest.raises(sqlite3.IntegrityError, match="above every line id"):
            c.execute("INSERT INTO pay_block (run_id, rule, period, seq, first_id, lines, total_fen, items) VALUES (?,?,'2025-02',0,40,1,1,'[1]')",
                      (run_id, rule))
        with pytest.raises(sqlite3.IntegrityError, match="as many lines as it says"):  # its items would take ids past its range
            c.execute("INSERT INTO pay_block (run_id, rule, period, seq, first_id, lines, total_fen, items) VALUES (?,?,'2025-02',0,41,1,2,'[1,1]')",
                      (run_id, rule))
        with pytest.raises(sqlite3.IntegrityError, match="must name a line"):
            c.execute("INSERT INTO reversal (line_id, run_id, reason, recorded_at) VALUES (41, ?, 'x', 'x')", (run_id,))
        for sql in ("UPDATE pay_block SET total_fen = 0", "DELETE FROM pay_block", "UPDATE line SET amount_fen = 1", "DELETE FROM line"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                c.execute(sql)
        # A line written through the view without an id takes the next one above the block; the reversed block line's
        # key may then be paid again (seq 1), once.
        c.execute(ins, (run_id, pid, rule, "2025-02", 0))
        assert c.execute("SELECT max(id) FROM line").fetchone()[0] == 41
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            c.execute("DELETE FROM line_row")
        assert book.reverse([7], reason="银行退回") == 1
        c.execute(ins, (run_id, pid, rule, "2025-01", 1))
        with pytest.raises(sqlite3.IntegrityError):
            c.execute(ins, (run_id, pid, rule, "2025-01", 1))
        assert c.execute("SELECT count(*), count(DISTINCT id) FROM line").fetchone() == (42, 42)
