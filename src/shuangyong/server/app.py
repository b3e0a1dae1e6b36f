"""The FastAPI application: routes, error handling, the OpenAPI documents.

``create_app(config)`` returns the ASGI application (the FastAPI app wrapped in
:class:`~.guard.Guard`).  Computation endpoints are ``async`` and run on the
event loop — one person's entitlements take well under a millisecond, less
than a thread hand-off — and roster jobs run in the :class:`~.jobs.JobStore`
worker thread with an engine of their own.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import anyio
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from ..errors import ShuangyongError
from .config import ApiKey, KeyRing, ServerConfig
from .fast import EntitlementsWriter, LeanEntitlements
from .guard import BodyTooLarge, Guard
from .jobs import JobStore, readable_formats
from .masking import dumps_masked
from .models import (
    AssessRequest,
    AssessResponse,
    EntitlementsRequest,
    EntitlementsResponse,
    ExplainRequest,
    ExplainResponse,
    Health,
    PackList,
    ParameterList,
    ParameterValue,
    Problem,
    RankRequest,
    RankResponse,
    RosterJob,
    RuleList,
    SchemeList,
)
from .openapi30 import downgrade
from .problems import PROBLEM_JSON, log_unexpected, problem_body, problem_for_error

__all__ = ["create_app", "app_from_env", "API_VERSION"]

#: Version of the HTTP API itself (paths, fields); the engine and packs have their own.
API_VERSION = "1.0.0"

_CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/json-lines": "jsonl",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.apache.parquet": "parquet",
}


class JSON(Response):
    """UTF-8 JSON with Chinese kept readable; Decimals as strings (money never becomes a float)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=_default).encode("utf-8")


def _default(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    raise TypeError(f"not JSON: {type(v).__name__}")


def _problem(status: int, request: Request | None = None, **kw: Any) -> Response:
    headers = kw.pop("headers", None)
    body = problem_body(status, kw.pop("detail", ""), instance=request.url.path if request is not None else None, **kw)
    return Response(json.dumps(body, ensure_ascii=False).encode("utf-8"), status_code=status, media_type=PROBLEM_JSON,
                    headers=headers)


class _Refused(Exception):
    """Raised inside a route to answer with a problem document."""

    def __init__(self, status: int, detail: str, **kw: Any) -> None:
        self.status, self.detail, self.kw = status, detail, kw


def _decimals(v: Any) -> Any:
    # JSON numbers with a fraction arrive as floats; their shortest repr is the decimal the client wrote.
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, dict):
        return {k: _decimals(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decimals(x) for x in v]
    return v


def create_app(config: ServerConfig) -> Guard:
    """The ASGI application for ``config`` (see ``shuangyong serve``)."""
    from ..engine import Engine

    only = list(config.packs) if config.packs else None
    engine = Engine.from_plugins(only)
    keys = KeyRing(config.load_keys())
    if config.auth and not len(keys):
        raise ShuangyongError("no API keys: set SHUANGYONG_API_KEYS or give --api-keys FILE (or --insecure-no-auth for local tests)")
    pack_versions: dict[str, str] = {p.name: p.version for p in engine.packs}
    versions: dict[str, Any] = {"engine": engine.version, "packs": pack_versions}
    store = JobStore(config.job_dir, make_engine=lambda: Engine.from_plugins(only))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store.start()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(store.shutdown, config.job_grace_seconds)

    app = FastAPI(
        title="shuangyong HTTP API",
        version=API_VERSION,
        description=("优抚 entitlements, explanations, parameters, 双拥 assessment and 军转干部 ranking over HTTP. "
                     "Money is always a decimal string in 元. Send `Authorization: Bearer <key>`. "
                     "IDs and names are masked unless the key may reveal and the request asks. "
                     "Errors are application/problem+json (RFC 9457)."),
        openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan,
    )
    app.state.store = store
    app.state.engine = engine

    # -- helpers ---------------------------------------------------------------------------
    def key_of(request: Request) -> ApiKey | None:
        return request.scope.get("state", {}).get("api_key")

    def may_reveal(request: Request, asked: bool) -> bool:
        if not asked:
            return False
        key = key_of(request)
        if key is None or not key.reveal:
            raise _Refused(403, "this API key may not reveal ID numbers and names (reveal permission not granted)",
                           field="reveal", reason="not permitted for this key")
        return True

    def answer(data: dict[str, Any], reveal: bool = False, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        data["versions"] = versions
        text = json.dumps(data, ensure_ascii=False, default=_default) if reveal else dumps_masked(data, _default)
        return Response(text.encode("utf-8"), status_code=status, media_type="application/json", headers=dict(headers or {}))

    listings: dict[str, bytes] = {}

    def answer_once(name: str, build: Callable[[], dict[str, Any]]) -> Response:
        # A listing of what the engine has loaded (rules, packs, schemes, parameter names) cannot change
        # while the process runs: its answer is written once.
        body = listings.get(name)
        if body is None:
            body = listings[name] = bytes(answer(build()).body)
        return Response(body, media_type="application/json")

    from ..periods import parse_period
    from ..record import person_from_record

    def person_and_period(record: Mapping[str, Any], period: str) -> tuple[Any, Any]:
        return person_from_record(_decimals(dict(record))), parse_period(period)

    # -- error handling -------------------------------------------------------------------
    @app.exception_handler(_Refused)
    async def refused(request: Request, e: _Refused) -> Response:
        return _problem(e.status, request, detail=e.detail, **e.kw)

    @app.exception_handler(ShuangyongError)
    async def library_error(request: Request, e: ShuangyongError) -> Response:
        status, fields = problem_for_error(e)
        return _problem(status, request, **fields)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, e: RequestValidationError) -> Response:
        errors = []
        for err in e.errors():
            loc = [str(x) for x in err.get("loc", ()) if x not in ("body",)]
            errors.append({"field": ".".join(loc) or "body", "reason": str(err.get("msg", "invalid"))})
        first = errors[0] if errors else {"field": "body", "reason": "invalid"}
        return _problem(422, request, detail=f"{first['field']}: {first['reason']}", field=first["field"],
                        reason=first["reason"], errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, e: StarletteHTTPException) -> Response:
        return _problem(e.status_code, request, detail=str(e.detail), headers=getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, e: Exception) -> Response:
        if isinstance(e, BodyTooLarge):  # the guard has answered 413 already; not an error of the server
            return Response(status_code=413)
        log_unexpected(e, request.url.path)
        return _problem(500, request, detail="the server met an unexpected error; it has been logged (no personal data)")

    problems: dict[int | str, dict[str, Any]] = {
        s: {"model": Problem, "description": d, "content": {PROBLEM_JSON: {}}}
        for s, d in ((401, "no or invalid API key"), (403, "not allowed for this key (reveal)"), (404, "not found"),
                     (413, "body too large"), (422, "invalid input: field and reason"), (429, "rate limit"))
    }

    # -- one person -------------------------------------------------------------------------
    # The answer's text is written by one writer for both roads: this route, and the lean layer
    # (server/fast.py) that takes plain requests before FastAPI sees them.
    writer = EntitlementsWriter(versions, _default)
    rule_codes = frozenset(engine.rule_codes())

    @app.post("/entitlements", operation_id="computeEntitlements", response_model=EntitlementsResponse,
              responses=problems, tags=["entitlements"], summary="One person's entitlements for a period (every rule)")
    async def entitlements(body: EntitlementsRequest, request: Request) -> Response:
        reveal = may_reveal(request, body.reveal)
        person, period = person_and_period(body.record, body.period)
        if body.rules is not None:
            unknown = sorted(set(body.rules) - rule_codes)
            if unknown:
                raise _Refused(422, f"unknown rule code(s) {', '.join(unknown)}; GET /rules lists them",
                               field="rules", reason="unknown rule code")
        res = engine.entitlements(person, period, rules=body.rules)
        return Response(writer.answer(person, period, res, reveal), media_type="application/json")

    def lean_entitlements(record: dict[str, Any], period_text: str, rules: list[str] | None, reveal: bool,
                          key: ApiKey | None) -> bytes | None:
        if reveal and (key is None or not key.reveal):
            return None  # FastAPI answers the 403
        # The record is json.loads' own dict of str, int, bool and None values (plain_entitlements_request):
        # nothing for _decimals to convert, and person_from_record only reads it.
        person, period = person_from_record(record), parse_period(period_text)
        return writer.answer(person, period, engine.entitlements(person, period, rules=rules), reveal)

    @app.post("/explain", operation_id="explainEntitlements", response_model=ExplainResponse, responses=problems,
              tags=["entitlements"], summary="Explanations (versioned JSON and zh/en prose) of one person's results")
    async def explain(body: ExplainRequest, request: Request) -> Response:
        reveal = may_reveal(request, body.reveal)
        person, period = person_and_period(body.record, body.period)
        res = engine.entitlements(person, period)
        if body.rule:
            if body.rule not in res:
                raise _Refused(404, f"no rule {body.rule!r} applies to this person's region; rules: {', '.join(e.rule for e in res)}",
                               field="rule", reason="no such rule here")
            codes = [body.rule]
        else:
            codes = [e.rule for e in res if body.all or e.eligible] or [e.rule for e in res]
        exps = [engine.explain(person, period, c, reveal=reveal) for c in codes]
        return answer({"explanations": [x.to_dict() for x in exps], "text": [x.to_text(body.lang) for x in exps]}, reveal)

    # -- what is loaded --------------------------------------------------------------------
    @app.get("/parameters", operation_id="listParameters", response_model=ParameterList, responses=problems,
             tags=["parameters"], summary="Every parameter name with the jurisdictions that set it")
    async def list_parameters() -> Response:
        ps = engine.parameters
        return answer_once("parameters", lambda: {"parameters": [
            {"name": n, "jurisdictions": sorted(p.jurisdiction for p in ps.parameters(n))} for n in ps.names()]})

    @app.get("/parameters/{name}", operation_id="getParameter", response_model=ParameterValue, responses=problems,
             tags=["parameters"], summary="A parameter's value on a date for a region: value, level and source")
    async def get_parameter(name: str, region: str | None = Query(default=None, max_length=9, description="行政区划代码; default national"),
                            date_: str | None = Query(default=None, alias="date", max_length=10, description="YYYY-MM-DD; default today")) -> Response:
        from ..cli.main import _national
        from ..ids import NATIONAL, validate_region
        from ..record import parse_date

        on = parse_date(date_, "date") if date_ else date.today()
        ps = engine.parameters
        if name not in ps:
            raise _Refused(404, f"no parameter {name!r}; GET /parameters lists them", field="name", reason="unknown parameter")
        r = ps.lookup(name, validate_region(region), on) if region and region != NATIONAL else _national(ps, name, on)
        return answer(r.to_dict())

    @app.get("/rules", operation_id="listRules", response_model=RuleList, responses=problems, tags=["rules"],
             summary="Every registered rule: code, jurisdiction, pack, titles and basis")
    async def list_rules() -> Response:
        return answer_once("rules", lambda: {"rules": [
            {"code": r.code, "jurisdiction": r.jurisdiction, "pack": r.pack, "title": r.rule.title,
             "title_en": r.rule.title_en, "period": r.rule.period, "replaces": r.replaces, "extends": r.extends,
             "basis": r.rule.basis.to_dict(), "eligibility": r.rule.eligibility, "eligibility_en": r.rule.eligibility_en}
            for r in engine.registry.rules]})

    @app.get("/packs", operation_id="listPacks", response_model=PackList, responses=problems, tags=["rules"],
             summary="Installed rule packs with their rules, schemes and sources")
    async def list_packs() -> Response:
        def build() -> dict[str, Any]:
            rows = []
            for p in engine.packs:
                codes = sorted({(r.code, r.jurisdiction) for r in engine.registry.rules if r.pack == p.name})
                rows.append(p.to_dict() | {"rules": [f"{c}@{j}" for c, j in codes]})
            return {"packs": rows}
        return answer_once("packs", build)

    @app.get("/schemes", operation_id="listSchemes", response_model=SchemeList, responses=problems, tags=["scoring"],
             summary="Installed assessment and placement schemes")
    async def list_schemes() -> Response:
        def build() -> dict[str, Any]:
            reg = engine.registry
            rows = [{"kind": "assessment", "code": c, "pack": pk, "title": s.title, "partial": s.partial}
                    for c, (pk, s) in sorted(reg.schemes.items())]
            rows += [{"kind": "placement", "code": c, "pack": pk, "title": s.title, "partial": s.partial}
                     for c, (pk, s) in sorted(reg.placement_schemes.items())]
            return {"schemes": rows}
        return answer_once("schemes", build)

    # -- scoring -----------------------------------------------------------------------------
    @app.post("/assess", operation_id="assessEvidence", response_model=AssessResponse, responses=problems,
              tags=["scoring"], summary="Score evidence against an assessment scheme (双拥考评)")
    async def assess_(body: AssessRequest) -> Response:
        from ..assessment.schemes import compare

        card = engine.assess(body.scheme, _decimals(body.evidence))
        cmp = None
        if body.compare is not None:
            cmp = compare(engine.assess(body.scheme, _decimals(body.compare)), card).to_dict()
        return answer({"card": card.to_dict(), "comparison": cmp})

    @app.post("/rank", operation_id="rankOfficers", response_model=RankResponse, responses=problems, tags=["scoring"],
              summary="Rank 军转干部 by a placement scheme; with posts and preferences, allocate posts")
    async def rank_(body: RankRequest) -> Response:
        from ..errors import InvalidRecordError, SchemeError
        from ..placement.points import Officer, allocate, rank
        from ..record import parse_date

        if (body.posts is None) != (body.preferences is None):
            raise SchemeError("give posts and preferences together")
        scheme = engine.placement_scheme(body.scheme)
        officers = []
        for i, rec in enumerate(body.officers, start=1):
            try:
                officers.append(Officer.from_record(_decimals(rec)))
            except InvalidRecordError as e:
                raise InvalidRecordError(f"officers[{i}].{e.field}", e.value, e.reason) from None
        as_of = parse_date(body.as_of, "as_of") if body.as_of else None
        ranking = rank(officers, scheme, as_of=as_of)
        allocation = None
        if body.posts is not None and body.preferences is not None:
            allocation = allocate(ranking, _decimals(body.posts), body.preferences).to_dict()
        return answer({"ranking": ranking.to_dict(), "allocation": allocation})

    # -- roster jobs -----------------------------------------------------------------------------
    def job_view(st: dict[str, Any]) -> dict[str, Any]:
        base = f"/rosters/{st['id']}"
        return {k: st.get(k) for k in ("id", "state", "period", "format", "created", "started", "finished", "progress",
                                        "rows_in", "computed", "rejected", "total", "error")} | {
            "links": {"self": base, "results": base + "/results", "rejects": base + "/rejects", "summary": base + "/summary"}}

    def owned(request: Request, job_id: str) -> dict[str, Any]:
        st = store.state(job_id)
        key = key_of(request)
        if st is None or (config.auth and (key is None or st.get("owner") != key.name)):
            raise _Refused(404, "no such roster job for this key", field="id", reason="unknown job")
        return st

    upload_body = {"required": True, "content": {
        **{ct: {"schema": {"type": "string"}} for ct in ("text/csv", "application/x-ndjson")},
        **{ct: {"schema": {"type": "string", "format": "binary"}}
           for ct in ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.apache.parquet",
                      "application/octet-stream")},
    }}

    @app.post("/rosters", operation_id="createRosterJob", status_code=202, response_model=RosterJob,
              responses=problems | {415: {"model": Problem, "description": "unknown upload format", "content": {PROBLEM_JSON: {}}}},
              tags=["rosters"], openapi_extra={"requestBody": upload_body},
              summary="Upload a roster (CSV / JSON Lines / XLSX as the body); computed in the background")
    async def create_job(request: Request,
                         period: str = Query(max_length=40, description="2024, 2024-08 or 2024-03-01..2024-06-30"),
                         format: str | None = Query(default=None, pattern="^(csv|jsonl|xlsx|parquet)$",
                                                    description="upload format (default: from Content-Type)"),
                         region: str | None = Query(default=None, max_length=9, description="行政区划代码 for rows that give none"),
                         set_: list[str] = Query(default=[], alias="set", max_length=100,
                                                 description="what-if override NAME=VALUE[@DATE] (repeatable)")) -> Response:
        from ..roster.run import parse_override
        from ..ids import validate_region
        from ..periods import parse_period

        parse_period(period)
        if region:
            validate_region(region, "region")
        for s in set_:
            parse_override(s)
        if format is None:
            ctype = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
            format = _CONTENT_TYPES.get(ctype)
            if format is None:
                raise _Refused(415, f"say what the upload is: Content-Type text/csv, application/x-ndjson or the XLSX type, "
                                    f"or ?format=csv|jsonl|xlsx (got {ctype or 'none'})", field="format", reason="unknown upload format")
        if format not in readable_formats():
            raise _Refused(415, f"{format} rosters are not readable by this installation (Parquet needs the arrow extra)",
                           field="format", reason="format not installed")
        key = key_of(request)
        job_id, tmp = store.new_upload(format)
        size = 0
        try:
            # Streamed to disk as it arrives (the guard has already cut off anything over the key's limit);
            # uvicorn hands over small chunks, so writing them on the event loop is cheap.
            with open(tmp, "wb") as fh:
                async for chunk in request.stream():
                    size += len(chunk)
                    fh.write(chunk)
        except BaseException:  # client gone, cut off at the limit, or the server stopping: no job, no partial file
            store.discard(job_id)
            raise
        if size == 0:
            store.discard(job_id)
            raise _Refused(422, "the upload is empty", field="roster", reason="empty body")
        st = store.submit(job_id, key.name if key else "anonymous", format, period, region or None, list(set_), versions, size)
        return answer(job_view(st), status=202, headers={"Location": f"/rosters/{job_id}"})

    @app.get("/rosters/{job_id}", operation_id="getRosterJob", response_model=RosterJob, responses=problems,
             tags=["rosters"], summary="A roster job: state, progress, rows in / computed / rejected")
    async def get_job(job_id: str, request: Request) -> Response:
        return answer(job_view(owned(request, job_id)))

    @app.delete("/rosters/{job_id}", operation_id="deleteRosterJob", status_code=204, response_class=Response,
                responses=problems | {409: {"model": Problem, "description": "still queued or running", "content": {PROBLEM_JSON: {}}}},
                tags=["rosters"], summary="Delete a finished job and its result files")
    async def delete_job(job_id: str, request: Request) -> Response:
        owned(request, job_id)
        if not store.delete(job_id):
            raise _Refused(409, "the job is still queued or running; delete it when it has ended", field="state", reason="not ended")
        return Response(status_code=204)

    def finished(request: Request, job_id: str) -> dict[str, Any]:
        st = owned(request, job_id)
        if st["state"] != "done":
            reason = (st.get("error") or {}).get("reason", "") if st["state"] == "failed" else "not finished yet"
            raise _Refused(409, f"the job is {st['state']}: {reason}", field="state", reason=st["state"])
        return st

    table_content = {"text/csv": {"schema": {"type": "string", "format": "binary"}},
                     "application/x-ndjson": {"schema": {"type": "string", "format": "binary"}},
                     "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}}}
    media_types = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}

    def table(kind: str) -> Any:
        async def get_table(job_id: str, request: Request,
                            format: str = Query(default="csv", pattern="^(csv|jsonl|parquet)$",
                                                description="csv, jsonl or parquet (Parquet needs the arrow extra; amounts decimal128(18, 2))"),
                            ) -> Response:
            finished(request, job_id)
            if format == "parquet":
                from ..arrow import have_arrow

                if not have_arrow():
                    raise _Refused(415, "Parquet needs the arrow extra on the server", field="format", reason="format not installed")
            path = await anyio.to_thread.run_sync(store.result_file, job_id, kind, format)
            if path is None:
                raise _Refused(404, f"no {kind} file", field="format", reason="missing")
            return FileResponse(path, media_type=media_types[format], filename=f"{kind}-{job_id}.{format}")
        return get_table

    app.get("/rosters/{job_id}/results", operation_id="getRosterResults", tags=["rosters"], response_class=Response,
            responses=problems | {200: {"description": "result rows (IDs masked; amounts as decimal text)", "content": table_content},
                                  409: {"model": Problem, "description": "not done", "content": {PROBLEM_JSON: {}}}},
            summary="Result rows of a finished job (CSV, JSON Lines or Parquet)")(table("results"))
    app.get("/rosters/{job_id}/rejects", operation_id="getRosterRejects", tags=["rosters"], response_class=Response,
            responses=problems | {200: {"description": "rejected rows with field and reason (IDs masked)", "content": table_content},
                                  409: {"model": Problem, "description": "not done", "content": {PROBLEM_JSON: {}}}},
            summary="Rejected rows of a finished job (CSV, JSON Lines or Parquet)")(table("rejects"))

    @app.get("/rosters/{job_id}/summary", operation_id="getRosterSummary", tags=["rosters"],
             responses=problems | {200: {"description": "the run summary JSON (as `shuangyong entitle --summary` writes)",
                                         "content": {"application/json": {"schema": {"type": "object"}}}},
                                   409: {"model": Problem, "description": "not done", "content": {PROBLEM_JSON: {}}}},
             summary="Summary of a finished job: counts, reconciliation, totals per rule and category")
    async def get_summary(job_id: str, request: Request) -> Response:
        finished(request, job_id)
        with open(store.path(job_id) / "summary.json", encoding="utf-8") as fh:
            data = json.load(fh)
        return answer(data)

    # -- operations ---------------------------------------------------------------------------------
    @app.get("/healthz", operation_id="health", response_model=Health, tags=["operations"], summary="Liveness")
    async def health() -> Response:
        return answer({"status": "ok"})

    @app.get("/readyz", operation_id="ready", response_model=Health, tags=["operations"],
             responses={503: {"model": Problem, "description": "not ready", "content": {PROBLEM_JSON: {}}}},
             summary="Readiness: rules loaded, job worker running, job folder writable")
    async def ready() -> Response:
        if not store.ready():
            raise _Refused(503, "the roster job worker is not running or the job folder is not writable")
        return answer({"status": "ready"})

    from .ledger_api import add_ledger_routes

    add_ledger_routes(app, ledger=config.ledger, make_engine=lambda: Engine.from_plugins(only), answer=answer, key_of=key_of, refused=_Refused, auth=config.auth,
                      problems=problems, upload_body=upload_body, content_types=_CONTENT_TYPES, formats=readable_formats,
                      tmp_root=config.job_dir)

    spec = _spec(app)
    spec30 = downgrade(spec)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> Response:
        return JSON(spec)

    @app.get("/openapi-3.0.json", include_in_schema=False)
    async def openapi30() -> Response:
        return JSON(spec30)

    packs_header = ",".join(f"{n}={v}" for n, v in pack_versions.items())
    lean = LeanEntitlements(app, lean_entitlements, rule_codes)
    return Guard(lean, keys, (engine.version, packs_header), auth=config.auth, log_access=config.access_log)


_PUBLIC_OPS = {"health", "ready"}


def _spec(app: FastAPI) -> dict[str, Any]:
    """FastAPI's OpenAPI 3.1 document, with bearer security, problem+json errors and the public operations marked."""
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                      servers=[{"url": "http://127.0.0.1:8000", "description": "shuangyong serve (default address)"}])
    comps = doc.setdefault("components", {})
    comps.setdefault("securitySchemes", {})["bearerAuth"] = {"type": "http", "scheme": "bearer",
                                                             "description": "an API key: Authorization: Bearer <key>"}
    doc["security"] = [{"bearerAuth": []}]
    schemas = comps.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            if op.get("operationId") in _PUBLIC_OPS:
                op["security"] = []
            for status, resp in list(op.get("responses", {}).items()):
                content = resp.get("content") or {}
                if "application/json" in content and ("HTTPValidationError" in json.dumps(content["application/json"])):
                    resp["content"] = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
                    resp["description"] = "invalid input: field and reason"
                elif PROBLEM_JSON in content and "application/json" in content:
                    # FastAPI puts the model under application/json; errors are problem+json only.
                    resp["content"] = {PROBLEM_JSON: content["application/json"]}
    return doc


def app_from_env() -> Guard:
    """The application for a uvicorn worker process started by ``shuangyong serve`` (settings in the environment)."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return create_app(ServerConfig.from_env())
