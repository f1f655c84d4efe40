"""The service's exceptions: one base class, :class:`ServiceError`, and a subclass for each kind of failure.

Each says when it is raised. The library's own errors (:class:`moderation.ModerationError`) are a separate family:
the service catches them where it calls the library and answers or re-raises in its own terms. How each error is
answered over HTTP, in each API family's dialect, is :mod:`service.http_errors`.

This module imports nothing heavy, so the storage layer and the command line can raise these without Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ServiceError",
    "ConfigError",
    "StorageError",
    "UploadError",
    "PolicySettingsError",
    "ModelUnavailable",
    "RetrainBusy",
    "InvalidPassword",
    "DependencyMissing",
    "APIError",
    "InvalidBody",
    "InvalidField",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "PerspectiveError",
    "PERSPECTIVE_ERROR_TYPE",
]


class ServiceError(Exception):
    """Base class of every exception the service raises on purpose."""


class ConfigError(ServiceError, ValueError):
    """Raised by :func:`service.config.load_config` when a setting (or its environment variable) is invalid."""


class StorageError(ServiceError):
    """Raised by :mod:`service.storage` when the database cannot do what was asked: a schema newer than this code, a
    failed migration, a bad site URL, an unknown site, key, model or job, a value outside its column's range."""


class UploadError(ServiceError, ValueError):
    """Raised for a labeled upload that cannot be imported (too large, not UTF-8, not CSV, wrong columns, labels
    outside 0/1); the message says what is wrong and how to fix it, naming the row."""


class PolicySettingsError(ServiceError, ValueError):
    """Raised by :func:`service.site_policy.parse_settings` for invalid site policy settings; ``field`` names the
    offending one (``thresholds.spam``)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class ModelUnavailable(ServiceError):
    """Raised by :class:`service.model_holder.ModelHolder` when no model can serve a request: the file is missing or
    broken and nothing was loaded before. Answered 503."""


class RetrainBusy(ServiceError):
    """Raised when a retrain of a site is asked for while another one of that site is still running."""


class InvalidPassword(ServiceError):
    """Raised by ``moderation users create`` for a password it refuses: shorter than 8 characters, or typed
    differently twice."""


class DependencyMissing(ServiceError):
    """Raised by a service command whose dependencies (the ``service`` extra: Flask, gunicorn, prometheus_client)
    are not installed; the message says ``pip install 'moderation[service]'``."""


class APIError(ServiceError):
    """A native-API error: an HTTP status, a stable machine-readable ``code``, a message naming the fix."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.headers = headers or {}


class InvalidBody(APIError):
    """Raised when the body is not what the endpoint reads: not JSON, not UTF-8, not an object."""

    status = 400
    code = "invalid_body"


class InvalidField(APIError):
    """Raised when a field is missing, has the wrong type or is out of range; ``field`` names it
    (``comments[2].text``)."""

    status = 422
    code = "invalid_field"


class Unauthorized(APIError):
    """Raised when a request has no API key, or one that is unknown or revoked."""

    status = 401
    code = "unauthorized"

    def __init__(self, message: str):
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="moderation"'})


class Forbidden(APIError):
    """Raised when a valid key asks to act on another site's data."""

    status = 403
    code = "forbidden"


class NotFound(APIError):
    """Raised when nothing is stored under the id a request names."""

    status = 404
    code = "not_found"


#: The ``@type`` of Perspective's error details.
PERSPECTIVE_ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


class PerspectiveError(ServiceError):
    """Raised by the Perspective-compatible endpoints; answered in Google's error shape, with Perspective's
    ``errorType`` when it has one."""

    def __init__(
        self,
        message: str,
        error_type: str | None = "INVALID_REQUEST",
        status: int = 400,
        extra: Mapping[str, Any] | None = None,
        details: list[dict[str, Any]] | None = None,
    ):
        super().__init__(message)
        self.message, self.status = message, status
        if details is None and error_type:
            details = [{"@type": PERSPECTIVE_ERROR_TYPE, "errorType": error_type, **(extra or {})}]
        self.details = details
