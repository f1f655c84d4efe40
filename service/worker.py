"""The gunicorn worker class of ``moderation serve``: gunicorn's gevent worker with a read timeout on every
connection (see :mod:`service.server` for why this worker model).

gunicorn already bounds the wait for a request's headers by ``keepalive`` seconds (a gevent timeout around reading
them, the first request of a connection included). What it leaves unbounded is every read after that (a body sent a
byte a minute) and every write (a client that never reads its answer): here each one must progress within
``$MODERATION_READ_TIMEOUT`` seconds (set by :func:`service.server.run` before the workers fork), or the connection
is dropped. The timeout is per operation, as nginx's ``client_body_timeout`` and ``send_timeout`` are.

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


class Worker(GeventWorker):
    """gevent worker whose client sockets time out (``$MODERATION_READ_TIMEOUT`` seconds per read or write)."""

    def init_process(self) -> None:
        try:
            self.read_timeout = float(os.environ.get("MODERATION_READ_TIMEOUT") or DEFAULT_READ_TIMEOUT)
        except ValueError:
            self.read_timeout = DEFAULT_READ_TIMEOUT
        util.write_error = write_json_error  # this worker process answers unparsable requests in JSON
        super().init_process()

    def handle(self, listener, client, addr) -> None:
        # GeventWorker.handle would make the socket blocking without a timeout; this is its only other step.
        client.settimeout(self.read_timeout)
        AsyncWorker.handle(self, listener, client, addr)
