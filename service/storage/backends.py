"""Which backend a database setting names: a SQLite file path, or a ``postgresql://`` URL.

>>> is_database_url("postgresql://mod:secret@db.internal:5432/moderation")
True
>>> is_database_url("instance/moderation.sqlite3")
False
>>> mask_url("postgresql://mod:secret@db.internal:5432/moderation?sslmode=require&password=x")
'postgresql://mod:***@db.internal:5432/moderation?sslmode=require&password=***'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import StorageError
from .database import Database, SQLiteDatabase

__all__ = ["POSTGRES_SCHEMES", "is_database_url", "mask_url", "url_password", "open_database"]

#: URL schemes served by the PostgreSQL backend (libpq accepts both).
POSTGRES_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
_PASSWORD_IN_NETLOC = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:@/?#]*:)(?P<password>[^@/?#]*)(?=@)")
_PASSWORD_IN_QUERY = re.compile(r"(?P<head>[?&]password=)[^&#]*", re.IGNORECASE)


def is_database_url(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` is a URL (``scheme://...``) rather than a file path."""
    return isinstance(target, str) and _SCHEME.match(target) is not None


def url_password(url: str) -> str | None:
    """The password in a URL's authority, as written (None when there is none)."""
    match = _PASSWORD_IN_NETLOC.match(url)
    return match["password"] if match else None


def mask_url(url: str) -> str:
    """``url`` with its password (in the authority or a ``password=`` parameter) replaced by ``***``: what error
    messages and logs show."""
    masked = _PASSWORD_IN_NETLOC.sub(lambda m: m["head"] + "***", url)
    return _PASSWORD_IN_QUERY.sub(lambda m: m["head"] + "***", masked)


def open_database(
    target: str | os.PathLike[str],
    *,
    busy_timeout: float = 10.0,
    synchronous: str = "NORMAL",
    pool_size: int = 8,
    pool_timeout: float = 10.0,
) -> Database:
    """The backend for ``target``: :class:`~.postgres.PostgresDatabase` for a ``postgresql://`` URL, else
    :class:`~.database.SQLiteDatabase` for a file path. Nothing connects yet.

    Raises
    ------
    StorageError
        When ``target`` is a URL of another kind, or a malformed PostgreSQL URL (the message masks the password).
    """
    if not is_database_url(target):
        return SQLiteDatabase(Path(target), busy_timeout=busy_timeout, synchronous=synchronous)
    scheme = _SCHEME.match(str(target))["scheme"].lower()
    if scheme not in POSTGRES_SCHEMES:
        raise StorageError(
            f"database URL {mask_url(str(target))} is not supported: give a SQLite file path or "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    from .postgres import PostgresDatabase

    return PostgresDatabase(str(target), pool_size=pool_size, pool_timeout=pool_timeout)
