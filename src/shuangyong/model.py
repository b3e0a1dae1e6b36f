"""The people of 优抚 work, as frozen attrs classes validated on construction.

Covers every group of ``domain.md`` §2: a :class:`Person` (公民身份号码,
name, sex, birth date, 户籍, 行政区划代码) with an optional
:class:`ServiceRecord`, :class:`Award` s, a :class:`Disability`, a
:class:`FamilyTie` to a service member, a death date, and the 优抚对象
:class:`Category` s they hold (several at once is normal: a 残疾军人 may also
be a 参战退役人员).

Enums take the Chinese label as their value; ``Enum.parse`` accepts the
label, the documented aliases (烈属, 士官, 专科, …) and the English name.
``repr`` never shows an unmasked ID number or name.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from typing import Any

from attrs import field, frozen
from dateutil.relativedelta import relativedelta

from .errors import InvalidRecordError
from .ids import (
    id_birth_date,
    id_sex_is_male,
    mask_id_number,
    mask_name,
    validate_id_number,
    validate_region,
)

__all__ = [
    "LabelledEnum",
    "Sex",
    "Hukou",
    "ServiceType",
    "Hardship",
    "Education",
    "AwardLevel",
    "DisabilityCause",
    "MemberStatus",
    "Relation",
    "Category",
    "ServiceRecord",
    "Award",
    "Disability",
    "FamilyTie",
    "Person",
    "YEAR_ROUNDINGS",
    "parse_grade",
]


class LabelledEnum(enum.Enum):
    """An enum whose value is its Chinese label, with an English label and aliases."""

    en: str
    aliases: tuple[str, ...]

    def __new__(cls, label: str, en: str, *aliases: str) -> LabelledEnum:
        obj = object.__new__(cls)
        obj._value_ = label
        obj.en = en  # type: ignore[attr-defined]
        obj.aliases = aliases  # type: ignore[attr-defined]
        return obj

    # Members are singletons: identity hashing is exact and avoids Enum's Python-level __hash__.
    __hash__ = object.__hash__

    @property
    def label(self) -> str:
        """The Chinese label."""
        return str(self.value)

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, text: object, field_name: str = "") -> Any:
        """The member named by ``text`` (label, alias, English label or member name)."""
        if isinstance(text, cls):
            return text
        if type(text) is str:
            # A name exactly as the table spells it (the usual cell): the answer parse gave it once.
            known = _PARSED.get(cls)
            if known is None:
                known = _PARSED[cls] = _parsed_names(cls)
            member = known.get(text)
            if member is not None:
                return member
        return cls._parse_text(text, field_name)

    @classmethod
    def _names(cls) -> dict[str, tuple[int, Any]]:
        table = _NAMES.get(cls)
        if table is None:
            table = _NAMES[cls] = _names_of(cls)
        return table

    @classmethod
    def _parse_text(cls, text: object, field_name: str) -> Any:
        s = str(text).strip()
        key = _spelling(s)
        table = cls._names()
        exact, loose = table.get(s), table.get(key)
        if exact is not None or loose is not None:
            # the first member, in declaration order, that either spelling names
            if exact is None or (loose is not None and loose[0] < exact[0]):
                return loose[1]  # type: ignore[index]
            return exact[1]
        choices = "、".join(m.label for m in cls)
        raise InvalidRecordError(field_name or cls.__name__, s, f"not a known {cls.__name__}; expected one of {choices}")


#: Per enum class: every name a member answers to → (its position, the member); built on first use.
_NAMES: dict[type, dict[str, tuple[int, Any]]] = {}
#: Per enum class: each of those names → the member ``parse`` gives for it (bounded by the names).
_PARSED: dict[type, dict[str, Any]] = {}


def _parsed_names(cls: type[LabelledEnum]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in cls._names():
        try:
            out[name] = cls._parse_text(name, "")
        except InvalidRecordError:  # not a name parse takes as it is: it keeps taking the long way
            pass
    return out


def _spelling(text: str) -> str:
    """A name as typed loosely: lower case, spaces and hyphens as underscores (``Died on duty`` → ``died_on_duty``)."""
    return text.lower().replace(" ", "_").replace("-", "_")


def _names_of(cls: type[LabelledEnum]) -> dict[str, tuple[int, Any]]:
    table: dict[str, tuple[int, Any]] = {}
    for i, m in enumerate(cls):
        for name in (m.label, m.name.lower(), _spelling(m.en), *m.aliases):
            table.setdefault(name, (i, m))
    return table


class Sex(LabelledEnum):
    MALE = ("男", "male", "M", "m")
    FEMALE = ("女", "female", "F", "f")


class Hukou(LabelledEnum):
    """户籍: urban or rural registration (城镇 / 农村)."""

    URBAN = ("城镇", "urban", "城市", "非农业", "非农")
    RURAL = ("农村", "rural", "农业", "乡村")


class ServiceType(LabelledEnum):
    CONSCRIPT = ("义务兵", "conscript")
    NCO = ("军士", "NCO", "士官", "nco")
    OFFICER = ("军官", "officer")


class Hardship(LabelledEnum):
    """Hardship postings that multiply or add to 优待金 and placement points."""

    TIBET = ("西藏", "Tibet", "进藏")
    XINJIANG = ("新疆", "Xinjiang", "进疆")
    PLATEAU = ("高原", "plateau", "高原地区")
    ISLAND = ("海岛", "island", "岛屿")
    REMOTE = ("艰苦边远", "remote hardship area", "艰苦边远地区")


class Education(LabelledEnum):
    POSTGRADUATE = ("研究生", "postgraduate", "硕士", "博士")
    BACHELOR = ("本科", "bachelor", "大学本科")
    COLLEGE = ("大专", "college", "专科", "高职")
    STUDENT = ("在校大学生", "university student", "在校", "在校生")
    HIGH_SCHOOL = ("高中", "high school", "中专", "职高")
    BELOW = ("初中及以下", "below high school", "初中", "小学")


class AwardLevel(LabelledEnum):
    """Honours and merits, highest first (the order of 条例 2024 第16条)."""

    MEDAL = ("勋章", "medal", "国家勋章")
    NATIONAL_HONOUR = ("国家荣誉称号", "national honorary title")
    CENTRAL_TITLE = ("中央军委称号", "CMC honorary title", "党中央国务院中央军委称号", "军委称号", "中央军委授予荣誉称号")
    FIRST_WAR_MERIT = ("一等战功", "first-class war merit", "一级表彰")
    THEATRE_TITLE = ("军区级称号", "theatre-level honorary title", "大军区称号", "大军区级称号", "战区级称号")
    SECOND_WAR_MERIT = ("二等战功", "second-class war merit")
    FIRST_CLASS = ("一等功", "first-class merit")
    SECOND_LEVEL_COMMENDATION = ("二级表彰", "second-level commendation")
    THIRD_WAR_MERIT = ("三等战功", "third-class war merit")
    SECOND_CLASS = ("二等功", "second-class merit")
    FOURTH_WAR_MERIT = ("四等战功", "fourth-class war merit")
    THIRD_CLASS = ("三等功", "third-class merit")
    OUTSTANDING_SOLDIER = ("优秀士兵", "outstanding soldier", "优秀义务兵")
    COMMENDATION = ("嘉奖", "commendation")


class DisabilityCause(LabelledEnum):
    WAR = ("因战", "in combat", "war")
    DUTY = ("因公", "on duty", "duty")
    ILLNESS = ("因病", "of illness", "illness")


class MemberStatus(LabelledEnum):
    """Status of the service member a relative is tied to."""

    SERVING = ("现役", "serving", "服现役")
    MARTYR = ("烈士", "martyr")
    DIED_ON_DUTY = ("因公牺牲", "died on duty")
    DIED_OF_ILLNESS = ("病故", "died of illness")


class Relation(LabelledEnum):
    PARENT = ("父母", "parent", "父亲", "母亲")
    SPOUSE = ("配偶", "spouse", "妻子", "丈夫")
    CHILD = ("子女", "child", "儿子", "女儿")
    SIBLING = ("兄弟姐妹", "sibling", "兄弟", "姐妹")
    OTHER = ("其他", "other")


class Category(LabelledEnum):
    """优抚对象 and related groups (domain.md §2); a person may hold several."""

    MARTYR_SURVIVOR = ("烈士遗属", "martyr's survivor", "烈属", "军烈属")
    DUTY_DEATH_SURVIVOR = ("因公牺牲军人遗属", "survivor of member who died on duty", "因公牺牲遗属")
    ILLNESS_DEATH_SURVIVOR = ("病故军人遗属", "survivor of member who died of illness", "病故遗属")
    DISABLED_VETERAN = ("残疾军人", "disabled service member", "伤残军人", "革命伤残军人", "残疾退役军人")
    DEMOBILISED_VETERAN = ("在乡老复员军人", "demobilised veteran in the countryside", "老复员军人", "复员军人")
    SICK_RETURNEE = ("带病回乡退伍军人", "veteran returned home ill", "带病回乡退役军人", "带病回乡")
    COMBAT_VETERAN = ("参战退役人员", "combat veteran", "参战退役军人", "参战人员", "参试退役人员")
    NUCLEAR_VETERAN = ("涉核退役人员", "nuclear-test veteran", "涉核人员")
    UNIT_8023 = ("原8023部队退役人员", "former Unit 8023 veteran", "8023部队")
    MARTYR_CHILD = ("烈士子女", "martyr's child")
    RURAL_VETERAN = ("农村籍退役士兵", "rural ex-soldier", "农村退伍军人", "60岁以上农村籍退役士兵")
    SERVING_MEMBER = ("现役军人", "serving member")
    SERVING_FAMILY = ("现役军人家属", "family of serving member", "军属")
    CONSCRIPT_FAMILY = ("义务兵家属", "conscript's family", "义务兵家庭")
    DISCHARGED_SOLDIER = ("退役士兵", "discharged soldier", "自主就业退役士兵", "退伍军人", "退役军人")
    TRANSFERRED_OFFICER = ("军队转业干部", "transferred officer", "军转干部")
    RETIRED_CADRE = ("军队离退休干部", "retired officer", "军休干部")
    NON_MILITARY_STAFF = ("无军籍职工", "civilian staff without military status")
    DEPENDENT_SPOUSE = ("随军家属", "dependent spouse", "随军随调家属")
    SERVING_CHILD = ("现役军人子女", "child of serving member")
    AWARDED_MEMBER = ("立功受奖军人", "awarded service member")


#: Ways of counting a part-year of service (``service_years(rounding=...)``).
#: ``up``: any part counts as a year (民发〔2011〕110号); ``down``: whole years
#: only; ``half``: six months or more count as a year (退役军人安置条例 第21条).
YEAR_ROUNDINGS = ("up", "down", "half")

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def parse_grade(value: object) -> int:
    """A disability grade 1–10 from ``7``, ``"7"``, ``"七级"`` or ``"7级"``."""
    if isinstance(value, bool):
        raise InvalidRecordError("disability_grade", value, "must be a grade from 1 to 10")
    if isinstance(value, int):
        grade = value
    else:
        s = str(value).strip().removesuffix("级").removeprefix("伤残")
        if s in _CN_DIGITS:
            grade = _CN_DIGITS[s]
        else:
            try:
                grade = int(s)
            except ValueError:
                raise InvalidRecordError("disability_grade", value, "must be a grade from 1 to 10 (一级…十级)") from None
    if not 1 <= grade <= 10:
        raise InvalidRecordError("disability_grade", value, "must be a grade from 1 (一级) to 10 (十级)")
    return grade


def _whole_years(start: date, end: date, rounding: str) -> int:
    if rounding not in YEAR_ROUNDINGS:
        raise ValueError(f"rounding must be one of {YEAR_ROUNDINGS}, not {rounding!r}")
    if end <= start:
        return 0
    # Whole months as dateutil's relativedelta counts them, without its cost (this runs per month priced).
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    years, rest = divmod(months, 12)
    has_part = bool(rest) or end.day != start.day
    if rounding == "up" and has_part:
        years += 1
    elif rounding == "half" and rest >= 6:
        years += 1
    return years


def _tuple_of(cls: type) -> Any:
    def convert(value: Iterable[Any] | None) -> tuple[Any, ...]:
        return tuple(value or ())

    return convert


def _enum_set(cls: type[LabelledEnum], name: str) -> Any:
    def convert(value: Iterable[Any] | None) -> frozenset[Any]:
        return frozenset(cls.parse(v, name) for v in (value or ()))

    return convert


def _enum(cls: type[LabelledEnum], name: str) -> Any:
    def convert(value: Any) -> Any:
        return cls.parse(value, name)

    return convert


def _optional_enum(cls: type[LabelledEnum], name: str) -> Any:
    def convert(value: Any) -> Any:
        return None if value is None else cls.parse(value, name)

    return convert


@frozen(kw_only=True)
class ServiceRecord:
    """Military service: dates, type, hardship postings, education on enlistment."""

    enlisted: date
    discharged: date | None = None
    service_type: ServiceType | None = field(default=None, converter=_optional_enum(ServiceType, "service_type"))
    hardship: frozenset[Hardship] = field(factory=frozenset, converter=_enum_set(Hardship, "hardship"))
    education: Education | None = field(default=None, converter=_optional_enum(Education, "education"))
    #: Years of 义务兵役 when the record states them (e.g. a 军士 who first served as a conscript);
    #: otherwise see :func:`shuangyong.national.conscripts.conscript_years_of` (a 军士's career never counts whole).
    conscript_years: int | None = None
    #: 户籍 at discharge (农村籍退役士兵 is decided on it); ``None`` when the roster does not record it.
    hukou_at_discharge: Hukou | None = field(default=None, converter=_optional_enum(Hukou, "discharge_hukou"))

    def __attrs_post_init__(self) -> None:
        if self.discharged is not None and self.discharged < self.enlisted:
            raise InvalidRecordError(
                "discharged", self.discharged.isoformat(), f"discharge date is before enlistment ({self.enlisted.isoformat()})"
            )

    def serving_on(self, on: date) -> bool:
        """True when enlisted on or before ``on`` and not yet discharged."""
        return self.enlisted <= on and (self.discharged is None or on < self.discharged)

    def service_years(self, rounding: str = "down", as_of: date | None = None) -> int:
        """Whole years of service up to discharge (or ``as_of`` while serving).

        ``rounding`` says how a part-year counts: ``down`` (ignored), ``up``
        (counts as a full year, 民发〔2011〕110号), ``half`` (six months or
        more count as a year).
        """
        end = self.discharged or as_of
        if end is None:
            raise ValueError("service_years of a serving member needs as_of")
        if as_of is not None and end > as_of:
            end = as_of
        return _whole_years(self.enlisted, end, rounding)

    def service_months(self, as_of: date | None = None) -> int:
        """Whole months served (a part month is not counted)."""
        end = self.discharged or as_of
        if end is None:
            raise ValueError("service_months of a serving member needs as_of")
        d = relativedelta(end, self.enlisted)
        return max(0, d.years * 12 + d.months)


@frozen(kw_only=True)
class Award:
    """An honour or merit (勋章, 称号, 一/二/三等功, 优秀士兵, 嘉奖), with its date when known."""

    level: AwardLevel = field(converter=_enum(AwardLevel, "awards"))
    date: date | None = None

    @property
    def rank(self) -> int:
        """0 for the highest honour; larger is lower."""
        return list(AwardLevel).index(self.level)


@frozen(kw_only=True)
class Disability:
    """A disability assessment (评残): grade 1 (worst) to 10, cause, date assessed."""

    grade: int = field(converter=parse_grade)
    cause: DisabilityCause = field(converter=_enum(DisabilityCause, "disability_cause"))
    assessed: date | None = None
    mental_disorder: bool = False
    #: 批准时间: the date the assessment was approved (2024 条例 第27条 pays from that month).
    approved: date | None = None
    #: 残疾抚恤金 actually paid per month (local increases included), where the roster records it.
    paid_monthly: Any = None


@frozen(kw_only=True)
class FamilyTie:
    """A relative's tie to a service member, and that member's status."""

    member_status: MemberStatus = field(converter=_enum(MemberStatus, "survivor_of"))
    relation: Relation | None = field(default=None, converter=_optional_enum(Relation, "relation"))
    member_death_date: date | None = None
    member_awards: tuple[Award, ...] = field(factory=tuple, converter=_tuple_of(Award))
    member_monthly_pay: Any = None  # Decimal 基本工资 per month, for 一次性抚恤金
    #: 认定时间: the date the survivor was found eligible for 定期抚恤金 (2024 条例 第19条).
    confirmed: date | None = None
    #: 定期抚恤金 actually paid per month (local increases included), where the roster records it.
    pension_paid_monthly: Any = None


def _canonical_id(value: Any) -> str:
    # One person, one ID: a valid ID is kept in its canonical form (ASCII digits, upper X); anything
    # else is refused here with its reason (validated once: the converter is also the check).
    return validate_id_number(value)


def _check_name(instance: Any, attribute: Any, value: str) -> None:
    if not isinstance(value, str):
        raise InvalidRecordError("name", None, "must be a string")


@frozen(kw_only=True)
class Person:
    """A person of 优抚 work.  ``Person.from_record(mapping)`` is the door from flat records.

    Sex and birth date are taken from the ID number when not given, and a
    given one that disagrees with the ID is an error.
    """

    id_number: str = field(converter=_canonical_id, repr=mask_id_number)
    name: str = field(default="", validator=_check_name, repr=mask_name)
    region: str = field(converter=validate_region)
    hukou: Hukou | None = field(default=None, converter=_optional_enum(Hukou, "hukou"))
    sex: Sex | None = field(default=None, converter=_optional_enum(Sex, "sex"))
    birth_date: date | None = None
    categories: frozenset[Category] = field(factory=frozenset, converter=_enum_set(Category, "categories"))
    service: ServiceRecord | None = None
    awards: tuple[Award, ...] = field(factory=tuple, converter=_tuple_of(Award))
    disability: Disability | None = None
    family_tie: FamilyTie | None = None
    death_date: date | None = None
    #: Draws a 退休金 or 城镇职工基本养老保险 (excludes 农村籍退役士兵老年生活补助); ``None`` = not recorded.
    urban_pension: bool | None = None
    #: 定期生活补助 actually paid per month (local increases included), where the roster records it.
    allowance_paid_monthly: Any = None
    extra: tuple[tuple[str, Any], ...] = field(factory=tuple, converter=lambda v: tuple(sorted(dict(v or {}).items())))
    #: 户编号: people sharing it form one household (issue 17); see :meth:`household_key`.
    household: str | None = None
    #: 住址: the household key's fallback when no 户编号 is given.
    address: str | None = field(default=None, repr=False)
    #: 困难: flagged as in special difficulty (a visit list criterion).
    needy: bool = False

    def __attrs_post_init__(self) -> None:
        from_id = id_birth_date(self.id_number)
        if self.birth_date is None:
            object.__setattr__(self, "birth_date", from_id)
        elif self.birth_date != from_id:
            raise InvalidRecordError(
                "birth_date", self.birth_date.isoformat(), f"disagrees with the birth date in the ID number ({mask_id_number(self.id_number)})"
            )
        male = id_sex_is_male(self.id_number)
        if self.sex is None:
            object.__setattr__(self, "sex", Sex.MALE if male else Sex.FEMALE)
        elif (self.sex is Sex.MALE) != male:
            raise InvalidRecordError("sex", self.sex.label, f"disagrees with the sex digit of the ID number ({mask_id_number(self.id_number)})")
        born = self.birth_date
        assert born is not None
        for name, d in self._dates():
            if d is not None and d < born:
                raise InvalidRecordError(name, d.isoformat(), f"is before the birth date ({born.isoformat()})")

    def _dates(self) -> list[tuple[str, date | None]]:
        out: list[tuple[str, date | None]] = [("death_date", self.death_date)]
        if self.service is not None:
            out += [("enlisted", self.service.enlisted), ("discharged", self.service.discharged)]
        if self.disability is not None:
            out.append(("disability_date", self.disability.assessed))
            out.append(("disability_approved", self.disability.approved))
        if self.family_tie is not None:
            out.append(("survivor_confirmed", self.family_tie.confirmed))
        out += [("awards", a.date) for a in self.awards]
        return out

    # -- derived facts ---------------------------------------------------------
    @classmethod
    def from_record(cls, record: Any) -> Person:
        """Build a person from a flat record (English keys or Chinese headers); see ``docs/record-format.md``."""
        from .record import person_from_record

        return person_from_record(record)

    @property
    def masked_id(self) -> str:
        """The ID number masked for display."""
        return mask_id_number(self.id_number)

    def age_on(self, on: date) -> int:
        """Age in whole years on ``on`` (the birthday itself counts)."""
        assert self.birth_date is not None
        return relativedelta(on, self.birth_date).years

    def birthday_in_year(self, age: int) -> date:
        """The date on which the person turns ``age`` (29 February → 28 February)."""
        assert self.birth_date is not None
        return self.birth_date + relativedelta(years=age)

    def month_turning(self, age: int) -> date:
        """The first day of the month in which the person turns ``age``."""
        return self.birthday_in_year(age).replace(day=1)

    def service_years(self, rounding: str = "down", as_of: date | None = None) -> int:
        """Whole years of service (0 without a service record); see :meth:`ServiceRecord.service_years`."""
        if self.service is None:
            return 0
        return self.service.service_years(rounding, as_of)

    def has(self, *categories: Category) -> bool:
        """True when the person holds any of ``categories``."""
        return any(c in self.categories for c in categories)

    def highest_award(self) -> Award | None:
        """The highest honour held (lowest rank), or ``None``."""
        return min(self.awards, key=lambda a: a.rank, default=None)

    def household_key(self) -> str:
        """The key that groups this person with their household (documented in docs/record-format.md).

        户编号 when given (``户:<户编号>``); else the 住址 with spaces and
        full-width forms folded (``址:<住址>``); else the person alone
        (``人:<身份证号>``), a household of one, so nobody is merged by guess.
        """
        if self.household:
            return "户:" + _fold(self.household)
        if self.address:
            return "址:" + _fold(self.address)
        return "人:" + self.id_number

    def alive_on(self, on: date) -> bool:
        """False from the death date on."""
        return self.death_date is None or on < self.death_date

    def extra_value(self, key: str, default: Any = None) -> Any:
        """A value from the record's extra columns (kept for rule packs)."""
        return dict(self.extra).get(key, default)


def _fold(text: str) -> str:
    # Full-width forms and every kind of space folded, so one address typed twice is one household.
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).split())
