"""How errors are answered over HTTP: the app-wide handlers that turn every failure into a clean response.

Each API family answers errors in its own dialect: the native API in JSON (``{"error": {"code", "message",
"field", "request_id"}}``), the Akismet endpoints in plain text, the Perspective endpoints in Google's JSON error shape.
The handlers are registered on the app, not on blueprints, because routing errors (404, 405) and body-size errors
(413) happen before any blueprint is chosen; the family is told from the path.

Nothing unexpected reaches a client: the catch-all handler logs the exception with its request id and answers a
generic 500 without details.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException

from .errors import APIError, ModelUnavailable

__all__ = [
    "api_family",
    "native_error",
    "google_error",
    "plain_error",
    "register_error_handlers",
    "GOOGLE_STATUS",
]

log = logging.getLogger("service")


#: google.rpc.Code names for HTTP statuses, as Google APIs (Perspective) answer them.
GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def _request_id() -> str | None:
    return getattr(g, "request_id", None)


def native_error(
    status: int, code: str, message: str, *, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    body["request_id"] = _request_id()
    response = jsonify(error=body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def google_error(
    status: int, message: str, details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None
) -> Response:
    """Google's JSON error: ``{"error": {"code", "message", "status", "details"}}``."""
    body: dict[str, Any] = {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}
    if details:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def plain_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(message, status=status, mimetype="text/plain")
    response.headers.update(headers or {})
    return response


def api_family(path: str) -> str:
    """Which API a path belongs to: ``"akismet"``, ``"perspective"`` or ``"native"``."""
    if path.startswith(("/1.1/", "/1.2/")):
        return "akismet"
    if path.startswith(("/v1alpha1/", "/$discovery/", "/discovery/")):
        return "perspective"
    return "native"


_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
_HTTP_MESSAGES = {
    404: "no such endpoint; see /openapi.json for the native API",
    413: "request body too large",
}


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers: dict[str, str] = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    message = _HTTP_MESSAGES.get(status) or (exc.description or exc.name)
    if status == 405:
        message = f"method {request.method} is not allowed here; use {headers.get('Allow', 'another method')}"
    if status == 413:
        limit = request.max_content_length
        message = f"request body too large: the limit is {limit} bytes" if limit else message
    return _in_dialect(status, _HTTP_CODES.get(status, "http_error"), message, exc.name, headers)


def _in_dialect(status: int, code: str, message: str, plain: str, headers: dict[str, str] | None = None) -> Response:
    """The answer of the request's API family: native JSON with ``code``, Google's JSON, or Akismet's ``plain``."""
    family = api_family(request.path)
    if family == "akismet":
        return plain_error(status, plain, headers)
    if family == "perspective":
        return google_error(status, message, headers=headers)
    return native_error(status, code, message, headers=headers)


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error in %s %s (request %s)", request.method, request.path, _request_id())
    return _in_dialect(500, "internal_error", "internal error; the server logged it", "Internal Server Error")


def _api_error(exc: APIError) -> Response:
    return native_error(exc.status, exc.code, exc.message, field=exc.field, headers=exc.headers)


def _no_model(exc: ModelUnavailable) -> Response:
    return _in_dialect(503, "model_unavailable", "no model is loaded for this site; the server logged why",
                       "Service Unavailable")


def _unreadable_body(exc: Exception) -> Response:
    """The WSGI server could not read the body (broken chunk framing, a read timeout): the client's fault, a 400."""
    log.info("unreadable request body in %s %s: %s", request.method, request.path, exc)
    return _http_error(BadRequest(f"the request body could not be read: {exc or type(exc).__name__}"))


def register_error_handlers(app: Flask) -> None:
    """JSON (or the family's dialect) for every error, including routing errors and unexpected exceptions."""
    app.register_error_handler(APIError, _api_error)
    app.register_error_handler(ModelUnavailable, _no_model)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(TimeoutError, _unreadable_body)
    try:
        from gunicorn.http.errors import ParseException
    except ImportError:  # not under gunicorn
        pass
    else:
        app.register_error_handler(ParseException, _unreadable_body)
    app.register_error_handler(Exception, _unexpected)
