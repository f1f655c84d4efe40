"""Refusing work past capacity (service.admission): a request that waited too long in its worker's queue gets 503
with Retry-After in its API's dialect, before any work; health endpoints are always answered; nothing is refused
outside a cooperative worker."""

from __future__ import annotations

import pytest

from harness import make_app
from service.admission import Admission, gevent_queue_delay


@pytest.fixture
def behind(tmp_path, tiny_model_path):
    """An app whose worker reports a queue delay of ``delay[0]`` seconds (5 ms allowed)."""
    app = make_app(tmp_path, tiny_model_path)
    delay = [0.0]
    refused = []
    app.wsgi_app = Admission(app.wsgi_app.app, 0.005, lambda: delay[0], refused.append)
    return app, delay, refused


@pytest.mark.parametrize(
    ("path", "family", "check"),
    [
        ("/v1/comments/check", "native", lambda r: r.get_json()["error"]["code"] == "overloaded"),
        ("/v1alpha1/comments:analyze", "perspective", lambda r: r.get_json()["error"]["status"] == "UNAVAILABLE"),
        ("/1.1/comment-check", "akismet", lambda r: r.get_data(as_text=True) == "Service Unavailable"),
    ],
)
def test_a_request_that_waited_too_long_is_refused_in_its_dialect(behind, path, family, check):
    """Past the queue-delay bound: 503, Retry-After: 1, the API's own error shape, counted by API."""
    app, delay, refused = behind
    delay[0] = 0.050
    response = app.test_client().post(path, data=b"{}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert check(response)
    assert refused == [family]


def test_requests_within_the_bound_are_served(behind):
    app, delay, refused = behind
    delay[0] = 0.004
    assert app.test_client().post("/v1/comments/check", json={"text": "x"}).status_code == 401  # reached the API
    assert refused == []


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_health_endpoints_are_never_refused(behind, path):
    app, delay, _ = behind
    delay[0] = 10.0
    assert app.test_client().get(path).status_code == 200


def test_outside_gevent_nothing_is_refused(app):
    """In a plain process (tests, threads) there is no loop to measure: admission admits everything."""
    assert gevent_queue_delay() is None
    assert app.wsgi_app.delay is None
