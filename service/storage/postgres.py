"""The PostgreSQL backend: many service nodes on one database (``MODERATION_DATABASE_URL=postgresql://...``).

It keeps the contract of :class:`~service.storage.database.Database`, so the table modules run unchanged:

* Statements are written with ``?``; they run with psycopg's ``%s`` (:meth:`Database.sql`), and rows answer to a
  column name and to a position, like :class:`sqlite3.Row`.
* The migrations are the same ``.sql`` files, each statement rewritten by :func:`.dialect.postgresql`. The schema
  version lives in the table ``moderation_schema`` (SQLite keeps it in ``user_version``). Migrating runs in one
  transaction under an advisory lock, so nodes that start together migrate once: the others wait for the lock, then
  find the schema current. PostgreSQL's DDL is transactional, so a failed migration leaves nothing behind.
* ``transaction(write=True)`` takes a database-wide advisory lock first, as SQLite's ``BEGIN IMMEDIATE`` takes the
  file's write lock: write transactions read, decide and write (feedback replacing earlier feedback and moving
  counters, a promotion retiring the previous model) without another node's interleaving. Single-statement writes
  (:meth:`write`) and the grouped check writer's transactions (:meth:`appending`: inserts and counter upserts only)
  take no lock: row locks order concurrent upserts of one counter, and the writer orders a group's rows by site, so
  two groups lock the counters they share in the same order.
* Every statement autocommits unless it runs in :meth:`transaction`, which commits when the block ends: a commit
  that returned is durable (``synchronous_commit`` is the server's, ``on`` by default).
* Connections come from a small pool per process (:class:`_Pool`), made on first use and again after ``fork``. Its
  size bounds this process's connections whatever the number of threads or greenlets; a request that finds the
  pool exhausted waits up to ``pool_timeout`` seconds. A connection that broke (the server restarted) is dropped
  when it comes back, and the next request connects anew. (``psycopg_pool`` runs background threads per pool,
  which outlive the short-lived stores of the command line and do not belong in a forking server's master.)

A URL that cannot be parsed, or a server that does not answer, raises :class:`StorageError` naming the URL with its
password masked (:func:`.backends.mask_url`) and the driver's reason.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import StorageError
from .database import Database
from .dialect import postgresql
from .schema import MIGRATIONS, Migration

__all__ = ["PostgresDatabase", "Row"]

# Advisory lock keys (any 64-bit integers; these spell "moderation migrate" and "moderation write" in spirit only).
_MIGRATION_LOCK = 0x6D6F645F6D696772
_WRITE_LOCK = 0x6D6F645F77726974
_VERSION_TABLE = "moderation_schema"


class Row(tuple):
    """A result row that answers to a column name (``row["id"]``) and to a position (``row[0]``)."""

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: Any) -> Any:
    names = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Row(values, names)


class Result:
    """The rows of one statement, fetched before its connection went back to the pool."""

    def __init__(self, rows: list[Row], rowcount: int):
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount

    def fetchone(self) -> Row | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[Row]:
        rows, self._next = self._rows[self._next:], len(self._rows)
        return rows

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


class _Session:
    """What :meth:`PostgresDatabase.transaction` yields: ``execute``/``executemany`` with ``?`` placeholders."""

    def __init__(self, conn: Any, db: PostgresDatabase):
        self.conn = conn
        self.db = db

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.db.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> Any:
        cursor = self.conn.cursor()
        cursor.executemany(self.db.sql(statement), [tuple(r) for r in rows])
        return cursor


class _Pool:
    """At most ``size`` connections, reused last-in first-out; no threads of its own.

    A connection unused for ``check_after`` seconds is tried (``SELECT 1``) before it is handed out, and replaced if
    it fails: the server may have restarted, or a firewall dropped the idle connection, meanwhile.
    """

    check_after = 30.0

    def __init__(self, connect: Any, size: int, timeout: float, location: str, idle: Any):
        self._connect = connect
        self._idle_status = idle  # the driver's "connected, no transaction open"
        self._idle: list[tuple[Any, float]] = []
        self._slots = threading.BoundedSemaphore(size)
        self.size, self.timeout, self.location = size, timeout, location

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if not self._slots.acquire(timeout=self.timeout):
            raise StorageError(
                f"no connection to database {self.location} free within {self.timeout:g} s "
                f"(all {self.size} of this process's connections are busy)"
            )
        try:
            conn = self._take()
            try:
                yield conn
            finally:
                # Back to the pool only when it is idle and whole; otherwise it is closed (a new one replaces it).
                if conn.closed or conn.broken or conn.info.transaction_status != self._idle_status:
                    conn.close()
                else:
                    self._idle.append((conn, time.monotonic()))
        finally:
            self._slots.release()

    def _take(self) -> Any:
        while self._idle:
            conn, since = self._idle.pop()
            if time.monotonic() - since < self.check_after:
                return conn
            try:
                conn.execute("SELECT 1")
                return conn
            except Exception:  # whatever the driver says about a dead connection: drop it, try the next
                conn.close()
        return self._connect()

    def close(self) -> None:
        while self._idle:
            self._idle.pop()[0].close()


class PostgresDatabase(Database):
    """One PostgreSQL database (see the module docstring).

    Parameters
    ----------
    url : str
        ``postgresql://user:password@host:port/database`` (libpq's URL form; query parameters such as
        ``sslmode=require`` are passed on).
    pool_size : int
        Most connections this process opens.
    pool_timeout : float
        Seconds a statement waits for a free connection, and for the server to answer a new connection.
    """

    paramstyle = "format"

    def __init__(self, url: str, *, pool_size: int = 8, pool_timeout: float = 10.0):
        try:
            import psycopg
            from psycopg.conninfo import conninfo_to_dict
        except ImportError:
            raise StorageError(
                "a postgresql:// database needs the PostgreSQL driver: pip install 'moderation[postgres]'"
            ) from None
        from .backends import mask_url

        self.url = url
        self.location = mask_url(url)
        try:
            options = conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise StorageError(f"database URL {self.location} is malformed: {_reason(exc, url)}") from None
        if not options.get("dbname"):
            raise StorageError(f"database URL {self.location} names no database (add /DATABASE after the host)")
        port = str(options.get("port") or "")
        if port and not all(p.strip().isdigit() for p in port.split(",")):
            raise StorageError(f"database URL {self.location} is malformed: port {port!r} is not a number")
        options.setdefault("connect_timeout", str(max(1, round(pool_timeout))))
        self._options = options
        self.IntegrityError = psycopg.IntegrityError
        self._driver = psycopg
        self.pool_size = max(1, int(pool_size))
        self.pool_timeout = float(pool_timeout)
        self._pool: _Pool | None = None
        self._pool_pid: int | None = None
        self._lock = threading.Lock()

    # -- the Database contract ---------------------------------------------------------------------------------

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Result:
        with self._connection() as conn:
            cursor = conn.execute(self.sql(statement), tuple(params))
            rows = cursor.fetchall() if cursor.description else []
            return Result(rows, cursor.rowcount)

    def write(self, statement: str, params: Sequence[Any] = ()) -> Result:
        return self.execute(statement, params)

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[_Session]:
        with self._connection() as conn, conn.transaction():
            if write:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            yield _Session(conn, self)

    def appending(self) -> Any:
        """Inserts and counter upserts need no database-wide lock: the upserts' row locks order them."""
        return self.transaction(write=False)

    def schema_version(self) -> int:
        with self._connection() as conn:
            return self._version(conn)

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> int:
        """See :meth:`Database.migrate`; an advisory lock orders the nodes that migrate at once."""
        psycopg = self._driver
        with self._connection() as conn:
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                    conn.execute(f"CREATE TABLE IF NOT EXISTS {_VERSION_TABLE} (version BIGINT NOT NULL)")
                    version = self._version(conn)
                    self.refuse_newer(version, migrations, self.location)
                    for migration in migrations[version:]:
                        self._apply(conn, migration)
                    conn.execute(f"DELETE FROM {_VERSION_TABLE}")
                    conn.execute(f"INSERT INTO {_VERSION_TABLE} (version) VALUES (%s)", (max(version, len(migrations)),))
            except psycopg.Error as exc:
                raise StorageError(f"migrating {self.location} failed and was rolled back: {exc}") from None
        return len(migrations)

    def integrity_check(self) -> str:
        """``"ok"``, or the indexes PostgreSQL marks invalid (what an interrupted index build leaves)."""
        rows = self.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid AND n.nspname = current_schema()"
        ).fetchall()
        return "ok" if not rows else "invalid indexes: " + ", ".join(r[0] for r in rows)

    def ping(self) -> None:
        self.execute("SELECT 1").fetchone()

    def close(self) -> None:
        """Close this process's pool (a pool inherited through ``fork`` is the parent's: it is only dropped)."""
        with self._lock:
            pool, pid = self._pool, self._pool_pid
            self._pool = self._pool_pid = None
        if pool is not None and pid == os.getpid():
            pool.close()

    # -- internals ---------------------------------------------------------------------------------------------

    @staticmethod
    def _version(conn: Any) -> int:
        if conn.execute("SELECT to_regclass(%s)", (_VERSION_TABLE,)).fetchone()[0] is None:
            return 0
        row = conn.execute(f"SELECT MAX(version) FROM {_VERSION_TABLE}").fetchone()
        return int(row[0] or 0)

    def _apply(self, conn: Any, migration: Migration) -> None:
        for statement in migration.statements():
            for translated in postgresql(statement):
                try:
                    conn.execute(translated)
                except self._driver.Error as exc:
                    raise StorageError(
                        f"migration {migration.name} of {self.location} failed and was rolled back: "
                        f"{str(exc).strip()}"
                    ) from None

    def _connect(self) -> Any:
        psycopg = self._driver
        try:
            return psycopg.connect(**self._options, autocommit=True, row_factory=_row_factory)
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to database {self.location}: {_reason(exc, self.url)}") from None

    def _get_pool(self) -> _Pool:
        pid = os.getpid()
        pool = self._pool
        if pool is not None and self._pool_pid == pid:
            return pool
        with self._lock:
            if self._pool is None or self._pool_pid != pid:  # connections inherited through fork are the parent's
                idle = self._driver.pq.TransactionStatus.IDLE
                self._pool = _Pool(self._connect, self.pool_size, self.pool_timeout, self.location, idle)
                self._pool_pid = pid
            return self._pool

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        try:
            with self._get_pool().connection() as conn:
                yield conn
        except self._driver.OperationalError as exc:
            raise StorageError(f"database {self.location} failed: {_reason(exc, self.url)}") from None


def _reason(exc: BaseException, url: str) -> str:
    """The driver's message, first line only, without the password (libpq repeats a URL it cannot parse)."""
    from urllib.parse import unquote

    from .backends import mask_url, url_password

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.replace(url, mask_url(url))
    password = url_password(url)
    for secret in {password, unquote(password)} if password else ():
        text = text.replace(secret, "***")
    return text
