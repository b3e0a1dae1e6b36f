"""The payment ledger: the issue's worked example, pay-once, life events, corrections, bank files, audit, reports.

Expected figures are computed here by hand from the parameter files (the fixture's
county series and the national funeral_grant.toml), never read back from the ledger.
"""

from __future__ import annotations

import sqlite3
import tomllib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import shuangyong as sy
from shuangyong import ledger
from shuangyong.ledger.audit import audit
from shuangyong.ledger.bank import import_bank_return, write_bank_file
from shuangyong.ledger.reports import county_totals, write_run_roster
from shuangyong.testing import FixturePack, synthetic_id

DATA = Path(__file__).parent / "data" / "ledger"
RISE = DATA / "county_rise.toml"
NATIONAL = Path(sy.__file__).parent / "national" / "parameters"

A = synthetic_id("422827", "1957-07-14", 20)
B = synthetic_id("422827", "2002-07-29", 18)


def _fixture() -> dict:
    with RISE.open("rb") as fh:
        return tomllib.load(fh, parse_float=Decimal)


def monthly(annual: Decimal) -> Decimal:
    """Yearly standard ÷ 12, rounded half up to the 分 (the national rule's stated rounding)."""
    return (Decimal(annual) / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _values() -> tuple[Decimal, Decimal, date, date]:
    vals = _fixture()["martyr"]["values"]
    return Decimal(vals[0]["value"]), Decimal(vals[1]["value"]), vals[1]["from"], vals[1]["announced"]


OLD, NEW, RISE_FROM, ANNOUNCED = _values()


def record(idn: str, **extra: str) -> dict:
    return {"身份证号": idn, "姓名": "测试人员", "行政区划代码": "422827", "户籍": "城镇", "类别": "烈士遗属", "遗属类别": "烈士",
            "与军人关系": "父母", **extra}


@pytest.fixture
def engine() -> sy.Engine:
    return sy.Engine(plugins=[FixturePack("county_rise", [], [RISE])])


@pytest.fixture
def book(tmp_path: Path) -> ledger.Book:
    b = ledger.open(tmp_path / "county.db")
    yield b
    b.close()


def pay_months(book: ledger.Book, engine: sy.Engine, roster: list, months: range, day: int = 15) -> list:
    return [book.pay(engine, roster, sy.Period.month(2025, m), known_on=date(2025, m, day)) for m in months]


# -- the worked example ------------------------------------------------------------------


def test_worked_example_rise_announced_later_gives_three_months_of_difference(book, engine):
    assert (RISE_FROM, ANNOUNCED) == (date(2025, 8, 1), date(2025, 10, 20))
    roster = [record(A)]
    runs = pay_months(book, engine, roster, range(1, 11))  # October paid on the 15th, before the notice
    assert [r.total for r in runs] == [monthly(OLD)] * 10
    arr = book.arrears(engine, roster, through=sy.Period.month(2025, 10))
    diff = monthly(NEW) - monthly(OLD)
    assert arr.underpaid_total == 3 * diff == Decimal("534.99")
    assert arr.overpaid_total == 0
    lines = list(arr)
    assert [(ln.rule, ln.period, ln.amount, ln.kind) for ln in lines] == [
        ("survivor_pension", sy.Period.month(2025, m), diff, "underpaid") for m in (8, 9, 10)]
    for ln in lines:
        assert "survivor_pension.martyr" in ln.cause
        assert "测退役〔2025〕1号" in ln.cause and "2025-10-20" in ln.cause
        assert ln.cause_kind == "parameter"
        assert A not in repr(ln) and ln.person == sy.mask_id_number(A)


def test_worked_example_paid_after_the_notice_is_at_the_new_standard(book, engine):
    roster = [record(A)]
    pay_months(book, engine, roster, range(1, 10))
    late = book.pay(engine, roster, sy.Period.month(2025, 10), known_on=date(2025, 10, 25))
    assert late.total == monthly(NEW)
    arr = book.arrears(engine, roster, through=sy.Period.month(2025, 10))
    assert arr.underpaid_total == 2 * (monthly(NEW) - monthly(OLD))


def test_worked_example_death_reported_later_is_overpaid_with_funeral_offer(book, engine):
    roster = [record(A)]
    pay_months(book, engine, roster, range(1, 10))
    book.record_death(A, date(2025, 6, 10), reported_on=date(2025, 9, 20), document="死亡医学证明")
    arr = book.arrears(engine, roster, through=sy.Period.month(2025, 9))
    over = [ln for ln in arr if ln.kind == "overpaid"]
    assert [ln.month for ln in over] == ["2025-07", "2025-08", "2025-09"]
    # July–September were all paid at the old standard (the rise was not yet known).
    assert arr.overpaid_total == 3 * monthly(OLD)
    assert arr.underpaid_total == 0
    assert all(ln.cause_kind == "death" and "追缴" in ln.cause and "2025-06-10" in ln.cause for ln in over)
    # 丧葬补助: six months of the pension in force on the day of death (funeral_grant.toml survivor_months).
    with (NATIONAL / "funeral_grant.toml").open("rb") as fh:
        months = Decimal(tomllib.load(fh, parse_float=Decimal)["survivor_months"]["values"][-1]["value"])
    (offer,) = arr.offers
    assert offer.grant == monthly(OLD) * months
    assert offer.overpaid == 3 * monthly(OLD)
    assert "丧葬补助" in offer.text and str(offer.grant - offer.overpaid) in offer.text
    assert "未自动抵扣" in offer.text  # shown, never applied


# -- pay ---------------------------------------------------------------------------------


def test_rerun_is_a_noop_and_total_paid_counts_once(book, engine):
    roster = [record(A), record(B)]
    first = book.pay(engine, roster, sy.Period.month(2025, 3), known_on=date(2025, 3, 1))
    assert (first.lines_paid, first.lines_already_paid, first.total) == (2, 0, 2 * monthly(OLD))
    again = book.pay(engine, roster, sy.Period.month(2025, 3), known_on=date(2025, 3, 2))
    assert again.noop and (again.lines_paid, again.lines_already_paid, again.total) == (0, 2, 0)
    assert "未重复发放" in again.lines()[0]
    assert book.total_paid(sy.Period.month(2025, 3)) == 2 * monthly(OLD)
    assert len(book.runs()) == 1


def test_half_year_run_pays_each_month_once_and_skips_paid_months(book, engine):
    roster = [record(A)]
    book.pay(engine, roster, sy.Period.month(2025, 7), known_on=date(2025, 7, 1))
    h2 = book.pay(engine, roster, sy.Period(date(2025, 7, 1), date(2026, 1, 1)), known_on=date(2025, 7, 1))
    assert (h2.lines_paid, h2.lines_already_paid) == (5, 1)
    assert h2.total == 5 * monthly(OLD)
    with pytest.raises(ledger.LedgerError, match="whole months"):
        book.pay(engine, roster, sy.Period(date(2025, 7, 15), date(2025, 9, 1)))


def test_rejected_rows_are_never_paid_and_listed_masked(book, engine):
    bad = "42282719570714002X"
    run = book.pay(engine, [record(A), record(bad)], sy.Period.month(2025, 2), known_on=date(2025, 2, 1))
    assert run.lines_paid == 1 and len(run.rejected) == 1
    assert bad not in str(run.to_dict()) and bad not in "\n".join(run.lines())


def test_the_database_refuses_a_second_payment_and_any_update_or_delete(book, engine):
    book.pay(engine, [record(A)], sy.Period.month(2025, 1), known_on=date(2025, 1, 1))
    c = book.connection
    line = c.execute("SELECT run_id, person_id, rule, period FROM line").fetchone()
    with pytest.raises(sqlite3.IntegrityError):
        c.execute("INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (?,?,?,?,'pay',1,100)", line)
    with pytest.raises(sqlite3.IntegrityError):
        c.execute("INSERT INTO line (run_id, person_id, rule, period, kind, seq, amount_fen) VALUES (?,?,?,?,'pay',0,100)", line)
    for sql in ("UPDATE line SET amount_fen = 1", "DELETE FROM line", "DELETE FROM run", "UPDATE person SET id_number = 'x'"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            c.execute(sql)


def test_reversed_line_is_paid_again_by_the_next_run(book, engine):
    roster = [record(A)]
    book.pay(engine, roster, sy.Period.month(2025, 4), known_on=date(2025, 4, 1))
    assert book.reverse(book.find_lines(A, month="2025-04"), reason="错发冲正") == 1
    assert book.total_paid(sy.Period.month(2025, 4)) == 0
    again = book.pay(engine, roster, sy.Period.month(2025, 4), known_on=date(2025, 4, 2))
    assert again.lines_paid == 1
    assert book.total_paid(sy.Period.month(2025, 4)) == monthly(OLD)
    with pytest.raises(ledger.LedgerError, match="reason"):
        book.reverse([1], reason=" ")


def test_pay_arrears_records_the_difference_once(book, engine):
    roster = [record(A)]
    pay_months(book, engine, roster, range(8, 11))
    done = book.pay_arrears(engine, roster, through=sy.Period.month(2025, 10))
    assert done.total == 3 * (monthly(NEW) - monthly(OLD))
    assert book.arrears(engine, roster, through=sy.Period.month(2025, 10)).underpaid_total == 0
    assert book.pay_arrears(engine, roster, through=sy.Period.month(2025, 10)).noop
    assert book.total_paid(sy.Period(date(2025, 8, 1), date(2025, 11, 1))) == 3 * monthly(NEW)


# -- life events -------------------------------------------------------------------------


def test_pay_honours_death_suspension_and_resumption(book, engine):
    roster = [record(A), record(B)]
    book.record_death(A, date(2025, 3, 1), reported_on=date(2025, 3, 2))
    book.suspend(B, date(2025, 3, 20), reason="未按期生存认证", document="县退役军人事务局通知")
    mar = book.pay(engine, roster, sy.Period.month(2025, 3), known_on=date(2025, 3, 25))
    assert mar.lines_paid == 2  # both alive / not yet suspended on 1 March
    apr = book.pay(engine, roster, sy.Period.month(2025, 4), known_on=date(2025, 4, 25))
    assert (apr.lines_paid, apr.withheld) == (0, 2)
    book.resume(B, date(2025, 6, 1), document="生存认证补办", back_pay=True)
    jun = book.pay(engine, roster, sy.Period.month(2025, 6), known_on=date(2025, 6, 25))
    assert jun.lines_paid == 1 and jun.total == monthly(OLD)
    arr = book.arrears(engine, roster, through=sy.Period.month(2025, 6))
    back = [ln for ln in arr if ln.cause_kind == "resumption"]
    assert [ln.month for ln in back] == ["2025-04", "2025-05"]
    assert arr.underpaid_total == 2 * monthly(OLD)
    with pytest.raises(ledger.LedgerError):
        book.suspend(B, date(2025, 7, 1), reason="")


def test_resumption_without_back_pay_leaves_the_suspended_months_unpaid(book, engine):
    roster = [record(B)]
    book.suspend(B, date(2025, 1, 31), reason="年审未通过")
    book.resume(B, date(2025, 3, 1), document="年审通过")
    runs = pay_months(book, engine, roster, range(1, 5))
    assert [r.lines_paid for r in runs] == [1, 0, 1, 1]
    assert book.arrears(engine, roster, through=sy.Period.month(2025, 4)).underpaid_total == 0


# -- files -------------------------------------------------------------------------------


def test_newer_schema_is_refused_and_foreign_sqlite_too(tmp_path):
    p = tmp_path / "x.db"
    ledger.open(p).close()
    c = sqlite3.connect(p)
    c.execute("INSERT INTO migration VALUES (99, 'later', '9.9')")
    c.commit()
    c.close()
    with pytest.raises(ledger.LedgerError, match="newer"):
        ledger.open(p)
    q = tmp_path / "other.db"
    c = sqlite3.connect(q)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(ledger.LedgerError, match="not a shuangyong ledger"):
        ledger.open(q)
    with pytest.raises(ledger.LedgerError, match="no such"):
        ledger.open(tmp_path / "missing.db", create=False)


def test_bank_file_totals_equal_the_run_and_return_marks_failures_unpaid(book, engine, tmp_path):
    acct_a, acct_b = "6222021234567890123", "6222029876543210987"
    roster = [record(A, 银行账号=acct_a), record(B, 银行账号=acct_b)]
    run = book.pay(engine, roster, sy.Period.month(2025, 5), known_on=date(2025, 5, 1))
    out = tmp_path / "bank.csv"
    batch = write_bank_file(book, run.run_id, roster, out)
    text = out.read_text(encoding="utf-8-sig")
    assert batch.total == run.total and batch.count == 2
    amounts = [Decimal(row.split(",")[5]) for row in text.splitlines()[3:]]
    assert sum(amounts) == run.total and all(str(a) == f"{a:.2f}" for a in amounts)
    assert acct_a in text  # in full only in the file for the bank
    assert acct_a not in repr(batch) and not list(tmp_path.glob(".bank.csv*"))
    ret = tmp_path / "ret.csv"
    ret.write_text(f"流水号,结果,原因\n{batch.batch}-000001,成功,\n{batch.batch}-000002,失败,账户已销户\n", encoding="utf-8")
    r = import_bank_return(book, ret)
    assert (r.failed, r.lines_reversed, r.amount_unpaid) == (1, 1, monthly(OLD))
    assert import_bank_return(book, ret).lines_reversed == 0  # importing twice changes nothing
    assert book.total_paid(sy.Period.month(2025, 5)) == monthly(OLD)
    arr = book.arrears(engine, roster, through=sy.Period.month(2025, 5))
    assert [ln.cause_kind for ln in arr] == ["unpaid"] and "账户已销户" in arr.lines[0].cause
    again = book.pay(engine, roster, sy.Period.month(2025, 5), known_on=date(2025, 5, 2))
    assert (again.lines_paid, again.lines_already_paid) == (1, 1)


def test_bank_file_refused_whole_when_an_account_is_missing(book, engine, tmp_path):
    roster = [record(A, 银行账号="6222021234567890123"), record(B)]
    run = book.pay(engine, roster, sy.Period.month(2025, 5), known_on=date(2025, 5, 1))
    with pytest.raises(ledger.LedgerError, match="no bank account") as e:
        write_bank_file(book, run.run_id, roster, tmp_path / "bank.csv")
    assert B not in str(e.value)
    assert not (tmp_path / "bank.csv").exists()


def test_bank_formats_hook_registers_a_format():
    from shuangyong.ledger.bank import GENERIC, BankFormat, bank_formats

    class Bank:
        @sy.hookimpl
        def shuangyong_bank_formats(self, register):
            register(BankFormat(name="testbank", title="测试银行", suffix=".txt", write=GENERIC.write, read_return=GENERIC.read_return))

    eng = sy.Engine(plugins=[Bank()])
    assert set(bank_formats(eng)) == {"generic", "testbank"}


# -- audit and reports -------------------------------------------------------------------


def test_audit_findings_and_totals_reconcile(book, engine, tmp_path):
    roster = [record(A), record(B)]
    pay_months(book, engine, roster, range(1, 11))
    book.record_death(A, date(2025, 6, 10), reported_on=date(2025, 9, 20))
    other = ledger.open(tmp_path / "other.db")
    other.pay(engine, [record(B)], sy.Period.month(2025, 3), known_on=date(2025, 3, 1), jurisdiction="422802")
    rep = audit(book, engine, roster, others=[other], as_of=date(2026, 1, 31))
    by = {f.check: f for f in rep}
    assert by["paid_after_death"].months == ("2025-07", "2025-08", "2025-09", "2025-10")
    assert by["paid_after_death"].amount == 4 * monthly(OLD)
    assert by["two_jurisdictions"].months == ("2025-03",) and by["two_jurisdictions"].amount == monthly(OLD)
    assert by["announced_not_applied"].amount == 3 * (monthly(NEW) - monthly(OLD))
    assert "第19条" in by["paid_after_death"].article
    assert rep.ledger["reconciled"] and Decimal(rep.ledger["paid"]) == 20 * monthly(OLD)
    text = "\n".join(rep.text_lines())
    assert A not in text and B not in text
    other.close()


def test_run_roster_and_county_totals_equal_the_ledger(book, engine, tmp_path):
    roster = [record(A), record(B)]
    run = book.pay(engine, roster, sy.Period.month(2025, 5), known_on=date(2025, 5, 1))
    out = tmp_path / "花名册.csv"
    total = write_run_roster(book, run.run_id, out, engine=engine, roster=roster)
    text = out.read_text(encoding="utf-8-sig")
    assert total == run.total == book.total_paid(sy.Period.month(2025, 5))
    assert text.splitlines()[0].startswith("序号,身份证号,姓名") and A not in text and "测试人员" not in text
    t = county_totals(book, sy.Period.month(2025, 5), engine=engine)
    assert (t["persons"], Decimal(t["amount"])) == (2, run.total)
    assert "重点优抚对象 2 人" in t["text"]
    pytest.importorskip("openpyxl")
    assert write_run_roster(book, run.run_id, tmp_path / "r.xlsx", engine=engine) == run.total


def test_recovery_is_a_negative_line_and_never_more_than_stands_paid(book, engine):
    roster = [record(A)]
    pay_months(book, engine, roster, range(6, 9))
    book.record_death(A, date(2025, 6, 10), reported_on=date(2025, 8, 20))
    book.record_recovery(A, "survivor_pension", "2025-07", monthly(OLD), method="funeral_netting", document="抵扣决定")
    arr = book.arrears(engine, roster, through=sy.Period.month(2025, 8))
    assert [ln.month for ln in arr] == ["2025-08"] and arr.overpaid_total == monthly(OLD)
    assert book.total_recovered(sy.Period.month(2025, 7)) == monthly(OLD)
    with pytest.raises(ledger.LedgerError, match="cannot recover") as e:
        book.record_recovery(A, "survivor_pension", "2025-07", "0.01")
    assert A not in str(e.value)


# -- the CLI refuses cleanly -------------------------------------------------------------


def test_cli_refusals_exit_1_with_one_masked_line(tmp_path, capsys):
    from shuangyong.cli.main import main

    missing = tmp_path / "missing.db"
    assert main(["arrears", "nope.csv", "--through", "2025-10", "--ledger", str(missing)]) == 1
    assert "no such ledger file" in capsys.readouterr().err and not missing.exists()
    db = tmp_path / "county.db"
    assert main(["pay", str(tmp_path / "nope.csv"), "--period", "2025-08", "--ledger", str(db)]) == 1
    err = capsys.readouterr().err
    assert "nope.csv" in err and "Traceback" not in err
    assert main(["ledger", "event", "death", "42282719570714002X", "--date", "2025-06-10", "--ledger", str(db)]) == 1
    err = capsys.readouterr().err
    assert "42282719570714002X" not in err and "身份证号" in err
    assert main(["ledger", "event", "suspend", A, "--date", "2025-06-10", "--ledger", str(db)]) == 1
    assert "reason" in capsys.readouterr().err
    assert main(["pay", str(tmp_path / "x.csv"), "--period", "2025-08", "--ledger", str(db), "--known-on", "soon"]) == 1
    assert "--known-on" in capsys.readouterr().err
    c = sqlite3.connect(db)
    c.execute("INSERT INTO migration VALUES (99, 'later', '9.9')")
    c.commit()
    c.close()
    assert main(["audit", "--ledger", str(db)]) == 1
    assert "newer" in capsys.readouterr().err


def test_cli_pay_summary_json(tmp_path, capsys):
    import json

    from shuangyong.cli.main import main

    roster = tmp_path / "r.csv"
    roster.write_text("身份证号,行政区划代码,户籍,类别,遗属类别,与军人关系\n" + f"{A},422827,城镇,烈士遗属,烈士,父母\n", encoding="utf-8")
    summary = tmp_path / "pay.json"
    args = ["pay", str(roster), "--period", "2025-03", "--ledger", str(tmp_path / "c.db"), "--summary", str(summary), "--known-on", "2025-03-01"]
    assert main(args) == 0
    data = json.loads(summary.read_text(encoding="utf-8"))
    # The national standard in force (whatever the tables hold): the exact path for the one person.
    person = sy.Person.from_record({"身份证号": A, "行政区划代码": "422827", "户籍": "城镇", "类别": "烈士遗属", "遗属类别": "烈士", "与军人关系": "父母"})
    due = sy.Engine.from_plugins().entitlements(person, sy.Period.month(2025, 3))["survivor_pension"].amount
    assert due > 0
    assert (data["lines_paid"], data["total"], data["noop"]) == (1, str(due), False)
    assert main(args) == 0
    assert "未重复发放" in capsys.readouterr().out


def test_record_correction_and_rise_are_told_apart(book, engine):
    before = [record(A, 类别="病故军人遗属", 遗属类别="病故", 与军人关系="配偶")]
    after = [record(A)]  # corrected: the member was a 烈士
    for m in (3, 8):
        book.pay(engine, before, sy.Period.month(2025, m), known_on=date(2025, m, 15))
    paid = book.total_paid(sy.Period.month(2025, 3))
    arr = {ln.month: ln for ln in book.arrears(engine, after, through=sy.Period.month(2025, 8))}
    assert {m for m, ln in arr.items() if ln.cause_kind != "unpaid"} == {"2025-03", "2025-08"}  # April–July: never paid
    mar, aug = arr["2025-03"], arr["2025-08"]
    assert (mar.cause_kind, mar.amount) == ("record", monthly(OLD) - paid)
    assert "记录更正" in mar.cause and "参数未变" in mar.cause
    # August: the corrected record at the standards known then gives the old 烈属 figure, not what was paid;
    # the rise announced later is named as well.
    assert (aug.cause_kind, aug.amount) == ("record", monthly(NEW) - paid)
    assert "记录更正" in aug.cause and f"按发放时已知标准应发 {monthly(OLD)} 元" in aug.cause
    assert "survivor_pension.martyr" in aug.cause and "2025-10-20公布" in aug.cause


def test_audit_without_roster_finds_unapplied_rises_and_old_returns(book, engine):
    roster = [record(A), record(B)]
    pay_months(book, engine, roster, range(8, 11))
    book.reverse(book.find_lines(B, month="2025-08"), reason="银行退回：账户已销户")
    rep = audit(book, engine, as_of=date(2025, 12, 31), deadline_days=60)
    found = {(f.check, f.person): f for f in rep}
    rise = found[("announced_not_applied", sy.mask_id_number(A))]
    assert rise.months == ("2025-08", "2025-09", "2025-10") and "测退役〔2025〕1号" in rise.article
    late = found[("unpaid_past_deadline", sy.mask_id_number(B))]
    assert late.months == ("2025-08",) and late.amount == monthly(OLD) and "账户已销户" in late.detail
    assert not rep.checked_roster and rep.ledger["reconciled"]
    book.pay_arrears(engine, roster, through=sy.Period.month(2025, 10))
    after = audit(book, engine, as_of=date(2025, 12, 31))
    assert not [f for f in after if f.check in ("announced_not_applied", "unpaid_past_deadline")]


def test_audit_exclusive_benefits_paid_together(book, engine):
    both = record(A, 类别="烈士遗属、残疾军人", 伤残等级="6", 伤残性质="因公")
    run = book.pay(engine, [both], sy.Period.month(2025, 4), known_on=date(2025, 4, 1))
    assert run.lines_paid == 2  # the national rules pay both; a county may hold them exclusive
    pair = [("survivor_pension", "disability_pension", "测试：两项不得兼得")]
    rep = audit(book, engine, exclusive=pair, as_of=date(2025, 5, 1))
    (f,) = [f for f in rep if f.check == "exclusive_together"]
    disability = book.run_lines(run.run_id)
    expected = next(ln["amount"] for ln in disability if ln["rule"] == "disability_pension")
    assert (f.months, f.amount, f.article) == (("2025-04",), expected, "测试：两项不得兼得")
    assert not [f for f in audit(book, engine, as_of=date(2025, 5, 1)) if f.check == "exclusive_together"]


def test_bulk_and_row_by_row_inserts_write_the_same_rows(tmp_path, engine, monkeypatch):
    """Persons and pay lines go to SQLite as one JSON array per batch when it has json_each; the
    row-by-row road (older SQLite) must write the same rows with the same ids, repayments included."""
    from shuangyong.ledger import book as book_mod

    people = sorted(synthetic_id("422827", date(1940 + i % 60, 1 + i % 12, 1 + i % 28), 100 + i) for i in range(160))
    month = sy.Period.month(2025, 3)
    dumps = []
    for bulk in (True, False):
        if not bulk:
            monkeypatch.setattr(book_mod, "has_json_each", lambda conn: False)
        with ledger.open(tmp_path / f"bulk_{bulk}.db") as bk:
            if bulk and not bk._bulk:
                pytest.skip("this SQLite has no json_each")
            assert bk._bulk is bulk
            first = bk.pay(engine, [record(k) for k in people[:100]], month, known_on=date(2025, 3, 1))
            # 40 lines (a stretch long enough for the bulk road) and one more come back: paid again with seq 1,
            # in one run with 60 persons new to the ledger (seq 0).
            back = [i for k in people[:40] + people[70:71] for i in bk.find_lines(k)]
            assert bk.reverse(back, reason="银行退回") == 41
            again = bk.pay(engine, [record(k) for k in people], month, known_on=date(2025, 3, 1))
            assert (first.lines_paid, again.lines_paid, again.lines_already_paid) == (100, 101, 59)
            c = bk.connection
            lines = c.execute("SELECT id, run_id, person_id, rule, period, kind, seq, amount_fen FROM line ORDER BY id").fetchall()
            assert [ln[6] for ln in lines if ln[1] == again.run_id].count(1) == 41
            assert {ln[7] for ln in lines} == {int(monthly(OLD) * 100)}
            assert [ln[2] for ln in lines if ln[1] == again.run_id] == sorted(ln[2] for ln in lines if ln[1] == again.run_id)
            # Then what arrears reads back (also one JSON array per column when it can): a death after payment, part of it
            # recovered (two lines of one key, summed), and a returned line not paid again.
            rule = lines[0][3]
            bk.record_death(people[5], date(2025, 1, 10), reported_on=date(2025, 4, 2))
            bk.record_recovery(people[5], rule, "2025-03", "100.00")
            (gone,) = bk.find_lines(people[7])
            bk.reverse([gone], reason="银行退回")
            arr = bk.arrears(engine, [record(k) for k in people], through=month)
            assert (arr.overpaid_total, arr.underpaid_total) == (monthly(OLD) - 100, monthly(OLD))
            assert [ln.cause_kind for ln in arr] == ["death", "unpaid"]  # in ID order: people is sorted
            dumps.append((lines, c.execute("SELECT id, id_number FROM person ORDER BY id").fetchall(), [ln.to_dict() for ln in arr]))
    assert dumps[0] == dumps[1]
    assert [k for _, k in dumps[0][1]] == people  # numbered in ID order


def test_pay_and_arrears_pause_the_garbage_collector_and_restore_it(book, engine, monkeypatch):
    """The cyclic collector is off while pay and arrears build their lines, and back as it was after, even on a refusal."""
    import gc

    from shuangyong.ledger.book import Book

    seen: list[bool] = []
    due = Book.due

    def spy(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return due(self, *args, **kwargs)

    monkeypatch.setattr(Book, "due", spy)
    assert gc.isenabled()
    book.pay(engine, [record(A)], sy.Period.month(2025, 3), known_on=date(2025, 3, 1))
    book.arrears(engine, [record(A)], through=sy.Period.month(2025, 3))
    assert seen == [False, False] and gc.isenabled()
    with pytest.raises(ledger.LedgerError):
        book.pay(engine, [record(A)], sy.Period(date(2025, 3, 2), date(2025, 4, 2)))  # not whole months
    assert gc.isenabled()
    gc.disable()
    try:
        book.pay(engine, [record(A)], sy.Period.month(2025, 4), known_on=date(2025, 4, 1))
        assert not gc.isenabled()  # a caller's own pause is left alone
    finally:
        gc.enable()
