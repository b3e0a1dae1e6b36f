"""Properties of the hubei pack.  Its policy cases (``cases/*.toml``) are run by the pytest plugin shipped
with shuangyong (one by one and through ``run_roster``; docs/writing-a-rule-pack.md, "Case files").

Each case was computed by hand from the sources named in the README; its
name shows the arithmetic.  Amounts are compared exactly as decimal strings,
and every eligible explanation must reproduce its amount from the numbers it
shows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import shuangyong as sy
from shuangyong.testing import person_from_case
import shuangyong_hubei
from hypothesis import given, settings
from hypothesis import strategies as st



@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine(plugins=[shuangyong_hubei])


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
