"""Running the service under gunicorn (``moderation serve``): never Flask's development server.

Each gunicorn worker builds its own app (so each loads the model once, after the fork) and its own SQLite
connections. With several workers, Prometheus metrics are shared through ``prometheus_client``'s multiprocess mode:
:func:`prepare_metrics_dir` sets ``PROMETHEUS_MULTIPROC_DIR`` *before* any worker imports ``prometheus_client``.
On first start with an empty database, :func:`bootstrap` creates a first site and key so the service is usable at
once.

The worker model, and why (:class:`Worker`):

* **gevent workers** (gunicorn's, one process per core): a connection costs a greenlet, not a thread, so idle or
  slow clients (100, or a thousand per worker) never starve the others; with threads, eight connections that sent
  half their headers used to take every thread and ``/healthz`` timed out. Scoring is CPU work under the GIL
  anyway, so one process per core with cooperative I/O wastes nothing against threads, and it saves the hand-offs
  between an acceptor thread and a pool.
* **read timeouts**: a request's headers must arrive within ``keepalive`` seconds (gunicorn's deadline for the next
  request on a connection, the first one included), and every later read or write on the socket within
  ``read_timeout`` seconds, else the connection is closed. A client trickling a body a byte at a time is cut off.
* **the parent's death is the workers' death**: each worker asks Linux for SIGTERM when its parent dies
  (``PR_SET_PDEATHSIG``, through ``prctl`` in libc), so ``kill -9`` of the master leaves no orphan holding the port;
  gunicorn's own check of the parent id remains as a fallback elsewhere. The listening socket is opened with
  ``SO_REUSEPORT``, so a restart binds even while old workers still drain their last requests.
* **overload is refused early**: see :mod:`service.admission`.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from gunicorn.app.base import BaseApplication

from .storage import Site, Storage

__all__ = [
    "GunicornApplication",
    "bootstrap",
    "prepare_metrics_dir",
    "run",
    "set_parent_death_signal",
    "DEFAULT_BIND",
    "WORKER_CLASSES",
]

DEFAULT_BIND = "127.0.0.1:8000"
#: ``--worker-class`` choices: ours (gevent, the default) or gunicorn's threads (no protection from slow clients).
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
    """On an empty database, create a first site and a key and print the key; otherwise do nothing."""
    storage.migrate()
    if storage.sites.count():
        return None
    site = storage.sites.create(site_url, name="first site")
    key, _ = storage.keys.create(site.id, label="created on first start")
    print(
        f"First start: created site {site.url} and its API key (shown once, keep it):\n\n    {key}\n",
        file=out,
        flush=True,
    )
    return site, key


def run(
    *,
    bind: str = DEFAULT_BIND,
    workers: int = 2,
    threads: int = 4,
    worker_class: str = "gevent",
    worker_connections: int = 1000,
    timeout: int = 30,
    keepalive: int = 5,
    read_timeout: float = 10.0,
    graceful_timeout: int = 10,
    access_log: bool = False,
    log_level: str = "info",
    app_config: Mapping[str, Any] | None = None,
) -> None:
    """Serve until interrupted. Settings of the app come from the environment (the CLI exports its options).

    ``threads`` is used by the ``gthread`` worker class only; ``worker_connections`` bounds the connections each
    gevent worker holds (beyond it, new ones wait in the kernel's backlog).
    """
    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
    )
    if worker_class not in WORKER_CLASSES:
        raise ValueError(f"worker class must be one of {', '.join(WORKER_CLASSES)}, got {worker_class!r}")
    os.environ["MODERATION_READ_TIMEOUT"] = str(read_timeout)  # read by the workers after the fork
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": WORKER_CLASSES[worker_class],
        "worker_connections": worker_connections,
        "timeout": timeout,
        "keepalive": keepalive,
        "graceful_timeout": graceful_timeout,
        "reuse_port": True,
        # Forwarded headers are believed by the app alone, as TRUSTED_PROXIES says (werkzeug's ProxyFix), not by
        # gunicorn's own list, which trusts any local process by default.
        "forwarded_allow_ips": "",
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": log_level,
        "proc_name": "moderation",
        "control_socket_disable": True,  # gunicornc is not needed, and servers side by side would share its socket
        "post_fork": _post_fork,
        "child_exit": _child_exit,
        # gunicorn's worker heartbeat files: tmpfs avoids disk stalls that look like hung workers.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
    }
    GunicornApplication(options, app_config).run()
