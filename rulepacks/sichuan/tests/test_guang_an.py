"""广安 self-assessment scheme: hand-scored evidence (tests/data/*.toml carry the arithmetic)."""

from __future__ import annotations

from pathlib import Path

import pytest

import shuangyong as sy
import shuangyong_sichuan

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def scheme() -> object:
    return sy.Engine(plugins=[shuangyong_sichuan]).scheme("sichuan_guang_an")


def test_pack_identity_and_registration() -> None:
    engine = sy.Engine(plugins=[shuangyong_sichuan])
    info = engine.registry.pack("sichuan")
    assert info is not None and info.jurisdictions == ("511600",)
    assert engine.registry.schemes["sichuan_guang_an"][0] == "sichuan"


def test_eight_standards_from_the_plan(scheme) -> None:  # type: ignore[no-untyped-def]
    titles = [n.title for n in scheme.criteria if n.key != "features"]
    assert titles == ["组织领导坚强有力", "宣传教育广泛深入", "拥军工作扎实有效", "拥政爱民成果显著",
                      "政策法规落到实处", "双拥活动坚持经常", "军民共建富有成效", "军政军民关系融洽"]
    # 7 + 7 + 6 + 6 + 21 + 8 + (4 + 1) + 3 = 63 base points (1 per requirement: an assumption)
    assert scheme.max_points == 63 and scheme.bonus_max == 10
    assert scheme.grades_on == "base"
    assert any("基本分" in a for a in scheme.assumptions)


def test_full_base_reaches_the_goal(scheme) -> None:  # type: ignore[no-untyped-def]
    card = sy.assess(scheme, DATA / "full.toml")
    assert (card.base, card.bonus, card.total) == (63, 0, 63)
    assert card.passed and card.grade == "基本分不丢分（达到争创目标）"


def test_points_lost_in_several_places(scheme) -> None:  # type: ignore[no-untyped-def]
    card = sy.assess(scheme, DATA / "lost.toml")
    # 63 − 3 absent checks − 1 (68% < 70%) = 59; bonus 3 → total 62
    assert card.base == 59 and card.bonus == 3 and card.total == 62
    assert not card.passed and card.grade == "基本分有失分（须查漏补缺）"
    assert {x.evidence for x in card.lost} == {
        "checklists.policy_checks", "checklists.joint_building_checks", "checklists.activities_checks",
        "metrics.advanced_points_share",
    }
    # bonus never rescues a lost base point: grades are on the base
    assert card.node("features").bonus == 3


def test_veto_with_full_points_fails(scheme) -> None:  # type: ignore[no-untyped-def]
    card = sy.assess(scheme, DATA / "veto.toml")
    assert card.base == 63 and card.vetoed and not card.passed
    assert "一票否决" in card.grade
