"""Durable storage in one SQLite file: sites, hashed API keys, checked comments, feedback, usage counters.

Also the tables the moderation pages (issue 4) build on: users, their sites, trained models and background jobs.

Why it is safe with several gunicorn workers writing at once:

* WAL journal mode: readers never block the writer, and a committed transaction is in the WAL before COMMIT returns,
  so killing a worker (even ``kill -9``) loses at most the transaction it had not committed; SQLite rolls that back
  on the next open. ``synchronous=NORMAL`` keeps that guarantee for process crashes (only a power cut can drop the
  last commits); set ``DB_SYNCHRONOUS=FULL`` for power-cut durability too.
* Every write is one short transaction opened with ``BEGIN IMMEDIATE``: it takes the write lock before reading, so a
  read-modify-write (feedback replacing earlier feedback and moving counters) cannot interleave with another
  worker's. Other writers wait up to ``busy_timeout`` for the lock instead of failing.
* Inside one worker, threads take a Python lock before the SQLite lock, so they hand the lock over directly instead
  of polling for it with SQLite's sleep-and-retry busy handler.
* One connection per thread (and per process: a connection inherited through ``fork`` is never used), reused
  across requests, so its prepared statements stay cached.

The schema version is SQLite's ``user_version``; :data:`MIGRATIONS` are applied in order, each in the same
transaction as the version bump, under the write lock, so workers starting together migrate exactly once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "Storage",
    "StorageError",
    "Site",
    "ApiKey",
    "MIGRATIONS",
    "DECISIONS",
    "FEEDBACK_SOURCES",
    "CHECK_SOURCES",
    "normalise_site_url",
    "hash_key",
    "now",
    "current_month",
]

#: A moderator's final decision on a comment (``not_spam`` is accepted by the APIs and stored as ``ham``).
DECISIONS = ("spam", "ham", "abusive", "not_abusive", "approved", "rejected")
#: Where feedback came from.
FEEDBACK_SOURCES = ("api", "akismet", "perspective", "moderator")
#: Which API checked a comment.
CHECK_SOURCES = ("api", "akismet", "perspective")
MODEL_STATUSES = ("candidate", "active", "retired")
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")


class StorageError(Exception):
    """Raised when the database cannot be used: a schema newer than this code, a bad site URL, an unknown site."""


def now() -> str:
    """The current UTC time as stored: ISO 8601 with milliseconds and ``Z`` (sorts as text)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def current_month() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m")


def hash_key(key: str) -> str:
    """How an API key is stored: its SHA-256.

    Keys are 192 random bits from :mod:`secrets`, so nobody can guess one from its hash by trying candidates; a slow
    password hash (bcrypt, scrypt) defends *low-entropy* secrets and would add tens of milliseconds to every request
    for no gain here. A plain digest also lets the key be found with one indexed lookup.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def normalise_site_url(url: str) -> str:
    """``HTTPS://Example.com/`` -> ``https://example.com``; a path (a blog in a subdirectory) is kept.

    Raises
    ------
    StorageError
        When the URL is not an absolute http(s) URL.
    """
    if not isinstance(url, str):
        raise StorageError(f"a site URL must be a string, got {type(url).__name__}")
    try:
        parts = urlsplit(url.strip())
        port_number = parts.port  # a port over 65535 raises ValueError here, a bad IPv6 host in urlsplit
    except ValueError as exc:
        raise StorageError(f"site URL {url!r} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise StorageError(f"site URL {url!r} must be absolute, like https://news.example.com")
    host = parts.hostname.lower()
    port = f":{port_number}" if port_number else ""
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{host}{port}{path}"


def site_host(url: str) -> str:
    """The host of a site URL without ``www.``: what two URLs of the same site share."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


@dataclass(frozen=True)
class Site:
    """A news site: the unit that owns keys, a policy, comments, feedback and counters."""

    id: int
    url: str
    name: str | None
    policy: Mapping[str, Any]
    store_comments: bool
    approved_sample_rate: float | None
    created_at: str
    policy_json: str = "{}"

    @property
    def host(self) -> str:
        return site_host(self.url)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "name": self.name,
            "store_comments": self.store_comments,
            "approved_sample_rate": self.approved_sample_rate,
            "policy": dict(self.policy),
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class ApiKey:
    """What is stored about a key: never the key itself."""

    id: int
    site_id: int
    site_url: str
    prefix: str
    label: str | None
    created_at: str
    revoked_at: str | None


def _site(row: sqlite3.Row) -> Site:
    return Site(
        id=row["id"],
        url=row["url"],
        name=row["name"],
        policy=json.loads(row["policy"]),
        store_comments=bool(row["store_comments"]),
        approved_sample_rate=row["approved_sample_rate"],
        created_at=row["created_at"],
        policy_json=row["policy"],
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# -- schema ----------------------------------------------------------------------------------------------------

_V1 = [
    """CREATE TABLE sites (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT,
        policy TEXT NOT NULL DEFAULT '{}',
        store_comments INTEGER NOT NULL DEFAULT 1 CHECK (store_comments IN (0, 1)),
        approved_sample_rate REAL CHECK (approved_sample_rate IS NULL OR approved_sample_rate BETWEEN 0 AND 1),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        label TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    )""",
    "CREATE INDEX api_keys_site ON api_keys(site_id)",
    """CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        request_id TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('api', 'akismet', 'perspective')),
        comment_id TEXT,
        thread_id TEXT,
        article_url TEXT,
        text TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        scores TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('approve', 'hold', 'reject')),
        flagged TEXT NOT NULL DEFAULT '[]',
        reasons TEXT NOT NULL DEFAULT '[]',
        spam INTEGER NOT NULL DEFAULT 0 CHECK (spam IN (0, 1)),
        model_version TEXT NOT NULL,
        review_status TEXT CHECK (review_status IN ('pending', 'decided')),
        created_at TEXT NOT NULL
    )""",
    # The review queue of issue 4: held comments of a site, oldest first; and audits by verdict.
    "CREATE INDEX comments_site_verdict ON comments(site_id, verdict, created_at)",
    "CREATE INDEX comments_site_review ON comments(site_id, review_status, created_at) WHERE review_status IS NOT NULL",
    "CREATE INDEX comments_site_comment ON comments(site_id, comment_id)",
    """CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        comment_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('spam', 'ham', 'abusive', 'not_abusive', 'approved', 'rejected')),
        labels TEXT NOT NULL DEFAULT '{}',
        source TEXT NOT NULL CHECK (source IN ('api', 'akismet', 'perspective', 'moderator')),
        moderator TEXT,
        note TEXT,
        text TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        counted_as TEXT CHECK (counted_as IN ('missed_spam', 'false_positives')),
        counted_month TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (site_id, comment_id)
    )""",
    """CREATE TABLE usage (
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        month TEXT NOT NULL,
        api_calls INTEGER NOT NULL DEFAULT 0,
        spam INTEGER NOT NULL DEFAULT 0,
        ham INTEGER NOT NULL DEFAULT 0,
        missed_spam INTEGER NOT NULL DEFAULT 0,
        false_positives INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (site_id, month)
    ) WITHOUT ROWID""",
    # Every stored check counts in its month's usage, in the same statement as the INSERT that stores it: one write
    # per request. Checks that are not stored are counted by _COUNT_CHECKS instead.
    """CREATE TRIGGER comments_count_check AFTER INSERT ON comments
    BEGIN
        INSERT INTO usage (site_id, month, api_calls, spam, ham)
        VALUES (NEW.site_id, substr(NEW.created_at, 1, 7), 1, NEW.spam, 1 - NEW.spam)
        ON CONFLICT (site_id, month) DO UPDATE SET
            api_calls = api_calls + 1, spam = spam + excluded.spam, ham = ham + excluded.ham;
    END""",
    # Issue 4: moderators who sign in to the review pages, and the sites each may moderate.
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE user_sites (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, site_id)
    ) WITHOUT ROWID""",
    # Issue 4: models trained from moderators' decisions. site_id NULL is a global model. At most one active model
    # per site (and one global), enforced by the partial unique index.
    """CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,
        version TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('candidate', 'active', 'retired')),
        report TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE UNIQUE INDEX models_one_active ON models(COALESCE(site_id, 0)) WHERE status = 'active'",
    "CREATE INDEX models_site ON models(site_id, status)",
    # Issue 4: long-running work (retraining, imports) and its progress.
    """CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        progress REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
        message TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX jobs_site_status ON jobs(site_id, status, created_at)",
]


def _migration_1(conn: sqlite3.Connection) -> None:
    """The first schema."""
    for statement in _V1:
        conn.execute(statement)


#: Ordered schema migrations; migration ``n`` (1-based) brings ``user_version`` from ``n - 1`` to ``n``.
#: Never edit a released migration: append a new one.
MIGRATIONS = [_migration_1]


# -- the store -------------------------------------------------------------------------------------------------

_CHECK_COLUMNS = (
    "site_id",
    "request_id",
    "source",
    "comment_id",
    "thread_id",
    "article_url",
    "text",
    "metadata",
    "scores",
    "verdict",
    "flagged",
    "reasons",
    "spam",
    "model_version",
    "review_status",
    "created_at",
)
_INSERT_CHECK = f"INSERT INTO comments ({', '.join(_CHECK_COLUMNS)}) VALUES ({', '.join('?' * len(_CHECK_COLUMNS))})"
_COUNT_CHECKS = """
    INSERT INTO usage (site_id, month, api_calls, spam, ham) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (site_id, month) DO UPDATE SET
        api_calls = api_calls + excluded.api_calls, spam = spam + excluded.spam, ham = ham + excluded.ham
"""
_SITE_FOR_KEY = """
    SELECT s.* FROM api_keys k JOIN sites s ON s.id = k.site_id WHERE k.key_hash = ? AND k.revoked_at IS NULL
"""


class Storage:
    """The service's SQLite database.

    Parameters
    ----------
    path : path-like
        The database file; its directory is created if needed.
    busy_timeout : float
        Seconds a writer waits for another process's write lock.
    synchronous : {"NORMAL", "FULL"}
        SQLite's ``synchronous`` setting (see the module docstring).

    Examples
    --------
    >>> store = Storage(":memory:")          # doctest: +SKIP
    >>> store.migrate()
    1
    >>> site = store.create_site("https://news.example.com")
    >>> key, _ = store.create_key(site.id)
    >>> store.site_for_key(key).url
    'https://news.example.com'
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 10.0, synchronous: str = "NORMAL"):
        if str(synchronous).upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise StorageError(f"synchronous must be NORMAL or FULL, got {synchronous!r}")
        self.path = Path(path)
        self.busy_timeout = float(busy_timeout)
        self.synchronous = str(synchronous).upper()
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._write_lock_pid = os.getpid()

    # -- connections and transactions ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False, cached_statements=256
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (a new one after ``fork``: SQLite connections must not cross processes)."""
        local = self._local
        pid = os.getpid()
        if getattr(local, "pid", None) != pid:
            local.conn, local.pid = self._connect(), pid
        return local.conn

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local.__dict__.clear()

    def _process_write_lock(self) -> threading.Lock:
        if self._write_lock_pid != os.getpid():  # a lock held by a thread at fork time must not be inherited
            self._write_lock, self._write_lock_pid = threading.Lock(), os.getpid()
        return self._write_lock

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A transaction on this thread's connection; ``write=True`` takes the write lock first (BEGIN IMMEDIATE).

        Commits when the block ends, rolls back if it raises.
        """
        conn = self.conn
        lock = self._process_write_lock() if write else None
        if lock is not None:
            lock.acquire()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            if lock is not None:
                lock.release()

    def migrate(self) -> int:
        """Bring the schema to the latest version; return it.

        Raises
        ------
        StorageError
            When the database was written by a newer version of this service.
        """
        conn = self.conn
        conn.execute("PRAGMA journal_mode = WAL")
        with self.transaction(write=True):
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StorageError(
                    f"database {self.path} has schema version {version}, this code knows up to {len(MIGRATIONS)}; "
                    "upgrade moderation"
                )
            for number in range(version + 1, len(MIGRATIONS) + 1):
                MIGRATIONS[number - 1](conn)
                conn.execute(f"PRAGMA user_version = {number}")
        return len(MIGRATIONS)

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def integrity_check(self) -> str:
        """SQLite's ``integrity_check``: ``"ok"`` or a description of the damage."""
        return "; ".join(row[0] for row in self.conn.execute("PRAGMA integrity_check"))

    # -- sites -------------------------------------------------------------------------------------------------

    def create_site(self, url: str, name: str | None = None) -> Site:
        """Add a site; its URL is normalised (see :func:`normalise_site_url`).

        Raises
        ------
        StorageError
            When the URL is invalid or the site exists.
        """
        url = normalise_site_url(url)
        stamp = now()
        try:
            with self.transaction(write=True) as conn:
                cur = conn.execute(
                    "INSERT INTO sites (url, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    (url, name, stamp, stamp),
                )
                site_id = cur.lastrowid
        except sqlite3.IntegrityError:
            raise StorageError(f"site {url} already exists") from None
        return self.get_site(site_id)

    def get_site(self, site_id: int) -> Site:
        row = self.conn.execute("SELECT * FROM sites WHERE id = ?", (site_id,)).fetchone()
        if row is None:
            raise StorageError(f"no site with id {site_id}")
        return _site(row)

    def find_site(self, url: str) -> Site | None:
        """The site with this URL (normalised), or None."""
        row = self.conn.execute("SELECT * FROM sites WHERE url = ?", (normalise_site_url(url),)).fetchone()
        return _site(row) if row else None

    def list_sites(self) -> list[Site]:
        return [_site(row) for row in self.conn.execute("SELECT * FROM sites ORDER BY id")]

    def count_sites(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM sites").fetchone()[0]

    def update_site(
        self,
        site_id: int,
        *,
        policy: Mapping[str, Any] | None = None,
        store_comments: bool | None = None,
        approved_sample_rate: float | None | str = "unchanged",
        name: str | None | str = "unchanged",
    ) -> Site:
        """Change a site's stored policy overrides and storage settings (arguments left out are kept)."""
        sets, args = [], []
        if policy is not None:
            sets.append("policy = ?")
            args.append(_dumps(dict(policy)))
        if store_comments is not None:
            sets.append("store_comments = ?")
            args.append(int(bool(store_comments)))
        if approved_sample_rate != "unchanged":
            if approved_sample_rate is not None and not 0.0 <= float(approved_sample_rate) <= 1.0:
                raise StorageError(f"approved_sample_rate must be in [0, 1], got {approved_sample_rate}")
            sets.append("approved_sample_rate = ?")
            args.append(approved_sample_rate)
        if name != "unchanged":
            sets.append("name = ?")
            args.append(name)
        if sets:
            with self.transaction(write=True) as conn:
                cur = conn.execute(
                    f"UPDATE sites SET {', '.join(sets)}, updated_at = ? WHERE id = ?", (*args, now(), site_id)
                )
                if cur.rowcount == 0:
                    raise StorageError(f"no site with id {site_id}")
        return self.get_site(site_id)

    # -- keys --------------------------------------------------------------------------------------------------

    def create_key(self, site_id: int, label: str | None = None) -> tuple[str, ApiKey]:
        """A new key for a site: returns the key (shown once, never stored) and what is stored about it.

        Keys are 48 hexadecimal characters: some Akismet clients (WordPress) strip anything else from a key.
        """
        key = secrets.token_hex(24)
        stamp = now()
        with self.transaction(write=True) as conn:
            if conn.execute("SELECT 1 FROM sites WHERE id = ?", (site_id,)).fetchone() is None:
                raise StorageError(f"no site with id {site_id}")
            cur = conn.execute(
                "INSERT INTO api_keys (site_id, key_hash, prefix, label, created_at) VALUES (?, ?, ?, ?, ?)",
                (site_id, hash_key(key), key[:8], label, stamp),
            )
            key_id = cur.lastrowid
        return key, self._key_by_id(key_id)

    def _key_by_id(self, key_id: int) -> ApiKey:
        row = self.conn.execute(
            "SELECT k.*, s.url AS site_url FROM api_keys k JOIN sites s ON s.id = k.site_id WHERE k.id = ?", (key_id,)
        ).fetchone()
        return ApiKey(
            row["id"],
            row["site_id"],
            row["site_url"],
            row["prefix"],
            row["label"],
            row["created_at"],
            row["revoked_at"],
        )

    def site_for_key(self, key: str | None) -> Site | None:
        """The site a valid (unrevoked) key belongs to, or None."""
        if not key or len(key) > 256:
            return None
        row = self.conn.execute(_SITE_FOR_KEY, (hash_key(key),)).fetchone()
        return _site(row) if row else None

    def list_keys(self, site_id: int | None = None, include_revoked: bool = False) -> list[ApiKey]:
        where, args = [], []
        if site_id is not None:
            where.append("k.site_id = ?")
            args.append(site_id)
        if not include_revoked:
            where.append("k.revoked_at IS NULL")
        sql = "SELECT k.*, s.url AS site_url FROM api_keys k JOIN sites s ON s.id = k.site_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.conn.execute(sql + " ORDER BY k.id", args).fetchall()
        return [
            ApiKey(r["id"], r["site_id"], r["site_url"], r["prefix"], r["label"], r["created_at"], r["revoked_at"])
            for r in rows
        ]

    def revoke_key(self, key_or_prefix: str) -> ApiKey:
        """Revoke a key given in full, by its 8-character prefix, or by its id.

        Raises
        ------
        StorageError
            When nothing or more than one key matches.
        """
        value = key_or_prefix.strip()
        with self.transaction(write=True) as conn:
            if value.isdigit() and len(value) < 8:
                rows = conn.execute("SELECT id FROM api_keys WHERE id = ?", (int(value),)).fetchall()
            elif len(value) == 48:
                rows = conn.execute("SELECT id FROM api_keys WHERE key_hash = ?", (hash_key(value),)).fetchall()
            else:
                rows = conn.execute("SELECT id FROM api_keys WHERE prefix = ?", (value[:8],)).fetchall()
            if not rows:
                raise StorageError(f"no key matches {value!r}")
            if len(rows) > 1:
                raise StorageError(f"{len(rows)} keys start with {value!r}; give the key id (moderation keys list)")
            conn.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", (now(), rows[0]["id"])
            )
        return self._key_by_id(rows[0]["id"])

    # -- checked comments and counters -------------------------------------------------------------------------

    def record_checks(
        self,
        site_id: int,
        rows: Sequence[Mapping[str, Any]],
        *,
        unstored: int = 0,
        unstored_spam: int = 0,
        month: str | None = None,
    ) -> None:
        """Store checked comments and count checks in the site's monthly usage, atomically.

        Each row maps the ``comments`` columns (JSON columns as already-encoded text) and is counted by the
        ``comments_count_check`` trigger in the month of its ``created_at``; ``unstored`` checks that were not kept
        (``unstored_spam`` of them spam) are counted for ``month``. The common cases, one stored check or one that is
        not stored, are a single statement: SQLite makes it atomic without an explicit transaction.
        """
        args = [tuple(row.get(c) for c in _CHECK_COLUMNS) for row in rows]
        count = (site_id, month or current_month(), unstored, unstored_spam, unstored - unstored_spam)
        if len(args) + bool(unstored) > 1:
            with self.transaction(write=True) as conn:
                if args:
                    conn.executemany(_INSERT_CHECK, args)
                if unstored:
                    conn.execute(_COUNT_CHECKS, count)
        elif args or unstored:
            with self._process_write_lock():
                self.conn.execute(*((_INSERT_CHECK, args[0]) if args else (_COUNT_CHECKS, count)))

    def latest_check(self, site_id: int, comment_id: str) -> dict[str, Any] | None:
        """The most recent stored check of a site's comment, decoded, or None."""
        row = self.conn.execute(
            "SELECT * FROM comments WHERE site_id = ? AND comment_id = ? ORDER BY id DESC LIMIT 1",
            (site_id, comment_id),
        ).fetchone()
        return _decode_check(row) if row else None

    def count_checks(self, site_id: int | None = None) -> int:
        if site_id is None:
            return self.conn.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
        return self.conn.execute("SELECT COUNT(*) FROM comments WHERE site_id = ?", (site_id,)).fetchone()[0]

    def review_queue(self, site_id: int, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Held comments awaiting a moderator, oldest first (for issue 4's review pages)."""
        rows = self.conn.execute(
            "SELECT * FROM comments WHERE site_id = ? AND review_status = 'pending' "
            "ORDER BY created_at LIMIT ? OFFSET ?",
            (site_id, limit, offset),
        ).fetchall()
        return [_decode_check(r) for r in rows]

    def usage(self, site_id: int, month: str | None = None) -> dict[str, int]:
        """A site's counters for a month (zeros when there were no calls)."""
        row = self.conn.execute(
            "SELECT api_calls, spam, ham, missed_spam, false_positives FROM usage WHERE site_id = ? AND month = ?",
            (site_id, month or current_month()),
        ).fetchone()
        keys = ("api_calls", "spam", "ham", "missed_spam", "false_positives")
        return dict(zip(keys, row, strict=True)) if row else dict.fromkeys(keys, 0)

    # -- feedback ----------------------------------------------------------------------------------------------

    def record_feedback(
        self,
        site_id: int,
        comment_id: str,
        decision: str,
        *,
        source: str,
        labels: Mapping[str, float] | None = None,
        moderator: str | None = None,
        note: str | None = None,
        text: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a decision for a site's comment; a repeat for the same (site, comment_id) replaces it.

        A spam decision counts as ``missed_spam`` and a ham decision as a ``false_positive`` unless the stored check
        of that comment already agreed (Akismet's semantics: a report is a correction). Replacing a decision moves
        the count, so repeating feedback never counts twice. Held comments of that id leave the review queue.

        Returns
        -------
        dict
            The stored feedback, with ``created`` telling a new decision from a replaced one.
        """
        if decision not in DECISIONS:
            raise StorageError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
        if source not in FEEDBACK_SOURCES:
            raise StorageError(f"source must be one of {', '.join(FEEDBACK_SOURCES)}, got {source!r}")
        stamp, month = now(), current_month()
        with self.transaction(write=True) as conn:
            old = conn.execute(
                "SELECT counted_as, counted_month, created_at FROM feedback WHERE site_id = ? AND comment_id = ?",
                (site_id, comment_id),
            ).fetchone()
            checked = conn.execute(
                "SELECT spam FROM comments WHERE site_id = ? AND comment_id = ? ORDER BY id DESC LIMIT 1",
                (site_id, comment_id),
            ).fetchone()
            checked_spam = None if checked is None else bool(checked["spam"])
            counted_as = None
            if decision == "spam" and checked_spam is not True:
                counted_as = "missed_spam"
            elif decision == "ham" and checked_spam is not False:
                counted_as = "false_positives"
            old_counted = old["counted_as"] if old else None
            counted_month = month if counted_as else None
            if old is not None and old_counted == counted_as:
                counted_month = old["counted_month"]  # unchanged: stays counted where it was
            else:
                if old_counted:
                    conn.execute(
                        f"UPDATE usage SET {old_counted} = MAX({old_counted} - 1, 0) WHERE site_id = ? AND month = ?",
                        (site_id, old["counted_month"]),
                    )
                if counted_as:
                    conn.execute(
                        f"INSERT INTO usage (site_id, month, {counted_as}) VALUES (?, ?, 1) "
                        f"ON CONFLICT (site_id, month) DO UPDATE SET {counted_as} = {counted_as} + 1",
                        (site_id, month),
                    )
            conn.execute(
                """INSERT INTO feedback (site_id, comment_id, decision, labels, source, moderator, note, text, metadata,
                                         counted_as, counted_month, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (site_id, comment_id) DO UPDATE SET
                       decision = excluded.decision, labels = excluded.labels, source = excluded.source,
                       moderator = excluded.moderator, note = excluded.note,
                       text = COALESCE(excluded.text, feedback.text), metadata = excluded.metadata,
                       counted_as = excluded.counted_as, counted_month = excluded.counted_month,
                       updated_at = excluded.updated_at""",
                (
                    site_id,
                    comment_id,
                    decision,
                    _dumps(dict(labels or {})),
                    source,
                    moderator,
                    note,
                    text,
                    _dumps(dict(metadata or {})),
                    counted_as,
                    counted_month,
                    stamp,
                    stamp,
                ),
            )
            conn.execute(
                "UPDATE comments SET review_status = 'decided' "
                "WHERE site_id = ? AND comment_id = ? AND review_status = 'pending'",
                (site_id, comment_id),
            )
        stored = self.get_feedback(site_id, comment_id)
        stored["created"] = old is None
        return stored

    def get_feedback(self, site_id: int, comment_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT * FROM feedback WHERE site_id = ? AND comment_id = ?", (site_id, comment_id)
        ).fetchone()
        if row is None:
            return None
        return {
            "comment_id": row["comment_id"],
            "decision": row["decision"],
            "labels": json.loads(row["labels"]),
            "source": row["source"],
            "moderator": row["moderator"],
            "note": row["note"],
            "text": row["text"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }

    def count_feedback(self, site_id: int | None = None) -> int:
        if site_id is None:
            return self.conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
        return self.conn.execute("SELECT COUNT(*) FROM feedback WHERE site_id = ?", (site_id,)).fetchone()[0]

    # -- users (issue 4) ---------------------------------------------------------------------------------------

    def create_user(self, username: str, password_hash: str, site_ids: Iterable[int] = ()) -> int:
        """Add a moderator account (the caller hashes the password, e.g. with werkzeug.security); return its id."""
        try:
            with self.transaction(write=True) as conn:
                user_id = conn.execute(
                    "INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)",
                    (username, password_hash, now()),
                ).lastrowid
                conn.executemany(
                    "INSERT INTO user_sites (user_id, site_id) VALUES (?, ?)", [(user_id, s) for s in site_ids]
                )
        except sqlite3.IntegrityError as exc:
            raise StorageError(f"cannot add user {username!r}: {exc}") from None
        return user_id

    def get_user(self, username: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        if row is None:
            return None
        user = dict(row)
        user["site_ids"] = [
            r[0]
            for r in self.conn.execute(
                "SELECT site_id FROM user_sites WHERE user_id = ? ORDER BY site_id", (row["id"],)
            )
        ]
        return user

    def grant_site(self, user_id: int, site_id: int) -> None:
        with self.transaction(write=True) as conn:
            conn.execute("INSERT OR IGNORE INTO user_sites (user_id, site_id) VALUES (?, ?)", (user_id, site_id))

    # -- models (issue 4) --------------------------------------------------------------------------------------

    def add_model(
        self,
        path: str | os.PathLike[str],
        sha256: str,
        version: str,
        *,
        site_id: int | None = None,
        status: str = "candidate",
        report: Mapping[str, Any] | None = None,
    ) -> int:
        """Register a trained model file (a candidate unless told otherwise); return its id."""
        if status not in MODEL_STATUSES:
            raise StorageError(f"status must be one of {', '.join(MODEL_STATUSES)}, got {status!r}")
        stamp = now()
        with self.transaction(write=True) as conn:
            if status == "active":
                self._retire_active(conn, site_id, stamp)
            return conn.execute(
                "INSERT INTO models (site_id, version, path, sha256, status, report, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (site_id, version, str(path), sha256, status, _dumps(dict(report or {})), stamp, stamp),
            ).lastrowid

    @staticmethod
    def _retire_active(conn: sqlite3.Connection, site_id: int | None, stamp: str) -> None:
        conn.execute(
            "UPDATE models SET status = 'retired', updated_at = ? WHERE status = 'active' AND site_id IS ?",
            (stamp, site_id),
        )

    def set_model_status(self, model_id: int, status: str) -> None:
        """Change a model's status; activating one retires the site's previous active model in the same transaction."""
        if status not in MODEL_STATUSES:
            raise StorageError(f"status must be one of {', '.join(MODEL_STATUSES)}, got {status!r}")
        stamp = now()
        with self.transaction(write=True) as conn:
            row = conn.execute("SELECT site_id FROM models WHERE id = ?", (model_id,)).fetchone()
            if row is None:
                raise StorageError(f"no model with id {model_id}")
            if status == "active":
                self._retire_active(conn, row["site_id"], stamp)
            conn.execute("UPDATE models SET status = ?, updated_at = ? WHERE id = ?", (status, stamp, model_id))

    def active_model_path(self, site_id: int | None) -> str | None:
        """The file of the site's active model, else the active global model, else None (the configured default)."""
        row = self.conn.execute(
            "SELECT path FROM models WHERE status = 'active' AND (site_id = ? OR site_id IS NULL) "
            "ORDER BY site_id IS NULL LIMIT 1",
            (site_id,),
        ).fetchone()
        return row[0] if row else None

    def list_models(self, site_id: int | None = None) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM models WHERE site_id IS ? ORDER BY id", (site_id,)).fetchall()
        return [{**dict(r), "report": json.loads(r["report"])} for r in rows]

    # -- jobs (issue 4) ----------------------------------------------------------------------------------------

    def create_job(self, kind: str, site_id: int | None = None, message: str | None = None) -> int:
        stamp = now()
        with self.transaction(write=True) as conn:
            return conn.execute(
                "INSERT INTO jobs (site_id, kind, status, message, created_at, updated_at) "
                "VALUES (?, ?, 'queued', ?, ?, ?)",
                (site_id, kind, message, stamp, stamp),
            ).lastrowid

    def update_job(
        self, job_id: int, *, status: str | None = None, progress: float | None = None, message: str | None = None
    ) -> None:
        if status is not None and status not in JOB_STATUSES:
            raise StorageError(f"status must be one of {', '.join(JOB_STATUSES)}, got {status!r}")
        with self.transaction(write=True) as conn:
            cur = conn.execute(
                "UPDATE jobs SET status = COALESCE(?, status), progress = COALESCE(?, progress), "
                "message = COALESCE(?, message), updated_at = ? WHERE id = ?",
                (status, progress, message, now(), job_id),
            )
            if cur.rowcount == 0:
                raise StorageError(f"no job with id {job_id}")

    def get_job(self, job_id: int) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return dict(row) if row else None


def _decode_check(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "comment_id": row["comment_id"],
        "thread_id": row["thread_id"],
        "article_url": row["article_url"],
        "text": row["text"],
        "metadata": json.loads(row["metadata"]),
        "scores": json.loads(row["scores"]),
        "verdict": row["verdict"],
        "flagged": json.loads(row["flagged"]),
        "reasons": json.loads(row["reasons"]),
        "spam": bool(row["spam"]),
        "model_version": row["model_version"],
        "review_status": row["review_status"],
        "source": row["source"],
        "request_id": row["request_id"],
        "created_at": row["created_at"],
    }
