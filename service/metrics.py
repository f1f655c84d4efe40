"""Prometheus metrics: requests and latency by endpoint and status, verdicts overall and by label, the model each
worker serves, and process metrics of every server process.

Under ``moderation serve`` several gunicorn workers each count their own requests; ``prometheus_client``'s
multiprocess mode (files in ``$PROMETHEUS_MULTIPROC_DIR``, set up by the server before any worker starts) lets
``/metrics`` of any worker report the sum. Without that variable (tests, a single process) the default registry is
used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import Metric

from moderation import Policy

__all__ = [
    "REQUESTS",
    "LATENCY",
    "VERDICTS",
    "LABEL_VERDICTS",
    "MODEL_INFO",
    "REFUSED",
    "ProcessTreeCollector",
    "instrument",
    "observe_checks",
    "observe_model",
    "count_refused",
    "render",
    "start_metrics_server",
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


MODEL_INFO = Gauge(
    "moderation_model_info",
    "The model file a worker serves (1; 0 for one it served before), by file name, version and sha256.",
    ["file", "version", "sha256"],
    multiprocess_mode="liveall",
)
_SERVED: dict[str, tuple[str, str, str]] = {}


def observe_model(path: str, version: str, sha256: str) -> None:
    """Record that this process now serves ``version`` of the model file at ``path``."""
    labels = (os.path.basename(path), version, sha256)
    previous = _SERVED.get(path)
    if previous is not None and previous != labels:
        MODEL_INFO.labels(*previous).set(0)
    MODEL_INFO.labels(*labels).set(1)
    _SERVED[path] = labels


class ProcessTreeCollector:
    """CPU, memory, open files and start time of a process and its children (gunicorn's master and workers),
    labelled by ``pid`` and ``role``.

    prometheus_client's own process metrics describe only the process that answers; in multiprocess mode they are
    left out altogether. This collector reads each process of the tree with prometheus_client's
    ``ProcessCollector`` (from /proc) and names the samples ``moderation_process_*``.
    """

    def __init__(self, root: Callable[[], int]):
        self.root = root

    def _tree(self) -> list[tuple[int, str]]:
        root = self.root()
        found = [(root, "master")]
        try:
            children = open(f"/proc/{root}/task/{root}/children").read().split()
        except OSError:
            children = []
        return found + [(int(pid), "worker") for pid in children]

    def collect(self) -> Iterator[Metric]:
        from prometheus_client import ProcessCollector

        merged: dict[str, Metric] = {}
        for pid, role in self._tree():
            collector = ProcessCollector(namespace="moderation", pid=lambda pid=pid: pid, registry=None)
            for family in collector.collect():
                into = merged.setdefault(family.name, Metric(family.name, family.documentation, family.type))
                for sample in family.samples:
                    into.add_sample(sample.name, {**sample.labels, "pid": str(pid), "role": role}, sample.value)
        yield from merged.values()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        # A worker answers: its parent is gunicorn's master. The master answers (separate port): itself.
        root = os.getppid if os.environ.get("MODERATION_METRICS_IN_MASTER") != str(os.getpid()) else os.getpid
        registry.register(ProcessTreeCollector(root))
    else:
        for collector in (REQUESTS, LATENCY, VERDICTS, LABEL_VERDICTS, MODEL_INFO):
            registry.register(collector)
        registry.register(ProcessTreeCollector(os.getpid))
    return registry


def start_metrics_server(bind: str) -> None:
    """Serve ``/metrics`` on ``bind`` (``HOST:PORT``) from this process, in a daemon thread (gunicorn's master)."""
    from prometheus_client import start_http_server

    host, _, port = bind.rpartition(":")
    os.environ["MODERATION_METRICS_IN_MASTER"] = str(os.getpid())
    start_http_server(int(port), addr=host.strip("[]"), registry=_registry())


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
    """The exposition text: every worker's metrics in multiprocess mode, this process's otherwise; process metrics
    of the whole server."""
    return Response(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
