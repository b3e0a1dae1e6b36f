"""The lean ``POST /entitlements`` road (server/fast.py) against the FastAPI road, in process.

The same inputs — plain requests and every kind of refusal — are sent through the application as
``create_app`` builds it (the lean layer in front of FastAPI) and through a twin without the lean
layer; status, headers and body bytes must be the same.  The answer's writer is checked against the
generic encoding (``json.dumps`` + ``dumps_masked``) for every person of the sample roster.
"""

from __future__ import annotations

import asyncio
import copy
import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

pytest.importorskip("fastapi")

from server_harness import KEY, REVEAL_KEY, SMALL_KEY  # noqa: E402

from shuangyong.cli.main import SAMPLE_ROSTER  # noqa: E402
from shuangyong.server.config import ApiKey, ServerConfig  # noqa: E402

PERSON = {"身份证号": "422827196602070016", "姓名": "测试庚四二", "行政区划代码": "422827", "户籍": "城镇",
          "类别": "残疾军人", "伤残等级": "8", "伤残性质": "因战", "评残时间": "1989-05-21"}

KEYS = (ApiKey(key=KEY, name="county", rate_per_minute=10**6, burst=10**6),
        ApiKey(key=REVEAL_KEY, name="letters", reveal=True, rate_per_minute=10**6, burst=10**6),
        ApiKey(key=SMALL_KEY, name="small", rate_per_minute=10**6, burst=10**6, max_body_bytes=2000))


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    from shuangyong.server.app import create_app
    from shuangyong.server.fast import LeanEntitlements

    lean = create_app(ServerConfig(job_dir=str(tmp_path_factory.mktemp("jobs")), keys=KEYS, access_log=False))
    assert isinstance(lean.app, LeanEntitlements)
    plain = copy.copy(lean)
    plain.app = lean.app.app  # the FastAPI application itself, behind the same guard
    plain.buckets = {}
    return lean, plain


def call(app: Any, body: bytes | list[bytes], headers: list[tuple[bytes, bytes]], *, disconnect: bool = False,
         path: str = "/entitlements", method: str = "POST") -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    chunks = [body] if isinstance(body, bytes) else body
    messages: list[dict[str, Any]] = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1 or disconnect}
                                      for i, c in enumerate(chunks)]
    if disconnect:
        messages.append({"type": "http.disconnect"})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(0)
        return {"type": "http.disconnect"}

    async def send(m: dict[str, Any]) -> None:
        sent.append(m)

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": headers, "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000), "state": {}}
    asyncio.run(app(scope, receive, send))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    if not starts:
        return 0, [], b""
    return starts[0]["status"], list(starts[0]["headers"]), b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def headers_for(body: bytes, key: str | None = KEY, ctype: bytes | None = b"application/json") -> list[tuple[bytes, bytes]]:
    h = [(b"host", b"testserver"), (b"content-length", str(len(body)).encode())]
    if ctype is not None:
        h.append((b"content-type", ctype))
    if key is not None:
        h.append((b"authorization", f"Bearer {key}".encode()))
    return h


def j(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


CASES: list[tuple[str, bytes]] = [
    ("year", j({"record": PERSON, "period": "2024"})),
    ("month", j({"record": PERSON, "period": "2022-03"})),
    ("range", j({"record": PERSON, "period": "2024-03-01..2024-06-30"})),
    ("rules", j({"record": PERSON, "period": "2022-03", "rules": ["disability_pension"]})),
    ("no rules", j({"record": PERSON, "period": "2022-03", "rules": []})),
    ("rules null", j({"record": PERSON, "period": "2022-03", "rules": None, "reveal": False})),
    ("unknown rule", j({"record": PERSON, "period": "2022-03", "rules": ["no_such_rule"]})),
    ("rules not a list", j({"record": PERSON, "period": "2022-03", "rules": "disability_pension"})),
    ("too many rules", j({"record": PERSON, "period": "2022-03", "rules": ["disability_pension"] * 101})),
    ("long rule", j({"record": PERSON, "period": "2022-03", "rules": ["x" * 81]})),
    ("reveal", j({"record": PERSON, "period": "2024", "reveal": True})),
    ("reveal as text", j({"record": PERSON, "period": "2024", "reveal": "true"})),
    ("reveal as number", j({"record": PERSON, "period": "2024", "reveal": 1})),
    ("extra field", j({"record": PERSON, "period": "2024", "surprise": 1})),
    ("no period", j({"record": PERSON})),
    ("no record", j({"period": "2024"})),
    ("period a number", j({"record": PERSON, "period": 2024})),
    ("period too long", j({"record": PERSON, "period": "2024" * 11})),
    ("period invalid", j({"record": PERSON, "period": "2024-13"})),
    ("fraction", j({"record": {**PERSON, "伤残等级": 8.5}, "period": "2024"})),
    ("whole float", j({"record": {**PERSON, "伤残等级": 8.0}, "period": "2024"})),
    ("grade a number", j({"record": {**PERSON, "伤残等级": 8}, "period": "2024"})),
    ("id a number", j({"record": {**PERSON, "身份证号": 422827196602070016}, "period": "2024"})),
    ("huge number", j({"record": {**PERSON, "备注": 10**40}, "period": "2024"})),
    ("nested value", j({"record": {**PERSON, "备注": {"a": 1}}, "period": "2024"})),
    ("list value", j({"record": {**PERSON, "备注": [1]}, "period": "2024"})),
    ("null value", j({"record": {**PERSON, "备注": None}, "period": "2024"})),
    ("flag value", j({"record": {**PERSON, "备注": True}, "period": "2024"})),
    ("too many fields", j({"record": {**PERSON, **{f"x{i}": "1" for i in range(200)}}, "period": "2024"})),
    ("bad check character", j({"record": {**PERSON, "身份证号": PERSON["身份证号"][:-1] + "9"}, "period": "2024"})),
    ("id in a note", j({"record": {**PERSON, "备注": "see 422827196602070016"}, "period": "2024"})),
    ("english keys", j({"record": {"id_number": "422827196602070016", "region": "422827", "hukou": "城镇",
                                   "categories": "残疾军人", "disability_grade": 8, "disability_cause": "因战",
                                   "disability_date": "1989-05-21"}, "period": "2024"})),
    ("record a list", j({"record": [PERSON], "period": "2024"})),
    ("array", j([{"record": PERSON, "period": "2024"}])),
    ("null", b"null"),
    ("empty", b""),
    ("not json", b"{not json"),
    ("not utf-8", b"\xff\xfe\x00"),
    ("NaN", b'{"record": {"x": NaN}, "period": "2024"}'),
    ("surrogate in period", b'{"record": {}, "period": "2024\\ud800"}'),
    ("surrogate in record", ('{"record": %s, "period": "2024"}' % json.dumps({**PERSON, "备注": "a"})[:-1]
                             + ', "x": "\\udc00"}').encode("utf-8")),
    ("duplicate keys", ('{"record": %s, "period": "1999", "period": "2024"}' % json.dumps(PERSON)).encode("utf-8")),
    ("utf-16", json.dumps({"record": PERSON, "period": "2024"}).encode("utf-16")),
    ("empty record", j({"record": {}, "period": "2024"})),
]


@pytest.mark.parametrize("name, body", CASES, ids=[c[0] for c in CASES])
def test_lean_and_fastapi_answer_alike(apps: tuple[Any, Any], name: str, body: bytes) -> None:
    lean, plain = apps
    for key in (KEY, REVEAL_KEY):
        a, b = call(lean, body, headers_for(body, key)), call(plain, body, headers_for(body, key))
        assert a == b, (name, key, a[0], b[0], a[2][:300], b[2][:300])


@pytest.mark.parametrize("ctype", [None, b"application/json; charset=utf-8", b"Application/JSON", b"text/plain",
                                   b"application/vnd.api+json", b"application/x-www-form-urlencoded"])
def test_content_types_alike(apps: tuple[Any, Any], ctype: bytes | None) -> None:
    lean, plain = apps
    body = j({"record": PERSON, "period": "2024"})
    assert call(lean, body, headers_for(body, ctype=ctype)) == call(plain, body, headers_for(body, ctype=ctype))


def test_guard_refusals_and_other_roads_alike(apps: tuple[Any, Any]) -> None:
    lean, plain = apps
    body = j({"record": PERSON, "period": "2024"})
    for headers in (headers_for(body, key=None), headers_for(body, key="not-a-key-but-long-enough")):
        a = call(lean, body, headers)
        assert a == call(plain, body, headers) and a[0] == 401
    big = j({"record": {**PERSON, "备注": "x" * 5000}, "period": "2024"})
    a = call(lean, big, headers_for(big, SMALL_KEY))
    assert a == call(plain, big, headers_for(big, SMALL_KEY)) and a[0] == 413
    # No Content-Length: cut off as the bytes pass the limit, on both roads.
    chunked = [big[:1500], big[1500:3000], big[3000:]]
    h = [x for x in headers_for(big, SMALL_KEY) if x[0] != b"content-length"]
    a = call(lean, chunked, h)
    assert a == call(plain, chunked, h) and a[0] == 413
    # Other methods and paths are FastAPI's.
    for method, path in (("GET", "/entitlements"), ("POST", "/entitlements/"), ("PUT", "/entitlements")):
        assert call(lean, body, headers_for(body), method=method, path=path) == call(plain, body, headers_for(body), method=method, path=path)


def test_a_body_in_pieces_and_a_client_that_goes_away(apps: tuple[Any, Any]) -> None:
    lean, plain = apps
    body = j({"record": PERSON, "period": "2024"})
    pieces = [body[:7], body[7:100], body[100:]]
    a = call(lean, pieces, headers_for(body))
    assert a == call(plain, pieces, headers_for(body)) and a[0] == 200
    gone = call(lean, [body[:50]], headers_for(body), disconnect=True)
    assert gone == call(plain, [body[:50]], headers_for(body), disconnect=True)


def test_lean_answer_carries_versions_and_masks(apps: tuple[Any, Any]) -> None:
    from shuangyong.server.fast import LeanEntitlements

    lean, _ = apps

    async def not_fastapi(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("a plain request reached FastAPI")

    alone = copy.copy(lean)  # the lean layer with nothing behind it: a plain request never needs FastAPI
    alone.app = LeanEntitlements(not_fastapi, lean.app.compute, lean.app.rule_codes)
    body = j({"record": PERSON, "period": "2022-03"})
    status, headers, out = call(alone, body, headers_for(body))
    assert status == 200
    h = dict(headers)
    assert h[b"content-type"] == b"application/json" and int(h[b"content-length"]) == len(out)
    doc = json.loads(out)
    assert h[b"shuangyong-engine-version"].decode() == doc["versions"]["engine"]
    assert doc["person"]["id_number"] == "4228**********0016" and PERSON["身份证号"].encode() not in out
    assert "测试庚四二".encode() not in out
    assert next(x for x in doc["results"] if x["rule"] == "disability_pension")["amount"] == "1694.17"


# -- the writer against the generic encoding ---------------------------------------------------------------


class _Res(list):  # type: ignore[type-arg]
    total: Any = None


def _people() -> Iterator[Any]:
    from shuangyong.errors import ShuangyongError
    from shuangyong.record import person_from_record

    with open(SAMPLE_ROSTER, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                yield person_from_record({k: v for k, v in row.items() if v})
            except ShuangyongError:
                continue


def test_writer_equals_the_generic_encoding_for_the_sample_roster(tmp_path: Path) -> None:
    import shuangyong as sy
    from shuangyong.server.app import _default
    from shuangyong.server.fast import EntitlementsWriter
    from shuangyong.server.masking import dumps_masked

    engine = sy.Engine.from_plugins()
    versions = {"engine": engine.version, "packs": {p.name: p.version for p in engine.packs}}
    writer = EntitlementsWriter(versions, _default)
    people = list(_people())
    assert len(people) > 100
    periods = [sy.Period.year(2024), sy.Period.month(2022, 3), sy.parse_period("2023-11-15..2024-02-10")]
    for rounds in range(2):  # the second round answers from the writer's caches
        for person in people:
            for period in periods:
                res = engine.entitlements(person, period)
                for reveal in (False, True):
                    data = writer.answer_dict(person, period, res, reveal)
                    want = json.dumps(data, ensure_ascii=False, default=_default) if reveal else dumps_masked(data, _default)
                    assert writer.answer(person, period, res, reveal) == want.encode("utf-8"), (person.region, period.label)


def test_writer_masks_what_a_rule_lets_slip(tmp_path: Path) -> None:
    # A reason (or a basis) holding an ID-shaped run: the writer falls back to the generic masked encoding.
    import shuangyong as sy
    from shuangyong.record import person_from_record
    from shuangyong.server.app import _default
    from shuangyong.server.fast import EntitlementsWriter
    from shuangyong.server.masking import dumps_masked

    engine = sy.Engine.from_plugins()
    writer = EntitlementsWriter({"engine": "x", "packs": {}}, _default)
    person = person_from_record(dict(PERSON))
    period = sy.Period.year(2024)
    real = engine.entitlements(person, period)
    leaky = [attrs.evolve(real.items[0], reason=f"本人 {PERSON['身份证号']} 符合"),
             attrs.evolve(real.items[-1], basis=attrs.evolve(real.items[-1].basis, note="编号 12345678901234")),
             *real.items[1:-1]]
    for items in (leaky, [leaky[1]], [leaky[0]], real.items[1:-1]):
        res = _Res(items)
        res.total = real.total
        data = writer.answer_dict(person, period, res, False)
        got = writer.answer(person, period, res, False)
        assert got == dumps_masked(data, _default).encode("utf-8")
        assert PERSON["身份证号"].encode() not in got and b"12345678901234" not in got
        revealed = writer.answer(person, period, res, True)
        assert revealed == json.dumps(writer.answer_dict(person, period, res, True), ensure_ascii=False,
                                      default=_default).encode("utf-8")


def test_access_log_lines_alike(apps: tuple[Any, Any], caplog: pytest.LogCaptureFixture) -> None:
    import logging

    lean, plain = apps
    lines = []
    for app in (lean, plain):
        logged = copy.copy(app)
        logged.log_access = True
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="shuangyong.server.access"):
            for body in (j({"record": PERSON, "period": "2024"}), j({"record": PERSON, "period": "2024-13"})):
                call(logged, body, headers_for(body))
        got = [json.loads(r.getMessage()) for r in caplog.records if r.name == "shuangyong.server.access"]
        lines.append([{k: v for k, v in x.items() if k not in ("ts", "ms")} for x in got])
    assert lines[0] == lines[1] and [x["status"] for x in lines[0]] == [200, 422]
    assert all(x["key"] == "county" and x["bytes_in"] > 0 for x in lines[0])


_FIELD_NAMES = ["身份证号", "姓名", "行政区划代码", "户籍", "类别", "伤残等级", "伤残性质", "评残时间", "入伍时间", "退役时间",
                "服役类型", "义务兵役年限", "遗属类别", "死亡时间", "id_number", "region", "categories", "备注"]


def _records() -> Any:
    from hypothesis import strategies as st

    values = (st.none() | st.booleans() | st.integers(-10, 10**20) | st.floats(allow_nan=False, width=32)
              | st.sampled_from(["8", "八级", "因战", "因公", "城镇", "农村", "残疾军人", "1989-05-21", "2024-13-01", "422827",
                                 "422827196602070016", "4228271966020700161", "", " ", "义务兵", "烈士", "测试庚四二"])
              | st.text(max_size=12))
    return st.dictionaries(st.sampled_from(_FIELD_NAMES) | st.text(max_size=6), values, max_size=10).map(
        lambda extra: {**PERSON, **extra})


def test_lean_and_fastapi_answer_alike_for_generated_requests(apps: tuple[Any, Any]) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    lean, plain = apps
    periods = st.sampled_from(["2024", "2022-03", "2023-11-15..2024-02-10", "2024-13", "", "1900"]) | st.text(max_size=8)
    rules = st.none() | st.lists(st.sampled_from(["disability_pension", "survivor_pension", "no_such_rule"]), max_size=3)

    @settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
    @given(_records(), periods, rules, st.sampled_from([None, False, True]), st.sampled_from([KEY, REVEAL_KEY]))
    def check(record: dict[str, Any], period: str, rule_codes: list[str] | None, reveal: bool | None, key: str) -> None:
        req: dict[str, Any] = {"record": record, "period": period}
        if rule_codes is not None:
            req["rules"] = rule_codes
        if reveal is not None:
            req["reveal"] = reveal
        body = j(req)
        assert call(lean, body, headers_for(body, key)) == call(plain, body, headers_for(body, key))

    check()
