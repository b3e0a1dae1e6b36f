"""The HTTP API against a real ``shuangyong serve`` subprocess on a free localhost port."""

from __future__ import annotations

import csv
import io
import json
import socket
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from server_harness import KEY, REVEAL_KEY, SMALL_KEY, LiveServer, run_doc_curl_blocks  # noqa: E402

from shuangyong.cli.main import SAMPLE_ROSTER  # noqa: E402
from shuangyong.server.masking import ID_SHAPED  # noqa: E402

# A synthetic person (valid check character, not a real person): 八级 因战 disabled veteran, assessed 1989.
PERSON = {"身份证号": "422827196602070016", "姓名": "测试庚四二", "行政区划代码": "422827", "户籍": "城镇",
          "类别": "残疾军人", "伤残等级": "8", "伤残性质": "因战", "评残时间": "1989-05-21"}
FULL_ID = PERSON["身份证号"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("server")) as s:
        yield s


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def post(server: LiveServer, path: str, body: Any, key: str = KEY) -> Any:
    return httpx.post(server.url + path, json=body, headers=auth(key), timeout=30)


def wait_job(server: LiveServer, job_id: str, key: str = KEY, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = httpx.get(f"{server.url}/rosters/{job_id}", headers=auth(key), timeout=10)
        st = r.json()
        assert r.status_code == 200 and "state" in st, (r.status_code, st, server.log()[-2000:])
        if st["state"] in ("done", "failed"):
            return st
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def assert_no_full_id(text: str) -> None:
    assert FULL_ID not in text
    assert not ID_SHAPED.search(text), ID_SHAPED.search(text)


# -- the contract -----------------------------------------------------------------------------


def test_openapi_is_public_31_with_a_30_copy(server: LiveServer) -> None:
    r = httpx.get(server.url + "/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    ops = [op["operationId"] for p in doc["paths"].values() for op in p.values()]
    assert len(ops) == len(set(ops))
    assert {"computeEntitlements", "explainEntitlements", "listParameters", "getParameter", "listRules", "listPacks",
            "assessEvidence", "rankOfficers", "createRosterJob", "getRosterJob", "getRosterResults", "getRosterRejects",
            "getRosterSummary", "deleteRosterJob", "health", "ready"} <= set(ops)
    total = doc["components"]["schemas"]["EntitlementsResponse"]["properties"]["total"]
    assert total["type"] == "string" and total["format"] == "decimal" and "pattern" in total
    amount = doc["components"]["schemas"]["RuleResult"]["properties"]["amount"]
    assert amount["type"] == "string"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    r30 = httpx.get(server.url + "/openapi-3.0.json")
    assert r30.status_code == 200 and r30.json()["openapi"] == "3.0.3"
    assert '"null"' not in r30.text  # 3.0 has no null type: nullable instead
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)
    validator.validate(r30.json())


def test_requests_without_a_valid_key_are_refused(server: LiveServer) -> None:
    doc = httpx.get(server.url + "/openapi.json").json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if op.get("security") == []:
                continue
            url = server.url + path.replace("{name}", "x").replace("{job_id}", "0" * 32)
            for headers in ({}, {"Authorization": "Bearer not-a-key-but-long-enough"}, {"Authorization": f"Basic {KEY}"}):
                r = httpx.request(method.upper(), url, headers=headers, json={})
                assert r.status_code == 401, (method, path, headers)
                assert r.headers["content-type"] == "application/problem+json"
                assert r.headers["www-authenticate"].startswith("Bearer")
                assert r.json()["status"] == 401


def test_entitlements_contract_and_hand_computed_amount(server: LiveServer) -> None:
    # 2022-03 lies under the table in force from 2021-08-01: 八级 因战 20330 元/年; one month = 20330 / 12
    # = 1694.1666… → 1694.17 (分, half up).
    r = post(server, "/entitlements", {"record": PERSON, "period": "2022-03"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"total", "results", "versions"}
    pension = next(x for x in body["results"] if x["rule"] == "disability_pension")
    assert pension["amount"] == "1694.17" and pension["eligible"] is True
    assert set(pension) >= {"rule", "amount", "eligible", "reason", "basis"}
    assert pension["basis"]["document"]
    assert Decimal(body["total"]) == sum(Decimal(x["amount"]) for x in body["results"] if x["eligible"] and x["in_kind"] is None)
    assert body["versions"]["engine"] and body["versions"]["packs"]["national"]
    assert r.headers["shuangyong-engine-version"] == body["versions"]["engine"]
    assert "national=" in r.headers["shuangyong-packs"]
    assert body["person"]["id_number"] == "4228**********0016"
    assert_no_full_id(r.text)
    assert "测试庚四二" not in r.text
    only = post(server, "/entitlements", {"record": PERSON, "period": "2022-03", "rules": ["disability_pension"]}).json()
    assert [x["rule"] for x in only["results"]] == ["disability_pension"] and only["total"] == "1694.17"
    bad = post(server, "/entitlements", {"record": PERSON, "period": "2022-03", "rules": ["no_such_rule"]})
    assert bad.status_code == 422 and bad.json()["field"] == "rules"
    # Money is never a JSON number anywhere in the answer.
    assert all(isinstance(x["amount"], str) for x in body["results"])


def test_entitlements_equal_the_library_for_a_year(server: LiveServer) -> None:
    import shuangyong as sy

    engine = sy.Engine.from_plugins()
    want = engine.entitlements(sy.Person.from_record(PERSON), sy.Period.year(2024))
    body = post(server, "/entitlements", {"record": PERSON, "period": "2024"}).json()
    assert body["total"] == str(want.total)
    assert {x["rule"]: x["amount"] for x in body["results"]} == {e.rule: str(e.amount) for e in want}


def test_parameter_lookup_and_amount_agree(server: LiveServer) -> None:
    r = httpx.get(server.url + "/parameters/disability_pension.annual_standard",
                  params={"region": "422827", "date": "2022-03-01"}, headers=auth())
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["value"]["8"]["因战"] == "20330" and p["level"] == "national" and p["source"]["document"]
    listing = httpx.get(server.url + "/parameters", headers=auth()).json()
    assert any(x["name"] == "disability_pension.annual_standard" for x in listing["parameters"])
    missing = httpx.get(server.url + "/parameters/no.such.thing", headers=auth())
    assert missing.status_code == 404 and missing.json()["field"] == "name"


def test_rules_packs_schemes(server: LiveServer) -> None:
    rules = httpx.get(server.url + "/rules", headers=auth()).json()["rules"]
    assert any(r["code"] == "disability_pension" and r["jurisdiction"] == "national" for r in rules)
    packs = httpx.get(server.url + "/packs", headers=auth()).json()["packs"]
    assert packs[0]["name"] == "national"
    schemes = httpx.get(server.url + "/schemes", headers=auth()).json()["schemes"]
    assert isinstance(schemes, list)


def test_explain_zh_en_and_versioned_json(server: LiveServer) -> None:
    en = post(server, "/explain", {"record": PERSON, "period": "2022-03", "rule": "disability_pension", "lang": "en"})
    assert en.status_code == 200, en.text
    body = en.json()
    x = body["explanations"][0]
    assert x["format"] == "shuangyong.explanation" and x["format_version"] >= 1 and x["amount"] == "1694.17"
    assert "1,694.17" in body["text"][0] and "Disability pension" in body["text"][0]
    zh = post(server, "/explain", {"record": PERSON, "period": "2022-03", "rule": "disability_pension"}).json()
    assert "残疾抚恤金" in zh["text"][0]
    assert_no_full_id(en.text + json.dumps(zh, ensure_ascii=False))
    bad = post(server, "/explain", {"record": PERSON, "period": "2022-03", "rule": "nope"})
    assert bad.status_code == 404 and bad.json()["field"] == "rule"


def test_reveal_needs_the_keys_permission(server: LiveServer) -> None:
    r = post(server, "/entitlements", {"record": PERSON, "period": "2024", "reveal": True})
    assert r.status_code == 403 and r.json()["field"] == "reveal"
    assert_no_full_id(r.text)
    shown = post(server, "/entitlements", {"record": PERSON, "period": "2024", "reveal": True}, key=REVEAL_KEY)
    assert shown.status_code == 200 and shown.json()["person"]["id_number"] == FULL_ID
    assert shown.json()["person"]["name"] == "测试庚四二"
    hidden = post(server, "/entitlements", {"record": PERSON, "period": "2024"}, key=REVEAL_KEY)
    assert_no_full_id(hidden.text)


def test_errors_are_problem_json_with_field_and_masked(server: LiveServer) -> None:
    bad_id = FULL_ID[:-1] + "9"  # wrong check character
    r = post(server, "/entitlements", {"record": {**PERSON, "身份证号": bad_id}, "period": "2024"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    p = r.json()
    assert p["field"] == "id_number" and "check character" in p["reason"]
    assert bad_id not in r.text and "Traceback" not in r.text
    r = post(server, "/entitlements", {"record": PERSON, "period": "2024-13"})
    assert r.status_code == 422 and r.json()["field"] == "period"
    r = post(server, "/entitlements", {"record": PERSON, "period": "2024", "surprise": 1})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "surprise"
    # A fractional JSON number is not a record value: amounts are decimal strings.
    r = post(server, "/entitlements", {"record": {**PERSON, "伤残等级": 8.5}, "period": "2024"})
    assert r.status_code == 422
    r = httpx.post(server.url + "/entitlements", content=b"{not json", headers={**auth(), "content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    r = httpx.post(server.url + "/explain", content=b"\xff\xfe\x00", headers={**auth(), "content-type": "application/json"})
    assert 400 <= r.status_code < 500 and r.headers["content-type"] == "application/problem+json"
    # An ID-shaped value echoed anywhere (here: a rule code) comes back masked.
    r = post(server, "/explain", {"record": PERSON, "period": "2024", "rule": FULL_ID})
    assert r.status_code == 404
    assert_no_full_id(r.text)


def test_access_log_is_structured_and_masked(server: LiveServer) -> None:
    httpx.get(f"{server.url}/parameters/{FULL_ID}", params={"region": FULL_ID}, headers=auth())
    post(server, "/entitlements", {"record": PERSON, "period": "2024"})
    time.sleep(0.3)
    lines = [json.loads(x) for x in server.log().splitlines() if x.startswith("{")]
    access = [x for x in lines if x.get("event") == "access"]
    assert any(x["path"].startswith("/parameters/4228") for x in access)
    assert all(set(x) >= {"method", "path", "status", "ms", "key"} for x in access)
    assert KEY not in server.log()
    assert_no_full_id(server.log())
    assert "测试庚四二" not in server.log()


def test_assess_and_rank(server: LiveServer) -> None:
    schemes = httpx.get(server.url + "/schemes", headers=auth()).json()["schemes"]
    assessment = [s["code"] for s in schemes if s["kind"] == "assessment"]
    placement = [s["code"] for s in schemes if s["kind"] == "placement"]
    if assessment:
        r = post(server, "/assess", {"scheme": assessment[0], "evidence": {}})
        assert r.status_code in (200, 422), r.text
        assert r.headers["content-type"].startswith("application/" + ("json" if r.status_code == 200 else "problem+json"))
    r = post(server, "/assess", {"scheme": "no-such-scheme", "evidence": {}})
    assert r.status_code == 404 and r.json()["field"] == "scheme"
    if placement:
        officers = [{"身份证号": FULL_ID, "姓名": "测试庚四二", "入伍时间": "1985-05-20", "转业时间": "2024-06-30"},
                    {"身份证号": "422827197001010023", "入伍时间": "1990-03-01", "转业时间": "2024-06-30"}]
        r = post(server, "/rank", {"scheme": placement[0], "officers": officers})
        assert r.status_code in (200, 422), r.text
        assert_no_full_id(r.text)
        if r.status_code == 200:
            assert len(r.json()["ranking"]["ranking"]) == 2


# -- limits -----------------------------------------------------------------------------------------


def _raw_request(server: LiveServer, head: str, body: bytes = b"", read: bool = True, timeout: float = 20) -> bytes:
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    try:
        s.sendall(head.encode("latin-1") + body)
        if not read:
            return b""
        out = b""
        while b"\r\n\r\n" not in out:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def test_oversized_upload_is_refused_before_it_is_read(server: LiveServer) -> None:
    # Content-Length says 1 GB; only the headers and a few bytes are sent, and the 413 comes back at once.
    head = (f"POST /rosters?period=2024 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: text/csv\r\nContent-Length: 1000000000\r\n\r\n")
    out = _raw_request(server, head, b"a,b\r\n")
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    # Without Content-Length (chunked), the upload is cut off once it passes the key's limit (4000 bytes).
    before = set(p.name for p in server.job_dir.iterdir()) if server.job_dir.exists() else set()

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):
            yield b"x" * 1000

    r = httpx.post(server.url + "/rosters", params={"period": "2024"}, content=chunks(),
                   headers={**auth(SMALL_KEY), "content-type": "text/csv"}, timeout=30)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    time.sleep(0.5)
    after = set(p.name for p in server.job_dir.iterdir())
    assert after == before  # the cut-off upload left no job and no partial file
    assert '"event": "error"' not in server.log()  # a refused body is not a server error
    # JSON endpoints have their own (smaller) limit.
    r = httpx.post(server.url + "/entitlements", json={"record": {**PERSON, "备注": "x" * 5000}, "period": "2024"},
                   headers=auth(SMALL_KEY))
    assert r.status_code == 413


def test_rate_limit_per_key(server: LiveServer) -> None:
    codes = [httpx.get(server.url + "/packs", headers=auth(SMALL_KEY)).status_code for _ in range(6)]
    assert 429 in codes
    r = next(httpx.get(server.url + "/packs", headers=auth(SMALL_KEY)) for _ in range(1))
    if r.status_code == 429:
        assert int(r.headers["retry-after"]) >= 1
    # Another key is not affected.
    assert httpx.get(server.url + "/packs", headers=auth()).status_code == 200


# -- roster jobs ------------------------------------------------------------------------------------


def test_roster_job_round_trip_equals_the_library(server: LiveServer) -> None:
    import shuangyong as sy

    data = SAMPLE_ROSTER.read_bytes()
    r = httpx.post(server.url + "/rosters", params={"period": "2024"}, content=data,
                   headers={**auth(), "content-type": "text/csv"}, timeout=60)
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/rosters/{job['id']}"
    st = wait_job(server, job["id"])
    assert st["state"] == "done", st
    want = sy.run_roster(sy.Engine.from_plugins(), SAMPLE_ROSTER, "2024")
    assert (st["rows_in"], st["computed"], st["rejected"]) == (want.rows_in, want.computed, want.rejected)
    assert st["total"] == str(want.total)
    res = httpx.get(f"{server.url}/rosters/{job['id']}/results", headers=auth())
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert len(rows) == want.computed
    assert sum(Decimal(x["total"]) for x in rows) == want.total
    assert_no_full_id(res.text)
    jl = httpx.get(f"{server.url}/rosters/{job['id']}/results", params={"format": "jsonl"}, headers=auth())
    recs = [json.loads(x) for x in jl.text.splitlines()]
    assert len(recs) == want.computed and all(isinstance(x["total"], str) for x in recs)
    rej = httpx.get(f"{server.url}/rosters/{job['id']}/rejects", params={"format": "jsonl"}, headers=auth())
    assert len(rej.text.splitlines()) == want.rejected
    assert_no_full_id(rej.text)
    summary = httpx.get(f"{server.url}/rosters/{job['id']}/summary", headers=auth()).json()
    assert summary["reconciled"] is True and summary["total"] == str(want.total) and summary["versions"]["engine"]
    # Jobs belong to the key that made them.
    assert httpx.get(f"{server.url}/rosters/{job['id']}", headers=auth(REVEAL_KEY)).status_code == 404
    assert httpx.delete(f"{server.url}/rosters/{job['id']}", headers=auth(REVEAL_KEY)).status_code == 404
    # Once the job has ended the upload (IDs and names in clear) is gone from disk; only masked results stay.
    folder = server.job_dir / job["id"]
    assert not list(folder.glob("input.*"))
    for f in folder.iterdir():
        assert_no_full_id(f.read_text("utf-8-sig"))
    # Parquet (the arrow extra): amounts exact decimal128(18, 2), the same rows and total.
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    res = httpx.get(f"{server.url}/rosters/{job['id']}/results", params={"format": "parquet"}, headers=auth())
    assert res.status_code == 200 and res.headers["content-type"] == "application/vnd.apache.parquet", res.text
    table = pq.read_table(io.BytesIO(res.content))
    assert table.num_rows == want.computed and table.schema.field("total").type == pa.decimal128(18, 2)
    assert table.schema.field("row").type == pa.int64()
    assert sum(table.column("total").to_pylist()) == want.total
    assert_no_full_id(" ".join(map(str, table.column("id_number").to_pylist())))
    assert httpx.delete(f"{server.url}/rosters/{job['id']}", headers=auth()).status_code == 204
    assert not folder.exists()
    assert httpx.get(f"{server.url}/rosters/{job['id']}", headers=auth()).status_code == 404


def test_roster_job_what_if_and_bad_options(server: LiveServer) -> None:
    data = SAMPLE_ROSTER.read_bytes()
    r = httpx.post(server.url + "/rosters", params={"period": "2024", "set": "no_such.parameter=1"}, content=data,
                   headers={**auth(), "content-type": "text/csv"})
    assert r.status_code in (202, 422)
    if r.status_code == 202:
        assert wait_job(server, r.json()["id"])["state"] == "failed"
    r = httpx.post(server.url + "/rosters", params={"period": "2024-99"}, content=data, headers={**auth(), "content-type": "text/csv"})
    assert r.status_code == 422 and r.json()["field"] == "period"
    r = httpx.post(server.url + "/rosters", params={"period": "2024"}, content=data, headers={**auth(), "content-type": "image/png"})
    assert r.status_code == 415
    r = httpx.post(server.url + "/rosters", params={"period": "2024", "format": "jsonl"}, content=b"{not json\n",
                   headers=auth())
    assert r.status_code == 202
    st = wait_job(server, r.json()["id"])
    assert st["state"] in ("done", "failed")
    if st["state"] == "failed":
        assert st["error"]["reason"] and "Traceback" not in json.dumps(st)
    else:
        assert st["rejected"] == st["rows_in"]
    nf = httpx.get(f"{server.url}/rosters/{'f' * 32}", headers=auth())
    assert nf.status_code == 404


def test_a_job_survives_the_client_going_away(server: LiveServer) -> None:
    data = SAMPLE_ROSTER.read_bytes()
    before = set(p.name for p in server.job_dir.iterdir())
    head = (f"POST /rosters?period=2024 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: text/csv\r\nContent-Length: {len(data)}\r\n\r\n")
    _raw_request(server, head, data, read=False)  # send everything, hang up without reading the answer
    deadline = time.monotonic() + 60
    new: set[str] = set()
    while time.monotonic() < deadline and not new:
        new = {p.name for p in server.job_dir.iterdir() if (p / "state.json").exists()} - before
        time.sleep(0.1)
    assert len(new) == 1
    st = wait_job(server, new.pop())
    assert st["state"] == "done" and st["rows_in"] == 308
    # Hanging up half-way through the upload leaves nothing behind.
    before = set(p.name for p in server.job_dir.iterdir())
    head = head.replace(f"Content-Length: {len(data)}", f"Content-Length: {len(data) * 2}")
    _raw_request(server, head, data, read=False)
    time.sleep(1.0)
    assert set(p.name for p in server.job_dir.iterdir()) == before


# -- the documentation's curl examples run against the live server ------------------------------------


def test_docs_curl_examples_run(server: LiveServer, tmp_path: Path) -> None:
    outputs = run_doc_curl_blocks(server.url, KEY, "curl", tmp_path)
    assert len(outputs) >= 4
    for out in outputs:
        assert_no_full_id(out)
    assert (tmp_path / "results.csv").stat().st_size > 0


def test_xlsx_and_jsonl_uploads_give_the_csv_answer(server: LiveServer, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    rows = list(csv.reader(io.StringIO(SAMPLE_ROSTER.read_text("utf-8-sig"))))
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    jsonl = "\n".join(json.dumps(dict(zip(rows[0], r)), ensure_ascii=False) for r in rows[1:]).encode("utf-8")
    states = []
    for content, ctype in ((path.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                           (jsonl, "application/x-ndjson"), (SAMPLE_ROSTER.read_bytes(), "text/csv")):
        r = httpx.post(server.url + "/rosters", params={"period": "2024"}, content=content,
                       headers={**auth(), "content-type": ctype}, timeout=60)
        assert r.status_code == 202, r.text
        states.append(wait_job(server, r.json()["id"]))
    assert all(s["state"] == "done" for s in states), states
    assert len({(s["rows_in"], s["computed"], s["rejected"], s["total"]) for s in states}) == 1
    r = httpx.post(server.url + "/rosters", params={"period": "2024", "format": "parquet"}, content=b"PAR1\x00PAR1",
                   headers=auth())
    assert r.status_code in (202, 415)  # 415 unless the installed roster reader takes Parquet


def test_roster_job_what_if_equals_the_library(server: LiveServer) -> None:
    import shuangyong as sy

    override = "disability_pension.annual_standard.8.因战=30000@2024-01-01"
    r = httpx.post(server.url + "/rosters", params={"period": "2024", "set": override}, content=SAMPLE_ROSTER.read_bytes(),
                   headers={**auth(), "content-type": "text/csv"}, timeout=60)
    assert r.status_code == 202, r.text
    assert wait_job(server, r.json()["id"])["state"] == "done"
    summary = httpx.get(f"{server.url}/rosters/{r.json()['id']}/summary", headers=auth()).json()
    want = sy.run_roster(sy.Engine.from_plugins(), SAMPLE_ROSTER, "2024", overrides=[override]).summary()["what_if"]
    assert summary["what_if"]["difference"] == want["difference"]
    assert (summary["what_if"]["gainers"], summary["what_if"]["losers"]) == (want["gainers"], want["losers"])
