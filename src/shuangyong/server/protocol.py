"""uvicorn's httptools protocol, made to answer requests that ask for an HTTP/2 (h2c) upgrade.

Java's ``java.net.http.HttpClient`` (HTTP/2 by default) sends its first request on a plain-HTTP
connection with ``Connection: Upgrade, HTTP2-Settings`` and ``Upgrade: h2c``.  httptools (llhttp)
treats every request that asks for an upgrade as one whose body belongs to the new protocol: it
ends the request after the headers, and uvicorn, which upgrades only to WebSocket, hands the
application an empty body and drops the bytes that follow — the JSON of a ``POST`` is lost and the
answer is a 422.  (h11 reads the body and ignores the upgrade, which is what RFC 9110 §7.8 allows.)

:class:`HttpToolsProtocol` does what h11 does: when a request asks for an upgrade other than
WebSocket, it parses the request again with the upgrade request taken out of the headers
(``Upgrade``, ``HTTP2-Settings`` and those tokens of ``Connection``), so the body is read as the
body and the request is answered over HTTP/1.1; the client then carries on in HTTP/1.1.

It also sends each answer's head and body in one write (:class:`CoalescingTransport`): uvicorn
writes the head when the application starts the response and the body when it sends it, two
``send`` calls, two TCP segments and two wake-ups of the client for one small answer.  On
localhost the first of the two was an eighth of the server's time per ``POST /entitlements``.

Use it with ``uvicorn.run(..., http="shuangyong.server.protocol:HttpToolsProtocol")`` (see
:data:`HTTP_PROTOCOL` and :func:`uvicorn_http`).  For an ordinary request it costs what httptools
costs: a third of h11's CPU per request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _UvicornHttpTools

__all__ = ["CoalescingTransport", "HttpToolsProtocol", "HTTP_PROTOCOL", "UPGRADE_HEADERS", "uvicorn_http"]

#: The import string uvicorn takes as ``http=``.
HTTP_PROTOCOL = "shuangyong.server.protocol:HttpToolsProtocol"

#: Headers of an upgrade request that are taken out when the request is answered in HTTP/1.1.
UPGRADE_HEADERS = frozenset({b"upgrade", b"http2-settings"})


def uvicorn_http(name: str) -> str:
    """What ``uvicorn.run(http=...)`` is given for ``serve --http NAME``: ``httptools`` is this module's protocol."""
    return HTTP_PROTOCOL if name == "httptools" else name


#: Writes up to this size are held for the next write; larger ones go out at once (a head is a few hundred bytes).
HOLD_LIMIT = 4096


class CoalescingTransport:
    """The connection's transport, holding a small write back until the next one, so that both leave in one.

    Every write of the connection passes here (the protocol is given this object, not the socket's
    transport), so the order of the bytes never changes: a small write (a response head) is held,
    and the next write sends it and its own bytes together.  What is held is sent, on its own, once
    the code running now yields to the event loop (``call_soon``) — a ``HEAD`` answer, a ``100
    Continue``, a streamed answer whose first chunk is not ready — or before the transport closes.
    Anything else is the socket transport's own.
    """

    __slots__ = ("_transport", "_loop", "_held", "_scheduled")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self._scheduled = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + bytes(data))
        elif len(data) <= HOLD_LIMIT and not self._transport.is_closing():
            self._held = bytes(data)
            if not self._scheduled:
                self._scheduled = True
                self._loop.call_soon(self._flush)
        else:
            self._transport.write(data)

    def writelines(self, data: Any) -> None:
        self.write(b"".join(data))

    def flush(self) -> None:
        """Send what is held, if anything."""
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def _flush(self) -> None:
        self._scheduled = False
        self.flush()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:  # pause_reading, set_protocol, get_write_buffer_size, ...
        return getattr(self._transport, name)


class HttpToolsProtocol(_UvicornHttpTools):
    """httptools with h2c (and any other non-WebSocket) upgrade requests answered as HTTP/1.1; see the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._declined_upgrade = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]

    def on_headers_complete(self) -> None:
        if self.parser.should_upgrade() and not self._should_upgrade():
            # Not WebSocket: do not start the request; it is parsed again without the upgrade (data_received).
            self._declined_upgrade = True
            self._declined_method = self.parser.get_method()
            self._declined_version = self.parser.get_http_version()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._declined_upgrade:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._declined_upgrade:
            super().on_message_complete()

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
        except httptools.HttpParserUpgrade as e:
            if self._declined_upgrade:
                self._without_upgrade(data[int(e.args[0]):])
            elif self._should_upgrade():
                self.handle_websocket_upgrade()
            else:  # pragma: no cover — every other upgrade is declined in on_headers_complete
                self._unsupported_upgrade_warning()

    def _without_upgrade(self, rest: bytes) -> None:
        """Parse the declined request again from its headers, less the upgrade request, then ``rest``."""
        self._declined_upgrade = False
        head = [self._declined_method, b" ", self.url, b" HTTP/", self._declined_version.encode("ascii"), b"\r\n"]
        for name, value in self.headers:
            if name in UPGRADE_HEADERS:
                continue
            if name == b"connection":
                value = b", ".join(t for t in (x.strip() for x in value.split(b","))
                                   if t and t.lower() not in (b"upgrade", b"http2-settings"))
                if not value:
                    continue
            head += [name, b": ", value, b"\r\n"]
        head.append(b"\r\n")
        self.parser = httptools.HttpRequestParser(self)
        try:
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        except AttributeError:  # pragma: no cover — httptools < 0.6.3
            pass
        self.data_received(b"".join(head) + rest)
