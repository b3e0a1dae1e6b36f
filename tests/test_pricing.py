"""The columnar pricing machinery: stand-ins for dates, exploring a formula's paths, date arithmetic as arrays.

The end-to-end oracle (batch = one-by-one ``engine.entitlements``) lives in ``test_batch.py``; here
each piece is checked against plain Python: ``apply_steps`` against ``date.replace``,
``relativedelta`` and ``timedelta`` on random dates, ``explore`` against running the formula on real
values, and a pack of rules written to use dates in every way a formula might (branching on
``facts.on``, ages, formatting a date, comparing two dates, ``max``, set memberships) against the
engine row by row.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.roster import pricing
from shuangyong.roster.run import run_roster
from shuangyong.ids import check_character
from shuangyong.testing import FixturePack

np = pytest.importorskip("numpy")

EPOCH = date(1970, 1, 1).toordinal()

# -- date arithmetic as arrays ---------------------------------------------------------------------

_steps = st.one_of(
    st.tuples(st.just("replace"), st.lists(st.tuples(st.sampled_from(["year", "month", "day"]), st.integers(1, 31)),
                                           min_size=1, max_size=3, unique_by=lambda kv: kv[0]).map(tuple)),
    st.tuples(st.just("rd"), st.integers(-80, 80), st.integers(-30, 30), st.integers(-400, 400)),
    st.tuples(st.just("days"), st.integers(-5000, 5000)),
)


def _python(d: date, steps: list[tuple[Any, ...]]) -> date | None:
    try:
        for step in steps:
            if step[0] == "replace":
                d = d.replace(**dict(step[1]))
            elif step[0] == "rd":
                d = d + relativedelta(years=step[1], months=step[2], days=step[3])
            else:
                d = d + timedelta(days=step[1])
    except (ValueError, OverflowError):
        return None
    return d


@settings(max_examples=300, deadline=None)
@given(dates=st.lists(st.dates(date(1850, 1, 1), date(2150, 12, 31)), min_size=1, max_size=40),
       steps=st.lists(_steps, min_size=1, max_size=4))
def test_apply_steps_equals_python_dates(dates: list[date], steps: list[tuple[Any, ...]]) -> None:
    # Month values above 12 make an impossible replace, as in Python.
    days = np.array([d.toordinal() - EPOCH for d in dates], dtype=np.int32)
    got, ok = pricing.apply_steps(np, days, steps)
    for d, g, good in zip(dates, got.tolist(), ok.tolist()):
        want = _python(d, steps)
        if want is None:
            assert not good, (d, steps)
        else:
            assert good and g == want.toordinal() - EPOCH, (d, steps, want, date.fromordinal(g + EPOCH) if good else None)


@settings(max_examples=300, deadline=None)
@given(base=st.dates(date(1, 1, 1), date(9999, 12, 31)), offsets=st.lists(st.integers(0, 90), min_size=1, max_size=120),
       steps=st.lists(_steps, min_size=1, max_size=4))
def test_apply_steps_by_a_table_of_days_equals_every_row(base: date, offsets: list[int], steps: list[tuple[Any, ...]]) -> None:
    """Rows denser than the days they span go through a table of the span: the same days and the same failures."""
    start = base.toordinal() - EPOCH
    days = np.array([min(start + k, date(9999, 12, 31).toordinal() - EPOCH) for k in offsets], dtype=np.int32)
    want, want_ok = pricing._apply_steps(np, days, steps)
    old = pricing._STEP_TABLE_FROM
    pricing._STEP_TABLE_FROM = 1
    try:
        got, ok = pricing.apply_steps(np, days, steps)
    finally:
        pricing._STEP_TABLE_FROM = old
    assert ok.tolist() == want_ok.tolist()
    assert [g for g, k in zip(got.tolist(), ok.tolist()) if k] == [w for w, k in zip(want.tolist(), want_ok.tolist()) if k]
    for d, g, good in zip(days.tolist(), got.tolist(), ok.tolist()):
        python = _python(date.fromordinal(d + EPOCH), steps)
        assert good == (python is not None) and (not good or g == python.toordinal() - EPOCH), (d, steps)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dates(date(1, 1, 1), date(9999, 12, 31)), min_size=1, max_size=30))
def test_ymd_equals_date_fields(dates: list[date]) -> None:
    days = np.array([d.toordinal() - EPOCH for d in dates], dtype=np.int64)
    y, m, d = pricing.ymd(np, days)
    assert list(zip(y.tolist(), m.tolist(), d.tolist())) == [(x.year, x.month, x.day) for x in dates]


def test_combine_keys_equal_tuples() -> None:
    rng = np.random.default_rng(7)
    parts = [(rng.integers(0, w, 5000), w) for w in (3, 64, 11, 1, 2, 7, 4000)]
    key, rep, size = pricing.combine(np, parts, 5000)
    tuples = list(zip(*(p.tolist() for p, _ in parts)))
    seen: dict[tuple[int, ...], int] = {}
    for t, k in zip(tuples, key.tolist()):
        assert seen.setdefault(t, k) == k  # equal tuples, equal keys
    assert len(seen) == size == len(set(key.tolist()))  # and distinct tuples, distinct keys
    assert all(tuples[r] == next(t for t, k in seen.items() if k == i) for i, r in enumerate(rep.tolist()))


# -- stand-ins and exploring ------------------------------------------------------------------------------


def test_explore_visits_every_path_and_records_comparisons() -> None:
    def formula(values: dict[str, Any], on: Any) -> Any:
        d = values["d"]
        if d < date(2000, 1, 1):
            return "old"
        if on <= d.replace(day=1):
            return "wait"
        return "pay"

    seen: list[Any] = []

    def run(values: dict[str, Any], on: Any) -> Any:
        out = formula(values, on)
        seen.append(out)
        return _Result(out)

    leaves = pricing.explore(run, {}, ["d"], symbolic_on=True)
    assert [leaf.result.status for leaf in leaves] == ["old", "wait", "pay"] or sorted(seen) == ["old", "pay", "wait"]
    conds = {leaf.result.status: leaf.conds for leaf in leaves}
    assert len(conds["old"]) == 1 and conds["old"][0][1] is True
    assert len(conds["pay"]) == 2 and conds["pay"][1][0][0] == ("on",)


class _Result:
    def __init__(self, status: str) -> None:
        self.status = status
        self.amount = 0


@pytest.mark.parametrize("use", [lambda d: d.year, lambda d: f"{d}", lambda d: str(d), lambda d: hash(d), lambda d: d - date(2000, 1, 1),
                                 lambda d: d.isoformat()])
def test_a_date_used_other_than_by_comparison_asks_for_real_dates(use: Any) -> None:
    x = pricing.Explorer(())
    d = pricing.DateColumn(x, ("fact", "birth_date", ()))
    with pytest.raises(pricing.NeedConcrete) as e:
        use(d)
    assert e.value.what == "birth_date"


def test_facts_on_compared_for_equality_asks_for_real_months() -> None:
    on = pricing.OnColumn(pricing.Explorer(()))
    with pytest.raises(pricing.NeedConcrete):
        bool(on == date(2024, 1, 1))
    with pytest.raises(pricing.NeedConcrete):
        on.year  # noqa: B018


def test_a_comparison_and_its_negation_are_one_branch() -> None:
    x = pricing.Explorer(())
    d = pricing.DateColumn(x, ("fact", "enlisted", ()))
    first = bool(d < date(2000, 1, 1))
    assert bool(d >= date(2000, 1, 1)) is (not first)
    assert len(x.pending) == 1  # one fork, not two


# -- a pack of formulas that use dates in every way --------------------------------------------------------

_BASIS = sy.Basis(document="test fixture", certainty="assumption")
_TOML = """
[amount]
description = "test fixture"
[[amount.values]]
from = 2000-01-01
value = 100
source = { document = "test fixture", certainty = "assumption" }
[[amount.values]]
from = 2024-08-01
value = 120
source = { document = "test fixture", certainty = "assumption" }
"""


@sy.rule(code="t_on_year", period="monthly", title=("按年份", "by year"), inputs=("categories",), params=("t.amount",), basis=_BASIS)
def t_on_year(facts: Any, p: Any) -> Any:
    # facts.on used as a real date: the columnar road prices each month on its own.
    if not facts.has(sy.Category.COMBAT_VETERAN):
        return sy.NotEligible("非参战", "not combat")
    return p.amount * (2 if facts.on.month in (1, 8) else 1)


@sy.rule(code="t_age", period="monthly", title=("按年龄", "by age"), inputs=("age", "hukou"), params=("t.amount",), basis=_BASIS)
def t_age(facts: Any, p: Any) -> Any:
    # A date-dependent fact that changes within the year (a birthday), compared every way.
    if facts.hukou is not sy.Hukou.RURAL or facts.age < 70:
        return sy.NotEligible("不符合", "no")
    if 80 <= facts.age:
        return p.amount * 2
    if facts.age > 75 and facts.age <= 78:
        return p.amount + 1
    return p.amount


@sy.rule(code="t_dates", period="monthly", title=("日期比较", "dates"), inputs=("enlisted", "discharged", "disability_assessed"),
         params=("t.amount",), basis=_BASIS)
def t_dates(facts: Any, p: Any) -> Any:
    # Two dates compared, max of dates, a relativedelta, and a date in the reason text.
    enl, dis = facts.enlisted, facts.discharged
    if enl is None or dis is None:
        return sy.NotEligible("无服役记录", "no service")
    if dis - relativedelta(years=2) < enl:
        return sy.NotEligible(f"服役不满两年（{enl:%Y-%m}入伍）", "under two years")
    latest = max(dis, facts.disability_assessed) if facts.disability_assessed is not None else dis
    if facts.on < latest + relativedelta(months=3):
        return sy.NotEligible("未满三个月", "not yet")
    return p.amount


@sy.rule(code="t_once", period="one_off", event="discharged", title=("退役", "discharge"), inputs=("service_years_up", "hukou"),
         params=("t.amount",), basis=_BASIS)
def t_once(facts: Any, p: Any) -> Any:
    return p.amount * facts.service_years_up


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> sy.Engine:
    folder = tmp_path_factory.mktemp("datepack")
    (folder / "t.toml").write_text(_TOML, encoding="utf-8")
    return sy.Engine(plugins=[FixturePack("datepack", [t_on_year, t_age, t_dates, t_once], [folder / "t.toml"])])


@st.composite
def _person(draw: Any) -> dict[str, Any]:
    born = draw(st.one_of(st.dates(date(1930, 1, 1), date(1990, 12, 31)),
                          st.sampled_from([date(1944, 2, 29), date(1948, 2, 29), date(1952, 2, 29), date(1954, 3, 1), date(1945, 12, 31)])))
    first17 = f"422827{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    rec: dict[str, Any] = {"身份证号": first17 + check_character(first17), "行政区划代码": "422827",
                           "户籍": draw(st.sampled_from(["农村", "城镇"])),
                           "类别": draw(st.sampled_from(["参战退役人员", "残疾军人", "", "参战退役人员、残疾军人"]))}
    if draw(st.booleans()):
        enl = draw(st.dates(born + timedelta(days=365 * 17), born + timedelta(days=365 * 30)))
        rec["入伍时间"] = enl.isoformat()
        if draw(st.booleans()):
            rec["退役时间"] = draw(st.dates(enl, min(enl + timedelta(days=365 * 12), date(2025, 6, 1)))).isoformat()
        rec["服役类型"] = "义务兵"
    if draw(st.booleans()):
        rec["伤残等级"] = draw(st.sampled_from(["4", "6"]))
        rec["伤残性质"] = "因战"
        rec["评残时间"] = draw(st.dates(date(1990, 1, 1), date(2024, 12, 31))).isoformat()
    if draw(st.integers(0, 6)) == 0:
        rec["死亡时间"] = draw(st.dates(date(2024, 1, 1), date(2024, 12, 31))).isoformat()
    return rec


@settings(max_examples=int(__import__("os").environ.get("SY_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=st.lists(_person(), min_size=1, max_size=30),
       period=st.sampled_from([sy.Period.year(2024), sy.Period.year(2023), sy.Period.month(2024, 8), sy.Period.year(2025)]))
def test_dates_in_every_use_batch_equals_one_by_one(engine: sy.Engine, records: list[dict[str, Any]], period: sy.Period) -> None:
    run = run_roster(engine, records, period)
    assert run.path in ("columnar", "mixed")
    by_row = {r["row"]: r for r in run.results()}
    rejected = {r.row for r in run.rejects}
    seen: set[str] = set()
    for i, rec in enumerate(records, 1):
        if rec["身份证号"] in seen:
            assert i in rejected
            continue
        seen.add(rec["身份证号"])
        try:
            person = sy.Person.from_record(rec)
        except sy.InvalidRecordError:
            assert i in rejected
            continue
        res = engine.entitlements(person, period)
        for ent in res:
            assert by_row[i][ent.rule] == ent.amount, (i, ent.rule, by_row[i][ent.rule], ent.amount, ent.reason)
        assert by_row[i]["total"] == res.total


@sy.rule(code="t_sets", period="monthly", title=("集合", "sets"), inputs=("categories",), params=("t.amount",), basis=_BASIS)
def t_sets(facts: Any, p: Any) -> Any:
    # Set code that receives the categories as an argument, not as ``self``.
    held = set(facts.categories)
    if sy.Category.COMBAT_VETERAN not in held:
        return sy.NotEligible("非参战", "not combat")
    if {sy.Category.DISABLED_VETERAN}.isdisjoint(facts.categories):
        return p.amount
    return p.amount * 2


def test_set_facts_used_as_arguments_are_read_whole(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text(_TOML, encoding="utf-8")
    engine = sy.Engine(plugins=[FixturePack("setpack", [t_sets], [tmp_path / "t.toml"])])
    cats = ["参战退役人员", "残疾军人", "参战退役人员、残疾军人", "", "烈士遗属", "烈士遗属、参战退役人员"]
    records = []
    for i, c in enumerate(cats * 3):
        first17 = f"422827{1950 + i:04d}0101{i:03d}"
        rec = {"身份证号": first17 + check_character(first17), "行政区划代码": "422827", "类别": c}
        if "残疾军人" in c:
            rec.update({"伤残等级": "6", "伤残性质": "因战", "评残时间": "2000-01-01"})
        records.append(rec)
    run = run_roster(engine, records, sy.Period.year(2024))
    got = {r["row"]: r["t_sets"] for r in run.results()}
    for i, rec in enumerate(records, 1):
        assert got[i] == engine.entitlements(sy.Person.from_record(rec), sy.Period.year(2024))["t_sets"].amount, (i, rec["类别"])


@settings(max_examples=300, deadline=None)
@given(born=st.dates(date(1900, 1, 1), date(2000, 12, 31)), years=st.integers(0, 110))
def test_birthday_step_is_the_first_day_of_an_age(born: date, years: int) -> None:
    # The first day on which shuangyong.facts counts the person as ``years`` old.
    def age(on: date) -> int:
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    got, ok = pricing.apply_steps(np, np.array([born.toordinal() - EPOCH]), [("birthday", years)])
    day = date.fromordinal(int(got[0]) + EPOCH)
    assert ok[0] and age(day) == years and age(day - timedelta(days=1)) == years - 1


def test_age_compared_with_years_is_a_comparison_with_a_birthday() -> None:
    x = pricing.Explorer(())
    a = pricing.AgeColumn(x, pricing.OnColumn(x))
    first, second = bool(a >= 60), bool(70 <= a)  # one branch of each is explored first
    assert isinstance(first, bool) and isinstance(second, bool) and len(x.pending) == 2
    atoms = [atom for atom, _ in x.taken]
    assert atoms[0] == (("on",), "lt", ("fact", "birth_date", (("birthday", 60),)))
    assert atoms[1] == (("on",), "lt", ("fact", "birth_date", (("birthday", 70),)))
    with pytest.raises(pricing.NeedConcrete):
        a + 1  # noqa: B018
    with pytest.raises(pricing.NeedConcrete):
        bool(a == 60)
