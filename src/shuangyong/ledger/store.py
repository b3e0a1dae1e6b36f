"""The ledger file: an SQLite schema with forward migrations, append-only by construction.

One file per office (``county.db``), opened in WAL mode so readers never block the
writer.  The schema version is the highest row of ``migration``; opening a file
whose version is newer than this library knows is refused (an older library must
not write into a newer layout).  Every table that holds money or events is
append-only: triggers refuse ``UPDATE`` and ``DELETE``, so a correction or a
reversal can only be a new row with its reason.

"Paid at most once": a payment line's key is (person, rule, month, kind, seq), where
``seq`` counts the earlier lines of that key and kind.  A ``pay`` line with ``seq`` 0
is the key's first; a ``pay`` line with ``seq`` n > 0 may follow only a reversed line
n − 1.  By induction the ``pay`` lines of a key are 0, 1, …, n with all but the last
reversed: at most one stands.  (Version 1 ran the trigger's lookup for every line;
version 2 runs it only for the rare repayment after a reversal.)

Since version 3 a bulk pay stores its lines packed, one ``pay_block`` row per
(run, month, rule, seq) stretch, and ``line`` is a view of the row lines
(``line_row``) and the blocks.  For row lines the unique index and the trigger
still enforce the rule whoever writes; SQL inserting into the view ``line`` is
checked against the blocks too.  What a block holds is checked by the library:
``Book.pay`` reads what is paid and writes the rest inside one ``BEGIN IMMEDIATE``
transaction, so two processes racing to pay the same month cannot both pay a line.
docs/ledger.md ("Paid at most once") says which guard is whose.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import ShuangyongError

__all__ = ["LedgerError", "SCHEMA_VERSION", "RUN_LINES", "connect", "now_text", "has_json_each"]


class LedgerError(ShuangyongError):
    """A ledger file or ledger operation was refused (the message says which and why)."""


# Forward migrations, in order: MIGRATIONS[i] takes a file from version i to i + 1.
_APPEND_ONLY = ("run", "line", "reversal", "event", "person", "bank_file", "bank_item", "bank_return", "migration")


def _guards(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: record a correction instead'); END;\n"
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: record a reversal instead'); END;\n"
    )


_V1 = """
CREATE TABLE person (
    id INTEGER PRIMARY KEY,
    id_number TEXT NOT NULL UNIQUE            -- canonical 18-character 身份证号 (personal data)
);
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
CREATE UNIQUE INDEX line_once ON line (period, rule, person_id, kind, seq);  -- also serves lookups by month
CREATE TABLE reversal (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL UNIQUE REFERENCES line(id),
    run_id INTEGER NOT NULL REFERENCES run(id),
    reason TEXT NOT NULL CHECK (length(reason) > 0),
    document TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);
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
CREATE INDEX event_person ON event (person_id);
CREATE TABLE bank_file (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES run(id),
    format TEXT NOT NULL,
    batch TEXT NOT NULL UNIQUE,
    items INTEGER NOT NULL,
    total_fen INTEGER NOT NULL,
    written_at TEXT NOT NULL
);
CREATE TABLE bank_item (
    bank_file_id INTEGER NOT NULL REFERENCES bank_file(id),
    seq INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES person(id),
    amount_fen INTEGER NOT NULL,
    PRIMARY KEY (bank_file_id, seq)
);
CREATE TABLE bank_return (
    id INTEGER PRIMARY KEY,
    bank_file_id INTEGER NOT NULL REFERENCES bank_file(id),
    item TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (bank_file_id, item)
);
CREATE TRIGGER line_pay_once BEFORE INSERT ON line
WHEN NEW.kind = 'pay' AND EXISTS (
    SELECT 1 FROM line l WHERE l.period = NEW.period AND l.rule = NEW.rule AND l.person_id = NEW.person_id
    AND l.kind = 'pay' AND NOT EXISTS (SELECT 1 FROM reversal r WHERE r.line_id = l.id))
BEGIN SELECT RAISE(ABORT, 'ledger: this (person, rule, month) is already paid'); END;
""" + "".join(_guards(t) for t in _APPEND_ONLY if t != "migration")

# Version 2: the line table rebuilt with the same columns and rows (SQLite's documented
# "make other kinds of table schema changes" procedure, foreign keys off while it runs and
# checked before commit).  Two changes, both for the cost of inserting a line:
#  * the kind check is spelled as comparisons: an ``IN (…)`` list in a CHECK builds a
#    temporary table for every row inserted (about 4 µs a line);
#  * ``line_pay_once`` looks up the key only for a ``pay`` line with seq > 0 (a repayment
#    after a reversal) and requires line seq − 1 of the key to be reversed; seq 0 is left
#    to the unique index.  Files written by version 1 satisfy this (``_V2_CHECK``).
_LINE_V2 = """
CREATE TABLE line_v2 (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES run(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    rule TEXT NOT NULL,
    period TEXT NOT NULL,                     -- always a month, YYYY-MM
    kind TEXT NOT NULL CHECK (kind = 'pay' OR kind = 'arrears' OR kind = 'recovery'),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    amount_fen INTEGER NOT NULL,
    cause TEXT NOT NULL DEFAULT ''
);
INSERT INTO line_v2 (id, run_id, person_id, rule, period, kind, seq, amount_fen, cause)
    SELECT id, run_id, person_id, rule, period, kind, seq, amount_fen, cause FROM line ORDER BY id;
DROP TABLE line;
ALTER TABLE line_v2 RENAME TO line;
CREATE UNIQUE INDEX line_once ON line (period, rule, person_id, kind, seq);  -- also serves lookups by month
CREATE TRIGGER line_pay_once BEFORE INSERT ON line
WHEN NEW.kind = 'pay' AND NEW.seq > 0 AND NOT EXISTS (
    SELECT 1 FROM line l JOIN reversal r ON r.line_id = l.id WHERE l.period = NEW.period AND l.rule = NEW.rule
    AND l.person_id = NEW.person_id AND l.kind = 'pay' AND l.seq = NEW.seq - 1)
BEGIN SELECT RAISE(ABORT, 'ledger: this (person, rule, month) is already paid (a pay line may follow only a reversed one)'); END;
""" + _guards("line")

#: Run before version 2's rebuild: pay lines that break its induction (a seq > 0 whose seq − 1
#: is missing or stands).  The library never writes such lines; raw SQL into a version-1 file could.
_V2_CHECK = ("SELECT count(*) FROM line l WHERE l.kind = 'pay' AND l.seq > 0 AND NOT EXISTS ("
             "SELECT 1 FROM line p JOIN reversal r ON r.line_id = p.id WHERE p.period = l.period AND p.rule = l.rule "
             "AND p.person_id = l.person_id AND p.kind = 'pay' AND p.seq = l.seq - 1)")

# Version 3: pay lines written in bulk are stored packed, one ``pay_block`` row per (run, month, rule, seq)
# stretch of at least 32 lines (a JSON array of ``person_id << 32 | 分``, person ids ascending, with the first
# of a contiguous range of line ids reserved for them); every other line stays a row of ``line_row`` (the
# version-2 ``line`` table, rebuilt with the same columns, rows and ids).  ``line`` becomes a view of both
# with the columns it always had, so what reads ``line`` reads every line.  ``reversal.line_id`` can no
# longer refer to a table (a block line has no row), so ``reversal`` is rebuilt without that foreign key and
# a trigger checks instead that the reversed line exists.  Who guarantees what is in docs/ledger.md
# ("Paid at most once").
_V3 = """
CREATE TABLE line_row (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES run(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    rule TEXT NOT NULL,
    period TEXT NOT NULL,                     -- always a month, YYYY-MM
    kind TEXT NOT NULL CHECK (kind = 'pay' OR kind = 'arrears' OR kind = 'recovery'),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    amount_fen INTEGER NOT NULL,
    cause TEXT NOT NULL DEFAULT ''
);
INSERT INTO line_row (id, run_id, person_id, rule, period, kind, seq, amount_fen, cause)
    SELECT id, run_id, person_id, rule, period, kind, seq, amount_fen, cause FROM line ORDER BY id;
DROP TABLE line;
CREATE UNIQUE INDEX line_once ON line_row (period, rule, person_id, kind, seq);  -- also serves lookups by month
CREATE TABLE pay_block (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES run(id),
    rule TEXT NOT NULL,
    period TEXT NOT NULL,                     -- always a month, YYYY-MM
    seq INTEGER NOT NULL CHECK (seq >= 0),    -- the seq of every line of the block (kind is 'pay')
    first_id INTEGER NOT NULL UNIQUE CHECK (first_id > 0),  -- line ids first_id .. first_id + lines - 1, in array order
    lines INTEGER NOT NULL CHECK (lines > 0),
    total_fen INTEGER NOT NULL,
    items TEXT NOT NULL                       -- JSON array: person_id << 32 | 分 per line, person ids ascending
);
CREATE INDEX pay_block_month ON pay_block (period, rule, seq);
CREATE TABLE reversal_v3 (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL UNIQUE,          -- a line of the view ``line`` (trigger reversal_line_exists)
    run_id INTEGER NOT NULL REFERENCES run(id),
    reason TEXT NOT NULL CHECK (length(reason) > 0),
    document TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);
INSERT INTO reversal_v3 (id, line_id, run_id, reason, document, recorded_at)
    SELECT id, line_id, run_id, reason, document, recorded_at FROM reversal ORDER BY id;
DROP TABLE reversal;
ALTER TABLE reversal_v3 RENAME TO reversal;
CREATE VIEW line (id, run_id, person_id, rule, period, kind, seq, amount_fen, cause) AS
    SELECT id, run_id, person_id, rule, period, kind, seq, amount_fen, cause FROM line_row
    UNION ALL
    SELECT b.first_id + j.key, b.run_id, j.value >> 32, b.rule, b.period, 'pay', b.seq, j.value & 4294967295, ''
    FROM pay_block b, json_each(b.items) j;
CREATE TRIGGER line_pay_once BEFORE INSERT ON line_row
WHEN NEW.kind = 'pay' AND NEW.seq > 0 AND NOT EXISTS (
    SELECT 1 FROM line_row l JOIN reversal r ON r.line_id = l.id WHERE l.period = NEW.period AND l.rule = NEW.rule
    AND l.person_id = NEW.person_id AND l.kind = 'pay' AND l.seq = NEW.seq - 1)
AND NOT EXISTS (
    SELECT 1 FROM pay_block b WHERE b.period = NEW.period AND b.rule = NEW.rule AND b.seq = NEW.seq - 1
    AND EXISTS (SELECT 1 FROM reversal r WHERE r.line_id >= b.first_id AND r.line_id < b.first_id + b.lines))
BEGIN SELECT RAISE(ABORT, 'ledger: this (person, rule, month) is already paid (a pay line may follow only a reversed one)'); END;
CREATE TRIGGER line_row_id AFTER INSERT ON line_row
WHEN (SELECT b.first_id + b.lines FROM pay_block b WHERE b.first_id <= NEW.id ORDER BY b.first_id DESC LIMIT 1) > NEW.id
BEGIN SELECT RAISE(ABORT, 'ledger: that line id belongs to a pay block (insert into the view line, which numbers the line)'); END;
CREATE TRIGGER pay_block_ids BEFORE INSERT ON pay_block
WHEN NEW.first_id <= coalesce((SELECT max(id) FROM line_row), 0)
  OR NEW.first_id <= coalesce((SELECT b.first_id + b.lines - 1 FROM pay_block b ORDER BY b.first_id DESC LIMIT 1), 0)
BEGIN SELECT RAISE(ABORT, 'ledger: a pay block must take line ids above every line id in use'); END;
CREATE TRIGGER pay_block_lines BEFORE INSERT ON pay_block
WHEN json_array_length(NEW.items) != NEW.lines
BEGIN SELECT RAISE(ABORT, 'ledger: a pay block must hold as many lines as it says (its items take exactly its line ids)'); END;
CREATE TRIGGER reversal_line_exists BEFORE INSERT ON reversal
WHEN NOT EXISTS (SELECT 1 FROM line_row l WHERE l.id = NEW.line_id)
AND coalesce((SELECT b.first_id + b.lines FROM pay_block b WHERE b.first_id <= NEW.line_id ORDER BY b.first_id DESC LIMIT 1), 0) <= NEW.line_id
BEGIN SELECT RAISE(ABORT, 'ledger: a reversal must name a line of the ledger'); END;
CREATE TRIGGER line_insert INSTEAD OF INSERT ON line
BEGIN
    SELECT RAISE(ABORT, 'ledger: this (person, rule, month) is already paid (a pay line may follow only a reversed one)')
    WHERE NEW.kind = 'pay' AND EXISTS (
        SELECT 1 FROM pay_block b, json_each(b.items) j
        WHERE b.period = NEW.period AND b.rule = NEW.rule AND j.value >> 32 = NEW.person_id
        AND (b.seq >= NEW.seq OR NOT EXISTS (SELECT 1 FROM reversal r WHERE r.line_id = b.first_id + j.key)));
    SELECT RAISE(ABORT, 'ledger: this (person, rule, month) is already paid (a pay line may follow only a reversed one)')
    WHERE NEW.kind = 'pay' AND NEW.seq > 0 AND NOT EXISTS (
        SELECT 1 FROM line_row l JOIN reversal r ON r.line_id = l.id WHERE l.period = NEW.period AND l.rule = NEW.rule
        AND l.person_id = NEW.person_id AND l.kind = 'pay' AND l.seq = NEW.seq - 1)
    AND NOT EXISTS (
        SELECT 1 FROM pay_block b, json_each(b.items) j
        WHERE b.period = NEW.period AND b.rule = NEW.rule AND b.seq = NEW.seq - 1 AND j.value >> 32 = NEW.person_id
        AND EXISTS (SELECT 1 FROM reversal r WHERE r.line_id = b.first_id + j.key));
    INSERT INTO line_row (id, run_id, person_id, rule, period, kind, seq, amount_fen, cause)
    VALUES (coalesce(NEW.id, max(coalesce((SELECT max(id) FROM line_row), 0),
                                 coalesce((SELECT b.first_id + b.lines - 1 FROM pay_block b ORDER BY b.first_id DESC LIMIT 1), 0)) + 1),
            NEW.run_id, NEW.person_id, NEW.rule, NEW.period, NEW.kind, NEW.seq, NEW.amount_fen, coalesce(NEW.cause, ''));
END;
CREATE TRIGGER line_no_update INSTEAD OF UPDATE ON line
BEGIN SELECT RAISE(ABORT, 'ledger table line is append-only: record a correction instead'); END;
CREATE TRIGGER line_no_delete INSTEAD OF DELETE ON line
BEGIN SELECT RAISE(ABORT, 'ledger table line is append-only: record a reversal instead'); END;
""" + "".join(_guards(t) for t in ("line_row", "pay_block", "reversal"))

MIGRATIONS: tuple[str, ...] = (_V1, _LINE_V2, _V3)

#: The lines of one run (two parameters: the run id twice), as a subquery with the columns of ``line``: SQLite does not
#: push ``run_id = ?`` into the view when the query groups, and would expand every pay block of the file.
RUN_LINES = ("(SELECT id, run_id, person_id, rule, period, kind, seq, amount_fen, cause FROM line_row WHERE run_id = ? UNION ALL "
             "SELECT b.first_id + j.key, b.run_id, j.value >> 32, b.rule, b.period, 'pay', b.seq, j.value & 4294967295, '' "
             "FROM pay_block b, json_each(b.items) j WHERE b.run_id = ?)")
SCHEMA_VERSION = len(MIGRATIONS)


def now_text() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def connect(path: str | Path, *, create: bool = True, timeout: float = 60.0) -> sqlite3.Connection:
    """Open (creating or migrating) a ledger file; refuse a file from a newer library or not a ledger."""
    p = Path(path)
    if not create and not p.exists():
        raise LedgerError(f"{p}: no such ledger file")
    if p.exists() and p.is_dir():
        raise LedgerError(f"{p}: is a folder, not a ledger file")
    try:
        conn = sqlite3.connect(str(p), timeout=timeout, isolation_level=None, check_same_thread=False)
        _write_ahead_log(conn, timeout)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: a 10⁶-line run touches many index pages
        version = _version(conn, p)
    except sqlite3.DatabaseError as e:
        raise LedgerError(f"{p}: not a ledger file ({e})") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise LedgerError(f"{p}: ledger schema version {version} is newer than this library understands "
                          f"({SCHEMA_VERSION}); upgrade shuangyong to open it")
    if version < SCHEMA_VERSION:
        try:
            _migrate(conn, version)
        except BaseException:
            conn.close()
            raise
    return conn


def _write_ahead_log(conn: sqlite3.Connection, timeout: float) -> None:
    """Put the file in WAL mode, waiting up to ``timeout`` seconds for the lock that takes.

    SQLite does not call its busy handler for this lock: two processes opening a new ledger at once (two
    ``shuangyong pay`` started together) would see "database is locked" at once instead of waiting.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, 0.1)


def has_json_each(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite has ``json_each`` (built in since 3.38; before, an extension some builds leave out)."""
    try:
        conn.execute("SELECT count(*) FROM json_each('[1]')").fetchone()
    except sqlite3.OperationalError:
        return False
    return True


def _version(conn: sqlite3.Connection, p: Path) -> int:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "migration" not in tables:
        if tables:
            raise LedgerError(f"{p}: an SQLite file but not a shuangyong ledger (tables: {', '.join(sorted(tables))})")
        return 0
    row = conn.execute("SELECT max(version) FROM migration").fetchone()
    return int(row[0] or 0)


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    """Apply the forward migrations after ``version`` in one transaction (all of them or none).

    Foreign keys are off while a table is rebuilt (``PRAGMA foreign_keys`` cannot change inside
    a transaction, and dropping the old table must not count as deleting its rows); they are
    checked with ``PRAGMA foreign_key_check`` before the commit and turned back on after it.
    """
    from .. import __version__

    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version == 0:
                conn.execute("CREATE TABLE IF NOT EXISTS migration (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, library TEXT NOT NULL)")
            # Another process may have migrated while we waited for the lock.
            current = int(conn.execute("SELECT max(version) FROM migration").fetchone()[0] or 0)
            for v in range(current, SCHEMA_VERSION):
                if v + 1 == 2:
                    bad = int(conn.execute(_V2_CHECK).fetchone()[0])
                    if bad:
                        raise LedgerError(f"ledger: {bad} pay line(s) follow a line that is not reversed (written outside this "
                                          f"library); the file was left at version {v}")
                for stmt in _statements(MIGRATIONS[v]):
                    conn.execute(stmt)
                conn.execute("INSERT INTO migration (version, applied_at, library) VALUES (?, ?, ?)", (v + 1, now_text(), __version__))
            broken = conn.execute("PRAGMA foreign_key_check").fetchone() if current < SCHEMA_VERSION else None
            if broken is not None:
                raise LedgerError(f"ledger: a row of table {broken[0]} refers to a missing row of {broken[2]}; nothing was migrated")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their inner ``;``)."""
    out: list[str] = []
    buf = ""
    for part in script.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    return out
