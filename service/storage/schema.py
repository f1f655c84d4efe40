"""The schema as numbered migrations: ``migrations/NNN_name.sql``, applied in order by :meth:`Database.migrate`.

Migration ``n`` brings a database from schema version ``n - 1`` to ``n``. Never edit a released migration: add the
next numbered file. A file holds plain SQL statements separated by semicolons (triggers included); it runs in one
transaction together with the version bump, so a failed migration leaves the database as it was.

>>> [m.name for m in MIGRATIONS][:1]
['001_initial']
>>> len(MIGRATIONS[0].statements()) > 10
True
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

__all__ = ["Migration", "MIGRATIONS", "load_migrations"]

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered schema change."""

    number: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """The file's statements, one by one (a transaction cannot run a whole script at once in sqlite3)."""
        statements, pending = [], ""
        for line in self.sql.splitlines(keepends=True):
            if not pending and (not line.strip() or line.lstrip().startswith("--")):
                continue
            pending += line
            if sqlite3.complete_statement(pending):
                statements.append(pending.strip())
                pending = ""
        if pending.strip():
            statements.append(pending.strip())  # a last statement without its semicolon still runs (and may fail)
        return statements


def load_migrations(package: str = __package__, folder: str = "migrations") -> list[Migration]:
    """The migrations in ``package/folder``, in order; their numbers must run 1, 2, 3... without gaps."""
    found = []
    for entry in resources.files(package).joinpath(folder).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name[:-4], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations of {package} must be numbered 1..n without gaps, found {numbers}")
    return found


#: The migrations of this service's schema, oldest first.
MIGRATIONS: list[Migration] = load_migrations()
