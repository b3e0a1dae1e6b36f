"""The ledger endpoints (POST /payments, GET /payments/{period}, POST /arrears) against a real ``shuangyong serve --ledger``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from server_harness import KEY, LiveServer, run_doc_curl_blocks  # noqa: E402

import shuangyong as sy  # noqa: E402
from shuangyong import ledger  # noqa: E402
from shuangyong.server.masking import ID_SHAPED  # noqa: E402

PAY_KEY = "test-key-payer-00004"
# A synthetic person (valid check character, not a real person): 八级 因战 disabled veteran.
PERSON = {"身份证号": "422827196602070016", "姓名": "测试庚四二", "行政区划代码": "422827", "户籍": "城镇",
          "类别": "残疾军人", "伤残等级": "8", "伤残性质": "因战", "评残时间": "1989-05-21"}
FULL_ID = PERSON["身份证号"]
# 退役军人部发〔2025〕42号 (from 2025-08-01): 八级 因战 残疾抚恤金 25416 元/年 → 25416 / 12 = 2118.00 元 a month.
AUGUST = Decimal("2118.00")


def roster_csv(*rows: dict[str, str]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(PERSON))
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


ROSTER = roster_csv(PERSON)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("ledger-server")
    (folder / "keys.toml").write_text(
        f'[[key]]\nkey = "{KEY}"\nname = "county"\nrate_per_minute = 100000\nburst = 100000\n\n'
        f'[[key]]\nkey = "{PAY_KEY}"\nname = "payer"\npay = true\nrate_per_minute = 100000\nburst = 100000\n',
        encoding="utf-8")
    with LiveServer(folder, "--ledger", str(folder / "county.db")) as s:
        yield s


def pay(server: LiveServer, period: str, body: bytes = ROSTER, key: str = PAY_KEY, idem: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "text/csv"}
    if idem is not None:
        headers["Idempotency-Key"] = idem
    return httpx.post(f"{server.url}/payments", params={"period": period}, content=body, headers=headers, timeout=60)


def assert_no_full_id(text: str) -> None:
    assert FULL_ID not in text
    assert not ID_SHAPED.search(text), ID_SHAPED.search(text)


def paid(server: LiveServer, period: str) -> str:
    r = httpx.get(f"{server.url}/payments/{period}", headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
    assert r.status_code == 200, r.text
    return str(r.json()["total_paid"])


def test_paying_needs_an_idempotency_key_and_the_pay_permission(server: LiveServer) -> None:
    before = paid(server, "2025-07")
    r = pay(server, "2025-07")
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == "Idempotency-Key"
    r = pay(server, "2025-07", key=KEY, idem="no-permission-1")
    assert r.status_code == 403, r.text
    assert r.json()["field"] == "pay"
    # Neither paid anything.
    assert paid(server, "2025-07") == before == "0.00"


def test_pay_replay_and_reuse(server: LiveServer, tmp_path: Path) -> None:
    first = pay(server, "2025-08", idem="aug-run-1")
    assert first.status_code == 201, first.text
    d = first.json()
    assert (d["lines_paid"], d["lines_already_paid"], d["rejects"], d["replayed"]) == (1, 0, 0, False)
    assert d["total"] == str(AUGUST) and isinstance(d["total"], str)
    assert_no_full_id(first.text)

    # The same as book.pay in the library on the same roster.
    with ledger.open(tmp_path / "same.db") as book:
        run = book.pay(sy.Engine.from_plugins(), [PERSON], sy.Period.month(2025, 8))
    assert run.total == AUGUST and d["lines_paid"] == run.lines_paid

    # Replay: the stored first answer, nothing paid again.
    again = pay(server, "2025-08", idem="aug-run-1")
    assert again.status_code == 200, again.text
    assert again.json() | {"replayed": False} == d
    assert again.json()["replayed"] is True
    # The same key with another request is refused.
    other = pay(server, "2025-09", idem="aug-run-1")
    assert other.status_code == 422, other.text
    assert other.json()["field"] == "Idempotency-Key"
    # A new key for the same roster and month: the ledger finds the line paid already.
    fresh = pay(server, "2025-08", idem="aug-run-2")
    assert fresh.status_code == 201, fresh.text
    assert (fresh.json()["lines_paid"], fresh.json()["lines_already_paid"], fresh.json()["total"]) == (0, 1, "0.00")

    assert paid(server, "2025-08") == str(AUGUST)


def test_arrears_through_a_month_not_paid(server: LiveServer) -> None:
    assert pay(server, "2025-08", idem="arrears-setup").status_code in (200, 201)
    r = httpx.post(f"{server.url}/arrears", params={"through": "2025-09", "since": "2025-08"}, content=ROSTER,
                   headers={"Authorization": f"Bearer {KEY}", "Content-Type": "text/csv"}, timeout=60)
    assert r.status_code == 200, r.text
    d = r.json()
    # August paid in full; September is owed one month: 2118.00.
    assert (d["underpaid_total"], d["overpaid_total"]) == (str(AUGUST), "0.00")
    assert [(x["rule"], x["period"], x["amount"], x["kind"]) for x in d["lines"]] == [
        (d["lines"][0]["rule"], "2025-09", str(AUGUST), "underpaid")]
    assert d["lines"][0]["cause"]
    assert_no_full_id(r.text)


def test_bad_roster_row_is_a_reject_with_a_masked_id(server: LiveServer) -> None:
    bad = dict(PERSON, 身份证号="110101199003070030", 伤残等级="99")
    r = pay(server, "2025-10", body=roster_csv(bad), idem="bad-row-1")
    assert r.status_code == 201, r.text
    assert r.json()["rejects"] == 1 and r.json()["lines_paid"] == 0
    assert "110101199003070030" not in r.text
    assert not ID_SHAPED.search(r.text)


def test_without_a_ledger_the_endpoints_answer_404_and_are_documented(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from shuangyong.server.app import create_app
    from shuangyong.server.config import ApiKey, ServerConfig

    app = create_app(ServerConfig(job_dir=str(tmp_path / "jobs"), keys=(ApiKey(key=PAY_KEY, name="payer", pay=True),)))
    with TestClient(app) as c:
        spec = c.get("/openapi.json").json()
        ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
        assert {"payRoster", "getPaidTotal", "computeArrears"} <= ops
        h = {"Authorization": f"Bearer {PAY_KEY}"}
        r = c.get("/payments/2025-08", headers=h)
        assert r.status_code == 404 and r.json()["reason"] == "no ledger configured"
        r = c.post("/payments?period=2025-08", content=ROSTER, headers=h | {"Idempotency-Key": "k1", "Content-Type": "text/csv"})
        assert r.status_code == 404
        r = c.post("/arrears?through=2025-08", content=ROSTER, headers=h | {"Content-Type": "text/csv"})
        assert r.status_code == 404
        assert json.dumps(r.json()).find(FULL_ID) < 0


def test_the_ledger_curl_examples_in_the_docs_run(server: LiveServer, tmp_path: Path) -> None:
    outputs = run_doc_curl_blocks(server.url, PAY_KEY, "curl-ledger", tmp_path)
    assert len(outputs) >= 2
    for out in outputs:
        assert_no_full_id(out)
        assert '"total' in out or "underpaid_total" in out


def test_pay_permission_and_ledger_setting_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shuangyong.cli.server import _ledger_path
    from shuangyong.errors import ShuangyongError
    from shuangyong.server.config import ENV_LEDGER, ServerConfig, load_api_keys

    f = tmp_path / "keys.toml"
    f.write_text(f'[[key]]\nkey = "{PAY_KEY}"\npay = true\n[[key]]\nkey = "{KEY}"\n', encoding="utf-8")
    assert [k.pay for k in load_api_keys(f, env={})] == [True, False]
    f.write_text(f'[[key]]\nkey = "{PAY_KEY}"\npay = "yes"\n', encoding="utf-8")
    with pytest.raises(ShuangyongError, match="pay must be true or false"):
        load_api_keys(f, env={})
    c = ServerConfig(job_dir=str(tmp_path), ledger=str(tmp_path / "county.db"))
    assert ServerConfig.from_env({"SHUANGYONG_SERVER_CONFIG": c.to_env()}).ledger == c.ledger
    monkeypatch.setenv(ENV_LEDGER, "from-env.db")
    assert _ledger_path(None) == str(Path("from-env.db").resolve())
    assert _ledger_path("given.db") == str(Path("given.db").resolve())
    monkeypatch.delenv(ENV_LEDGER)
    assert _ledger_path(None) is None
