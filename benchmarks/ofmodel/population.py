"""Synthetic populations, running the OpenFisca model over them, and checking its amounts.

A population is a dict of equal-length numpy arrays (the *columns*, see
:data:`COLUMNS`).  The same columns drive three things:

* :func:`run_population` — the OpenFisca model, vectorised, one call per year;
* :func:`exact_population_fen` — an exact reference in integer 分 (int64), with
  the same semantics, to measure what OpenFisca's float32 storage loses;
* :func:`to_records` — shuangyong person records (``sy.Person.from_record``) of
  chosen rows, so the same people can be run through ``shuangyong``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

__all__ = [
    "COLUMNS",
    "CAUSES",
    "SURVIVOR_STATUSES",
    "HUKOU",
    "make_situation",
    "run_population",
    "run_year",
    "person_situation",
    "run_situation",
    "exact_population_fen",
    "count_off_by_more_than_a_fen",
    "to_records",
]

#: Integer codes of the coded columns (the index of the OpenFisca enum item).
CAUSES = {1: "因战", 2: "因公", 3: "因病"}
SURVIVOR_STATUSES = {1: "烈士", 2: "因公牺牲", 3: "病故"}
HUKOU = {1: "城镇", 2: "农村"}

#: The input columns of :func:`run_population` (name → dtype and meaning).  Missing optional
#: columns take their default.
COLUMNS: dict[str, str] = {
    "disability_grade": "int: 0 = no disability, 1 = 一级 (worst) … 10 = 十级",
    "disability_cause": "int: 0 = none, 1 = 因战, 2 = 因公, 3 = 因病",
    "disability_assessed": "datetime64[D], optional (default 1900-01-01): 评残时间; paid from the next month",
    "survivor_of": "int: 0 = not a survivor, 1 = 烈士, 2 = 因公牺牲, 3 = 病故 (the deceased member's status)",
    "hukou": "int: 0 = unknown, 1 = 城镇, 2 = 农村",
    "sick_returnee": "bool: category 带病回乡退伍军人",
    "combat_veteran": "bool: category 参战退役人员",
    "rural_veteran": "bool: category 农村籍退役士兵 — a former 义务兵 (people with none of the veteran flags and no disability have no service record)",
    "birth_date": "datetime64[D]: 出生日期",
    "conscript_years": "int: years of 义务兵役, a part-year counted as a year",
    "enlisted": "datetime64[D]: 入伍时间 (the rural allowance needs 1954-11-01 ≤ enlisted < 2011-11-01)",
}

_OF_INPUTS = {
    # column → OpenFisca variable
    "disability_grade": "disability_grade",
    "disability_cause": "disability_cause",
    "disability_assessed": "disability_assessed",
    "survivor_of": "survivor_of",
    "hukou": "hukou",
    "sick_returnee": "is_sick_returnee",
    "combat_veteran": "is_combat_veteran",
    "rural_veteran": "is_rural_veteran",
    "birth_date": "birth_date",
    "conscript_years": "conscript_years",
    "enlisted": "enlisted",
}


# -- the synthetic population ---------------------------------------------------------------


def make_situation(n: int, seed: int = 0, year: int = 2024) -> dict[str, np.ndarray]:
    """``n`` synthetic people as columns (see :data:`COLUMNS`), reproducible from ``seed``.

    Distribution (independent draws, so people may hold several categories, as real
    优抚对象 do):

    * 30 % disabled: grade uniform 1–10; cause 因战 40 %, 因公 40 %, 因病 20 % (so
      some 因病 grades 7–10, who get nothing); 3 % of them assessed during ``year``
      (paid from the next month), the rest earlier;
    * 15 % survivors: 烈士 50 %, 因公牺牲 30 %, 病故 20 %;
    * 10 % 带病回乡, 15 % 参战, 35 % 农村籍退役士兵 (the rural allowance excludes anyone
      who holds another of these categories, so fewer are paid);
    * 户籍 农村 55 %, 城镇 45 %;
    * birth dates uniform over 1935-01-01 … 1975-12-31 (ages about 48–89, so some turn
      60 during ``year``); 1–6 years of 义务兵役, enlisted at 18–22.
    """
    rng = np.random.default_rng(seed)
    disabled = rng.random(n) < 0.30
    grade = np.where(disabled, rng.integers(1, 11, n), 0).astype(np.int8)
    cause = np.where(disabled, rng.choice([1, 2, 3], n, p=[0.4, 0.4, 0.2]), 0).astype(np.int8)
    birth = np.datetime64("1935-01-01") + rng.integers(0, (date(1975, 12, 31) - date(1935, 1, 1)).days + 1, n).astype("timedelta64[D]")
    years = rng.integers(1, 7, n).astype(np.int16)
    enlisted = birth + (rng.integers(18, 23, n) * 365 + 40).astype("timedelta64[D]")
    recent = rng.random(n) < 0.03
    assessed_recent = np.datetime64(f"{year}-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    # Earlier assessments fall between enlistment and the start of the year.
    span = (np.datetime64(f"{year}-01-01") - enlisted).astype(np.int64)
    assessed_old = enlisted + (rng.random(n) * span).astype("timedelta64[D]")
    assessed = np.where(disabled, np.where(recent, assessed_recent, assessed_old), np.datetime64("1900-01-01"))
    survivor = rng.random(n) < 0.15
    survivor_of = np.where(survivor, rng.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2]), 0).astype(np.int8)
    hukou = np.where(rng.random(n) < 0.55, 2, 1).astype(np.int8)
    return {
        "disability_grade": grade,
        "disability_cause": cause,
        "disability_assessed": assessed.astype("datetime64[D]"),
        "survivor_of": survivor_of,
        "hukou": hukou,
        "sick_returnee": rng.random(n) < 0.10,
        "combat_veteran": rng.random(n) < 0.15,
        "rural_veteran": rng.random(n) < 0.35,
        "birth_date": birth.astype("datetime64[D]"),
        "conscript_years": years,
        "enlisted": enlisted.astype("datetime64[D]"),
    }


# -- running OpenFisca ---------------------------------------------------------------------------


def run_population(system: Any, columns: Mapping[str, np.ndarray], year: int) -> dict[str, np.ndarray]:
    """Yearly amounts of the five monthly national benefits for every row of ``columns``.

    Input columns (numpy arrays of one length; optional ones may be absent):

    * ``disability_grade`` int 0–10 (0 = none) and ``disability_cause`` int (0 none, 1 因战,
      2 因公, 3 因病); ``disability_assessed`` datetime64[D], optional;
    * ``survivor_of`` int (0 none, 1 烈士, 2 因公牺牲, 3 病故);
    * ``hukou`` int (0 unknown, 1 城镇, 2 农村);
    * ``sick_returnee``, ``combat_veteran``, ``rural_veteran`` bool category flags;
    * ``birth_date`` datetime64[D]; ``conscript_years`` int.

    Returns rule code → float32 array of yearly amounts (元), plus ``total``.  Builds
    one OpenFisca simulation with ``build_default_simulation`` and ``set_input``, the
    usual way to feed OpenFisca from survey data.
    """
    from openfisca_core.simulation_builder import SimulationBuilder

    from .system import BENEFITS

    n = len(next(iter(columns.values())))
    sim = SimulationBuilder().build_default_simulation(system, n)
    for col, var in _OF_INPUTS.items():
        if col in columns:
            sim.set_input(var, "ETERNITY", np.asarray(columns[col]))
    out = {b: sim.calculate_add(b, str(year)) for b in BENEFITS}
    out["total"] = sim.calculate("national_benefits", str(year))
    return out


def run_year(system: Any, persons: Mapping[str, np.ndarray], year: int) -> dict[str, np.ndarray]:
    """Per-person yearly amounts for ``persons`` (columns as made by :func:`make_situation`)."""
    return run_population(system, persons, year)


def person_situation(columns: Mapping[str, np.ndarray], i: int, year: int) -> dict[str, Any]:
    """Row ``i`` as an OpenFisca situation dict (the JSON shape of OpenFisca's web API)."""
    from .system import DisabilityCause, Hukou, SurvivorOf

    def d(col: str) -> str:
        return str(np.datetime_as_string(columns[col][i], unit="D"))

    person: dict[str, Any] = {
        "birth_date": {"ETERNITY": d("birth_date")},
        "hukou": {"ETERNITY": list(Hukou)[int(columns["hukou"][i])].name},
        "disability_grade": {"ETERNITY": int(columns["disability_grade"][i])},
        "disability_cause": {"ETERNITY": list(DisabilityCause)[int(columns["disability_cause"][i])].name},
        "survivor_of": {"ETERNITY": list(SurvivorOf)[int(columns["survivor_of"][i])].name},
        "is_sick_returnee": {"ETERNITY": bool(columns["sick_returnee"][i])},
        "is_combat_veteran": {"ETERNITY": bool(columns["combat_veteran"][i])},
        "is_rural_veteran": {"ETERNITY": bool(columns["rural_veteran"][i])},
        "conscript_years": {"ETERNITY": int(columns["conscript_years"][i])},
        "national_benefits": {str(year): None},
    }
    for col in ("disability_assessed", "enlisted"):
        if col in columns:
            person[col] = {"ETERNITY": d(col)}
    return {"persons": {"p": person}}


def run_situation(system: Any, situation: Mapping[str, Any], year: int) -> dict[str, float]:
    """One situation through OpenFisca (build the simulation, then calculate), as a web API call does."""
    from openfisca_core.simulation_builder import SimulationBuilder

    from .system import BENEFITS

    sim = SimulationBuilder().build_from_entities(system, dict(situation))
    out = {b: float(sim.calculate_add(b, str(year))[0]) for b in BENEFITS}
    out["total"] = float(sim.calculate("national_benefits", str(year))[0])
    return out


# -- the exact reference -------------------------------------------------------------------------


def _fen(value: Any) -> int:
    # Parameter values are whole or decimal yuan; go through str so no binary fraction leaks in.
    return int(Decimal(str(value)) * 100)


def _half_up_div(num: np.ndarray, den: int) -> np.ndarray:
    """``num / den`` rounded half up, for non-negative int64 ``num`` (exact)."""
    return (2 * num + den) // (2 * den)


def exact_population_fen(system: Any, columns: Mapping[str, np.ndarray], year: int) -> dict[str, np.ndarray]:
    """The same five benefits in exact integer 分 (int64): each month priced on its first day,
    rounded half up to the 分, summed over the year.  Reads the same parameter tree as the
    OpenFisca model, so a difference from :func:`run_population` is float32 and nothing else."""
    from .system import BENEFITS, ENLISTED_BEFORE, ENLISTED_FROM, started_by

    n = len(columns["birth_date"])
    grade = np.asarray(columns["disability_grade"]).astype(np.int64)
    cause = np.asarray(columns["disability_cause"]).astype(np.int64)
    assessed = np.asarray(columns.get("disability_assessed", np.full(n, np.datetime64("1900-01-01")))).astype("datetime64[D]")
    status = np.asarray(columns["survivor_of"]).astype(np.int64)
    rural = np.asarray(columns["hukou"]) == 2
    birth = np.asarray(columns["birth_date"]).astype("datetime64[D]")
    years = np.asarray(columns["conscript_years"]).astype(np.int64)
    enlisted = np.asarray(columns.get("enlisted", np.full(n, np.datetime64("1900-01-01")))).astype("datetime64[D]")
    by = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    bm = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    out = {b: np.zeros(n, dtype=np.int64) for b in BENEFITS}
    for m in range(1, 13):
        on = date(year, m, 1)
        p = system.parameters(on.isoformat())
        # disability: (11, 4) table in 分 per year
        table = np.zeros((11, 4), dtype=np.int64)
        for g in range(1, 11):
            node = p.disability_pension.annual_standard[f"grade_{g}"]
            table[g, 1:] = [_fen(node.war), _fen(node.duty), _fen(node.illness)]
        started = started_by(assessed, on)
        out["disability_pension"] += np.where(started, _half_up_div(table[grade, cause], 12), 0)
        s = p.survivor_pension.annual_standard
        surv = np.zeros(n, dtype=np.int64)
        for code, node in ((1, s.martyr), (2, s.died_on_duty), (3, s.died_of_illness)):
            surv = np.where(status == code, np.where(rural, _fen(node.rural), _fen(node.urban)), surv)
        out["survivor_pension"] += _half_up_div(surv, 12)
        sick = np.asarray(columns["sick_returnee"])
        if p.sick_returnee_allowance.not_with_combat:
            sick = sick & ~np.asarray(columns["combat_veteran"])
        sick_month = _half_up_div(np.int64(_fen(p.sick_returnee_allowance.annual_standard)), 12)
        out["sick_returnee_allowance"] += np.where(sick, sick_month, 0)
        combat_month = _half_up_div(np.int64(_fen(p.combat_veteran_allowance.annual_standard)), 12)
        out["combat_veteran_allowance"] += np.where(np.asarray(columns["combat_veteran"]), combat_month, 0)
        r = p.rural_veteran_old_age_allowance
        months = (on.year * 12 + on.month) - (by * 12 + bm)  # 720 in the 60th birthday month
        limit = int(r.minimum_age) * 12
        old_enough = months > limit if r.from_month_after_birthday else months >= limit
        in_window = (enlisted >= ENLISTED_FROM) & (enlisted < ENLISTED_BEFORE)
        other = (grade > 0) | (status > 0) | np.asarray(columns["sick_returnee"]) | np.asarray(columns["combat_veteran"])
        ok = np.asarray(columns["rural_veteran"]) & rural & old_enough & in_window & ~other
        out["rural_veteran_old_age_allowance"] += np.where(ok, _half_up_div(_fen(r.per_service_year) * years, 12), 0)
    out["total"] = sum((out[b] for b in BENEFITS), np.zeros(n, dtype=np.int64))
    return out


def count_off_by_more_than_a_fen(openfisca_yuan: np.ndarray, exact: np.ndarray | Sequence[Decimal]) -> int:
    """How many OpenFisca amounts (元, float32) differ from the exact amounts by more than 1 分.

    ``exact`` is either an int64 array in 分 (as :func:`exact_population_fen` gives) or a
    sequence of ``Decimal`` 元 amounts (as shuangyong gives).  The comparison is made in
    integer 分 after reading each float32 value exactly (``float64`` holds every float32).
    """
    of_fen = np.asarray(openfisca_yuan, dtype=np.float64) * 100  # exact: float32 → float64, ×100 within 2⁻⁵³
    if isinstance(exact, np.ndarray) and exact.dtype.kind in "iu":
        ex = exact.astype(np.float64)
    else:
        ex = np.array([float(Decimal(x) * 100) for x in exact], dtype=np.float64)  # whole 分: exact in float64
    return int(np.count_nonzero(np.abs(of_fen - ex) > 1.0 + 1e-6))


# -- shuangyong records of the same people ---------------------------------------------------


_CATEGORY_LABELS = {"sick_returnee": "带病回乡退伍军人", "combat_veteran": "参战退役人员", "rural_veteran": "农村籍退役士兵"}
_SURVIVOR_CATEGORY = {1: "烈士遗属", 2: "因公牺牲军人遗属", 3: "病故军人遗属"}


def to_records(columns: Mapping[str, np.ndarray], rows: Iterable[int], region: str = "422827") -> list[dict[str, Any]]:
    """shuangyong records (``sy.Person.from_record``) of the given rows.

    ID numbers are synthetic: ``region`` + birth date + a sequence number derived from the
    row + the GB 11643 check character; no real person is meant.  Service dates are set so
    that the record's service gives ``conscript_years`` (part-years counted up).
    """
    from shuangyong.ids import check_character

    out = []
    for i in rows:
        birth = date.fromisoformat(str(np.datetime_as_string(columns["birth_date"][i], unit="D")))
        seq = f"{(i * 2 + 1) % 1000:03d}"  # odd: male
        first17 = f"{region}{birth:%Y%m%d}{seq}"
        cats: list[str] = []
        rec: dict[str, Any] = {"id_number": first17 + check_character(first17), "region": region,
                               "hukou": HUKOU.get(int(columns["hukou"][i]), "")}
        g = int(columns["disability_grade"][i])
        if g:
            rec["disability_grade"] = g
            rec["disability_cause"] = CAUSES[int(columns["disability_cause"][i])]
            if "disability_assessed" in columns:
                rec["disability_date"] = str(np.datetime_as_string(columns["disability_assessed"][i], unit="D"))
            cats.append("残疾军人")
        s = int(columns["survivor_of"][i])
        if s:
            rec["survivor_of"] = SURVIVOR_STATUSES[s]
            cats.append(_SURVIVOR_CATEGORY[s])
        for col, label in _CATEGORY_LABELS.items():
            if bool(columns[col][i]):
                cats.append(label)
        years = int(columns["conscript_years"][i])
        # Only veterans have a service record: survivors who never served have none (and so
        # cannot draw the rural old-age allowance, which shuangyong grants on the service facts).
        if not (g or any(bool(columns[c][i]) for c in _CATEGORY_LABELS)):
            rec["categories"] = "、".join(cats)
            out.append(rec)
            continue
        if "enlisted" in columns:
            enlisted = date.fromisoformat(str(np.datetime_as_string(columns["enlisted"][i], unit="D")))
        else:
            enlisted = date(birth.year + 18, 9, 1)
        # Discharged 2 months short of whole years: counted up, the years come back exactly.
        m = enlisted.month + 12 * years - 2 - 1
        rec["enlisted"] = enlisted.isoformat()
        rec["discharged"] = date(enlisted.year + m // 12, m % 12 + 1, 1).isoformat()
        rec["service_type"] = "义务兵"
        rec["conscript_years"] = years
        rec["categories"] = "、".join(cats)
        out.append(rec)
    return out
