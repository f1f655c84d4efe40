"""Moderators' decisions on comments: the ``feedback`` table, and its one writer.

Feedback arrives from the native API, the Akismet and Perspective endpoints, the review pages and labeled CSV
imports. Whatever its origin it is written by :meth:`FeedbackTable.record_many` (:meth:`FeedbackTable.record` for
one), so every decision has the same effects:

* a repeat for the same ``(site, comment_id)`` replaces the earlier decision;
* a spam decision counts as ``missed_spam`` and a ham decision as a ``false_positive`` unless the stored check of
  that comment already agreed (Akismet's semantics: a report is a correction); replacing a decision moves the count,
  so repeating feedback never counts twice;
* the comment leaves the review queue.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from moderation.labels import LABELS

from ..errors import StorageError
from .comments import mark_decided
from .database import Table, current_month, dumps, now
from .usage import move_correction

__all__ = [
    "DECISIONS",
    "DECISION_LABELS",
    "FEEDBACK_SOURCES",
    "Decision",
    "Feedback",
    "RecordedFeedback",
    "TrainingFeedback",
    "FeedbackTable",
]

#: A moderator's final decision on a comment (``not_spam`` is accepted by the APIs and stored as ``ham``).
DECISIONS = ("spam", "ham", "abusive", "not_abusive", "approved", "rejected")
#: Where feedback came from.
FEEDBACK_SOURCES = ("api", "akismet", "perspective", "moderator")
#: What each stored decision says about the labels (a feedback row's own ``labels`` win over this).
DECISION_LABELS: dict[str, dict[str, float]] = {
    "spam": {"spam": 1.0},
    "ham": {"spam": 0.0},
    "abusive": {"toxicity": 1.0},
    "not_abusive": {"toxicity": 0.0, "insult": 0.0, "identity_attack": 0.0},
    "approved": {label: 0.0 for label in LABELS},
    "rejected": {},
}


@dataclass(frozen=True)
class Decision:
    """One decision to record (see :meth:`FeedbackTable.record_many`).

    ``check_id`` names the stored check decided on when the comment has no id of the site's (it then leaves the
    queue by its row id).
    """

    comment_id: str
    decision: str
    labels: Mapping[str, float] = field(default_factory=dict)
    moderator: str | None = None
    note: str | None = None
    text: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    check_id: int | None = None


@dataclass(frozen=True)
class Feedback:
    """A row of ``feedback``: the decision recorded for one of a site's comments."""

    comment_id: str
    decision: str
    labels: Mapping[str, float]
    source: str
    moderator: str | None
    note: str | None
    text: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class RecordedFeedback(Feedback):
    """What :meth:`FeedbackTable.record` stored; ``created`` tells a new decision from a replaced one."""

    created: bool = True


@dataclass(frozen=True)
class TrainingFeedback:
    """A decision with the text it is about (its own, else the latest stored check's), for retraining."""

    decision: str
    labels: Mapping[str, float]
    text: str


_UPSERT = """
    INSERT INTO feedback (site_id, comment_id, decision, labels, source, moderator, note, text, metadata,
                          counted_as, counted_month, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (site_id, comment_id) DO UPDATE SET
        decision = excluded.decision, labels = excluded.labels, source = excluded.source,
        moderator = excluded.moderator, note = excluded.note,
        text = COALESCE(excluded.text, feedback.text), metadata = excluded.metadata,
        counted_as = excluded.counted_as, counted_month = excluded.counted_month,
        updated_at = excluded.updated_at
"""


def _counted_as(decision: str, checked_spam: bool | None) -> str | None:
    if decision == "spam" and checked_spam is not True:
        return "missed_spam"
    if decision == "ham" and checked_spam is not False:
        return "false_positives"
    return None


def _feedback(row: Any) -> Feedback:
    return Feedback(
        comment_id=row["comment_id"],
        decision=row["decision"],
        labels=json.loads(row["labels"]),
        source=row["source"],
        moderator=row["moderator"],
        note=row["note"],
        text=row["text"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class FeedbackTable(Table):
    """The ``feedback`` table."""

    def record(
        self,
        site_id: int,
        comment_id: str,
        decision: str,
        *,
        source: str,
        labels: Mapping[str, float] | None = None,
        moderator: str | None = None,
        note: str | None = None,
        text: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        check_id: int | None = None,
    ) -> RecordedFeedback:
        """Record one decision (see the module docstring); return it as stored.

        Raises
        ------
        StorageError
            When ``decision`` or ``source`` is unknown, or the site does not exist.
        """
        entry = Decision(comment_id, decision, dict(labels or {}), moderator, note, text, dict(metadata or {}),
                         check_id)
        (created,) = self.record_many(site_id, [entry], source=source)
        stored = self.get(site_id, comment_id)
        return RecordedFeedback(**vars(stored), created=created)

    def record_many(self, site_id: int, decisions: Sequence[Decision], *, source: str) -> list[bool]:
        """Record decisions in one transaction: all of them or, if one fails, none. Returns, per decision, whether
        it was new (False: it replaced an earlier decision on that comment).

        Raises
        ------
        StorageError
            When a decision or ``source`` is unknown, or the site does not exist.
        """
        if source not in FEEDBACK_SOURCES:
            raise StorageError(f"source must be one of {', '.join(FEEDBACK_SOURCES)}, got {source!r}")
        for entry in decisions:
            if entry.decision not in DECISIONS:
                raise StorageError(f"decision must be one of {', '.join(DECISIONS)}, got {entry.decision!r}")
        stamp, month = now(), current_month()
        created = []
        with self.db.transaction(write=True) as conn:
            if conn.execute("SELECT 1 FROM sites WHERE id = ?", (site_id,)).fetchone() is None:
                raise StorageError(f"no site with id {site_id}")
            for entry in decisions:
                created.append(self._write(conn, site_id, source, entry, stamp, month))
        return created

    @staticmethod
    def _write(conn: Any, site_id: int, source: str, entry: Decision, stamp: str, month: str) -> bool:
        old = conn.execute(
            "SELECT counted_as, counted_month FROM feedback WHERE site_id = ? AND comment_id = ?",
            (site_id, entry.comment_id),
        ).fetchone()
        checked = conn.execute(
            "SELECT spam FROM comments WHERE site_id = ? AND comment_id = ? ORDER BY id DESC LIMIT 1",
            (site_id, entry.comment_id),
        ).fetchone()
        counted_as = _counted_as(entry.decision, None if checked is None else bool(checked["spam"]))
        old_counted = old["counted_as"] if old else None
        counted_month = month if counted_as else None
        if old is not None and old_counted == counted_as:
            counted_month = old["counted_month"]  # unchanged: stays counted where it was
        else:
            move_correction(conn, site_id, (old_counted, old["counted_month"] if old else None), (counted_as, month))
        conn.execute(
            _UPSERT,
            (
                site_id,
                entry.comment_id,
                entry.decision,
                dumps(dict(entry.labels)),
                source,
                entry.moderator,
                entry.note,
                entry.text,
                dumps(dict(entry.metadata)),
                counted_as,
                counted_month,
                stamp,
                stamp,
            ),
        )
        mark_decided(conn, site_id, entry.comment_id, entry.check_id)
        return old is None

    def get(self, site_id: int, comment_id: str) -> Feedback | None:
        row = self.db.execute(
            "SELECT * FROM feedback WHERE site_id = ? AND comment_id = ?", (site_id, comment_id)
        ).fetchone()
        return _feedback(row) if row else None

    def count(self, site_id: int | None = None) -> int:
        if site_id is None:
            return self.db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM feedback WHERE site_id = ?", (site_id,)).fetchone()[0]

    def for_training(self, site_id: int) -> list[TrainingFeedback]:
        """The site's decisions in the order they were first made, each with its text: the feedback's own, else
        the latest stored check of that comment. Decisions with neither are left out."""
        rows = self.db.execute(
            """SELECT f.decision, f.labels, COALESCE(f.text, (SELECT c.text FROM comments c WHERE c.site_id = f.site_id
                      AND c.comment_id = f.comment_id ORDER BY c.id DESC LIMIT 1)) AS text
               FROM feedback f WHERE f.site_id = ? ORDER BY f.id""",
            (site_id,),
        ).fetchall()
        return [
            TrainingFeedback(row["decision"], json.loads(row["labels"] or "{}"), row["text"])
            for row in rows
            if row["text"] and row["text"].strip()
        ]
