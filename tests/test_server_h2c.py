"""Requests that ask for an HTTP/2 upgrade (``Upgrade: h2c``, as Java's HttpClient sends) keep their body.

Stock httptools (llhttp) ends such a request after its headers and uvicorn drops the body; the
server's own protocol (:mod:`shuangyong.server.protocol`) answers them in HTTP/1.1 with the body
read, like h11.  Driven over raw sockets against a live uvicorn with that protocol.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httptools")
pytest.importorskip("httpx")

from server_harness import KEY, LiveServer  # noqa: E402

from shuangyong.server.protocol import HTTP_PROTOCOL  # noqa: E402

PERSON = {"身份证号": "422827196602070016", "行政区划代码": "422827", "户籍": "城镇", "类别": "残疾军人",
          "伤残等级": "8", "伤残性质": "因战", "评残时间": "1989-05-21"}
BODY = json.dumps({"record": PERSON, "period": "2022-03"}, ensure_ascii=False).encode("utf-8")
UPGRADE = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("h2c"), uvicorn_http=HTTP_PROTOCOL) as s:
        yield s


def head(path: str = "/entitlements", method: str = "POST", upgrade: bool = True, chunked: bool = False, body: bytes = BODY) -> bytes:
    h = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
    if method == "POST":
        h += "Content-Type: application/json\r\n" + ("Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {len(body)}\r\n")
    return (h + (UPGRADE if upgrade else "") + "\r\n").encode("latin-1")


class Conn:
    def __init__(self, server: LiveServer) -> None:
        self.s = socket.create_connection(("127.0.0.1", server.port), timeout=20)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.s.sendall(data)

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            assert chunk, "connection closed"
            self.buf += chunk
        raw, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            assert chunk, "connection closed"
            self.buf += chunk
        body, self.buf = self.buf[:n], self.buf[n:]
        return int(lines[0].split()[1]), headers, body

    def close(self) -> None:
        self.s.close()


def test_upgrade_requests_keep_their_body(server: LiveServer) -> None:
    c = Conn(server)
    try:
        c.send(head(upgrade=False) + BODY)
        status, headers, want = c.answer()
        assert status == 200 and json.loads(want)["total"] == "1694.17"
        assert "upgrade" not in headers
        # Headers and body in one packet; then in two; then chunked; all on one kept-alive connection.
        c.send(head() + BODY)
        assert c.answer()[::2] == (200, want)
        c.send(head())
        time.sleep(0.2)
        c.send(BODY)
        assert c.answer()[::2] == (200, want)
        c.send(head(chunked=True) + f"{len(BODY) // 2:x}\r\n".encode() + BODY[:len(BODY) // 2] + b"\r\n"
               + f"{len(BODY) - len(BODY) // 2:x}\r\n".encode() + BODY[len(BODY) // 2:] + b"\r\n0\r\n\r\n")
        assert c.answer()[::2] == (200, want)
        # An upgrade request pipelined with a plain one: both answered, in order.
        c.send(head() + BODY + head(upgrade=False) + BODY)
        assert c.answer()[::2] == (200, want) and c.answer()[::2] == (200, want)
        # A request without a body that asks for the upgrade.
        c.send(head("/healthz", "GET"))
        status, headers, body = c.answer()
        assert status == 200 and json.loads(body)["status"] == "ok" and headers["shuangyong-engine-version"]
    finally:
        c.close()


def test_upgrade_requests_are_refused_like_any_other(server: LiveServer) -> None:
    c = Conn(server)
    try:
        bad = head().replace(KEY.encode(), b"not-a-key-but-long-enough")
        c.send(bad + BODY)
        status, headers, body = c.answer()
        assert status == 401 and headers["content-type"] == "application/problem+json"
        c.send(head(body=b"{not json") + b"{not json")
        status, headers, body = c.answer()
        assert status == 422 and headers["content-type"] == "application/problem+json"
        c.send(head() + BODY)
        assert c.answer()[0] == 200
    finally:
        c.close()
