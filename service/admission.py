"""Refusing work past capacity: 503 with ``Retry-After`` within milliseconds, instead of a queue that grows.

Past capacity, a server that accepts everything makes every request wait behind all the others: at 1,000 checks a
second offered on two cores, answers once took 7.8 s at the median. Akismet and Perspective clients treat an error
as "let the comment through and check again later", so an immediate refusal serves them better than a late answer,
and the requests that are admitted stay fast.

How it works, in a gevent worker (one event loop per process):

1. A request's body is read first, whole (at most ``MAX_CONTENT_LENGTH``), while other requests go on: a client
   that sends slowly holds only its own connection.
2. Then it asks to enter the worker's *work stage*, which runs one request at a time (scoring is CPU work: running
   two at once in one process only interleaves them). Requests wait for it in a queue bounded in time: the queue
   delay a newcomer would see is estimated as the requests waiting or running x the mean time a request spends in
   the stage (a moving average). Past ``max_queue_delay`` (``MODERATION_MAX_QUEUE_DELAY``, 50 ms by default) the request is
   refused at once, before any work, in its API's dialect (native JSON error ``overloaded``, Akismet plain text,
   Google's ``UNAVAILABLE``), with ``Retry-After: 1``.
3. A refusal is decided as soon as the event loop reaches the request. For that to be soon, the stage lets the loop
   take in new requests (a poll that does not wait) before each request it runs once the loop's current turn has been busy
   for 2 ms: a newcomer then waits behind at most the one request in the stage, not behind the whole queue, so
   refusals stay fast however long the queue is, and admitted requests wait at most about ``max_queue_delay``.
   (Left alone, gevent would run every waiting request's turn before polling again, and newcomers could not even
   be refused until the whole queue had run.)

``/healthz``, ``/readyz`` and ``/metrics`` skip the queue and are never refused: they are cheap, and an orchestrator
that cannot reach them would restart a server that is merely busy. Outside a gevent worker (tests, threads) nothing
is queued or refused.
"""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .http_errors import GOOGLE_STATUS, api_family

__all__ = ["Admission", "WorkStage", "gevent_work_stage", "gevent_offload", "EXEMPT_PATHS"]

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


class WorkStage:
    """One request at a time, with the queue in front of it measured.

    Parameters
    ----------
    lock : object with ``acquire()`` and ``release()``
        A cooperative lock (gevent's) that parks waiting requests without blocking the event loop.
    behind : callable
        ``behind() -> bool``: the event loop has run this turn long enough that it should take in new requests.
    poll : callable
        Lets the event loop take in new requests (they join the queue or are refused meanwhile).
    clock : callable
        Seconds, monotonic.
    """

    def __init__(
        self,
        lock: Any,
        behind: Callable[[], bool] = lambda: False,
        poll: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.perf_counter,
        initial_service: float = 0.005,
        current: Callable[[], Any] = threading.get_ident,
    ):
        self.lock = lock
        self.behind, self.poll = behind, poll
        self.clock = clock
        self.waiting = 0  # requests admitted and not yet running in the stage
        self.busy = False  # a request is running in the stage
        self.service = initial_service  # moving average of the time a request spends in the stage
        self.current = current  # who is running (gevent.getcurrent in a gevent worker)
        self._holder: Any = None
        self._entered = 0.0  # when the request holding the stage entered it

    def expected_delay(self) -> float:
        """How long a request arriving now would wait before entering the stage: nothing when the stage is free
        and nobody waits (so a slow request in the past can never keep refusing an idle worker)."""
        return (self.waiting + self.busy) * self.service

    def run(self, work: Callable[[], Any]) -> Any:
        self.waiting += 1
        try:
            self.lock.acquire()
            try:
                if self.behind():
                    self.poll()
            except BaseException:
                self.lock.release()
                raise
        finally:
            self.waiting -= 1
        self.busy, self._holder, self._entered = True, self.current(), self.clock()
        try:
            return work()
        finally:
            if self._holder is not None and self._holder == self.current():
                self._leave()

    def _leave(self) -> None:
        # The holder's time in the stage is what the next request waits for; its wait outside (its commit, after
        # leave()) is not, and counting it would refuse requests an idle stage could serve. One slow request (a
        # big batch, a model loading) moves the average by at most a quarter second.
        self.service += 0.1 * (min(self.clock() - self._entered, 0.25) - self.service)
        self.busy, self._holder = False, None
        self.lock.release()

    def leave(self) -> None:
        """Give the stage to the next request from now on, when the caller holds it: its scoring is done, and what
        is left of it (waiting for its commit, then the answer) needs little CPU. Nothing when the caller does not
        hold it."""
        if self._holder is not None and self._holder == self.current():
            self._leave()

    def outside(self, call: Callable[..., Any], *args: Any) -> Any:
        """``call(*args)``, a wait that needs no CPU (a COMMIT, a model file being read), after :meth:`leave`: the
        next request scores while this one waits."""
        self.leave()
        return call(*args)


def gevent_work_stage() -> WorkStage | None:
    """A :class:`WorkStage` on gevent's lock in a gevent worker; None elsewhere (nothing is queued or refused)."""
    gevent = sys.modules.get("gevent")
    if gevent is None:
        return None
    from gevent import monkey
    from gevent.lock import Semaphore

    if not monkey.is_module_patched("socket"):
        return None
    hub = gevent.get_hub()
    loop = hub.loop  # loop.now(): when this turn of the loop polled (wall clock, as libev keeps it)

    def poll() -> None:
        # A timer already due makes libev poll without waiting, run what became ready, then this timer; gevent's
        # sleep(0) would not poll at all, and sleep(t > 0) sleeps at least a millisecond (libev's epoll rounding).
        timer = loop.timer(0.0)
        try:
            hub.wait(timer)
        finally:
            timer.close()

    return WorkStage(
        Semaphore(1), behind=lambda: time.time() - loop.now() > 0.002, poll=poll, current=gevent.getcurrent
    )


def gevent_offload(stage: WorkStage | None = None) -> Callable[..., Any] | None:
    """``offload(call, *args)`` running ``call`` in one of gevent's native threads, in a gevent worker; None
    elsewhere. Given to SQLite for what may wait on another worker's write lock or the disk, and to the model holder
    for loads: in the event loop, that wait would stop every request of the worker. With ``stage``, the work stage
    is given up during the wait (:meth:`WorkStage.outside`)."""
    gevent = sys.modules.get("gevent")
    if gevent is None:
        return None
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        return None
    pool = gevent.get_hub().threadpool

    def offload(call: Callable[..., Any], *args: Any) -> Any:
        if stage is None:
            return pool.apply(call, args)
        return stage.outside(pool.apply, call, args)

    return offload


def _read_body(environ: dict[str, Any], limit: int | None) -> None:
    """Read the request body now (see the module) and hand the app an in-memory copy of it."""
    stream = environ.get("wsgi.input")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return  # the app answers a malformed Content-Length
    chunked = length == 0 and environ.get("wsgi.input_terminated") and "chunked" in (
        environ.get("HTTP_TRANSFER_ENCODING") or ""
    ).lower()
    if stream is None or (length == 0 and not chunked) or (limit is not None and length > limit):
        return  # nothing to read, or too large: the app refuses it (413) without reading
    wanted = length if length else (limit + 1 if limit is not None else 1 << 62)
    data = bytearray()
    try:
        while len(data) < wanted:
            chunk = stream.read(min(65536, wanted - len(data)))
            if not chunk:
                break
            data += chunk
    except Exception:  # a timeout or a broken chunk: the app sees a short body and answers 400
        pass
    environ["wsgi.input"] = io.BytesIO(bytes(data))


class Admission:
    """WSGI middleware that queues requests for the work stage and refuses them past capacity (see the module).

    Parameters
    ----------
    app : WSGI application
    max_queue_delay : float
        Seconds a request may expect to wait for the work stage; beyond, it is refused.
    stage : WorkStage or None
        None admits everything at once (no queue).
    max_body : int or None
        The body size limit (``MAX_CONTENT_LENGTH``): a larger body is left for the app to refuse.
    on_refused : callable, optional
        Called with the API family of each refused request (metrics).
    """

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        max_queue_delay: float,
        stage: WorkStage | None,
        max_body: int | None = None,
        on_refused: Callable[[str], None] | None = None,
    ):
        self.app = app
        self.max_queue_delay = float(max_queue_delay)
        self.stage = stage
        self.max_body = max_body
        self.on_refused = on_refused

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if self.stage is None or path in EXEMPT_PATHS:
            return self.app(environ, start_response)
        _read_body(environ, self.max_body)
        if self.stage.expected_delay() > self.max_queue_delay:
            return self._refuse(path, start_response)
        return self.stage.run(lambda: self.app(environ, start_response))

    def _refuse(self, path: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
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
