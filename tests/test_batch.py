"""Roster runs: every row a result or a reject, reconciled to the 分, equal to one-by-one entitlements().

The oracle everywhere is the engine itself: ``Person.from_record`` decides
whether a row is rejected (and with which field), ``engine.entitlements``
what a computed row gets.  Hand-computed figures come from the national
parameter file ``disability_pension.toml`` (因战六级 49,400 元/年 from
2023-08-01 and 52,368 from 2024-08-01, 因公六级 45,890 and 48,180; 因病 七至十级 nothing).
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.roster.run import Reject, load_overrides, parse_override, run_roster
from shuangyong.ids import check_character, normalize_id_number
from shuangyong.testing import FixturePack

pytest.importorskip("numpy")

SAMPLE = Path(sy.__file__).parent / "data" / "sample_roster.csv"


def _id(region: str, born: str, seq: int) -> str:
    first17 = f"{region}{born.replace('-', '')}{seq:03d}"
    return first17 + check_character(first17)


# -- a throwaway pack that exercises yearly, one-off, in-kind and extends rules ------------------

_TOML = """
[gift]
description = "test fixture: 春节慰问金"
unit = "元/年"
[[gift.values]]
from = 2000-01-01
value = 500
source = { document = "test fixture", certainty = "assumption", note = "not a policy figure" }
[[gift.values]]
from = 2024-01-01
value = 600
source = { document = "test fixture", certainty = "assumption", note = "not a policy figure" }

[rate]
description = "test fixture: supplement rate"
[[rate.values]]
from = 2000-01-01
value = 0.1
source = { document = "test fixture", certainty = "assumption", note = "not a policy figure" }

[bonus]
description = "test fixture: award bonus"
[[bonus.values]]
from = 2000-01-01
value = 1000
source = { document = "test fixture", certainty = "assumption", note = "not a policy figure" }
"""

_BASIS = sy.Basis(document="test fixture", certainty="assumption")


@sy.rule(code="t_gift", period="yearly", pay_on=(1, 20), title=("测试慰问金", "test gift"), inputs=("hukou", "alive"),
         params=("t.gift",), basis=_BASIS)
def t_gift(facts: Any, p: Any) -> Any:
    if facts.hukou is not sy.Hukou.RURAL or not facts.alive:
        return sy.NotEligible("非农村户籍", "not rural")
    return p.gift


@sy.rule(code="t_supplement", period="monthly", title=("测试加发", "test supplement"), inputs=("age",), params=("t.rate",),
         basis=_BASIS)
def t_supplement(facts: Any, p: Any) -> Any:
    if facts.age < 70:
        return sy.NotEligible("未满70周岁", "under 70")
    return facts.base * p.rate


@sy.rule(code="t_bus", period="monthly", title=("免费乘车", "free bus"), inputs=("disability_grade", "serving"), basis=_BASIS)
def t_bus(facts: Any, p: Any) -> Any:
    if facts.disability_grade is None:
        return sy.NotEligible("非残疾军人", "not disabled")
    return sy.InKind("县内公交免费", "free county buses")


@sy.rule(code="t_award", period="one_off", event="awards", title=("测试奖励", "test award"), inputs=("hukou", "age"),
         params=("t.bonus",), basis=_BASIS)
def t_award(facts: Any, p: Any) -> Any:
    if facts.event.level in (sy.AwardLevel.COMMENDATION, sy.AwardLevel.OUTSTANDING_SOLDIER):
        return sy.NotEligible("嘉奖不奖励", "commendations get nothing")
    return p.bonus


@sy.rule(code="t_discharge", period="one_off", event="discharged", title=("测试退役", "test discharge"),
         inputs=("service_years_up", "serving"), params=("t.bonus",), basis=_BASIS)
def t_discharge(facts: Any, p: Any) -> Any:
    return p.bonus * facts.service_years_up


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> sy.Engine:
    folder = tmp_path_factory.mktemp("pack")
    (folder / "t.toml").write_text(_TOML, encoding="utf-8")
    rules = [t_gift, (t_supplement, {"extends": "disability_pension"}), t_bus, t_award, t_discharge]
    return sy.Engine(plugins=[FixturePack("testpack", rules, [folder / "t.toml"])])


# -- the oracle -------------------------------------------------------------------------------------


def _check_against_engine(engine: sy.Engine, records: list[dict[str, Any]], period: sy.Period, run: Any) -> None:
    """Every row: rejected exactly when from_record refuses it (or repeats an ID), else amounts = entitlements()."""
    assert run.rows_in == len(records) == run.computed + run.rejected
    results = {r["row"]: r for r in run.results()}
    rejects = {r.row: r for r in run.rejects}
    assert set(results).isdisjoint(rejects) and len(results) + len(rejects) == len(records)
    seen: set[str] = set()
    for i, rec in enumerate(records):
        row = i + 1
        raw = rec.get("身份证号")
        canon = normalize_id_number(unicodedata.normalize("NFKC", raw).strip()) if isinstance(raw, str) else None
        if canon is not None and canon in seen:
            assert row in rejects and rejects[row].field == "id_number" and "repeats" in rejects[row].reason
            continue
        if canon is not None:
            seen.add(canon)
        try:
            person = sy.Person.from_record(rec)
        except sy.InvalidRecordError as e:
            assert row in rejects, f"row {row} should be rejected ({e})"
            assert rejects[row].field == e.field
            continue
        res = engine.entitlements(person, period)
        assert row in results, f"row {row} should be computed: {rejects.get(row)}"
        got = results[row]
        for ent in res:
            assert got[ent.rule] == ent.amount, (row, ent.rule, got[ent.rule], ent.amount, ent.reason)
        assert got["total"] == res.total
        for code in run.rule_codes:
            if code not in res:
                assert got[code] is None


# -- hand-computed cases ---------------------------------------------------------------------------------


def _person(**kw: Any) -> dict[str, Any]:
    rec = {"身份证号": _id("422827", kw.pop("born", "1960-01-01"), kw.pop("seq", 1)), "行政区划代码": "422827"}
    rec.update(kw)
    return rec


def test_worked_examples_disability_pension_2024() -> None:
    engine = sy.Engine()
    rows = [
        # The 2023-08-01 and 2024-08-01 tables were missing before (national-standards.md §1):
        # 因战六级, assessed long ago: 49,400 ÷ 12 = 4,116.67 × 7 = 28,816.69; 52,368 ÷ 12 = 4,364 × 5 = 21,820 → 50,636.69
        _person(seq=1, 伤残等级="六级", 伤残性质="因战", 评残时间="2010-05-01"),
        # 因战六级 assessed 2024-05-10: paid from June, 2 × 4,116.67 + 5 × 4,364 = 8,233.34 + 21,820 = 30,053.34
        _person(seq=3, 伤残等级="6", 伤残性质="因战", 评残时间="2024-05-10"),
        # 因公六级: 45,890 ÷ 12 = 3,824.17 × 7 = 26,769.19; 48,180 ÷ 12 = 4,015 × 5 = 20,075 → 46,844.19
        _person(seq=5, 伤残等级="6", 伤残性质="因公", 评残时间="2010-05-01"),
        # 因病八级: computed, nothing (条例 pays 因病 grades 1–6 only) — not rejected
        _person(seq=7, 伤残等级="八级", 伤残性质="因病", 评残时间="2010-05-01"),
        # died 2024-06-15: January to June, 6 × 4,116.67 = 24,700.02
        _person(seq=9, 伤残等级="6", 伤残性质="因战", 评残时间="2010-05-01", 死亡时间="2024-06-15"),
    ]
    run = run_roster(engine, rows, 2024)
    got = [r["disability_pension"] for r in run.results()]
    assert got == [Decimal("50636.69"), Decimal("30053.34"), Decimal("46844.19"), Decimal("0.00"), Decimal("24700.02")]
    # 50,636.69 + 30,053.34 + 46,844.19 + 0 + 24,700.02 (the total also holds the funeral grant of the one who died)
    assert next(r for r in run.summary()["rules"] if r["code"] == "disability_pension")["amount"] == "152234.24"
    _check_against_engine(engine, rows, sy.Period.year(2024), run)


def test_repeated_id_rejects_the_later_rows_and_never_pays_twice() -> None:
    a = _person(seq=1, 伤残等级="6", 伤残性质="因战", 评残时间="2010-05-01")
    rows = [a, dict(a), dict(a, 户籍="农村")]
    run = run_roster(sy.Engine(), rows, 2024)
    assert (run.computed, run.rejected) == (1, 2)
    assert [r.row for r in run.rejects] == [2, 3]
    assert all(r.field == "id_number" and "row 1" in r.reason for r in run.rejects)
    assert run.total == Decimal("50636.69")  # 因战六级 2024, see test_worked_examples_disability_pension_2024


def test_region_default_applies_to_rows_without_one() -> None:
    rows = [{"身份证号": _id("422827", "1960-01-01", 1), "伤残等级": "6", "伤残性质": "因战", "评残时间": "2010-05-01"}]
    assert run_roster(sy.Engine(), rows, 2024).rejects[0].field == "region"
    run = run_roster(sy.Engine(), rows, 2024, region="422827")
    assert run.computed == 1 and run.total == Decimal("50636.69")


def test_adjustments_are_added_to_the_person_total() -> None:
    a = _person(seq=1, 伤残等级="6", 伤残性质="因战", 评残时间="2010-05-01")
    adj = sy.Adjustment(amount=Decimal("100.00"), reason="补发", approver="局长")
    run = run_roster(sy.Engine(), [a], 2024, adjustments={a["身份证号"]: [adj]})
    assert run.total == Decimal("50736.69")  # 50,636.69 + 100


# -- the sample roster and a GBK roster with every kind of bad row ----------------------------------------


def test_sample_roster_reconciles_and_both_roads_agree() -> None:
    engine = sy.Engine()
    fast = run_roster(engine, SAMPLE, 2024)
    ref = run_roster(sy.Engine(), SAMPLE, 2024, fast=False)
    assert fast.rows_in == fast.computed + fast.rejected
    assert list(fast.results()) == list(ref.results())
    assert fast.rejects == ref.rejects
    s = fast.summary()
    assert s["rows_in"] == s["computed"] + s["rejected"] and s["reconciled"]
    results = list(fast.results())
    assert Decimal(s["total"]) == sum((r["total"] for r in results), Decimal(0))
    for r in s["rules"]:
        assert Decimal(r["amount"]) == sum((x[r["code"]] or Decimal(0) for x in results), Decimal(0))
    held = {c["category"] for c in s["categories"]}
    assert held == {c.label for c in sy.Category}, "the sample covers every category"
    assert s["unknown_columns"] == ["备注"]


def _malformed_roster(n: int, seed: int) -> tuple[list[list[str]], dict[int, str]]:
    """Rows (header first) with ~5 % malformed of each kind; returns expected reject field per spreadsheet row."""
    rnd = random.Random(seed)
    header = ["身份证号", "姓名", "行政区划代码", "户籍", "类别", "伤残等级", "伤残性质", "评残时间", "入伍时间", "退役时间"]
    rows: list[list[str]] = [header]
    expect: dict[int, str] = {}
    kinds = ["check", "date", "region", "grade", "missing", "space", "fullwidth", "illness8"]
    for i in range(n):
        born = date(rnd.randint(1935, 1975), rnd.randint(1, 12), rnd.randint(1, 28)).isoformat()
        region = rnd.choice(["422827", "422801", "370830"])
        idn = _id(region, born, (2 * i + 1) % 1000)
        grade = str(rnd.randint(1, 10))
        row = [idn, f"测试{i}", region, rnd.choice(["农村", "城镇"]), rnd.choice(["残疾军人", "残疾军人、参战退役人员", "参战退役人员"]),
               grade, rnd.choice(["因战", "因公", "因病"]), "2015-03-01", "1978-03-01", "1982-01-01"]
        kind = kinds[i % len(kinds)] if rnd.random() < 0.4 else None
        r = len(rows) + 1
        if kind == "check":
            row[0] = idn[:-1] + ("0" if idn[-1] != "0" else "1")
            expect[r] = "id_number"
        elif kind == "date":
            row[7] = "2015-02-30"
            expect[r] = "disability_date"
        elif kind == "region":
            row[2] = "990101"
            expect[r] = "region"
        elif kind == "grade":
            row[5] = "11"
            expect[r] = "disability_grade"
        elif kind == "missing":
            row = row[:2]  # a short row: region and everything after it missing
            expect[r] = "row"  # fewer fields than the header: a reject of the row, never padded
        elif kind == "space":
            row[0], row[3] = f" {idn}  ", " 农村"
        elif kind == "fullwidth":
            row[0] = idn.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
            row[5] = grade.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        elif kind == "illness8":
            row[5], row[6] = "8", "因病"
        rows.append(row)
    return rows, expect


def test_gbk_roster_with_malformed_rows_of_every_kind(tmp_path: Path) -> None:
    rows, expect = _malformed_roster(400, seed=6)
    p = tmp_path / "roster.csv"
    with p.open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(rows)
    engine = sy.Engine()
    run = run_roster(engine, p, 2024)
    assert run.roster.encoding == "gb18030"
    assert run.rows_in == 400 == run.computed + run.rejected
    got = {r.row: r for r in run.rejects}
    assert {r: x.field for r, x in got.items()} == expect
    for r in run.rejects:
        assert r.row >= 2 and r.field and r.reason and "*" in r.id_number
    results = list(run.results())
    assert run.total == sum((r["total"] for r in results), Decimal(0))
    # 因病八级 rows are computed and get no disability pension.
    ill8 = [i + 1 for i, row in enumerate(rows) if len(row) > 6 and row[5] == "8" and row[6] == "因病" and i + 1 not in expect]
    by_row = {r["row"]: r for r in results}
    assert ill8 and all(by_row[r]["disability_pension"] == Decimal("0.00") for r in ill8)
    # The same rows read from memory, one by one through the engine.
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    _check_against_engine(engine, records, sy.Period.year(2024), run_roster(engine, records, 2024))


# -- random rosters: batch = one by one ---------------------------------------------------------------------

_CATS = [c.label for c in sy.Category]
_DATES = ["", "2024-05-10", "2024-01-01", "2010-05-01", "1985-07-01", "2023-02-30", "1900-01-01", "2024年8月1日", "2024-12-31"]


@st.composite
def _record(draw: Any) -> dict[str, Any]:
    region = draw(st.sampled_from(["422827", "422801", "370830", "110101", "990101", "", "４２２８２７"]))
    born = draw(st.dates(date(1930, 1, 1), date(2004, 12, 31)))
    seq = draw(st.integers(0, 6))
    idn = _id(region if len(region) == 6 and region.isascii() and region[:2] != "99" else "422827", born.isoformat(), seq)
    idn = draw(st.sampled_from([idn, idn, idn, idn[:-1] + ("1" if idn[-1] == "0" else "0"), "123", f" {idn.lower()} "]))
    rec: dict[str, Any] = {"身份证号": idn, "行政区划代码": region}
    if draw(st.booleans()):
        rec["户籍"] = draw(st.sampled_from(["农村", "城镇", "农业", "", "火星"]))
    rec["类别"] = "、".join(draw(st.lists(st.sampled_from(_CATS), max_size=3, unique=True)))
    if draw(st.booleans()):
        rec["伤残等级"] = draw(st.sampled_from(["1", "六级", "6", "8", "10", "11", "", "x"]))
        rec["伤残性质"] = draw(st.sampled_from(["因战", "因公", "因病", ""]))
        rec["评残时间"] = draw(st.sampled_from(_DATES))
        if draw(st.booleans()):  # issue 13 fields: approval date, amount actually paid
            rec["批准时间"] = draw(st.sampled_from(["", "2024-10-15", "2024-09-20", "2021-03-01", "1920-01-01", "x"]))
            rec["残疾抚恤金月发放额"] = draw(st.sampled_from(["", "4200.50", "-1", "abc"]))
    if draw(st.booleans()):
        rec["入伍时间"] = draw(st.sampled_from(["1955-03-01", "1978-03-01", "2000-09-01", "2023-09-01", "", "1978-02-30"]))
        rec["退役时间"] = draw(st.sampled_from(["", "1960-01-01", "1982-01-01", "2024-06-01", "2025-09-01"]))
        rec["服役类型"] = draw(st.sampled_from(["义务兵", "军士", "军官", ""]))
        rec["义务兵役年限"] = draw(st.sampled_from(["", "2", "5", "99"]))
        if draw(st.booleans()):
            rec["退役时户籍"] = draw(st.sampled_from(["", "农村", "城镇", "火星"]))
    if draw(st.booleans()):
        rec["遗属类别"] = draw(st.sampled_from(["烈士", "因公牺牲", "病故", "现役", ""]))
        rec["与军人关系"] = draw(st.sampled_from(["父母", "配偶", "子女", ""]))
        rec["牺牲病故时间"] = draw(st.sampled_from(["", "2024-03-05", "2000-01-01"]))
        if draw(st.booleans()):
            rec["认定时间"] = draw(st.sampled_from(["", "2024-11-20", "2023-05-01", "2024-02-30"]))
            rec["定期抚恤金月发放额"] = draw(st.sampled_from(["", "3500", "1,000.50"]))
    if draw(st.integers(0, 3)) == 0:
        rec["领取退休金或职工养老保险"] = draw(st.sampled_from(["", "是", "否", "也许"]))
        rec["定期生活补助月发放额"] = draw(st.sampled_from(["", "1000.00", "x"]))
    if draw(st.booleans()):
        rec["立功受奖"] = draw(st.sampled_from(["", "二等功@2024-05-01", "三等功", "嘉奖@2024-02-01;一等功@2024-09-09", "五等功"]))
    if draw(st.integers(0, 5)) == 0:
        rec["死亡时间"] = draw(st.sampled_from(["2024-06-15", "2024-01-01", "2023-12-31"]))
    if draw(st.integers(0, 4)) == 0:
        rec["备注"] = draw(st.sampled_from(["", "x"]))
    return rec


@settings(max_examples=int(__import__("os").environ.get("SY_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=st.lists(_record(), min_size=1, max_size=25),
       period=st.sampled_from([sy.Period.year(2024), sy.Period.year(2023), sy.Period.month(2024, 8), sy.Period.year(2025)]))
def test_batch_equals_one_by_one_entitlements(engine: sy.Engine, records: list[dict[str, Any]], period: sy.Period) -> None:
    run = run_roster(engine, records, period)
    _check_against_engine(engine, records, period, run)
    ref = run_roster(engine, records, period, fast=False)
    assert list(ref.results()) == list(run.results())
    assert ref.rejects == run.rejects


# -- what-if ----------------------------------------------------------------------------------------------


def test_what_if_reports_differences_and_who_gains() -> None:
    rows = [
        _person(seq=1, 伤残等级="6", 伤残性质="因战", 评残时间="2010-05-01"),
        _person(seq=3, 伤残等级="6", 伤残性质="因公", 评残时间="2010-05-01", 类别="残疾军人"),
        _person(seq=5, 伤残等级="6", 伤残性质="因战", 评残时间="2010-05-01", 类别="残疾军人"),
    ]
    # 因战六级 to 54,000 from 2024-08-01 (national 52,368): Aug–Dec 5 × (4,500 − 4,364) = 680 more each.
    run = run_roster(sy.Engine(), rows, 2024, overrides=["disability_pension.annual_standard.6.因战=54000@2024-08-01"])
    w = run.what_if
    assert w is not None
    assert (w.gainers, w.losers, w.unchanged, w.compared) == (2, 0, 1, 3)
    assert w.difference == Decimal("1360.00")
    rule = next(r for r in w.by_rule if r["code"] == "disability_pension")
    assert rule["difference"] == "1360.00"
    cat = next(c for c in w.by_category if c["category"] == "残疾军人")
    assert cat["difference"] == "680.00"
    assert run.summary()["what_if"]["gainers"] == 2
    assert any("增发 2 人" in line for line in run.lines())


def test_parse_override_forms(tmp_path: Path) -> None:
    assert parse_override("a.b=120000@2024-08-01") == ("a.b", Decimal("120000"), date(2024, 8, 1))
    assert parse_override("a.start=same_month") == ("a.start", "same_month", None)
    assert parse_override(("a.b", 5)) == ("a.b", Decimal(5), None)
    with pytest.raises(sy.InvalidRecordError, match="override"):
        parse_override("no-equals-sign")
    with pytest.raises(sy.InvalidRecordError, match="YYYY-MM-DD"):
        parse_override("a=1@tomorrow")
    p = tmp_path / "o.toml"
    p.write_text('"x.y" = 5\n[[override]]\nname = "x.z"\nvalue = "7.5"\nfrom = 2024-08-01\n', encoding="utf-8")
    assert load_overrides(p) == [("x.z", Decimal("7.5"), date(2024, 8, 1)), ("x.y", Decimal(5), None)]
    p.write_text("x = [", encoding="utf-8")
    with pytest.raises(sy.ParameterFileError, match="o.toml"):
        load_overrides(p)


# -- outputs and the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_writers(tmp_path: Path, fmt: str) -> None:
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    run = run_roster(sy.Engine(), SAMPLE, 2024)
    out, rej = tmp_path / f"results.{fmt}", tmp_path / f"rejects.{fmt}"
    run.write_results(out)
    run.write_rejects(rej)
    back = sy.read_roster(out)
    totals = 0
    if fmt == "xlsx" and len(back) and str(back.data["row"][-1]) == "合计":
        totals = 1  # the formatted workbook ends with a 合计 row (a reader that knows it leaves it out)
        assert Decimal(str(back.data["total"][-1])) == run.total
    assert len(back) - totals == run.computed
    assert back.headers == ["row", "id_number", *run.rule_codes, "total"]
    assert sum(Decimal(str(v)) for v in back.data["total"][: len(back) - totals]) == run.total
    assert len(sy.read_roster(rej)) == run.rejected
    for v in back.data["id_number"][: len(back) - totals]:
        assert "*" in str(v)  # never an unmasked ID


def test_summary_json(tmp_path: Path) -> None:
    run = run_roster(sy.Engine(), SAMPLE, 2024)
    p = tmp_path / "s.json"
    run.write_summary(p)
    s = json.loads(p.read_text(encoding="utf-8"))
    for key in ("rows_in", "computed", "rejected", "total", "rules", "categories", "format_version", "period"):
        assert key in s
    assert "人，发放金额" in "\n".join(run.lines())
    assert "persons, amount" in "\n".join(run.lines("en"))


def test_cli_entitle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shuangyong.cli.main import main

    out, rej, summ = tmp_path / "r.csv", tmp_path / "j.csv", tmp_path / "s.json"
    rc = main(["entitle", str(SAMPLE), "--period", "2024", "--packs", "national", "--out", str(out), "--rejects", str(rej),
               "--summary", str(summ), "--set", "disability_pension.annual_standard.6.因战=48000@2024-08-01"])
    text = capsys.readouterr()
    assert rc == 0
    s = json.loads(summ.read_text(encoding="utf-8"))
    assert f"读入 {s['rows_in']} 行 = 计算 {s['computed']} 行 + 退回 {s['rejected']} 行" in text.out
    assert "测算" in text.out and text.err == ""  # no progress bar when stderr is not a terminal
    assert out.exists() and rej.exists()
    rc = main(["entitle", str(tmp_path / "missing.csv"), "--period", "2024", "--packs", "national"])
    assert rc == 1 and "no such file" in capsys.readouterr().err


def test_progress_bar_only_on_a_terminal_after_a_second() -> None:
    import io

    from shuangyong.cli.roster import ProgressBar

    s = io.StringIO()
    bar = ProgressBar(s, delay=0)
    bar(5, 10)
    assert s.getvalue() == ""  # StringIO is not a TTY

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    t = Tty()
    slow = ProgressBar(t, delay=3600)
    slow(5, 10)
    assert t.getvalue() == ""  # not yet a second
    fast = ProgressBar(t, delay=0)
    fast(10, 10)
    fast.close()
    assert "10/10" in t.getvalue()


def test_reject_dataclass() -> None:
    r = Reject(3, "4228**********0011", "region", "is required")
    assert r.to_dict() == {"row": 3, "id_number": "4228**********0011", "field": "region", "reason": "is required"}


def test_fen_text_matches_decimal_text() -> None:
    from shuangyong.roster.run import _fen_text
    from shuangyong.money import from_fen

    for f in (0, 1, 5, 10, 99, 100, 101, 123450, 98187500, -1, -150, -123456):
        assert _fen_text(f) == str(from_fen(f))


def test_csv_results_assembled_as_bytes_equal_the_csv_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shuangyong.roster.run import RosterRun

    run = run_roster(sy.Engine(), SAMPLE, 2024)
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    run.write_results(fast)
    monkeypatch.setattr(RosterRun, "_csv_columns", lambda self, np: None)
    run.write_results(slow)
    assert fast.read_bytes() == slow.read_bytes()
    with fast.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == run.computed and rows[0]["id_number"].count("*") == 10
    assert sum(Decimal(r["total"]) for r in rows) == run.total
