"""The model registry: trained versions on disk, one active version per scope, promotion and rollback.

A *scope* names whose model a version is: any string (the service uses one per site, ``site-3``), or None for the
global model. Versions live under a home directory, one directory per version that is never rewritten::

    HOME/models/site-3/<model_id>/model.joblib     the pipeline (moderation's save_model format)
    HOME/models/site-3/<model_id>/model.json       its sidecar
    HOME/models/site-3/<model_id>/report/          the evaluation report (index.html, report.json, PNGs)

Which version a scope uses is one row in an *index*: any object with the four methods below (the service keeps it
in its database; the library never imports the service). Activating a version is a single transaction in that
index that retires the previous active row and activates the new one, so every reader sees either the old model or
the new one, never none. A model file is complete (written to a temporary file, fsynced, renamed) before its row
exists, and its directory is never overwritten, so a reader that resolves the new path always finds a whole file;
the old file stays on disk, so work in flight keeps the model it holds.

A scope without an active version uses the global model (the shipped one by default).

Index protocol::

    add(path, sha256, version, *, scope, status, report) -> int
    set_status(model_id, status) -> None        # "active" retires the scope's previous active version
    list(scope) -> list of records              # with id, version, path, sha256, status, report, created_at
    active_path(scope) -> str | None

>>> import tempfile
>>> registry = ModelRegistry(tempfile.mkdtemp(), MemoryIndex())
>>> registry.list("site-3"), registry.active("site-3")
([], None)
>>> registry.version_dir("site-3", "v1").relative_to(registry.home).as_posix()
'models/site-3/v1'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import ModerationError, RegistryError
from ..ordered import OrderedEnum
from .gate import GateStatus

__all__ = ["ModelRegistry", "ModelVersion", "ModelStatus", "RegistryIndex", "MemoryIndex"]


class ModelStatus(OrderedEnum):
    """Where a registered version is in its life, in order."""

    CANDIDATE = "candidate"  #: trained and registered, not serving
    ACTIVE = "active"  #: what its scope (or, for the global model, every scope without one) is served
    RETIRED = "retired"  #: replaced or rolled back; kept on disk, so it can be reactivated


class RegistryIndex(Protocol):
    """Where versions and the active one are recorded (see the module docstring)."""

    def add(self, path: Any, sha256: str, version: str, *, scope: str | None = None, status: str = ...,
            report: Mapping[str, Any] | None = None) -> int: ...

    def set_status(self, model_id: int, status: str) -> None: ...

    def list(self, scope: str | None = None) -> list[Any]: ...

    def active_path(self, scope: str | None) -> str | None: ...


@dataclass
class _Row:
    id: int
    scope: str | None
    version: str
    path: str
    sha256: str
    status: str
    report: Mapping[str, Any]
    created_at: str = ""
    updated_at: str = ""


class MemoryIndex:
    """A registry index kept in memory (for one process: scripts, tests, notebooks)."""

    def __init__(self) -> None:
        self._rows: list[_Row] = []

    def add(self, path: Any, sha256: str, version: str, *, scope: str | None = None, status: str = "candidate",
            report: Mapping[str, Any] | None = None) -> int:
        if ModelStatus(status) is ModelStatus.ACTIVE:
            self._retire(scope)
        self._rows.append(_Row(len(self._rows) + 1, scope, version, str(path), sha256, status, dict(report or {})))
        return len(self._rows)

    def _retire(self, scope: str | None) -> None:
        for row in self._rows:
            if row.scope == scope and row.status == ModelStatus.ACTIVE:
                row.status = ModelStatus.RETIRED.value

    def set_status(self, model_id: int, status: str) -> None:
        if not 0 < model_id <= len(self._rows):
            raise RegistryError(f"no model with id {model_id}")
        row = self._rows[model_id - 1]
        if ModelStatus(status) is ModelStatus.ACTIVE:
            self._retire(row.scope)
        row.status = ModelStatus(status).value

    def list(self, scope: str | None = None) -> list[_Row]:
        return [row for row in self._rows if row.scope == scope]

    def active_path(self, scope: str | None) -> str | None:
        for wanted in (scope, None):
            for row in self._rows:
                if row.scope == wanted and row.status == ModelStatus.ACTIVE:
                    return row.path
        return None


@dataclass(frozen=True)
class ModelVersion:
    """One registered model version of a scope."""

    id: int
    scope: str | None
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
            "scope": self.scope,
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
    """Model versions of scopes under ``HOME/models``, indexed by ``index`` (see the module docstring).

    Parameters
    ----------
    home : path-like
        The directory versions live under (in ``models/``); paths under it are recorded relative to it, others
        absolute.
    index : RegistryIndex
        Where versions and the active one are recorded.
    root : path-like, optional
        Where versions are written instead of ``HOME/models``. Service nodes that share a database share this
        directory, mounted at the same path on each: the index then names the files by their absolute paths.
    """

    def __init__(
        self, home: str | os.PathLike[str], index: RegistryIndex, root: str | os.PathLike[str] | None = None
    ):
        self.home = Path(home).resolve()
        self.root = Path(root).resolve() if root else self.home / "models"
        self.index = index

    # -- paths -----------------------------------------------------------------------------------------------------

    def scope_dir(self, scope: str | None) -> Path:
        """Where a scope's versions live: ``models/global`` for the global model."""
        return self.root / ("global" if scope is None else (_UNSAFE.sub("-", scope).strip("-.") or "scope"))

    def version_dir(self, scope: str | None, version: str) -> Path:
        """Where a version of that name would live (see :meth:`new_version_dir`)."""
        return self.scope_dir(scope) / (_UNSAFE.sub("-", version).strip("-.") or "model")

    def new_version_dir(self, scope: str | None, version: str) -> Path:
        """A fresh directory for a version (a suffix is added if the name was used): versions are never rewritten."""
        base = self.version_dir(scope, version).name
        parent = self.scope_dir(scope)
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
        return path if path.is_absolute() else self.home / path

    def relative(self, path: str | os.PathLike[str]) -> str:
        """How a path under the home directory is recorded: relative to it (absolute when outside)."""
        try:
            return str(Path(path).resolve().relative_to(self.home))
        except ValueError:
            return str(Path(path).resolve())

    # -- reading ---------------------------------------------------------------------------------------------------

    def _version(self, row: Any, scope: str | None) -> ModelVersion:
        return ModelVersion(
            id=int(row.id),
            scope=scope,
            version=str(row.version),
            path=self._absolute(row.path),
            sha256=str(row.sha256),
            status=ModelStatus(row.status),
            report=dict(row.report or {}),
            created_at=str(row.created_at or ""),
            updated_at=str(row.updated_at or ""),
        )

    def list(self, scope: str | None) -> list[ModelVersion]:
        """The scope's versions, oldest first."""
        return [self._version(r, scope) for r in self.index.list(scope)]

    def show(self, scope: str | None, ref: int | str) -> ModelVersion:
        """A version of the scope by id (``12``) or version name.

        Raises
        ------
        RegistryError
            When the scope has no such version.
        """
        for v in self.list(scope):
            if str(v.id) == str(ref) or v.version == str(ref):
                return v
        raise RegistryError(f"{_name(scope)} has no model version {ref!r}; see `moderation models list`")

    def active(self, scope: str | None) -> ModelVersion | None:
        """The scope's active version, or None when it uses the global (shipped) model."""
        for v in self.list(scope):
            if v.status is ModelStatus.ACTIVE:
                return v
        return None

    # -- writing ---------------------------------------------------------------------------------------------------

    def register(
        self, path: str | os.PathLike[str], *, scope: str | None, report: Mapping[str, Any] | None = None
    ) -> ModelVersion:
        """Record a saved model file (already inside :meth:`new_version_dir`) as a candidate of the scope."""
        from ..persistence import load_model

        path = Path(path).resolve()
        _, meta = load_model(path, verify=True)  # never index a file that does not load
        model_id = self.index.add(
            self.relative(path), str(meta["sha256"]), str(meta.get("model_id", path.parent.name)),
            scope=scope, status=ModelStatus.CANDIDATE.value, report=dict(report or {}),
        )
        return self.show(scope, model_id)

    def promote(self, scope: str | None, ref: int | str, *, force: bool = False) -> ModelVersion:
        """Make a version the scope's active model (atomically retiring the previous one).

        Raises
        ------
        RegistryError
            When the version's gate failed (pass ``force=True`` to promote it anyway), or its file is missing or does
            not match its checksum.
        """
        version = self.show(scope, ref)
        if version.gate is GateStatus.FAILED and not force:
            reasons = "; ".join(version.report.get("gate", {}).get("reasons", [])) or "see its report"
            raise RegistryError(
                f"model {version.version} failed the promotion gate ({reasons}); promote it anyway with force "
                "(`moderation models promote --force`) if you are sure"
            )
        from ..persistence import load_model

        try:
            _, meta = load_model(version.path, verify=True)
        except ModerationError as exc:
            raise RegistryError(f"model {version.version} cannot be promoted: {exc}") from None
        if meta["sha256"] != version.sha256:
            raise RegistryError(f"model {version.version}: the file on disk is not the one registered; retrain it")
        self.index.set_status(version.id, ModelStatus.ACTIVE.value)
        return self.show(scope, version.id)

    def rollback(self, scope: str | None) -> ModelVersion | None:
        """Activate the version that was active before the current one; None when that is the global model.

        The previous version is the newest *retired* version older than the current one (versions are only retired
        by being replaced or rolled back); with none, the current version is retired and the scope falls back to
        the global model.

        Raises
        ------
        RegistryError
            When the scope has no active version (it already uses the global model).
        """
        versions = self.list(scope)
        current = next((v for v in versions if v.status is ModelStatus.ACTIVE), None)
        if current is None:
            raise RegistryError(f"{_name(scope)} has no promoted model; it already uses the global model")
        earlier = [v for v in versions if v.status is ModelStatus.RETIRED and v.id < current.id and v.path.is_file()]
        if earlier:
            target = earlier[-1]
            self.index.set_status(target.id, ModelStatus.ACTIVE.value)  # retires the current one, same transaction
            return self.show(scope, target.id)
        self.index.set_status(current.id, ModelStatus.RETIRED.value)
        return None


def _name(scope: str | None) -> str:
    return "the global model" if scope is None else repr(scope)
