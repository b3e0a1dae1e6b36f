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

import re
from typing import Any

from ..ids import mask_id_number, mask_name

__all__ = ["mask_id_number", "mask_name", "mask_text", "mask_json", "ID_SHAPED"]

# 18 characters: 17 digits then a digit or X (either case, full-width forms too), not inside a longer digit run.
ID_SHAPED = re.compile(r"(?<![0-9０-９])[0-9０-９]{17}[0-9０-９XxＸｘ](?![0-9０-９])")


def mask_text(text: str) -> str:
    """``text`` with every 18-character ID-shaped run masked as ``4228**********123X``."""
    if not text:
        return text
    return ID_SHAPED.sub(lambda m: mask_id_number(m.group(0)), text)


def mask_json(value: Any) -> Any:
    """A copy of a JSON-ready value with ``mask_text`` applied to every string (keys too)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {mask_text(k) if isinstance(k, str) else k: mask_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_json(v) for v in value]
    return value
