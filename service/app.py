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
    from moderation.language import identify

    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import akismet, akismet_account, coral, discovery, headers, health, metrics, moderate, native, perspective
    from .admission import Admission, gevent_offload, gevent_work_stage
    from .checks import Checker
    from .config import load_config
    from .http_errors import register_error_handlers
    from .model_holder import ModelHolder
    from .json_provider import FastJSONProvider
    from .storage import Storage

    config = load_config(test_config)
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"])
    app.config.update(config)
    app.json = FastJSONProvider(app)
    app.json.sort_keys = False
    if config["TRUSTED_PROXIES"]:  # believe the forwarded client address, scheme and host of that many proxies
        n = int(config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    stage = gevent_work_stage() if config["MAX_QUEUE_DELAY"] > 0 else None
    if config["MAX_QUEUE_DELAY"] > 0:  # refuse work past capacity, before Flask sees it
        app.wsgi_app = Admission(
            app.wsgi_app, config["MAX_QUEUE_DELAY"], stage, config["MAX_CONTENT_LENGTH"], metrics.count_refused
        )
    instance_dir = Path(app.instance_path)
    if not instance_dir.is_dir():
        instance_dir.mkdir(parents=True, mode=0o700)  # the database, keys' hashes and models: the owner's only

    storage = Storage(
        config["DATABASE"],
        busy_timeout=config["DB_BUSY_TIMEOUT"],
        synchronous=config["DB_SYNCHRONOUS"],
        pool_size=config["DB_POOL_SIZE"],
        pool_timeout=config["DB_POOL_TIMEOUT"],
    )
    storage.migrate()
    if hasattr(storage.db, "offload"):
        storage.db.offload = gevent_offload(stage)  # waits for SQLite's lock or the disk leave the loop serving

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
    models.offload = gevent_offload(stage)  # a model loading leaves the event loop serving
    try:
        models.load_default()
    except (ModerationError, OSError) as exc:
        log.error("the model could not be loaded; /readyz answers 503 until it can: %s", exc)
    # The language identifier (Perspective's detectedLanguages, Coral's phase) is loaded now, once per process,
    # not by the first request that needs it.
    identify("")

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
    headers.install(app)
    register_error_handlers(app)

    blueprints = (health.bp, native.bp, akismet.bp, akismet_account.bp, perspective.bp, discovery.bp, coral.bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    moderate.register(app)  # the moderators' pages (/moderate), built on the same storage
    return app
