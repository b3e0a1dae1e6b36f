"""Festival visit lists (走访慰问名单) and 慰问金, once per household.

A *visit scheme* (TOML, ``kind = "visits"``, shipped by a pack through
``shuangyong_campaign_plans``) names a festival, the criteria (categories —
any of them —, the 困难 flag, a minimum age) and the parameter that holds the
amount per household, dated and sourced like any figure.  The scheme becomes
an ordinary one-off :class:`~shuangyong.rules.BenefitRule` whose event is the
festival's date that year, so each person's eligibility and amount come out of
the engine with the usual explanation.  The list then groups eligible people
by household (:meth:`Person.household_key`): a household with three eligible
members receives one 慰问金, paid at the highest amount any member qualifies
for (amounts differ only where a region sets its own figure), and the other
members are listed as 同户.

The rule is *not* registered with the packs' benefit rules: a roster run
prices people, and a per-household grant summed over people would be counted
several times.  ``visit_list`` prices it on a copy of the engine's registry.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from attrs import field, frozen

from .. import festivals
from ..engine import Engine, Entitlement
from ..ids import validate_region
from ..privacy import mask_id_number, mask_name
from ..model import Category, Person
from ..params import Source
from ..periods import Period
from ..plugins import Registry, RuleRegistration
from ..rules import BenefitRule, NotEligible
from .plans import CampaignError

__all__ = ["VisitScheme", "load_visit_scheme", "visit_rule", "VisitHousehold", "VisitList", "visit_list", "visit_scheme", "write_visit_list"]


@frozen
class VisitScheme:
    """Who a festival visit reaches and how much each household receives."""

    code: str
    title: str
    festival: str
    parameter: str
    jurisdiction: str = "national"
    categories: frozenset[Category] = field(factory=frozenset)
    needy: bool = False
    min_age: int | None = None
    basis: Source | None = None
    path: str = ""

    def criteria_text(self) -> str:
        parts = []
        if self.categories:
            parts.append("类别为" + "、".join(sorted(c.label for c in self.categories)) + "之一")
        if self.needy:
            parts.append("经认定生活困难")
        if self.min_age is not None:
            parts.append(f"年满{self.min_age}周岁")
        return "；".join(parts) or "无其他条件"


def load_visit_scheme(source: str | os.PathLike[str] | Mapping[str, Any]) -> VisitScheme:
    """Read and validate a visit scheme (TOML file or parsed mapping); problems raise :class:`CampaignError`."""
    where = "<visits>"
    if isinstance(source, Mapping):
        doc: Mapping[str, Any] = source
    else:
        where = str(source)
        try:
            with Path(source).open("rb") as fh:
                doc = tomllib.load(fh)
        except OSError as e:
            raise CampaignError(f"{where}: cannot read ({e.strerror or e})") from None
        except tomllib.TOMLDecodeError as e:
            raise CampaignError(f"{where}: not valid TOML ({e})") from None
    problems: list[str] = []
    known = {"format", "kind", "code", "title", "festival", "parameter", "jurisdiction", "categories", "needy", "min_age", "source",
             "description"}
    problems += [f"{k}: unknown key (known: {', '.join(sorted(known))})" for k in doc if k not in known]
    if doc.get("kind") != "visits":
        problems.append("kind: a visit scheme has kind = \"visits\"")
    code = str(doc.get("code", ""))
    if not code or not code.replace("_", "").isalnum() or not code.isascii():
        problems.append(f"code: {code!r} must be English snake_case")
    for k in ("title", "festival", "parameter"):
        if not isinstance(doc.get(k), str) or not doc[k].strip():
            problems.append(f"{k}: is required (text)")
    fest = ""
    if isinstance(doc.get("festival"), str):
        try:
            fest = festivals.canonical(doc["festival"])
        except festivals.FestivalError as e:
            problems.append(f"festival: {e}")
    jurisdiction = str(doc.get("jurisdiction", "national"))
    if jurisdiction != "national":
        try:
            validate_region(jurisdiction)
        except Exception as e:  # noqa: BLE001 - the region check's own message is the reason
            problems.append(f"jurisdiction: {e}")
    cats: set[Category] = set()
    for c in doc.get("categories", []) or []:
        try:
            cats.add(Category.parse(str(c), "categories"))
        except Exception:  # noqa: BLE001
            problems.append(f"categories: unknown category {c!r}")
    needy = doc.get("needy", False)
    if not isinstance(needy, bool):
        problems.append("needy: must be true or false")
    min_age = doc.get("min_age")
    if min_age is not None and (isinstance(min_age, bool) or not isinstance(min_age, int) or not 0 <= min_age <= 150):
        problems.append("min_age: must be a whole number of years")
    if not cats and not needy and min_age is None:
        problems.append("categories/needy/min_age: give at least one criterion (a list for everyone is not a visit list)")
    basis = None
    if "source" in doc:
        try:
            basis = Source(**doc["source"])
        except (TypeError, ValueError) as e:
            problems.append(f"source: {e}")
    if problems:
        raise CampaignError(f"{where}: " + "; ".join(problems))
    return VisitScheme(code, doc["title"].strip(), fest, doc["parameter"].strip(), jurisdiction, frozenset(cats), bool(needy),
                       min_age, basis, where if where != "<visits>" else "")


def visit_rule(scheme: VisitScheme, year: int) -> BenefitRule:
    """The one-off rule of ``scheme`` for ``year``: event = the festival's date, amount = the per-household parameter."""
    on = festivals.date(scheme.festival, year)
    cats = scheme.categories

    def formula(facts: Any, p: Any) -> Any:
        if not facts.alive:
            return NotEligible(f"{on.isoformat()}前已去世", "died before the festival")
        if cats and not (facts.categories & cats):
            return NotEligible("不属于" + "、".join(sorted(c.label for c in cats)), "not in the scheme's categories")
        if scheme.needy and not facts.needy:
            return NotEligible("未认定为生活困难", "not flagged 困难")
        if scheme.min_age is not None and facts.age < scheme.min_age:
            return NotEligible(f"未满{scheme.min_age}周岁", f"under {scheme.min_age}")
        return p.amount

    inputs = ["alive", "categories", "needy"] + (["age"] if scheme.min_age is not None else [])
    return BenefitRule(
        code=f"{scheme.code}_{year}",
        title=f"{year}年{scheme.title}（每户慰问金）",
        title_en=f"{scheme.festival} visit grant {year} (per household)",
        period="one_off",
        formula=formula,
        basis=scheme.basis or Source(document=f"visit scheme {scheme.code}", certainty="assumption",
                                     note="the scheme file gives no source; the amount's own source is in its parameter"),
        inputs=tuple(inputs),
        params={"amount": scheme.parameter},
        event=lambda person: [(on, scheme.festival)],
        eligibility=(f"{scheme.festival}（{on.isoformat()}）当日：{scheme.criteria_text()}；同户只发一份"),
        assumptions=("慰问金按户发放：同户多名符合条件者只发一份，取其中最高标准（visit list, not the rule, merges the household）",),
    )


@frozen
class VisitHousehold:
    """One household on a visit list: who represents it, who else qualified, the amount and its explanation."""

    key: str
    representative: Person
    members: tuple[Person, ...]
    amount: Decimal
    entitlement: Entitlement = field(repr=False)
    explanation: str = field(repr=False, default="")

    def shown_key(self, reveal: bool = False) -> str:
        # A household of one is keyed by the ID number: mask it like any ID.
        if self.key.startswith("人:") and not reveal:
            return "人:" + mask_id_number(self.key[2:])
        return self.key


@frozen
class VisitList:
    """A festival's visit list: households in roster order, with totals and the people not eligible."""

    scheme: VisitScheme
    year: int
    on: date
    households: tuple[VisitHousehold, ...] = field(converter=tuple)
    not_eligible: int = 0

    @property
    def total(self) -> Decimal:
        return sum((h.amount for h in self.households), Decimal("0.00"))

    @property
    def people(self) -> int:
        return sum(len(h.members) for h in self.households)

    HEADERS = ("序号", "户编号", "户代表姓名", "户代表身份证号", "类别", "同户符合条件人数", "慰问金（元）", "依据")

    def rows(self, reveal: bool = False) -> list[list[str]]:
        """The table with Chinese headers, one row per household, and a 合计 row."""
        out: list[list[str]] = [list(self.HEADERS)]
        for i, h in enumerate(self.households, 1):
            p = h.representative
            out.append([
                str(i),
                h.shown_key(reveal),
                p.name if reveal else mask_name(p.name),
                p.id_number if reveal else mask_id_number(p.id_number),
                "、".join(sorted(c.label for c in p.categories)),
                str(len(h.members)),
                f"{h.amount:.2f}",
                _basis(h.entitlement),
            ])
        out.append(["合计", f"{len(self.households)}户", "", "", "", str(self.people), f"{self.total:.2f}", ""])
        return out

    def summary(self) -> str:
        return f"{self.year}年{self.scheme.title}：走访慰问{len(self.households)}户，发放慰问金{_yuan(self.total)}元"

    def to_dict(self, reveal: bool = False) -> dict[str, Any]:
        return {
            "scheme": self.scheme.code, "festival": self.scheme.festival, "date": self.on.isoformat(), "year": self.year,
            "households": len(self.households), "people": self.people, "total": str(self.total),
            "not_eligible": self.not_eligible, "rows": self.rows(reveal),
        }


def _basis(ent: Entitlement) -> str:
    for seg in ent.segments:
        for resolved, _, _ in seg.params:
            return f"{resolved.source.cite()}（{resolved.jurisdiction}，自{resolved.start.isoformat()}）"
    return ent.basis.cite()


def _yuan(d: Decimal) -> str:
    return f"{d:,.2f}".rstrip("0").rstrip(".") if d != d.to_integral_value() else f"{int(d):,}"


def visit_list(engine: Engine, people: Iterable[Person], scheme: VisitScheme | str, year: int) -> VisitList:
    """Build the visit list of ``scheme`` for ``year`` from ``people``: one 慰问金 per household."""
    from .registry import campaign_registry

    if isinstance(scheme, str):
        scheme = visit_scheme(engine, scheme)
    pack = next((pk for pk, s in campaign_registry(engine).visits.values() if s == scheme), "campaigns")
    rule = visit_rule(scheme, year)
    on = festivals.date(scheme.festival, year)
    priced = _engine_with(engine, rule, scheme, pack)
    period = Period.year(year)
    groups: dict[str, list[tuple[Person, Entitlement]]] = {}
    not_eligible = 0
    for person in people:
        ent = priced.entitlements(person, period, rules=[rule.code]).get(rule.code)
        if ent is None:  # the scheme's jurisdiction does not cover this person's region
            not_eligible += 1
            continue
        if ent.status in ("missing_parameter", "no_standard"):
            # Fail closed: a person the scheme covers whose amount cannot be found is not silently left off.
            raise CampaignError(f"visit scheme {scheme.code!r}, {mask_id_number(person.id_number)} (region {person.region}): "
                                f"{ent.status}: {ent.reason or ent.reason_en}")
        if ent.status != "eligible" or ent.amount <= 0:
            not_eligible += 1
            continue
        groups.setdefault(person.household_key(), []).append((person, ent))
    households = []
    for key, members in groups.items():
        rep, ent = max(members, key=lambda m: m[1].amount)  # first of the highest, in roster order
        expl = str(priced.explain(rep, period, rule.code))
        households.append(VisitHousehold(key, rep, tuple(m[0] for m in members), ent.amount, ent, expl))
    return VisitList(scheme, year, on, households, not_eligible)


def visit_scheme(engine: Engine, code: str) -> VisitScheme:
    """An installed visit scheme by code."""
    from .registry import campaign_registry

    schemes = campaign_registry(engine).visits
    if code not in schemes:
        raise CampaignError(f"no visit scheme {code!r}; installed: {', '.join(sorted(schemes)) or 'none'}")
    return schemes[code][1]


def _engine_with(engine: Engine, rule: BenefitRule, scheme: VisitScheme, pack: str) -> Engine:
    reg = Registry()
    reg.packs = list(engine.registry.packs)
    reg.parameters = list(engine.registry.parameters)
    reg.rules = [*engine.registry.rules, RuleRegistration(rule=rule, jurisdiction=scheme.jurisdiction, pack=pack)]
    return Engine(_registry=reg, _params=engine.parameters)


def write_visit_list(vl: VisitList, path: str | os.PathLike[str], *, reveal: bool = False) -> Path:
    """Write the list as CSV (UTF-8 with BOM, opens in Excel) or XLSX (by suffix), whole or not at all.

    Chinese headers, one row per household, a 合计 row with the households, people and total.
    """
    from ..outputs import write_table

    keys = ("seq", "household", "name", "id_number", "categories", "members", "amount", "basis")
    titles = dict(zip(keys, VisitList.HEADERS))
    rows: list[dict[str, Any]] = [dict(zip(keys, r)) for r in vl.rows(reveal)[1:-1]]
    for r in rows:
        r["amount"] = Decimal(r["amount"])
    write_table(path, keys, rows, titles=titles, money=("amount",), text=("household", "id_number"),
                totals=f"合计（{len(vl.households)}户，{vl.people}人）", sheet="走访慰问名单")
    return Path(path)
