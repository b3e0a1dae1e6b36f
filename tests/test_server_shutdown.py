"""Stopping the server during a roster job: SIGTERM finishes or fails the job, SIGKILL is recovered on restart.

Never may a job read as ``done`` while its result files are incomplete.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from server_harness import KEY, LiveServer  # noqa: E402

from shuangyong.ids import check_character  # noqa: E402

HEADER = "身份证号,行政区划代码,户籍,类别,伤残等级,伤残性质,评残时间\r\n"


def big_roster(n: int) -> bytes:
    """``n`` synthetic disabled veterans with distinct valid IDs (no real persons)."""
    out = io.StringIO()
    out.write(HEADER)
    born = date(1950, 1, 1)
    for i in range(n):
        d = born + timedelta(days=i // 400)
        first17 = f"422827{d:%Y%m%d}{i % 400 * 2 + 1:03d}"[:17]
        out.write(f"{first17}{check_character(first17)},422827,{'农村' if i % 2 else '城镇'},残疾军人,{i % 10 + 1},"
                  f"{'因战' if i % 3 else '因公'},20{10 + i % 10}-0{i % 9 + 1}-15\r\n")
    return out.getvalue().encode("utf-8")


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def submit(server: LiveServer, data: bytes) -> str:
    r = httpx.post(server.url + "/rosters", params={"period": "2024"}, content=data,
                   headers={**auth(), "content-type": "text/csv"}, timeout=120)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def wait_running(server: LiveServer, job_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if json.loads((server.job_dir / job_id / "state.json").read_text("utf-8"))["state"] != "queued":
            return
        time.sleep(0.05)
    raise AssertionError("job never started")


def state_on_disk(server: LiveServer, job_id: str) -> dict[str, Any]:
    return json.loads((server.job_dir / job_id / "state.json").read_text("utf-8"))  # type: ignore[no-any-return]


def check_never_done_incomplete(server: LiveServer, job_id: str, rows: int) -> str:
    """The job is done with every row accounted for in whole files, or failed with no result served."""
    st = httpx.get(f"{server.url}/rosters/{job_id}", headers=auth()).json()
    assert st["state"] in ("done", "failed"), st
    res = httpx.get(f"{server.url}/rosters/{job_id}/results", headers=auth(), timeout=60)
    if st["state"] == "done":
        assert res.status_code == 200
        results = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))[1:]
        rejects = list(csv.reader(io.StringIO(httpx.get(f"{server.url}/rosters/{job_id}/rejects", headers=auth()).content.decode("utf-8-sig"))))[1:]
        assert len(results) + len(rejects) == st["rows_in"] == rows
        assert len(results) == st["computed"]
    else:
        assert res.status_code == 409 and res.headers["content-type"] == "application/problem+json"
        assert st["error"]["field"] in ("shutdown", "interrupted") and st["error"]["reason"]
    return str(st["state"])


def test_sigterm_with_no_grace_fails_the_running_job_and_restart_agrees(tmp_path: Path) -> None:
    # The first job must still be running when the signal lands, or the queued one starts (and may end) in its
    # place: 60,000 rows took ≈ 0.2 s once the roster road got faster, about the signal's own latency on a loaded
    # machine; 600,000 take over a second.  The queued job's size does not matter: it must never start.
    rows = 600_000
    data = big_roster(rows)
    server = LiveServer(tmp_path, "--job-grace", "0.1").start()
    try:
        job = submit(server, data)
        queued = submit(server, big_roster(100))  # waits behind the first: never started
        wait_running(server, job)
        server.signal(signal.SIGTERM)
        assert server.wait(60) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has shut down
        assert "Application shutdown complete" in server.log()
    finally:
        server.stop()
    first = state_on_disk(server, job)
    assert first["state"] in ("done", "failed")
    second = state_on_disk(server, queued)
    assert second["state"] == "failed" and second["error"]["field"] == "shutdown"
    assert not any(p.name.endswith((".tmp", ".part")) and p.name.startswith(".upload") for p in (server.job_dir / job).iterdir())
    again = LiveServer(tmp_path, port=server.port).start()
    try:
        check_never_done_incomplete(again, job, rows)
        assert check_never_done_incomplete(again, queued, rows) == "failed"
    finally:
        again.stop()


def test_sigterm_with_grace_lets_the_running_job_finish(tmp_path: Path) -> None:
    rows = 20000
    server = LiveServer(tmp_path, "--job-grace", "120").start()
    try:
        job = submit(server, big_roster(rows))
        wait_running(server, job)
        server.signal(signal.SIGTERM)
        assert server.wait(180) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in server.log()
    finally:
        server.stop()
    assert state_on_disk(server, job)["state"] == "done"
    again = LiveServer(tmp_path, port=server.port).start()
    try:
        assert check_never_done_incomplete(again, job, rows) == "done"
    finally:
        again.stop()


def test_sigkill_during_a_job_is_marked_failed_on_restart(tmp_path: Path) -> None:
    rows = 60000
    server = LiveServer(tmp_path).start()
    try:
        job = submit(server, big_roster(rows))
        wait_running(server, job)
        server.signal(signal.SIGKILL)
        server.wait(30)
    finally:
        server.stop()
    st = state_on_disk(server, job)
    again = LiveServer(tmp_path, port=server.port).start()
    try:
        state = check_never_done_incomplete(again, job, rows)
        if st["state"] != "done":  # killed before it finished: the restart must not call it done
            assert state == "failed"
            assert httpx.get(f"{again.url}/rosters/{job}", headers=auth()).json()["error"]["field"] == "interrupted"
    finally:
        again.stop()
