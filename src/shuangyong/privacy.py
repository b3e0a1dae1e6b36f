"""Masking personal data: the one place that decides what of a person may be printed.

Every value a roster run, an error, a summary, a log line or a ``repr`` echoes passes through one of
these functions.  They recognise personal data by its *shape*, not by the column it came from,
because a roster whose columns are swapped puts 身份证号 under 姓名 and names under 伤残等级:

* **ID-shaped** — 15 to 18 characters of digits (any script's decimal digits: ０-９, ٠-٩ …) with an
  optional final ``X``: shown as ``4228**********123X`` (first four and last four kept).  Only a real
  ID shape is masked this way; any other string is never shown "first and last four".
* **long digit runs** — 11 or more digits that are not ID-shaped (bank accounts, phone numbers):
  only the last four digits are kept.
* **name-shaped** — a whole cell of two to five Han characters (a middle dot allowed, as in
  少数民族 names) that is not a word of the library's own vocabulary (伤残等级 values, categories,
  column headers …): the first character kept, ``张三丰`` → ``张**``.
* anything else in a cell that came from a row is shown only as an **excerpt**: short cells as they
  are (with the shapes above masked inside them), long ones cut after a few characters.

``reveal=True`` is the single opt-in that shows values in full (``--reveal`` on the CLI); whoever
passes it is expected to record that it did (a roster run's summary carries ``"reveal": true``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

__all__ = [
    "mask_id_table",
    "is_id_shaped",
    "mask_account",
    "is_name_shaped",
    "mask_id_number",
    "mask_name",
    "mask_text",
    "mask_cell",
    "MASK",
]

#: The masking character.
MASK = "*"

# A run of digits that is ID-shaped: 15–18 characters, digits with an optional final X, not touching
# further digits (a 19-digit account number is a long digit run, not an ID with a digit too many).
_ID_RUN = re.compile(r"(?<!\d)(?:\d{14,17}[XxＸｘ]|\d{15,18})(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{11,}(?!\d)")
#: Both patterns above need 11 digits in a row: text without such a run is returned as it is, after one cheap scan
#: (the two substitutions cost about five times as much; the server sweeps every response body).
_ANY_LONG_RUN = re.compile(r"\d{11}")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME = re.compile(rf"^[{_HAN}](?:[{_HAN}]|[·•・．.](?=[{_HAN}])){{1,7}}$")
_HAN_RUN = re.compile(rf"[{_HAN}]{{2,}}")
# Words of a roster's own vocabulary by pattern, never names: grades (五级), posts and ranks (正团, 副营职,
# 排), awards (二等功), 民族 (汉族), places (来凤县, 翔凤镇).
_GRADE = re.compile(r"^(?:[一二三四五六七八九十]+级|[正副]?[军师旅团营连排班](?:级|职|长)?|[一二三四]等功|.{1,4}族|.{1,6}[省市县区镇乡村])$")

#: Longest cell excerpt shown from a row whose columns may be swapped.
EXCERPT = 24


def _ascii_digits(s: str) -> str:
    """Decimal digits of any script as ASCII (``٤٢`` → ``42``); other characters unchanged."""
    if s.isascii():
        return s
    return "".join(str(unicodedata.digit(c)) if c.isdecimal() else c for c in s)


def is_id_shaped(value: object) -> bool:
    """True when ``value`` as a whole looks like a 身份证号: 15–18 digits/``X`` (spaces ignored).

    Digits of any script count (a 身份证号 typed with full-width or Arabic-Indic digits is still
    one).  No check character or date is verified: the shape alone is personal data.
    """
    if value is None or isinstance(value, bool):
        return False
    s = re.sub(r"\s+", "", str(value))
    return bool(_ID_RUN.fullmatch(s))


def _mask_id_shape(s: str) -> str:
    s = _ascii_digits(s).upper().replace("Ｘ", "X")
    return s[:4] + MASK * (len(s) - 8) + s[-4:]


def mask_id_number(value: object, reveal: bool = False) -> str:
    """A 公民身份号码 as ``4228**********123X``.

    Only an ID-shaped value (:func:`is_id_shaped`) keeps its first and last four characters; any
    other value is masked whole (one ``*`` per character, at most 18), so a name or an account
    number typed into the ID column is never half shown.
    """
    if value is None:
        return ""
    if (not reveal and type(value) is str and len(value) == 18 and value.isascii() and value[:17].isdigit()
            and (value[17].isdigit() or value[17] == "X")):
        return value[:4] + MASK * 10 + value[-4:]  # a canonical ID (the usual case): no expression needed
    s = re.sub(r"\s+", "", str(value))
    if reveal:
        return s
    if _ID_RUN.fullmatch(s):
        return _mask_id_shape(s)
    return MASK * min(len(s), 18)


def mask_id_table(np: Any, text: str, n: int) -> Any:
    """``n`` canonical IDs written one after another (18 ASCII characters each) as an (n, 18) byte table, each
    masked as :func:`mask_id_number` masks one: its first and last four characters kept, ten ``*`` between.
    The writers that put 10⁶ masked IDs together as arrays take them from here."""
    table = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(n, 18).copy()
    table[:, 4:14] = ord(MASK)
    return table


def mask_name(value: object, reveal: bool = False) -> str:
    """A name with only its first character kept: ``张三丰`` → ``张**``.

    An ID-shaped value is masked as an ID (a swapped column must not leak through the name mask).
    """
    s = "" if value is None else str(value).strip()
    if reveal or not s:
        return s
    if is_id_shaped(s):
        return mask_id_number(s)
    return s[:1] + MASK * (len(s) - 1)


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Han words of the library's own vocabulary: enum labels and aliases, column headers.

    A cell holding one of these is not a name.  (Imported late: model imports ids, which imports us.)
    """
    from . import model
    from .record import FIELDS

    words: set[str] = set()
    for obj in vars(model).values():
        if isinstance(obj, type) and issubclass(obj, model.LabelledEnum) and obj is not model.LabelledEnum:
            for m in obj:
                words.add(m.label)
                words.update(m.aliases)  # type: ignore[attr-defined]
    for headers in FIELDS.values():
        words.update(headers)
    words.update({"合计", "总计", "小计", "是", "否", "无", "有", "农村", "城镇", "因战", "因公", "因病"})
    # Column headers offices use beside the record's own (carried with --keep, listed as unknown columns).
    words.update({"备注", "说明", "序号", "编号", "乡镇", "街道", "乡镇街道", "村", "村居", "社区", "村组", "住址", "地址",
                  "家庭住址", "户籍地址", "联系电话", "电话", "手机", "手机号", "银行账号", "银行卡号", "账号", "卡号",
                  "开户行", "开户银行", "户名", "金额", "发放金额", "标准", "单位", "工作单位", "民族", "年龄", "籍贯",
                  "职务", "部队", "部别", "类型", "状态", "审核", "审核人", "经办人", "日期", "时间", "所属乡镇"})
    return frozenset(words)


def is_name_shaped(value: object) -> bool:
    """True when ``value`` as a whole could be a person's name (2–8 Han characters, maybe a ``·``)
    and is not a word the library itself uses (五级, 因战, 烈士遗属, 身份证号 …)."""
    if not isinstance(value, str):
        return False
    s = value.strip()
    if not _NAME.match(s) or _GRADE.match(s):
        return False
    return s not in _vocabulary()


def mask_text(text: object, secrets: Iterable[object] = (), reveal: bool = False) -> str:
    """Free text (an error message, a reason raised in a pack's rule) with personal data masked.

    ID-shaped runs anywhere in the text become ``4228**********123X``, other runs of 11 or more
    digits keep their last four, and each of ``secrets`` (the person's own name and ID, when the
    caller knows them) is replaced by its mask wherever it occurs.
    """
    s = "" if text is None else str(text)
    if reveal or not s:
        return s
    for secret in secrets:
        v = "" if secret is None else str(secret).strip()
        if len(v) >= 2 and v in s:
            s = s.replace(v, mask_id_number(v) if is_id_shaped(v) else mask_name(v))
    if not _ANY_LONG_RUN.search(s):
        return s
    s = _ID_RUN.sub(lambda m: _mask_id_shape(m.group(0)), s)
    return _LONG_DIGITS.sub(lambda m: MASK * (len(m.group(0)) - 4) + _ascii_digits(m.group(0)[-4:]), s)


def mask_account(value: object, reveal: bool = False) -> str:
    """A bank account or card number with only its last four characters shown (``***************1234``)."""
    s = "" if value is None else str(value).strip()
    if reveal:
        return s
    if len(s) <= 4:
        return MASK * len(s)
    return MASK * (len(s) - 4) + s[-4:]


def mask_cell(value: object, reveal: bool = False) -> str:
    """A cell of a roster row as it may be printed in a reject, an error or a summary.

    For any column: an ID-shaped cell is masked as an ID, a name-shaped cell as a name, ID-shaped
    and long digit runs inside a longer cell are masked, and a cell longer than 24 characters is cut
    to an excerpt that says how long it was — never the whole cell of a row whose columns may be
    swapped.
    """
    if value is None:
        return ""
    s = str(value)
    if reveal:
        return s
    t = s.strip()
    if is_id_shaped(t):
        return mask_id_number(t)
    if is_name_shaped(t):
        return mask_name(t)
    masked = mask_text(t)
    if len(masked) > EXCERPT:
        # A long free-text cell: a few characters for orientation, every Han run cut to its first
        # character (a name can sit anywhere in it, with no separator to find it by).
        head = _HAN_RUN.sub(lambda m: mask_name(m.group(0)), masked[:EXCERPT // 2])
        return f"{head}…（共{len(t)}字）"
    # Inside a short cell, a name-shaped word between spaces or punctuation is masked too.
    parts = re.split(r"([\s,，;；、/|:：()（）]+)", masked)
    return "".join(mask_name(p) if is_name_shaped(p) else p for p in parts)
