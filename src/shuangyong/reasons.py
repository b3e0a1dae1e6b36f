"""Reject reasons and field names in Chinese (default) or English: one table.

The library raises its errors with English reasons (they are also what a developer reads in a
traceback-free ``str(error)``); a roster run's rejects file and summary lines show them to a clerk,
in Chinese unless ``--locale en``.  :data:`REASONS` pairs each English reason (a regular expression
whose groups are the variable parts) with its Chinese wording; a reason no entry matches is shown
as it is, so nothing is ever hidden by a missing translation.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["REASONS", "PHRASES", "FIELD_TITLES", "reason_text", "field_title", "is_zh"]

#: (English reason as a regular expression, Chinese wording with ``{1}``, ``{2}`` … for its groups).
#: Searched in order; the first full match wins.  ``{value}`` parts are masked before they get here.
REASONS: tuple[tuple[str, str], ...] = (
    # 身份证号 (ids.py)
    (r"must have 18 characters, has (\d+)", "身份证号应为18位，实为{1}位"),
    (r"must be 17 digits followed by a digit or X", "身份证号应为17位数字加1位数字或X"),
    (r"region prefix (\d+) is not a province code", "身份证号前两位{1}不是省级行政区划代码"),
    (r"embedded birth date is not a real date", "身份证号中的出生日期不是真实日期"),
    (r"check character is wrong.*", "身份证号校验位错误（GB 11643）"),
    (r"expected a string, got (\w+)", "应为文本，实为{1}"),
    (r"stored as a number.*", "身份证号被存成了数字（Excel 只保留15位有效数字），请把该列设为文本格式"),
    (r"repeats the 身份证号 of row (\d+).*", "与第{1}行身份证号重复（只计算第一行）"),
    # 行政区划代码
    (r"must be a 6-digit county code or a 9-digit township code", "应为6位县级或9位乡级行政区划代码"),
    (r"(\d+) is not a province code of GB/T 2260", "{1}不是省级行政区划代码（GB/T 2260）"),
    (r"a county code cannot have prefecture digits 00", "县级代码的地级位不能为00"),
    (r"a township code must extend a county code", "乡级代码须在县级代码之后"),
    # fields of a record (record.py, model.py)
    (r"is required \(header (\S+) or \w+\)", "缺少必填项（列名 {1}）"),
    (r"is required when service fields are given.*", "填写了服役信息时必须填写入伍时间"),
    (r"is required when a disability is recorded.*", "填写了残疾信息时须同时填写伤残等级和伤残性质"),
    (r"is required with relation/member fields.*", "填写了遗属信息时须填写遗属类别（烈士、因公牺牲、病故或现役）"),
    (r"given twice with different values \(column (.+)\)", "同一项填了两次且不一致（列 {1}）"),
    (r"not a real date \((.*)\)", "不是真实的日期（{1}）"),
    (r"not a real month \((.*)\)", "不是真实的月份（{1}）"),
    (r"not a date; .*", "不是日期，请写成 YYYY-MM-DD、YYYY.MM.DD 或 YYYY年M月D日"),
    (r"unknown award level.*", "无法识别的立功受奖等级（如 一等功、二等功@2023-05-01、优秀士兵）"),
    (r"money must not be a float.*", "金额不能是浮点数"),
    (r"not a number", "不是数字"),
    (r"must be a non-negative amount", "金额不能为负"),
    (r"not a whole number", "不是整数"),
    (r"must be between (\S+) and (\S+)", "应在{1}到{2}之间"),
    (r"expected 是/否 \(yes/no\)", "应填 是 或 否"),
    (r"not a known (\w+); expected one of (.+)", "无法识别，应为以下之一：{2}"),
    (r"must be a grade from 1.*", "伤残等级应为一级至十级"),
    (r"disagrees with the birth date in the ID number.*", "与身份证号中的出生日期不一致"),
    (r"disagrees with the sex digit of the ID number.*", "与身份证号中的性别不一致"),
    (r"is before the birth date \((.+)\)", "早于出生日期（{1}）"),
    (r"must be a string", "应为文本"),
    (r"expected a mapping of fields, got (\w+)", "不是一行记录（实为 {1}）"),
    # rows of a file (roster.py, columns.py)
    (r"has (\d+) fields, the header has (\d+)", "本行有{1}个字段，表头有{2}个"),
    # rules (engine.py)
    (r"rule '([\w.]+)' failed: raised (\w+) on ([\d-]+): (.*)", "规则 {1} 计算出错（{3}，{2}）：{4}"),
    (r"rule '([\w.]+)' failed: returned (?:a |an )?(\w+), not an amount of money.*", "规则 {1} 的结果不是金额（返回了 {2}）"),
    (r"rule '([\w.]+)' failed: returned None.*", "规则 {1} 没有返回结果"),
    (r"rule '([\w.]+)' failed: (.*)", "规则 {1} 计算出错：{2}"),
    # what-if (batch.py)
    (r"the scenario failed: (.*)", "测算方案计算失败：{1}"),
)

#: Record keys and the summary's own columns with their Chinese titles (for ``--headers zh``).
FIELD_TITLES: dict[str, str] = {
    "row": "行号",
    "id_number": "身份证号",
    "name": "姓名",
    "field": "问题字段",
    "reason": "退回原因",
    "total": "合计金额",
    "record": "整行",
}

#: Python's own wording inside a reason (a date that does not exist …), in Chinese.
PHRASES: dict[str, str] = {
    "day is out of range for month": "该月没有这一天",
    "month must be in 1..12": "月份应在1到12之间",
    "year is out of range": "年份超出范围",
    "year 0 is out of range": "年份超出范围",
}

_VALUE = re.compile(r"^(.*) \(value (.*)\)$", re.S)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.S), zh) for p, zh in REASONS)


def is_zh(locale: str | None) -> bool:
    """True for a Chinese locale (the default)."""
    return not str(locale or "zh_CN").lower().startswith("en")


#: A reason that carries its own Chinese gloss at the end, ``English（中文）`` — the readers' convention
#: for reasons whose variable parts read the same in both languages (counts, columns, encodings).
_GLOSSED = re.compile(r"^(?P<en>.*?)（(?P<zh>[^（）]*[\u4e00-\u9fff][^（）]*)）$", re.S)


def reason_text(reason: str, locale: str = "zh_CN") -> str:
    """A reject reason in the locale: Chinese by the table (or the reason's own gloss), else as given (English)."""
    if not reason:
        return reason
    zh = is_zh(locale)
    value = ""
    if reason.endswith(")") and " (value " in reason:
        m = _VALUE.match(reason)
        if m:
            reason, value = m.group(1), m.group(2)
    glossed = _GLOSSED.match(reason)
    if glossed is not None and "（" not in glossed.group("en"):
        text = glossed.group("zh") if zh else glossed.group("en")
    elif not zh:
        text = reason
    else:
        text = _translate(reason)
    if not value:
        return text
    return f"{text}（值 {value}）" if zh else f"{text} (value {value})"


@lru_cache(maxsize=4096)
def _translate(reason: str) -> str:
    # Reasons repeat (a roster's rejects share a few dozen texts once their values are split off).
    for pattern, zh in _compiled():
        hit = pattern.fullmatch(reason)
        if hit:
            text = zh.format(None, *hit.groups())
            break
    else:
        text = reason
    for en, zh_phrase in PHRASES.items():
        text = text.replace(en, zh_phrase)
    return text


def field_title(key: str, locale: str = "zh_CN") -> str:
    """A record key (or reject field) as a column title: ``disability_grade`` → ``伤残等级``."""
    if not is_zh(locale):
        return key
    if key in FIELD_TITLES:
        return FIELD_TITLES[key]
    from .record import FIELDS

    headers = FIELDS.get(key)
    return headers[0] if headers else key
