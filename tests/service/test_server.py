"""``moderation serve`` for real: gunicorn with two worker processes, first-start bootstrap, metrics summed across
workers, concurrent writers, and a worker killed with SIGKILL in the middle of the load."""

from __future__ import annotations

import os
import signal
import threading
import uuid
from pathlib import Path

import httpx
import pytest

from harness import CLEAN, SITE_A, TOXIC, Gunicorn, crash_under_load, wait_until
from service.storage import Storage


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_model_path):
    gunicorn = Gunicorn(tmp_path_factory.mktemp("serve") / "instance", tiny_model_path, workers=2, threads=4)
    yield gunicorn
    gunicorn.close()


@pytest.fixture(scope="module")
def db(server):
    store = Storage(server.instance / "moderation.sqlite3")
    yield store
    store.close()


def send_checks(url, key, comment_ids, results, keepalive=True):
    limits = httpx.Limits(max_keepalive_connections=None if keepalive else 0)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=10) as http:
        for comment_id in comment_ids:
            try:
                response = http.post(
                    "/v1/comments/check", json={"text": TOXIC if len(results) % 3 else CLEAN, "comment_id": comment_id}
                )
                results.append((comment_id, response.status_code))
            except httpx.HTTPError as exc:
                results.append((comment_id, type(exc).__name__))


def answered_count(results) -> int:
    return sum(1 for _, status in list(results) if status == 200)


def test_first_start_creates_a_site_and_prints_a_working_key(server):
    """On an empty database, serve creates the first site and prints its key, which works at once."""
    assert server.key is not None
    site = httpx.get(server.url + "/v1/site", headers={"X-API-Key": server.key}).json()
    assert site["url"] == SITE_A
    assert len(server.worker_pids()) == 2


def test_metrics_add_up_across_worker_processes(server):
    """/metrics on any worker reports the requests answered by all of them (multiprocess mode)."""

    def answered():
        text = httpx.get(server.url + "/metrics").text
        line = 'moderation_http_requests_total{endpoint="/v1/comments/check",method="POST",status="200"}'
        return sum(float(x.rsplit(" ", 1)[1]) for x in text.splitlines() if x.startswith(line))

    before = answered()
    results = []
    send_checks(server.url, server.key, [f"m-{i}" for i in range(30)], results, keepalive=False)
    assert all(status == 200 for _, status in results)
    assert answered() - before == 30


def test_concurrent_checks_are_all_stored_and_counted(server, db):
    """Eight clients checking at once through two workers: every check is stored once and counted once."""
    site_id = db.sites.find(SITE_A).id
    before_rows, before_calls = db.comments.count(site_id), db.usage.get(site_id).api_calls
    results = []
    threads = [
        threading.Thread(target=send_checks, args=(server.url, server.key, [f"c{t}-{i}" for i in range(25)], results))
        for t in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted({status for _, status in results}) == [200]
    assert db.comments.count(site_id) - before_rows == 200
    assert db.usage.get(site_id).api_calls - before_calls == 200


def test_a_worker_killed_mid_load_loses_nothing(server, db):
    """SIGKILL a worker under load: the database stays intact, every answered check is stored, and stored checks
    and counters agree exactly (they are written in one transaction)."""
    site_id = db.sites.find(SITE_A).id
    victim = server.worker_pids()[0]
    stop = threading.Event()
    results = []

    def load(n):
        while not stop.is_set():
            send_checks(server.url, server.key, [f"k{n}-{uuid.uuid4().hex[:12]}" for _ in range(5)], results)

    threads = [threading.Thread(target=load, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    # counted in answers, not seconds, so a slow or busy machine runs the same test
    assert wait_until(lambda: answered_count(results) >= 50)
    os.kill(victim, signal.SIGKILL)
    before = answered_count(results)
    assert wait_until(lambda: answered_count(results) >= before + 50)
    stop.set()
    for t in threads:
        t.join()

    answered = [cid for cid, status in results if status == 200]
    assert len(answered) > 50
    assert db.integrity_check() == "ok"
    stored = {
        row[0]
        for row in db.db.execute(
            "SELECT comment_id FROM comments WHERE site_id = ? AND comment_id LIKE 'k%'", (site_id,)
        )
    }
    assert set(answered) <= stored
    assert db.comments.count(site_id) == db.usage.get(site_id).api_calls
    assert wait_until(lambda: victim not in server.worker_pids() and len(server.worker_pids()) == 2)
    assert httpx.get(server.url + "/readyz").status_code == 200


def test_a_whole_server_killed_under_load_keeps_every_acknowledged_check(tmp_path, tiny_model_path):
    """SIGKILL the master and every worker at once while checks are being grouped into transactions: every check the
    server answered as stored is in the database, which is intact, and checks and counters still agree."""
    server = Gunicorn(tmp_path / "instance", tiny_model_path, workers=2, threads=4)
    try:
        acknowledged = crash_under_load(server, server.key)
    finally:
        server.close()
    store = Storage(tmp_path / "instance" / "moderation.sqlite3")
    site_id = store.sites.find(SITE_A).id
    stored = {r[0] for r in store.db.execute("SELECT comment_id FROM comments WHERE comment_id LIKE 'crash-%'")}
    assert len(acknowledged) >= 100 and acknowledged <= stored
    assert store.integrity_check() == "ok"
    assert store.comments.count(site_id) == store.usage.get(site_id).api_calls


def test_every_answer_arrives_whole_in_one_send_or_by_sendfile(server):
    """gunicorn's headers leave with the body: a JSON answer, a bodiless 204 and a static file (sent with
    sendfile) all arrive whole, on one keep-alive connection."""
    static = (Path(__file__).resolve().parents[2] / "service" / "static" / "moderate.css").read_bytes()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for _ in range(3):
            assert http.get("/healthz").json() == {"status": "ok"}
            options = http.options("/v1/comments/check")
            assert options.status_code == 204 and options.content == b"" and "POST" in options.headers["Allow"]
            css = http.get("/static/moderate.css")
            assert css.status_code == 200 and css.content == static
            assert int(css.headers["Content-Length"]) == len(static)


def test_a_key_revoked_by_another_process_is_refused_by_every_worker(server, db):
    """The workers remember a key's site for a while (KEY_CACHE_SECONDS; that it is at most that long is tested in
    process, with a clock the test moves): a key revoked by another process (as the command line does) ends up
    refused by both workers, on new connections, whichever worker answers."""
    site = db.sites.find(SITE_A)
    key, _ = db.keys.create(site.id, label="to revoke")
    with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=10,
                      limits=httpx.Limits(max_keepalive_connections=0)) as http:
        assert all(http.get("/v1/site").status_code == 200 for _ in range(10))  # both workers have it cached
        db.keys.revoke(key)
        assert wait_until(lambda: http.get("/v1/site").status_code == 401)
        assert all(http.get("/v1/site").status_code == 401 for _ in range(10))
