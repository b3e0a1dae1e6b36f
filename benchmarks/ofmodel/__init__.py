"""An OpenFisca model of shuangyong's five monthly national rules, for benchmarks only.

The benchmarks compare shuangyong against OpenFisca (openfisca-core from PyPI,
``pip install -e ".[bench]"``) on an equivalent model written the way an
OpenFisca developer would write it: one ``Person`` entity, ``Variable``
classes, vectorised formulas, dated YAML parameters under ``parameters/``.

Rules modelled (each one month at a time, summed over the year with ``ADD``):

* ``disability_pension`` — grade × cause yearly standard ÷ 12 per month, from
  the month after assessment (from the month of assessment for assessments
  from 2024-10-01, 条例 2024 第27条); 因病 grades 7–10 get nothing;
* ``survivor_pension`` — yearly standard by the deceased member's status
  (烈士 / 因公牺牲 / 病故) and the survivor's 户籍 ÷ 12;
* ``sick_returnee_allowance`` and ``combat_veteran_allowance`` — yearly
  standard ÷ 12 for people in the category;
* ``rural_veteran_old_age_allowance`` — rural-registered 农村籍退役士兵 aged 60
  or more on the first day of the month: yearly amount per service year ×
  years ÷ 12.

Every monthly amount is rounded to the 分 (OpenFisca: ``round_`` on float32;
shuangyong: Decimal half up; no figure here falls on a half 分, so the rounding
modes agree).  Differences from shuangyong's rules, if any, are listed in
``benchmarks/README.md`` and checked by :func:`check_parameters` and by the
benchmarks, which run the same people through both.

Use from a benchmark script (``python benchmarks/x.py``)::

    sys.path.insert(0, str(Path(__file__).parent))   # the benchmarks folder
    import ofmodel
    system = ofmodel.build_system()
    cols = ofmodel.make_situation(10_000, seed=1)
    of = ofmodel.run_population(system, cols, 2024)        # rule → float32 yuan per person
    exact = ofmodel.exact_population_fen(system, cols, 2024)  # rule → int64 分
    ofmodel.count_off_by_more_than_a_fen(of["total"], exact["total"])
"""

from __future__ import annotations

from .checks import check_parameters, compare_with_engine
from .population import (
    CAUSES,
    COLUMNS,
    HUKOU,
    SURVIVOR_STATUSES,
    count_off_by_more_than_a_fen,
    exact_population_fen,
    make_situation,
    person_situation,
    run_population,
    run_situation,
    run_year,
    to_records,
)
from .system import BENEFITS, build_system

__all__ = [
    "BENEFITS",
    "CAUSES",
    "COLUMNS",
    "HUKOU",
    "SURVIVOR_STATUSES",
    "build_system",
    "check_parameters",
    "compare_with_engine",
    "count_off_by_more_than_a_fen",
    "exact_population_fen",
    "make_situation",
    "person_situation",
    "run_population",
    "run_situation",
    "run_year",
    "to_records",
]
