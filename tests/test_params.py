from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import shuangyong as sy
from shuangyong.params import ParameterSet, load_parameter_file

GOOD = """
[standard]
description = "test standard"
unit = "元/月"
update = "yearly"
[[standard.values]]
from = 2020-08-01
value = 100
source = { document = "测试文件", number = "测〔2020〕1号", article = "第3条", certainty = "secondary" }
[[standard.values]]
from = 2021-08-01
value = 120.5
source = { document = "测试文件", certainty = "inferred" }
[[standard.values]]
from = 2025-01-01
ended = true
source = { document = "测试文件（废止）", certainty = "primary" }
"""


def write(tmp_path: Path, text: str, name: str = "x.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_load_and_lookup(tmp_path: Path) -> None:
    params = load_parameter_file(write(tmp_path, GOOD), jurisdiction="420000", pack="t")
    assert [p.name for p in params] == ["x.standard"]
    ps = ParameterSet(params)
    r = ps.lookup("x.standard", "422827", date(2021, 8, 1))
    assert r.value == Decimal("120.5") and isinstance(r.value, Decimal)
    assert (r.level, r.jurisdiction, r.start, r.source.certainty) == ("province", "420000", date(2021, 8, 1), "inferred")
    assert ps.lookup("x.standard", "422827", date(2021, 7, 31)).value == 100
    assert ps.lookup("x.standard", "422827", date(2023, 1, 1)).carried_forward
    assert not ps.lookup("x.standard", "422827", date(2021, 9, 1)).carried_forward
    with pytest.raises(sy.ParameterNotFoundError):
        ps.lookup("x.standard", "422827", date(2025, 1, 1))  # ended
    with pytest.raises(sy.ParameterNotFoundError):
        ps.lookup("x.standard", "422827", date(2019, 1, 1))  # before the first
    with pytest.raises(sy.ParameterNotFoundError):
        ps.lookup("x.standard", "110101", date(2022, 1, 1))  # another province


def test_county_beats_province_and_falls_back_by_date(tmp_path: Path) -> None:
    prov = load_parameter_file(write(tmp_path, GOOD), jurisdiction="420000")
    county = load_parameter_file(
        write(tmp_path, GOOD.replace("from = 2020-08-01", "from = 2021-01-01").replace("value = 100", "value = 200"), "x.toml"),
        jurisdiction="422827",
    )
    ps = ParameterSet([*prov, *county])
    assert ps.lookup("x.standard", "422827", date(2021, 3, 1)).value == 200
    assert ps.lookup("x.standard", "422827", date(2021, 3, 1)).level == "county"
    # before the county's first value the province answers
    assert ps.lookup("x.standard", "422827", date(2020, 9, 1)).level == "province"
    assert ps.lookup("x.standard", "422801", date(2021, 3, 1)).value == 100


@pytest.mark.parametrize(
    "text, key, fragment",
    [
        ("[standard\nfoo=1", "", "not valid TOML"),
        ("[standard]\n[[standard.values]]\nfrom = 2020-01-01\nvalue = 1\n", "standard.values[0]", "no source"),
        ("[standard]\n[[standard.values]]\nfrom = \"2020-01-01\"\nvalue = 1\nsource={document='d',certainty='primary'}\n", "standard.values[0]", "TOML date"),
        ("[standard]\n[[standard.values]]\nfrom = 2020-01-01\nvalue = 1\nsource={document='d',certainty='sure'}\n", "standard.values[0].source", "certainty"),
        ("[standard]\ndescription='x'\n", "standard", "values"),
        ("[standard]\nvalu=1\n[[standard.values]]\nfrom = 2020-01-01\nvalue = 1\nsource={document='d',certainty='primary'}\n", "standard", "unknown keys"),
        ("standard = 3\n", "standard", "table"),
        ("[standard]\n[[standard.values]]\nfrom = 2021-01-01\nvalue = 1\nsource={document='d',certainty='primary'}\n"
         "[[standard.values]]\nfrom = 2020-01-01\nvalue = 1\nsource={document='d',certainty='primary'}\n", "standard", "date order"),
    ],
)
def test_malformed_files_name_file_key_and_reason(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(sy.ParameterFileError) as e:
        load_parameter_file(path)
    assert e.value.path == str(path)
    assert e.value.key == key
    assert fragment in str(e.value)
    assert str(path) in str(e.value)


def test_two_packs_one_parameter_one_jurisdiction_conflict(tmp_path: Path) -> None:
    a = load_parameter_file(write(tmp_path, GOOD), jurisdiction="420000", pack="a")
    b = load_parameter_file(write(tmp_path, GOOD), jurisdiction="420000", pack="b")
    with pytest.raises(sy.RuleConflictError) as e:
        ParameterSet([*a, *b])
    assert "'a'" in str(e.value) and "'b'" in str(e.value)


def test_overrides_beat_every_level_and_reach_into_tables(tmp_path: Path) -> None:
    ps = ParameterSet(load_parameter_file(write(tmp_path, GOOD), jurisdiction="420000"))
    new = ps.with_overrides([("x.standard", Decimal(150), date(2021, 9, 1))])
    assert new.lookup("x.standard", "422827", date(2021, 9, 1)).value == 150
    assert new.lookup("x.standard", "422827", date(2021, 9, 1)).level == "override"
    assert new.lookup("x.standard", "422827", date(2021, 8, 15)).value == Decimal("120.5")
    assert ps.lookup("x.standard", "422827", date(2021, 9, 1)).value == Decimal("120.5")  # original untouched
    e = sy.Engine()
    t = e.parameters.with_overrides([("disability_pension.annual_standard.1.因战", Decimal(1), date(2022, 1, 1))])
    table = t.lookup("disability_pension.annual_standard", "422827", date(2022, 2, 1)).value
    assert table["1"]["因战"] == 1 and table["1"]["因公"] == e.parameters.lookup(
        "disability_pension.annual_standard", "422827", date(2022, 2, 1)).value["1"]["因公"]
    # after the 2022-08-01 rise the other cells follow the new table, the overridden cell stays
    later = t.lookup("disability_pension.annual_standard", "422827", date(2022, 9, 1)).value
    assert later["1"]["因战"] == 1 and later["2"]["因战"] == Decimal(105220)
    with pytest.raises(sy.ParameterNotFoundError):
        ps.with_overrides([("no.such.thing", 1, None)])


# -- announced dates (bitemporal values) ------------------------------------------------


def test_announced_values_are_invisible_before_their_announcement(tmp_path):
    from datetime import date
    from decimal import Decimal

    from shuangyong.params import ParameterSet, load_parameter_file

    f = tmp_path / "rise.toml"
    f.write_text(
        "[std]\nunit = \"元/年\"\n"
        "[[std.values]]\nfrom = 2024-08-01\nvalue = 1200\nsource = { document = \"旧通知\", certainty = \"secondary\" }\n"
        "[[std.values]]\nfrom = 2025-08-01\nannounced = 2025-10-20\nvalue = 1320\n"
        "source = { document = \"新通知\", number = \"测〔2025〕1号\", certainty = \"secondary\" }\n",
        encoding="utf-8",
    )
    ps = ParameterSet(load_parameter_file(f))
    aug = date(2025, 8, 1)
    now = ps.lookup("rise.std", "422827", aug)
    assert (now.value, now.announced) == (Decimal(1320), date(2025, 10, 20))
    assert now.to_dict()["announced"] == "2025-10-20"
    before = ps.as_known_on(date(2025, 10, 19)).lookup("rise.std", "422827", aug)
    assert (before.value, before.start, before.announced) == (Decimal(1200), date(2024, 8, 1), None)
    assert ps.as_known_on(date(2025, 10, 20)).lookup("rise.std", "422827", aug).value == Decimal(1320)
    assert [v.value for _, v in ps.announcements(after=date(2025, 10, 1))] == [Decimal(1320)]
    assert ps.announcements(after=date(2025, 10, 20)) == []


def test_engine_as_known_on_prices_with_what_was_known(tmp_path):
    from datetime import date
    from pathlib import Path

    import shuangyong as sy
    from shuangyong.testing import FixturePack, synthetic_id

    rise = Path(__file__).parent / "data" / "ledger" / "county_rise.toml"
    eng = sy.Engine(plugins=[FixturePack("rise", [], [rise])])
    p = sy.Person.from_record({"身份证号": synthetic_id("422827", "1950-01-01", 11), "行政区划代码": "422827", "户籍": "城镇",
                               "类别": "烈士遗属", "遗属类别": "烈士", "与军人关系": "父母"})
    sep = sy.Period.month(2025, 9)
    assert eng.entitlements(p, sep)["survivor_pension"].amount == sy.q("3000.00").value
    assert eng.as_known_on(date(2025, 9, 30)).entitlements(p, sep)["survivor_pension"].amount == sy.q("2821.67").value


def test_announced_must_be_a_date(tmp_path):
    import pytest

    from shuangyong.errors import ParameterFileError
    from shuangyong.params import load_parameter_file

    f = tmp_path / "bad.toml"
    f.write_text("[std]\n[[std.values]]\nfrom = 2025-08-01\nannounced = \"soon\"\nvalue = 1\n"
                 "source = { document = \"x\", certainty = \"assumption\" }\n", encoding="utf-8")
    with pytest.raises(ParameterFileError, match="announced"):
        load_parameter_file(f)
