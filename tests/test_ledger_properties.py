"""Properties of the ledger: random cycles of pay / rise announced later / death / reversal / 补发 / recovery.

The invariant (issue 14): for every person, rule and month,
``paid − reversed − recovered + underpaid − overpaid = what the rules give``,
where "what the rules give" is computed independently, person by person on the
engine's exact path (``engine.entitlements`` with the death date on the record).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import given, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import shuangyong as sy
from shuangyong import ledger
from shuangyong.ledger.vectors import differences, new_lines, not_in, positive
from shuangyong.testing import FixturePack, synthetic_id

RISE = Path(__file__).parent / "data" / "ledger" / "county_rise.toml"
ENGINE = sy.Engine(plugins=[FixturePack("county_rise", [], [RISE])])
MONTHS = [sy.Period.month(2025, m) for m in range(6, 12)]  # June–November: the rise is from August, announced 20 October
KNOWN = [date(2025, 6, 30), date(2025, 9, 30), date(2025, 10, 19), date(2025, 10, 20), date(2025, 12, 1)]
RULES = ("survivor_pension", "disability_pension")  # the monthly rules these persons hold

PEOPLE = [
    {"身份证号": synthetic_id("422827", "1950-03-04", 11), "行政区划代码": "422827", "户籍": "城镇", "类别": "烈士遗属", "遗属类别": "烈士",
     "与军人关系": "父母"},
    {"身份证号": synthetic_id("422827", "1962-11-30", 13), "行政区划代码": "422827", "户籍": "农村", "类别": "残疾军人", "伤残等级": "5",
     "伤残性质": "因公"},
    {"身份证号": synthetic_id("422827", "1958-01-17", 24), "行政区划代码": "422827", "户籍": "农村", "类别": "病故军人遗属",
     "遗属类别": "病故", "与军人关系": "配偶"},
]
IDS = [p["身份证号"] for p in PEOPLE]


def oracle(deaths: dict[str, date]) -> dict[tuple[str, str, str], Decimal]:
    """What the rules give per (ID, rule, month), on the exact path, deaths on the record."""
    out: dict[tuple[str, str, str], Decimal] = {}
    for rec in PEOPLE:
        idn = rec["身份证号"]
        r = dict(rec)
        if idn in deaths:
            r["死亡时间"] = deaths[idn].isoformat()
        person = sy.Person.from_record(r)
        for m in MONTHS:
            res = ENGINE.entitlements(person, m, rules=RULES)
            for e in res:
                if e.eligible and e.amount > 0:
                    out[(idn, e.rule, f"{m.start:%Y-%m}")] = e.amount
    return out


class LedgerCycle(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        import tempfile

        self.dir = tempfile.TemporaryDirectory()
        self.book = ledger.open(Path(self.dir.name) / "county.db")
        self.deaths: dict[str, date] = {}

    def teardown(self) -> None:
        self.book.close()
        self.dir.cleanup()

    @rule(m=st.sampled_from(MONTHS), known=st.sampled_from(KNOWN))
    def pay(self, m: sy.Period, known: date) -> None:
        run = self.book.pay(ENGINE, PEOPLE, m, known_on=known)
        again = self.book.pay(ENGINE, PEOPLE, m, known_on=known)
        assert again.lines_paid == 0 and again.lines_already_paid == run.lines_paid + run.lines_already_paid

    @precondition(lambda self: len(self.deaths) < 2)
    @rule(who=st.sampled_from(IDS), month=st.sampled_from(MONTHS), day=st.integers(1, 28))
    def death(self, who: str, month: sy.Period, day: int) -> None:
        if who in self.deaths:
            return
        on = month.start.replace(day=day)
        self.deaths[who] = on
        self.book.record_death(who, on, reported_on=date(2025, 12, 1))

    @rule(who=st.sampled_from(IDS), month=st.sampled_from(MONTHS))
    def reverse(self, who: str, month: sy.Period) -> None:
        ids = self.book.find_lines(who, month=f"{month.start:%Y-%m}")
        self.book.reverse(ids[:1], reason="测试冲正")

    @rule(through=st.sampled_from(MONTHS))
    def pay_arrears(self, through: sy.Period) -> None:
        self.book.pay_arrears(ENGINE, PEOPLE, through=through, since=MONTHS[0])
        left = self.book.arrears(ENGINE, PEOPLE, through=through, since=MONTHS[0])
        assert left.underpaid_total == 0

    @rule(data=st.data())
    def recover(self, data: st.DataObject) -> None:
        arr = self.book.arrears(ENGINE, PEOPLE, through=MONTHS[-1], since=MONTHS[0])
        over = [ln for ln in arr if ln.kind == "overpaid"]
        if over:
            ln = data.draw(st.sampled_from(over))
            part = data.draw(st.sampled_from([ln.amount, (ln.amount / 2).quantize(Decimal("0.01"))]))
            if part > 0:
                self.book.record_recovery(ln._id_number, ln.rule, ln.month, part, method="funeral_netting")

    @invariant()
    def paid_plus_arrears_is_what_the_rules_give(self) -> None:
        if not hasattr(self, "book"):
            return
        arr = self.book.arrears(ENGINE, PEOPLE, through=MONTHS[-1], since=MONTHS[0])
        diff: dict[tuple[str, str, str], Decimal] = {}
        for ln in arr:
            assert ln.amount > 0
            diff[(ln._id_number, ln.rule, ln.month)] = ln.difference
            if ln._id_number in self.deaths and ln.kind == "overpaid" and ln.period.start > self.deaths[ln._id_number]:
                assert ln.cause_kind == "death"
        net: dict[tuple[str, str, str], Decimal] = {}
        sql = ("SELECT p.id_number, l.rule, l.period, sum(l.amount_fen) FROM line l JOIN person p ON p.id = l.person_id "
               "LEFT JOIN reversal r ON r.line_id = l.id WHERE r.id IS NULL GROUP BY 1, 2, 3")
        for idn, rl, m, fen in self.book.connection.execute(sql):
            net[(idn, rl, m)] = Decimal(fen) / 100
        due = oracle(self.deaths)
        for key in set(due) | set(net) | set(diff):
            got = net.get(key, Decimal(0)) + diff.get(key, Decimal(0))
            assert got == due.get(key, Decimal(0)), (key, net.get(key), diff.get(key), due.get(key))


LedgerCycle.TestCase.settings = settings(max_examples=15, stateful_step_count=8, deadline=None)
TestLedgerCycle = LedgerCycle.TestCase


# -- the two roads of ledger/vectors.py give the same answers ------------------------------

keys = st.lists(st.integers(-50, 200), unique=True, max_size=40)


@given(keys, keys, st.data())
def test_differences_numpy_and_plain_agree(dk: list[int], pk: list[int], data: st.DataObject) -> None:
    import numpy as np

    df = data.draw(st.lists(st.integers(0, 10**9), min_size=len(dk), max_size=len(dk)))
    pf = data.draw(st.lists(st.integers(-10**9, 10**9), min_size=len(pk), max_size=len(pk)))
    plain = differences(dk, df, pk, pf, None)
    assert differences(dk, df, pk, pf, np) == plain
    d, p = dict(zip(dk, df)), dict(zip(pk, pf))
    assert plain == sorted((k, d.get(k, 0), p.get(k, 0)) for k in set(dk) | set(pk) if d.get(k, 0) != p.get(k, 0))


@given(st.lists(st.integers(-5, 5)), st.lists(st.integers(-5, 5)))
def test_not_in_and_positive_numpy_and_plain_agree(items: list[int], present: list[int]) -> None:
    import numpy as np

    assert not_in(items, present, np) == not_in(items, present, None) == [j for j, v in enumerate(items) if v not in present]
    assert positive(items, np) == positive(items, None) == [i for i, v in enumerate(items) if v > 0]


@given(keys, st.lists(st.integers(-50, 200)), st.data())
def test_new_lines_numpy_and_plain_agree(ks: list[int], present: list[int], data: st.DataObject) -> None:
    import numpy as np

    fen = data.draw(st.lists(st.integers(1, 10**9), min_size=len(ks), max_size=len(ks)))
    counts = data.draw(st.dictionaries(st.sampled_from(ks) if ks else st.nothing(), st.integers(1, 5)))
    plain = new_lines(ks, fen, present, counts, None)
    assert new_lines(ks, fen, present, counts, np) == plain
    want = sorted((k, counts.get(k, 0), f) for k, f in zip(ks, fen) if k not in present)
    assert plain == ([k for k, _, _ in want], [s for _, s, _ in want], [f for _, _, f in want])
    assert all(type(x) is int for part in plain for x in part)  # never numpy scalars: SQLite refuses them


def test_pay_and_arrears_same_on_both_roads(tmp_path: Path) -> None:
    books = [ledger.open(tmp_path / f"{name}.db") for name in ("fast", "plain")]
    for book, fast in zip(books, (None, False)):
        for m in MONTHS:
            book.pay(ENGINE, PEOPLE, m, known_on=date(2025, 10, 1), fast=fast)
        book.record_death(IDS[0], date(2025, 8, 5))
    fast_arr = books[0].arrears(ENGINE, PEOPLE, through=MONTHS[-1])
    plain_arr = books[1].arrears(ENGINE, PEOPLE, through=MONTHS[-1], fast=False)
    assert fast_arr.overpaid_total > 0
    assert [ln.to_dict() for ln in fast_arr] == [ln.to_dict() for ln in plain_arr]
    rows = [list(b.connection.execute("SELECT person_id, rule, period, amount_fen FROM line ORDER BY 1, 2, 3")) for b in books]
    assert rows[0] == rows[1]
    for b in books:
        b.close()

