"""Prometheus metrics: requests and latency by endpoint and status, verdicts overall and by label.

Under ``moderation serve`` several gunicorn workers each count their own requests; ``prometheus_client``'s
multiprocess mode (files in ``$PROMETHEUS_MULTIPROC_DIR``, set up by the server before any worker starts) lets
``/metrics`` of any worker report the sum. Without that variable (tests, a single process) the default registry is
used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

from moderation import Policy

__all__ = [
    "REQUESTS",
    "LATENCY",
    "VERDICTS",
    "LABEL_VERDICTS",
    "REFUSED",
    "instrument",
    "observe_checks",
    "count_refused",
    "render",
]

# The *_created series (a timestamp per label set) double the exposition and are not used by anyone here.
disable_created_metrics()

REQUESTS = Counter(
    "moderation_http_requests",
    "HTTP requests answered, by endpoint (route pattern), method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "moderation_http_request_duration_seconds",
    "Time to answer a request, by endpoint (route pattern).",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
VERDICTS = Counter("moderation_verdicts", "Checked comments by verdict and API.", ["verdict", "api"])
REFUSED = Counter(
    "moderation_http_refused",
    "Requests refused with 503 and Retry-After because their worker was over capacity, by API.",
    ["api"],
)
LABEL_VERDICTS = Counter(
    "moderation_label_verdicts",
    "Checked comments by label and the verdict that label alone gives (its own hold / reject thresholds).",
    ["label", "verdict"],
)


def instrument(app: Flask) -> None:
    """Time and count every request, labelled by its route pattern (``unmatched`` for unknown paths)."""

    @app.before_request
    def _start_timer() -> None:
        g.metrics_start = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        start = getattr(g, "metrics_start", None)
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        if start is not None:
            LATENCY.labels(endpoint).observe(time.perf_counter() - start)
        return response


def observe_checks(api: str, outcomes: Iterable[tuple[str, Mapping[str, float]]], policy: Policy) -> None:
    """Count verdicts: ``outcomes`` are (verdict, probabilities) pairs of one request."""
    for verdict, probabilities in outcomes:
        VERDICTS.labels(verdict, api).inc()
        for label, probability in probabilities.items():
            thresholds = policy.thresholds.get(label)
            if thresholds is not None:
                LABEL_VERDICTS.labels(label, thresholds.verdict(probability).value).inc()


def count_refused(api: str) -> None:
    REFUSED.labels(api).inc()


def render() -> Response:
    """The exposition text: every worker's metrics in multiprocess mode, this process's otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = DEFAULT_REGISTRY
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
