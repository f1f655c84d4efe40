"""Reading request bodies strictly: UTF-8, real JSON, within the size limit, and nothing else.

Every failure raises the caller's exception type with a message that says what is wrong and where, so each API
family can answer in its own dialect. The size limit itself (413) is enforced by Flask while reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask import request

__all__ = ["read_json", "utf8_size", "clean_text"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def read_json(error: Callable[[str], Exception]) -> Any:
    """The request body decoded as JSON; ``error(message)`` is raised for an empty, non-UTF-8 or invalid body."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise error("the request body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"the request body is not valid UTF-8 (bad byte at offset {exc.start})") from None
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise error(f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
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
