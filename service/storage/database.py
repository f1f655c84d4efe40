"""The connection layer under every table module: connections, transactions, the schema version, stored times.

The table modules (:mod:`.sites`, :mod:`.comments`, :mod:`.feedback`...) hold the SQL and talk to a
:class:`Database`, never to a driver: they call :meth:`Database.execute`, :meth:`Database.write` and
:meth:`Database.transaction`, write their SQL with ``?`` placeholders, read rows by column name, get new ids with
``RETURNING id``, and catch :attr:`Database.IntegrityError`. That is the whole contract, so another backend
(PostgreSQL) is one more subclass that converts the placeholders to its paramstyle (:meth:`Database.sql`) and brings
its own migrations directory; the table modules do not change.

:class:`SQLiteDatabase` is the backend of today. Why it is safe with several gunicorn workers writing at once:

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

The schema version is SQLite's ``user_version``; the migrations (:mod:`.schema`) are applied in order, each in the
same transaction as the version bump, under the write lock, so workers starting together migrate exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import StorageError
from .schema import MIGRATIONS, Migration

__all__ = ["Database", "SQLiteDatabase", "Table", "now", "timestamp", "current_month", "dumps"]


def timestamp(moment: dt.datetime) -> str:
    """How a time is stored: UTC, ISO 8601 with milliseconds and ``Z``, so stored times sort as text."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> str:
    """The current time as stored (see :func:`timestamp`)."""
    return timestamp(dt.datetime.now(dt.timezone.utc))


def current_month() -> str:
    """The current UTC month as usage counters are keyed: ``YYYY-MM``."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m")


def dumps(value: Any) -> str:
    """How JSON columns are written: compact, UTF-8 kept as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Database:
    """What the table modules need from a database backend (see the module docstring).

    Subclasses set :attr:`paramstyle` and :attr:`IntegrityError` and implement the connection methods.
    """

    #: The placeholder style the backend's driver expects; the table modules write ``qmark`` (``?``).
    paramstyle = "qmark"
    #: The driver's exception for a violated constraint (unique, foreign key, check).
    IntegrityError: type[Exception] = Exception

    def sql(self, statement: str) -> str:
        """``statement`` with its ``?`` placeholders in this backend's paramstyle."""
        if self.paramstyle == "qmark":
            return statement
        if self.paramstyle == "format":
            return statement.replace("%", "%%").replace("?", "%s")
        raise NotImplementedError(f"paramstyle {self.paramstyle!r}")

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """Run a read (or a statement that needs no lock) on this thread's connection; return the cursor."""
        raise NotImplementedError

    def write(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """Run one writing statement as its own atomic transaction; return the cursor."""
        raise NotImplementedError

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Any]:
        """A transaction yielding an object with ``execute`` and ``executemany``; commits when the block ends,
        rolls back if it raises. ``write=True`` takes the write lock first."""
        raise NotImplementedError
        yield

    def appending(self) -> Any:
        """A write transaction for blocks that only insert rows and add to counters (no read-decide-write): what the
        grouped check writer uses. A backend whose row locks already order such blocks may skip its write lock; by
        default it is ``transaction(write=True)``."""
        return self.transaction(write=True)

    def schema_version(self) -> int:
        raise NotImplementedError

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> int:
        """Bring the schema to the latest version; return it. Nodes migrating at once apply each migration once.

        Raises
        ------
        StorageError
            When the database was written by a newer version of this service, or a migration fails (it is then
            rolled back whole, version included).
        """
        raise NotImplementedError

    @staticmethod
    def refuse_newer(version: int, migrations: Sequence[Migration], location: str) -> None:
        """Raise when the database's schema is newer than the code: an older node must not write to it."""
        if version > len(migrations):
            raise StorageError(
                f"database {location} has schema version {version}, this code knows up to {len(migrations)}; "
                "upgrade moderation"
            )

    def close(self) -> None:
        """Close this thread's connection."""

    def ping(self) -> None:
        """Raise if the database does not answer."""
        self.execute("SELECT 1").fetchone()


class Table:
    """Base of the table-family classes: each holds the database it reads and writes."""

    def __init__(self, db: Database):
        self.db = db


class SQLiteDatabase(Database):
    """One SQLite file (see the module docstring for how it stays safe under concurrent writers).

    Parameters
    ----------
    path : path-like
        The database file; its directory is created if needed.
    busy_timeout : float
        Seconds a writer waits for another process's write lock.
    synchronous : {"NORMAL", "FULL"}
        SQLite's ``synchronous`` setting.
    """

    paramstyle = "qmark"
    IntegrityError = sqlite3.IntegrityError
    #: Runs the calls that may wait for another process's write lock or for the disk (``BEGIN IMMEDIATE``,
    #: ``COMMIT``, a one-statement write): ``offload(call, *args)``. A cooperative (gevent) server sets it to run
    #: them in a native thread, so its event loop keeps serving while SQLite waits; None runs them in place.
    offload: Callable[..., Any] | None = None

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 10.0, synchronous: str = "NORMAL"):
        if str(synchronous).upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise StorageError(f"synchronous must be NORMAL or FULL, got {synchronous!r}")
        self.path = Path(path)
        self.busy_timeout = float(busy_timeout)
        self.synchronous = str(synchronous).upper()
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._write_lock_pid = os.getpid()

    def _connect(self) -> sqlite3.Connection:
        if not self.path.parent.is_dir():
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():  # SQLite would create it 0644; its -wal and -shm files take the file's mode
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
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
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local.__dict__.clear()

    def _process_write_lock(self) -> threading.Lock:
        if self._write_lock_pid != os.getpid():  # a lock held by a thread at fork time must not be inherited
            self._write_lock, self._write_lock_pid = threading.Lock(), os.getpid()
        return self._write_lock

    def execute(self, statement: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(statement, params)

    def _wait(self, call: Callable[..., Any], *args: Any) -> Any:
        """``call(*args)``, a call that may wait for another process's write lock or for the disk, through
        :attr:`offload` when set."""
        return call(*args) if self.offload is None else self.offload(call, *args)

    def write(self, statement: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        # In autocommit mode SQLite makes one statement atomic by itself; the process lock only orders this
        # worker's threads, as for transactions.
        with self._process_write_lock():
            return self._wait(self.conn.execute, statement, params)

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        lock = self._process_write_lock() if write else None
        if lock is not None:
            lock.acquire()
        try:
            if write:
                self._wait(conn.execute, "BEGIN IMMEDIATE")
            else:
                conn.execute("BEGIN")
            try:
                yield conn
                if write:
                    self._wait(conn.execute, "COMMIT")
                else:
                    conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            if lock is not None:
                lock.release()

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> int:
        """See :meth:`Database.migrate`; SQLite's write lock orders the processes that migrate at once."""
        conn = self.conn
        conn.execute("PRAGMA journal_mode = WAL")
        with self.transaction(write=True):
            version = self.schema_version()
            self.refuse_newer(version, migrations, str(self.path))
            for migration in migrations[version:]:
                try:
                    for statement in migration.statements():
                        conn.execute(statement)
                except sqlite3.Error as exc:
                    raise StorageError(
                        f"migration {migration.name} of {self.path} failed and was rolled back: {exc}"
                    ) from None
                conn.execute(f"PRAGMA user_version = {migration.number}")
        return len(migrations)

    def integrity_check(self) -> str:
        """SQLite's ``integrity_check``: ``"ok"`` or a description of the damage."""
        return "; ".join(row[0] for row in self.conn.execute("PRAGMA integrity_check"))

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """Copy this database with SQLite's online backup API (it copies a consistent snapshot while other
        connections read and write) into a temporary file beside ``target``, check the copy, then rename it."""
        target = Path(target)
        if target.exists():
            raise StorageError(f"{target} exists; give a new file name (a backup never overwrites)")
        tmp = target.with_name(f".{target.name}.partial")
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot write the backup to {target}: {exc.strerror}") from None
        os.close(fd)
        try:
            copy = sqlite3.connect(tmp, isolation_level=None)
            try:
                self.conn.backup(copy, pages=1024)
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
                problems = "; ".join(row[0] for row in copy.execute("PRAGMA integrity_check"))
            finally:
                copy.close()
            if problems != "ok":
                raise StorageError(f"the backup failed its integrity check: {problems}")
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return target

    def restore(self, source: str | os.PathLike[str], migrations: Sequence[Migration] = MIGRATIONS) -> None:
        """Replace this database's content with ``source``'s, after checking that it is an intact database of a
        schema this code knows (see :meth:`Storage.restore`)."""
        source = Path(source)
        if not source.is_file():
            raise StorageError(f"no backup file {source}")
        try:
            backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open {source}: {exc}") from None
        try:
            try:
                problems = "; ".join(row[0] for row in backup.execute("PRAGMA integrity_check"))
                version = backup.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise StorageError(f"{source} is not an SQLite database of this service: {exc}") from None
            if problems != "ok":
                raise StorageError(f"{source} is damaged: {problems}")
            if version > len(migrations):
                raise StorageError(f"{source} has schema version {version}; this code knows up to {len(migrations)}")
            with self._process_write_lock():
                backup.backup(self.conn)
        finally:
            backup.close()
