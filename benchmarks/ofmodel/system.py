"""The OpenFisca tax-benefit system: one entity, input variables, five monthly benefits.

Written as an OpenFisca developer would write it for the country template:
``Variable`` classes with ``value_type``, ``entity``, ``definition_period``,
``label`` and ``reference``; dated YAML parameters read with
``parameters(period)``; vectorised formulas over numpy arrays; monthly
benefits summed over a year with ``ADD``.  Money is OpenFisca's ``float``
(stored as float32) and each month is rounded to the 分 with ``round_``,
which is what OpenFisca models do; that storage is why some yearly amounts
come out a 分 or more away from the exact figure (see
``ofmodel.count_off_by_more_than_a_fen``).

One deliberate departure from the textbook: the grade × cause table is not
read with OpenFisca's *fancy indexing* (``node[grade_enum][cause_enum]``),
because in openfisca-core 46 that builds one Python object per person and
would make OpenFisca look slower than it is.  The table is read once per
month into a small numpy array and indexed by (grade, cause) codes, which is
still plain OpenFisca and is what a developer who cares about speed writes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.model_api import ADD, ETERNITY, MONTH, YEAR, Variable, not_, round_, where
from openfisca_core.taxbenefitsystems import TaxBenefitSystem

__all__ = ["Person", "Hukou", "DisabilityCause", "SurvivorOf", "BENEFITS", "NationalBenefitsSystem", "build_system"]

PARAMETERS = Path(__file__).parent / "parameters"

Person = build_entity(
    key="person",
    plural="persons",
    label="优抚对象 (a person entitled to 优抚)",
    doc="Each person is computed on their own; no benefit here depends on a household.",
    is_person=True,
)


# -- enumerations (the integer codes are the ones run_population takes) ------------------


class Hukou(Enum):
    UNKNOWN = "未知"
    URBAN = "城镇"
    RURAL = "农村"


class DisabilityCause(Enum):
    NONE = "无"
    WAR = "因战"
    DUTY = "因公"
    ILLNESS = "因病"


class SurvivorOf(Enum):
    NONE = "无"
    MARTYR = "烈士"
    DIED_ON_DUTY = "因公牺牲"
    DIED_OF_ILLNESS = "病故"


# -- inputs -------------------------------------------------------------------------------


class birth_date(Variable):
    value_type = date
    default_value = date(1900, 1, 1)
    entity = Person
    definition_period = ETERNITY
    label = "出生日期"


class hukou(Variable):
    value_type = Enum
    possible_values = Hukou
    default_value = Hukou.UNKNOWN
    entity = Person
    definition_period = ETERNITY
    label = "户籍"


class disability_grade(Variable):
    value_type = int
    default_value = 0
    entity = Person
    definition_period = ETERNITY
    label = "伤残等级 (1 = 一级, the worst … 10 = 十级; 0 = none)"


class disability_cause(Variable):
    value_type = Enum
    possible_values = DisabilityCause
    default_value = DisabilityCause.NONE
    entity = Person
    definition_period = ETERNITY
    label = "伤残性质"


class disability_assessed(Variable):
    value_type = date
    default_value = date(1900, 1, 1)
    entity = Person
    definition_period = ETERNITY
    label = "评残时间 (default: long ago, i.e. unknown)"


class survivor_of(Variable):
    value_type = Enum
    possible_values = SurvivorOf
    default_value = SurvivorOf.NONE
    entity = Person
    definition_period = ETERNITY
    label = "遗属类别 (the deceased member's status)"


class is_sick_returnee(Variable):
    value_type = bool
    entity = Person
    definition_period = ETERNITY
    label = "带病回乡退伍军人"


class is_combat_veteran(Variable):
    value_type = bool
    entity = Person
    definition_period = ETERNITY
    label = "参战退役人员（含参试、涉核、原8023部队）"


class is_rural_veteran(Variable):
    value_type = bool
    entity = Person
    definition_period = ETERNITY
    label = "农村籍退役士兵"


class enlisted(Variable):
    value_type = date
    default_value = date(1900, 1, 1)
    entity = Person
    definition_period = ETERNITY
    label = "入伍时间"


class conscript_years(Variable):
    value_type = int
    entity = Person
    definition_period = ETERNITY
    label = "义务兵役年限 (a part-year counts as a year)"


# -- the five monthly national benefits ---------------------------------------------------


#: Assessments (approvals) from this day are paid from their own month (条例 2024 第27条).
APPROVED_SAME_MONTH_FROM = np.datetime64("2024-10-01", "D")


def started_by(assessed: np.ndarray, month_start: Any) -> np.ndarray:
    """Whether the pension is paid for the month starting ``month_start``: from the month after assessment,
    or from the month of assessment for assessments from 2024-10-01."""
    start = np.datetime64(month_start, "D")
    next_start = (np.datetime64(month_start, "M") + 1).astype("datetime64[D]")
    return (assessed < start) | ((assessed >= APPROVED_SAME_MONTH_FROM) & (assessed < next_start))


def _disability_table(node: Any) -> np.ndarray:
    """The grade × cause table in force as an (11, 4) array; row 0 and column 0 are 'none'."""
    table = np.zeros((11, 4), dtype=np.float64)
    for g in range(1, 11):
        grade = node[f"grade_{g}"]
        table[g, DisabilityCause.WAR.index] = grade.war
        table[g, DisabilityCause.DUTY.index] = grade.duty
        table[g, DisabilityCause.ILLNESS.index] = grade.illness
    return table


class disability_pension(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "残疾抚恤金 (one month)"
    reference = "《军人抚恤优待条例》第25–34条"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """Yearly standard of the grade and cause ÷ 12, from the month after assessment — from the month of
        assessment itself when it is on or after 2024-10-01 (条例 2024 第27条; the roster's 评残时间 stands for
        the approval, as in shuangyong).

        因病 grades 7–10 have 0 in the table: they get no pension.
        """
        grade = person("disability_grade", period)
        cause = person("disability_cause", period)
        assessed = person("disability_assessed", period)
        table = _disability_table(parameters(period).disability_pension.annual_standard)
        annual = table[np.clip(grade, 0, 10), cause.astype(np.int64)]
        started = started_by(assessed, period.start.date)
        return where(started, round_(annual / 12, 2), 0)


class survivor_pension(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "烈属、因公牺牲、病故军人遗属定期抚恤金 (one month)"
    reference = "《军人抚恤优待条例》第19条"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The yearly standard of the deceased member's status (and the survivor's 户籍) ÷ 12."""
        status = person("survivor_of", period)
        residence = person("hukou", period)
        p = parameters(period).survivor_pension.annual_standard
        annual = np.zeros(len(status), dtype=np.float64)
        rural = residence == Hukou.RURAL
        for member, node in ((SurvivorOf.MARTYR, p.martyr), (SurvivorOf.DIED_ON_DUTY, p.died_on_duty),
                             (SurvivorOf.DIED_OF_ILLNESS, p.died_of_illness)):
            annual = where(status == member, where(rural, node.rural, node.urban), annual)
        return round_(annual / 12, 2)


class sick_returnee_allowance(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "带病回乡退伍军人定期生活补助 (one month)"
    reference = "《军人抚恤优待条例》第62条"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The yearly standard ÷ 12; someone who is also a combat veteran draws that (higher)
        allowance instead (parameter ``not_with_combat``)."""
        p = parameters(period).sick_returnee_allowance
        eligible = person("is_sick_returnee", period)
        if p.not_with_combat:
            eligible = eligible * not_(person("is_combat_veteran", period))
        return where(eligible, round_(p.annual_standard / 12, 2), 0)


class combat_veteran_allowance(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "参战退役人员定期生活补助 (one month)"
    reference = "《军人抚恤优待条例》第61–62条"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        annual = parameters(period).combat_veteran_allowance.annual_standard
        return where(person("is_combat_veteran", period), round_(annual / 12, 2), 0)


class rural_veteran_old_age_allowance(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "农村籍退役士兵老年生活补助 (one month)"
    reference = "民发〔2011〕110号"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """Rural-registered ex-soldiers who enlisted from 1954-11-01 until the 2011 退役士兵安置条例
        (2011-11-01), from the month after their 60th birthday, when they draw no other periodic
        抚恤/补助: the yearly amount per service year × years ÷ 12."""
        p = parameters(period).rural_veteran_old_age_allowance
        birth = person("birth_date", period)
        # Months since the birthday month: the 60th birthday month is 720; paid from 721.
        birth_month = birth.astype("datetime64[M]").astype(int)
        this_month = period.start.year * 12 + period.start.month - 1 - 1970 * 12
        months = this_month - birth_month
        old_enough = where(p.from_month_after_birthday, months > p.minimum_age * 12, months >= p.minimum_age * 12)
        enlisted = person("enlisted", period)
        in_window = (enlisted >= ENLISTED_FROM) * (enlisted < ENLISTED_BEFORE)
        # 民发〔2011〕110号: not for those already drawing a periodic 抚恤/补助.
        other = (
            (person("disability_grade", period) > 0)
            + person("is_sick_returnee", period)
            + person("is_combat_veteran", period)
            + (person("survivor_of", period) != SurvivorOf.NONE)
        )
        eligible = (
            person("is_rural_veteran", period)
            * (person("hukou", period) == Hukou.RURAL)
            * old_enough
            * in_window
            * not_(other)
        )
        years = person("conscript_years", period)
        return where(eligible, round_(p.per_service_year * years / 12, 2), 0)


#: 民发〔2011〕110号: enlisted from 1954-11-01 until the 2011 退役士兵安置条例 took effect
#: (2011-11-01, an assumption shuangyong makes too).  Law dates, not yearly figures, so constants.
ENLISTED_FROM = np.datetime64("1954-11-01", "D")
ENLISTED_BEFORE = np.datetime64("2011-11-01", "D")


BENEFITS = (
    "disability_pension",
    "survivor_pension",
    "sick_returnee_allowance",
    "combat_veteran_allowance",
    "rural_veteran_old_age_allowance",
)


class national_benefits(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "The five monthly national benefits over a year"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        return sum(person(name, period, options=[ADD]) for name in BENEFITS)


class NationalBenefitsSystem(TaxBenefitSystem):
    """Entities, variables and parameters of the benchmark model."""

    def __init__(self) -> None:
        super().__init__([Person])
        self.add_variables(
            birth_date, hukou, disability_grade, disability_cause, disability_assessed, survivor_of,
            is_sick_returnee, is_combat_veteran, is_rural_veteran, enlisted, conscript_years,
            disability_pension, survivor_pension, sick_returnee_allowance, combat_veteran_allowance,
            rural_veteran_old_age_allowance, national_benefits,
        )
        self.load_parameters(str(PARAMETERS))


def build_system() -> NationalBenefitsSystem:
    """The OpenFisca tax-benefit system of the benchmark model."""
    return NationalBenefitsSystem()
