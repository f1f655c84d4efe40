"""Operational endpoints, open without a key: liveness, readiness, Prometheus metrics and the OpenAPI document."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request

from . import metrics
from .errors import ModelUnavailable, NotFound, Unauthorized
from .model_holder import ModelHolder
from .openapi import document

__all__ = ["bp"]

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process answers: always 200 while it runs."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 when the global model is loaded and the database answers; 503 (with the reasons) until then."""
    models: ModelHolder = current_app.extensions["moderation.models"]
    problems = []
    version = None
    try:
        version = models.get(None).version  # also retries a model file that appeared or changed since a failure
    except ModelUnavailable as exc:
        problems.append(f"model not loaded: {exc}")
    try:
        current_app.extensions["moderation.storage"].ping()
    except Exception as exc:  # any database failure makes the worker unready, whatever its kind
        problems.append(f"database unavailable: {type(exc).__name__}")
    if problems:
        response = jsonify(status="unavailable", problems=problems)
        response.status_code = 503
        return response
    return jsonify(status="ready", model_version=version)


@bp.get("/metrics")
def prometheus():
    """Prometheus metrics; not here when they have their own port, and only with the token when one is set."""
    if current_app.config.get("METRICS_BIND"):
        raise NotFound(f"/metrics is served on {current_app.config['METRICS_BIND']}, not on this port")
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not (given[:7].lower() == "bearer " and hmac.compare_digest(given[7:].strip(), token)):
            raise Unauthorized("/metrics needs 'Authorization: Bearer TOKEN' (the server's metrics token)")
    return metrics.render()


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
