"""``kill -9`` of the gunicorn master under write load: its workers go down with it (no orphan keeps the port), the
service restarts on the same port at once, and every check it acknowledged before the crash is in the database."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import httpx
import pytest

from harness import Gunicorn, alive, wait_until
from service.storage import Storage


@pytest.fixture
def instance(tmp_path):
    return tmp_path / "instance"


def test_killing_the_master_takes_the_workers_down_and_a_restart_loses_nothing(instance, tiny_model_path):
    first = Gunicorn(instance, tiny_model_path, workers=2)
    acknowledged: list[str] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(base_url=first.url, headers={"X-API-Key": first.key}, timeout=5) as http:
            while not stop.is_set():
                comment_id = uuid.uuid4().hex
                try:
                    response = http.post("/v1/comments/check", json={"text": "Nice piece.", "comment_id": comment_id})
                except httpx.HTTPError:
                    continue  # the server died mid-request: not acknowledged
                if response.status_code == 200:
                    acknowledged.append(comment_id)

    threads = [threading.Thread(target=load) for _ in range(4)]
    try:
        workers = first.worker_pids()
        assert len(workers) == 2
        for t in threads:
            t.start()
        assert wait_until(lambda: len(acknowledged) >= 40, 60)
        os.kill(first.process.pid, signal.SIGKILL)
        assert wait_until(lambda: not any(alive(pid) for pid in workers), 15), "orphaned workers kept running"
    finally:
        stop.set()
        for t in threads:
            t.join()
        first.close()

    start = time.monotonic()
    second = Gunicorn(instance, tiny_model_path, workers=2, port=first.port, first_start=False)
    try:
        assert time.monotonic() - start < 30
        assert httpx.get(second.url + "/v1/site", headers={"X-API-Key": first.key}).status_code == 200
        store = Storage(instance / "moderation.sqlite3")
        try:
            assert store.integrity_check() == "ok"
            stored = {row[0] for row in store.db.execute("SELECT comment_id FROM comments")}
        finally:
            store.close()
        assert len(acknowledged) >= 40
        assert set(acknowledged) <= stored, f"{len(set(acknowledged) - stored)} acknowledged checks lost"
    finally:
        second.close()


def test_a_killed_worker_is_replaced_and_the_port_keeps_answering(instance, tiny_model_path):
    """kill -9 of a worker: the master starts another; requests keep being answered meanwhile. (The timeouts are
    generous because this asserts that an answer comes, not how fast: on a loaded machine the surviving worker may
    share its core with the replacement importing the library.)"""
    server = Gunicorn(instance, tiny_model_path, workers=2)
    try:
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        assert httpx.get(server.url + "/healthz", timeout=30).status_code == 200
        assert wait_until(lambda: len(server.worker_pids()) == 2 and victim not in server.worker_pids(), 60)
        assert httpx.get(server.url + "/readyz", timeout=30).status_code == 200
    finally:
        server.close()
