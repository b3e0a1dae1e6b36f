"""The scoring engine: item types, evidence checking, scorecards, comparison, roll-up, plugins.

Schemes here are written in the documented TOML format (docs/writing-a-scheme.md),
as an outside user would write them.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.assessment.schemes import Outcome, assess, compare, load_scheme, roll_up, scheme_from_dict

SCHEME_TOML = """
format = 1
code = "demo_unit"
title = "示例单位考评"
places = 2
[[grades]]
name = "优秀"
min = 18
[[grades]]
name = "合格"
min = 12
[[grades]]
name = "基本合格"
min = 8
passing = false

[[criteria]]
key = "org"
title = "组织领导"
max = 7
  [[criteria.items]]
  key = "setup"
  title = "机构"
  type = "checklist"
  checks = ["有班子", { name = "有预算", points = 2 }, "有制度"]
  [[criteria.items]]
  key = "reach"
  title = "受教育面"
  type = "ratio"
  floor = "80%"
  target = 0.95
  max = 3

[[criteria]]
key = "work"
title = "工作"
  [[criteria.items]]
  key = "placement"
  title = "安置率"
  type = "threshold"
  op = ">="
  target = 0.96
  max = 4
  [[criteria.items]]
  key = "complaints"
  title = "投诉率"
  type = "threshold"
  op = "<="
  target = "2%"
  max = 2
  [[criteria.items]]
  key = "visits"
  title = "走访慰问"
  type = "per_count"
  points_each = 0.5
  max = 3
  [[criteria.items]]
  key = "faults"
  title = "台帐问题"
  type = "deduction"
  points_each = 1.5
  max = 5
  floor = 1

[[criteria]]
key = "extra"
title = "特色"
type = "bonus"
options = { "双拥一条街" = 2, "少年军校" = 1, "国防教育基地" = 3 }
max = 4

[[criteria]]
key = "dispute"
title = "重大军民纠纷"
type = "veto"
"""


@pytest.fixture()
def scheme(tmp_path: Path) -> Any:
    p = tmp_path / "demo.toml"
    p.write_text(SCHEME_TOML, encoding="utf-8")
    return sy.load_scheme(p)


def evidence(**over: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "unit": "甲单位",
        "checklists": {"setup": {"有班子": "文件1", "有预算": "预算表", "有制度": "制度汇编"}},
        "metrics": {"reach": D("0.95"), "placement": D("0.97"), "complaints": D("0.01")},
        "counts": {"visits": 6},
        "defects": {"faults": 0},
        "vetoes": {"dispute": False},
    }
    for k, v in over.items():
        section, _, key = k.partition("__")
        ev.setdefault(section, {})[key] = v
    return ev


def test_full_marks(scheme: Any) -> None:
    # (4 + 3) + (4 + 2 + 3 + 5) = 21
    card = sy.assess(scheme, evidence())
    assert card.max_points == 21 and card.base == 21 and card.bonus == 0 and card.total == 21
    assert card.grade == "优秀" and card.passed and card.lost == ()


def test_each_item_type_by_hand(scheme: Any) -> None:
    ev = evidence(
        checklists__setup={"有班子": "文件1", "有预算": False, "有制度": "制度汇编"},  # 4 − 2 (有预算 2 points) → 2 of 4
        metrics__reach=D("0.90"),  # (0.90 − 0.80) / (0.95 − 0.80) × 3 = 2.00
        metrics__placement="95%",  # below 0.96 → 0 of 4
        metrics__complaints=D("0.03"),  # above 2% → 0 of 2
        counts__visits=3,  # 3 × 0.5 = 1.5 of 3
        defects__faults=["缺台帐", "未签字", "未归档"],  # 5 − 1.5 − 1.5 = 2, the third stops at the floor 1 → 1
        bonus__extra={"双拥一条街": "照片", "国防教育基地": "批文"},  # 2 + 3 = 5, capped at 4
    )
    card = sy.assess(scheme, ev)
    assert card.node("org.setup").points == 2
    assert card.node("org.reach").points == D("2.00")
    assert card.node("work.placement").points == 0
    assert card.node("work.complaints").points == 0
    assert card.node("work.visits").points == D("1.5")
    assert card.node("work.faults").points == 1
    assert card.node("extra").bonus == 4 and card.bonus == 4
    # base = 2 + 2 + 0 + 0 + 1.5 + 1 = 6.5; total = 10.5 → 基本合格 (min 8, not passing)
    assert card.base == D("6.5") and card.total == D("10.5")
    assert card.grade == "基本合格" and not card.passed
    assert sum(x.points for x in card.lost) == card.max_points - card.base
    faults = [x for x in card.lost if x.path == "work.faults"]
    assert [x.points for x in faults] == [D("1.5"), D("1.5"), D("1")]
    assert {x.evidence for x in card.lost} >= {"metrics.placement", "checklists.setup", "defects.faults"}


def test_veto_fails_whatever_the_points(scheme: Any) -> None:
    card = sy.assess(scheme, evidence(vetoes__dispute=True))
    assert card.base == 21 and card.vetoed and not card.passed and card.grade == "一票否决"
    assert card.vetoes[0].evidence == "vetoes.dispute"


def test_evidence_problems_are_all_reported_by_name(scheme: Any) -> None:
    ev = evidence()
    ev["metrics"]["placment"] = D("0.9")  # typo: unknown key
    ev["metrics"]["reach"] = "很多"  # wrong type
    del ev["counts"]["visits"]  # missing required
    ev["checklists"]["setup"]["有车"] = "x"  # not a check of this list
    ev["checklists"]["setup"]["有班子"] = True  # no supporting record
    ev["vetoes"]["dispute"] = "no"  # not a bool
    ev["extras"] = {}  # unknown section
    with pytest.raises(sy.EvidenceError) as exc:
        sy.assess(scheme, ev)
    text = "\n".join(exc.value.problems)
    for needle in ("metrics.placment", "did you mean 'placement'", "metrics.reach", "counts.visits", "checklists.setup.有车",
                   "checklists.setup.有班子", "vetoes.dispute", "extras"):
        assert needle in text, needle
    assert len(exc.value.problems) == 7
    assert isinstance(exc.value, sy.ShuangyongError)


def test_evidence_for_another_scheme_is_refused(scheme: Any) -> None:
    with pytest.raises(sy.EvidenceError, match="not 'demo_unit'"):
        sy.assess(scheme, dict(evidence(), scheme="national_model_city"))


def test_evidence_files_toml_and_json(scheme: Any, tmp_path: Path) -> None:
    ev = evidence()
    j = tmp_path / "e.json"
    j.write_text(json.dumps(ev, default=str, ensure_ascii=False), encoding="utf-8")
    t = tmp_path / "e.toml"
    t.write_text('unit = "甲单位"\n[metrics]\nreach = 0.95\nplacement = 0.97\ncomplaints = "1%"\n[counts]\nvisits = 6\n'
                 '[defects]\nfaults = 0\n[vetoes]\ndispute = false\n[checklists.setup]\n"有班子" = "a"\n"有预算" = "b"\n"有制度" = "c"\n',
                 encoding="utf-8")
    assert sy.assess(scheme, j).total == sy.assess(scheme, t).total == 21
    bad = tmp_path / "bad.toml"
    bad.write_text("[metrics\n", encoding="utf-8")
    with pytest.raises(sy.EvidenceError, match="bad.toml"):
        sy.assess(scheme, bad)


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ('[[criteria]]\nkey = "a"\ntitle = "A"\ntype = "threshold"\ntarget = 1\n', "needs 'max'"),
        ('[[criteria]]\nkey = "a"\ntitle = "A"\ntype = "threshold"\nmax = 1\ntarget = 1\nop = ">"\n', "op"),
        ('[[criteria]]\nkey = "a"\ntitle = "A"\ntype = "checklist"\nchecks = ["x", "x"]\n', "distinct"),
        ('[[criteria]]\nkey = "a"\ntitle = "A"\nmax = 3\n[[criteria.items]]\nkey = "b"\ntitle = "B"\ntype = "checklist"\nchecks = ["x"]\n', "add up"),
        ('[[criteria]]\nkey = "a"\ntitle = "A"\ntype = "veto"\nmax = 2\n', "no points"),
        ('[[criteria]]\nkey = "a"\ntitle = "A"\ntype = "checklist"\nchecks = ["x"]\ncolour = "red"\n', "unknown keys"),
        ('[[criteria]]\nkey = "a.b"\ntitle = "A"\ntype = "veto"\n', "key"),
        ('[[criteria]]\nkey = "a"\ntitle = "A"\ntype = "veto"\n[[criteria]]\nkey = "a"\ntitle = "B"\ntype = "veto"\n', "twice"),
        ('[[criteria]]\nkey = "a"\ntitle = "A"\ntype = "ratio"\nfloor = 1\ntarget = 1\nmax = 1\n', "differ"),
    ],
)
def test_malformed_schemes_name_file_and_key(tmp_path: Path, fragment: str, message: str) -> None:
    p = tmp_path / "bad_scheme.toml"
    p.write_text('code = "x"\ntitle = "X"\n' + fragment, encoding="utf-8")
    with pytest.raises(sy.SchemeError, match=message) as exc:
        load_scheme(p)
    assert "bad_scheme.toml" in str(exc.value)


def test_unknown_item_type_needs_a_scorer(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_text('code = "x"\ntitle = "X"\n[[criteria]]\nkey = "a"\ntitle = "A"\ntype = "stars"\nmax = 5\n', encoding="utf-8")
    s = load_scheme(p)
    with pytest.raises(sy.SchemeError, match="stars"):
        assess(s, {"metrics": {"a": 3}})

    def stars(item: Any, value: Any) -> Outcome:
        n = int(value)
        return Outcome(points=D(n), lost=[(item.max - n, f"{n} 星")] if n < item.max else [])

    card = assess(s, {"metrics": {"a": 3}}, item_types={"stars": stars})
    assert card.total == 3 and card.lost[0].reason == "3 星"


def test_pack_item_type_through_the_hook(tmp_path: Path) -> None:
    class StarsPack:
        __name__ = "stars_pack"

        @sy.hookimpl
        def shuangyong_item_types(self, register: Any) -> None:
            register("stars", lambda item, value: D(min(int(value), 5)))

        @sy.hookimpl
        def shuangyong_schemes(self, register: Any) -> None:
            p = tmp_path / "stars.toml"
            p.write_text('code = "stars_demo"\ntitle = "星级"\n[[criteria]]\nkey = "a"\ntitle = "A"\ntype = "stars"\nmax = 5\n',
                         encoding="utf-8")
            register(p)

    engine = sy.Engine(plugins=[StarsPack()])
    card = assess(engine.scheme("stars_demo"), {"metrics": {"a": 4}}, item_types=engine.item_types())
    assert card.total == 4 and card.lost[0].points == 1


def test_comparison_and_roll_up(scheme: Any) -> None:
    a = sy.assess(scheme, evidence())
    b = sy.assess(scheme, dict(evidence(metrics__placement=D("0.9"), counts__visits=2), unit="乙单位"))
    c = sy.assess(scheme, dict(evidence(vetoes__dispute=True, counts__visits=4), unit="丙单位"))
    cmp = compare(a, b)
    assert cmp.total_delta == -6  # placement −4, visits 3 → 1 (−2)
    assert {m.path: m.delta for m in cmp.item_moves} == {"work.placement": -4, "work.visits": -2}
    assert "安置率" in str(cmp)
    view = roll_up([a, b, c])
    assert view.units == 3 and view.passed == 2 and view.vetoed == 1
    assert view.by_grade == {"优秀": 1, "合格": 1, "一票否决": 1}
    assert [w.path for w in view.weakest[:2]] == ["work.placement", "work.visits"]
    assert view.weakest[1].points_lost == 3 and view.weakest[1].units_losing == 2  # b lost 2, c lost 1
    assert view.failing_units == ("丙单位",)
    assert view.to_dict()["format"].startswith("shuangyong.scorecard-rollup/")
    with pytest.raises(sy.SchemeError):
        compare(a, sy.assess(sy.Engine().scheme("grassroots_four_in_place"),
                             {"checklists": {"four_in_place": {"编制": "x", "人员": "x", "经费": "x", "办公场所": "x"}}}))


def test_card_dict_is_versioned_and_exact(scheme: Any) -> None:
    card = sy.assess(scheme, evidence(metrics__reach=D("0.9")))
    d = card.to_dict()
    assert d["format"] == "shuangyong.scorecard/1"
    assert d["total"] == "20" and d["base"] == "20" and d["max_points"] == "21"
    assert d["lost"][0] == {"path": "org.reach", "title": "受教育面", "points": "1", "reason": d["lost"][0]["reason"],
                            "evidence": "metrics.reach"}
    json.dumps(d, ensure_ascii=False)  # JSON-ready
    assert "Total 20" in card.to_text("en")


# -- properties -------------------------------------------------------------------------

CHECKS = ["有班子", "有预算", "有制度"]
metric = st.decimals(min_value=D("0"), max_value=D("1.2"), places=3)


@st.composite
def evidences(draw: Any) -> dict[str, Any]:
    present = draw(st.sets(st.sampled_from(CHECKS)))
    faults = draw(st.integers(0, 8))
    claims = draw(st.sets(st.sampled_from(["双拥一条街", "少年军校", "国防教育基地"])))
    return {
        "checklists": {"setup": {c: ("记录" if c in present else False) for c in CHECKS}},
        "metrics": {"reach": draw(metric), "placement": draw(metric), "complaints": draw(metric)},
        "counts": {"visits": draw(st.integers(0, 20))},
        "defects": {"faults": faults},
        "bonus": {"extra": {c: "材料" for c in claims}},
        "vetoes": {"dispute": draw(st.booleans())},
    }


_SCHEME = scheme_from_dict(__import__("tomllib").loads(SCHEME_TOML, parse_float=D))


@settings(max_examples=150, deadline=None)
@given(evidences())
def test_score_never_exceeds_max_and_bonus_stays_apart(ev: dict[str, Any]) -> None:
    card = assess(_SCHEME, ev)
    assert D(0) <= card.base <= card.max_points
    assert D(0) <= card.bonus <= card.bonus_max
    assert card.total == card.base + card.bonus
    # the lost points account exactly for the gap between base and maximum
    assert sum((x.points for x in card.lost), D(0)) == card.max_points - card.base
    for n in card.walk():
        assert D(0) <= n.points <= n.max
    # claiming bonus never moves the base
    no_bonus = dict(ev, bonus={"extra": {}})
    assert assess(_SCHEME, no_bonus).base == card.base
    if ev["vetoes"]["dispute"]:
        assert not card.passed


@settings(max_examples=150, deadline=None)
@given(evidences(), st.sampled_from(CHECKS))
def test_adding_a_checklist_item_never_lowers_the_score(ev: dict[str, Any], check: str) -> None:
    before = assess(_SCHEME, ev)
    more = json.loads(json.dumps(ev, default=str))
    more["checklists"]["setup"][check] = "补充记录"
    after = assess(_SCHEME, more)
    assert after.base >= before.base and after.total >= before.total


def test_the_documented_example_works_as_written(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "writing-a-scheme.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", doc, flags=re.S)
    scheme_src, evidence_src, placement_src = blocks[0], blocks[1], blocks[2]
    (tmp_path / "s.toml").write_text(scheme_src, encoding="utf-8")
    (tmp_path / "e.toml").write_text(evidence_src, encoding="utf-8")
    s = sy.load_scheme(tmp_path / "s.toml")
    assert s.max_points == 19 and s.bonus_max == 3
    card = sy.assess(s, tmp_path / "e.toml")
    # setup: 有制度 absent → 3 of 4; reach 0.93: (0.13 / 0.15) × 3 = 2.60; placement 97% ≥ 96% → 4;
    # visits 5 × 0.5 = 2.5; faults 5 − 1.5 − 1.5 = 2; base 3 + 2.6 + 4 + 2.5 + 2 = 14.1; bonus 双拥一条街 2 → 16.1
    # grades on the total: 12 ≤ 16.1 < 17 → 合格
    assert card.base == D("14.1") and card.bonus == 2 and card.total == D("16.1")
    assert card.grade == "合格" and card.passed
    (tmp_path / "p.toml").write_text(placement_src, encoding="utf-8")
    ps = sy.load_placement_scheme(tmp_path / "p.toml")
    assert [c.type for c in ps.components] == ["service", "post", "rank", "awards", "hardship", "education", "exam", "given"]
