"""Coral Talk external moderation phases: the ``coral_phases`` table.

A site that moderates with Coral Talk can add this server as an external moderation phase. Coral signs each
request with the phase's signing secret (``X-Coral-Signature``); the secret is stored here, per site, as given,
because checking an HMAC needs the secret itself. It is shown nowhere (``moderation sites show`` says only whether
one is set).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import StorageError
from .database import Table, now

__all__ = ["CoralPhase", "CoralPhaseTable", "UNTRAINED_LANGUAGE_CHOICES"]

#: What the phase does with a comment in a language the model was not trained on.
UNTRAINED_LANGUAGE_CHOICES = ("score", "premod")


@dataclass(frozen=True)
class CoralPhase:
    """A row of ``coral_phases``."""

    site_id: int
    signing_secret: str
    untrained_languages: str
    created_at: str
    updated_at: str

    def __repr__(self) -> str:  # the secret never reaches a log line
        return f"CoralPhase(site_id={self.site_id}, untrained_languages={self.untrained_languages!r})"


def _phase(row: Any) -> CoralPhase:
    return CoralPhase(row["site_id"], row["signing_secret"], row["untrained_languages"], row["created_at"],
                      row["updated_at"])


class CoralPhaseTable(Table):
    """The ``coral_phases`` table."""

    def get(self, site_id: int) -> CoralPhase | None:
        row = self.db.execute("SELECT * FROM coral_phases WHERE site_id = ?", (site_id,)).fetchone()
        return _phase(row) if row else None

    def set(self, site_id: int, *, signing_secret: str | None = None,
            untrained_languages: str | None = None) -> CoralPhase:
        """Create or change a site's phase settings; a setting left None keeps its value.

        Raises
        ------
        StorageError
            When the site does not exist, the secret is empty (or missing for a new phase), or
            ``untrained_languages`` is not one of :data:`UNTRAINED_LANGUAGE_CHOICES`.
        """
        if signing_secret is not None and (not isinstance(signing_secret, str) or not signing_secret.strip()):
            raise StorageError("the Coral signing secret must not be empty; copy it from Coral's phase settings")
        if untrained_languages is not None and untrained_languages not in UNTRAINED_LANGUAGE_CHOICES:
            raise StorageError(f"untrained_languages must be one of {', '.join(UNTRAINED_LANGUAGE_CHOICES)}, "
                               f"got {untrained_languages!r}")
        stamp = now()
        with self.db.transaction(write=True) as conn:
            if conn.execute("SELECT 1 FROM sites WHERE id = ?", (site_id,)).fetchone() is None:
                raise StorageError(f"no site with id {site_id}")
            old = conn.execute("SELECT * FROM coral_phases WHERE site_id = ?", (site_id,)).fetchone()
            if old is None:
                if signing_secret is None:
                    raise StorageError("a Coral phase needs its signing secret first (--coral-secret)")
                conn.execute(
                    "INSERT INTO coral_phases (site_id, signing_secret, untrained_languages, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (site_id, signing_secret.strip(), untrained_languages or "score", stamp, stamp),
                )
            else:
                conn.execute(
                    "UPDATE coral_phases SET signing_secret = ?, untrained_languages = ?, updated_at = ? "
                    "WHERE site_id = ?",
                    (
                        signing_secret.strip() if signing_secret is not None else old["signing_secret"],
                        untrained_languages or old["untrained_languages"],
                        stamp,
                        site_id,
                    ),
                )
        return self.get(site_id)

    def delete(self, site_id: int) -> bool:
        """Remove a site's phase; whether there was one."""
        with self.db.transaction(write=True) as conn:
            return conn.execute("DELETE FROM coral_phases WHERE site_id = ?", (site_id,)).rowcount > 0
