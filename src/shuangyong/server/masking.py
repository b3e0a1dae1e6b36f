"""Masking for the HTTP server: the one place the server hides 身份证号 and names.

Every response body, problem detail and log line the server writes passes
through these functions.  They delegate to the library's masking
(:func:`shuangyong.ids.mask_id_number`, :func:`shuangyong.ids.mask_name`) so
the server masks exactly as the CLI and the roster files do; ``mask_text``
adds a fail-closed sweep for ID-shaped strings inside free text (an error
message that quotes a value, a URL path, a query string).
"""

# TODO(lead): rewire to shuangyong.privacy (mask_text / mask_id_number / mask_name) once i11-output is merged.

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ..ids import mask_id_number, mask_name

__all__ = ["mask_id_number", "mask_name", "mask_text", "mask_json", "dumps_masked", "may_hold_id", "ID_SHAPED"]

# 18 characters: 17 digits then a digit or X (either case, full-width forms too), not inside a longer digit run.
ID_SHAPED = re.compile(r"(?<![0-9０-９])[0-9０-９]{17}[0-9０-９XxＸｘ](?![0-9０-９])")


# A cheap test first: ASCII digits become "0", every other byte a space, and a run of 17 is looked for with
# a plain substring search (C speed); full-width digits (UTF-8 EF BC 90..99) send the text to the regex.
_DIGITS_ONLY = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_RUN = b"0" * 17
_FULLWIDTH_DIGIT = re.compile(rb"\xef\xbc[\x90-\x99]")


def may_hold_id(text: str) -> bool:
    """False only when ``text`` certainly holds nothing ID-shaped (no run of 17 digits, no full-width digit)."""
    b = text.encode("utf-8", "surrogatepass")
    return _RUN in b.translate(_DIGITS_ONLY) or _FULLWIDTH_DIGIT.search(b) is not None


def mask_text(text: str) -> str:
    """``text`` with every 18-character ID-shaped run masked as ``4228**********123X``."""
    if not text:
        return text
    return ID_SHAPED.sub(lambda m: mask_id_number(m.group(0)), text)


def mask_json(value: Any) -> Any:
    """A copy of a JSON-ready value with ``mask_text`` applied to every string (keys too).

    A whole number that reads as an ID (18 digits) becomes its masked text.
    """
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and ID_SHAPED.fullmatch(str(value)):
        return mask_id_number(str(value))
    if isinstance(value, dict):
        return {mask_text(k) if isinstance(k, str) else k: mask_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_json(v) for v in value]
    return value


def dumps_masked(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``value`` as JSON text with every ID-shaped value masked.

    The common case — nothing ID-shaped left, because the library already masked — costs one
    regular-expression scan of the text; only when something is found is the value walked.
    """
    text = json.dumps(value, ensure_ascii=False, default=default)
    if not may_hold_id(text) or ID_SHAPED.search(text) is None:
        return text
    return json.dumps(mask_json(value), ensure_ascii=False, default=default)
