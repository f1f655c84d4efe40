"""The service's settings: defaults, then a config file, then a mapping (tests, embedding), then the environment.

Every setting has one name in ``app.config`` and, where it makes sense to set it from outside, one environment
variable. The CLI resolves the instance directory and the database the same way, so ``moderation keys create`` and
``moderation serve`` always agree on which file they use.

A config file (TOML, named by ``$MODERATION_CONFIG`` or ``moderation serve --config``) holds the app's settings in
``[app]`` (the names of :data:`DEFAULTS` in lower case) and the server's in ``[serve]`` (:class:`ServeSettings`)::

    [serve]
    bind = "0.0.0.0:8000"
    workers = 4
    log_format = "json"
    metrics_bind = "127.0.0.1:9100"

    [app]
    max_batch = 50
    public_url = "https://moderation.example.com"

The server's settings come from the file, then the environment (``MODERATION_BIND``, ``MODERATION_WORKERS``...:
:data:`SERVE_ENVIRONMENT`), then ``moderation serve``'s options; gunicorn then applies ``$GUNICORN_CMD_ARGS`` over
them, as it does over its own config file. Every value is checked before the server starts: a bad one is a
:class:`~service.errors.ConfigError` naming where it came from.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .storage.backends import is_database_url

__all__ = [
    "DEFAULTS",
    "ENVIRONMENT",
    "SERVE_ENVIRONMENT",
    "ServeSettings",
    "load_config",
    "load_config_file",
    "check_bind",
    "resolve_instance",
    "resolve_database",
    "resolve_model_dir",
    "resolve_serve_settings",
]

#: What a fresh install gets.
DEFAULTS: dict[str, Any] = {
    # Where the SQLite file (and, under ``moderation serve``, the Prometheus files) live.
    "INSTANCE_PATH": None,  # None: ./instance in the working directory
    # A SQLite file, or a postgresql:// URL for several service nodes on one database. None:
    # INSTANCE_PATH/moderation.sqlite3.
    "DATABASE": None,
    # The global model; None means the shipped default (or $MODERATION_MODEL, read by the library).
    "MODEL_PATH": None,
    # How often a worker looks for a new model file or a newly promoted model, at most (seconds).
    "MODEL_CHECK_INTERVAL": 1.0,
    # How many loaded models a worker keeps (global plus per-site ones).
    "MODEL_CACHE_SIZE": 4,
    # Request body limit; a batch of 100 comments of 20 KB each fits.
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
    # Comment text limit in UTF-8 bytes: Perspective's (COMMENT_TOO_LONG above it), applied to every API.
    "MAX_COMMENT_BYTES": 20 * 1024,
    # Most comments in one batch check.
    "MAX_BATCH": 100,
    # Share of approved comments kept for auditing, for sites that keep comments (held and rejected ones are
    # always kept; a site can set its own rate).
    "APPROVED_SAMPLE_RATE": 1.0,
    # SQLite: how long a writer waits for the lock, and how hard commits are flushed. NORMAL in WAL mode never
    # loses a committed transaction when a process dies (kill -9); only a power cut can lose the last ones.
    "DB_BUSY_TIMEOUT": 10.0,
    "DB_SYNCHRONOUS": "NORMAL",
    # PostgreSQL: most connections per worker process, and seconds to wait for one (or for the server).
    "DB_POOL_SIZE": 8,
    "DB_POOL_TIMEOUT": 10.0,
    # Where trained model versions are written and read: one directory per site. Nodes sharing a database must
    # share this directory too (mounted at the same path), since the database names the files. None:
    # INSTANCE_PATH/models.
    "MODEL_DIR": None,
    # The URL clients reach this server at (https://moderation.example.com), for documents that name it (Google's
    # discovery document); None: the scheme and host of each request.
    "PUBLIC_URL": None,
    # Failed short-key (12-character) lookups an address may make in 10 minutes before it may try no more.
    "SHORT_KEY_FAILURES_ALLOWED": 20,
    # /metrics: served on a separate HOST:PORT by gunicorn's master (then not on the main port), and/or behind
    # "Authorization: Bearer TOKEN" on the main port. Neither: open, for a server only trusted clients reach.
    "METRICS_BIND": None,
    "METRICS_TOKEN": None,
    # Past capacity, a request that would wait longer than this in its worker's queue is refused at once with 503
    # and Retry-After (see service.admission); 0 queues nothing and refuses nothing.
    "MAX_QUEUE_DELAY": 0.05,
    # The session cookie's Secure flag: auto (when the request is HTTPS), always or never (see service.signin).
    "SECURE_COOKIES": "auto",
    # Reverse proxies in front of the service whose X-Forwarded-For/-Proto/-Host headers are believed (0: none).
    "TRUSTED_PROXIES": 0,
}

#: Environment variables read by :func:`load_config`, and how each is parsed.
ENVIRONMENT: dict[str, tuple[str, type]] = {
    "MODERATION_INSTANCE": ("INSTANCE_PATH", str),
    "MODERATION_DATABASE_URL": ("DATABASE", str),
    "MODERATION_DB": ("DATABASE", str),
    "DATABASE": ("DATABASE", str),
    "MODERATION_MODEL": ("MODEL_PATH", str),
    "MODERATION_MODEL_CHECK_INTERVAL": ("MODEL_CHECK_INTERVAL", float),
    "MODERATION_MODEL_CACHE_SIZE": ("MODEL_CACHE_SIZE", int),
    "MODERATION_MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "MODERATION_MAX_COMMENT_BYTES": ("MAX_COMMENT_BYTES", int),
    "MODERATION_MAX_BATCH": ("MAX_BATCH", int),
    "MODERATION_APPROVED_SAMPLE_RATE": ("APPROVED_SAMPLE_RATE", float),
    "MODERATION_DB_BUSY_TIMEOUT": ("DB_BUSY_TIMEOUT", float),
    "MODERATION_DB_SYNCHRONOUS": ("DB_SYNCHRONOUS", str),
    "MODERATION_DB_POOL_SIZE": ("DB_POOL_SIZE", int),
    "MODERATION_DB_POOL_TIMEOUT": ("DB_POOL_TIMEOUT", float),
    "MODERATION_MODEL_DIR": ("MODEL_DIR", str),
    "MODERATION_PUBLIC_URL": ("PUBLIC_URL", str),
    "MODERATION_SHORT_KEY_FAILURES_ALLOWED": ("SHORT_KEY_FAILURES_ALLOWED", int),
    "MODERATION_METRICS_BIND": ("METRICS_BIND", str),
    "MODERATION_METRICS_TOKEN": ("METRICS_TOKEN", str),
    "MODERATION_MAX_QUEUE_DELAY": ("MAX_QUEUE_DELAY", float),
    "MODERATION_SECURE_COOKIES": ("SECURE_COOKIES", str),
    "MODERATION_TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
}

# When several variables set one setting, the later ones here win.
_PRECEDENCE = ("DATABASE", "MODERATION_DB", "MODERATION_DATABASE_URL")


def load_config(mapping: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, overridden by the config file's ``[app]``, by ``mapping``, by the environment; paths resolved.

    Raises
    ------
    ConfigError
        When a setting or environment variable is invalid; the message names it.
    """
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    if environ.get("MODERATION_CONFIG"):
        config.update(_app_section(load_config_file(environ["MODERATION_CONFIG"]), environ["MODERATION_CONFIG"]))
    config.update(mapping or {})
    # MODERATION_DATABASE_URL wins over MODERATION_DB, which wins over the generic DATABASE.
    for name in sorted(ENVIRONMENT, key=lambda n: _PRECEDENCE.index(n) if n in _PRECEDENCE else len(_PRECEDENCE)):
        key, kind = ENVIRONMENT[name]
        raw = environ.get(name)
        if raw is None or raw == "":
            continue
        try:
            config[key] = kind(raw)
        except ValueError:
            raise ConfigError(f"environment variable {name}={raw!r} is not a valid {kind.__name__}") from None
    config["INSTANCE_PATH"] = str(resolve_instance(config["INSTANCE_PATH"]))
    config["DATABASE"] = str(resolve_database(config["DATABASE"], config["INSTANCE_PATH"]))
    config["MODEL_DIR"] = str(resolve_model_dir(config["MODEL_DIR"], config["INSTANCE_PATH"]))
    if config["MAX_BATCH"] < 1 or config["MAX_COMMENT_BYTES"] < 1:
        raise ConfigError("MAX_BATCH and MAX_COMMENT_BYTES must be positive")
    if not 0.0 <= float(config["APPROVED_SAMPLE_RATE"]) <= 1.0:
        raise ConfigError("APPROVED_SAMPLE_RATE must be in [0, 1]")
    if config["SECURE_COOKIES"] not in ("auto", "always", "never"):
        raise ConfigError(f"SECURE_COOKIES must be auto, always or never, got {config['SECURE_COOKIES']!r}")
    if int(config["TRUSTED_PROXIES"]) < 0:
        raise ConfigError("TRUSTED_PROXIES must be 0 or more")
    return config


def resolve_instance(instance: str | os.PathLike[str] | None = None) -> Path:
    """The instance directory: the argument, else $MODERATION_INSTANCE, else ./instance."""
    chosen = instance or os.environ.get("MODERATION_INSTANCE") or "instance"
    return Path(chosen).expanduser().resolve()


def resolve_database(
    database: str | os.PathLike[str] | None = None, instance: str | os.PathLike[str] | None = None
) -> Path | str:
    """The database: the ``database`` argument; else $MODERATION_DATABASE_URL; else INSTANCE/moderation.sqlite3 when
    ``instance`` is given; else $MODERATION_DB / $DATABASE; else $MODERATION_INSTANCE/moderation.sqlite3
    (./instance/moderation.sqlite3 by default). A URL (``postgresql://...``) is returned as given, a file path
    resolved."""
    chosen = database or os.environ.get("MODERATION_DATABASE_URL")
    if not chosen and not instance:
        chosen = os.environ.get("MODERATION_DB") or os.environ.get("DATABASE")
    if chosen and is_database_url(str(chosen)):
        return str(chosen)
    if chosen:
        return Path(chosen).expanduser().resolve()
    return resolve_instance(instance) / "moderation.sqlite3"


def resolve_model_dir(
    model_dir: str | os.PathLike[str] | None = None, instance: str | os.PathLike[str] | None = None
) -> Path:
    """Where model versions live: the argument, else $MODERATION_MODEL_DIR, else INSTANCE/models."""
    chosen = model_dir or os.environ.get("MODERATION_MODEL_DIR")
    return Path(chosen).expanduser().resolve() if chosen else resolve_instance(instance) / "models"


def load_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The TOML config file as a dict of sections.

    Raises
    ------
    ConfigError
        When the file is missing, not TOML, or has sections other than ``[serve]`` and ``[app]``.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"serve", "app"})
    if unknown:
        raise ConfigError(f"config file {path}: unknown section(s) {unknown}; use [serve] and [app]")
    for section, value in data.items():
        if not isinstance(value, dict):
            raise ConfigError(f"config file {path}: {section} must be a [{section}] table")
    return data


def _app_section(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    app = {}
    for name, value in data.get("app", {}).items():
        key = name.upper()
        if key not in DEFAULTS or key in ("INSTANCE_PATH", "DATABASE"):
            known = ", ".join(sorted(k.lower() for k in DEFAULTS if k not in ("INSTANCE_PATH", "DATABASE")))
            raise ConfigError(f"config file {path}: unknown [app] setting {name!r}; known: {known}")
        app[key] = value
    return app


@dataclass(frozen=True)
class ServeSettings:
    """How ``moderation serve`` runs gunicorn.

    Attributes
    ----------
    bind : str
        ``HOST:PORT`` (``[::1]:8000`` for IPv6) or ``unix:/path``.
    workers, threads, timeout : int
        Worker processes, threads per worker (``gthread`` workers only), seconds before a stuck worker is restarted.
    worker_class : str
        ``gevent`` (a greenlet per connection: idle or slow clients cost nothing; see :mod:`service.server`) or
        ``gthread`` (a thread per connection, no protection from slow clients).
    worker_connections : int
        Connections each gevent worker holds at most (beyond, new ones wait in the kernel's backlog).
    keepalive : int
        Seconds a client has to send a request's headers, and an idle connection stays open.
    read_timeout : int
        Seconds each later read (a body) or write (the answer) may take before the connection is dropped.
    log_level : str
        ``debug``, ``info``, ``warning`` or ``error``.
    log_format : str
        ``json`` (one JSON object per line, with the request id and duration in access lines) or ``text``.
    access_log : bool
        Log every request.
    metrics_bind : str or None
        Serve ``/metrics`` on this separate ``HOST:PORT`` (from gunicorn's master) and not on the main port.
    metrics_token : str or None
        Require ``Authorization: Bearer TOKEN`` for ``/metrics`` on the main port.
    """

    bind: str = "127.0.0.1:8000"
    workers: int = 2
    threads: int = 4
    worker_class: str = "gevent"
    worker_connections: int = 1000
    keepalive: int = 5
    read_timeout: int = 10
    timeout: int = 30
    log_level: str = "info"
    log_format: str = "json"
    access_log: bool = False
    metrics_bind: str | None = None
    metrics_token: str | None = None

    def __repr__(self) -> str:  # the token never reaches a log line
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        shown["metrics_token"] = "***" if self.metrics_token else None
        return "ServeSettings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


#: Environment variables of :class:`ServeSettings`.
SERVE_ENVIRONMENT = {
    "MODERATION_BIND": "bind",
    "MODERATION_WORKERS": "workers",
    "MODERATION_THREADS": "threads",
    "MODERATION_WORKER_CLASS": "worker_class",
    "MODERATION_WORKER_CONNECTIONS": "worker_connections",
    "MODERATION_KEEPALIVE": "keepalive",
    "MODERATION_READ_TIMEOUT": "read_timeout",
    "MODERATION_TIMEOUT": "timeout",
    "MODERATION_LOG_LEVEL": "log_level",
    "MODERATION_LOG_FORMAT": "log_format",
    "MODERATION_ACCESS_LOG": "access_log",
    "MODERATION_METRICS_BIND": "metrics_bind",
    "MODERATION_METRICS_TOKEN": "metrics_token",
}
_CHOICES = {
    "log_level": ("debug", "info", "warning", "error"),
    "log_format": ("json", "text"),
    "worker_class": ("gevent", "gthread"),
}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _coerce(name: str, value: Any, where: str) -> Any:
    kind = {f.name: f.type for f in dataclasses.fields(ServeSettings)}[name]
    text = str(value).strip()
    if kind == "int":
        if isinstance(value, bool) or not text.lstrip("-").isdigit():
            raise ConfigError(f"{where}: {name} must be a whole number, got {value!r}")
        if int(text) < 1:
            raise ConfigError(f"{where}: {name} must be at least 1, got {value!r}")
        return int(text)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if text.lower() not in _TRUE + _FALSE:
            raise ConfigError(f"{where}: {name} must be true or false, got {value!r}")
        return text.lower() in _TRUE
    if name in _CHOICES:
        if text.lower() not in _CHOICES[name]:
            raise ConfigError(f"{where}: {name} must be one of {', '.join(_CHOICES[name])}, got {value!r}")
        return text.lower()
    return text or None


def resolve_serve_settings(
    options: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> ServeSettings:
    """The server's settings: defaults < config file ``[serve]`` < environment < ``options`` (None: not given).

    Raises
    ------
    ConfigError
        For an unknown or invalid setting, naming the file, variable or option it came from.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or environ.get("MODERATION_CONFIG")
    if path:
        section = load_config_file(path).get("serve", {})
        names = {f.name for f in dataclasses.fields(ServeSettings)}
        for name, value in section.items():
            if name not in names:
                known = ", ".join(sorted(names))
                raise ConfigError(f"config file {path}: unknown [serve] setting {name!r}; known: {known}")
            values[name] = _coerce(name, value, f"config file {path}")
    for variable, name in SERVE_ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw not in (None, ""):
            values[name] = _coerce(name, raw, f"environment variable {variable}")
    for name, value in (options or {}).items():
        if value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    settings = ServeSettings(**values)
    check_bind(settings.bind, "bind")
    if settings.metrics_bind:
        check_bind(settings.metrics_bind, "metrics_bind", allow_unix=False)
    return settings


#: Seconds :func:`check_bind` waits for a port in use to be released.
PORT_RELEASE_WAIT = 5.0


def check_bind(address: str, name: str = "bind", *, allow_unix: bool = True) -> None:
    """Refuse an address gunicorn could not listen on: a bad form, a port out of range, an unknown host, or a port
    already taken (tried by binding it for a moment).

    Raises
    ------
    ConfigError
        Naming the address and the problem.
    """
    if allow_unix and address.startswith("unix:"):
        if not address[5:]:
            raise ConfigError(f"{name} {address!r}: a unix socket needs a path, like unix:/run/moderation.sock")
        return
    host, sep, port_text = address.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"{name} {address!r} is not HOST:PORT with a port from 1 to 65535, like 127.0.0.1:8000")
    try:
        infos = socket.getaddrinfo(host, int(port_text), type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"{name} {address!r}: unknown host {host!r} ({exc.strerror})") from None
    family, kind, proto, _, sockaddr = infos[0]
    # A port still held for a moment by the workers of a server that was just killed (they close it when they
    # notice their master's death) is tried again for a few seconds, as gunicorn itself retries its bind.
    deadline = time.monotonic() + PORT_RELEASE_WAIT
    while True:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(sockaddr)
                return
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                    raise ConfigError(f"{name} {address!r}: cannot listen there ({exc.strerror})") from None
        time.sleep(0.2)
