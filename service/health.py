"""Operational endpoints, open without a key: liveness, readiness, Prometheus metrics and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from . import metrics
from .errors import ModelUnavailable
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
    return metrics.render()


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
