"""The entitlement engine: Person × Period × jurisdiction → amounts with reasons.

``Engine.from_plugins()`` loads the installed rule packs (entry points);
``Engine(plugins=[...])`` takes modules or objects directly.  The national
rules (``shuangyong.national``) are always loaded first, through the same
hooks, unless ``national=False``.

Semantics (see ``docs/engine.md``):

* A monthly rule over a period is the sum of its months; each month is
  priced at the facts and parameter values of its first day and rounded
  with the rule's rounding (default 分 half up).  A year that straddles a
  1 August rise is therefore seven months at the old rate and five at the
  new.
* A yearly rule is priced on its pay day and paid in the period containing
  it; a one-off rule pays in the period containing its event date.
* Monthly amounts stop with the month after death: a month whose first day
  is after the person's death date is not paid (an engine-wide assumption;
  funeral grants are rules of their own).
* For each rule code the registration of the most specific jurisdiction in
  the person's fallback chain wins; ``replaces`` removes another code there;
  ``extends`` adds a supplement computed where the base rule pays.
* A parameter with no value in force gives ``no_standard`` (or
  ``missing_parameter`` when no level defines it at all), never a silent 0.
* In-kind entitlements are listed but never added to money totals; manual
  adjustments are kept apart and shown in every breakdown.

A long module on purpose: the engine and, beside it, its result types (``Entitlement``, ``Segment``, ``Adjustment``, ``UnitResult``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from attrs import evolve, field, frozen

from .calc import Q, fmt_number
from .errors import AdjustmentError, ParameterNotFoundError, RuleEvaluationError, ShuangyongError
from .facts import CATALOGUE, DATED_FACTS, SETTLING_FACTS, compute_fact, fact_getter
from .ids import fallback_chain
from .model import Person
from .money import ZERO, to_decimal
from .params import ParameterSet, Resolved, Source
from .periods import Period, add_months
from .plugins import PackInfo, Registry, RuleRegistration, discover, load_registry
from .privacy import mask_text
from .rules import BenefitRule, Facts, InKind, NotEligible, Params
from .sharing import Recorder, TracedDate, compile_conditions, holds, plain
from .standins import NeedConcrete

__all__ = ["Engine", "Entitlement", "Entitlements", "Segment", "Adjustment", "UnitResult", "STATUSES"]

#: Every status an entitlement (or a segment of one) can have.
STATUSES = ("eligible", "in_kind", "not_eligible", "no_standard", "missing_parameter")

_CACHE_LIMIT = 200_000


@frozen(kw_only=True)
class Adjustment:
    """A manual adjustment by an office: kept apart from computed amounts, always visible.

    A reason and an approver are required (防止突破政策底线: exceptions must be visible).
    """

    amount: Decimal = field(converter=to_decimal)
    reason: str
    approver: str
    document: str = ""
    rule: str | None = None

    def __attrs_post_init__(self) -> None:
        if not str(self.reason or "").strip():
            raise AdjustmentError("an adjustment needs a reason (调整原因)")
        if not str(self.approver or "").strip():
            raise AdjustmentError("an adjustment needs an approver (审批人)")

    def to_dict(self) -> dict[str, Any]:
        return {"amount": str(self.amount), "reason": self.reason, "approver": self.approver, "document": self.document, "rule": self.rule}


@frozen(kw_only=True)
class Segment:
    """A run of pricing units (months, a year, an event) that came out alike."""

    start: date
    end: date
    units: int
    unit_amount: Decimal
    raw: Decimal | None
    expression: str
    status: str
    reason: str = ""
    reason_en: str = ""
    params: tuple[tuple[Resolved, tuple[str, ...], Any], ...] = ()
    inputs: tuple[tuple[str, Any], ...] = ()
    in_kind: InKind | None = None
    unit: str = "month"
    event: Any = None

    @property
    def amount(self) -> Decimal:
        """``unit_amount × units``: what this segment pays."""
        return self.unit_amount * self.units if self.status == "eligible" else ZERO

    @property
    def label(self) -> str:
        if self.unit == "month":
            last = add_months(self.end, -1)
            return f"{self.start:%Y-%m}" if self.units == 1 else f"{self.start:%Y-%m}..{last:%Y-%m}"
        return self.start.isoformat()


@frozen(kw_only=True)
class Entitlement:
    """One rule's answer for one person over one period."""

    rule: str
    title: str
    title_en: str
    period: Period
    amount: Decimal
    eligible: bool
    status: str
    reason: str
    reason_en: str
    basis: Source
    kind: str
    jurisdiction: str
    pack: str
    segments: tuple[Segment, ...] = ()
    in_kind: InKind | None = None
    rounding: str = ""
    replaces: str | None = None
    extends: str | None = None

    @property
    def is_money(self) -> bool:
        return self.in_kind is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "title_en": self.title_en,
            "period": self.period.label,
            "amount": str(self.amount),
            "eligible": self.eligible,
            "status": self.status,
            "reason": self.reason,
            "reason_en": self.reason_en,
            "basis": self.basis.to_dict(),
            "jurisdiction": self.jurisdiction,
            "pack": self.pack,
            "in_kind": None if self.in_kind is None else {"description": self.in_kind.description, "description_en": self.in_kind.description_en},
        }


class Entitlements:
    """Every rule's answer for one person over one period; index by rule code."""

    def __init__(self, person: Person, period: Period, items: Sequence[Entitlement], adjustments: Sequence[Adjustment] = ()) -> None:
        self.person = person
        self.period = period
        self.items: tuple[Entitlement, ...] = tuple(items)
        self.adjustments: tuple[Adjustment, ...] = tuple(adjustments)
        self._by_code = {e.rule: e for e in self.items}

    def __getitem__(self, code: str) -> Entitlement:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"no rule {code!r} applies here; rules: {', '.join(self._by_code)}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[Entitlement]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, code: str) -> Entitlement | None:
        return self._by_code.get(code)

    @property
    def computed_total(self) -> Decimal:
        """Sum of eligible money amounts computed by the rules (adjustments excluded)."""
        return sum((e.amount for e in self.items if e.eligible and e.is_money), ZERO)

    @property
    def adjustment_total(self) -> Decimal:
        """Sum of manual adjustments."""
        return sum((a.amount for a in self.adjustments), ZERO)

    @property
    def total(self) -> Decimal:
        """What is due: computed amounts plus adjustments (see :meth:`breakdown`)."""
        return self.computed_total + self.adjustment_total

    @property
    def in_kind(self) -> list[Entitlement]:
        """The in-kind entitlements held (not money, never in totals)."""
        return [e for e in self.items if e.in_kind is not None and e.eligible]

    def breakdown(self) -> dict[str, Decimal]:
        """Rule code → amount, then each adjustment, then ``computed``, ``adjustments``, ``total``."""
        out: dict[str, Decimal] = {e.rule: e.amount for e in self.items if e.is_money}
        for i, a in enumerate(self.adjustments, 1):
            out[f"adjustment_{i}"] = a.amount
        out["computed"] = self.computed_total
        out["adjustments"] = self.adjustment_total
        out["total"] = self.total
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person.masked_id,
            "period": self.period.label,
            "entitlements": [e.to_dict() for e in self.items],
            "adjustments": [a.to_dict() for a in self.adjustments],
            "computed_total": str(self.computed_total),
            "adjustment_total": str(self.adjustment_total),
            "total": str(self.total),
        }

    def __repr__(self) -> str:
        return f"<Entitlements {self.person.masked_id} {self.period.label} total={self.total}>"


class UnitResult:
    """The priced outcome of one unit (a month, a pay day, an event); shared by every unit with the same inputs.

    ``status`` is one of :data:`STATUSES`; ``amount`` the rounded amount when eligible (else 0); ``raw``
    the unrounded one; ``expression`` the arithmetic shown in explanations; ``params`` and ``inputs``
    what the formula read.
    """

    __slots__ = ("status", "amount", "raw", "expression", "reason", "reason_en", "params", "inputs", "in_kind", "event", "conditions")

    def __init__(self, status: str, amount: Decimal, raw: Decimal | None, expression: str, reason: str, reason_en: str,
                 params: tuple[tuple[Resolved, tuple[str, ...], Any], ...], inputs: tuple[tuple[str, Any], ...],
                 in_kind: InKind | None) -> None:
        self.status = status
        self.amount = amount
        self.raw = raw
        self.expression = expression
        self.reason = reason
        self.reason_en = reason_en
        self.params = params
        self.inputs = inputs
        self.in_kind = in_kind
        #: The event a one-off rule priced (an Award, a date), for the explanation.
        self.event: Any = None
        #: What the formula's use of date facts required (see shuangyong.sharing).
        self.conditions: tuple[Any, ...] = ()

    def same_as(self, other: UnitResult) -> bool:
        if self is other:
            return True
        return (self.status, self.amount, self.expression, self.reason, self.in_kind) == (
            other.status, other.amount, other.expression, other.reason, other.in_kind) and [
            (r.start, r.jurisdiction, r.carried_forward, p) for r, p, _ in self.params] == [
            (r.start, r.jurisdiction, r.carried_forward, p) for r, p, _ in other.params]


# One priced unit: (first day, end, result).
_Unit = tuple[date, date, UnitResult]


class Engine:
    """Computes entitlements from the rules and parameters of the loaded packs."""

    def __init__(self, plugins: Iterable[object] = (), *, national: bool = True, _registry: Registry | None = None, _params: ParameterSet | None = None) -> None:
        if _registry is None:
            entries: list[tuple[str, object, str]] = []
            if national:
                from . import national as national_pack

                entries.append(("national", national_pack, ""))
            for p in plugins:
                if isinstance(p, tuple):
                    entries.append(p)  # (name, plugin, distribution) from discover()
                else:
                    entries.append((getattr(p, "__name__", type(p).__name__), p, ""))
            _registry = load_registry(entries)
        self.registry = _registry
        self.parameters = _params if _params is not None else ParameterSet(_registry.parameters)
        self._selection: dict[str, list[tuple[RuleRegistration, RuleRegistration | None]]] = {}
        self._cache: dict[Any, UnitResult] = {}
        self._changes: dict[tuple[int, str], frozenset[date]] = {}
        self._reads_on: set[int] = set()
        self._results: dict[Any, tuple[Entitlement, list[_Unit]]] = {}
        self._shared: dict[Any, list[tuple[Any, tuple[Entitlement, list[_Unit]]]]] = {}
        self._columnar: dict[Any, Any] = {}
        #: Per rule registration: its inputs split into fixed and date-dependent facts, with their getters.
        #: On the engine, keyed by the registration it holds, so that it can never outlive its rule.
        self._plans: dict[int, _InputPlan] = {}
        #: Per region: the fixed facts its rules declare, each read once per person (see _region_plan).
        self._region_plans: dict[str, _RegionPlan] = {}

    @classmethod
    def from_plugins(cls, only: Iterable[str] | None = None, *, national: bool = True) -> Engine:
        """Discover installed packs (entry-point group ``shuangyong.rulepacks``) and load them."""
        return cls(discover(only), national=national)

    def with_overrides(self, overrides: Iterable[tuple[str, Any, date | None]]) -> Engine:
        """A copy of this engine whose parameters carry what-if overrides (see ``ParameterSet.with_overrides``)."""
        return Engine(_registry=self.registry, _params=self.parameters.with_overrides(overrides))

    def as_known_on(self, day: date) -> Engine:
        """A copy of this engine that prices with the parameter values known on ``day``.

        Values whose ``announced`` date is after ``day`` are left out (see
        ``ParameterSet.as_known_on``): the engine a payment made on ``day`` used.
        """
        return Engine(_registry=self.registry, _params=self.parameters.as_known_on(day))

    def clear_cache(self) -> None:
        """Forget every priced result (results never go stale; this is for tests and benchmarks)."""
        self._results.clear()
        self._shared.clear()
        self._cache.clear()
        self._changes.clear()
        self._columnar.clear()

    def columnar_memo(self) -> dict[Any, Any]:
        """What roster runs learnt about the formulas (``shuangyong.roster.pricing``), kept for the next run.

        Keyed by rule, parameter values in force and the facts a formula read: it never goes stale.
        """
        if len(self._columnar) > _CACHE_LIMIT:
            self._columnar.clear()
        return self._columnar

    # -- what is loaded --------------------------------------------------------------
    @property
    def packs(self) -> list[PackInfo]:
        return list(self.registry.packs)

    @property
    def version(self) -> str:
        from . import __version__

        return __version__

    def rules_for(self, region: str) -> list[RuleRegistration]:
        """The rule registrations that apply in ``region``, in evaluation order."""
        return [r for r, _ in self._select(region)]

    def rule_codes(self) -> list[str]:
        return sorted({r.code for r in self.registry.rules})

    def scheme(self, code: str) -> Any:
        """An installed assessment scheme by code."""
        try:
            return self.registry.schemes[code][1]
        except KeyError:
            from .errors import SchemeError

            raise SchemeError(f"no assessment scheme {code!r}; installed: {', '.join(sorted(self.registry.schemes)) or 'none'}") from None

    def assess(self, scheme: Any, evidence: Any) -> Any:
        """Score ``evidence`` against a scheme (an installed code or a ``Scheme``), with the packs' item types."""
        from .assessment.schemes import assess

        return assess(self.scheme(scheme) if isinstance(scheme, str) else scheme, evidence, item_types=self.item_types())

    def schemes(self) -> list[Any]:
        return [s for _, s in self.registry.schemes.values()]

    def placement_scheme(self, code: str) -> Any:
        """An installed 军转干部 placement scheme by code."""
        try:
            return self.registry.placement_schemes[code][1]
        except KeyError:
            from .errors import SchemeError

            raise SchemeError(f"no placement scheme {code!r}; installed: {', '.join(sorted(self.registry.placement_schemes)) or 'none'}") from None

    def item_types(self) -> dict[str, Any]:
        return {k: v for k, (_, v) in self.registry.item_types.items()}

    # -- computing -------------------------------------------------------------------
    def entitlements(
        self, person: Person, period: Period, adjustments: Iterable[Adjustment] = (), rules: Iterable[str] | None = None
    ) -> Entitlements:
        """Every applicable rule's result for ``person`` over ``period``."""
        if not isinstance(person, Person):
            raise TypeError(f"entitlements() takes a Person (see Person.from_record), not {type(person).__name__}")
        if not isinstance(period, Period):
            raise TypeError(f"entitlements() takes a Period (Period.year(2024), Period.month(2024, 8)), not {type(period).__name__}")
        selected = self._select(person.region)
        plan = self._region_plan(person.region, selected)
        needed: set[str] | None = None
        wanted: set[str] | None = None
        if rules is not None:
            wanted = set(rules)
            # A wanted supplement needs its base computed too.
            needed = wanted | {r.extends for r, _ in selected if r.code in wanted and r.extends}
        # What the rules share is read once for this call: each fixed fact the region's rules declare,
        # and each date-dependent fact's values on the dates a kind of rule prices (see _PersonPass).
        seen = _PersonPass(person, period, tuple([g(person, date.min) for g in plan[0]]))
        items: list[Entitlement] = []
        done: dict[str, tuple[Entitlement, list[_Unit]]] = {}
        for (reg, base), pick in zip(selected, plan[1]):
            if needed is not None and reg.code not in needed:
                continue
            base_done = done.get(base.code) if base is not None else None
            done[reg.code] = entry = self._entitlement(reg, person, period, base_done, seen, pick)
            if wanted is None or reg.code in wanted:
                items.append(entry[0])
        adj = list(adjustments)
        for a in adj:
            if not isinstance(a, Adjustment):
                raise TypeError("adjustments must be sy.Adjustment objects")
        return Entitlements(person, period, items, adj)

    def explain(self, person: Person, period: Period, code: str, adjustments: Iterable[Adjustment] = (),
                *, reveal: bool = False) -> Any:
        """The explanation of one rule's result (``str()`` Chinese, ``to_text("en")``, ``to_dict()``).

        The ID number and name are masked unless ``reveal=True`` (e.g. a letter to the citizen
        themself); nothing else in the library ever shows them in full.
        """
        from .explain import Explanation

        res = self.entitlements(person, period, adjustments)
        ent = res[code]
        reg = next(r for r, _ in self._select(person.region) if r.code == code)
        return Explanation.build(self, person, ent, reg.rule, [a for a in res.adjustments if a.rule in (None, code)], reveal=reveal)

    # -- the seam other modules price through (the columnar road, the CLI's checks) ----------
    def selection(self, region: str) -> list[tuple[RuleRegistration, RuleRegistration | None]]:
        """The rule registrations that apply in ``region``, each with the registration it ``extends`` (or ``None``).

        In evaluation order: bases before their supplements, otherwise registration order.
        """
        return self._select(region)

    def evaluate(self, reg: RuleRegistration, region: str, on: date, values: dict[str, Any], resolved: dict[str, Resolved | None],
                 event: Any = None, base_amount: Decimal | None = None, seen_on: Any = None) -> UnitResult:
        """Run one rule's formula once on given fact values and resolved parameters, and classify its answer.

        What every road prices a unit with: ``values`` maps each declared fact to its value (or a stand-in,
        ``shuangyong.standins``), ``resolved`` each full parameter name to its value in force (``None``: none).
        ``seen_on``, when given, is what the formula reads as ``facts.on`` instead of ``on``.
        Raises :class:`ShuangyongError` when the formula fails.
        """
        return self._evaluate(reg, region, on, values, resolved, event, base_amount, seen_on)

    @staticmethod
    def base_not_paid(reg: RuleRegistration) -> UnitResult:
        """A supplement's unit where the rule it ``extends`` does not pay (the same answer on every road)."""
        return UnitResult("not_eligible", ZERO, None, "", f"不享受基础项目 {reg.extends}", f"base rule {reg.extends} does not pay", (), (), None)

    # -- internals -------------------------------------------------------------------
    def _select(self, region: str) -> list[tuple[RuleRegistration, RuleRegistration | None]]:
        try:
            return self._selection[region]
        except KeyError:
            pass
        chain = fallback_chain(region)
        rank = {j: i for i, j in enumerate(chain)}
        best: dict[str, RuleRegistration] = {}
        for reg in self.registry.rules:
            if reg.jurisdiction not in rank:
                continue
            cur = best.get(reg.code)
            if cur is None or rank[reg.jurisdiction] < rank[cur.jurisdiction]:
                best[reg.code] = reg
        replaced = {r.replaces for r in best.values() if r.replaces}
        chosen = [r for code, r in best.items() if code not in replaced]
        # Bases before their extensions; otherwise registration order.
        order = {id(r): i for i, r in enumerate(self.registry.rules)}
        chosen.sort(key=lambda r: (1 if r.extends else 0, order[id(r)]))
        by_code = {r.code: r for r in chosen}
        out = [(r, by_code.get(r.extends) if r.extends else None) for r in chosen]
        self._selection[region] = out
        return out

    def _entitlement(self, reg: RuleRegistration, person: Person, period: Period,
                     base: tuple[Entitlement, list[_Unit]] | None, seen: _PersonPass,
                     pick: Callable[[tuple[Any, ...]], tuple[Any, ...]]) -> tuple[Entitlement, list[_Unit]]:
        """One rule's result, reused for anyone whose declared facts lead to the same answer.

        Non-date facts and the values of date-dependent facts on the dates priced must be
        equal; date facts must give the same outcome on every comparison the formula made
        (``shuangyong.sharing``).  ``pick`` takes this rule's fixed facts, in its plan's order,
        from the values ``seen`` read once for every rule.
        """
        rule = reg.rule
        static_names, dated, getters, dated_getters, settles, may_be_dates = self._plan(reg)
        static_values = pick(seen.fixed)
        date_pos = tuple([i for i in may_be_dates if type(static_values[i]) is date]) if may_be_dates else ()
        shape = static_values
        if date_pos:
            masked = list(static_values)
            for i in date_pos:
                masked[i] = _DATE
            shape = tuple(masked)
        events = seen.events(rule) if rule.period == "one_off" else None
        key = (
            # The period as its two dates: equal periods give equal keys, compared in C rather than by attrs' __eq__.
            id(reg), seen.bounds, person.region, shape, seen.signature(rule, dated, dated_getters, settles, events) if dated else (),
            person.death_date if rule.period == "monthly" else None,
            id(base[1]) if base is not None else None,  # the base's units live in this same cache
            tuple([(d, _hashable(x)) for d, x in events]) if events else (() if events is not None else None),
        )
        if not date_pos:
            hit = self._results.get(key)
            if hit is not None:
                return hit
            entry = self._compute(reg, person, period, base, static_values, static_values, None)
            self._store(key, entry)
            return entry
        dates = tuple([static_values[i] for i in date_pos])
        exact_key = (key, dates)
        hit = self._results.get(exact_key)
        if hit is not None:
            return hit
        for conditions, shared in self._shared.get(key, ()):
            if holds(conditions, static_values):
                own = _own_inputs(shared, static_names, static_values)
                self._store(exact_key, own)
                return own
        recorder = Recorder()
        traced = tuple(TracedDate(v, i, recorder, name=static_names[i]) if i in date_pos else v for i, v in enumerate(static_values))
        entry = self._compute(reg, person, period, base, static_values, traced, recorder)
        recorder.active = False
        self._store(exact_key, entry)
        if not any(c[2] == "exact" for c in recorder.conditions):
            bucket = self._shared.setdefault(key, [])
            if len(bucket) < _BUCKET_LIMIT:
                bucket.append((compile_conditions(recorder.conditions), entry))
        return entry

    def _compute(self, reg: RuleRegistration, person: Person, period: Period, base: tuple[Entitlement, list[_Unit]] | None,
                 raw: tuple[Any, ...], traced: tuple[Any, ...], recorder: Recorder | None) -> tuple[Entitlement, list[_Unit]]:
        units = self._units(reg, person, period, base[1] if base is not None else None, raw, traced, recorder)
        return (_summarise(reg, period, units), units)

    def _plan(self, reg: RuleRegistration) -> _InputPlan:
        plan = self._plans.get(id(reg))
        if plan is None:
            plan = self._plans[id(reg)] = _input_plan(reg.rule)
        return plan

    def _store(self, key: Any, entry: tuple[Entitlement, list[_Unit]]) -> None:
        if len(self._results) > _CACHE_LIMIT:
            self._results.clear()
            self._shared.clear()
            self._cache.clear()
        self._results[key] = entry

    def _region_plan(self, region: str, selected: list[tuple[RuleRegistration, RuleRegistration | None]]) -> _RegionPlan:
        """The getters of every fixed fact the region's rules declare (each once), and per rule a picker of its own."""
        plan = self._region_plans.get(region)
        if plan is None or plan[2] is not selected:
            names: dict[str, int] = {}
            getters: list[Callable[[Person, date], Any]] = []
            picks: list[Callable[[tuple[Any, ...]], tuple[Any, ...]]] = []
            for reg, _ in selected:
                own = self._plan(reg)
                static, own_getters = own[0], own[2]
                idx = []
                for n, g in zip(static, own_getters):
                    if n not in names:
                        names[n] = len(getters)
                        getters.append(g)
                    idx.append(names[n])
                picks.append(_picker(tuple(idx)))
            plan = self._region_plans[region] = (tuple(getters), tuple(picks), selected)
        return plan

    def _units(self, reg: RuleRegistration, person: Person, period: Period, base_units: list[_Unit] | None,
               raw: tuple[Any, ...], traced: tuple[Any, ...], recorder: Recorder | None) -> list[_Unit]:
        rule = reg.rule
        dated = self._plan(reg)[1]
        base_at = {u[0]: u[2] for u in base_units} if base_units is not None else None
        out: list[_Unit] = []

        def price(on: date, event: Any = None) -> UnitResult:
            return self._price(reg, person, on, event, base_at, raw, traced, dated, recorder)

        if rule.period == "monthly":
            # Only months where something can change are priced; the rest repeat the month before.
            # With date-dependent facts (age, service years) every month is priced.
            changes = None if dated else self._change_points(reg, person)
            prev: UnitResult | None = None
            prev_base: UnitResult | None = None
            for m in period.months():
                base = base_at.get(m.start) if base_at is not None else None
                if prev is None or changes is None or m.start in changes or base is not prev_base or id(reg) in self._reads_on:
                    prev = price(m.start)
                    prev_base = base
                out.append((m.start, m.end, prev))
        elif rule.period == "yearly":
            for y in period.years():
                pay = _pay_day(rule, y)
                if pay in period:
                    out.append((pay, date(y + 1, 1, 1), price(pay)))
        else:
            for when, payload in rule.events(person):
                if when in period:
                    out.append((when, when, price(when, payload)))
        return out

    def _change_points(self, reg: RuleRegistration, person: Person) -> frozenset[date]:
        """Month starts on which a rule's parameters (or the person's death) may change its result."""
        key = (id(reg), person.region)
        points = self._changes.get(key)
        if points is None:
            names = reg.rule.param_names
            points = frozenset(_month_on_or_after(d) for d in self.parameters.change_dates(names, person.region))
            self._changes[key] = points
        if person.death_date is not None:
            points = points | {_month_on_or_after(person.death_date + timedelta(days=1))}
        return points

    def _price(self, reg: RuleRegistration, person: Person, on: date, event: Any, base_at: dict[date, UnitResult] | None,
               raw: tuple[Any, ...], traced: tuple[Any, ...], dated: tuple[str, ...], recorder: Recorder | None) -> UnitResult:
        rule = reg.rule
        if rule.period == "monthly" and person.death_date is not None and on > person.death_date:
            d = person.death_date.isoformat()
            return UnitResult("not_eligible", ZERO, None, "", f"已于{d}去世，次月起停发", f"died on {d}; not paid from the next month", (), (), None)
        base = None
        if reg.extends is not None:
            base = base_at.get(on) if base_at is not None else None
            if base is None or base.status != "eligible":
                return self.base_not_paid(reg)
        dated_values = tuple(compute_fact(n, person, on) for n in dated)
        region = person.region
        find = self.parameters.find
        resolved = tuple(find(full, region, on) for full in rule.param_names)
        base_amount = base.amount if base is not None else None
        # A formula that reads facts.on has results that depend on the date: key them by it.
        key = (id(reg), raw, dated_values, tuple(map(id, resolved)), _hashable(event), base_amount,
               on if rule.period != "monthly" or id(reg) in self._reads_on else None)
        hit = self._cache.get(key)
        if hit is not None:
            if recorder is not None:
                recorder.conditions.extend(hit.conditions)
            return hit
        static = self._plan(reg)[0]
        values = dict(zip(static, traced)) | dict(zip(dated, dated_values))
        start = len(recorder.conditions) if recorder is not None else 0
        by_name = dict(zip(rule.param_names, resolved))
        if recorder is None:
            result = self._evaluate(reg, region, on, values, by_name, event, base_amount)
        else:
            try:
                result = self._evaluate(reg, region, on, values, by_name, event, base_amount)
            except (NeedConcrete, ShuangyongError):
                # The formula used a date outside the stand-ins' vocabulary (shuangyong.standins), or
                # failed with one: price this unit with the real dates, for these dates only.
                recorder.concrete()
                values = dict(zip(static, raw)) | dict(zip(dated, dated_values))
                result = self._evaluate(reg, region, on, values, by_name, event, base_amount)
        result.event = event
        if recorder is not None:
            result.conditions = tuple(recorder.conditions[start:])
        self._cache[key] = result
        return result

    def _evaluate(self, reg: RuleRegistration, region: str, on: date, values: dict[str, Any],
                  resolved: dict[str, Resolved | None], event: Any, base_amount: Decimal | None, seen_on: Any = None) -> UnitResult:
        """Run the formula once and classify its answer.

        ``on`` is the date priced (parameter lookups, messages); ``seen_on``, when given, is what the
        formula reads as ``facts.on`` instead (the columnar road passes a stand-in for a run of months).
        """
        rule = reg.rule

        def lookup(full: str) -> Resolved:
            r = resolved.get(full)
            if r is None:
                raise ParameterNotFoundError(full, region, on)
            return r

        facts = Facts(rule.code, values, on if seen_on is None else seen_on, event, None if base_amount is None else Q(base_amount))
        params = Params(rule, lookup)
        # .get: the columnar road passes a mapping that notes what the formula itself reads.
        inputs = tuple((n, plain(values.get(n))) for n in rule.inputs)
        try:
            try:
                result = rule.formula(facts, params)
            finally:
                if facts.read_on:
                    self._reads_on.add(id(reg))
        except ParameterNotFoundError as e:
            known = any(self.parameters.parameters(e.name))
            status = "no_standard" if known else "missing_parameter"
            if known:
                why = f"：{e.reason}" if e.reason else ""
                zh, en = (f"无现行标准（参数 {e.name} 在本地及上级均无有效值{why}）",
                          f"no standard in force (parameter {e.name} has no value in force at any level{': ' + e.reason if e.reason else ''})")
            else:
                zh, en = f"缺少参数 {e.name}：须由本地规则包提供", f"parameter {e.name} is missing: the local rule pack must supply it"
            return UnitResult(status, ZERO, None, "", zh, en, tuple(params.used), inputs, None)
        except ShuangyongError:
            raise
        except (Exception, SystemExit) as e:
            # Any failure of a formula is that rule's failure for this person, never the whole run's;
            # the message may quote the person's data, so it is masked like every echoed value.
            raise RuleEvaluationError(rule.code, f"raised {type(e).__name__} on {on.isoformat()}: {mask_text(e)}") from e
        used = tuple(params.used)
        if isinstance(result, NotEligible):
            return UnitResult("not_eligible", ZERO, None, "", result.reason, result.reason_en or result.reason, used, inputs, None)
        if isinstance(result, InKind):
            return UnitResult("in_kind", ZERO, None, "", "", "", used, inputs, result)
        if result is None:
            raise RuleEvaluationError(rule.code, "returned None; return an amount or sy.NotEligible(reason)")
        if isinstance(result, Q):
            qv = result
        elif isinstance(result, (Decimal, int)) and not isinstance(result, bool):
            qv = Q(to_decimal(result))
        else:  # a float is not exact money; a bool, a text, a list are not money at all
            raise RuleEvaluationError(rule.code, f"returned a {type(result).__name__}, not an amount of money "
                                                 "(return a Decimal, an int, q(...) or sy.NotEligible(reason))")
        raw = qv.value
        if not raw.is_finite():
            raise RuleEvaluationError(rule.code, f"returned {raw}, not an amount of money")
        if raw < 0:
            return UnitResult("not_eligible", ZERO, raw, qv.text, f"计算结果为负（{fmt_number(raw)}），不予发放",
                           f"formula gives a negative amount ({fmt_number(raw)}); nothing is paid", used, inputs, None)
        return UnitResult("eligible", rule.rounding(raw), raw, qv.text, "", "", used, inputs, None)


_DATE = object()  # stands for "a date" in a cache key; the date itself is matched by conditions
_BUCKET_LIMIT = 64  # results kept per shape; more distinct outcomes fall back to exact dates


def _pay_day(rule: BenefitRule, year: int) -> date:
    try:
        return date(year, *rule.pay_on)
    except ValueError:  # 29 February
        return date(year, rule.pay_on[0], 28)


def _month_on_or_after(d: date) -> date:
    """The first month start on or after ``d``: the first month priced at a value in force from ``d``."""
    return d if d.day == 1 else add_months(d.replace(day=1), 1)


#: (fixed fact names, date-dependent fact names, their getters) of one rule.
#: ... and the positions among the fixed facts that can hold a date (see _input_plan).
_InputPlan = tuple[tuple[str, ...], tuple[str, ...], tuple[Any, ...], tuple[Any, ...], tuple[bool, ...], tuple[int, ...]]


def _input_plan(rule: BenefitRule) -> _InputPlan:
    static = tuple(n for n in rule.inputs if n not in DATED_FACTS)
    dated = tuple(n for n in rule.inputs if n in DATED_FACTS)
    settles = tuple(n in SETTLING_FACTS for n in dated)
    # Only these are looked at for dates (shared across people by the outcome of comparisons): the
    # catalogue's date facts and a pack's own columns.  A "fixed" or "set" fact that held a date
    # anyway would be keyed by its value: exact, only less shared.
    may_be_dates = tuple(i for i, n in enumerate(static) if n not in CATALOGUE or CATALOGUE[n].kind not in ("fixed", "set"))
    return (static, dated, tuple(map(fact_getter, static)), tuple(map(fact_getter, dated)), settles, may_be_dates)


#: (getters of the fixed facts a region's rules declare, per rule a picker of its own from their values, the selection).
_RegionPlan = tuple[tuple[Any, ...], tuple[Any, ...], list[Any]]


def _picker(idx: tuple[int, ...]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """``values → tuple(values[i] for i in idx)``, in C where it can be (itemgetter gives a bare value for one index)."""
    if len(idx) > 1:
        return itemgetter(*idx)  # type: ignore[return-value]
    if idx:
        i = idx[0]
        return lambda values: (values[i],)
    return lambda values: ()


class _PersonPass:
    """What the rules of one ``entitlements`` call share, read once: the person's fixed facts and dated signatures.

    ``fixed``: the values of the region's fixed facts (``Engine._region_plan``).  :meth:`signature`
    is ``Engine``'s key part for a rule's date-dependent facts: their values on every date the rule
    prices.  Monthly rules all price the period's month starts and yearly rules with one pay day
    the same days, so each fact's values are read once per kind of rule; a one-off rule's dates are
    its own events.
    """

    __slots__ = ("person", "period", "fixed", "bounds", "discharged", "_days", "_sigs", "_events")

    def __init__(self, person: Person, period: Period, fixed: tuple[Any, ...]) -> None:
        self.person = person
        self.period = period
        self.fixed = fixed
        self.bounds = (period.start, period.end)
        self.discharged = person.service is not None and person.service.discharged is not None
        self._days: dict[Any, list[date]] = {}
        self._sigs: dict[tuple[str, Any], Any] = {}
        self._events: dict[str, list[tuple[date, Any]]] = {}

    def events(self, rule: BenefitRule) -> list[tuple[date, Any]]:
        """A one-off rule's events: those named by the catalogue (``death_date``, ``awards``…) are read once per call."""
        if not isinstance(rule.event, str):
            return rule.events(self.person)
        found = self._events.get(rule.event)
        if found is None:
            found = self._events[rule.event] = rule.events(self.person)
        return found

    def signature(self, rule: BenefitRule, dated: tuple[str, ...], getters: tuple[Any, ...], settles: tuple[bool, ...],
                  events: list[tuple[date, Any]] | None) -> tuple[Any, ...]:
        """The values of the rule's date-dependent facts (named ``dated``, read by ``getters``) on every date it prices.

        A fact that stops depending on the date once a discharge date is recorded (service counts) is
        read once for a discharged person: it is the same on every date (``facts.Fact.settles``).
        """
        if not dated:
            return ()
        person, period = self.person, self.period
        kind: Any
        if rule.period == "monthly":
            kind = "monthly"
            days = self._days.get(kind)
            if days is None:
                days = self._days[kind] = [m.start for m in period.months()]
        elif rule.period == "yearly":
            kind = rule.pay_on
            days = self._days.get(kind)
            if days is None:
                days = self._days[kind] = [d for y in period.years() if (d := _pay_day(rule, y)) in period]
        else:
            kind = None  # a one-off rule's own dates: not shared
            days = [d for d, _ in (events if events is not None else rule.events(person)) if d in period]
        out = []
        for name, g, settled in zip(dated, getters, settles):
            value = self._sigs.get((name, kind)) if kind is not None else None
            if value is None:
                value = ("settled", g(person, days[0])) if self.discharged and settled and days else tuple([g(person, d) for d in days])
                if kind is not None:
                    self._sigs[(name, kind)] = value
            out.append(value)
        return tuple(out)


def _own_inputs(entry: tuple[Entitlement, list[_Unit]], names: tuple[str, ...], values: tuple[Any, ...]) -> tuple[Entitlement, list[_Unit]]:
    """A result shared from another person, showing this person's own fixed facts.

    Shared results agree on every date-dependent fact by construction (they are in the key); only
    the fixed date facts differ, and a caller must never see another person's (issue 12, defect 4).
    """
    ent, units = entry
    own = dict(zip(names, values))
    segments = tuple(evolve(s, inputs=tuple((n, own[n] if n in own else v) for n, v in s.inputs)) for s in ent.segments)
    return (evolve(ent, segments=segments), units)


def _hashable(v: Any) -> Any:
    try:
        hash(v)
        return v
    except TypeError:
        return repr(v)


def _summarise(reg: RuleRegistration, period: Period, units: list[_Unit]) -> Entitlement:
    rule = reg.rule
    unit_name = "month" if rule.period == "monthly" else ("year" if rule.period == "yearly" else "event")
    segments: list[Segment] = []
    run: list[_Unit] = []

    def flush() -> None:
        if not run:
            return
        u = run[0][2]
        segments.append(Segment(start=run[0][0], end=run[-1][1], units=len(run), unit_amount=u.amount, raw=u.raw, expression=u.expression,
                                status=u.status, reason=u.reason, reason_en=u.reason_en, params=u.params, inputs=u.inputs,
                                in_kind=u.in_kind, unit=unit_name, event=u.event))
        run.clear()

    for unit in units:
        if run and (rule.period != "monthly" or not run[-1][2].same_as(unit[2])):
            flush()
        run.append(unit)
    flush()

    amount = sum((s.amount for s in segments), ZERO)
    paying = [s for s in segments if s.status == "eligible"]
    kind_segs = [s for s in segments if s.status == "in_kind"]
    if paying:
        status, eligible = "eligible", True
    elif kind_segs:
        status, eligible = "in_kind", True
    elif not segments:
        status, eligible = "not_eligible", False
    else:
        # The latest state describes the person best (Jan–Jul without a standard, Aug–Dec not
        # eligible → not eligible); the reason below still lists every segment.
        status = segments[-1].status
        eligible = False
    reasons = [s for s in segments if s.status not in ("eligible", "in_kind")]
    if not segments:
        if rule.period == "one_off":
            zh, en = "本期内无触发事件", "no qualifying event in the period"
        else:
            zh, en = "本期内无计发单位", "no pricing unit falls in the period"
    elif len(reasons) == 1 and len(segments) == 1:
        zh, en = reasons[0].reason, reasons[0].reason_en
    else:
        zh = "；".join(f"{s.label}: {s.reason}" for s in reasons)
        en = "; ".join(f"{s.label}: {s.reason_en}" for s in reasons)
    return Entitlement(
        rule=rule.code,
        title=rule.title,
        title_en=rule.title_en,
        period=period,
        amount=amount,
        eligible=eligible,
        status=status,
        reason=zh,
        reason_en=en,
        basis=rule.basis,
        kind=rule.period,
        jurisdiction=reg.jurisdiction,
        pack=reg.pack,
        segments=tuple(segments),
        in_kind=kind_segs[0].in_kind if kind_segs else None,
        rounding=rule.rounding.name,
        replaces=reg.replaces,
        extends=reg.extends,
    )

