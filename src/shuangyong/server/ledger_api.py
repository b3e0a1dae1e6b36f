"""The ledger endpoints: ``POST /payments``, ``GET /payments/{period}``, ``POST /arrears``.

They use the ledger file given by ``shuangyong serve --ledger FILE`` (or ``SHUANGYONG_LEDGER``);
without one they still appear in the OpenAPI document and answer 404 "no ledger configured".

Paying is not safe to repeat blindly over a network, so ``POST /payments`` needs an
``Idempotency-Key`` header.  Keys are kept in a small table of the ledger file itself
(``api_idempotency``): the same key with the same request answers the stored first answer
without paying again; the same key with another request is refused (422).  The ledger's
own unique index is the last guard: a line is never paid twice whatever the keys say.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import Response

from .problems import PROBLEM_JSON

__all__ = ["add_ledger_routes", "IDEMPOTENCY_TABLE"]

#: The table (in the ledger file) remembering each Idempotency-Key's request digest and first answer.
IDEMPOTENCY_TABLE = "api_idempotency"

_MAX_KEY_LENGTH = 200
#: A key left ``pending`` this long is from a payment that was cut off (process killed): it may be tried again.
#: Trying again is safe — the ledger's unique index pays each (person, rule, month) once.
_STALE_PENDING_SECONDS = 600.0

_SCHEMA = f"""CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    state TEXT NOT NULL,          -- pending while paying, then done
    response TEXT,
    created REAL NOT NULL,
    PRIMARY KEY (owner, key)
)"""



def add_ledger_routes(app: FastAPI, *, ledger: str | None, make_engine: Callable[[], Any], answer: Callable[..., Response],
                      key_of: Callable[[Request], Any], refused: Callable[..., Exception], auth: bool,
                      problems: Mapping[int | str, Any], upload_body: Mapping[str, Any], content_types: Mapping[str, str],
                      formats: Callable[[], set[str]], tmp_root: str) -> None:
    """Mount the ledger endpoints on ``app`` (``refused(status, detail, **fields)`` builds the problem exception)."""
    # One ledger computation at a time in this process, on an engine of its own (the event loop's engine is not
    # shared with worker threads); the ledger's transactions guard across processes.
    lock = threading.Lock()
    engines: list[Any] = []

    def engine() -> Any:
        if not engines:
            engines.append(make_engine())
        return engines[0]
    errs = dict(problems) | {404: {"description": "no ledger configured", "content": {PROBLEM_JSON: {}}}}

    def need_ledger() -> str:
        if ledger is None:
            raise refused(404, "no ledger configured: start the server with `shuangyong serve --ledger FILE` "
                               "(or SHUANGYONG_LEDGER)", field="ledger", reason="no ledger configured")
        return ledger

    async def upload(request: Request, format: str | None) -> tuple[Path, str, str]:
        """The roster body streamed to a temporary file: (path, format, sha256 of the body)."""
        if format is None:
            ctype = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
            format = content_types.get(ctype)
            if format is None:
                raise refused(415, f"say what the upload is: Content-Type text/csv, application/x-ndjson or the XLSX type, "
                                   f"or ?format=csv|jsonl|xlsx (got {ctype or 'none'})", field="format", reason="unknown upload format")
        if format not in formats():
            raise refused(415, f"{format} rosters are not readable by this installation", field="format", reason="format not installed")
        os.makedirs(tmp_root, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".ledger-upload-", suffix="." + format, dir=tmp_root)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as fh:
                async for chunk in request.stream():
                    size += len(chunk)
                    digest.update(chunk)
                    fh.write(chunk)
        except BaseException:
            os.unlink(name)
            raise
        if size == 0:
            os.unlink(name)
            raise refused(422, "the upload is empty", field="roster", reason="empty body")
        return Path(name), format, digest.hexdigest()

    def owner_of(request: Request) -> str:
        key = key_of(request)
        return key.name if key is not None else "anonymous"

    def rejects_view(rejected: Any) -> list[dict[str, Any]]:
        return [r.to_dict() for r in rejected]

    # -- POST /payments ------------------------------------------------------------------------
    def pay_now(path: Path, fmt: str, period: str, region: str | None, owner: str, idem: str, digest: str) -> tuple[int, dict[str, Any]]:
        from ..ledger import open as open_ledger
        from ..periods import parse_period
        from ..roster import read_roster

        with lock, open_ledger(need_ledger()) as book:
            conn = book.connection
            conn.execute(_SCHEMA)
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(f"SELECT request_sha256, state, response, created FROM {IDEMPOTENCY_TABLE} WHERE owner = ? AND key = ?",
                                   (owner, idem)).fetchone()
                if row is not None and row[1] == "pending" and time.time() - row[3] > _STALE_PENDING_SECONDS and row[0] == digest:
                    conn.execute(f"UPDATE {IDEMPOTENCY_TABLE} SET created = ? WHERE owner = ? AND key = ?", (time.time(), owner, idem))
                    row = None
                elif row is None:
                    conn.execute(f"INSERT INTO {IDEMPOTENCY_TABLE} (owner, key, request_sha256, state, created) VALUES (?, ?, ?, 'pending', ?)",
                                 (owner, idem, digest, time.time()))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if row is not None:
                if row[0] != digest:
                    raise refused(422, "this Idempotency-Key was used with a different request; use a new key for a new payment",
                                  field="Idempotency-Key", reason="reused with a different body")
                if row[1] != "done":
                    raise refused(409, "a payment with this Idempotency-Key is still in progress (or was cut off); "
                                       "ask again shortly or check GET /payments/{period}", field="Idempotency-Key", reason="in progress")
                return 200, json.loads(row[2]) | {"replayed": True}
            try:
                run = book.pay(engine(), read_roster(path, format=fmt), parse_period(period), region=region,
                               operator=owner, note=f"POST /payments Idempotency-Key digest {hashlib.sha256(idem.encode()).hexdigest()[:12]}")
            except BaseException:
                with conn:
                    conn.execute(f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE owner = ? AND key = ?", (owner, idem))
                raise
            data = {"run_id": run.run_id, "period": run.period.label, "noop": run.noop, "lines_paid": run.lines_paid,
                    "lines_already_paid": run.lines_already_paid, "persons": run.persons, "total": str(run.total),
                    "withheld": run.withheld, "withheld_total": str(run.withheld_total), "rejects": len(run.rejected),
                    "rejected": rejects_view(run.rejected)}
            # Stored masked: a replay answers exactly what any later reader may see.
            from .masking import dumps_masked

            stored = dumps_masked(data, str)
            with conn:
                conn.execute(f"UPDATE {IDEMPOTENCY_TABLE} SET state = 'done', response = ? WHERE owner = ? AND key = ?",
                             (stored, owner, idem))
            return 201, json.loads(stored) | {"replayed": False}

    @app.post("/payments", operation_id="payRoster", status_code=201, responses=errs | {
                  400: {"description": "no Idempotency-Key header", "content": {PROBLEM_JSON: {}}},
                  403: {"description": "this API key may not pay", "content": {PROBLEM_JSON: {}}},
                  409: {"description": "a payment with this Idempotency-Key is in progress", "content": {PROBLEM_JSON: {}}},
                  200: {"description": "a replay: the stored first answer (nothing paid again)",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                  201: {"description": "paid: run id, lines paid, lines already paid, total (decimal string), rejects",
                        "content": {"application/json": {"schema": {"type": "object"}}}}},
              tags=["ledger"], openapi_extra={"requestBody": dict(upload_body)},
              summary="Pay a roster for whole months into the ledger (发放); needs Idempotency-Key and the pay permission")
    async def pay_roster(request: Request,
                         period: str = Query(max_length=40, description="whole months: 2025-08 or 2025-07-01..2025-09-30"),
                         format: str | None = Query(default=None, pattern="^(csv|jsonl|xlsx|parquet)$",
                                                    description="upload format (default: from Content-Type)"),
                         region: str | None = Query(default=None, max_length=9, description="行政区划代码 for rows that give none"),
                         idempotency_key: str | None = Header(default=None, alias="Idempotency-Key",
                                                              description="required: a fresh unique string per payment")) -> Response:
        from ..ids import validate_region
        from ..periods import parse_period

        need_ledger()
        key = key_of(request)
        if auth and (key is None or not getattr(key, "pay", False)):
            raise refused(403, "this API key may not record payments (pay permission not granted)", field="pay",
                          reason="not permitted for this key")
        if not idempotency_key or not idempotency_key.strip():
            raise refused(400, "POST /payments needs an Idempotency-Key header (a fresh unique string per payment), "
                               "so a retried request never pays twice", field="Idempotency-Key", reason="missing")
        if len(idempotency_key) > _MAX_KEY_LENGTH or not idempotency_key.isprintable():
            raise refused(400, f"Idempotency-Key must be printable and at most {_MAX_KEY_LENGTH} characters",
                          field="Idempotency-Key", reason="invalid")
        parse_period(period)
        if region:
            validate_region(region, "region")
        path, fmt, body_digest = await upload(request, format)
        digest = hashlib.sha256(json.dumps([body_digest, fmt, period, region or ""]).encode()).hexdigest()
        try:
            status, data = await anyio.to_thread.run_sync(pay_now, path, fmt, period, region or None, owner_of(request),
                                                          idempotency_key, digest)
        finally:
            path.unlink(missing_ok=True)
        return answer(data, status=status)

    # -- GET /payments/{period} ------------------------------------------------------------------
    @app.get("/payments/{period}", operation_id="getPaidTotal", responses=errs | {
                 200: {"description": "the net total paid for the period (decimal string, 元)",
                       "content": {"application/json": {"schema": {"type": "object"}}}}},
             tags=["ledger"], summary="Total paid from the ledger for a period (book.total_paid)")
    async def paid_total(period: str) -> Response:
        from ..ledger import open as open_ledger
        from ..periods import parse_period

        path = need_ledger()
        p = parse_period(period)

        def read() -> str:
            with open_ledger(path) as book:
                return str(book.total_paid(p))

        return answer({"period": p.label, "total_paid": await anyio.to_thread.run_sync(read)})

    # -- POST /arrears ---------------------------------------------------------------------------------
    @app.post("/arrears", operation_id="computeArrears", responses=errs | {
                  200: {"description": "underpaid and overpaid totals and lines (rule, period, amount, cause; persons masked)",
                        "content": {"application/json": {"schema": {"type": "object"}}}}},
              tags=["ledger"], openapi_extra={"requestBody": dict(upload_body)},
              summary="Compare what the rules give now with what the ledger paid (补发 / overpayment), through a month")
    async def arrears(request: Request,
                      through: str = Query(max_length=40, description="the last month: 2025-10"),
                      since: str | None = Query(default=None, max_length=40, description="the first month (default: the ledger's first)"),
                      format: str | None = Query(default=None, pattern="^(csv|jsonl|xlsx|parquet)$"),
                      region: str | None = Query(default=None, max_length=9)) -> Response:
        from ..ids import validate_region
        from ..ledger import open as open_ledger
        from ..periods import parse_period
        from ..roster import read_roster

        lp = need_ledger()
        t = parse_period(through)
        s = parse_period(since) if since else None
        if region:
            validate_region(region, "region")
        path, fmt, _ = await upload(request, format)

        def compute() -> dict[str, Any]:
            with lock, open_ledger(lp) as book:
                arr = book.arrears(engine(), read_roster(path, format=fmt), t, since=s, region=region or None)
                return {"through": t.label, "underpaid_total": str(arr.underpaid_total), "overpaid_total": str(arr.overpaid_total),
                        "lines": [x.to_dict() for x in arr]}

        try:
            data = await anyio.to_thread.run_sync(compute)
        finally:
            path.unlink(missing_ok=True)
        return answer(data)
