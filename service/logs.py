"""The server's logs: one JSON object per line (or gunicorn's plain text), access lines with request id and duration.

A JSON line has ``time`` (UTC, milliseconds), ``level``, ``logger``, ``pid`` and ``message``; an access line adds
``method``, ``path``, ``query``, ``status``, ``bytes``, ``duration_ms``, ``request_id`` (the ``X-Request-Id`` the app
answered: the client's own when it sent a valid one), ``remote`` and ``user_agent``. Exceptions are logged with
their traceback in ``exception`` (the server's log only; clients never see one).

``moderation serve`` picks the format (``log_format``: ``json`` or ``text``) and gunicorn uses :class:`GunicornLogger`
for its own error and access logs; the app's loggers write through the root logger set up by :func:`configure`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from typing import Any

from gunicorn.glogging import Logger

__all__ = ["JsonFormatter", "GunicornLogger", "configure", "TEXT_FORMAT", "TEXT_ACCESS_FORMAT"]

TEXT_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
#: gunicorn's access format in text mode: its usual fields plus the duration and the request id.
TEXT_ACCESS_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'


class JsonFormatter(logging.Formatter):
    """A record as one JSON line; ``record.fields`` (a dict), when present, adds its keys."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
        line: dict[str, Any] = {
            "time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str, log_format: str) -> None:
    """The root logger (the app's loggers use it): ``level``, to standard error, in ``log_format``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))


class GunicornLogger(Logger):
    """gunicorn's logger, with JSON lines when ``MODERATION_LOG_FORMAT`` is ``json`` (the default), and access lines
    on standard error like every other log line."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if cfg.accesslog == "-":  # with the other logs on standard error; standard output keeps the first-start banner
            for handler in self.access_log.handlers:
                if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
                    handler.setStream(sys.stderr)
        if self._json:
            for logger in (self.error_log, self.access_log):
                for handler in logger.handlers:
                    handler.setFormatter(JsonFormatter())

    @property
    def _json(self) -> bool:
        return os.environ.get("MODERATION_LOG_FORMAT", "json").lower() != "text"

    def access(self, resp: Any, req: Any, environ: Any, request_time: dt.timedelta) -> None:
        if not self._json:
            return super().access(resp, req, environ, request_time)
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict or self.cfg.syslog):
            return None
        atoms = self.atoms(resp, req, environ, request_time)
        status = str(getattr(resp, "status", "") or "").split(" ", 1)[0]
        fields = {
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "query": atoms.get("q") or None,
            "status": int(status) if status.isdigit() else status,
            "bytes": None if atoms.get("B") in (None, "-") else atoms.get("B"),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "request_id": atoms.get("{x-request-id}o") or None,
            "remote": atoms.get("h"),
            "user_agent": atoms.get("a") if atoms.get("a") != "-" else None,
        }
        try:
            self.access_log.info("%s %s %s", fields["method"], fields["path"], fields["status"],
                                 extra={"fields": fields})
        except Exception:  # a broken log line must never fail the request; gunicorn does the same
            self.error(f"failed to log the access line of {fields['path']}")
        return None
