"""The application factory: settings, storage, the models a worker serves, one blueprint per API family.

``create_app`` reads settings (defaults, then ``test_config``, then the environment: see :mod:`service.config`),
opens and migrates the database, loads the model once for this worker, and registers one blueprint per API
family. Shared objects live in ``app.extensions``: ``moderation.storage`` (:class:`~service.storage.Storage`),
``moderation.models`` (:class:`~service.model_holder.ModelHolder`) and ``moderation.checker``
(:class:`~service.checks.Checker`). The moderators' pages (:mod:`service.moderate`) are registered too.
Production runs it under gunicorn (``moderation serve``, :mod:`service.server`).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

__all__ = ["create_app"]

log = logging.getLogger("service")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app.

    Parameters
    ----------
    test_config : mapping, optional
        Settings that override the defaults (the environment still wins; see :mod:`service.config`).

    Returns
    -------
    Flask
        Ready to serve; if the model cannot be loaded the app still starts, ``/readyz`` answers 503 with the reason
        and checks answer 503 until the file is fixed (it is retried when it changes).
    """
    from moderation.errors import ModerationError

    from . import akismet, health, metrics, moderate, native, perspective
    from .checks import Checker
    from .config import load_config
    from .http_errors import register_error_handlers
    from .model_holder import ModelHolder
    from .storage import Storage

    config = load_config(test_config)
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"])
    app.config.update(config)
    app.json.sort_keys = False
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    storage = Storage(config["DATABASE"], busy_timeout=config["DB_BUSY_TIMEOUT"], synchronous=config["DB_SYNCHRONOUS"])
    storage.migrate()

    instance = Path(app.instance_path)

    def resolve(site_id: int | None) -> str | None:
        path = storage.models.active_path(site_id)
        return str(instance / path) if path and not Path(path).is_absolute() else path

    models = ModelHolder(
        config["MODEL_PATH"],
        resolver=resolve,
        check_interval=config["MODEL_CHECK_INTERVAL"],
        cache_size=config["MODEL_CACHE_SIZE"],
    )
    try:
        models.load_default()
    except (ModerationError, OSError) as exc:
        log.error("the model could not be loaded; /readyz answers 503 until it can: %s", exc)

    app.extensions["moderation.storage"] = storage
    app.extensions["moderation.models"] = models
    app.extensions["moderation.checker"] = Checker(storage, models, approved_sample_rate=config["APPROVED_SAMPLE_RATE"])

    @app.before_request
    def _request_id() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers["X-Request-Id"] = getattr(g, "request_id", "")
        return response

    metrics.instrument(app)
    register_error_handlers(app)

    for blueprint in (health.bp, native.bp, akismet.bp, perspective.bp):
        app.register_blueprint(blueprint)
    moderate.register(app)  # the moderators' pages (/moderate), built on the same storage
    return app
