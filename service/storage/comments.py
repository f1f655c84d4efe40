"""Checked comments and the review queue: the ``comments`` table.

Every check a site lets us keep is a row, with its scores, verdict and reasons. A held comment enters the review
queue as ``pending`` and leaves it (``decided``) when feedback is recorded for it (:mod:`.feedback`), whatever the
feedback's origin. The queue has one order: newest first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from ..errors import StorageError
from .database import Table, current_month
from .usage import count_unstored
from .writer import GroupWriter

__all__ = ["Check", "CommentTable", "CHECK_COLUMNS", "CHECK_SOURCES", "QUEUE_ORDERS"]

#: Which API checked a comment.
CHECK_SOURCES = ("api", "akismet", "perspective")
#: The orders the review queue can be read in.
QUEUE_ORDERS = ("newest", "uncertain")

#: The columns a stored check is written with (JSON columns as already-encoded text).
CHECK_COLUMNS = (
    "site_id",
    "request_id",
    "source",
    "comment_id",
    "thread_id",
    "article_url",
    "text",
    "metadata",
    "scores",
    "verdict",
    "flagged",
    "reasons",
    "spam",
    "model_version",
    "review_status",
    "created_at",
)
_INSERT = f"INSERT INTO comments ({', '.join(CHECK_COLUMNS)}) VALUES ({', '.join('?' * len(CHECK_COLUMNS))})"
# The queue's one order: newest first, the row id breaking ties between checks of the same millisecond.
_PENDING = "SELECT * FROM comments WHERE site_id = ? AND review_status = 'pending' ORDER BY created_at DESC, id DESC"
#: How many of the newest pending comments the "uncertain" order ranks.
UNCERTAIN_WINDOW = 2000


@dataclass(frozen=True)
class Check:
    """A row of ``comments``: one checked comment as stored."""

    id: int
    site_id: int
    request_id: str
    source: str
    comment_id: str | None
    thread_id: str | None
    article_url: str | None
    text: str
    metadata: Mapping[str, Any]
    scores: Mapping[str, float]
    verdict: str
    flagged: list[str]
    reasons: list[dict[str, Any]]
    spam: bool
    model_version: str
    review_status: str | None
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def margin(self, thresholds: Mapping[str, float]) -> float:
        """How close the check came to a decision: the smallest gap between a flagged label's score and its hold
        threshold (0.5 for labels not in ``thresholds``); 1.0 when nothing was scored."""
        labels = self.flagged or list(self.scores)
        gaps = [abs(float(self.scores[l]) - float(thresholds.get(l, 0.5))) for l in labels if l in self.scores]
        return min(gaps) if gaps else 1.0


def _check(row: Any) -> Check:
    return Check(
        id=row["id"],
        site_id=row["site_id"],
        request_id=row["request_id"],
        source=row["source"],
        comment_id=row["comment_id"],
        thread_id=row["thread_id"],
        article_url=row["article_url"],
        text=row["text"],
        metadata=json.loads(row["metadata"]),
        scores=json.loads(row["scores"]),
        verdict=row["verdict"],
        flagged=json.loads(row["flagged"]),
        reasons=json.loads(row["reasons"]),
        spam=bool(row["spam"]),
        model_version=row["model_version"],
        review_status=row["review_status"],
        created_at=row["created_at"],
    )


def mark_decided(conn: Any, site_id: int, comment_id: str | None, check_id: int | None = None) -> None:
    """Inside the caller's transaction: take a site's pending checks of ``comment_id`` (and the check ``check_id``,
    for a check stored without a comment id) out of the review queue."""
    conn.execute(
        "UPDATE comments SET review_status = 'decided' "
        "WHERE site_id = ? AND review_status = 'pending' AND (comment_id = ? OR id = ?)",
        (site_id, comment_id, check_id),
    )


class CommentTable(Table):
    """The ``comments`` table; checks are stored through ``writer`` (grouped with concurrent requests' checks)."""

    def __init__(self, db: Any, writer: GroupWriter | None = None):
        super().__init__(db)
        self.writer = writer or GroupWriter(db.appending, single=db.write)

    def record(
        self,
        site_id: int,
        rows: Sequence[Mapping[str, Any]],
        *,
        unstored: int = 0,
        unstored_spam: int = 0,
        month: str | None = None,
    ) -> None:
        """Store checked comments and count checks in the site's monthly usage, atomically; return once committed.

        Each row maps :data:`CHECK_COLUMNS` and is counted by the ``comments_count_check`` trigger in the month of
        its ``created_at``; ``unstored`` checks that were not kept (``unstored_spam`` of them spam) are counted for
        ``month``. The rows go through the :class:`~.writer.GroupWriter`, in one transaction with other requests'
        checks when they arrive together; this returns only after that transaction committed (the acknowledgement
        rule, see :mod:`.writer`) and raises if it did not.
        """
        statements: list[tuple[str, list[tuple[Any, ...]]]] = []
        if rows:
            statements.append((_INSERT, [tuple(row.get(c) for c in CHECK_COLUMNS) for row in rows]))
        if unstored:
            count, params = count_unstored(site_id, month or current_month(), unstored, unstored_spam)
            statements.append((count, [params]))
        if statements:
            self.writer.write(statements, order=site_id)

    def latest(self, site_id: int, comment_id: str) -> Check | None:
        """The most recent stored check of a site's comment, or None."""
        row = self.db.execute(
            "SELECT * FROM comments WHERE site_id = ? AND comment_id = ? ORDER BY id DESC LIMIT 1",
            (site_id, comment_id),
        ).fetchone()
        return _check(row) if row else None

    def of_site(self, site_id: int, check_ids: Sequence[int]) -> list[Check]:
        """The site's stored checks with these row ids, in the order given.

        Raises
        ------
        StorageError
            When one of them is not a stored check of this site.
        """
        checks = []
        for check_id in check_ids:
            row = self.db.execute(
                "SELECT * FROM comments WHERE id = ? AND site_id = ?", (int(check_id), site_id)
            ).fetchone()
            if row is None:
                raise StorageError(f"no stored comment {check_id} for this site")
            checks.append(_check(row))
        return checks

    def count(self, site_id: int | None = None) -> int:
        if site_id is None:
            return self.db.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM comments WHERE site_id = ?", (site_id,)).fetchone()[0]

    def count_pending(self, site_id: int) -> int:
        """How many of the site's comments wait in the review queue."""
        return self.db.execute(
            "SELECT COUNT(*) FROM comments WHERE site_id = ? AND review_status = 'pending'", (site_id,)
        ).fetchone()[0]

    def review_queue(
        self,
        site_id: int,
        *,
        order: str = "newest",
        limit: int = 100,
        thresholds: Mapping[str, float] | None = None,
    ) -> list[Check]:
        """Held comments of a site awaiting a moderator.

        ``order="newest"``: newest first. ``order="uncertain"``: of the newest :data:`UNCERTAIN_WINDOW`, the ones
        closest to a decision first (:meth:`Check.margin` against ``thresholds``, hold threshold by label), ties
        newest first.
        """
        if order not in QUEUE_ORDERS:
            raise StorageError(f"queue order must be one of {', '.join(QUEUE_ORDERS)}, got {order!r}")
        if order == "uncertain":
            rows = self.db.execute(f"{_PENDING} LIMIT ?", (site_id, UNCERTAIN_WINDOW)).fetchall()
            checks = [_check(r) for r in rows]
            checks.sort(key=lambda c: c.margin(thresholds or {}))  # stable: equal margins stay newest first
            return checks[:limit]
        return [_check(r) for r in self.db.execute(f"{_PENDING} LIMIT ?", (site_id, limit)).fetchall()]
