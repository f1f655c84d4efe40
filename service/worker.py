"""The gunicorn worker class of ``moderation serve``: gunicorn's gevent worker with a read timeout on every
connection (see :mod:`service.server` for why this worker model).

gunicorn already bounds the wait for a request's headers by ``keepalive`` seconds (a gevent timeout around reading
them, the first request of a connection included). What it leaves unbounded is every read after that (a body sent a
byte a minute) and every write (a client that never reads its answer): here each one must progress within
``$MODERATION_READ_TIMEOUT`` seconds (set by :func:`service.server.run` before the workers fork), or the connection
is dropped. The timeout is per operation, as nginx's ``client_body_timeout`` and ``send_timeout`` are.

Each answer leaves in one ``send`` where gunicorn would make two (the status line and headers, then the body): on
loopback or a LAN the second system call costs as much as a tenth of a check's CPU.

A request gunicorn itself cannot parse (a request line over 4,094 bytes, bad headers, broken chunk framing) is
answered by gunicorn before the app sees it; here that answer is a JSON error like the native API's
(``{"error": {"code": "uri_too_long", "message": ...}}``) instead of gunicorn's HTML page.
"""

from __future__ import annotations

import json
import os

from gunicorn import util
from gunicorn.workers.base_async import AsyncWorker
from gunicorn.workers.ggevent import GeventWorker

__all__ = ["Worker", "DEFAULT_READ_TIMEOUT", "write_json_error"]

DEFAULT_READ_TIMEOUT = 10.0


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's ``util.write_error`` with a JSON body (same signature, same closing of the connection)."""
    error = {"code": reason.lower().replace(" ", "_"), "message": mesg or reason, "request_id": None}
    body = json.dumps({"error": error}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"X-Content-Type-Options: nosniff\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class _OneSend:
    """A client socket for one response whose first write (gunicorn's status line and headers) is held back and
    sent together with the next (the body, or the body's first part): one ``send`` per small answer instead of two.
    Everything else is the socket's own."""

    __slots__ = ("_sock", "_held")

    def __init__(self, sock) -> None:
        self._sock = sock
        self._held: bytes | None = None

    def sendall(self, data) -> None:
        if self._held is None:
            self._held = bytes(data)
            return
        held, self._held = self._held, b""
        self._sock.sendall(held + data if held else data)

    def flush(self) -> None:
        if self._held:
            held, self._held = self._held, b""
            self._sock.sendall(held)

    def sendfile(self, file, offset=0, count=None):
        self.flush()  # the headers go first
        self._held = b""
        return self._sock.sendfile(file, offset=offset, count=count)

    def __getattr__(self, name):
        return getattr(self._sock, name)


class Worker(GeventWorker):
    """gevent worker whose client sockets time out (``$MODERATION_READ_TIMEOUT`` seconds per read or write)."""

    def init_process(self) -> None:
        try:
            self.read_timeout = float(os.environ.get("MODERATION_READ_TIMEOUT") or DEFAULT_READ_TIMEOUT)
        except ValueError:
            self.read_timeout = DEFAULT_READ_TIMEOUT
        util.write_error = write_json_error  # this worker process answers unparsable requests in JSON
        super().init_process()

    def handle_request(self, listener_name, req, sock, addr):
        one = _OneSend(sock)
        try:
            return super().handle_request(listener_name, req, one, addr)
        finally:
            try:
                one.flush()
            except OSError:
                pass  # the client is gone; the next read on this connection ends it

    def handle(self, listener, client, addr) -> None:
        # GeventWorker.handle would make the socket blocking without a timeout; this is its only other step.
        client.settimeout(self.read_timeout)
        AsyncWorker.handle(self, listener, client, addr)
