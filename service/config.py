"""The service's settings: defaults, then a mapping (tests, embedding), then the environment.

Every setting has one name in ``app.config`` and, where it makes sense to set it from outside, one environment
variable. The CLI resolves the instance directory and the database the same way, so ``moderation keys create`` and
``moderation serve`` always agree on which file they use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["DEFAULTS", "ENVIRONMENT", "load_config", "resolve_instance", "resolve_database"]

#: What a fresh install gets.
DEFAULTS: dict[str, Any] = {
    # Where the SQLite file (and, under ``moderation serve``, the Prometheus files) live.
    "INSTANCE_PATH": None,  # None: ./instance in the working directory
    "DATABASE": None,  # None: INSTANCE_PATH/moderation.sqlite3
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
}

#: Environment variables read by :func:`load_config`, and how each is parsed.
ENVIRONMENT: dict[str, tuple[str, type]] = {
    "MODERATION_INSTANCE": ("INSTANCE_PATH", str),
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
}


def load_config(mapping: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, overridden by ``mapping``, overridden by the environment; paths resolved.

    Raises
    ------
    ConfigError
        When a setting or environment variable is invalid; the message names it.
    """
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    config.update(mapping or {})
    # MODERATION_DB wins over the generic DATABASE when both are set.
    for name in sorted(ENVIRONMENT, key=lambda n: n != "DATABASE"):
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
    if config["MAX_BATCH"] < 1 or config["MAX_COMMENT_BYTES"] < 1:
        raise ConfigError("MAX_BATCH and MAX_COMMENT_BYTES must be positive")
    if not 0.0 <= float(config["APPROVED_SAMPLE_RATE"]) <= 1.0:
        raise ConfigError("APPROVED_SAMPLE_RATE must be in [0, 1]")
    return config


def resolve_instance(instance: str | os.PathLike[str] | None = None) -> Path:
    """The instance directory: the argument, else $MODERATION_INSTANCE, else ./instance."""
    chosen = instance or os.environ.get("MODERATION_INSTANCE") or "instance"
    return Path(chosen).expanduser().resolve()


def resolve_database(
    database: str | os.PathLike[str] | None = None, instance: str | os.PathLike[str] | None = None
) -> Path:
    """The SQLite file: the ``database`` argument; else INSTANCE/moderation.sqlite3 when ``instance`` is given; else
    $MODERATION_DB / $DATABASE; else $MODERATION_INSTANCE/moderation.sqlite3 (./instance/moderation.sqlite3 by
    default)."""
    chosen = database or (None if instance else os.environ.get("MODERATION_DB") or os.environ.get("DATABASE"))
    if chosen:
        return Path(chosen).expanduser().resolve()
    return resolve_instance(instance) / "moderation.sqlite3"
