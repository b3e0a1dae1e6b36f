"""Bank disbursement files (社会化发放) and their return files.

A payment run becomes one file for the agent bank: one item per person (the sum
of that person's lines in the run), amounts as exact two-decimal strings, and a
batch total equal to the run's standing total to the 分.  The bank answers with
a return file naming the items that failed (户名账号不符, 账户已销户 …); importing
it reverses those persons' lines in the run, so the next ``pay`` pays them again.

Formats are plugins (hook ``shuangyong_bank_formats``); the library ships one,
``generic``, documented in ``docs/ledger.md``.  No real bank's batch layout is
shipped: the published templates we could find are not precise enough to write
byte-exact files from (an office registers its bank's template as a plugin).

Account numbers are personal data: they appear in full only inside the file for
the bank; everywhere else (errors, summaries, reports) they are masked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from attrs import field, frozen

from ..ids import mask_id_number, mask_name
from ..money import from_fen
from .book import Book
from ..outputs import atomic_file
from ..privacy import mask_account
from .store import RUN_LINES, LedgerError, now_text

__all__ = ["BankItem", "BankBatch", "ReturnItem", "BankFormat", "GENERIC", "bank_formats", "write_bank_file", "import_bank_return",
           "mask_account", "ACCOUNT_HEADERS"]

#: Roster headers read as the bank account number, in order of preference.
ACCOUNT_HEADERS = ("银行账号", "银行卡号", "账号", "社保卡号", "bank_account", "account")


@frozen(kw_only=True)
class BankItem:
    """One payee in a bank file: the sum of one person's lines in the run."""

    seq: int
    ref: str  # 流水号: batch-seq, quoted back by the return file
    name: str = field(repr=mask_name)
    id_number: str = field(repr=mask_id_number)
    account: str = field(repr=mask_account)
    amount: Decimal
    memo: str


@frozen(kw_only=True)
class BankBatch:
    """The batch header: number, run, period, count and total."""

    batch: str
    run_id: int
    period: str
    count: int
    total: Decimal
    payer: str = ""
    written_on: date = field(factory=date.today)


@frozen(kw_only=True)
class ReturnItem:
    """One line of a bank's return file: the item, whether it was paid, and the bank's reason."""

    ref: str
    ok: bool
    reason: str = ""


@frozen(kw_only=True)
class BankFormat:
    """A bank file format: ``write(batch, items, fh)`` writes bytes, ``read_return(path)`` reads the answer."""

    name: str
    title: str
    suffix: str
    write: Any
    read_return: Any
    doc: str = ""


def _two(d: Decimal) -> str:
    """Exact 2-decimal text of an amount in 元 (never through float)."""
    return f"{d.quantize(Decimal('0.01')):f}"


def _generic_write(batch: BankBatch, items: Sequence[BankItem], fh: BinaryIO) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["批次号", "付款单位", "发放期间", "笔数", "总金额", "制表日期"])
    w.writerow([batch.batch, batch.payer, batch.period, batch.count, _two(batch.total), batch.written_on.isoformat()])
    w.writerow(["序号", "流水号", "姓名", "身份证号", "银行账号", "金额", "用途"])
    for it in items:
        w.writerow([it.seq, it.ref, it.name, it.id_number, it.account, _two(it.amount), it.memo])
    fh.write(("\ufeff" + buf.getvalue()).encode("utf-8"))


def _generic_read_return(path: str | Path) -> list[ReturnItem]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = p.read_text(encoding="gb18030")
    except OSError as e:
        raise LedgerError(f"{p}: cannot read the bank return file: {e.strerror or e}") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0][:3]] != ["流水号", "结果", "原因"]:
        raise LedgerError(f"{p}: a generic return file starts with the header 流水号,结果,原因")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 2:
            raise LedgerError(f"{p}: row {n}: needs 流水号 and 结果")
        result = row[1].strip()
        if result not in ("成功", "失败"):
            raise LedgerError(f"{p}: row {n}: 结果 must be 成功 or 失败, not {result!r}")
        out.append(ReturnItem(ref=row[0].strip(), ok=result == "成功", reason=(row[2].strip() if len(row) > 2 else "")))
    return out


GENERIC = BankFormat(
    name="generic",
    title="shuangyong 通用批量代发格式（CSV）",
    suffix=".csv",
    write=_generic_write,
    read_return=_generic_read_return,
    doc="CSV UTF-8 with BOM, CRLF: batch header row + values, then 序号,流水号,姓名,身份证号,银行账号,金额,用途; "
        "return file: 流水号,结果(成功/失败),原因",
)


def bank_formats(engine: Any = None) -> dict[str, BankFormat]:
    """Every bank format: the generic one and those the engine's packs registered."""
    out: dict[str, BankFormat] = {GENERIC.name: GENERIC}
    if engine is not None:
        for name, (_pack, fmt) in getattr(engine.registry, "bank_formats", {}).items():
            out[name] = fmt
    return out


def _items_of_run(book: Book, run_id: int) -> list[tuple[str, int]]:
    """(canonical 身份证号, standing 分) per person of a run, in the order of their first line."""
    sql = (f"SELECT p.id_number, sum(CASE WHEN r.id IS NULL THEN l.amount_fen ELSE 0 END), min(l.id) FROM {RUN_LINES} l "
           f"JOIN person p ON p.id = l.person_id LEFT JOIN reversal r ON r.line_id = l.id "
           f"GROUP BY l.person_id ORDER BY min(l.id)")
    return [(k, int(f)) for k, f, _ in book.connection.execute(sql, (run_id, run_id))]


def write_bank_file(book: Book, run_id: int, roster: Any, path: str | Path, *, format: str = "generic", engine: Any = None,
                    payer: str = "", memo: str = "优抚金") -> BankBatch:
    """Write run ``run_id``'s bank file; names and accounts come from ``roster`` (its 姓名 and 银行账号 columns).

    Refused as a whole (nothing written) when a payee has no account: the file's total must
    equal the run's.  Returns the batch header (count, total) — recorded in the ledger.
    """
    from ..ids import normalize_id_number
    from ..roster.reading import read_roster

    fmts = bank_formats(engine)
    if format not in fmts:
        raise LedgerError(f"no bank format {format!r}; installed: {', '.join(sorted(fmts))}")
    fmt = fmts[format]
    run = book.connection.execute("SELECT kind, period FROM run WHERE id = ?", (run_id,)).fetchone()
    if run is None:
        raise LedgerError(f"no run #{run_id} in the ledger")
    if run[0] not in ("pay", "arrears"):
        raise LedgerError(f"run #{run_id} is a {run[0]} run: only pay and 补发 runs go to the bank")
    items_fen = [(k, f) for k, f in _items_of_run(book, run_id) if f > 0]
    roster = read_roster(roster)
    id_col = next((h for h in roster.headers if roster.keys.get(h) == "id_number"), None)
    name_col = next((h for h in roster.headers if roster.keys.get(h) == "name"), None)
    acct_col = next((h for h in ACCOUNT_HEADERS if h in roster.headers), None)
    if id_col is None or acct_col is None:
        raise LedgerError(f"{roster.source}: the roster needs 身份证号 and a bank account column ({' / '.join(ACCOUNT_HEADERS[:4])})")
    by_id: dict[str, tuple[str, str]] = {}
    for i in range(len(roster)):
        key = normalize_id_number(str(roster.data[id_col][i] or ""))
        if key is not None:
            acct = str(roster.data[acct_col][i] or "").strip().replace(" ", "")
            name = str(roster.data[name_col][i] or "").strip() if name_col else ""
            by_id.setdefault(key, (name, acct))
    missing = [k for k, _ in items_fen if not by_id.get(k, ("", ""))[1]]
    if missing:
        shown = "、".join(mask_id_number(k) for k in missing[:10])
        raise LedgerError(f"run #{run_id}: {len(missing)} payees have no bank account in {roster.source} ({shown}); nothing written")
    count = book.connection.execute("SELECT count(*) FROM bank_file WHERE run_id = ?", (run_id,)).fetchone()[0]
    batch_no = f"R{run_id:06d}-{count + 1:02d}"
    items = [BankItem(seq=n, ref=f"{batch_no}-{n:06d}", name=by_id[k][0], id_number=k, account=by_id[k][1], amount=from_fen(f), memo=memo)
             for n, (k, f) in enumerate(items_fen, start=1)]
    total_fen = sum(f for _, f in items_fen)
    batch = BankBatch(batch=batch_no, run_id=run_id, period=run[1], count=len(items), total=from_fen(total_fen), payer=payer)
    p = Path(path)
    with atomic_file(p, "wb") as fh:
        fmt.write(batch, items, fh)
    with book._write():
        cur = book.connection.execute("INSERT INTO bank_file (run_id, format, batch, items, total_fen, written_at) VALUES (?,?,?,?,?,?)",
                                      (run_id, format, batch_no, len(items), total_fen, now_text()))
        file_id = cur.lastrowid
        pids = dict(book.connection.execute(f"SELECT id_number, id FROM person WHERE id IN (SELECT person_id FROM {RUN_LINES})",
                                            (run_id, run_id)))
        book.connection.executemany("INSERT INTO bank_item (bank_file_id, seq, person_id, amount_fen) VALUES (?,?,?,?)",
                                    ((file_id, it.seq, pids[it.id_number], f) for it, (_, f) in zip(items, items_fen)))
    return batch


@frozen(kw_only=True)
class ReturnResult:
    """What importing a return file did."""

    batch: str
    failed: int
    lines_reversed: int
    amount_unpaid: Decimal
    already_imported: int
    reasons: tuple[tuple[str, str], ...] = ()  # (masked person, reason)


def import_bank_return(book: Book, path: str | Path, *, format: str = "generic", engine: Any = None, operator: str = "") -> ReturnResult:
    """Read a bank's return file and reverse the failed items' lines (reason: the bank's), so they are paid again."""
    fmts = bank_formats(engine)
    if format not in fmts:
        raise LedgerError(f"no bank format {format!r}; installed: {', '.join(sorted(fmts))}")
    answers = fmts[format].read_return(path)
    failed = [a for a in answers if not a.ok]
    if not answers:
        raise LedgerError(f"{path}: the return file lists no items")
    batches = {a.ref.rsplit("-", 1)[0] for a in answers}
    if len(batches) != 1:
        raise LedgerError(f"{path}: items of several batches ({', '.join(sorted(batches))}); one return file per batch")
    batch_no = batches.pop()
    row = book.connection.execute("SELECT id, run_id FROM bank_file WHERE batch = ?", (batch_no,)).fetchone()
    if row is None:
        raise LedgerError(f"{path}: batch {batch_no} was not written from this ledger")
    file_id, run_id = row
    persons = dict(book.connection.execute(
        "SELECT i.seq, p.id_number FROM bank_item i JOIN person p ON p.id = i.person_id WHERE i.bank_file_id = ?", (file_id,)))
    done = {r[0] for r in book.connection.execute("SELECT item FROM bank_return WHERE bank_file_id = ?", (file_id,))}
    reversed_lines = 0
    unpaid = 0
    reasons: list[tuple[str, str]] = []
    already = 0
    with book._write():
        now = now_text()
        for a in failed:
            if a.ref in done:
                already += 1
                continue
            try:
                key = persons[int(a.ref.rsplit("-", 1)[1])]
            except (ValueError, IndexError, KeyError):
                raise LedgerError(f"{path}: item {a.ref} is not in batch {batch_no}") from None
            why = f"银行退回：{a.reason or '未说明原因'}"
            pid = book._person_id(key, create=False)
            ids = book._person_lines(pid, run_id=run_id) if pid is not None else []
            unpaid += sum(ln[6] for ln in book._lines_by_id(ids).values())
            reversed_lines += book.reverse(ids, reason=why, document=f"{Path(path).name} {a.ref}", operator=operator) if ids else 0
            book.connection.execute("INSERT INTO bank_return (bank_file_id, item, reason, recorded_at) VALUES (?,?,?,?)",
                                    (file_id, a.ref, a.reason or "", now))
            reasons.append((mask_id_number(key), a.reason))
    return ReturnResult(batch=batch_no, failed=len(failed), lines_reversed=reversed_lines, amount_unpaid=from_fen(unpaid),
                        already_imported=already, reasons=tuple(reasons))


def iter_masked(items: Iterable[BankItem]) -> Iterable[dict[str, Any]]:
    """Items with name, ID and account masked (for screens and logs)."""
    for it in items:
        yield {"seq": it.seq, "ref": it.ref, "name": mask_name(it.name), "id_number": mask_id_number(it.id_number),
               "account": mask_account(it.account), "amount": _two(it.amount)}
