"""Campaigns (issue 17): plans, visit lists once per household, the 台帐, reports and evidence — hand-counted."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

import shuangyong as sy
from shuangyong import campaigns as c
from shuangyong.testing import synthetic_id

pytest.importorskip("lunar_python")

D = dt.date


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine.from_plugins(["tianjin"])


@pytest.fixture(scope="module")
def seed_plan(engine: sy.Engine) -> c.CampaignPlan:
    return c.plan(engine, "shuangyong_at_grassroots")


def _person(i: int, household: str | None, cats: str, born: str = "1950-01-01", region: str = "120112", **kw: str) -> sy.Person:
    rec = {"身份证号": synthetic_id(region, born, 100 + i), "姓名": "王五", "行政区划代码": region, "类别": cats, **kw}
    if household:
        rec["户编号"] = household
    return sy.Person.from_record(rec)


# -- plans --------------------------------------------------------------------------


def test_seed_plan_has_seven_stages_and_the_documents_units(seed_plan: c.CampaignPlan) -> None:
    assert [s.title for s in seed_plan.stages] == [
        "宣传动员阶段", "走访摸底阶段", "排忧解难阶段", "活动小结阶段", "巩固提高阶段", "检查督促阶段", "总结宣传阶段"]
    assert (seed_plan.start, seed_plan.end) == (D(2015, 1, 1), D(2016, 12, 31))
    assert len(seed_plan.areas) == 5
    assert seed_plan.stage("mobilise").end == D(2015, 2, 28)  # "2015-02" as an end is the month's last day
    assert seed_plan.task("legal_aid").units == ("县司法局",)
    assert seed_plan.task("martyrs_day").deadline == D(2015, 9, 30)


def test_plan_errors_name_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(textwrap.dedent("""
        code = "x"
        title = "t"
        start = 2020-01-01
        end = 2020-12-31
        units = ["A"]
        [[stages]]
        key = "s"
        title = "S"
        start = 2020-01-01
        end = 2021-03-01
        [[tasks]]
        key = "t1"
        title = "T"
        stage = "nope"
        lead = "B"
        targets = [{ measure = "ratio", value = 0.96 }]
    """), encoding="utf-8")
    with pytest.raises(c.CampaignError) as e:
        c.load_plan(f)
    msg = str(e.value)
    assert str(f) in msg
    for words in ("stages[0].start", "outside the plan", "tasks[0].stage: no stage 'nope'", "tasks[0].lead: 'B' is not in units",
                  "floats are refused", "targets[0].what", "targets[0].of"):
        assert words in msg


def test_ratio_target_from_record_counts() -> None:
    plan = c.load_plan({
        "code": "p", "title": "安置", "start": D(2024, 1, 1), "end": D(2024, 12, 31), "units": ["县退役军人事务局"],
        "stages": [{"key": "y", "title": "全年", "start": D(2024, 1, 1), "end": D(2024, 12, 31)}],
        "tasks": [{"key": "placement", "title": "退役士兵安置", "stage": "y", "lead": "县退役军人事务局",
                   "targets": [{"title": "安置率", "measure": "ratio", "what": "已安置", "of": "应安置", "op": ">=", "value": "96%"}]}],
    })
    t = plan.task("placement").targets[0]
    assert t.describe() == "安置率不低于96%"
    rec = lambda i, n, k: c.WorkRecord(i, "p", "placement", "县退役军人事务局", D(2024, 6, i), "安置", {"已安置": n, "应安置": k})
    # 47/50 = 94 %: complete record, target not met → not done; 48/50 = 96 % → done.
    s = c.task_status(plan, [rec(1, 47, 50)], D(2024, 7, 1))[0]
    assert s.state == "in_progress" and s.targets[0][2] is False
    s = c.task_status(plan, [rec(1, 47, 50), rec(2, 1, 0)], D(2024, 7, 1))[0]
    assert s.state == "done" and s.targets[0][1] == Decimal("0.96") and s.completed_on == D(2024, 6, 2)


# -- visit lists --------------------------------------------------------------------


def test_three_eligible_members_of_one_household_get_one_grant(engine: sy.Engine, tmp_path: Path) -> None:
    people = [
        _person(1, "H1", "烈士遗属", "1950-01-01"),
        _person(2, "H1", "烈士遗属", "1975-05-05"),
        _person(3, "H1", "在乡老复员军人", "1930-02-02"),
        _person(4, "H2", "在乡老复员军人", "1935-03-03"),
        _person(5, None, "烈士遗属", "1960-01-01", 住址="津南区某镇 3号"),
        _person(6, None, "烈士遗属", "1962-01-01", 住址="津南区某镇３号"),   # same address, full-width digit
        _person(7, "H3", "退役士兵", "1980-01-01"),                         # not in the categories
        _person(8, "H4", "烈士遗属", "1950-01-01", region="120113"),        # another district: not covered
    ]
    vl = c.visit_list(engine, people, "jinnan_spring_festival_visit", 2025)
    # Hand count: households H1 (3 people), H2 (1), the 3号 address (2) → 3 × 1000 元 (seed 003 篇四).
    assert vl.on == D(2025, 1, 29)
    assert [h.key for h in vl.households] == ["户:H1", "户:H2", "址:津南区某镇3号"]
    assert [len(h.members) for h in vl.households] == [3, 1, 2]
    assert vl.total == Decimal("3000.00") and vl.people == 6 and vl.not_eligible == 2
    assert vl.summary() == "2025年春节走访慰问：走访慰问3户，发放慰问金3,000元"
    assert "享受" in vl.households[0].explanation and "1000" in vl.households[0].explanation
    out = c.write_visit_list(vl, tmp_path / "名单.csv")
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["序号", "户编号", "户代表姓名"]
    assert rows[-1][0] == "合计（3户，6人）" and rows[-1][6] == "3000.00"
    assert [r[6] for r in rows[1:-1]] == ["1000.00"] * 3
    text = out.read_text(encoding="utf-8-sig")
    assert people[0].id_number not in text and "王五" not in text  # masked by default


def test_visit_list_xlsx(engine: sy.Engine, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    vl = c.visit_list(engine, [_person(1, "H1", "烈属")], "jinnan_spring_festival_visit", 2024)
    out = c.write_visit_list(vl, tmp_path / "名单.xlsx")
    ws = openpyxl.load_workbook(out).active
    assert ws.cell(1, 1).value == "序号" and ws.cell(1, 7).value == "慰问金（元）"
    assert Decimal(str(ws.cell(2, 7).value)) == Decimal("1000")
    assert str(ws.cell(3, 1).value).startswith("合计（1户，1人）")


def test_dead_before_the_festival_is_not_visited(engine: sy.Engine) -> None:
    p = _person(1, "H1", "烈士遗属", 死亡时间="2025-01-10")
    assert c.visit_list(engine, [p], "jinnan_spring_festival_visit", 2025).households == ()


def test_missing_amount_fails_closed(engine: sy.Engine) -> None:
    # 2014 is before the amount's first date: the list refuses rather than leaving the household off.
    with pytest.raises(c.CampaignError, match="missing_parameter|no_standard"):
        c.visit_list(engine, [_person(1, "H1", "烈士遗属")], "jinnan_spring_festival_visit", 2014)


# -- the 台帐 -------------------------------------------------------------------------


def test_rejects_unknown_task_or_unit_and_writes_nothing(seed_plan: c.CampaignPlan, tmp_path: Path) -> None:
    with c.Taizhang(tmp_path / "t.sqlite", seed_plan) as tz:
        with pytest.raises(c.CampaignError, match="no task 'nope'"):
            tz.record("nope", "县双拥办", "2015-02-01", "x")
        with pytest.raises(c.CampaignError, match="'县教育局' is not a unit of the plan"):
            tz.record("publicity", "县教育局", "2015-02-01", "x")
        with pytest.raises(c.CampaignError, match="not 牵头 or 责任 for task 'legal_aid'"):
            tz.record("legal_aid", "县双拥办", "2015-06-01", "x")
        with pytest.raises(c.CampaignError, match="float"):
            tz.record("publicity", "县双拥办", "2015-02-01", "x", amount=1.5)
        with pytest.raises(c.CampaignError, match="outside the plan"):
            tz.record("publicity", "县双拥办", "2017-02-01", "x")
        assert tz.records() == []


def test_records_are_never_edited(seed_plan: c.CampaignPlan, tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    with c.Taizhang(path, seed_plan) as tz:
        r = tz.record("publicity", "县双拥办", "2015-02-01", "动员会", counts={"人": 80})
        fix = tz.record("publicity", "县双拥办", "2015-02-01", "动员会（更正人数）", counts={"人": 85}, corrects=r.id)
        assert [x.id for x in tz.records()] == [fix.id]
        assert len(tz.records(include_superseded=True)) == 2
    db = sqlite3.connect(path)
    for sql in ("UPDATE records SET what='x'", "DELETE FROM records"):
        with pytest.raises(sqlite3.DatabaseError, match="never"):
            db.execute(sql)
    db.close()


def test_a_crash_mid_write_leaves_whole_records(seed_plan: c.CampaignPlan, tmp_path: Path) -> None:
    """A process killed while writing leaves only whole records (one transaction per record)."""
    path = tmp_path / "t.sqlite"
    script = textwrap.dedent(f"""
        import os, shuangyong as sy, shuangyong.campaigns as c
        plan = c.plan(sy.Engine(), "shuangyong_at_grassroots")
        tz = c.Taizhang({str(path)!r}, plan)
        for i in range(100000):
            tz.record("visit_veterans", "县民政局", "2015-09-01", f"走访{{i}}", counts={{"户": 1, "人": 2}}, amount="500")
            if i == 5:
                print("ready", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.kill()
    proc.wait()
    with c.Taizhang(path, seed_plan) as tz:
        recs = tz.records()
        assert len(recs) >= 6
        assert all(r.counts == {"户": 1, "人": 2} and r.amount == Decimal("500.00") for r in recs)
        assert [r.what for r in recs] == [f"走访{i}" for i in range(len(recs))]


def test_plan_mismatch_is_refused(seed_plan: c.CampaignPlan, tmp_path: Path) -> None:
    other = c.load_plan({"code": "other", "title": "t", "start": D(2020, 1, 1), "end": D(2020, 12, 31), "units": ["A"],
                         "stages": [{"key": "s", "title": "S", "start": D(2020, 1, 1), "end": D(2020, 12, 31)}],
                         "tasks": [{"key": "t", "title": "T", "stage": "s", "lead": "A"}]})
    c.Taizhang(tmp_path / "t.sqlite", seed_plan).close()
    with pytest.raises(c.CampaignError, match="kept against plan 'shuangyong_at_grassroots'"):
        c.Taizhang(tmp_path / "t.sqlite", other)


# -- a year of records, reports and evidence, hand-counted --------------------------


@pytest.fixture()
def year_2015(seed_plan: c.CampaignPlan, tmp_path: Path) -> c.Taizhang:
    tz = c.Taizhang(tmp_path / "2015.sqlite", seed_plan)
    tz.record("publicity", "县双拥工委", "2015-02-10", "全县动员大会", evidence=["会议纪要〔2015〕1号"])          # done
    tz.record("publicity", "县双拥办", "2015-03-05", "宣传栏更新")                                          # done late
    tz.record("survey_entitled", "县民政局", "2015-04-20", "调查摸底优抚对象312人", counts={"人": 312})       # done
    tz.record("seven_actions", "县双拥办", "2015-10-01", "建立台帐", complete=False)                        # late (not complete)
    tz.record("visit_veterans", "县民政局", "2015-08-20", "走访革命功臣", counts={"户": 12, "人": 15}, amount="6000")
    tz.record("visit_veterans", "县民政局", "2015-09-28", "烈士纪念日走访", counts={"户": 8, "人": 8}, amount="4000")
    tz.record("martyrs_day", "县双拥工委", "2015-09-30", "公祭活动")                                         # done
    return tz


def test_status_and_briefing_match_hand_counts(year_2015: c.Taizhang) -> None:
    st = {(s.task.key, s.unit): s.state for s in year_2015.status(D(2015, 12, 31)) if s.deadline.year == 2015}
    assert st[("publicity", "县双拥工委")] == "done"
    assert st[("publicity", "县双拥办")] == "done_late"
    assert st[("publicity", "县各有关单位")] == "late_no_record"
    assert st[("seven_actions", "县双拥办")] == "late"
    assert st[("midterm_review", "县双拥办")] == "not_started"   # deadline 2015-12-31 not passed
    assert st[("martyrs_day", "县双拥工委")] == "done"
    m2016 = [s for s in year_2015.status(D(2015, 12, 31)) if s.task.key == "martyrs_day" and s.deadline == D(2016, 9, 30)]
    assert [s.state for s in m2016] == ["not_started"]   # a yearly task: 2016's 公祭 is its own item
    t = c.tally(year_2015.plan, year_2015.records(), D(2015, 12, 31))
    # By hand: 20 (task, unit) items + the 2016 martyrs' day = 21.  Done: publicity/工委, survey/民政,
    # visit_veterans/民政, martyrs_day 2015 = 4, plus publicity/双拥办 late = 5 completed.
    assert (t.total, t.completed, t.states["done_late"], t.states["late"]) == (21, 5, 1, 1)
    # Overdue with no record: publicity (有关单位), visit_troops (双拥办, 有关单位), seven_actions (民政, 有关单位),
    # legal_aid, barracks_open = 7.  Overdue = 1 late-done + 1 late + 7 = 9.
    assert t.states["late_no_record"] == 7 and t.overdue == 9
    assert (t.households, t.people, t.amount) == (20, 335, Decimal("10000.00"))
    text = c.briefing(year_2015.plan, year_2015.records(), D(2015, 12, 31))
    assert "走访慰问20户（335人），发放慰问金10,000元" in text
    assert "完成5项，逾期9项" in text
    assert "驻军部队：八一期间开展军事日" in text


def test_evidence_scores_with_assess(year_2015: c.Taizhang, tmp_path: Path) -> None:
    scheme = sy.Engine().scheme("grassroots_five_ones")
    doc = c.evidence(year_2015.plan, year_2015.records(), D(2015, 12, 31), scheme=scheme)
    # seven_actions (→ 双拥工作台帐) is not complete for anyone: every check is missing.
    assert doc["checklists"]["five_ones"]["双拥工作台帐"] is False
    card = sy.Engine().assess(scheme, doc)
    assert card.grade == "未达标"
    year_2015.record("seven_actions", "县民政局", "2015-11-20", "台帐建成", evidence=["台帐照片 IMG_0101"])
    doc = c.evidence(year_2015.plan, year_2015.records(), D(2015, 12, 31), scheme=scheme)
    assert doc["checklists"]["five_ones"]["双拥工作台帐"] == "台帐照片 IMG_0101"


# -- CLI (in process; the docs test runs the real command) --------------------------


def test_cli_rejects_with_reason_and_no_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shuangyong.cli.main import main

    db = str(tmp_path / "t.sqlite")
    rc = main(["taizhang", "record", db, "--plan", "shuangyong_at_grassroots", "--task", "legal_aid", "--unit", "县双拥办",
               "--date", "2015-06-01", "--what", "x"])
    err = capsys.readouterr().err
    assert rc == 1 and "not 牵头 or 责任 for task 'legal_aid'" in err and "Traceback" not in err
    rc = main(["taizhang", "record", db, "--plan", "shuangyong_at_grassroots", "--task", "legal_aid", "--unit", "县司法局",
               "--date", "2015-06-01", "--what", "调解涉军纠纷", "--count", "件=3"])
    assert rc == 0
    rc = main(["taizhang", "status", db, "--plan", "shuangyong_at_grassroots", "--as-of", "2015-12-31", "--unit", "县司法局", "--json"])
    import json

    out = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert [(s["task"], s["state"]) for s in out] == [("legal_aid", "done")]
    assert main(["festivals", "--year", "2013", "--json"]) == 0
    assert "烈士纪念日" not in capsys.readouterr().out


def test_visits_cli_refuses_to_record_a_list_with_unreadable_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shuangyong.cli.main import main

    roster = tmp_path / "r.csv"
    roster.write_text("身份证号,行政区划代码,类别,户编号\n" + f"{synthetic_id('120112', '1950-01-01', 101)},120112,烈属,H1\n"
                      "120112195001019999,120112,烈属,H2\n", encoding="utf-8")
    rc = main(["visits", str(roster), "--scheme", "jinnan_spring_festival_visit", "--year", "2016", "--packs", "tianjin",
               "--record", str(tmp_path / "t.sqlite"), "--plan", "shuangyong_at_grassroots", "--task", "long_term",
               "--unit", "县民政局"])
    err = capsys.readouterr().err
    assert rc == 1 and "nothing recorded" in err and "第3行" in err and "120112195001019999" not in err


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from(["烈士遗属", "在乡老复员军人", "退役士兵"])), min_size=1, max_size=12))
def test_one_grant_per_household_with_an_eligible_member(engine: sy.Engine, members: list[tuple[int, str]]) -> None:
    people = [_person(i, f"H{h}", cat, f"19{40 + i}-01-01") for i, (h, cat) in enumerate(members)]
    vl = c.visit_list(engine, people, "jinnan_spring_festival_visit", 2025)
    eligible_households = {f"户:H{h}" for h, cat in members if cat != "退役士兵"}
    assert {h.key for h in vl.households} == eligible_households
    assert vl.total == Decimal(1000) * len(eligible_households)
    assert vl.people + vl.not_eligible == len(people)
