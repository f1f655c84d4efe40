"""Refusing work past capacity: 503 with ``Retry-After`` in a fraction of a millisecond, instead of a queue that grows.

Past capacity, a server that accepts everything makes every request wait behind all the others: at 1,000 checks a
second offered on two cores, answers once took 7.8 s at the median. Akismet and Perspective clients treat an error
as "let the comment through and check again later", so an immediate refusal serves them better than a late answer,
and the requests that are admitted stay fast.

How the worker knows it is behind: a gevent worker runs, in each turn of its event loop, every request whose bytes
arrived since the last turn, one after the other. ``time.time() - loop.now()`` (``loop.now()`` is when this turn's
poll returned) is how long the request now starting has already waited in this turn: its queueing delay. Past
``max_queue_delay`` (``MODERATION_MAX_QUEUE_DELAY``, 5 ms by default) the request is refused before Flask sees it,
in its API's dialect (native JSON error ``overloaded``, Akismet plain text, Google's ``UNAVAILABLE``), with
``Retry-After: 1``. Refusing costs almost nothing, so the turn ends soon and the next requests find the queue short.
The queue is bounded in time, which is what clients feel, rather than in length.

``/healthz``, ``/readyz`` and ``/metrics`` are never refused: they are cheap, and an orchestrator that cannot reach
them would restart a server that is merely busy. Outside a gevent worker (tests, threads) nothing is refused.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from .http_errors import GOOGLE_STATUS, api_family

__all__ = ["Admission", "gevent_queue_delay", "EXEMPT_PATHS"]

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_MESSAGE = "the server is over capacity; retry after a second"
_BODIES = {
    "native": (
        "application/json",
        json.dumps({"error": {"code": "overloaded", "message": _MESSAGE, "request_id": None}}).encode(),
    ),
    "perspective": (
        "application/json",
        json.dumps({"error": {"code": 503, "message": _MESSAGE, "status": GOOGLE_STATUS[503]}}).encode(),
    ),
    "akismet": ("text/plain; charset=utf-8", b"Service Unavailable"),
}


def gevent_queue_delay() -> Callable[[], float] | None:
    """``delay() -> seconds`` the current request waited in this turn of the event loop; None outside gevent."""
    gevent = sys.modules.get("gevent")
    if gevent is None:
        return None
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        return None
    loop = gevent.get_hub().loop
    return lambda: time.time() - loop.now()


class Admission:
    """WSGI middleware that refuses requests arriving when the worker is behind (see the module).

    Parameters
    ----------
    app : WSGI application
    max_queue_delay : float
        Seconds a request may have waited before it is refused.
    delay : callable or None
        ``delay() -> seconds``; None admits everything.
    on_refused : callable, optional
        Called with the API family of each refused request (metrics).
    """

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        max_queue_delay: float,
        delay: Callable[[], float] | None,
        on_refused: Callable[[str], None] | None = None,
    ):
        self.app = app
        self.max_queue_delay = float(max_queue_delay)
        self.delay = delay
        self.on_refused = on_refused

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.delay is not None and self.delay() > self.max_queue_delay:
            path = environ.get("PATH_INFO") or "/"
            if path not in EXEMPT_PATHS:
                family = api_family(path)
                content_type, body = _BODIES[family]
                start_response(
                    "503 Service Unavailable",
                    [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Retry-After", "1"),
                     ("X-Content-Type-Options", "nosniff")],
                )
                if self.on_refused is not None:
                    self.on_refused(family)
                return [body]
        return self.app(environ, start_response)
