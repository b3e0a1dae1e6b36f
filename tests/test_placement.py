"""军转干部 placement: the shipped schemes by hand, ranking with tie-breaks, allocation, properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.ids import check_character
from shuangyong.placement.points import Officer, allocate, load_placement_scheme, placement_scheme_from_dict, rank, score

ROOT = Path(__file__).resolve().parents[1]
ZHANGQIU = ROOT / "rulepacks/shandong/src/shuangyong_shandong/placement/zhangqiu_2011.toml"
DONGYING = ROOT / "rulepacks/shandong/src/shuangyong_shandong/placement/dongying.toml"
JIANGXI = ROOT / "rulepacks/jiangxi/src/shuangyong_jiangxi/placement/jiangxi_partial.toml"


def pid(n: int, birth: str = "19800101") -> str:
    first17 = f"370181{birth}{n % 1000:03d}"
    return first17 + check_character(first17)


def officer(n: int, **kw: Any) -> Officer:
    rec = {"id_number": pid(n), "enlisted": "1998-09-01", "transferred": "2011-06-30", "post": "正连"} | kw
    return Officer.from_record(rec)


@pytest.fixture(scope="module")
def zq() -> Any:
    return load_placement_scheme(ZHANGQIU)


# -- 章丘 by hand -----------------------------------------------------------------------


def test_zhangqiu_platoon_with_tenure_awards_and_hardship(zq: Any) -> None:
    o = Officer.from_record({
        "身份证号": pid(1), "姓名": "张三", "入伍时间": "1998-09-01", "转业时间": "2011-06-30", "职务": "排职",
        "任现职时间": "2007-05-01", "立功受奖": "三等功×2;二等功", "艰苦地区": "西藏:6;高原:4",
    })
    s = score(o, zq)
    # 军龄 1998-09-01 → 2011-06-30 = 153 months = 12 whole years × 1 = 12
    # 职务 排 3 + 4 years in post ≥ 3 → +2 = 5
    # 立功 三等功 5 + 三等功 5 + 二等功 15 = 25
    # 艰苦 6 + 4 = 10 years ≥ 10 → +5
    assert [(x.key, x.points) for x in s.lines] == [("service", 12), ("post", 5), ("awards", 25), ("hardship", 5)]
    assert s.total == 47
    assert "153 个月" in s.line("service").explanation and "任现职满 3 年加 2" in s.line("post").explanation


def test_zhangqiu_battalion_first_class_merit_and_short_hardship(zq: Any) -> None:
    o = officer(2, post="正营职", post_since="2010-01-01", awards="一等功;军区级称号", hardship="新疆:9.5")
    s = score(o, zq)
    # 军龄 12; 正营 15 (tenure bonus only for 排); 一等功 20 + 大军区称号 15 = 35; 9.5 years < 10 → 0
    assert [x.points for x in s.lines] == [12, 15, 35, 0]
    assert s.total == 62


def test_zhangqiu_platoon_under_three_years_gets_no_bonus(zq: Any) -> None:
    s = score(officer(3, post="排", post_since="2009-01-01"), zq)
    assert s.line("post").points == 3  # 2009-01-01 → 2011-06-30 is 2 years


def test_unknown_post_is_an_error_naming_it(zq: Any) -> None:
    with pytest.raises(sy.InvalidRecordError, match="团") as exc:
        score(officer(4, post="正团"), zq)
    assert pid(4) not in str(exc.value)


# -- 东营 and 江西 -------------------------------------------------------------------------


def test_dongying_given_items_plus_exam_at_ten_percent() -> None:
    s_dy = load_placement_scheme(DONGYING)
    assert s_dy.partial
    o = Officer.from_record({"身份证号": pid(5), "入伍时间": "1995-09-01", "转业时间": "2012-06-30", "考试成绩": "82.5",
                             "考核分": "学历:8;军龄:17", "考核分.奖惩": "6", "考核分.职务": "12"})
    s = score(o, s_dy)
    # 8 + 17 + 6 + 12 = 43; exam 82.5 × 10% = 8.25 → 51.25
    assert s.total == D("51.25")
    assert s.line("exam").explanation == "考试成绩 82.5 × 0.1 = 8.25"
    with pytest.raises(sy.InvalidRecordError, match="given.奖惩"):
        score(Officer.from_record({"身份证号": pid(6), "入伍时间": "1995-09-01", "考试成绩": 80, "考核分": "学历:8;军龄:17;职务:12"}),
              s_dy, as_of=date(2012, 6, 30))


def test_jiangxi_partial_knows_only_the_end_points() -> None:
    jx = load_placement_scheme(JIANGXI)
    assert jx.partial and "中间" in jx.partial_note
    o = Officer.from_record({"身份证号": pid(7), "入伍时间": "2000-09-01", "转业时间": "2012-03-15", "职务": "排", "军衔": "少尉"})
    s = score(o, jx)
    # 2000-09-01 → 2012-03-15: 138 whole months × 0.1 = 13.8; 排 30; 少尉 1.5 → 45.3
    assert [x.points for x in s.lines] == [D("13.8"), 30, D("1.5")]
    assert s.total == D("45.3")
    with pytest.raises(sy.InvalidRecordError, match="partial"):
        score(Officer.from_record({"身份证号": pid(8), "入伍时间": "2000-09-01", "转业时间": "2012-03-15", "职务": "正连", "军衔": "上尉"}), jx)


def test_shipped_placement_schemes_load_through_their_packs() -> None:
    import importlib.util

    if importlib.util.find_spec("shuangyong_shandong") is None:
        pytest.skip("shandong pack not installed")
    import shuangyong_shandong

    engine = sy.Engine(plugins=[shuangyong_shandong])
    assert {"shandong_zhangqiu_2011", "shandong_dongying"} <= set(engine.registry.placement_schemes)


# -- ranking and allocation ------------------------------------------------------------------


def test_tie_breaks_in_declared_order(zq: Any) -> None:
    # a: 正营 15 + 军龄 12 = 27; b: 正连 9 + 军龄 12 + 三等功 5 + 艰苦 ... equalise totals by hand:
    a = officer(10, post="正营")  # 12 + 15 = 27
    b = officer(11, post="副连", awards="二等功")  # 12 + 6 + 15 = 33
    c = officer(12, post="正连", awards="三等功;三等功")  # 12 + 9 + 10 = 31
    d = officer(13, post="副营", awards="三等功", enlisted="1998-03-01")  # 13 + 12 + 5 = 30 (13 years: 1998-03 → 2011-06)
    e = officer(14, post="副营", awards="三等功", enlisted="1999-06-01", hardship="西藏:10")  # 12 + 12 + 5 + 5 = 34
    f = officer(15, post="正营", awards="三等功", enlisted="1999-08-01")  # 11 + 15 + 5 = 31 → ties c on total; higher 职务 wins
    g = officer(16, post="正连", awards="三等功;三等功", enlisted="1998-10-01")  # 12 + 9 + 10 = 31, ties c; 军龄 equal (152 vs 153 months → c longer)
    r = rank([a, b, c, d, e, f, g], zq)
    order = [x.officer.id_number for x in r]
    assert order == [pid(14), pid(11), pid(15), pid(12), pid(16), pid(13), pid(10)]
    assert [x.total for x in r] == [34, 33, 31, 31, 31, 30, 27]
    assert r[3].decided_by == "post" and r[4].decided_by == "service"
    text = str(r)
    assert "职务高者优先" in text and pid(14) not in text


def test_identical_files_fall_back_to_id_number(zq: Any) -> None:
    twins = [officer(n) for n in (33, 31, 32)]
    r = rank(twins, zq)
    assert [x.officer.id_number for x in r] == sorted(o.id_number for o in twins)
    assert [x.decided_by for x in r] == ["", "id", "id"]
    with pytest.raises(sy.InvalidRecordError, match="twice"):
        rank([twins[0], twins[0]], zq)


def test_allocation_records_why_posts_were_skipped(zq: Any) -> None:
    a, b, c, d = officer(20, post="正营"), officer(21, post="副营"), officer(22, post="正连"), officer(23, post="排")
    r = rank([d, c, b, a], zq)
    posts = {"民政局": 1, "财政局": {"seats": 1, "title": "县财政局"}, "档案馆": 2}
    prefs = {a.id_number: ["财政局", "民政局"], b.id_number: ["财政局", "民政局"], c.id_number: ["财政局", "民政局"]}
    al = allocate(r, posts, prefs)
    got = {p.officer.id_number: (p.post, p.choice) for p in al.placements}
    assert got == {a.id_number: ("财政局", 1), b.id_number: ("民政局", 2), c.id_number: (None, None), d.id_number: (None, None)}
    pc = next(p for p in al.placements if p.officer == c)
    assert [(s.post, s.reason) for s in pc.skipped] == [("财政局", "full"), ("民政局", "full"), ("档案馆", "not_preferred")]
    assert "第1名" in pc.skipped[0].detail and pc.note == "所填志愿岗位均已满额"
    pa = next(p for p in al.placements if p.officer == a)
    assert ("民政局", "lower_preference") in [(s.post, s.reason) for s in pa.skipped]
    assert next(p for p in al.placements if p.officer == d).note == "未填报志愿"
    assert al.seats_left == {"民政局": 0, "财政局": 0, "档案馆": 2}
    assert "县财政局" in str(al) and al.to_dict()["format"].startswith("shuangyong.placement.points-allocation/")


def test_allocation_refuses_unknown_posts_and_strangers(zq: Any) -> None:
    a = officer(40)
    r = rank([a], zq)
    with pytest.raises(sy.InvalidRecordError, match="unknown post"):
        allocate(r, {"A": 1}, {a.id_number: ["B"]})
    with pytest.raises(sy.InvalidRecordError, match="not an officer"):
        allocate(r, {"A": 1}, {pid(41): ["A"]})


def test_officer_repr_masks_id_and_name() -> None:
    o = officer(50, 姓名="李四光")
    text = repr(o)
    assert pid(50) not in text and "李四光" not in text and "李**" in text


def test_bad_officer_records() -> None:
    with pytest.raises(sy.InvalidRecordError, match="transferred"):
        officer(51, transferred="1990-01-01")
    with pytest.raises(sy.InvalidIdNumberError):
        Officer.from_record({"id_number": pid(52)[:-1] + ("0" if pid(52)[-1] != "0" else "1"), "enlisted": "2000-01-01"})
    with pytest.raises(sy.InvalidRecordError, match="unknown officer field"):
        officer(53, 血型="A")


def test_cli_rank_with_allocation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shuangyong.cli.main import main

    (tmp_path / "o.csv").write_text(
        "身份证号,姓名,入伍时间,转业时间,职务,立功受奖\n"
        f"{pid(60)},王五,1998-09-01,2011-06-30,正营,三等功\n{pid(61)},赵六,1998-09-01,2011-06-30,副连,\n", encoding="utf-8")
    (tmp_path / "p.csv").write_text("岗位,名额,名称\nA,1,县民政局\n", encoding="utf-8")
    (tmp_path / "f.csv").write_text(f"身份证号,志愿1,志愿2\n{pid(60)},A,\n{pid(61)},A,\n", encoding="utf-8")
    assert main(["rank", str(tmp_path / "o.csv"), "--scheme", str(ZHANGQIU), "--posts", str(tmp_path / "p.csv"),
                 "--preferences", str(tmp_path / "f.csv")]) == 0
    out = capsys.readouterr().out
    assert "1. 王* (3701**********" in out and "32 分" in out  # 12 + 15 + 5
    assert "名额已满" in out and pid(60) not in out


# -- properties ---------------------------------------------------------------------------

POSTS = ["正营", "副营", "正连", "副连", "排"]


@st.composite
def officers(draw: Any) -> list[Officer]:
    n = draw(st.integers(1, 12))
    ids = draw(st.lists(st.integers(0, 999), min_size=n, max_size=n, unique=True))
    out = []
    for i in ids:
        enlisted = draw(st.dates(date(1985, 1, 1), date(2005, 12, 31)))
        out.append(Officer(
            id_number=pid(i), enlisted=enlisted, transferred=date(2011, 6, 30), post=draw(st.sampled_from(POSTS)),
            post_since=draw(st.one_of(st.none(), st.dates(enlisted, date(2011, 6, 30)))),
            awards=draw(st.lists(st.sampled_from(["一等功", "二等功", "三等功", "嘉奖"]), max_size=3)),
            hardship=(("西藏", D(draw(st.integers(0, 15)))),),
        ))
    return out


_ZQ = load_placement_scheme(ZHANGQIU)


@settings(max_examples=120, deadline=None)
@given(officers(), st.randoms(use_true_random=False))
def test_ranking_is_a_total_order_independent_of_input_order(offs: list[Officer], rnd: Any) -> None:
    r1 = [x.officer.id_number for x in rank(offs, _ZQ)]
    shuffled = list(offs)
    rnd.shuffle(shuffled)
    r2 = rank(shuffled, _ZQ)
    assert [x.officer.id_number for x in r2] == r1
    assert sorted(r1) == sorted(o.id_number for o in offs)
    totals = [x.total for x in r2]
    assert totals == sorted(totals, reverse=True)
    for prev, cur in zip(r2.entries, r2.entries[1:], strict=False):
        assert (cur.decided_by != "") == (prev.total == cur.total)


@settings(max_examples=120, deadline=None)
@given(officers(), st.dictionaries(st.sampled_from(list("ABCDE")), st.integers(0, 3), min_size=1), st.data())
def test_allocation_never_overfills_or_gives_a_post_twice(offs: list[Officer], posts: dict[str, int], data: Any) -> None:
    r = rank(offs, _ZQ)
    codes = list(posts)
    prefs = {o.id_number: data.draw(st.lists(st.sampled_from(codes), unique=True)) for o in offs}
    al = allocate(r, posts, prefs)
    for code, seats in posts.items():
        holders = al.holders(code)
        assert len(holders) <= seats
        assert len({h.id_number for h in holders}) == len(holders)
        assert al.seats_left[code] == seats - len(holders)
    for p in al.placements:
        if p.post is not None:
            assert p.post == prefs[p.officer.id_number][p.choice - 1]  # type: ignore[operator]
            # every earlier choice was full when this officer's turn came
            assert all(s.reason == "full" for s in p.skipped if s.post in prefs[p.officer.id_number][: p.choice - 1])  # type: ignore[operator]
        else:
            assert all(al.seats_left[c] == 0 for c in prefs[p.officer.id_number])


def test_placement_scheme_format_errors() -> None:
    with pytest.raises(sy.SchemeError, match="tie_breaks"):
        placement_scheme_from_dict({"code": "x", "title": "X", "tie_breaks": ["height"], "components": []})
    with pytest.raises(sy.SchemeError, match="unknown keys"):
        placement_scheme_from_dict({"code": "x", "title": "X", "components": [{"type": "exam", "factor": 0.1, "weight": 2}]})
    with pytest.raises(sy.SchemeError, match="per"):
        placement_scheme_from_dict({"code": "x", "title": "X", "components": [{"type": "service", "per": "week", "points": 1}]})
