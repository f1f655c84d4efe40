"""Reading request bodies strictly: UTF-8, real JSON, within the size limit, and nothing else.

Every failure raises the caller's exception type with a message that says what is wrong and where, so each API
family can answer in its own dialect. The size limit itself (413) is enforced while reading, for bodies with a
``Content-Length`` and for chunked ones alike: a body over the limit is refused whole, never cut.

What a decoded body may hold is bounded too: integers beyond 64 bits are refused (nothing here needs them, and
``float()`` of a 400-digit integer overflows), and unpaired UTF-16 surrogates (legal in JSON escapes, not in UTF-8,
so SQLite cannot store them) are replaced by U+FFFD in every string of the document, keys included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

__all__ = ["read_body", "read_json", "utf8_size", "clean_text", "clean_strings", "http_url", "MAX_JSON_INTEGER", "MAX_ID_CHARS"]

_SURROGATE = re.compile("[\ud800-\udfff]")
#: A JSON escape of a UTF-16 surrogate (``\ud800``..``\udfff``): only a body holding one needs cleaning.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: Largest integer magnitude a JSON body may hold.
MAX_JSON_INTEGER = 2**63 - 1
#: Longest id of a comment or thread that any API (or an upload) accepts, in characters.
MAX_ID_CHARS = 256


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _IntegerOutOfRange(ValueError):
    pass


def _bounded_int(digits: str) -> int:
    value = int(digits) if len(digits) <= 20 else None  # int() of thousands of digits is itself slow
    if value is None or abs(value) > MAX_JSON_INTEGER:
        shown = digits if len(digits) <= 24 else f"{digits[:20]}... ({len(digits)} digits)"
        raise _IntegerOutOfRange(f"integer {shown} is out of range (at most {MAX_JSON_INTEGER} in magnitude)")
    return value


def read_body() -> bytes:
    """The whole request body, at most ``MAX_CONTENT_LENGTH`` bytes.

    Raises
    ------
    werkzeug.exceptions.RequestEntityTooLarge
        When the body is larger, whether its size was announced (``Content-Length``) or not (chunked): the app's
        error handlers answer 413 in the API's dialect.
    """
    cached = getattr(request, "_cached_data", None)
    if cached is not None:
        return cached
    limit = request.max_content_length
    if limit is None or request.content_length is not None:
        return request.get_data(cache=True)  # werkzeug refuses a declared length over the limit before reading
    # No declared length (chunked): read from the server's stream ourselves, one byte past the limit, so a body
    # over the limit is refused instead of being cut at it.
    stream = request.environ["wsgi.input"]
    data = bytearray()
    while len(data) <= limit:
        try:
            chunk = stream.read(min(65536, limit + 1 - len(data)))
        except Exception as exc:  # whatever the server's reader raises here is the client's doing: a read timeout,
            # a connection closed mid-body, broken chunk framing (gunicorn's ParseException)
            raise ClientDisconnected(f"the request body could not be read: {exc or type(exc).__name__}") from None
        if not chunk:
            break
        data += chunk
    if len(data) > limit:
        raise RequestEntityTooLarge()
    request._cached_data = raw = bytes(data)
    return raw


def read_json(error: Callable[[str], Exception]) -> Any:
    """The request body decoded as JSON; ``error(message)`` is raised for an empty, non-UTF-8 or invalid body, or
    one holding an integer beyond 64 bits. Lone surrogates in its strings are replaced (see the module)."""
    raw = read_body()
    if not raw.strip():
        raise error("the request body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"the request body is not valid UTF-8 (bad byte at offset {exc.start})") from None
    try:
        value = json.loads(text, parse_constant=_no_constants, parse_int=_bounded_int)
        return clean_strings(value) if _SURROGATE_ESCAPE.search(raw) else value
    except json.JSONDecodeError as exc:
        raise error(f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except _IntegerOutOfRange as exc:
        raise error(f"the request body holds an {exc}") from None
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise error(f"the request body is not valid JSON: {reason}") from None


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (lone surrogates count as the 3 bytes they would take)."""
    return len(text.encode("utf-8", "surrogatepass"))


def clean_text(text: str) -> str:
    """``text`` with unpaired UTF-16 surrogates (valid in JSON escapes, not in UTF-8) replaced by U+FFFD."""
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)


def clean_strings(value: Any) -> Any:
    """``value`` (decoded JSON) with :func:`clean_text` applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): clean_strings(v) for k, v in value.items()}
    return value


def http_url(value: Any) -> str | None:
    """``value`` if it is an absolute ``http``/``https`` URL with a host, else None.

    Only such URLs are ever stored as links or rendered as ``href``: a ``javascript:`` or ``data:`` URL a reader put
    in a field would run in the moderator's page when clicked.
    """
    if not isinstance(value, str) or any(c in value for c in "\x00\r\n\t"):
        return None
    try:
        parts = urlsplit(value.strip())
        parts.port  # raises ValueError for a port out of range
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value.strip()
