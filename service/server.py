"""Running the service under gunicorn (``moderation serve``): never Flask's development server.

Each gunicorn worker builds its own app (so each loads the model once, after the fork) and its own SQLite
connections. With several workers, Prometheus metrics are shared through ``prometheus_client``'s multiprocess mode:
:func:`prepare_metrics_dir` sets ``PROMETHEUS_MULTIPROC_DIR`` *before* any worker imports ``prometheus_client``.
On first start with an empty database, :func:`bootstrap` creates a first site and key so the service is usable at
once.

Settings come from :func:`service.config.resolve_serve_settings` (config file, environment, options); gunicorn's own
``$GUNICORN_CMD_ARGS`` is applied over them (as gunicorn applies it over its config file), so any gunicorn setting
can still be given there (``GUNICORN_CMD_ARGS="--max-requests 1000"``). Logs are JSON lines by default
(:mod:`service.logs`). With ``metrics_bind``, gunicorn's master serves ``/metrics`` on that address once it is
ready, summed over the workers, with the process metrics of all of them.

The worker model, and why (:mod:`service.worker`):

* **gevent workers** (gunicorn's, one process per core): a connection costs a greenlet, not a thread, so idle or
  slow clients (100, or a thousand per worker) never starve the others; with threads, eight connections that sent
  half their headers took every thread and ``/healthz`` timed out. Scoring is CPU work under the GIL anyway, so one
  process per core with cooperative I/O wastes nothing against threads, and it saves the hand-offs between an
  acceptor thread and a pool. SQLite's waits (another worker's write lock, the disk) run in a native thread
  (:attr:`service.storage.SQLiteDatabase.offload`), so they do not stop a worker's event loop.
* **read timeouts**: a request's headers must arrive within ``keepalive`` seconds (gunicorn's deadline for the next
  request on a connection, the first one included), and every later read or write on the socket within
  ``read_timeout`` seconds, else the connection is closed. A client trickling a body a byte at a time is cut off.
* **the parent's death is the workers' death**: each worker asks Linux for SIGTERM when its parent dies
  (``PR_SET_PDEATHSIG``, through ``prctl`` in libc), and then closes its listening socket at once, so ``kill -9``
  of the master leaves no orphan holding the port and ``moderation serve`` can start again within a second.
* **overload is refused early**: see :mod:`service.admission`.
* forwarded headers (``X-Forwarded-Proto``...) are believed by the app alone, as ``TRUSTED_PROXIES`` says
  (werkzeug's ProxyFix), not by gunicorn's own list, which trusts any local process by default.

``worker_class = "gthread"`` (with ``threads``) remains for comparison; it has none of the protection from slow
clients, and no admission queue.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shlex
import shutil
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from gunicorn.app.base import BaseApplication

from .config import ServeSettings
from .errors import ConfigError
from .storage import Site, Storage

__all__ = [
    "GunicornApplication",
    "bootstrap",
    "prepare_metrics_dir",
    "run",
    "DEFAULT_BIND",
    "set_parent_death_signal",
    "WORKER_CLASSES",
]

DEFAULT_BIND = "127.0.0.1:8000"
#: ``worker_class`` values: ours (gevent, the default) or gunicorn's threads.
WORKER_CLASSES = {"gevent": "service.worker.Worker", "gthread": "gthread"}
log = logging.getLogger("service")
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def set_parent_death_signal(signum: int = signal.SIGTERM) -> bool:
    """Ask Linux to send ``signum`` to this process when its parent dies; False where there is no ``prctl``.

    Called in each worker right after the fork. Checking the parent id afterwards closes the race where the parent
    died before the call.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    return True


class GunicornApplication(BaseApplication):
    """gunicorn with ``create_app()`` as the WSGI app and settings given as a mapping."""

    def __init__(self, options: Mapping[str, Any], app_config: Mapping[str, Any] | None = None):
        self.options = dict(options)
        self.app_config = dict(app_config or {})
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None and key in self.cfg.settings:
                self.cfg.set(key, value)
        extra = os.environ.get("GUNICORN_CMD_ARGS")
        if extra:
            try:
                parsed = self.cfg.parser().parse_args(shlex.split(extra))
            except SystemExit:  # argparse already said what is wrong
                raise ConfigError(f"GUNICORN_CMD_ARGS={extra!r} holds an option gunicorn does not know") from None
            for key, value in vars(parsed).items():
                if value is not None and key in self.cfg.settings and key != "args":
                    self.cfg.set(key.lower(), value)

    def load(self):
        from . import create_app

        return create_app(self.app_config)


def _post_fork(server, worker) -> None:  # gunicorn hook, in the new worker
    parent = os.getppid()
    set_parent_death_signal(signal.SIGTERM)
    if parent != worker.ppid:  # the master died before the call: nobody will signal us
        os.kill(os.getpid(), signal.SIGTERM)


def _child_exit(server, worker) -> None:  # gunicorn hook: a dead worker's live metrics are dropped
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def prepare_metrics_dir(instance: str | os.PathLike[str]) -> Path:
    """An empty ``INSTANCE/prometheus`` directory, exported as ``PROMETHEUS_MULTIPROC_DIR`` for the workers."""
    path = Path(instance) / "prometheus"
    if path.exists():
        shutil.rmtree(path)  # counts from a previous run would be added to this one's
    path.mkdir(parents=True, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


def bootstrap(
    storage: Storage, site_url: str = "http://localhost", out: TextIO = sys.stdout
) -> tuple[Site, str] | None:
    """On an empty database, create a first site and a key and print the key; otherwise do nothing. Of several
    nodes starting together on one empty database, exactly one does it."""
    storage.migrate()
    if storage.sites.count():
        return None
    site = storage.sites.create_first(site_url, name="first site")
    if site is None:
        return None
    key, _ = storage.keys.create(site.id, label="created on first start")
    print(
        f"First start: created site {site.url} and its API key (shown once, keep it):\n\n    {key}\n",
        file=out,
        flush=True,
    )
    return site, key


def _when_ready(server) -> None:  # gunicorn hook, in the master: the separate metrics port, if any
    bind = os.environ.get("MODERATION_METRICS_BIND")
    if bind:
        from .metrics import start_metrics_server

        start_metrics_server(bind)
        server.log.info("metrics on http://%s/metrics", bind)


def gunicorn_options(settings: ServeSettings) -> dict[str, Any]:
    """gunicorn's settings for ``settings``."""
    from .logs import TEXT_ACCESS_FORMAT, GunicornLogger

    return {
        "bind": settings.bind,
        "workers": settings.workers,
        "threads": settings.threads,
        "worker_class": WORKER_CLASSES[settings.worker_class],
        "worker_connections": settings.worker_connections,
        "timeout": settings.timeout,
        "keepalive": settings.keepalive,
        "graceful_timeout": 10,
        "forwarded_allow_ips": "",  # the app's TRUSTED_PROXIES decides which forwarded headers count
        "accesslog": "-" if settings.access_log else None,
        "access_log_format": TEXT_ACCESS_FORMAT,
        "errorlog": "-",
        "loglevel": settings.log_level,
        "logger_class": GunicornLogger,
        "proc_name": "moderation",
        "control_socket_disable": True,  # gunicornc is not needed, and servers side by side would share its socket
        "post_fork": _post_fork,
        "child_exit": _child_exit,
        "when_ready": _when_ready,
        # gunicorn's worker heartbeat files: tmpfs avoids disk stalls that look like hung workers.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
    }


def run(settings: ServeSettings, app_config: Mapping[str, Any] | None = None) -> None:
    """Serve until interrupted. The app's settings come from the environment (the CLI exports its options)."""
    from .logs import configure

    os.environ["MODERATION_LOG_FORMAT"] = settings.log_format
    os.environ["MODERATION_READ_TIMEOUT"] = str(settings.read_timeout)  # read by the workers after the fork
    configure(settings.log_level, settings.log_format)
    GunicornApplication(gunicorn_options(settings), app_config).run()
