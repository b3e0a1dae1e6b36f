"""Checks that the OpenFisca model is the same model as shuangyong's national rules.

Two checks, both printed by the benchmarks:

* :func:`check_parameters` — for every month of the given years, each figure the
  OpenFisca YAML has in force on the month's first day equals the figure
  shuangyong's national parameter files have in force then;
* :func:`compare_with_engine` — the same people, one by one through
  ``engine.entitlements()``, give the exact amounts of :func:`exact_population_fen`
  rule by rule (so the OpenFisca model's only departure is its float32 storage).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

__all__ = ["check_parameters", "compare_with_engine"]

_CAUSE_KEYS = {"war": "因战", "duty": "因公", "illness": "因病"}
_SURVIVORS = ("martyr", "died_on_duty", "died_of_illness")


def _sy_value(params: Any, name: str, on: date, region: str) -> Any:
    r = params.find(name, region, on)
    return None if r is None else r.value


def _sy_yearly(params: Any, code: str, on: date, region: str) -> Decimal | None:
    # Yearly standard where one is in force, else the monthly one × 12 (same monthly amount).
    annual = _sy_value(params, f"{code}.annual_standard", on, region)
    if annual is not None:
        return Decimal(annual)
    monthly = _sy_value(params, f"{code}.monthly_standard", on, region)
    return None if monthly is None else Decimal(monthly) * 12


def check_parameters(system: Any, engine: Any, years: Iterable[int], region: str = "422827") -> list[str]:
    """Differences between the OpenFisca YAML and shuangyong's parameters, month by month.

    Returns one line per difference (empty when the models agree).
    """
    from .system import ENLISTED_BEFORE, ENLISTED_FROM

    params = engine.parameters
    problems: list[str] = []

    def same(label: str, on: date, of_value: Any, sy_value: Any) -> None:
        of_d = Decimal(str(of_value)) if of_value is not None else None
        sy_d = Decimal(sy_value) if sy_value is not None else Decimal(0)
        if of_d != sy_d:
            problems.append(f"{on} {label}: OpenFisca {of_d} ≠ shuangyong {sy_value}")

    for year in years:
        for month in range(1, 13):
            on = date(year, month, 1)
            p = system.parameters(on.isoformat())
            table = _sy_value(params, "disability_pension.annual_standard", on, region) or {}
            for g in range(1, 11):
                node = p.disability_pension.annual_standard[f"grade_{g}"]
                for key, cause in _CAUSE_KEYS.items():
                    same(f"disability {g} {cause}", on, getattr(node, key), table.get(str(g), {}).get(cause))
            for status in _SURVIVORS:
                v = _sy_value(params, f"survivor_pension.{status}", on, region)
                node = p.survivor_pension.annual_standard[status]
                urban, rural = (v.get("城镇"), v.get("农村")) if isinstance(v, dict) else (v, v)
                same(f"survivor {status} 城镇", on, node.urban, urban)
                same(f"survivor {status} 农村", on, node.rural, rural)
            for code in ("sick_returnee_allowance", "combat_veteran_allowance"):
                same(code, on, p[code].annual_standard, _sy_yearly(params, code, on, region))
            nwc = _sy_value(params, "sick_returnee_allowance.not_with_combat", on, region)
            if bool(p.sick_returnee_allowance.not_with_combat) != bool(nwc):
                problems.append(f"{on} sick_returnee_allowance.not_with_combat: OpenFisca {p.sick_returnee_allowance.not_with_combat} ≠ {nwc}")
            r = p.rural_veteran_old_age_allowance
            same("rural per service year (per year)", on, r.per_service_year, _sy_yearly_rural(params, on, region))
            same("rural minimum age", on, r.minimum_age, _sy_value(params, "rural_veteran_old_age_allowance.min_age", on, region))
            start = _sy_value(params, "rural_veteran_old_age_allowance.start", on, region)
            if bool(r.from_month_after_birthday) != (start == "month_after_birthday"):
                problems.append(f"{on} rural start: OpenFisca from_month_after_birthday={r.from_month_after_birthday} ≠ {start}")
            for name, const in (("enlisted_from", ENLISTED_FROM), ("enlisted_before", ENLISTED_BEFORE)):
                v = _sy_value(params, f"rural_veteran_old_age_allowance.{name}", on, region)
                if str(v) != str(const):
                    problems.append(f"{on} rural {name}: OpenFisca {const} ≠ shuangyong {v}")
    return problems


def _sy_yearly_rural(params: Any, on: date, region: str) -> Decimal | None:
    code = "rural_veteran_old_age_allowance"
    for name, factor in (("annual_per_service_year", 1), ("monthly_per_service_year", 12)):
        v = _sy_value(params, f"{code}.{name}", on, region)
        if v is not None:
            return Decimal(v) * factor
    return None


def compare_with_engine(system: Any, engine: Any, columns: Mapping[str, np.ndarray], rows: Iterable[int], year: int,
                        region: str = "422827") -> tuple[int, list[str]]:
    """Run ``rows`` one by one through ``engine`` and compare each of the five rules with the
    exact reference.  Returns (people compared, lines describing each difference)."""
    import shuangyong as sy

    from .population import exact_population_fen, to_records
    from .system import BENEFITS

    rows = list(rows)
    sub = {k: np.asarray(v)[rows] for k, v in columns.items()}
    exact = exact_population_fen(system, sub, year)
    problems: list[str] = []
    for j, rec in enumerate(to_records(sub, range(len(rows)), region=region)):
        res = engine.entitlements(sy.Person.from_record(rec), sy.Period.year(year))
        for b in BENEFITS:
            e = res.get(b)
            got = int((e.amount if e is not None else Decimal(0)) * 100)
            want = int(exact[b][j])
            if got != want:
                why = f" ({e.status}: {e.reason_en[:120]})" if e is not None and got == 0 else ""
                problems.append(f"row {rows[j]} {b}: shuangyong {Decimal(got) / 100} ≠ reference {Decimal(want) / 100}{why}")
    return len(rows), problems
