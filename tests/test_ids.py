from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.ids import PROVINCES, check_character, fallback_chain, id_birth_date, region_level

from conftest import make_id


def test_check_character_of_the_standard_example() -> None:
    # GB 11643-1999 appendix example: 11010519491231002X
    assert check_character("11010519491231002") == "X"
    assert sy.validate_id_number("11010519491231002x") == "11010519491231002X"


def test_full_width_digits_and_spaces_are_normalised() -> None:
    idn = make_id()
    fw = idn.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert sy.validate_id_number(f"  {fw} ") == idn


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ("12345", "18 characters"),
        ("42282719600520123A", "17 digits"),
        ("99282719600520123" + "0", "province"),
        ("422827196002301230", "birth date"),
    ],
)
def test_invalid_ids_name_the_problem(bad: str, fragment: str) -> None:
    with pytest.raises(sy.InvalidIdNumberError) as e:
        sy.validate_id_number(bad)
    assert fragment in str(e.value)
    assert e.value.field == "id_number"
    if len(bad) == 18:
        assert bad not in str(e.value)


def test_wrong_check_character_is_rejected_and_masked() -> None:
    idn = make_id()
    wrong = idn[:17] + ("0" if idn[17] != "0" else "1")
    with pytest.raises(sy.InvalidIdNumberError) as e:
        sy.validate_id_number(wrong)
    assert "check character" in str(e.value)
    assert wrong not in str(e.value)
    assert sy.mask_id_number(wrong) in str(e.value)


@pytest.mark.parametrize("bad, fragment", [("12345", "18 characters"), ("wrong-check", "check character"),
                                            (4.22827196005201e17, "number")])
def test_a_person_with_an_invalid_id_is_refused_with_the_reason(bad: object, fragment: str) -> None:
    """The converter is the check: one validation, the same reason and masking as ``validate_id_number``."""
    idn = make_id()
    if bad == "wrong-check":
        bad = idn[:17] + ("0" if idn[17] != "0" else "1")
    with pytest.raises(sy.InvalidIdNumberError) as e:
        sy.Person.from_record({"身份证号": bad, "行政区划代码": "422827", "类别": "烈士遗属"})
    assert fragment in str(e.value) and e.value.field == "id_number"
    assert str(bad) not in str(e.value) or len(str(bad)) < 11
    person = sy.Person.from_record({"身份证号": f" {idn.lower()} ", "行政区划代码": "422827", "类别": "烈士遗属"})
    assert person.id_number == idn


def test_masking_style() -> None:
    assert sy.mask_id_number("42282719600520123X") == "4228**********123X"
    assert sy.mask_name("张三丰") == "张**"
    assert sy.mask_name("") == ""


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
regions = st.sampled_from(["422827", "110101", "120113", "650102", "511600", "310000"])


@given(regions, births, st.integers(0, 999))
def test_valid_ids_round_trip(region: str, born: date, seq: int) -> None:
    idn = make_id(region, born, seq)
    assert sy.validate_id_number(idn) == idn
    assert sy.is_valid_id_number(idn)
    assert id_birth_date(idn) == born


@given(regions, births, st.integers(0, 999), st.integers(0, 17), st.integers(1, 9))
def test_a_one_character_change_is_rejected(region: str, born: date, seq: int, pos: int, delta: int) -> None:
    idn = make_id(region, born, seq)
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    i = alphabet.index(idn[pos])
    changed = idn[:pos] + alphabet[(i + delta) % len(alphabet)] + idn[pos + 1 :]
    # MOD 11-2 detects every single-character substitution
    assert not sy.is_valid_id_number(changed)


def test_fallback_chains() -> None:
    assert fallback_chain("422827") == ("422827", "422800", "420000", "national")
    assert fallback_chain("120113") == ("120113", "120000", "national")
    assert fallback_chain("120113001") == ("120113001", "120113", "120000", "national")
    assert fallback_chain("422827100") == ("422827100", "422827", "422800", "420000", "national")
    assert fallback_chain("500101") == ("500101", "500000", "national")
    assert fallback_chain("420000") == ("420000", "national")
    assert fallback_chain("422800") == ("422800", "420000", "national")
    assert fallback_chain("national") == ("national",)


@given(st.sampled_from(sorted(PROVINCES)), st.integers(1, 99), st.integers(0, 99), st.one_of(st.none(), st.integers(1, 999)))
def test_every_valid_code_falls_back_to_national(p: str, pref: int, county: int, town: int | None) -> None:
    code = f"{p}{pref:02d}{county:02d}" + ("" if town is None or county == 0 else f"{town:03d}")
    chain = fallback_chain(code)
    assert chain[-1] == "national"
    assert chain[0] == code
    levels = [region_level(c) for c in chain]
    order = ["township", "county", "prefecture", "province", "national"]
    assert [order.index(x) for x in levels] == sorted(order.index(x) for x in levels)


@pytest.mark.parametrize("bad", ["99999", "990000", "4228", "42282A", "420027", "422800123", ""])
def test_invalid_regions(bad: str) -> None:
    with pytest.raises(sy.InvalidRegionError) as e:
        sy.validate_region(bad)
    assert e.value.field == "region"
