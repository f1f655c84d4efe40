"""Durable storage: the only place in the project that holds SQL.

:class:`Storage` opens one database, a SQLite file (:mod:`.database`) or a PostgreSQL database shared by many
service nodes (:mod:`.postgres`), chosen by the setting's form (:mod:`.backends`), and gives one object per table
family, each in its own module and returning typed rows (frozen dataclasses):

=================  ==============================================================  =========================
``storage.sites``  sites and their policy settings                                 :mod:`.sites`
``storage.keys``   hashed API keys                                                 :mod:`.sites`
``.comments``      checked comments and the review queue                           :mod:`.comments`
``.feedback``      moderators' decisions, from every origin, through one writer    :mod:`.feedback`
``.usage``         monthly counters                                                :mod:`.usage`
``.users``         moderators and the sites they review                            :mod:`.users`
``.models``        registered model files and the active one per site             :mod:`.models`
``.jobs``          background work and its progress                                :mod:`.jobs`
``.coral``         sites' Coral Talk moderation phases (signing secrets)           :mod:`.coral`
``.sessions``      moderators' sessions, held server-side                          :mod:`.signin`
``.sign_in_...``   ``sign_in_failures``: failed sign-ins per account and address   :mod:`.signin`
=================  ==============================================================  =========================

The database file is created readable by its owner only (0600; SQLite gives its ``-wal`` and ``-shm`` files the same
mode), in a directory made 0700. :meth:`Storage.backup` copies a live database with SQLite's online backup API,
and :meth:`Storage.restore` puts such a copy back (SQLite only; PostgreSQL has its own tools, ``pg_dump``).

The schema is ``migrations/NNN_*.sql``, applied in order by :meth:`Storage.migrate` (:mod:`.schema`; on
PostgreSQL through :mod:`.dialect`).

>>> import tempfile
>>> store = Storage(tempfile.mkdtemp() + "/moderation.sqlite3")
>>> store.migrate() == len(MIGRATIONS)
True
>>> site = store.sites.create("https://news.example.com")
>>> key, _ = store.keys.create(site.id)
>>> store.keys.site_for(key).url
'https://news.example.com'
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import StorageError
from .backends import is_database_url, mask_url, open_database
from .comments import CHECK_COLUMNS, CHECK_SOURCES, QUEUE_ORDERS, Check, CommentTable
from .database import Database, SQLiteDatabase, current_month, now
from .coral import UNTRAINED_LANGUAGE_CHOICES, CoralPhase, CoralPhaseTable
from .feedback import DECISION_LABELS, DECISIONS, FEEDBACK_SOURCES, Decision, Feedback, FeedbackTable
from .jobs import JOB_STATUSES, Job, JobTable
from .models import MODEL_STATUSES, ModelRecord, ModelTable
from .schema import MIGRATIONS, Migration
from .signin import SessionTable, SignInFailures, SignInFailureTable
from .sites import (
    ApiKey,
    KeyTable,
    Site,
    SiteTable,
    hash_key,
    hash_short_key,
    is_short_key,
    normalise_site_url,
    site_host,
)
from .usage import Usage, UsageTable
from .users import User, UserTable

__all__ = [
    "Storage",
    "StorageError",
    "Database",
    "SQLiteDatabase",
    "open_database",
    "is_database_url",
    "mask_url",
    "MIGRATIONS",
    "Migration",
    "Site",
    "ApiKey",
    "Check",
    "Decision",
    "Feedback",
    "Usage",
    "User",
    "ModelRecord",
    "Job",
    "CoralPhase",
    "UNTRAINED_LANGUAGE_CHOICES",
    "SignInFailures",
    "CHECK_COLUMNS",
    "CHECK_SOURCES",
    "QUEUE_ORDERS",
    "DECISIONS",
    "DECISION_LABELS",
    "FEEDBACK_SOURCES",
    "MODEL_STATUSES",
    "JOB_STATUSES",
    "normalise_site_url",
    "site_host",
    "hash_key",
    "hash_short_key",
    "is_short_key",
    "now",
    "current_month",
]


class Storage:
    """The service's database, one attribute per table family (see the module docstring).

    Parameters
    ----------
    path : path-like or str
        The SQLite file (its directory is created if needed), or a ``postgresql://`` URL. Ignored when
        ``database`` is given.
    busy_timeout : float
        SQLite: seconds a writer waits for another process's write lock.
    synchronous : {"NORMAL", "FULL"}
        SQLite's ``synchronous`` setting (see :mod:`.database`).
    pool_size, pool_timeout : int, float
        PostgreSQL: most connections per process, and seconds to wait for one (see :mod:`.postgres`).
    database : Database, optional
        Another backend to store in.

    Raises
    ------
    StorageError
        When ``path`` is a URL of an unsupported kind or malformed (see :func:`.backends.open_database`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        busy_timeout: float = 10.0,
        synchronous: str = "NORMAL",
        pool_size: int = 8,
        pool_timeout: float = 10.0,
        database: Database | None = None,
    ):
        if database is None:
            if path is None:
                raise StorageError("Storage needs a database file path or URL (or a database backend)")
            database = open_database(
                path, busy_timeout=busy_timeout, synchronous=synchronous, pool_size=pool_size, pool_timeout=pool_timeout
            )
        self.db = database
        self.sites = SiteTable(database)
        self.keys = KeyTable(database)
        self.comments = CommentTable(database)
        self.feedback = FeedbackTable(database)
        self.usage = UsageTable(database)
        self.users = UserTable(database)
        self.models = ModelTable(database)
        self.jobs = JobTable(database)
        self.coral = CoralPhaseTable(database)
        self.sessions = SessionTable(database)
        self.sign_in_failures = SignInFailureTable(database)

    @property
    def path(self) -> Path:
        """Where the database lives (the SQLite file)."""
        return Path(getattr(self.db, "path", ""))

    def migrate(self) -> int:
        """Bring the schema to the latest version; return it.

        Raises
        ------
        StorageError
            When the database was written by a newer version of this service, or a migration failed.
        """
        return self.db.migrate(MIGRATIONS)

    def schema_version(self) -> int:
        return self.db.schema_version()

    def integrity_check(self) -> str:
        """``"ok"``, or a description of the damage."""
        return self.db.integrity_check()

    def ping(self) -> None:
        """Raise if the database does not answer (for readiness checks)."""
        self.db.ping()

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """Copy the database, while it serves, to ``target`` (a new file, 0600; written whole or not at all).

        Raises
        ------
        StorageError
            When ``target`` exists or cannot be written, or the copy fails its integrity check.
        """
        if not hasattr(self.db, "backup"):
            raise StorageError("moderation db backup copies SQLite databases; back PostgreSQL up with pg_dump")
        return self.db.backup(target)

    def restore(self, source: str | os.PathLike[str]) -> int:
        """Replace the database's content with a backup's (checked first), then migrate it; return its schema
        version. Stop the server first: workers keep what they cached (models, sites) until they restart.

        Raises
        ------
        StorageError
            When ``source`` is missing, not an SQLite database, damaged, or of a newer schema than this code.
        """
        if not hasattr(self.db, "restore"):
            raise StorageError("moderation db restore restores SQLite databases; restore PostgreSQL with pg_restore")
        self.db.restore(source, MIGRATIONS)
        return self.migrate()

    def close(self) -> None:
        """Close this thread's connection (SQLite; others close when their threads end) or this process's pool."""
        self.db.close()
