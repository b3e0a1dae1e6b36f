"""The hubei pack's policy cases (``cases/*.toml``), run through ``sy.Engine(plugins=[shuangyong_hubei])``.

Each case was computed by hand from the sources named in the README; its
name shows the arithmetic.  Amounts are compared exactly as decimal strings,
and every eligible explanation must reproduce its amount from the numbers it
shows.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import shuangyong as sy
import shuangyong_hubei
from hypothesis import given, settings
from hypothesis import strategies as st
from shuangyong.calc import evaluate_expression
from shuangyong.ids import check_character
from shuangyong.money import ROUNDINGS

CASES_DIR = Path(__file__).parent / "cases"


def synthetic_id(region: str, born: date, seq: int = 101) -> str:
    """A valid 18-character 公民身份号码 for a synthetic person (no real person)."""
    first17 = f"{region[:6]}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def person_from_case(record: dict[str, Any]) -> sy.Person:
    """The case's record with a synthetic ID made from its region and birth date."""
    rec = dict(record)
    born = date.fromisoformat(str(rec.get("birth_date", "1970-01-01")))
    rec.setdefault("id_number", synthetic_id(str(rec["region"]), born, int(rec.pop("seq", 101))))
    return sy.Person.from_record(rec)


def load_cases() -> list[Any]:
    out = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data["case"]):
            out.append(pytest.param(case, id=f"{path.stem}-{i:02d}"))
    return out


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine(plugins=[shuangyong_hubei])


def check_explanation_reproduces(ent: sy.Entitlement) -> None:
    """Each segment's expression evaluates to its raw amount; rounding and units give the total."""
    rounding = ROUNDINGS[ent.rounding]
    total = Decimal(0)
    for s in ent.segments:
        if s.status != "eligible":
            continue
        assert evaluate_expression(s.expression) == s.raw, (s.expression, s.raw)
        assert rounding(s.raw) == s.unit_amount
        total += s.unit_amount * s.units
    assert total == ent.amount


@pytest.mark.parametrize("case", load_cases())
def test_policy_case(engine: sy.Engine, case: dict[str, Any]) -> None:
    person = person_from_case(case["person"])
    period = sy.parse_period(case["period"])
    res = engine.entitlements(person, period)
    for code, amount in case.get("expect", {}).items():
        assert str(res[code].amount) == amount, (case["name"], res[code].reason)
    for code, status in case.get("status", {}).items():
        assert res[code].status == status, (case["name"], res[code].reason)
    for code in case.get("absent", []):
        assert code not in res, case["name"]
    for code in case.get("expect", {}):
        check_explanation_reproduces(res[code])
    for code, needles in case.get("explain", {}).items():
        text = str(engine.explain(person, period, code))
        for needle in needles:
            assert needle in text, (needle, text)


# -- properties --------------------------------------------------------------------------------

def conscript_family(enlisted: date, discharged: date | None, hukou: str = "农村") -> sy.Person:
    rec: dict[str, Any] = {"region": "422827", "birth_date": "1965-04-02", "hukou": hukou, "categories": "义务兵家属",
                           "enlisted": enlisted.isoformat(), "service_type": "义务兵"}
    if discharged is not None:
        rec["discharged"] = discharged.isoformat()
    return person_from_case(rec)


@settings(max_examples=60, deadline=None)
@given(enlisted=st.dates(date(2012, 1, 1), date(2020, 12, 31)), hukou=st.sampled_from(["农村", "城镇"]))
def test_two_full_years_pay_exactly_two_standards(engine: sy.Engine, enlisted: date, hukou: str) -> None:
    """Whatever the enlistment day, a full two-year term pays twice the yearly standard in all."""
    from shuangyong.periods import add_months

    person = conscript_family(enlisted, add_months(enlisted, 24), hukou)
    total = sum(engine.entitlements(person, sy.Period.year(y))["conscript_family_allowance"].amount for y in range(2011, 2024))
    assert total == {"农村": Decimal("8116.00"), "城镇": Decimal("14686.00")}[hukou]


@settings(max_examples=60, deadline=None)
@given(enlisted=st.dates(date(2012, 1, 1), date(2020, 12, 31)), days=st.integers(1, 1200))
def test_leaving_early_never_pays_more(engine: sy.Engine, enlisted: date, days: int) -> None:
    """Any discharge date pays at most the full term, and never a negative amount in any year."""
    from datetime import timedelta

    person = conscript_family(enlisted, enlisted + timedelta(days=days))
    amounts = [engine.entitlements(person, sy.Period.year(y))["conscript_family_allowance"].amount for y in range(2011, 2026)]
    assert all(a >= 0 for a in amounts)
    assert sum(amounts) <= Decimal("8116.00")


@settings(max_examples=60, deadline=None)
@given(years=st.integers(2, 29), kind=st.sampled_from(["义务兵", "士官"]))
def test_more_service_never_pays_less(engine: sy.Engine, years: int, kind: str) -> None:
    """The one-off grant does not fall as service years rise."""
    def grant(n: int) -> Decimal:
        p = person_from_case({"region": "422827", "birth_date": "1970-01-01", "categories": "退役士兵", "enlisted": f"{2013 - n}-12-01",
                              "discharged": "2013-12-01", "service_type": kind})
        return engine.entitlements(p, sy.Period.year(2013))["discharge_grant"].amount

    assert grant(years + 1) >= grant(years) > 0
