"""Installing packs together changes nothing outside their jurisdictions.

An engine with tianjin + guangxi must give a person in 宁明县 (451422)
exactly what guangxi alone gives, a person in 东城区 (110101) exactly what
the national rules alone give, and a person in 北辰区 exactly what tianjin
alone gives.  The guangxi pack is taken from the installed distribution or,
in a checkout, from ../../guangxi/src.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
import shuangyong_tianjin
from shuangyong.ids import check_character

try:
    import shuangyong_guangxi
except ImportError:  # not installed: use the sibling checkout if there is one
    _src = Path(__file__).resolve().parents[2] / "guangxi" / "src"
    if not _src.is_dir():
        pytest.skip("the guangxi pack is neither installed nor checked out next to this one", allow_module_level=True)
    sys.path.insert(0, str(_src))
    import shuangyong_guangxi

PERIOD = sy.Period.year(2024)


def person(region: str, born: str = "19700308", seq: int = 124, **fields: Any) -> sy.Person:
    first17 = f"{region[:6]}{born}{seq:03d}"
    return sy.Person.from_record({"id_number": first17 + check_character(first17), "region": region, **fields})


def snapshot(engine: sy.Engine, p: sy.Person) -> list[tuple[str, str, str, str]]:
    res = engine.entitlements(p, PERIOD)
    return [(e.rule, str(e.amount), e.status, e.pack) for e in res] + [("total", str(res.total), "", "")]


# People of every kind the packs know about, so a leak would show somewhere.
FIELDS = [
    {"categories": "随军家属"},
    {"categories": "义务兵家属", "hukou": "农业", "service_type": "义务兵", "enlisted": "2023-09-10"},
    {"categories": "残疾军人", "disability_grade": "4", "disability_cause": "因战", "disability_date": "2010-05-01"},
    {"categories": "义务兵家属、随军家属", "hukou": "城镇", "service_type": "义务兵", "enlisted": "2023-09-10"},
]


@pytest.mark.parametrize("fields", FIELDS)
def test_ningming_person_gets_what_guangxi_alone_gives(fields: dict[str, str]) -> None:
    p = person("451422", **fields)
    assert snapshot(sy.Engine(plugins=[shuangyong_tianjin, shuangyong_guangxi]), p) == snapshot(sy.Engine(plugins=[shuangyong_guangxi]), p)


@pytest.mark.parametrize("fields", FIELDS)
def test_beijing_person_gets_what_the_national_rules_alone_give(fields: dict[str, str]) -> None:
    p = person("110101", **fields)
    assert snapshot(sy.Engine(plugins=[shuangyong_tianjin, shuangyong_guangxi]), p) == snapshot(sy.Engine(), p)


@pytest.mark.parametrize("fields", FIELDS)
@pytest.mark.parametrize("region", ["120113", "120113100"])
def test_beichen_person_gets_what_tianjin_alone_gives(fields: dict[str, str], region: str) -> None:
    p = person(region, **fields)
    assert snapshot(sy.Engine(plugins=[shuangyong_guangxi, shuangyong_tianjin]), p) == snapshot(sy.Engine(plugins=[shuangyong_tianjin]), p)


def test_the_packs_do_pay_in_their_own_places() -> None:
    """Guard against a vacuous pass: each pack does add something where it applies."""
    both = sy.Engine(plugins=[shuangyong_tianjin, shuangyong_guangxi])
    assert both.entitlements(person("451422", categories="随军家属"), PERIOD)["dependent_spouse_allowance"].amount == 2400
    assert both.entitlements(person("120113100", categories="义务兵家属", hukou="农业", service_type="义务兵", enlisted="2023-09-10"), PERIOD)["conscript_family_allowance"].amount == 10000
    assert "dependent_spouse_allowance" not in both.entitlements(person("110101", categories="随军家属"), PERIOD)
