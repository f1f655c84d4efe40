"""JSON answers encoded by orjson: the same documents as Flask's encoder, a fraction of the time.

Flask's default provider encodes with the standard library; every API answer goes through it, so its cost is paid
per check. :class:`FastJSONProvider` keeps Flask's behaviour where the two differ:

* keys stay in the order they were built (``sort_keys`` is off in the app), and non-ASCII text is written as UTF-8;
* what orjson does not encode itself (``Decimal``, ``date`` as HTTP dates, objects with ``__html__``) falls back to
  Flask's own conversion, so an answer never fails on a type the default provider accepts;
* ``NaN`` and infinities become ``null`` (the standard library would write ``NaN``, which is not JSON);
* ``app.json.dumps`` honours ``indent`` (pretty output for the pages), everything else is compact;
* what orjson refuses outright (an integer beyond 64 bits, echoed from a request) is encoded by the standard
  library instead.

Reading requests is :mod:`service.payloads`'s business; ``loads`` here is orjson's, for ``request.get_json``.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

__all__ = ["FastJSONProvider"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson underneath (see the module docstring)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self._encode(obj, kwargs.get("indent")).decode("utf-8")

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        obj = self._prepare_response_obj(args, kwargs)
        indent = 2 if (self.compact is None and self._app.debug) or self.compact is False else None
        return self._app.response_class(self._encode(obj, indent) + b"\n", mimetype=self.mimetype)

    def _encode(self, obj: Any, indent: int | None) -> bytes:
        options = _OPTIONS | (orjson.OPT_INDENT_2 if indent else 0)
        if self.sort_keys:
            options |= orjson.OPT_SORT_KEYS
        try:
            # Flask's own conversion for what is passed through or unknown to orjson (dates, dataclasses, Decimal...).
            return orjson.dumps(obj, default=DefaultJSONProvider.default, option=options)
        except TypeError:
            return super().dumps(obj, indent=indent, **({} if indent else {"separators": (",", ":")})).encode()
