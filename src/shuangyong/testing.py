"""Helpers for testing rule packs: synthetic people and policy cases kept as TOML data.

A pack's ``tests/cases/*.toml`` holds hand-computed cases::

    [[case]]
    name = "来凤 农村 2013: 4058 a year"            # the arithmetic, in words
    period = "2013"
    person = { region = "422827", birth_date = "1960-05-20", hukou = "农村", categories = "义务兵家属" }
    expect = { conscript_family_allowance = "4058.00" }   # exact decimal strings
    status = { disability_pension = "not_eligible" }       # optional
    absent = ["old_demobilised_allowance"]                  # optional: codes that must not apply
    explain = { conscript_family_allowance = ["4058"] }    # optional: text the explanation must show

``person`` is a record in the format of ``docs/record-format.md``; without an
``id_number`` a valid synthetic one is made from the region and ``birth_date``
(or ``born``) and an optional ``seq`` (odd = male).  A pack's test module is
then three lines::

    from shuangyong.testing import case_params, check_case
    @pytest.mark.parametrize("case", case_params(Path(__file__).parent / "cases"))
    def test_policy_case(case): check_case(sy.Engine(plugins=[my_pack]), case)

Every checked amount's explanation must reproduce it from the numbers it shows.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .calc import evaluate_expression
from .engine import Engine, Entitlement
from .plugins import hookimpl
from .ids import check_character
from .model import Person
from .money import ROUNDINGS
from .periods import parse_period

__all__ = ["synthetic_id", "person_from_case", "load_cases", "case_params", "check_case", "check_explanation_reproduces",
           "check_installed_pack", "FixturePack"]


class FixturePack:
    """A throwaway rule pack for tests: rules and parameter files registered for one jurisdiction.

    ``rules`` are :class:`BenefitRule` objects, or ``(rule, {"extends": "code"})`` pairs for
    registration options; ``parameters`` are TOML files.  ``sy.Engine(plugins=[FixturePack(...)])``
    loads it next to the national rules, through the same hooks as any installed pack.
    """

    def __init__(self, name: str, rules: list[Any], parameters: list[Path] = (), jurisdiction: str = "422827") -> None:  # type: ignore[assignment]
        self.name = name
        self.rules = list(rules)
        self.parameters = list(parameters)
        self.jurisdiction = jurisdiction

    @hookimpl
    def shuangyong_pack_info(self) -> dict[str, Any]:
        return {"name": self.name, "version": "0", "title": self.name, "jurisdictions": [self.jurisdiction], "sources": ["test fixture"]}

    @hookimpl
    def shuangyong_parameters(self, register: Any) -> None:
        for path in self.parameters:
            register(path, jurisdiction=self.jurisdiction)

    @hookimpl
    def shuangyong_rules(self, register: Any) -> None:
        for item in self.rules:
            rule, options = item if isinstance(item, tuple) else (item, {})
            register(rule, jurisdiction=self.jurisdiction, **options)


def synthetic_id(region: str, born: date | str, seq: int = 123) -> str:
    """A valid 18-character 公民身份号码 for a synthetic person (odd ``seq`` = male)."""
    if isinstance(born, str):
        born = date.fromisoformat(born)
    first17 = f"{region[:6]}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def person_from_case(record: dict[str, Any]) -> Person:
    """A person from a case's record, with a synthetic ID unless one is given."""
    rec = dict(record)
    born = str(rec.pop("born", rec.get("birth_date", "1970-01-01")))
    seq = int(rec.pop("seq", 123))
    rec.setdefault("birth_date", born)
    rec.setdefault("id_number", synthetic_id(str(rec["region"]), born, seq))
    return Person.from_record(rec)


def load_cases(folder: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """Every ``[[case]]`` of every ``*.toml`` in ``folder``, as (test id, case)."""
    out = []
    for path in sorted(Path(folder).glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for i, case in enumerate(data.get("case", [])):
            out.append((f"{path.stem}-{i:02d}", case))
    return out


def case_params(folder: str | Path) -> list[Any]:
    """``load_cases`` as ``pytest.param`` s with readable ids (for ``@pytest.mark.parametrize``)."""
    import pytest

    cases = load_cases(folder)
    if not cases:
        raise AssertionError(f"no [[case]] found in {folder}")
    return [pytest.param(case, id=cid) for cid, case in cases]


def check_explanation_reproduces(ent: Entitlement) -> None:
    """Each paying segment's expression evaluates to its raw amount; rounding and units give the amount."""
    rounding = ROUNDINGS[ent.rounding]
    total = Decimal(0)
    for s in ent.segments:
        if s.status != "eligible":
            continue
        assert s.raw is not None and evaluate_expression(s.expression) == s.raw, (ent.rule, s.expression, s.raw)
        assert rounding(s.raw) == s.unit_amount, (ent.rule, s.raw, s.unit_amount)
        total += s.unit_amount * s.units
    assert total == ent.amount, (ent.rule, total, ent.amount)


def check_case(engine: Engine, case: dict[str, Any]) -> None:
    """Run one case and assert every expectation it states."""
    person = person_from_case(case["person"])
    period = parse_period(str(case["period"]))
    res = engine.entitlements(person, period)
    name = case.get("name", "")
    for code, amount in case.get("expect", {}).items():
        assert code in res, f"{name}: rule {code} does not apply"
        assert str(res[code].amount) == str(amount), (name, code, str(res[code].amount), res[code].reason)
        check_explanation_reproduces(res[code])
    for code, status in case.get("status", {}).items():
        ent = res[code]
        assert ent.status == status, (name, code, ent.status, ent.reason)
        if status == "in_kind":
            # listed with its description, never money, never in the total
            assert ent.in_kind is not None and ent.in_kind.description, (name, code)
            assert ent.amount == 0 and not ent.is_money, (name, code)
        elif status != "eligible":
            assert ent.reason, f"{name}: {code} pays nothing and must say why"
    for code in case.get("absent", []):
        assert code not in res, f"{name}: rule {code} should not apply"
    if "total" in case:
        assert str(res.total) == str(case["total"]), (name, str(res.total))
    for code, needles in case.get("explain", {}).items():
        text = str(engine.explain(person, period, code))
        for needle in needles:
            assert needle in text, (name, needle, text)


def check_installed_pack(name: str, distribution: str, jurisdictions: tuple[str, ...], codes: set[str]) -> None:
    """Once ``pip install`` has run, entry-point discovery finds the pack once, with its jurisdictions,
    and ``codes`` apply in the first of them.

    Skips (pytest) when the distribution is not installed, so a pack's tests also run from a checkout.
    """
    import importlib.metadata as md

    import pytest

    try:
        version = md.version(distribution)
    except md.PackageNotFoundError:
        pytest.skip(f"{distribution} is not installed (pip install -e rulepacks/{name})")
    engine = Engine.from_plugins(only=[name])
    assert [p.name for p in engine.packs].count(name) == 1
    info = engine.registry.pack(name)
    assert info is not None and info.version == version
    assert info.jurisdictions == jurisdictions
    assert codes <= {r.code for r in engine.rules_for(jurisdictions[0])}
