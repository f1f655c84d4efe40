"""The model registry: trained versions on disk, one active model per site, promotion and rollback.

Versions live under an instance directory, one directory per version that is never rewritten::

    INSTANCE/models/site-3/<model_id>/model.joblib     the pipeline (moderation's save_model format)
    INSTANCE/models/site-3/<model_id>/model.json       its sidecar
    INSTANCE/models/site-3/<model_id>/report/          the evaluation report (index.html, report.json, PNGs)

Which version a site uses is one row in an *index*: any object with the four methods below (the service's
``models`` table is one; the library never imports the service). Activating a version is a single
transaction in that index that retires the previous active row and activates the new one, so every reader sees
either the old model or the new one, never none. A model file is complete (written to a temporary file, fsynced,
renamed) before its row exists, and its directory is never overwritten, so a worker that resolves the new path
always finds a whole file; the old file stays on disk, so requests in flight keep the model they hold. The service's
:class:`~service.model_holder.ModelHolder` resolves a site's model through the index at most once per
``MODEL_CHECK_INTERVAL`` and loads a new path on first use: a promotion is picked up without a restart.

A site without an active version uses the global model (the shipped one by default).

Index protocol::

    add(path, sha256, version, *, site_id, status, report) -> int
    set_status(model_id, status) -> None        # "active" retires the site's previous active model
    list(site_id) -> list of records            # with id, site_id, version, path, sha256, status, report, ...
    active_path(site_id) -> str | None

>>> registry = ModelRegistry("instance", storage)            # doctest: +SKIP
>>> version = registry.add(trained_model, site_id=3)           # a candidate
>>> registry.promote(3, version.id)                            # the service serves it within a second
>>> registry.rollback(3)                                       # back to the previous one (or the shipped model)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .errors import ModerationError, RegistryError
from .ordered import OrderedEnum
from .persistence import load_model

__all__ = ["ModelRegistry", "ModelVersion", "ModelStatus", "GateStatus", "RegistryError", "RegistryIndex"]


class ModelStatus(OrderedEnum):
    """Where a registered version is in its life, in order."""

    CANDIDATE = "candidate"  #: trained and registered, not serving
    ACTIVE = "active"  #: what its site (or the global default) is served
    RETIRED = "retired"  #: replaced or rolled back; kept on disk, so it can be reactivated


class GateStatus(OrderedEnum):
    """The promotion gate's result, from the worst to the best."""

    FAILED = "failed"  #: a label is worse than the active model's by more than the tolerance
    INCONCLUSIVE = "inconclusive"  #: too little held-out feedback to compare: only a person may promote it
    PASSED = "passed"  #: no label worse than the tolerance allows: promoted automatically when asked


class RegistryIndex(Protocol):
    def add(self, path: Any, sha256: str, version: str, *, site_id: int | None = None, status: str = ...,
            report: Mapping[str, Any] | None = None) -> int: ...

    def set_status(self, model_id: int, status: str) -> None: ...

    def list(self, site_id: int | None = None) -> list[Any]: ...

    def active_path(self, site_id: int | None) -> str | None: ...


@dataclass(frozen=True)
class ModelVersion:
    """One registered model of a site."""

    id: int
    site_id: int | None
    version: str
    path: Path
    sha256: str
    status: ModelStatus
    report: Mapping[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""

    @property
    def report_dir(self) -> Path:
        return self.path.parent / "report"

    @property
    def gate(self) -> GateStatus | None:
        """The promotion gate's result recorded by retraining (None for models added without one)."""
        gate = self.report.get("gate")
        return GateStatus(gate["status"]) if isinstance(gate, Mapping) and gate.get("status") else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site_id": self.site_id,
            "version": self.version,
            "path": str(self.path),
            "sha256": self.sha256,
            "status": self.status.value,
            "gate": self.gate.value if self.gate else None,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ModelRegistry:
    """Model versions of sites under ``INSTANCE/models``, indexed by ``index`` (see the module docstring).

    Parameters
    ----------
    instance : path-like
        The service's instance directory; paths inside it are recorded relative to it, others absolute.
    index : RegistryIndex
        Where versions and the active one are recorded (the service's Storage).
    root : path-like, optional
        Where versions are written (default ``INSTANCE/models``). Service nodes that share a database share this
        directory, mounted at the same path on each: the index names the files by their absolute paths.
    """

    def __init__(
        self, instance: str | os.PathLike[str], index: RegistryIndex, root: str | os.PathLike[str] | None = None
    ):
        self.instance = Path(instance).resolve()
        self.root = Path(root).resolve() if root else self.instance / "models"
        self.index = index

    # -- paths -----------------------------------------------------------------------------------------------------

    def site_dir(self, site_id: int | None) -> Path:
        return self.root / ("global" if site_id is None else f"site-{int(site_id)}")

    def new_version_dir(self, site_id: int | None, version: str) -> Path:
        """A fresh directory for a version (a suffix is added if the name was used): versions are never rewritten."""
        base = _UNSAFE.sub("-", version).strip("-.") or "model"
        parent = self.site_dir(site_id)
        parent.mkdir(parents=True, exist_ok=True)
        for n in range(1000):
            candidate = parent / (base if n == 0 else f"{base}-{n}")
            try:
                candidate.mkdir()
                return candidate
            except FileExistsError:
                continue
        raise RegistryError(f"too many versions named {base!r} under {parent}")

    def _absolute(self, stored: str) -> Path:
        path = Path(stored)
        return path if path.is_absolute() else self.instance / path

    def _relative(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.instance))
        except ValueError:
            return str(path.resolve())

    # -- reading ---------------------------------------------------------------------------------------------------

    def _version(self, row: Any) -> ModelVersion:
        return ModelVersion(
            id=int(row.id),
            site_id=row.site_id,
            version=str(row.version),
            path=self._absolute(row.path),
            sha256=str(row.sha256),
            status=ModelStatus(row.status),
            report=dict(row.report or {}),
            created_at=str(row.created_at or ""),
            updated_at=str(row.updated_at or ""),
        )

    def list(self, site_id: int | None) -> list[ModelVersion]:
        """The site's versions, oldest first."""
        return [self._version(r) for r in self.index.list(site_id)]

    def show(self, site_id: int | None, ref: int | str) -> ModelVersion:
        """A version of the site by id (``12``) or version name.

        Raises
        ------
        RegistryError
            When the site has no such version.
        """
        for v in self.list(site_id):
            if str(v.id) == str(ref) or v.version == str(ref):
                return v
        raise RegistryError(f"site {site_id} has no model version {ref!r}; see `moderation models list`")

    def active(self, site_id: int | None) -> ModelVersion | None:
        """The site's active version, or None when it uses the global (shipped) model."""
        for v in self.list(site_id):
            if v.status is ModelStatus.ACTIVE:
                return v
        return None

    # -- writing ---------------------------------------------------------------------------------------------------

    def register(
        self, path: str | os.PathLike[str], *, site_id: int | None, report: Mapping[str, Any] | None = None
    ) -> ModelVersion:
        """Record a saved model file (already inside :meth:`new_version_dir`) as a candidate of the site."""
        path = Path(path).resolve()
        _, meta = load_model(path, verify=True)  # never index a file that does not load
        model_id = self.index.add(
            self._relative(path), str(meta["sha256"]), str(meta.get("model_id", path.parent.name)),
            site_id=site_id, status=ModelStatus.CANDIDATE.value, report=dict(report or {}),
        )
        return self.show(site_id, model_id)

    def promote(self, site_id: int | None, ref: int | str, *, force: bool = False) -> ModelVersion:
        """Make a version the site's active model (atomically retiring the previous one).

        Raises
        ------
        RegistryError
            When the version's gate failed (pass ``force=True`` to promote it anyway), or its file is missing or does
            not match its checksum.
        """
        version = self.show(site_id, ref)
        if version.gate is GateStatus.FAILED and not force:
            reasons = "; ".join(version.report.get("gate", {}).get("reasons", [])) or "see its report"
            raise RegistryError(
                f"model {version.version} failed the promotion gate ({reasons}); promote it anyway with force "
                "(`moderation models promote --force`) if you are sure"
            )
        try:
            _, meta = load_model(version.path, verify=True)
        except ModerationError as exc:
            raise RegistryError(f"model {version.version} cannot be promoted: {exc}") from None
        if meta["sha256"] != version.sha256:
            raise RegistryError(f"model {version.version}: the file on disk is not the one registered; retrain it")
        self.index.set_status(version.id, ModelStatus.ACTIVE.value)
        return self.show(site_id, version.id)

    def rollback(self, site_id: int | None) -> ModelVersion | None:
        """Activate the version that was active before the current one; None when that is the global model.

        The previous version is the newest *retired* version older than the current one (versions are only retired
        by being replaced or rolled back); with none, the current version is retired and the site falls back to
        the global model.

        Raises
        ------
        RegistryError
            When the site has no active version (it already uses the global model).
        """
        versions = self.list(site_id)
        current = next((v for v in versions if v.status is ModelStatus.ACTIVE), None)
        if current is None:
            raise RegistryError(f"site {site_id} has no promoted model; it already uses the global model")
        earlier = [v for v in versions if v.status is ModelStatus.RETIRED and v.id < current.id and v.path.is_file()]
        if earlier:
            target = earlier[-1]
            self.index.set_status(target.id, ModelStatus.ACTIVE.value)  # retires the current one, same transaction
            return self.show(site_id, target.id)
        self.index.set_status(current.id, ModelStatus.RETIRED.value)
        return None
