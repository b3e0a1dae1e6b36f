"""Installing packs together changes nothing for people outside their jurisdictions.

An engine with jiangsu + hubei must give a 来凤 (422827) person exactly what
hubei alone gives, a 吴江 (320509) person exactly what jiangsu alone gives,
and a 北京东城 (110101) person exactly what the national rules alone give.
The hubei pack is taken from the installed distribution, or else from the
sibling source folder of a repository checkout; without either this module
is skipped (the pack can be installed and tested on its own).
"""

from __future__ import annotations

import importlib
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import shuangyong as sy
import shuangyong_jiangsu
from hypothesis import given, settings
from hypothesis import strategies as st
from shuangyong.ids import check_character


def _hubei() -> ModuleType | None:
    try:
        return importlib.import_module("shuangyong_hubei")
    except ImportError:
        sibling = Path(__file__).resolve().parents[2] / "hubei" / "src"
        if not (sibling / "shuangyong_hubei").is_dir():
            return None
        sys.path.append(str(sibling))
        return importlib.import_module("shuangyong_hubei")


hubei = _hubei()
pytestmark = pytest.mark.skipif(hubei is None, reason="shuangyong_hubei is neither installed nor in a sibling folder")

REGIONS = ["422827", "320509", "110101", "420102", "320508"]
RECORDS: list[dict[str, Any]] = [
    {"hukou": "农村", "categories": "义务兵家属", "enlisted": "2024-09-10", "service_type": "义务兵", "hardship": "西藏"},
    {"hukou": "城镇", "categories": "在乡老复员军人", "birth_date": "1932-02-01"},
    {"categories": "退役士兵", "enlisted": "2017-12-01", "discharged": "2025-06-01", "service_type": "士官",
     "awards": "二等功@2019-05-01;嘉奖@2024-10-01", "birth_date": "1998-03-03"},
    {"hukou": "农村", "categories": "残疾军人", "disability_grade": "6", "disability_cause": "因战", "disability_date": "2010-01-01",
     "birth_date": "1950-07-07"},
]


def _person(region: str, record: dict[str, Any]) -> sy.Person:
    rec = dict(record)
    born = date.fromisoformat(rec.pop("birth_date", "1970-01-01"))
    first17 = f"{region}{born:%Y%m%d}101"
    return sy.Person.from_record(dict(rec, region=region, birth_date=born.isoformat(), id_number=first17 + check_character(first17)))


@pytest.fixture(scope="module")
def engines() -> dict[str, sy.Engine]:
    return {
        "both": sy.Engine(plugins=[shuangyong_jiangsu, hubei]),
        "hubei": sy.Engine(plugins=[hubei]),
        "jiangsu": sy.Engine(plugins=[shuangyong_jiangsu]),
        "national": sy.Engine(),
    }


def _alone(region: str) -> str:
    return {"422827": "hubei", "320509": "jiangsu"}.get(region, "national")


@settings(max_examples=60, deadline=None)
@given(region=st.sampled_from(REGIONS), which=st.integers(0, len(RECORDS) - 1), year=st.integers(2012, 2026),
       month=st.one_of(st.none(), st.integers(1, 12)))
def test_two_packs_change_nothing_outside_their_jurisdictions(engines: dict[str, sy.Engine], region: str, which: int,
                                                             year: int, month: int | None) -> None:
    person = _person(region, RECORDS[which])
    period = sy.Period.year(year) if month is None else sy.Period.month(year, month)
    together = engines["both"].entitlements(person, period).to_dict()
    alone = engines[_alone(region)].entitlements(person, period).to_dict()
    assert together == alone


def test_each_county_sees_only_its_own_pack(engines: dict[str, sy.Engine]) -> None:
    both = engines["both"]
    assert {r.pack for r in both.rules_for("422827")} == {"national", "hubei"}
    assert {r.pack for r in both.rules_for("320509")} == {"national", "jiangsu"}
    assert {r.pack for r in both.rules_for("110101")} == {"national"}
    # The two packs' 优待金 rules share a code but never a jurisdiction: no conflict, each county its own.
    laifeng = _person("422827", RECORDS[0])
    wujiang = _person("320509", RECORDS[0])
    assert both.entitlements(laifeng, sy.Period.year(2025))["conscript_family_allowance"].pack == "hubei"
    assert both.entitlements(wujiang, sy.Period.year(2025))["conscript_family_allowance"].amount == 156064  # 39016 × (1 + 3)
