"""Identifiers: 公民身份号码 and 行政区划代码.

公民身份号码 follows GB 11643-1999: 6 digits of region, 8 of birth date
(YYYYMMDD), 3 of sequence (odd = male, even = female) and one check
character computed with ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11; the
remainder indexes ``1 0 X 9 8 7 6 5 4 3 2``).  Only the 18-character form is
accepted; the 15-character form was retired in 2013.

行政区划代码 follows GB/T 2260: ``PPCCXX`` (province, prefecture, county),
optionally followed by a 3-digit township (乡镇/街道, GB/T 10114) code.  A
rule for a place falls back to the enclosing prefecture, province and then
the national rules; in the four municipalities (11 北京, 12 天津, 31 上海,
50 重庆) the middle level (``1201`` 市辖区 …) is a statistical grouping, not
a government, so the chain goes county → municipality → national.

Masking (:func:`mask_id_number`, :func:`mask_name`) lives in :mod:`shuangyong.privacy`
(re-exported here); it is used by every ``repr``, log line and error message in the library.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from datetime import date
from decimal import Decimal

from .errors import InvalidIdNumberError, InvalidRegionError
from .privacy import mask_id_number, mask_name  # the one masking family; kept importable from here

__all__ = [
    "NATIONAL",
    "PROVINCES",
    "MUNICIPALITIES",
    "check_character",
    "validate_id_number",
    "is_valid_id_number",
    "normalize_id_number",
    "fold_digits",
    "NUMERIC_ID_REASON",
    "id_birth_date",
    "id_sex_is_male",
    "mask_id_number",
    "mask_name",
    "validate_region",
    "is_valid_region",
    "fallback_chain",
    "region_level",
]

#: The jurisdiction code of the national rules.
NATIONAL = "national"

#: Province-level codes of GB/T 2260 with their short names.
PROVINCES: dict[str, str] = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门",
}

#: Municipalities directly under the central government: no prefecture level.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_SCIENTIFIC = re.compile(r"^[0-9]+(\.[0-9]*)?E\+?[0-9]+$")
_REGION_SHAPE = re.compile(r"^\d{6}(\d{3})?$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")

#: Why an ID given as a number (a JSON number, an XLSX number cell) is refused: a spreadsheet keeps 15
#: significant digits, so the last three are already lost and a rounded number may pass the check
#: character as another person's ID.
NUMERIC_ID_REASON = ("stored as a number; Excel keeps 15 digits — format the column as text"
                     "（以数字存储：Excel 只保留 15 位有效数字，请把该列设为文本格式）")


def fold_digits(text: str) -> str:
    """Every Unicode decimal digit as its ASCII digit (``٤٢`` → ``42``, ``４２`` → ``42``); other characters unchanged.

    IDs are compared only after this fold, so one 身份证号 written with Arabic-Indic, Devanagari or
    full-width digits is the same person as in ASCII (see ``docs/identifiers.md``).
    """
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


# -- 公民身份号码 ------------------------------------------------------------

def check_character(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for 17 digits.

    >>> check_character("11010519491231002")
    'X'
    """
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return _CHECK[total % 11]


def normalize_id_number(value: object) -> str | None:
    """Return the canonical form (stripped, full-width digits folded, upper ``X``) or ``None`` if invalid."""
    try:
        return validate_id_number(value)
    except InvalidIdNumberError:
        return None


def is_valid_id_number(value: object) -> bool:
    """True when ``value`` is a valid 18-character 公民身份号码; never raises."""
    return normalize_id_number(value) is not None


def validate_id_number(value: object, field: str = "id_number") -> str:
    """Validate a 公民身份号码 and return its canonical form.

    Raises :class:`InvalidIdNumberError` (with the value masked) when the
    length, characters, region, embedded birth date or check character is
    wrong.
    """
    if isinstance(value, (int, float, Decimal, numbers.Number)) and not isinstance(value, bool):
        raise InvalidIdNumberError(None, NUMERIC_ID_REASON, field)
    if not isinstance(value, str):
        raise InvalidIdNumberError(None, f"expected a string, got {type(value).__name__}", field)
    s = fold_digits(re.sub(r"\s+", "", value).translate(_FULLWIDTH)).upper()
    reason = _id_problem(s)
    if reason is not None:
        raise InvalidIdNumberError(mask_id_number(s), reason, field)  # masked only when shown
    return s


def _id_problem(s: str) -> str | None:
    """Why ``s`` (spaces removed, digits folded, upper case) is not a valid 公民身份号码, or ``None``."""
    if _SCIENTIFIC.match(s):  # 4.22827E+17: an Excel number cell exported to CSV
        return NUMERIC_ID_REASON
    if len(s) != 18:
        return f"must have 18 characters, has {len(s)}"
    if not _ID_SHAPE.match(s):
        return "must be 17 digits followed by a digit or X"
    if s[:2] not in PROVINCES:
        return f"region prefix {s[:2]} is not a province code"
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return "embedded birth date is not a real date"
    if s[17] != check_character(s[:17]):
        return "check character is wrong (GB 11643 / ISO 7064 MOD 11-2)"
    return None


def id_birth_date(id_number: str) -> date:
    """The birth date embedded in a (valid) 公民身份号码."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_sex_is_male(id_number: str) -> bool:
    """True when the sequence digit (17th character) is odd, i.e. male."""
    return int(id_number[16]) % 2 == 1


# -- 行政区划代码 -------------------------------------------------------------

def validate_region(value: object, field: str = "region") -> str:
    """Validate a 6-digit county (or 9-digit township) code and return it.

    The shape must be right and the first two digits must name a province;
    the library ships no full GB/T 2260 table, so a well-formed county code
    inside a real province is accepted.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidRegionError(None, f"expected a string, got {type(value).__name__}", field)
    s = re.sub(r"\s+", "", value).translate(_FULLWIDTH)
    if not _REGION_SHAPE.match(s):
        raise InvalidRegionError(s, "must be a 6-digit county code or a 9-digit township code", field)
    if s[:2] not in PROVINCES:
        raise InvalidRegionError(s, f"{s[:2]} is not a province code of GB/T 2260", field)
    if s[2:4] == "00" and s[4:6] != "00":
        raise InvalidRegionError(s, "a county code cannot have prefecture digits 00", field)
    if len(s) == 9 and s[4:6] == "00":
        raise InvalidRegionError(s, "a township code must extend a county code", field)
    return s


def is_valid_region(value: object) -> bool:
    """True when ``value`` is a valid region code; never raises."""
    try:
        validate_region(value)
    except InvalidRegionError:
        return False
    return True


def region_level(code: str) -> str:
    """``township``, ``county``, ``prefecture``, ``province`` or ``national``."""
    if code == NATIONAL:
        return "national"
    if len(code) == 9:
        return "township"
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "prefecture"
    return "county"


def fallback_chain(code: str) -> tuple[str, ...]:
    """The jurisdictions whose rules apply to ``code``, most specific first.

    >>> fallback_chain("422827")
    ('422827', '422800', '420000', 'national')
    >>> fallback_chain("120113001")
    ('120113001', '120113', '120000', 'national')
    """
    if code == NATIONAL:
        return (NATIONAL,)
    code = validate_region(code)
    chain: list[str] = []
    if len(code) == 9:
        chain.append(code)
        code = code[:6]
    province = code[:2] + "0000"
    prefecture = code[:4] + "00"
    chain.append(code)
    if code[:2] not in MUNICIPALITIES and prefecture not in chain:
        chain.append(prefecture)
    if province not in chain:
        chain.append(province)
    chain.append(NATIONAL)
    return tuple(chain)
