"""Sign-in security: server-side sessions (``sessions``) and failed sign-ins (``sign_in_failures``).

Times here are Unix seconds given by the caller (:mod:`service.signin` holds the clock and the policy), so the rules
are tested without waiting.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from .database import Table

__all__ = ["SessionTable", "SignInFailures", "SignInFailureTable", "SIGN_IN_SCOPES"]

SIGN_IN_SCOPES = ("account", "address")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionTable(Table):
    """The ``sessions`` table: a cookie's session is valid only while its row exists and has not expired."""

    def create(self, user_id: int, *, at: float, lifetime: float) -> str:
        """A new session for a user; returns its token (for the cookie; only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        with self.db.transaction(write=True) as conn:
            conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (at,))  # expired ones of anybody go too
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (_hash(token), user_id, at, at + lifetime),
            )
        return token

    def user_for(self, token: str | None, *, at: float) -> int | None:
        """The user id of a live session, or None (unknown, ended or expired)."""
        if not token or len(token) > 128:
            return None
        row = self.db.execute(
            "SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?", (_hash(token), at)
        ).fetchone()
        return row[0] if row else None

    def end(self, token: str | None) -> None:
        if token:
            self.db.write("DELETE FROM sessions WHERE token_hash = ?", (_hash(token),))

    def end_all(self, user_id: int) -> int:
        """End every session of a user; return how many there were."""
        return self.db.write("DELETE FROM sessions WHERE user_id = ?", (user_id,)).rowcount

    def count(self, user_id: int) -> int:
        return self.db.execute("SELECT COUNT(*) FROM sessions WHERE user_id = ?", (user_id,)).fetchone()[0]


@dataclass(frozen=True)
class SignInFailures:
    """Failed sign-ins of one account or address in the current window."""

    scope: str
    subject: str
    failures: int
    first_at: float
    locked_until: float | None


class SignInFailureTable(Table):
    """The ``sign_in_failures`` table."""

    def get(self, scope: str, subject: str) -> SignInFailures | None:
        row = self.db.execute(
            "SELECT * FROM sign_in_failures WHERE scope = ? AND subject = ?", (scope, subject)
        ).fetchone()
        return _failures(row) if row else None

    def record(self, scope: str, subject: str, *, at: float, window: float) -> SignInFailures:
        """Count one failure; a window that started more than ``window`` seconds ago starts again at one."""
        with self.db.transaction(write=True) as conn:
            row = conn.execute(
            """INSERT INTO sign_in_failures (scope, subject, failures, first_at, last_at) VALUES (?, ?, 1, ?, ?)
               ON CONFLICT (scope, subject) DO UPDATE SET
                   failures = CASE WHEN sign_in_failures.first_at <= ? THEN 1 ELSE sign_in_failures.failures + 1 END,
                   first_at = CASE WHEN sign_in_failures.first_at <= ? THEN excluded.first_at
                                   ELSE sign_in_failures.first_at END,
                   locked_until = CASE WHEN sign_in_failures.first_at <= ? THEN NULL
                                       ELSE sign_in_failures.locked_until END,
                   last_at = excluded.last_at
               RETURNING *""",
            (scope, subject, at, at, at - window, at - window, at - window),
            ).fetchone()
        return _failures(row)

    def lock(self, scope: str, subject: str, until: float) -> None:
        self.db.write(
            "UPDATE sign_in_failures SET locked_until = ? WHERE scope = ? AND subject = ?", (until, scope, subject)
        )

    def clear(self, scope: str, subject: str) -> None:
        self.db.write("DELETE FROM sign_in_failures WHERE scope = ? AND subject = ?", (scope, subject))


def _failures(row) -> SignInFailures:
    return SignInFailures(row["scope"], row["subject"], row["failures"], row["first_at"], row["locked_until"])
