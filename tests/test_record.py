from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy

from conftest import make_id

IDN = make_id("422827", date(1960, 5, 20), 123)


def english() -> dict[str, str]:
    return {
        "id_number": IDN,
        "name": "测试甲",
        "region": "422827",
        "hukou": "rural",
        "categories": "残疾军人;参战退役人员",
        "enlisted": "1978-03-01",
        "discharged": "1982-01-15",
        "service_type": "义务兵",
        "disability_grade": "6",
        "disability_cause": "因战",
        "disability_date": "1981-06-01",
        "awards": "二等功@1979-03-01;三等功",
        "hardship": "西藏",
        "education": "大专",
    }


def chinese() -> dict[str, str]:
    return {
        "身份证号": IDN.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "姓名": " 测试甲 ",
        "行政区划代码": "422827",
        "户籍": "农村",
        "类别": "残疾军人、参战退役人员",
        "入伍时间": "1978年3月1日",
        "退役时间": "1982.01.15",
        "服役类型": "义务兵",
        "伤残等级": "六级",
        "伤残性质": "因战",
        "评残时间": "1981-06-01",
        "立功受奖": "二等功@1979-03-01；三等功",
        "艰苦地区": "西藏",
        "学历": "专科",
        "性别": "男",
        "出生日期": "1960-05-20",
    }


def test_chinese_and_english_records_give_equal_persons() -> None:
    a = sy.Person.from_record(english())
    b = sy.Person.from_record(chinese())
    assert a == b
    assert a.categories == {sy.Category.DISABLED_VETERAN, sy.Category.COMBAT_VETERAN}
    assert a.disability == sy.Disability(grade=6, cause="因战", assessed=date(1981, 6, 1))
    assert a.awards[0] == sy.Award(level=sy.AwardLevel.SECOND_CLASS, date=date(1979, 3, 1))
    assert a.awards[1].date is None
    assert a.service is not None and a.service.education is sy.Education.COLLEGE
    assert a.sex is sy.Sex.MALE and a.birth_date == date(1960, 5, 20)


def test_repr_masks_id_and_name() -> None:
    p = sy.Person.from_record(english())
    text = repr(p)
    assert IDN not in text and "测试甲" not in text
    assert "4228**********" in text


def test_empty_values_mean_absent() -> None:
    rec = english() | {"awards": "", "education": "  ", "hardship": ""}
    p = sy.Person.from_record(rec)
    assert p.awards == ()
    assert p.service is not None and p.service.education is None and not p.service.hardship


@pytest.mark.parametrize(
    "change, field",
    [
        ({"id_number": IDN[:17] + ("0" if IDN[17] != "0" else "1")}, "id_number"),
        ({"region": "99999"}, "region"),
        ({"disability_grade": "11"}, "disability_grade"),
        ({"disability_grade": "十一级"}, "disability_grade"),
        ({"discharged": "1977-01-01"}, "discharged"),
        ({"birth_date": "1961-05-20"}, "birth_date"),
        ({"sex": "女"}, "sex"),
        ({"enlisted": "1950-01-01", "discharged": ""}, "enlisted"),
        ({"hukou": "火星"}, "hukou"),
        ({"categories": "残疾军人;外星人"}, "categories"),
        ({"awards": "五等功"}, "awards"),
        ({"enlisted": "1978-02-30"}, "enlisted"),
        ({"disability_cause": ""}, "disability_cause"),
    ],
)
def test_bad_fields_raise_typed_errors_naming_the_field(change: dict[str, str], field: str) -> None:
    with pytest.raises(sy.InvalidRecordError) as e:
        sy.Person.from_record(english() | change)
    assert isinstance(e.value, sy.ShuangyongError)
    assert e.value.field == field
    assert IDN not in str(e.value)
    assert "测试甲" not in str(e.value)


def test_missing_required_fields() -> None:
    rec = english()
    del rec["region"]
    with pytest.raises(sy.InvalidRecordError, match="region"):
        sy.Person.from_record(rec)


def test_unknown_columns_are_kept_as_extra() -> None:
    p = sy.Person.from_record(english() | {"乡镇": "翔凤镇"})
    assert p.extra_value("乡镇") == "翔凤镇"


def test_survivor_fields() -> None:
    p = sy.Person.from_record(
        {"身份证号": IDN, "行政区划代码": "422827", "遗属类别": "烈士", "与军人关系": "父母", "军人死亡时间": "2020-05-01",
         "军人立功受奖": "一等功", "军人月基本工资": "5,000.50"}
    )
    assert p.family_tie is not None
    assert p.family_tie.member_status is sy.MemberStatus.MARTYR
    assert p.family_tie.member_monthly_pay == Decimal("5000.50")


def test_derived_facts() -> None:
    p = sy.Person.from_record(english())
    assert p.age_on(date(2020, 5, 19)) == 59
    assert p.age_on(date(2020, 5, 20)) == 60
    assert p.month_turning(60) == date(2020, 5, 1)
    # 1978-03-01 .. 1982-01-15: 3 years 10 months 14 days
    assert p.service_years("down") == 3
    assert p.service_years("up") == 4
    assert p.service_years("half") == 4
    assert p.highest_award() is not None and p.highest_award().level is sy.AwardLevel.SECOND_CLASS


def test_leap_day_birthday() -> None:
    idn = make_id("110101", date(1964, 2, 29), 11)
    p = sy.Person.from_record({"id_number": idn, "region": "110101"})
    assert p.birthday_in_year(60) == date(2024, 2, 29)
    assert p.birthday_in_year(61) == date(2025, 2, 28)


@given(st.integers(0, 30), st.integers(0, 11), st.integers(0, 27))
def test_service_year_roundings_are_ordered(years: int, months: int, days: int) -> None:
    from dateutil.relativedelta import relativedelta

    start = date(1980, 1, 1)
    end = start + relativedelta(years=years, months=months, days=days)
    s = sy.ServiceRecord(enlisted=start, discharged=end)
    down, half, up = s.service_years("down"), s.service_years("half"), s.service_years("up")
    assert down == years
    assert down <= half <= up <= down + 1
    assert (up == down) == (months == 0 and days == 0)
    assert (half == down + 1) == (months >= 6)


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2005, 1, 1)), st.dates(min_value=date(1930, 1, 1), max_value=date(2030, 1, 1)))
def test_age_matches_dateutil(born: date, on: date) -> None:
    from dateutil.relativedelta import relativedelta

    from shuangyong.facts import compute_fact

    idn = make_id("110101", born, 11)
    p = sy.Person(id_number=idn, region="110101")
    if on >= born:
        assert p.age_on(on) == relativedelta(on, born).years == compute_fact("age", p, on)


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2030, 1, 1)), st.dates(min_value=date(1930, 1, 1), max_value=date(2030, 1, 1)),
       st.sampled_from(["up", "down", "half"]))
def test_whole_years_agree_with_relativedelta(start: date, end: date, rounding: str) -> None:
    from dateutil.relativedelta import relativedelta

    from shuangyong.model import _whole_years

    if end <= start:
        assert _whole_years(start, end, rounding) == 0
        return
    d = relativedelta(end, start)
    expected = d.years + (1 if (rounding == "up" and (d.months or d.days)) or (rounding == "half" and d.months >= 6) else 0)
    assert _whole_years(start, end, rounding) == expected


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True)
       | st.from_regex(r"[0-9０-９]{4}[-.][0-9]{1,2}-[0-9]{1,2} ?", fullmatch=True))
def test_iso_date_shortcut_agrees_with_the_forms(text: str) -> None:
    """The C-parser shortcut for ``YYYY-MM-DD`` gives the date the written forms give, or the same refusal."""
    from shuangyong.record import _DATE_FORMS, _norm_text, _parse_date

    s = _norm_text(text)
    m = next((f.match(s) for f in _DATE_FORMS if f.match(s)), None)
    try:
        want: object = date(int(m[1]), int(m[2]), int(m[3])) if m else "refused"
    except ValueError:
        want = "refused"
    try:
        got: object = _parse_date(text, "date")
    except sy.InvalidRecordError:
        got = "refused"
    assert got == want
