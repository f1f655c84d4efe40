"""Running the service under gunicorn (``moderation serve``): never Flask's development server.

Each gunicorn worker builds its own app (so each loads the model once, after the fork) and its own SQLite
connections. With several workers, Prometheus metrics are shared through ``prometheus_client``'s multiprocess mode:
:func:`prepare_metrics_dir` sets ``PROMETHEUS_MULTIPROC_DIR`` *before* any worker imports ``prometheus_client``.
On first start with an empty database, :func:`bootstrap` creates a first site and key so the service is usable at
once.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from gunicorn.app.base import BaseApplication

from .storage import Site, Storage

__all__ = ["GunicornApplication", "bootstrap", "prepare_metrics_dir", "run", "DEFAULT_BIND"]

DEFAULT_BIND = "127.0.0.1:8000"
log = logging.getLogger("service")


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


def _child_exit(server, worker) -> None:  # gunicorn hook: a dead worker's live metrics are dropped
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def prepare_metrics_dir(instance: str | os.PathLike[str]) -> Path:
    """An empty ``INSTANCE/prometheus`` directory, exported as ``PROMETHEUS_MULTIPROC_DIR`` for the workers."""
    path = Path(instance) / "prometheus"
    if path.exists():
        shutil.rmtree(path)  # counts from a previous run would be added to this one's
    path.mkdir(parents=True)
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
    timeout: int = 30,
    access_log: bool = False,
    log_level: str = "info",
    app_config: Mapping[str, Any] | None = None,
) -> None:
    """Serve until interrupted. Settings of the app come from the environment (the CLI exports its options)."""
    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
    )
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",  # keep-alive connections (the sync worker closes each one)
        "timeout": timeout,
        "keepalive": 5,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": log_level,
        "proc_name": "moderation",
        "control_socket_disable": True,  # gunicornc is not needed, and servers side by side would share its socket
        "child_exit": _child_exit,
        # gunicorn's worker heartbeat files: tmpfs avoids disk stalls that look like hung workers.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
    }
    GunicornApplication(options, app_config).run()
