"""Moderators who sign in to the review pages, and the sites each may moderate: ``users`` and ``user_sites``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import StorageError
from .database import Table, now

__all__ = ["User", "UserTable"]


@dataclass(frozen=True)
class User:
    """A row of ``users`` with the ids of the sites the moderator may review."""

    id: int
    username: str
    password_hash: str
    created_at: str
    site_ids: tuple[int, ...]


class UserTable(Table):
    """The ``users`` and ``user_sites`` tables."""

    def create(self, username: str, password_hash: str, site_ids: Iterable[int] = ()) -> int:
        """Add a moderator account (the caller hashes the password, e.g. with werkzeug.security); return its id.

        Raises
        ------
        StorageError
            When the username is taken or a site does not exist.
        """
        try:
            with self.db.transaction(write=True) as conn:
                user_id = conn.execute(
                    "INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?) RETURNING id",
                    (username, password_hash, now()),
                ).fetchone()[0]
                conn.executemany(
                    "INSERT INTO user_sites (user_id, site_id) VALUES (?, ?)", [(user_id, s) for s in site_ids]
                )
        except self.db.IntegrityError as exc:
            raise StorageError(f"cannot add user {username!r}: {exc}") from None
        return user_id

    def _user(self, row: Any) -> User:
        sites = self.db.execute("SELECT site_id FROM user_sites WHERE user_id = ? ORDER BY site_id", (row["id"],))
        return User(row["id"], row["username"], row["password_hash"], row["created_at"], tuple(r[0] for r in sites))

    def get(self, username: str) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        return self._user(row) if row else None

    def get_by_id(self, user_id: int) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return self._user(row) if row else None

    def set_password(self, user_id: int, password_hash: str) -> int:
        """Replace a moderator's password hash and end all their sessions, in one transaction; return how many
        sessions were ended.

        Raises
        ------
        StorageError
            When there is no such user.
        """
        with self.db.transaction(write=True) as conn:
            if conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id)).rowcount == 0:
                raise StorageError(f"no user with id {user_id}")
            return conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,)).rowcount

    def grant_site(self, user_id: int, site_id: int) -> None:
        """Let a moderator review a site (nothing changes if they already may)."""
        with self.db.transaction(write=True) as conn:
            conn.execute(
                "INSERT INTO user_sites (user_id, site_id) VALUES (?, ?) ON CONFLICT DO NOTHING", (user_id, site_id)
            )
