"""The service tests' harness: sample comments and sites, the app factory call, and real servers (werkzeug in a
thread, gunicorn in a subprocess)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from werkzeug.serving import make_server

from service import create_app

#: Environment variables the app reads; tests start from none of them.
APP_ENVIRONMENT = (
    "MODERATION_INSTANCE",
    "MODERATION_DATABASE_URL",
    "MODERATION_DB",
    "DATABASE",
    "MODERATION_MODEL",
    "MODERATION_MAX_BATCH",
    "MODERATION_MAX_COMMENT_BYTES",
    "MODERATION_MAX_CONTENT_LENGTH",
    "MODERATION_APPROVED_SAMPLE_RATE",
    "MODERATION_MODEL_CHECK_INTERVAL",
    "MODERATION_MODEL_CACHE_SIZE",
    "MODERATION_DB_BUSY_TIMEOUT",
    "MODERATION_DB_SYNCHRONOUS",
    "MODERATION_DB_POOL_SIZE",
    "MODERATION_DB_POOL_TIMEOUT",
    "MODERATION_MODEL_DIR",
    "MODERATION_PUBLIC_URL",
    "MODERATION_SHORT_KEY_FAILURES_ALLOWED",
    "MODERATION_METRICS_BIND",
    "MODERATION_METRICS_TOKEN",
    "MODERATION_CONFIG",
    "MODERATION_BIND",
    "MODERATION_WORKERS",
    "MODERATION_THREADS",
    "MODERATION_TIMEOUT",
    "MODERATION_LOG_LEVEL",
    "MODERATION_LOG_FORMAT",
    "MODERATION_ACCESS_LOG",
    "GUNICORN_CMD_ARGS",
    "MODERATION_MAX_QUEUE_DELAY",
    "MODERATION_KEY_CACHE_SECONDS",
    "MODERATION_READ_TIMEOUT",
    "PROMETHEUS_MULTIPROC_DIR",
)

SITE_A = "https://news.example.com"
SITE_B = "https://other.example.org"
TOXIC = "You are a complete idiot and should shut up."
SPAM = "Buy cheap pills online at http://bit.ly/cheap-pills now!!!"
CLEAN = "Thanks for the thoughtful article, I learned a lot."


def wait_until(predicate, timeout: float = 60.0) -> bool:
    """Poll ``predicate`` every 50 ms until it is true (True) or ``timeout`` seconds have passed (False): tests wait
    for an outcome with a generous deadline, never for a fixed time, so a loaded machine only makes them slower."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cli_command(*args: str) -> list[str]:
    """``moderation ARGS...`` as a subprocess, with this interpreter."""
    return [sys.executable, "-m", "moderation.cli", *args]


def make_app(instance: Path, model: Path, **config: Any):
    return create_app({"INSTANCE_PATH": str(instance), "MODEL_PATH": str(model), **config})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app served over real HTTP by werkzeug's threaded server on 127.0.0.1 (an ephemeral port)."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def storage(self):
        return self.app.extensions["moderation.storage"]

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


class Gunicorn:
    """``moderation serve`` in a subprocess: gunicorn, several worker processes, its own instance directory."""

    def __init__(self, instance: Path, model: Path, workers: int = 2, threads: int = 4,
                 extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None, port: int | None = None,
                 first_start: bool = True):
        self.instance = instance
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**{k: v for k, v in os.environ.items() if k not in APP_ENVIRONMENT}, **(env or {})}
        self.log = open(instance.parent / "gunicorn.log", "w+")
        self.process = subprocess.Popen(
            cli_command(
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--instance",
                str(instance),
                "--model",
                str(model),
                "--site",
                SITE_A,
                "--log-level",
                "warning",
                *extra_args,
            ),
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        self.key = None
        self.banner = self.process.stdout.readline()  # "Model ...; database ..."
        for line in self.process.stdout if first_start else ():  # the first-start banner prints the key
            if len(line.strip()) == 48:
                self.key = line.strip()
                break
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert self.process.poll() is None, f"moderation serve exited: {self.read_log()}"
            try:
                if all(httpx.get(self.url + "/readyz", timeout=2).status_code == 200 for _ in range(4)):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"moderation serve did not become ready: {self.read_log()}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def read_log(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process.stdout.close()
        self.log.close()


class Slowloris:
    """``count`` hostile connections kept open (reopened when the server drops one): a third idle, a third sending
    headers a byte at a time, a third sending a body a byte at a time."""

    def __init__(self, port: int, count: int = 100):
        self.port = port
        self.kinds = [("idle", "headers", "body")[i % 3] for i in range(count)]
        self.socks: list[socket.socket | None] = [None] * count
        self.opened = 0
        self.stop = threading.Event()
        for i in range(count):
            self._open(i)
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _open(self, i: int) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        if self.kinds[i] == "headers":
            sock.sendall(b"POST /v1/comments/check HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        elif self.kinds[i] == "body":
            sock.sendall(
                b"POST /v1/comments/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000\r\n\r\n{\"text\": \""
            )
        self.socks[i] = sock
        self.opened += 1

    def _trickle(self) -> None:
        while not self.stop.wait(0.5):
            for i, sock in enumerate(self.socks):
                try:
                    if self.kinds[i] != "idle":
                        sock.sendall(b"a")
                except OSError:  # dropped by the server: come back, as an attacker would
                    sock.close()
                    try:
                        self._open(i)
                    except OSError:
                        pass

    def open_count(self) -> int:
        return sum(1 for s in self.socks if s is not None and s.fileno() != -1)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for sock in self.socks:
            if sock is not None:
                sock.close()


def write_load(database: str, site_id: int, worker: int, rounds: int) -> int:
    """One process's share of a concurrent-writers test: checks, counters and feedback on shared comment ids."""
    from service.storage import Storage, now

    store = Storage(database)
    for i in range(rounds):
        row = {
            "site_id": site_id,
            "request_id": f"w{worker}-{i}",
            "source": "api",
            "comment_id": f"w{worker}-{i}",
            "text": "x",
            "metadata": "{}",
            "scores": "{}",
            "verdict": "approve",
            "flagged": "[]",
            "reasons": "[]",
            "spam": i % 2,
            "model_version": "m",
            "created_at": now(),
        }
        store.comments.record(site_id, [row])
        store.feedback.record(site_id, f"shared-{i % 10}", "spam" if (i + worker) % 2 else "ham", source="api")
    return rounds



def crash_under_load(server: Gunicorn, key: str, clients: int = 6, before_crash: int = 100) -> set[str]:
    """Check comments from several clients until ``before_crash`` are answered, then SIGKILL the whole server (master
    and workers at once, as a machine that dies); return the comment ids the server acknowledged as stored."""
    import uuid

    answers: list[tuple[str, int, bool]] = []
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=10) as http:
            while not stop.is_set():
                comment_id = f"crash-{n}-{uuid.uuid4().hex[:12]}"
                try:
                    response = http.post("/v1/comments/check", json={"text": TOXIC, "comment_id": comment_id})
                except httpx.HTTPError:
                    continue
                stored = response.status_code == 200 and response.json().get("stored") is True
                answers.append((comment_id, response.status_code, stored))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while sum(1 for a in list(answers) if a[1] == 200) < before_crash and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()
    stop.set()
    for t in threads:
        t.join()
    return {comment_id for comment_id, _, stored in answers if stored}
