"""Masking for the HTTP server: every response body, problem detail and log line passes through here.

It is a thin layer over the library's one masking family (:mod:`shuangyong.privacy`), so the server
masks exactly as the CLI and the roster files do; it adds only the walk over JSON values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ..privacy import mask_id_number, mask_name
from ..privacy import mask_text as _mask_text

__all__ = ["mask_id_number", "mask_name", "mask_text", "mask_json", "dumps_masked", "ID_SHAPED"]

# An ID given as a JSON number (15 or 18 digits; Unicode digits too).
ID_SHAPED = re.compile(r"(?<!\d)(?:\d{15}|\d{17}[\dXxＸｘ])(?!\d)")


def mask_text(text: str) -> str:
    """``text`` with ID-shaped runs and long digit runs masked (:func:`shuangyong.privacy.mask_text`)."""
    return _mask_text(text) if text else text


def mask_json(value: Any) -> Any:
    """A copy of a JSON-ready value with ``mask_text`` applied to every string (keys too).

    A whole number that reads as an ID (18 digits) becomes its masked text.
    """
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        # A whole number that reads as an ID becomes its masked text; any other long digit run (a negative
        # number, an account) is masked as text too — never passed through as a number.
        text = str(value)
        if ID_SHAPED.fullmatch(text):
            return mask_id_number(text)
        masked = _mask_text(text)
        return value if masked == text else masked
    if isinstance(value, dict):
        return {mask_text(k) if isinstance(k, str) else k: mask_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_json(v) for v in value]
    return value


def dumps_masked(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``value`` as JSON text with every ID-shaped value masked.

    The common case — nothing ID-shaped left, because the library already masked — costs one
    masking pass over the text; only when something would be masked is the value walked.
    """
    text = json.dumps(value, ensure_ascii=False, default=default)
    if _mask_text(text) == text:
        return text
    return json.dumps(mask_json(value), ensure_ascii=False, default=default)
