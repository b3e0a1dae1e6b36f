"""Pack-level checks: discovery when installed, scope, carry-forward, and properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, distribution, entry_points

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
import shuangyong_shandong
from shuangyong.ids import check_character

ENGINE = sy.Engine(plugins=[shuangyong_shandong])


def conscript(region: str = "370830", **fields: str) -> sy.Person:
    """The conscript's family record (category 义务兵家属 with his service record), as every pack reads it."""
    first17 = f"{region[:6]}19980301123"
    record = {"id_number": first17 + check_character(first17), "region": region, "categories": "义务兵家属",
              "service_type": "义务兵", "enlisted": "2017-09-10"}
    record.update(fields)
    return sy.Person.from_record(record)


def test_discovered_through_its_entry_point_when_installed() -> None:
    try:
        distribution("shuangyong-shandong")
    except PackageNotFoundError:
        pytest.skip("shuangyong-shandong is not installed (pip install -e rulepacks/shandong)")
    assert "shandong" in {ep.name for ep in entry_points(group="shuangyong.rulepacks")}
    engine = sy.Engine.from_plugins(only=["shandong"])
    info = engine.registry.pack("shandong")
    assert info is not None and info.version == "0.1.0"
    assert info.jurisdictions == ("370830",)
    assert {"conscript_family_allowance", "award_bonus"} <= set(engine.rule_codes())


def test_everything_is_registered_for_wenshang_only() -> None:
    ours = [r for r in ENGINE.registry.rules if r.pack == "shandong"]
    assert {r.jurisdiction for r in ours} == {"370830"}
    params = [p for p in ENGINE.parameters.parameters() if p.pack == "shandong"]
    assert params and {p.jurisdiction for p in params} == {"370830"}
    # Every figure names its document and certainty.
    for p in params:
        for v in p.values:
            assert v.source.document and v.source.certainty in ("primary", "secondary", "inferred", "assumption")


def test_outside_wenshang_nothing_changes() -> None:
    person = conscript("110101", disability_grade="5", disability_cause="因公")
    alone = sy.Engine().entitlements(person, sy.Period.year(2018))
    with_pack = ENGINE.entitlements(person, sy.Period.year(2018))
    assert [(e.rule, e.amount, e.status) for e in alone] == [(e.rule, e.amount, e.status) for e in with_pack]


def test_2019_payment_is_carried_forward_and_says_so() -> None:
    res = ENGINE.entitlements(conscript(enlisted="2018-09-10"), sy.Period.year(2019))
    seg = res["conscript_family_allowance"].segments[0]
    resolved = [r for r, _, _ in seg.params if r.name == "conscript_family_allowance.standard"]
    assert resolved and resolved[0].carried_forward and resolved[0].start == date(2018, 1, 1)


def test_explanation_shows_the_order_of_operations() -> None:
    person = conscript(hardship="西藏", education="本科", awards="三等功@2018-01-05")
    text = str(ENGINE.explain(person, sy.Period.year(2018), "conscript_family_allowance"))
    assert "14272 × 2.5 + 14272 × 2.5 × 0.1 + 2000 = 41248" in text
    assert "1998" not in text.split("\n")[1]  # the ID line is masked


HARDSHIPS = st.sets(st.sampled_from(["西藏", "新疆", "高原", "海岛"]))
AWARDS = st.lists(st.sampled_from(["三等功", "优秀士兵", "二等功", "嘉奖"]), max_size=3)
EDUCATION = st.sampled_from([None, "本科", "大专", "高中", "研究生"])


def _amount(hardship: set[str], awards: list[str], education: str | None, enlisted: str = "2017-09-10") -> Decimal:
    fields: dict[str, str] = {"enlisted": enlisted}
    if hardship:
        fields["hardship"] = "、".join(sorted(hardship))
    if awards:
        fields["awards"] = ";".join(f"{a}@2018-01-05" for a in awards)
    if education:
        fields["education"] = education
    return ENGINE.entitlements(conscript(**fields), sy.Period.year(2018))["conscript_family_allowance"].amount


@settings(max_examples=60, deadline=None)
@given(HARDSHIPS, AWARDS, EDUCATION)
def test_never_below_the_standard_and_never_above_the_largest_combination(hardship: set[str], awards: list[str], education: str | None) -> None:
    amount = _amount(hardship, awards, education)
    assert Decimal("14272") <= amount <= Decimal("14272") * Decimal("2.5") * Decimal("1.10") + 2000


@settings(max_examples=60, deadline=None)
@given(HARDSHIPS, AWARDS, EDUCATION, st.sampled_from(["西藏", "新疆", "高原"]), st.sampled_from(["三等功", "优秀士兵"]))
def test_an_extra_posting_or_award_never_pays_less(hardship: set[str], awards: list[str], education: str | None, more_h: str, more_a: str) -> None:
    base = _amount(hardship, awards, education)
    assert _amount(hardship | {more_h}, awards, education) >= base
    assert _amount(hardship, [*awards, more_a], education) >= base


@settings(max_examples=30, deadline=None)
@given(HARDSHIPS, AWARDS, st.sampled_from(["本科", "大专"]))
def test_education_addon_is_paid_once(hardship: set[str], awards: list[str], education: str) -> None:
    first = _amount(hardship, awards, education, enlisted="2017-09-10") - _amount(hardship, awards, None, enlisted="2017-09-10")
    second = _amount(hardship, awards, education, enlisted="2016-09-10") - _amount(hardship, awards, None, enlisted="2016-09-10")
    assert first == {"本科": 2000, "大专": 1000}[education]
    assert second == 0


def test_a_mixed_roster_pays_one_conscript_once() -> None:
    """The conscript's own record (现役军人) and his family's record (义务兵家属) on one roster: one payment."""
    from shuangyong.roster.run import run_roster

    own = {"id_number": conscript().id_number, "region": "370830", "categories": "现役军人", "service_type": "义务兵",
           "enlisted": "2017-09-10"}
    first17 = "370830197003011234"[:17]
    family = {"id_number": first17 + check_character(first17), "region": "370830", "categories": "义务兵家属",
              "service_type": "义务兵", "enlisted": "2017-09-10"}
    run = run_roster(ENGINE, [own, family], 2018)
    paid = [row["conscript_family_allowance"] for row in run.results()]
    assert paid == [Decimal("0.00"), Decimal("14272.00")]
