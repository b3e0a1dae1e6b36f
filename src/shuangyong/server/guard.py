"""The ASGI layer in front of the application: API keys, rate and body limits, versions, access log.

It wraps the whole FastAPI application, so it sees every request first and
every response last:

* ``Authorization: Bearer <key>`` is required except on the public paths
  (``/openapi.json``, ``/openapi-3.0.json``, ``/healthz``, ``/readyz``);
  keys are compared in constant time (:class:`~.config.KeyRing`);
* each key has a token bucket (``rate_per_minute``, ``burst``) → ``429``;
* a body larger than the key's limit is refused with ``413`` at once when
  ``Content-Length`` says so, and otherwise as soon as the bytes received pass
  the limit — never after reading the whole upload;
* every response carries ``Shuangyong-Engine-Version`` and ``Shuangyong-Packs``;
* one JSON access-log line per request, masked (logger ``shuangyong.server.access``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .config import ApiKey, KeyRing
from .masking import mask_text
from .problems import PROBLEM_JSON, log_unexpected, problem_bytes

__all__ = ["Guard", "PUBLIC_PATHS", "UPLOAD_PATHS", "TokenBucket", "BodyTooLarge"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_PATHS = frozenset({"/openapi.json", "/openapi-3.0.json", "/healthz", "/readyz"})
#: Paths whose body is a roster file (the key's ``max_upload_bytes`` applies instead of ``max_body_bytes``).
UPLOAD_PATHS = frozenset({"/rosters", "/payments", "/arrears"})

access_log = logging.getLogger("shuangyong.server.access")

# Used when authentication is switched off (``--insecure-no-auth``, local development only).
_ANONYMOUS = ApiKey(key="-" * 16, name="anonymous")


class TokenBucket:
    """``rate`` tokens a minute, up to ``burst`` saved; ``take()`` → seconds to wait (0 = allowed)."""

    def __init__(self, rate_per_minute: int, burst: int) -> None:
        self.rate = rate_per_minute / 60.0
        self.capacity = float(max(1, burst))
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> float:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class BodyTooLarge(Exception):
    """Raised into the application when the body passes the key's limit (the 413 has already been sent)."""


class Guard:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, keys: KeyRing, versions_header: tuple[str, str], *, auth: bool = True,
                 log_access: bool = True) -> None:
        self.app = app
        self.keys = keys
        self.auth = auth
        self.log_access = log_access
        self.buckets: dict[str, TokenBucket] = {}
        engine, packs = versions_header
        self._headers = [(b"shuangyong-engine-version", engine.encode("ascii")), (b"shuangyong-packs", packs.encode("utf-8"))]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 0, "sent": False, "bytes_in": 0, "key": "-"}
        extra = self._headers

        async def send_out(message: Message) -> None:
            if message["type"] == "http.response.start":
                if state["sent"]:
                    return  # a response (e.g. 413) has already gone out: drop the app's
                state["sent"] = True
                state["status"] = message["status"]
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *extra]
            elif state["status"] and state.get("closed"):
                return
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                state["closed"] = True
            await send(message)

        try:
            await self._handle(scope, receive, send_out, state)
        except BodyTooLarge:
            pass
        except Exception as e:  # never a traceback to the client; log masked
            log_unexpected(e, scope.get("path", ""))
            if not state["sent"]:
                await self._problem(send_out, 500, "the server met an unexpected error; it has been logged (no personal data)")
        finally:
            if self.log_access:
                self._log(scope, state, time.perf_counter() - started)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, state: dict[str, Any]) -> None:
        path = scope.get("path", "")
        headers = scope.get("headers") or []
        key: ApiKey | None = None
        if path in PUBLIC_PATHS or scope.get("method") == "OPTIONS":
            key = None
        elif not self.auth:
            key = _ANONYMOUS
        else:
            presented = _bearer(headers)
            key = self.keys.find(presented) if presented is not None else None
            if key is None:
                detail = ("no API key: send Authorization: Bearer <key>" if presented is None
                          else "the API key is not valid")
                await self._problem(send, 401, detail, extra=[(b"www-authenticate", b'Bearer realm="shuangyong"')])
                return
            bucket = self.buckets.get(key.name)
            if bucket is None:
                bucket = self.buckets[key.name] = TokenBucket(key.rate_per_minute, key.burst)
            wait = bucket.take()
            if wait > 0:
                state["key"] = key.name
                await self._problem(send, 429, f"rate limit of {key.rate_per_minute} requests a minute for this key",
                                    extra=[(b"retry-after", str(max(1, int(wait + 0.999))).encode("ascii"))])
                return
        if key is not None:
            state["key"] = key.name
            scope.setdefault("state", {})["api_key"] = key
        limit = (key.max_upload_bytes if path in UPLOAD_PATHS else key.max_body_bytes) if key is not None else 1 << 16
        declared = _content_length(headers)
        if declared is not None and declared > limit:
            await self._problem(send, 413, f"the body ({declared} bytes) is larger than this key's limit of {limit} bytes")
            return

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["bytes_in"] += len(message.get("body", b""))
                if state["bytes_in"] > limit:
                    if not state["sent"]:
                        await self._problem(send, 413, f"the body is larger than this key's limit of {limit} bytes")
                    raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)

    @staticmethod
    async def _problem(send: Send, status: int, detail: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
        body = problem_bytes(status, detail)
        headers = [(b"content-type", PROBLEM_JSON.encode("ascii")), (b"content-length", str(len(body)).encode("ascii"))]
        if status == 413:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _log(scope: Scope, state: dict[str, Any], elapsed: float) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        query = scope.get("query_string", b"").decode("latin-1")
        client = scope.get("client") or ("-", 0)
        access_log.info(json.dumps({
            "event": "access", "ts": round(time.time(), 3), "client": client[0], "key": state["key"],
            "method": scope.get("method"), "path": mask_text(scope.get("path", "")),
            "query": mask_text(_unquote(query)), "status": state["status"], "bytes_in": state["bytes_in"],
            "ms": round(elapsed * 1000, 2),
        }, ensure_ascii=False))


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for k, v in headers:
        if k == b"authorization":
            scheme, _, token = v.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for k, v in headers:
        if k == b"content-length":
            try:
                return int(v)
            except ValueError:
                return None
    return None


def _unquote(q: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(q)
