"""Errors as ``application/problem+json`` (RFC 9457): type, title, status, detail, and the field and reason.

No response ever carries a stack trace; every string is passed through
:func:`~shuangyong.server.masking.mask_text` first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import (
    EvidenceError,
    InvalidPeriodError,
    InvalidRecordError,
    ParameterNotFoundError,
    RosterError,
    SchemeError,
    ShuangyongError,
)
from .masking import mask_json, mask_text

__all__ = ["PROBLEM_JSON", "problem_body", "problem_bytes", "problem_for_error", "TITLES"]

PROBLEM_JSON = "application/problem+json"
_TYPE = "https://shuangyong.readthedocs.io/problems/"

log = logging.getLogger("shuangyong.server")

#: status → (type slug, title)
TITLES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "请求无法解析 Bad request"),
    401: ("unauthorized", "需要有效的 API 密钥 API key required"),
    403: ("forbidden", "此密钥无此权限 Not allowed for this key"),
    404: ("not-found", "未找到 Not found"),
    405: ("method-not-allowed", "不支持的方法 Method not allowed"),
    406: ("not-acceptable", "无法提供所请求的格式 Not acceptable"),
    409: ("conflict", "状态冲突 Conflict"),
    413: ("too-large", "请求体过大 Request body too large"),
    415: ("unsupported-media-type", "不支持的内容类型 Unsupported media type"),
    422: ("invalid-input", "输入无效 Invalid input"),
    429: ("rate-limited", "请求过于频繁 Too many requests"),
    500: ("internal-error", "服务器内部错误 Internal server error"),
    503: ("unavailable", "服务暂不可用 Service unavailable"),
}


def problem_body(status: int, detail: str, *, field: str | None = None, reason: str | None = None,
                 errors: Sequence[Mapping[str, Any]] = (), instance: str | None = None, slug: str | None = None,
                 versions: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The problem+json document (masked)."""
    default_slug, title = TITLES.get(status, ("error", "错误 Error"))
    body: dict[str, Any] = {"type": _TYPE + (slug or default_slug), "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if field is not None:
        body["field"] = field
    if reason is not None:
        body["reason"] = reason
    if errors:
        body["errors"] = [dict(e) for e in errors]
    if versions is not None:
        body["versions"] = dict(versions)
    return mask_json(body)  # type: ignore[no-any-return]


def problem_bytes(status: int, detail: str, **kw: Any) -> bytes:
    return json.dumps(problem_body(status, detail, **kw), ensure_ascii=False).encode("utf-8")


def problem_for_error(e: BaseException) -> tuple[int, dict[str, Any]]:
    """(status, fields) for a library error: the field and reason it already carries."""
    if isinstance(e, InvalidRecordError):
        return 422, {"field": e.field, "reason": e.reason, "detail": str(e)}
    if isinstance(e, InvalidPeriodError):
        return 422, {"field": "period", "reason": str(e), "detail": str(e)}
    if isinstance(e, ParameterNotFoundError):
        return 404, {"field": "name", "reason": str(e), "detail": str(e)}
    if isinstance(e, EvidenceError):
        return 422, {"field": "evidence", "reason": str(e), "detail": str(e)}
    if isinstance(e, SchemeError):
        text = str(e)
        return (404 if text.startswith("no ") else 422), {"field": "scheme", "reason": text, "detail": text}
    if isinstance(e, RosterError):
        return 422, {"field": "roster", "reason": str(e), "detail": str(e)}
    if isinstance(e, ShuangyongError):
        return 422, {"reason": str(e), "detail": str(e)}
    return 500, {"detail": "the server met an unexpected error; it has been logged (no personal data)"}


def log_unexpected(e: BaseException, where: str) -> None:
    """Log an unexpected exception masked: its type and message only (no traceback with values)."""
    log.error(json.dumps({"event": "error", "where": mask_text(where), "type": type(e).__name__,
                          "message": mask_text(str(e))[:500]}, ensure_ascii=False))
