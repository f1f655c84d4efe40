"""Retraining a site: its feedback as a training table, the registry of its model versions, background jobs.

The library's retraining (:mod:`moderation.retraining`) knows scopes and domains, not sites or databases; this
module maps a site onto it: site 3 is the registry scope ``site-3`` (its versions under ``INSTANCE/models/site-3``)
and the training domain ``site:<host>``, its decisions become labeled rows, its versions are indexed in the
``models`` table (:class:`SiteIndex`), and a retrain started from the pages runs in a thread that reports to the
``jobs`` table.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from moderation.errors import InvalidDataError, ModerationError
from moderation.labels import LABELS
from moderation.retraining.registry import ModelRegistry

from .errors import RetrainBusy, ServiceError
from .storage import DECISION_LABELS, ModelRecord, Site, Storage
from .storage.models import ModelTable

__all__ = ["SiteIndex", "feedback_frame", "registry", "retrain_site", "scope_of", "site_of", "start_retrain_job"]

log = logging.getLogger(__name__)


def feedback_frame(storage: Storage, site_id: int) -> pd.DataFrame:
    """The site's feedback as ``text`` plus one column per label (NaN where a decision says nothing).

    The text is the feedback's own, else the latest stored check of that comment; feedback with neither is skipped.
    """
    records = []
    for row in storage.feedback.for_training(site_id):
        labels = dict(DECISION_LABELS.get(row.decision, {}))
        labels.update({k: float(v) for k, v in row.labels.items() if k in LABELS})
        records.append({"text": row.text, **labels})
    frame = pd.DataFrame.from_records(records, columns=["text", *LABELS])
    return frame.dropna(axis=1, how="all") if len(frame) else frame[["text"]]


def scope_of(site_id: int | None) -> str | None:
    """The registry scope of a site (None: the global model)."""
    return None if site_id is None else f"site-{int(site_id)}"


def site_of(scope: str | None) -> int | None:
    """The site of a registry scope made by :func:`scope_of`."""
    if scope is None:
        return None
    if not scope.startswith("site-") or not scope[5:].isdigit():
        raise ValueError(f"registry scope {scope!r} is not a site's (site-<id>)")
    return int(scope[5:])


class SiteIndex:
    """The ``models`` table as the registry's index (scopes ``site-<id>`` are sites; None the global model)."""

    def __init__(self, table: ModelTable):
        self.table = table

    def add(self, path: Any, sha256: str, version: str, *, scope: str | None = None, status: str = "candidate",
            report: Mapping[str, Any] | None = None) -> int:
        return self.table.add(path, sha256, version, site_id=site_of(scope), status=status, report=report)

    def set_status(self, model_id: int, status: str) -> None:
        self.table.set_status(model_id, status)

    def list(self, scope: str | None = None) -> list[ModelRecord]:
        return self.table.list(site_of(scope))

    def active_path(self, scope: str | None) -> str | None:
        return self.table.active_path(site_of(scope))


def registry(storage: Storage, instance: str | Path, model_dir: str | Path | None = None) -> ModelRegistry:
    """The model registry of an instance, indexed by the ``models`` table, its versions under ``model_dir``
    (default: $MODERATION_MODEL_DIR, else INSTANCE/models; see :func:`service.config.resolve_model_dir`)."""
    from .config import resolve_model_dir

    return ModelRegistry(instance, SiteIndex(storage.models), resolve_model_dir(model_dir, instance))


def retrain_site(
    storage: Storage,
    instance: str | Path,
    site: Site,
    *,
    active: Any,
    recipe: str | None = None,
    data_dir: str | None = None,
    base_files: Sequence[str] = (),
    params: Mapping[str, Any] | None = None,
    promote: bool = True,
    tolerance: float = 0.02,
    protocol_rounds: int = 0,
    progress: Any = None,
    model_dir: str | Path | None = None,
) -> Any:
    """Retrain ``site``'s model from its feedback (see :func:`moderation.retraining.retrain`).

    ``protocol_rounds > 0`` (with a recipe) also runs that many rounds of the standard protocol with the site's
    feedback added, and puts its summary in the report. The new version is written under ``model_dir`` (see
    :func:`registry`).
    """
    from moderation.retraining.retrain import base_sources, retrain

    sources, recipe_params = base_sources(recipe, data_dir, base_files)
    protocol = None
    if protocol_rounds > 0:
        if not recipe or recipe == "none":
            raise InvalidDataError("the standard protocol needs a recipe (--recipe default or commercial)")

        def protocol(extra: Sequence[Any]) -> Mapping[str, Any]:
            from moderation.protocol import run_protocol
            from moderation.recipes import recipe as named

            return run_protocol(named(recipe), data_dir, rounds=protocol_rounds, params=params,
                                extra_sources=extra).summary
    return retrain(
        registry(storage, instance, model_dir),
        scope=scope_of(site.id),
        domain=f"site:{site.host}",
        feedback=feedback_frame(storage, site.id),
        active=active,
        base=sources,
        params={**recipe_params, **dict(params or {})},
        promote=promote,
        tolerance=tolerance,
        protocol=protocol,
        progress=progress,
    )


_RUNNING: dict[int, threading.Thread] = {}
_RUNNING_LOCK = threading.Lock()


def start_retrain_job(storage: Storage, instance: str | Path, site: Site, active: Any, *,
                      options: Mapping[str, Any]) -> int:
    """Start retraining ``site`` in a background thread; return the job id (progress goes to the ``jobs`` table).

    Raises
    ------
    RetrainBusy
        When a retrain of that site is already running, in this process or (by its recent reports) in another.
    """
    with _RUNNING_LOCK:
        running = _RUNNING.get(site.id)
        if running is not None and running.is_alive():
            raise RetrainBusy("a retrain of this site is already running")
        busy = storage.jobs.running(site.id, "retrain")
        if busy is not None:
            raise RetrainBusy(f"retrain job #{busy.id} of this site is still running")
        job_id = storage.jobs.create("retrain", site.id, "queued")

        def progress(fraction: float, message: str) -> None:
            storage.jobs.update(job_id, progress=min(max(fraction, 0.0), 1.0), message=message)

        def run() -> None:
            storage.jobs.update(job_id, status="running", progress=0.01, message="starting")
            try:
                result = retrain_site(storage, instance, site, active=active, progress=progress, **options)
            except (ModerationError, ServiceError, ValueError) as exc:
                storage.jobs.update(job_id, status="failed", message=str(exc))
            except Exception as exc:  # a bug must still end the job, with its reason, not leave it "running"
                log.exception("retrain job %s failed", job_id)
                storage.jobs.update(job_id, status="failed", message=f"{type(exc).__name__}: {exc}")
            else:
                state = "promoted" if result.promoted else "not promoted"
                storage.jobs.update(job_id, status="succeeded", progress=1.0,
                                    message=f"model {result.version.version} (#{result.version.id}): gate "
                                            f"{result.gate['status']}, {state}")
            finally:
                storage.close()

        thread = threading.Thread(target=run, name=f"retrain site {site.id}", daemon=True)
        _RUNNING[site.id] = thread
        thread.start()
    return job_id
