"""A real PostgreSQL server for the tests: Debian's ``postgresql`` binaries, a throwaway cluster in a temporary
directory, one server per test session and a fresh database per test.

The server listens on 127.0.0.1 (an ephemeral port) with ``trust`` authentication, so tests connect as the
``postgres`` superuser without a password. PostgreSQL refuses to run as root; as root the cluster belongs to the
``postgres`` system user (which Debian's package creates) and the binaries run through ``runuser``. Durability
settings are off (``fsync``, ``synchronous_commit``): a crash of the test server loses nothing that matters, and
``CREATE DATABASE`` takes milliseconds instead of a second.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["PostgresServer", "find_binaries", "unavailable_reason"]

# Variables that must not reach the server: the shifted-clock run preloads libfaketime into every child, and a
# database server whose timers run on a fake clock behaves in ways no deployment does.
_CLOCK_VARIABLES = ("LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE", "DONT_FAKE_MONOTONIC", "FAKETIME_DONT_RESET")


def find_binaries() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``: on the PATH, else Debian's newest ``/usr/lib/postgresql/N/bin``."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _run_as() -> str | None:
    """The user the server runs as when we are root (None: as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return ""
    return "postgres"


def unavailable_reason() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    if find_binaries() is None:
        return "PostgreSQL is not installed (apt-get install postgresql; `make test` installs it when run as root)"
    if _run_as() == "":
        return "running as root and there is no 'postgres' system user to run PostgreSQL as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One throwaway PostgreSQL cluster, started on construction, stopped by :meth:`stop`.

    ``durable=True`` keeps PostgreSQL's own durability settings (``fsync``, ``synchronous_commit``), for measuring
    what a deployment would see rather than for testing.
    """

    def __init__(self, durable: bool = False) -> None:
        self.bindir = find_binaries()
        if self.bindir is None:
            raise RuntimeError(unavailable_reason())
        self.user = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="moderation-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.log = self.root / "server.log"
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._env = {k: v for k, v in os.environ.items() if k not in _CLOCK_VARIABLES}
        self._env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8", TZ="UTC")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync",
            "--no-instructions",
        )
        settings = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.root}'",
            "max_connections = 200",
            "shared_buffers = 32MB",
        ]
        if not durable:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n".join(settings) + "\n")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}"
        self._databases = 0
        self._wait()

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, env=self._env, cwd=self.root, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr or done.stdout}\n{log[-2000:]}")

    def _wait(self, timeout: float = 30.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url + "/postgres", connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_database(self, prefix: str = "test") -> str:
        """A new empty database; returns its URL."""
        import psycopg

        self._databases += 1
        name = f"{prefix}_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url + "/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return f"{self.url}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")  # its data is thrown away
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
