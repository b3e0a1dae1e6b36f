"""The shipped schemes, scored on hand-scored evidence files (tests/data/scoring/*.toml).

Each evidence file carries its hand computation in a comment at the top; the
numbers below repeat it.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

import shuangyong as sy
from shuangyong.assessment.schemes import assess, compare, load_scheme

DATA = Path(__file__).parent / "data" / "scoring"
SCHEMES = Path(sy.__file__).parent / "national" / "schemes"


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine()  # the national pack only


@pytest.fixture(scope="module")
def national(engine: sy.Engine) -> sy.scoring.Scheme:  # type: ignore[name-defined]
    return engine.scheme("national_model_city")


def test_national_pack_registers_every_scheme_file(engine: sy.Engine) -> None:
    codes = {s.code for s in engine.schemes()}
    files = {load_scheme(p).code for p in SCHEMES.glob("*.toml")}
    assert codes >= files == {
        "national_model_city", "grassroots_five_ones", "grassroots_eight_haves", "grassroots_ten_haves", "grassroots_four_in_place",
    }


def test_national_skeleton_shape(national) -> None:  # type: ignore[no-untyped-def]
    # eight standards, base 100 (6 and 5 sourced, the rest stated assumptions), bonus capped at 5
    titles = [n.title for n in national.criteria if n.key != "features"]
    assert titles == ["组织领导坚强有力", "宣传教育广泛深入", "拥军工作扎实有效", "拥政爱民成果显著",
                      "政策法规落到实处", "双拥活动坚持经常", "军民共建富有成效", "军政军民关系融洽"]
    assert national.node("organisation").max == 6 and national.node("education").max == 5
    assert national.max_points == 100 and national.bonus_max == 5
    # the only sourced point values are not labelled assumption; every other group's points are
    assert national.node("organisation").source.certainty == "secondary"
    assert national.node("education").source.certainty == "secondary"
    for key in ("support_army", "support_people", "policy", "activities", "joint_building", "relations"):
        assert national.node(key).source.certainty == "assumption"
    for it in national.leaves():
        assert it.source is not None, it.path
    vetoes = {it.key for it in national.leaves() if it.type == "veto"}
    assert vetoes == {"major_dispute", "conscription_misconduct"}
    # the quantified requirements from the documents
    req = {it.key: (it.params["op"], it.params["target"]) for it in national.leaves() if it.type == "threshold"}
    assert req["soldier_placement_rate"] == (">=", D("0.96"))
    assert req["officer_placement_rate"] == (">=", D("1"))
    assert req["spouse_placement_rate"] == (">=", D("0.80"))
    assert req["preferential_rate"] == (">=", D("1"))
    assert req["advanced_points_share"] == (">=", D("0.70"))
    assert req["public_reach"] == (">=", D("0.90")) and req["cadre_reach"] == (">=", D("1"))


def test_national_full_marks(national) -> None:  # type: ignore[no-untyped-def]
    # 6 + 5 + 15 + 12 + 30 + 10 + 12 + 10 = 100, no bonus → total 100, 达到命名标准（自评）
    card = assess(national, DATA / "national_full.toml")
    assert (card.base, card.bonus, card.total, card.max_points) == (100, 0, 100, 100)
    assert card.passed and not card.vetoed and card.lost == () and card.missing == ()
    assert card.grade == "达到命名标准（自评）"
    assert card.unit == "甲县"


def test_national_points_lost_in_several_places(national) -> None:  # type: ignore[no-untyped-def]
    # lost 1.5 (leadership) + 1 (public_reach) + 5 (soldier placement) + 2.5 (activities) + 4 (disputes) = 14
    card = assess(national, DATA / "national_lost.toml")
    assert card.base == D("86")
    assert card.bonus == 5 and card.total == 91  # 7 claims × 1 capped at 5
    assert card.passed and card.grade == "达到命名标准（自评）"
    assert card.node("organisation").points == D("4.5")
    assert card.node("education.public_reach").points == 0
    assert card.node("policy.soldier_placement_rate").points == 0
    assert card.node("activities.activity_measures").points == D("7.5")
    assert card.node("relations.unresolved_disputes").points == 0
    by_key: dict[str, D] = {}
    for x in card.lost:
        by_key[x.evidence] = by_key.get(x.evidence, D(0)) + x.points
    assert by_key == {
        "checklists.leadership": D("1.5"),
        "metrics.public_reach": D("1"),
        "metrics.soldier_placement_rate": D("5"),
        "checklists.activity_measures": D("2.5"),
        "defects.unresolved_disputes": D("4"),
    }
    assert card.points_lost == 14
    # every reason names what happened
    assert any("双拥工作经费列入财政预算" in x.reason for x in card.lost)
    assert any("0.95" in x.reason and "0.96" in x.reason for x in card.lost)
    text = str(card)
    assert "失分明细" in text and "基本分 86" in text and "合计 7 分，封顶 5 分" in text


def test_national_veto_fails_with_full_points(national) -> None:  # type: ignore[no-untyped-def]
    card = assess(national, DATA / "national_veto.toml")
    assert card.base == 100 and card.vetoed and not card.passed
    assert card.grade == "一票否决（不予命名）"
    assert [v.evidence for v in card.vetoes] == ["vetoes.major_dispute"]
    assert "一票否决" in str(card)


def test_national_comparison_lists_where_points_moved(national) -> None:  # type: ignore[no-untyped-def]
    a = assess(national, DATA / "national_full.toml")
    b = assess(national, DATA / "national_lost.toml")
    cmp = compare(a, b)
    assert cmp.total_delta == -9  # 100 → 91
    moved = {m.path: m.delta for m in cmp.item_moves}
    assert moved == {
        "organisation.leadership": D("-1.5"),
        "education.public_reach": D("-1"),
        "policy.soldier_placement_rate": D("-5"),
        "activities.activity_measures": D("-2.5"),
        "relations.unresolved_disputes": D("-4"),
        "features": D("5"),
    }


@pytest.mark.parametrize(
    ("code", "stem", "n"),
    [("grassroots_five_ones", "five_ones", 5), ("grassroots_eight_haves", "eight_haves", 8),
     ("grassroots_ten_haves", "ten_haves", 10), ("grassroots_four_in_place", "four_in_place", 4)],
)
def test_grassroots_checklists(engine: sy.Engine, code: str, stem: str, n: int) -> None:
    scheme = engine.scheme(code)
    full = assess(scheme, DATA / f"{stem}_full.toml")
    assert full.passed and full.total == n and full.grade == "达标" and full.missing == ()
    part = assess(scheme, DATA / f"{stem}_missing.toml")
    checks = list(next(scheme.leaves()).params["checks"])
    # two of n absent → n − 2 points, not passed, both listed
    assert part.total == n - 2 and not part.passed and part.grade == "未达标"
    assert [m.item for m in part.missing] == [checks[0], checks[-1]]
    assert checks[0] in str(part) and "缺项" in str(part)


def test_grassroots_items_come_from_the_documents(engine: sy.Engine) -> None:
    def checks(code: str) -> list[str]:
        return list(next(engine.scheme(code).leaves()).params["checks"])

    assert checks("grassroots_five_ones") == ["双拥服务或志愿者队伍", "军民活动室", "双拥工作站牌", "双拥宣传栏", "双拥工作台帐"]
    assert checks("grassroots_eight_haves") == ["领导有班子", "工作有计划", "财政有预算", "宣传有安排", "活动有记录", "职责有制度", "检查有总结", "奖评有指标"]
    assert checks("grassroots_four_in_place") == ["编制", "人员", "经费", "办公场所"]
    assert len(checks("grassroots_ten_haves")) == 10


def test_cli_assess_and_compare(capsys: pytest.CaptureFixture[str]) -> None:
    from shuangyong.cli.main import main

    assert main(["assess", str(DATA / "national_lost.toml"), "--scheme", "national_model_city", "--compare",
                 str(DATA / "national_full.toml")]) == 0
    out = capsys.readouterr().out
    assert "总分 91" in out and "总分 100 → 91" in out
    assert main(["schemes"]) == 0
    assert "national_model_city" in capsys.readouterr().out
    assert main(["assess", str(DATA / "national_full.toml"), "--scheme", "grassroots_five_ones"]) == 1
    assert "EvidenceError" in capsys.readouterr().err
