"""Long-running work (retraining, imports) and its progress: the ``jobs`` table."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import StorageError
from .database import Table, now, timestamp

__all__ = ["JOB_STATUSES", "Job", "JobTable"]

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")


@dataclass(frozen=True)
class Job:
    """A row of ``jobs``."""

    id: int
    site_id: int | None
    kind: str
    status: str
    progress: float
    message: str | None
    created_at: str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _job(row: Any) -> Job:
    return Job(row["id"], row["site_id"], row["kind"], row["status"], row["progress"], row["message"],
               row["created_at"], row["updated_at"])


class JobTable(Table):
    """The ``jobs`` table."""

    def create(self, kind: str, site_id: int | None = None, message: str | None = None) -> int:
        """A new ``queued`` job; return its id."""
        stamp = now()
        with self.db.transaction(write=True) as conn:
            return conn.execute(
                "INSERT INTO jobs (site_id, kind, status, message, created_at, updated_at) "
                "VALUES (?, ?, 'queued', ?, ?, ?) RETURNING id",
                (site_id, kind, message, stamp, stamp),
            ).fetchone()[0]

    def update(
        self, job_id: int, *, status: str | None = None, progress: float | None = None, message: str | None = None
    ) -> None:
        """Report a job's progress (arguments left out are kept).

        Raises
        ------
        StorageError
            When the status is unknown or there is no such job.
        """
        if status is not None and status not in JOB_STATUSES:
            raise StorageError(f"status must be one of {', '.join(JOB_STATUSES)}, got {status!r}")
        with self.db.transaction(write=True) as conn:
            cur = conn.execute(
                "UPDATE jobs SET status = COALESCE(?, status), progress = COALESCE(?, progress), "
                "message = COALESCE(?, message), updated_at = ? WHERE id = ?",
                (status, progress, message, now(), job_id),
            )
            if cur.rowcount == 0:
                raise StorageError(f"no job with id {job_id}")

    def get(self, job_id: int) -> Job | None:
        row = self.db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def latest(self, site_id: int, kind: str) -> Job | None:
        """The site's most recent job of this kind."""
        row = self.db.execute(
            "SELECT * FROM jobs WHERE site_id = ? AND kind = ? ORDER BY id DESC LIMIT 1", (site_id, kind)
        ).fetchone()
        return _job(row) if row else None

    def running(self, site_id: int, kind: str, *, fresh_seconds: float = 900.0) -> Job | None:
        """A job of this kind of the site that is queued or running and reported within ``fresh_seconds``.

        A job whose worker died stops reporting, so it stops counting as running instead of blocking forever.
        """
        cutoff = timestamp(dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=fresh_seconds))
        row = self.db.execute(
            "SELECT * FROM jobs WHERE site_id = ? AND kind = ? AND status IN ('queued', 'running') AND updated_at > ? "
            "ORDER BY id DESC LIMIT 1",
            (site_id, kind, cutoff),
        ).fetchone()
        return _job(row) if row else None
