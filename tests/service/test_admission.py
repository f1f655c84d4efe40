"""Refusing work past capacity (service.admission): a request that would wait too long for its worker's work stage
gets 503 with Retry-After in its API's dialect, before any work; health endpoints are always answered; nothing is
refused outside a cooperative worker."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import make_app
from service.admission import Admission, WorkStage, gevent_work_stage
from service.storage import Storage


class Busy(WorkStage):
    """A work stage whose queue looks as long as the test says."""

    def __init__(self, waiting: int, service: float):
        super().__init__(threading.Lock())
        self.waiting, self.service, self.busy = waiting, service, waiting > 0


@pytest.fixture
def gate(tmp_path, tiny_model_path):
    """An app behind admission with a stage the test makes busy; 50 ms of queue allowed."""
    app = make_app(tmp_path, tiny_model_path)
    refused = []

    def install(waiting: int, service: float = 0.005) -> Admission:
        app.wsgi_app = Admission(app.wsgi_app.app, 0.05, Busy(waiting, service), 4096, refused.append)
        return app.wsgi_app

    return app, install, refused


@pytest.mark.parametrize(
    ("path", "family", "check"),
    [
        ("/v1/comments/check", "native", lambda r: r.get_json()["error"]["code"] == "overloaded"),
        ("/v1alpha1/comments:analyze", "perspective", lambda r: r.get_json()["error"]["status"] == "UNAVAILABLE"),
        ("/1.1/comment-check", "akismet", lambda r: r.get_data(as_text=True) == "Service Unavailable"),
    ],
)
def test_a_request_facing_a_long_queue_is_refused_in_its_dialect(gate, path, family, check):
    """Ten waiting (and one running) at 10 ms each is 110 ms of queue: 503, Retry-After: 1, the API's own error
    shape, counted."""
    app, install, refused = gate
    install(waiting=10, service=0.010)
    response = app.test_client().post(path, data=b"{}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert check(response)
    assert refused == [family]


def test_a_short_queue_is_served_and_the_stage_learns_its_service_time(gate):
    app, install, refused = gate
    stage = install(waiting=3, service=0.005).stage
    response = app.test_client().post("/v1/comments/check", json={"text": "x"})
    assert response.status_code == 401  # reached the API
    assert refused == [] and stage.waiting == 3 and stage.service != 0.005


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_health_endpoints_are_never_refused(gate, path):
    app, install, _ = gate
    install(waiting=10_000, service=1.0)
    assert app.test_client().get(path).status_code == 200


def test_the_body_is_read_before_the_work_stage(gate):
    """The app gets the whole body (from memory), chunked or not."""
    app, install, _ = gate
    install(waiting=0)
    storage = app.extensions["moderation.storage"]
    key, _ = storage.keys.create(storage.sites.create("https://news.example.com").id)
    body = b'{"text": "hello", "comment_id": "read-first"}'
    response = app.test_client().post(
        "/v1/comments/check", input_stream=io.BytesIO(body), content_type="application/json",
        headers={"Transfer-Encoding": "chunked", "X-API-Key": key}, environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 200
    assert response.get_json()["comment_id"] == "read-first"


def test_an_idle_stage_admits_whatever_its_past():
    """A free stage with nobody waiting admits, however slow its last requests were (no stuck refusals)."""
    stage = WorkStage(threading.Lock(), initial_service=5.0)
    assert stage.expected_delay() == 0
    stage.run(lambda: None)
    assert stage.service < 5.0


def test_a_request_waiting_for_its_commit_gives_the_stage_to_the_next():
    """During a wait that needs no CPU (a COMMIT), the stage is free for the next request."""
    stage = WorkStage(threading.Lock())
    free_during_the_wait = []
    result = stage.run(lambda: stage.outside(lambda: free_during_the_wait.append(stage.lock.acquire(False))) or "ok")
    assert result == "ok" and free_during_the_wait == [True]
    stage.lock.release()
    assert not stage.busy


def test_the_time_learned_is_the_time_in_the_stage_not_the_wait_after_it():
    """A request that gave the stage up (to wait for its commit) and finishes while the next one holds the stage
    teaches the stage its own time in it: counting its wait would make the queue look longer than it is."""
    now = [0.0]
    stage = WorkStage(threading.Lock(), clock=lambda: now[0], initial_service=0.001)
    inside, finish = threading.Event(), threading.Event()

    def next_request() -> None:
        stage.run(lambda: (inside.set(), finish.wait(10)))

    def first_request() -> None:
        now[0] = 0.001
        stage.leave()  # its scoring is done: it waits for its commit outside the stage
        other.start()
        assert inside.wait(10)  # the next request now holds the stage
        now[0] = 0.2  # the commit took long

    other = threading.Thread(target=next_request)
    stage.run(first_request)
    assert stage.service == pytest.approx(0.001)
    finish.set()
    other.join(10)
    assert not stage.busy


def test_outside_gevent_nothing_is_queued_or_refused(app):
    """In a plain process (tests, threads) there is no event loop to share: admission admits everything."""
    assert gevent_work_stage() is None
    assert app.wsgi_app.stage is None


def test_requests_waiting_for_their_commit_let_the_next_ones_score_and_join_their_group(tmp_path):
    """With the database's write lock taken elsewhere, sixteen requests through a one-at-a-time stage all hand
    their check to the writer (none keeps the stage while it waits), and once the lock is free their checks are
    committed in two transactions: the first request's, then the fifteen others together."""
    store = Storage(tmp_path / "db.sqlite3")
    store.migrate()
    site = store.sites.create("https://news.example.com")
    stage = WorkStage(threading.Lock())
    store.db.offload = stage.outside  # as in a gevent worker: waits for the lock or the disk leave the stage
    writer = store.comments.writer
    writer.handed_over = stage.leave
    other = Storage(tmp_path / "db.sqlite3")
    row = {"site_id": site.id, "request_id": "r", "source": "api", "text": "x", "metadata": "{}", "scores": "{}",
           "verdict": "approve", "flagged": "[]", "reasons": "[]", "spam": 0, "model_version": "m",
           "created_at": "2025-01-02T03:04:05.000Z"}

    def request(i: int) -> None:
        stage.run(lambda: store.comments.record(site.id, [{**row, "comment_id": f"c-{i}"}]))

    with ThreadPoolExecutor(16) as pool:
        with other.db.transaction(write=True):  # the write lock, held by another connection
            done = [pool.submit(request, 0)]
            assert _until(lambda: writer.committing)
            done += [pool.submit(request, i) for i in range(1, 16)]
            assert _until(lambda: writer.pending() == 15), "a request kept the stage while it waited for its commit"
            stage_free = not stage.busy
        assert [f.result(timeout=30) for f in done] == [None] * 16
    assert stage_free
    assert writer.transactions == 2 and store.comments.count(site.id) == 16


def _until(condition) -> bool:
    """Whether ``condition()`` became true (polled for up to 30 s: what it waits for takes milliseconds)."""
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
