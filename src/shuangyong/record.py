"""The person record: one documented mapping from flat fields to a :class:`Person`.

Used by ``Person.from_record``, by roster import and by tests outside the
project; ``docs/record-format.md`` documents every key.  Keys are English;
the Chinese headers of county spreadsheets are accepted as aliases.  Values
are normalised (whitespace, full-width digits and punctuation) before they
are parsed; an empty value means absent.  Anything that cannot be
understood raises :class:`InvalidRecordError` naming the key and the value,
masked where it could identify a person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvalidRecordError, ShuangyongError
from .ids import mask_id_number, mask_name
from .model import (
    Award,
    AwardLevel,
    Category,
    Disability,
    FamilyTie,
    Person,
    ServiceRecord,
)

__all__ = ["FIELDS", "ALIASES", "canonical_key", "normalise_record", "person_from_record", "parse_date", "split_list"]

#: Every record key with its Chinese header(s); the first header is the preferred one.
FIELDS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "公民身份号码", "身份证号码"),
    "name": ("姓名",),
    "sex": ("性别",),
    "birth_date": ("出生日期",),
    "region": ("行政区划代码", "区划代码"),
    "hukou": ("户籍", "户口性质"),
    "categories": ("类别", "优抚对象类别"),
    "enlisted": ("入伍时间",),
    "discharged": ("退役时间", "退伍时间"),
    "service_type": ("服役类型",),
    "conscript_years": ("义务兵役年限",),
    "discharge_hukou": ("退役时户籍", "退伍时户籍"),
    "hardship": ("艰苦地区",),
    "education": ("学历",),
    "awards": ("立功受奖",),
    "disability_grade": ("伤残等级", "残疾等级"),
    "disability_cause": ("伤残性质", "致残性质"),
    "disability_date": ("评残时间",),
    "disability_approved": ("批准时间", "评残批准时间"),
    "disability_paid_monthly": ("残疾抚恤金月发放额",),
    "mental_disorder": ("精神病",),
    "survivor_of": ("遗属类别",),
    "relation": ("与军人关系", "关系"),
    "member_death_date": ("牺牲病故时间", "军人死亡时间"),
    "member_awards": ("军人立功受奖",),
    "member_monthly_pay": ("军人月基本工资", "基本工资"),
    "survivor_confirmed": ("认定时间", "定期抚恤认定时间"),
    "survivor_pension_paid_monthly": ("定期抚恤金月发放额",),
    "urban_pension": ("领取退休金或职工养老保险", "享受退休金", "城镇职工养老保险"),
    "allowance_paid_monthly": ("定期生活补助月发放额",),
    "death_date": ("死亡时间", "去世时间"),
    # households (issue 17): grants and visits count once per household
    "household": ("户编号", "户号"),
    "address": ("住址", "家庭住址", "家庭地址"),
    "needy": ("困难", "生活困难", "困难对象"),
}

#: Chinese header → key.
ALIASES: dict[str, str] = {h: k for k, hs in FIELDS.items() for h in hs}

_PERSONAL = {"id_number", "name"}
_LIST_SPLIT = re.compile(r"[;；、,，]")
_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
)


def canonical_key(header: str) -> str | None:
    """The record key for a column header (English key or Chinese alias), or ``None``."""
    h = _norm_text(header)
    if h in FIELDS:
        return h
    return ALIASES.get(h)


def _norm_text(value: str) -> str:
    # NFKC folds full-width digits, letters and punctuation (１２３ → 123, ：→ :); ASCII is already NFKC.
    return (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip()


#: Header → key for the headers canonical_key maps as they are (already normalised): the usual record's keys.
_AS_SPELT: dict[str, str] = {h: k for h in (*FIELDS, *ALIASES) if _norm_text(h) == h and (k := canonical_key(h)) is not None}


def _shown(key: str, value: Any) -> Any:
    if key == "id_number":
        return mask_id_number(value)
    if key == "name":
        return mask_name(value)
    return value


def normalise_record(record: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``record`` into (known fields by key, unknown columns); empty values dropped."""
    known: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    for raw_key, value in record.items():
        if raw_key is None:
            continue
        key = _AS_SPELT.get(raw_key) if type(raw_key) is str else None
        if key is None:
            key = canonical_key(str(raw_key))
        if isinstance(value, str):
            value = _norm_text(value)
            if value == "":
                continue
        elif value is None:
            continue
        if key is None:
            unknown[str(raw_key).strip()] = value
        elif key in known and known[key] != value:
            raise InvalidRecordError(key, _shown(key, value), f"given twice with different values (column {raw_key!r})")
        else:
            known[key] = value
    return known, unknown


#: Dates a record may hold: anything outside is a typing error (9999-12-31 as "never", 0202 for 2020),
#: refused with the field rather than carried into date arithmetic.
EARLIEST_DATE = date(1850, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def parse_date(value: Any, key: str = "date") -> date:
    """A date from ``2023-08-01``, ``2023.08.01``, ``2023/8/1``, ``2023年8月1日`` or ``20230801``.

    A month alone (``2023-08``, ``2023年8月``) means its first day.  A date outside
    :data:`EARLIEST_DATE` … :data:`LATEST_DATE` is refused.
    """
    d = _parse_date(value, key)
    if not EARLIEST_DATE <= d <= LATEST_DATE:
        raise InvalidRecordError(key, d.isoformat(), f"outside {EARLIEST_DATE.year}–{LATEST_DATE.year}: a typing error?（日期超出范围）")
    return d


def _parse_date(value: Any, key: str) -> date:
    if (type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii()
            and value[:4].isdigit() and value[5:7].isdigit() and value[8:].isdigit()):
        # The usual cell, 2023-08-01: read by the C parser; an impossible day goes on to the message below.
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = _norm_text(str(value))
    for form in _DATE_FORMS:
        if m := form.match(s):
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError as e:
                raise InvalidRecordError(key, s, f"not a real date ({e})") from None
    for form in _MONTH_FORMS:
        if m := form.match(s):
            try:
                return date(int(m[1]), int(m[2]), 1)
            except ValueError as e:
                raise InvalidRecordError(key, s, f"not a real month ({e})") from None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2_958_465:
        # 40299 from a workbook: a date cell whose format was lost (a serial is days since 1899-12-30).
        raise InvalidRecordError(key, s, "a number, not a date: an Excel date serial? format the column as a date"
                                         "（数字而非日期：请把该列设为日期格式）")
    raise InvalidRecordError(key, s, "not a date; use YYYY-MM-DD, YYYY.MM.DD or YYYY年M月D日")


def split_list(value: Any) -> list[str]:
    """Items of a list field separated by ``;`` ``；`` ``、`` or ``,``; lists pass through."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_norm_text(str(v)) for v in value if str(v).strip()]
    return [p.strip() for p in _LIST_SPLIT.split(_norm_text(str(value))) if p.strip()]


def _parse_awards(value: Any, key: str) -> tuple[Award, ...]:
    out = []
    for item in split_list(value):
        level_text, _, date_text = item.partition("@")
        try:
            level = AwardLevel.parse(level_text, key)
        except InvalidRecordError:
            raise InvalidRecordError(key, item, "unknown award level; e.g. 一等功, 二等功@2023-05-01, 优秀士兵") from None
        out.append(Award(level=level, date=parse_date(date_text, key) if date_text.strip() else None))
    return tuple(out)


def _parse_money(value: Any, key: str) -> Decimal:
    if isinstance(value, float):
        raise InvalidRecordError(key, value, "money must not be a float; give a string or Decimal")
    try:
        d = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidRecordError(key, value, "not a number") from None
    if d < 0 or not d.is_finite():
        raise InvalidRecordError(key, value, "must be a non-negative amount")
    return d


def _parse_int(value: Any, key: str, low: int, high: int) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise InvalidRecordError(key, value, "not a whole number") from None
    if not low <= n <= high:
        raise InvalidRecordError(key, value, f"must be between {low} and {high}")
    return n


def _parse_bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in {"1", "true", "yes", "是", "y"}:
        return True
    if s in {"0", "false", "no", "否", "n"}:
        return False
    raise InvalidRecordError(key, value, "expected 是/否 (yes/no)")


def person_from_record(record: Mapping[str, Any]) -> Person:
    """Build a :class:`Person` from a flat record; see the module docstring."""
    if not isinstance(record, Mapping):
        raise InvalidRecordError("record", None, f"expected a mapping of fields, got {type(record).__name__}")
    f, unknown = normalise_record(record)
    for required in ("id_number", "region"):
        if required not in f:
            raise InvalidRecordError(required, None, f"is required (header {FIELDS[required][0]} or {required})")

    def date_of(key: str) -> date | None:
        return parse_date(f[key], key) if key in f else None

    service = None
    service_keys = ("enlisted", "discharged", "service_type", "hardship", "education", "conscript_years", "discharge_hukou")
    if any(k in f for k in service_keys):
        if "enlisted" not in f:
            present = ", ".join(k for k in service_keys if k in f)
            raise InvalidRecordError("enlisted", None, f"is required when service fields are given ({present})")
        service = ServiceRecord(
            enlisted=parse_date(f["enlisted"], "enlisted"),
            discharged=date_of("discharged"),
            service_type=_enum_or_none(f, "service_type"),
            hardship=split_list(f["hardship"]) if "hardship" in f else (),
            education=_enum_or_none(f, "education"),
            conscript_years=_parse_int(f["conscript_years"], "conscript_years", 0, 80) if "conscript_years" in f else None,
            hukou_at_discharge=f.get("discharge_hukou"),
        )

    disability = None
    disability_keys = ("disability_grade", "disability_cause", "disability_date", "disability_approved", "disability_paid_monthly")
    if any(k in f for k in disability_keys):
        for k in ("disability_grade", "disability_cause"):
            if k not in f:
                raise InvalidRecordError(k, None, "is required when a disability is recorded (grade and cause)")
        disability = Disability(
            grade=f["disability_grade"],
            cause=f["disability_cause"],
            assessed=date_of("disability_date"),
            mental_disorder=_parse_bool(f["mental_disorder"], "mental_disorder") if "mental_disorder" in f else False,
            approved=date_of("disability_approved"),
            paid_monthly=_money_or_none(f, "disability_paid_monthly"),
        )

    tie = None
    tie_keys = ("relation", "member_death_date", "member_awards", "member_monthly_pay", "survivor_confirmed", "survivor_pension_paid_monthly")
    if "survivor_of" in f or any(k in f for k in tie_keys):
        if "survivor_of" not in f:
            raise InvalidRecordError("survivor_of", None, "is required with relation/member fields (烈士, 因公牺牲, 病故 or 现役)")
        tie = FamilyTie(
            member_status=f["survivor_of"],
            relation=f.get("relation"),
            member_death_date=date_of("member_death_date"),
            member_awards=_parse_awards(f["member_awards"], "member_awards") if "member_awards" in f else (),
            member_monthly_pay=_parse_money(f["member_monthly_pay"], "member_monthly_pay") if "member_monthly_pay" in f else None,
            confirmed=date_of("survivor_confirmed"),
            pension_paid_monthly=_money_or_none(f, "survivor_pension_paid_monthly"),
        )

    try:
        return Person(
            # Not str(): an ID given as a number is refused by the validator (Excel keeps 15 digits).
            id_number=f["id_number"],
            name=str(f.get("name", "")),
            region=str(f["region"]),
            hukou=f.get("hukou"),
            sex=f.get("sex"),
            birth_date=date_of("birth_date"),
            categories=[Category.parse(c, "categories") for c in split_list(f["categories"])] if "categories" in f else (),
            service=service,
            awards=_parse_awards(f["awards"], "awards") if "awards" in f else (),
            disability=disability,
            family_tie=tie,
            death_date=date_of("death_date"),
            urban_pension=_parse_bool(f["urban_pension"], "urban_pension") if "urban_pension" in f else None,
            allowance_paid_monthly=_money_or_none(f, "allowance_paid_monthly"),
            extra=unknown,
            household=str(f["household"]) if "household" in f else None,
            address=str(f["address"]) if "address" in f else None,
            needy=_parse_bool(f["needy"], "needy") if "needy" in f else False,
        )
    except ShuangyongError:
        raise
    except (TypeError, ValueError) as e:  # a converter saw a value of the wrong type
        raise InvalidRecordError("record", None, f"{type(e).__name__}: {e}") from None


def _money_or_none(f: dict[str, Any], key: str) -> Decimal | None:
    return _parse_money(f[key], key) if key in f else None


def _enum_or_none(f: dict[str, Any], key: str) -> Any:
    return f.get(key)
