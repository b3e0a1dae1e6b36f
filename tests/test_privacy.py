"""The one masking family (shuangyong.privacy): IDs and names recognised by shape, in any field."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong import ids, privacy
from shuangyong.privacy import is_id_shaped, is_name_shaped, mask_cell, mask_id_number, mask_name, mask_text

from conftest import make_id

ID = make_id()  # 42282719600520123X-like, synthetic

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_one_family_importable_from_ids_and_top_level() -> None:
    assert ids.mask_id_number is privacy.mask_id_number is sy.mask_id_number
    assert ids.mask_name is privacy.mask_name is sy.mask_name


def test_id_mask_keeps_first_and_last_four_only_for_an_id_shape() -> None:
    assert mask_id_number(ID) == ID[:4] + "*" * 10 + ID[-4:]
    # 15-character (old form) IDs are IDs too
    assert mask_id_number("422827600520123") == "4228*******0123"
    # the leak: "first and last four of any string"
    assert mask_id_number(f"{ID} 张三丰") == "*" * 18
    assert mask_id_number("张三丰") == "***"
    assert mask_id_number("证件号码缺失") == "******"
    assert mask_id_number(None) == ""
    assert mask_id_number(ID, reveal=True) == ID


def test_unicode_digits_are_id_shaped_and_masked_in_ascii() -> None:
    for table in (FULLWIDTH, ARABIC_INDIC):
        other = ID.translate(table)
        assert is_id_shaped(other)
        assert mask_id_number(other) == mask_id_number(ID)
        assert mask_cell(other) == mask_id_number(ID)
        assert ID[4:14] not in mask_text(f"号码 {other} 错误")


def test_names_by_shape_not_by_column() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name("") == ""
    assert mask_name(ID) == mask_id_number(ID)  # a swapped column never leaks through the name mask
    assert is_name_shaped("张三丰") and is_name_shaped("阿依古丽·买买提")
    # the library's own words are not names
    for word in ("五级", "因战", "一级", "农村", "身份证号", "伤残等级", "男"):
        assert not is_name_shaped(word), word
        assert mask_cell(word) == word


def test_mask_cell_of_swapped_columns_never_prints_the_whole_cell() -> None:
    assert mask_cell("张三丰") == "张**"
    assert mask_cell(ID) == mask_id_number(ID)
    assert mask_cell(f"{ID} 张三丰") == f"{mask_id_number(ID)} 张**"
    account = "6222021234567890123"
    assert mask_cell(account) == "*" * 15 + "0123"
    long = "本人张三丰于一九六零年入伍因战致残现居住在湖北省恩施州来凤县某某村"
    shown = mask_cell(long)
    assert "三丰" not in shown and shown.endswith(f"（共{len(long)}字）")
    assert mask_cell("2024-08-01") == "2024-08-01"  # not personal: shown for the clerk to find
    assert mask_cell(long, reveal=True) == long


def test_mask_text_masks_secrets_and_shapes() -> None:
    msg = f"rule failed for 张三丰 ({ID}), account 6222021234567890123"
    out = mask_text(msg, secrets=["张三丰", ID])
    assert "张三丰" not in out and ID not in out and "6222021234567890123" not in out
    assert "张**" in out and mask_id_number(ID) in out
    assert mask_text(msg, reveal=True) == msg
    # amounts, dates and row numbers are not digit runs long enough to be personal
    assert mask_text("row 123456: 2805.31 on 2024-08-01") == "row 123456: 2805.31 on 2024-08-01"


digits = st.sampled_from([None, FULLWIDTH, ARABIC_INDIC])
filler = st.text(alphabet=st.characters(blacklist_categories=("Nd", "Cs")), max_size=20)


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    seq=st.integers(0, 999),
    script=digits,
    before=filler,
    after=filler,
)
def test_no_id_survives_any_mask(born: date, seq: int, script: object, before: str, after: str) -> None:
    idn = make_id(born=born, seq=seq)
    shown = idn.translate(script) if script is not None else idn
    for out in (mask_text(before + shown + after), mask_cell(before + shown + after), mask_cell(shown),
                mask_id_number(shown), mask_name(shown), mask_id_number(before + shown + after)):
        assert idn not in out and idn[4:14] not in out


@given(st.text(max_size=40))
def test_masks_never_raise_and_never_grow_an_id(text: str) -> None:
    for f in (mask_text, mask_cell, mask_id_number, mask_name):
        out = f(text)
        assert isinstance(out, str)


def test_repr_of_roster_and_run_shows_counts_not_data() -> None:
    from shuangyong.roster.run import run_roster

    rows = [{"身份证号": ID, "姓名": "张三丰", "类别": "残疾军人", "伤残等级": "五级", "伤残性质": "因战", "行政区划代码": "422827"},
            {"身份证号": "张三丰", "姓名": ID}]
    run = run_roster(sy.Engine.from_plugins(), rows, 2024)
    for text in (repr(run.roster), repr(run), str(run)):
        assert ID not in text and "张三丰" not in text and ID[4:14] not in text
    assert "rows=2" in repr(run.roster)


def test_errors_mask_values_of_any_field() -> None:
    import pytest

    rec = {"身份证号": ID, "伤残等级": make_id(seq=21), "伤残性质": "因战", "行政区划代码": "422827"}
    with pytest.raises(sy.InvalidRecordError) as e:
        sy.Person.from_record(rec)
    assert make_id(seq=21) not in str(e.value) and e.value.field == "disability_grade"
    with pytest.raises(sy.InvalidRecordError) as e:
        sy.Person.from_record(dict(rec, 伤残等级="王小明"))
    assert "王小明" not in str(e.value) and "王**" in str(e.value)


def test_a_roster_without_header_row_never_echoes_its_first_person(tmp_path: object) -> None:
    import pytest

    from shuangyong.roster.run import run_roster

    rows = [{ID: make_id(seq=31), "张三丰": "李四", "422827": "422827"}]  # the first person read as headers
    with pytest.raises(sy.RosterError) as e:
        run_roster(sy.Engine(), rows, 2024)
    assert ID not in str(e.value) and "张三丰" not in str(e.value) and mask_id_number(ID) in str(e.value)
