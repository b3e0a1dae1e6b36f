"""Run the hand-computed cases of ``tests/cases/*.toml`` against the pack, exactly.

Each case builds a synthetic person (valid ID number, no real person) from
its record fields, computes ``Engine(plugins=[shuangyong_shandong])`` over
the case's period and compares every expected amount as an exact string.
For every paying segment the explanation's arithmetic is re-evaluated and
must reproduce the amount.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
import shuangyong_shandong
from shuangyong.calc import evaluate_expression
from shuangyong.ids import check_character
from shuangyong.money import ROUNDINGS

CASES = Path(__file__).parent / "cases"


def make_id(region: str, born: str, seq: int = 123) -> str:
    """A valid synthetic 公民身份号码 for ``region`` and birth date (odd ``seq`` = male)."""
    first17 = f"{region[:6]}{date.fromisoformat(born):%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def person_of(case: dict[str, Any]) -> sy.Person:
    """The case's person: its record fields plus a generated ID number."""
    record = dict(case["person"])
    born = record.pop("born")
    seq = int(record.pop("seq", 123))
    record["id_number"] = make_id(record["region"], born, seq)
    return sy.Person.from_record(record)


def load_cases() -> list[Any]:
    out = []
    for path in sorted(CASES.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for case in data["case"]:
            out.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return out


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine(plugins=[shuangyong_shandong])


def test_there_are_cases() -> None:
    assert len(load_cases()) >= 10


@pytest.mark.parametrize("case", load_cases())
def test_case(engine: sy.Engine, case: dict[str, Any]) -> None:
    person = person_of(case)
    res = engine.entitlements(person, sy.parse_period(case["period"]))
    for code, amount in case.get("expect", {}).items():
        assert str(res[code].amount) == amount, f"{code}: {res[code].reason}"
    for code, status in case.get("status", {}).items():
        assert res[code].status == status, f"{code}: {res[code].reason}"
        if status == "in_kind":
            # Listed with its description, never money, never in the total.
            assert res[code].in_kind is not None and res[code].in_kind.description
            assert res[code].amount == 0 and res[code].is_money is False
        elif status != "eligible":
            assert res[code].reason, "a result that pays nothing must say why"
    for code in case.get("absent", []):
        assert code not in res
    for e in res:
        for seg in e.segments:
            if seg.status == "eligible":
                raw = evaluate_expression(seg.expression)
                assert raw == seg.raw
                assert ROUNDINGS[e.rounding](raw) == seg.unit_amount
