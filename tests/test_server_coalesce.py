"""The connection transport of the server's protocol sends a response head and its body in one write.

Unit tests on a recording transport: the bytes and their order never change, only how many
writes carry them; what is held goes out when the loop runs or before the transport closes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("httptools")
pytest.importorskip("uvicorn")

from shuangyong.server.protocol import HOLD_LIMIT, CoalescingTransport  # noqa: E402


class Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False
        self.paused = 0

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)

    def pause_reading(self) -> None:
        self.paused += 1


def run(body: Any) -> Recorder:
    async def main() -> Recorder:
        rec = Recorder()
        t = CoalescingTransport(rec, asyncio.get_running_loop())  # type: ignore[arg-type]
        await body(t, rec)
        return rec

    return asyncio.run(main())


def test_head_and_body_leave_in_one_write() -> None:
    async def body(t: CoalescingTransport, rec: Recorder) -> None:
        t.write(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n")
        assert rec.writes == []
        t.write(b"abc")
        assert rec.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc"]
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert len(rec.writes) == 1

    run(body)


def test_a_lone_write_goes_out_when_the_loop_runs() -> None:
    async def body(t: CoalescingTransport, rec: Recorder) -> None:
        t.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # or a HEAD answer: no body follows
        assert rec.writes == []
        await asyncio.sleep(0)
        assert rec.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
        t.write(b"head")
        await asyncio.sleep(0)
        t.write(b"body")
        await asyncio.sleep(0)
        assert rec.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", b"head", b"body"]

    run(body)


def test_order_is_kept_and_large_writes_pass() -> None:
    big = b"x" * (HOLD_LIMIT + 1)

    async def body(t: CoalescingTransport, rec: Recorder) -> None:
        t.write(big)
        assert rec.writes == [big]
        t.write(b"1")
        t.write(bytearray(b"2"))
        t.write(memoryview(b"3"))
        t.writelines([b"4", b"5"])
        await asyncio.sleep(0)
        assert b"".join(rec.writes) == big + b"12345"

    run(body)


def test_close_sends_what_is_held_first() -> None:
    async def body(t: CoalescingTransport, rec: Recorder) -> None:
        t.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        t.close()
        assert rec.writes == [b"HTTP/1.1 400 Bad Request\r\n\r\n"] and rec.closed
        await asyncio.sleep(0)  # the scheduled flush finds nothing to send (and does not write after close)
        assert t.is_closing()

    run(body)


def test_what_is_held_is_dropped_when_the_peer_has_gone() -> None:
    async def body(t: CoalescingTransport, rec: Recorder) -> None:
        t.write(b"head")
        rec.closed = True  # the connection was lost before the loop ran again
        await asyncio.sleep(0)
        assert rec.writes == []

    run(body)


def test_abort_drops_what_is_held_and_other_calls_pass_through() -> None:
    async def body(t: CoalescingTransport, rec: Recorder) -> None:
        t.write(b"head")
        t.pause_reading()  # type: ignore[attr-defined]
        assert rec.paused == 1 and t.get_extra_info("peername") == ("127.0.0.1", 1)
        t.abort()
        await asyncio.sleep(0)
        assert rec.writes == [] and rec.aborted

    run(body)
