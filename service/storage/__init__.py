"""Durable storage: the only place in the project that holds SQL.

:class:`Storage` opens one database (SQLite today; see :mod:`.database` for what another backend needs) and gives
one object per table family, each in its own module and returning typed rows (frozen dataclasses):

=================  ==============================================================  =========================
``storage.sites``  sites and their policy settings                                 :mod:`.sites`
``storage.keys``   hashed API keys                                                 :mod:`.sites`
``.comments``      checked comments and the review queue                           :mod:`.comments`
``.feedback``      moderators' decisions, from every origin, through one writer    :mod:`.feedback`
``.usage``         monthly counters                                                :mod:`.usage`
``.users``         moderators and the sites they review                            :mod:`.users`
``.models``        registered model files and the active one per site             :mod:`.models`
``.jobs``          background work and its progress                                :mod:`.jobs`
=================  ==============================================================  =========================

The schema is ``migrations/NNN_*.sql``, applied in order by :meth:`Storage.migrate` (:mod:`.schema`).

>>> import tempfile
>>> store = Storage(tempfile.mkdtemp() + "/moderation.sqlite3")
>>> store.migrate()
1
>>> site = store.sites.create("https://news.example.com")
>>> key, _ = store.keys.create(site.id)
>>> store.keys.site_for(key).url
'https://news.example.com'
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import StorageError
from .comments import CHECK_COLUMNS, CHECK_SOURCES, QUEUE_ORDERS, Check, CommentTable
from .database import Database, SQLiteDatabase, current_month, now
from .feedback import DECISION_LABELS, DECISIONS, FEEDBACK_SOURCES, Decision, Feedback, FeedbackTable
from .jobs import JOB_STATUSES, Job, JobTable
from .models import MODEL_STATUSES, ModelRecord, ModelTable
from .schema import MIGRATIONS, Migration
from .sites import ApiKey, KeyTable, Site, SiteTable, hash_key, normalise_site_url, site_host
from .usage import Usage, UsageTable
from .users import User, UserTable

__all__ = [
    "Storage",
    "StorageError",
    "Database",
    "SQLiteDatabase",
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
    "now",
    "current_month",
]


class Storage:
    """The service's database, one attribute per table family (see the module docstring).

    Parameters
    ----------
    path : path-like
        The SQLite file; its directory is created if needed. Ignored when ``database`` is given.
    busy_timeout : float
        Seconds a writer waits for another process's write lock.
    synchronous : {"NORMAL", "FULL"}
        SQLite's ``synchronous`` setting (see :mod:`.database`).
    database : Database, optional
        Another backend to store in.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        busy_timeout: float = 10.0,
        synchronous: str = "NORMAL",
        database: Database | None = None,
    ):
        if database is None:
            if path is None:
                raise StorageError("Storage needs a database file path (or a database backend)")
            database = SQLiteDatabase(path, busy_timeout=busy_timeout, synchronous=synchronous)
        self.db = database
        self.sites = SiteTable(database)
        self.keys = KeyTable(database)
        self.comments = CommentTable(database)
        self.feedback = FeedbackTable(database)
        self.usage = UsageTable(database)
        self.users = UserTable(database)
        self.models = ModelTable(database)
        self.jobs = JobTable(database)

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

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        self.db.close()
