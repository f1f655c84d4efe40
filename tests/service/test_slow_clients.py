"""Slow and idle clients against ``moderation serve`` for real (gunicorn, gevent workers, real sockets): 100
connections that send nothing, half their headers, or a body a byte at a time do not stop the server answering
others, and the server closes them once their deadlines pass; what gunicorn itself cannot parse is answered in
JSON."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from harness import Gunicorn, Slowloris

KEEPALIVE = 3  # seconds a client has for its headers
READ_TIMEOUT = 3  # seconds each later read may take


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_model_path):
    gunicorn = Gunicorn(
        tmp_path_factory.mktemp("slow") / "instance",
        tiny_model_path,
        workers=2,
        extra_args=("--keepalive", str(KEEPALIVE), "--read-timeout", str(READ_TIMEOUT)),
    )
    yield gunicorn
    gunicorn.close()


def test_healthz_and_checks_answer_within_a_second_while_100_slow_clients_hold_connections(server):
    """With 100 hostile connections open, every /healthz (and a real check) is answered in under a second."""
    attack = Slowloris(server.port, 100)
    try:
        time.sleep(0.5)  # every hostile connection is accepted and waiting
        assert attack.open_count() == 100
        timings = []
        for _ in range(20):
            start = time.perf_counter()
            response = httpx.get(server.url + "/healthz", timeout=5)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
            time.sleep(0.1)
        start = time.perf_counter()
        check = httpx.post(server.url + "/v1/comments/check", json={"text": "Thanks for this."},
                           headers={"X-API-Key": server.key}, timeout=5)
        assert check.status_code == 200
        assert time.perf_counter() - start < 1.0
        assert max(timings) < 1.0, timings
        assert attack.open_count() == 100
    finally:
        attack.close()


def _seconds_until_closed(sock: socket.socket, limit: float) -> tuple[float, bytes]:
    start = time.monotonic()
    sock.settimeout(limit)
    received = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return time.monotonic() - start, received


def test_headers_must_arrive_within_the_keepalive_deadline(server):
    """A client that sends half its headers and then a byte a second is dropped after about KEEPALIVE seconds."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    stop = threading.Event()

    def drip():
        while not stop.wait(1.0):
            try:
                sock.sendall(b"X")
            except OSError:
                return

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        elapsed, received = _seconds_until_closed(sock, KEEPALIVE + 10)
    finally:
        stop.set()
        dripper.join()
        sock.close()
    assert KEEPALIVE - 0.5 <= elapsed < KEEPALIVE + 5, elapsed
    assert b"200" not in received


def test_a_body_that_stops_coming_is_dropped_after_the_read_timeout(server):
    """A client that announces 1,000 bytes and sends 10 gets a 400 (or a closed connection) after about
    READ_TIMEOUT seconds, and the worker serves others meanwhile."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"POST /v1/comments/check HTTP/1.1\r\nHost: x\r\nX-API-Key: " + server.key.encode()
                 + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"text\": \"")
    assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200
    try:
        elapsed, received = _seconds_until_closed(sock, READ_TIMEOUT + 10)
    finally:
        sock.close()
    assert READ_TIMEOUT - 0.5 <= elapsed < READ_TIMEOUT + 5, elapsed
    assert received == b"" or received.startswith(b"HTTP/1.1 400"), received[:200]


def test_requests_gunicorn_cannot_parse_are_answered_in_json(server):
    """A request line over gunicorn's limit gets a JSON 414 (not gunicorn's HTML page), as the API's errors are."""
    response = httpx.get(server.url + "/v1alpha1/comments:analyze?key=" + "A" * 5000, timeout=5)
    assert response.status_code == 414
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "uri_too_long"
