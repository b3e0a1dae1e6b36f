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
from .record import parse_date

__all__ = ["synthetic_id", "record_from_case", "person_from_case", "load_cases", "case_params", "validate_case", "check_case",
           "check_case_roster", "check_needs", "check_explanation_reproduces", "check_installed_pack", "FixturePack", "CASE_KEYS"]


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


#: The keys a ``[[case]]`` may hold (docs/writing-a-rule-pack.md, "Case files"); anything else is refused.
CASE_KEYS = frozenset({"name", "period", "person", "expect", "status", "absent", "total", "explain", "roads", "needs"})
#: The keys that state an expectation: a case needs at least one.
EXPECTATION_KEYS = ("expect", "status", "absent", "total", "explain")


def record_from_case(record: dict[str, Any]) -> dict[str, Any]:
    """A case's person as a full record: headers as the record format takes them (English keys or
    Chinese headers), plus a synthetic ID made from the region, the birth date and ``seq`` when no ID
    is given.  With an ID, the birth date is the ID's (a ``birth_date`` that contradicts it is refused
    by ``Person.from_record``, never replaced).
    """
    from .record import normalise_record

    rec = dict(record)
    born = rec.pop("born", None)
    seq = int(rec.pop("seq", 123))
    known, _ = normalise_record(rec)
    if "id_number" not in known:
        if "region" not in known:
            raise ValueError("a case's person needs a region (行政区划代码) or an id_number (身份证号)")
        when = str(born or known.get("birth_date") or "1970-01-01")
        if born is not None and "birth_date" not in known:
            rec["birth_date"] = when
        rec["id_number"] = synthetic_id(str(known["region"]), parse_date(when, "birth_date"), seq)
    elif born is not None:
        rec["birth_date"] = born  # checked against the ID by Person.from_record
    return rec


def person_from_case(record: dict[str, Any]) -> Person:
    """A person from a case's record, with a synthetic ID unless one is given (see :func:`record_from_case`)."""
    return Person.from_record(record_from_case(record))


def validate_case(case: Any, where: str = "case") -> None:
    """Refuse a case with an unknown key, without ``name`` / ``period`` / ``person``, or stating no expectation."""
    if not isinstance(case, dict):
        raise ValueError(f"{where}: a [[case]] must be a table")
    unknown = sorted(set(case) - CASE_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; a case takes {', '.join(sorted(CASE_KEYS))}")
    for key in ("name", "period", "person"):
        if key not in case:
            raise ValueError(f"{where}: a case needs {key!r}")
    if not any(case.get(k) not in (None, {}, []) for k in EXPECTATION_KEYS):
        raise ValueError(f"{where}: case {case.get('name', '')!r} states no expectation (give one of {', '.join(EXPECTATION_KEYS)})")
    roads = case.get("roads", ["one_by_one", "roster"])
    if not set(roads) <= {"one_by_one", "roster"}:
        raise ValueError(f"{where}: roads must list one_by_one and/or roster")


def check_needs(engine: Engine, case: dict[str, Any]) -> None:
    """Every parameter value a case ``needs`` (``"name@YYYY-MM-DD"``: a value in force from that day) is loaded.

    A case built on a figure the loaded packs do not hold fails, naming the figure (never skipped).
    """
    missing = []
    for need in case.get("needs", []):
        name, _, start = str(need).partition("@")
        starts = {v.start.isoformat() for p in engine.parameters.parameters(name) for v in p.values}
        if start not in starts:
            missing.append(str(need))
    assert not missing, f"{case.get('name', '')}: no loaded parameter holds {', '.join(missing)}"


def _same_amount(got: Any, want: Any) -> bool:
    """Amounts compared as numbers: ``"4058"``, ``4058`` and ``"4058.00"`` are one amount (never floats' binary error)."""
    return Decimal(str(got)) == Decimal(str(want))


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
        assert _same_amount(res[code].amount, amount), (name, code, str(res[code].amount), res[code].reason)
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
        assert _same_amount(res.total, case["total"]), (name, str(res.total))
    for code, needles in case.get("explain", {}).items():
        # Each text must appear in the Chinese explanation, str(engine.explain(...)).
        text = str(engine.explain(person, period, code))
        for needle in [needles] if isinstance(needles, str) else needles:
            assert needle in text, (name, needle, text)


def check_case_roster(engine: Engine, case: dict[str, Any]) -> None:
    """Run one case through :func:`shuangyong.roster.run.run_roster` (the columnar road when numpy is there)
    and assert the amounts, totals and absent rules it states, as :func:`check_case` does one by one."""
    from .roster.run import run_roster

    period = parse_period(str(case["period"]))
    run = run_roster(engine, [record_from_case(case["person"])], period)
    name = case.get("name", "")
    rows = list(run.results())
    assert len(rows) == 1, (name, [r.to_dict() for r in run.rejects])
    row = rows[0]
    for code, amount in case.get("expect", {}).items():
        assert row.get(code) is not None, f"{name}: rule {code} does not apply on the roster road"
        assert _same_amount(row[code], amount), (name, code, str(row[code]))
    if "total" in case:
        assert _same_amount(row["total"], case["total"]), (name, str(row["total"]))


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
