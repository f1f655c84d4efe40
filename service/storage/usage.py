"""Monthly usage counters per site: the ``usage`` table.

Checks are counted when they are stored (by the ``comments_count_check`` trigger, in the same statement) or, for
checks that are not kept, by :func:`count_unstored`. Feedback that corrects a check moves one count into
``missed_spam`` or ``false_positives`` (:func:`move_correction`). The helpers take the caller's transaction, so a
count is written atomically with what it counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .database import Table, current_month

__all__ = ["Usage", "UsageTable", "CORRECTIONS", "count_unstored", "move_correction"]

#: What a correcting decision counts as.
CORRECTIONS = ("missed_spam", "false_positives")

_COUNT_UNSTORED = """
    INSERT INTO usage (site_id, month, api_calls, spam, ham) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (site_id, month) DO UPDATE SET
        api_calls = usage.api_calls + excluded.api_calls, spam = usage.spam + excluded.spam,
        ham = usage.ham + excluded.ham
"""


@dataclass(frozen=True)
class Usage:
    """A site's counters for one month (zeros when there were no calls)."""

    api_calls: int = 0
    spam: int = 0
    ham: int = 0
    missed_spam: int = 0
    false_positives: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def count_unstored(site_id: int, month: str, checks: int, spam: int) -> tuple[str, tuple[Any, ...]]:
    """The statement that counts ``checks`` checks that were not stored (``spam`` of them spam) in ``month``."""
    return _COUNT_UNSTORED, (site_id, month, checks, spam, checks - spam)


def move_correction(conn: Any, site_id: int, old: tuple[str | None, str | None], new: tuple[str | None, str]) -> None:
    """Inside the caller's transaction: take one count back from ``old = (kind, month)`` and add one to
    ``new = (kind, month)``; a kind of None counts nothing."""
    old_kind, old_month = old
    new_kind, new_month = new
    for kind in (old_kind, new_kind):
        if kind is not None and kind not in CORRECTIONS:
            raise ValueError(f"unknown correction {kind!r}")
    if old_kind:
        conn.execute(
            f"UPDATE usage SET {old_kind} = {old_kind} - 1 WHERE site_id = ? AND month = ? AND {old_kind} > 0",
            (site_id, old_month),
        )
    if new_kind:
        conn.execute(
            f"INSERT INTO usage (site_id, month, {new_kind}) VALUES (?, ?, 1) "
            f"ON CONFLICT (site_id, month) DO UPDATE SET {new_kind} = usage.{new_kind} + 1",
            (site_id, new_month),
        )


class UsageTable(Table):
    """The ``usage`` table."""

    def get(self, site_id: int, month: str | None = None) -> Usage:
        """A site's counters for a month (default: this one)."""
        row = self.db.execute(
            "SELECT api_calls, spam, ham, missed_spam, false_positives FROM usage WHERE site_id = ? AND month = ?",
            (site_id, month or current_month()),
        ).fetchone()
        return Usage(*row) if row else Usage()
