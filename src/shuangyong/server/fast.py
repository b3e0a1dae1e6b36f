"""The hot path: ``POST /entitlements`` answered without FastAPI's per-request machinery.

FastAPI still declares the route (request and response models, so the OpenAPI documents do not
change) and still answers every request this layer does not take.  :class:`LeanEntitlements` sits
between :class:`~.guard.Guard` (keys, limits, versions headers, access log — unchanged) and the
FastAPI application and takes a ``POST /entitlements`` only when its body is plain: valid JSON of
exactly the shape :class:`~.models.EntitlementsRequest` accepts without coercion, for a person the
library accepts, for a key that may do what it asks.  Anything else — bad JSON, an unexpected type,
an unknown rule, ``reveal`` without the permission, a library error, a client that went away — is
handed to FastAPI with the body it has read replayed, so every refusal is FastAPI's own
problem+json answer, byte for byte.

:class:`EntitlementsWriter` writes the JSON answer (the one implementation: the FastAPI route uses
it too).  Each rule result is written from fragments cached per rule (the title part and the basis
part) around its few changing values; the masking sweep (:func:`shuangyong.privacy.mask_text`)
runs over the changing values only, the cached fragments having been swept once when cached.  The
whole result is cached per
Entitlement object (immutable; the engine hands out the same object for the same answer).  The
text is exactly ``json.dumps(answer, ensure_ascii=False)`` masked as ``dumps_masked`` masks it; when
anything would need masking the writer falls back to that generic path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from .guard import ASGIApp, Message, Receive, Scope, Send
from .masking import dumps_masked, mask_id_number, mask_name, mask_text

__all__ = ["EntitlementsWriter", "LeanEntitlements", "plain_entitlements_request"]

_FIELDS = frozenset({"record", "period", "rules", "reveal"})
_RECORD_VALUE_TYPES = (str, int, bool, type(None))
_CACHE_LIMIT = 4096


def _j(value: Any) -> str:
    """One JSON value as ``json.dumps(..., ensure_ascii=False)`` writes it."""
    if type(value) is str:
        return encode_basestring(value)  # type: ignore[no-any-return]
    return json.dumps(value, ensure_ascii=False)


class EntitlementsWriter:
    """The body of a ``POST /entitlements`` answer (UTF-8 JSON), masked unless ``reveal``."""

    def __init__(self, versions: Mapping[str, Any], default: Callable[[Any], Any]) -> None:
        self.versions = versions
        self.default = default
        versions_text = json.dumps(versions, ensure_ascii=False)
        self._versions_clean = mask_text(versions_text) == versions_text
        self._versions = b'], "versions": ' + versions_text.encode("utf-8") + b"}"
        # (rule, title, title_en) → '{"rule": …, "title": …, "title_en": …, "amount": '
        self._heads: dict[tuple[str, str, str], tuple[str, bool]] = {}
        # id(basis) → (basis, jurisdiction, pack, '}, "basis": {…}, "jurisdiction": …, "pack": …, "in_kind": ', clean)
        self._tails: dict[int, tuple[Any, str, str, str, bool]] = {}
        # id(entitlement) → (entitlement, its JSON, clean)
        self._results: dict[int, tuple[Any, bytes, bool]] = {}

    def answer(self, person: Any, period: Any, res: Any, reveal: bool) -> bytes:
        """The JSON answer for ``res`` (the person's entitlements over ``period``)."""
        composed = self._compose(person, period, res, reveal)
        if composed is not None:
            return composed
        # Something would be masked (or is unusual): the generic path.
        data = self.answer_dict(person, period, res, reveal)
        text = json.dumps(data, ensure_ascii=False, default=self.default) if reveal else dumps_masked(data, self.default)
        return text.encode("utf-8")

    def answer_dict(self, person: Any, period: Any, res: Any, reveal: bool) -> dict[str, Any]:
        """The answer as a JSON-ready dict (the reference the composed text equals)."""
        results = [{k: v for k, v in e.to_dict().items() if k != "period"} for e in res]
        return {
            "person": {"id_number": person.id_number if reveal else mask_id_number(person.id_number),
                       "name": person.name if reveal else mask_name(person.name), "region": person.region},
            "period": period.label, "total": str(res.total), "results": results, "versions": self.versions,
        }

    def _compose(self, person: Any, period: Any, res: Any, reveal: bool) -> bytes | None:
        if not (reveal or self._versions_clean):
            return None
        # The person's values, JSON-encoded, are swept for masking together (joined by a non-digit).
        person_values = [
            _j(person.id_number if reveal else mask_id_number(person.id_number)),
            _j(person.name if reveal else mask_name(person.name)),
            _j(person.region), _j(period.label), _j(str(res.total)),
        ]
        if not reveal:
            swept = "\n".join(person_values)
            if mask_text(swept) != swept:
                return None
        parts = ["".join(['{"person": {"id_number": ', person_values[0], ', "name": ', person_values[1], ', "region": ',
                          person_values[2], '}, "period": ', person_values[3], ', "total": ', person_values[4],
                          ', "results": [']).encode("utf-8")]
        results = self._results
        for e in res:
            # An Entitlement is immutable and the engine hands out the same object for the same answer.
            hit = results.get(id(e))
            if hit is None or hit[0] is not e:
                hit = self._result(e)
                if hit is None:
                    return None
            if not (reveal or hit[2]):
                return None
            parts.append(hit[1])
            parts.append(b", ")
        if parts[-1] == b", ":
            parts.pop()
        parts.append(self._versions)
        return b"".join(parts)

    def _result(self, e: Any) -> tuple[Any, bytes, bool] | None:
        """One rule result's JSON and whether the masking sweep leaves it as it is; None if unusual."""
        hk = (e.rule, e.title, e.title_en)
        head = self._heads.get(hk)
        if head is None:
            head = self._head(hk)
        basis = e.basis
        tail = self._tails.get(id(basis))
        if tail is None or tail[0] is not basis or tail[1] != e.jurisdiction or tail[2] != e.pack:
            tail = self._tail(basis, e.jurisdiction, e.pack)
        eligible = e.eligible
        if type(eligible) is not bool:
            return None
        vals = [_j(str(e.amount)), _j(e.status), _j(e.reason), _j(e.reason_en)]
        ik = e.in_kind
        vals.append("null" if ik is None else f'{{"description": {_j(ik.description)}, "description_en": {_j(ik.description_en)}}}')
        swept = "\n".join(vals)
        clean = head[1] and tail[4] and mask_text(swept) == swept
        text = "".join([head[0], vals[0], ', "eligible": true, "status": ' if eligible else ', "eligible": false, "status": ',
                        vals[1], ', "reason": ', vals[2], ', "reason_en": ', vals[3], tail[3], vals[4], "}"]).encode("utf-8")
        if len(self._results) >= _CACHE_LIMIT:
            self._results.clear()
        # The entry holds the result itself, so its id cannot be reused by another object while cached.
        entry = self._results[id(e)] = (e, text, clean)
        return entry

    def _head(self, key: tuple[str, str, str]) -> tuple[str, bool]:
        rule, title, title_en = key
        text = f'{{"rule": {_j(rule)}, "title": {_j(title)}, "title_en": {_j(title_en)}, "amount": '
        if len(self._heads) >= _CACHE_LIMIT:
            self._heads.clear()
        head = self._heads[key] = (text, mask_text(text) == text)
        return head

    def _tail(self, basis: Any, jurisdiction: str, pack: str) -> tuple[Any, str, str, str, bool]:
        text = (f', "basis": {json.dumps(basis.to_dict(), ensure_ascii=False, default=self.default)}, '
                f'"jurisdiction": {_j(jurisdiction)}, "pack": {_j(pack)}, "in_kind": ')
        if len(self._tails) >= _CACHE_LIMIT:
            self._tails.clear()
        # The entry holds the basis itself, so its id cannot be reused by another object while cached.
        tail = self._tails[id(basis)] = (basis, jurisdiction, pack, text, mask_text(text) == text)
        return tail


def plain_entitlements_request(data: Any, rule_codes: frozenset[str]) -> tuple[dict[str, Any], str, list[str] | None, bool] | None:
    """``(record, period, rules, reveal)`` when ``data`` is a request EntitlementsRequest takes as it is; else None.

    "As it is": the fields and types the model declares, within its limits, with no coercion
    (a float, a ``"true"`` for a flag, text that is not valid Unicode go to FastAPI, which says
    what is wrong or converts), and only known rule codes.
    """
    if type(data) is not dict or not data.keys() <= _FIELDS:
        return None
    record = data.get("record")
    period = data.get("period")
    if type(record) is not dict or type(period) is not str or len(period) > 40 or len(record) > 200 or not _unicode(period):
        return None
    for v in record.values():
        if type(v) not in _RECORD_VALUE_TYPES:
            return None
    rules = data.get("rules")
    if rules is not None:
        if type(rules) is not list or len(rules) > 100:
            return None
        for r in rules:
            if type(r) is not str or len(r) > 80 or r not in rule_codes:
                return None
    reveal = data.get("reveal", False)
    if type(reveal) is not bool:
        return None
    return record, period, rules, reveal


def _unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \\udXXX escape: pydantic refuses it in a str field
        return False
    return True


def _content_type_is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for k, v in headers:
        if k == b"content-type":
            return v.split(b";", 1)[0].strip().lower() == b"application/json"
    return False  # without Content-Type, what FastAPI does depends on its version (strict_content_type): let it


class LeanEntitlements:
    """ASGI layer answering plain ``POST /entitlements`` requests itself; see the module docstring.

    ``compute(record, period, rules, reveal, key)`` returns the answer's bytes, or None to let
    FastAPI answer (it is given the same body).
    """

    def __init__(self, app: ASGIApp, compute: Callable[[dict[str, Any], str, list[str] | None, bool, Any], bytes | None],
                 rule_codes: Iterable[str], path: str = "/entitlements") -> None:
        self.app = app
        self.compute = compute
        self.rule_codes = frozenset(rule_codes)
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("path") != self.path or scope.get("method") != "POST" or scope.get("root_path") or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: FastAPI sees the same
                await self.app(scope, _replay(chunks, receive, message), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        answer = None
        if _content_type_is_json(scope.get("headers") or ()):
            try:
                req = plain_entitlements_request(json.loads(body), self.rule_codes)
                if req is not None:
                    key = (scope.get("state") or {}).get("api_key")
                    answer = self.compute(*req, key)
            except Exception:  # noqa: BLE001 — FastAPI repeats the work and answers the error its own way
                answer = None
        if answer is None:
            await self.app(scope, _replay([body], receive, None), send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(answer)).encode("ascii")), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": answer})


def _replay(chunks: list[bytes], receive: Receive, last: Message | None) -> Receive:
    """A ``receive`` giving the body already read (as one message), then ``last`` if any, then the real one."""
    pending: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": last is not None}]
    if last is not None:
        pending.append(last)
    pending.reverse()

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replayed
