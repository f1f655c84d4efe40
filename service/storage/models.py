"""Trained model files and which one each site uses: the ``models`` table.

A site has at most one ``active`` model (the partial unique index ``models_one_active`` enforces it); ``site_id``
None is the global model. Activating a model retires the previous active one in the same transaction, so readers
see the old model or the new one, never none. This table is the index the library's model registry writes through
(:class:`moderation.retraining.registry.ModelRegistry`, mapped onto sites by :mod:`service.retraining`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import StorageError
from .database import Table, dumps, now

__all__ = ["MODEL_STATUSES", "ModelRecord", "ModelTable"]

#: A model's life: trained (``candidate``), serving (``active``), replaced or rolled back (``retired``).
MODEL_STATUSES = ("candidate", "active", "retired")


@dataclass(frozen=True)
class ModelRecord:
    """A row of ``models``: a registered model file (its path relative to the instance directory, or absolute)."""

    id: int
    site_id: int | None
    version: str
    path: str
    sha256: str
    status: str
    report: Mapping[str, Any]
    created_at: str
    updated_at: str


def _record(row: Any) -> ModelRecord:
    return ModelRecord(
        row["id"], row["site_id"], row["version"], row["path"], row["sha256"], row["status"],
        json.loads(row["report"]), row["created_at"], row["updated_at"],
    )


def _check_status(status: str) -> None:
    if status not in MODEL_STATUSES:
        raise StorageError(f"status must be one of {', '.join(MODEL_STATUSES)}, got {status!r}")


def _retire_active(conn: Any, site_id: int | None, stamp: str) -> None:
    conn.execute(
        "UPDATE models SET status = 'retired', updated_at = ? WHERE status = 'active' AND COALESCE(site_id, 0) = ?",
        (stamp, site_id or 0),
    )


class ModelTable(Table):
    """The ``models`` table."""

    def add(
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
        _check_status(status)
        stamp = now()
        with self.db.transaction(write=True) as conn:
            if status == "active":
                _retire_active(conn, site_id, stamp)
            return conn.execute(
                "INSERT INTO models (site_id, version, path, sha256, status, report, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (site_id, version, str(path), sha256, status, dumps(dict(report or {})), stamp, stamp),
            ).fetchone()[0]

    def set_status(self, model_id: int, status: str) -> None:
        """Change a model's status; activating one retires the site's previous active model in the same transaction.

        Raises
        ------
        StorageError
            When the status is unknown or there is no such model.
        """
        _check_status(status)
        stamp = now()
        with self.db.transaction(write=True) as conn:
            row = conn.execute("SELECT site_id FROM models WHERE id = ?", (model_id,)).fetchone()
            if row is None:
                raise StorageError(f"no model with id {model_id}")
            if status == "active":
                _retire_active(conn, row["site_id"], stamp)
            conn.execute("UPDATE models SET status = ?, updated_at = ? WHERE id = ?", (status, stamp, model_id))

    def active_path(self, site_id: int | None) -> str | None:
        """The file of the site's active model, else the active global model, else None (the configured default)."""
        row = self.db.execute(
            "SELECT path FROM models WHERE status = 'active' AND (site_id = ? OR site_id IS NULL) "
            "ORDER BY site_id IS NULL LIMIT 1",
            (site_id,),
        ).fetchone()
        return row[0] if row else None

    def list(self, site_id: int | None = None) -> list[ModelRecord]:
        """The site's models (``None``: the global ones), oldest first."""
        rows = self.db.execute(
            "SELECT * FROM models WHERE COALESCE(site_id, 0) = ? ORDER BY id", (site_id or 0,)
        ).fetchall()
        return [_record(r) for r in rows]
