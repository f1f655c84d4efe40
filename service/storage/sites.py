"""Sites and their API keys: the ``sites`` and ``api_keys`` tables.

A site is the unit that owns keys, a policy, comments, feedback and counters; a key belongs to exactly one site and
is stored hashed (:func:`hash_key`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import StorageError
from .database import Table, dumps, now

__all__ = [
    "Site",
    "ApiKey",
    "SiteTable",
    "KeyTable",
    "normalise_site_url",
    "site_host",
    "hash_key",
    "hash_short_key",
    "is_short_key",
]

_UNCHANGED: Any = object()


def hash_key(key: str) -> str:
    """How an API key is stored: its SHA-256.

    Keys are 192 random bits from :mod:`secrets`, so nobody can guess one from its hash by trying candidates; a slow
    password hash (bcrypt, scrypt) defends *low-entropy* secrets and would add tens of milliseconds to every request
    for no gain here. A plain digest also lets the key be found with one indexed lookup.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


_SHORT_KEY = re.compile(r"^[0-9a-f]{12}$")


def is_short_key(key: str | None) -> bool:
    """Whether ``key`` has the short form: 12 hexadecimal characters, what WordPress's Akismet plugin accepts."""
    return bool(key) and _SHORT_KEY.match(key) is not None


@functools.lru_cache(maxsize=4096)
def hash_short_key(key: str) -> str:
    """How a short key is stored: scrypt (n=2**14, r=8), about 30 ms of work per key.

    A short key has 48 random bits, few enough that a leaked SHA-256 could be searched in hours; scrypt makes that
    years. The salt is fixed so the key is still found with one indexed lookup. The work is done once per key and
    process (memoised), and guessing online is limited per client address (see :meth:`KeyTable.recent_failures`).
    """
    return hashlib.scrypt(key.encode("ascii"), salt=b"moderation short API key", n=2**14, r=8, p=1).hex()


def normalise_site_url(url: str) -> str:
    """``HTTPS://Example.com/`` -> ``https://example.com``; a path (a blog in a subdirectory) is kept.

    Raises
    ------
    StorageError
        When the URL is not an absolute http(s) URL.

    Examples
    --------
    >>> normalise_site_url("HTTPS://News.Example.com/")
    'https://news.example.com'
    """
    if not isinstance(url, str):
        raise StorageError(f"a site URL must be a string, got {type(url).__name__}")
    try:
        parts = urlsplit(url.strip())
        port_number = parts.port  # a port over 65535 raises ValueError here, a bad IPv6 host in urlsplit
    except ValueError as exc:
        raise StorageError(f"site URL {url!r} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise StorageError(f"site URL {url!r} must be absolute, like https://news.example.com")
    host = parts.hostname.lower()
    port = f":{port_number}" if port_number else ""
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{host}{port}{path}"


def site_host(url: str) -> str:
    """The host of a site URL without ``www.``: what two URLs of the same site share."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


@dataclass(frozen=True)
class Site:
    """A row of ``sites``: a news site with its stored policy settings and storage settings."""

    id: int
    url: str
    name: str | None
    policy: Mapping[str, Any]
    store_comments: bool
    approved_sample_rate: float | None
    created_at: str
    policy_json: str = "{}"

    @property
    def host(self) -> str:
        return site_host(self.url)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "name": self.name,
            "store_comments": self.store_comments,
            "approved_sample_rate": self.approved_sample_rate,
            "policy": dict(self.policy),
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class ApiKey:
    """A row of ``api_keys``: what is stored about a key, never the key itself."""

    id: int
    site_id: int
    site_url: str
    prefix: str
    label: str | None
    created_at: str
    revoked_at: str | None
    short: bool = False


def _site(row: Any) -> Site:
    return Site(
        id=row["id"],
        url=row["url"],
        name=row["name"],
        policy=json.loads(row["policy"]),
        store_comments=bool(row["store_comments"]),
        approved_sample_rate=row["approved_sample_rate"],
        created_at=row["created_at"],
        policy_json=row["policy"],
    )


def _key(row: Any) -> ApiKey:
    return ApiKey(
        row["id"],
        row["site_id"],
        row["site_url"],
        row["prefix"],
        row["label"],
        row["created_at"],
        row["revoked_at"],
        bool(row["short"]),
    )


class SiteTable(Table):
    """The ``sites`` table."""

    def create(self, url: str, name: str | None = None) -> Site:
        """Add a site; its URL is normalised (see :func:`normalise_site_url`).

        Raises
        ------
        StorageError
            When the URL is invalid or the site exists.
        """
        url = normalise_site_url(url)
        stamp = now()
        try:
            with self.db.transaction(write=True) as conn:
                site_id = conn.execute(
                    "INSERT INTO sites (url, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
                    (url, name, stamp, stamp),
                ).fetchone()[0]
        except self.db.IntegrityError:
            raise StorageError(f"site {url} already exists") from None
        return self.get(site_id)

    def create_first(self, url: str, name: str | None = None) -> Site | None:
        """Add a site only if there is none yet, atomically; return it, or None when a site exists (another node
        starting at the same moment may have made the first one).

        Raises
        ------
        StorageError
            When the URL is invalid.
        """
        url = normalise_site_url(url)
        stamp = now()
        with self.db.transaction(write=True) as conn:
            if conn.execute("SELECT 1 FROM sites LIMIT 1").fetchone() is not None:
                return None
            site_id = conn.execute(
                "INSERT INTO sites (url, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
                (url, name, stamp, stamp),
            ).fetchone()[0]
        return self.get(site_id)

    def get(self, site_id: int) -> Site:
        """The site with this id.

        Raises
        ------
        StorageError
            When there is none.
        """
        row = self.db.execute("SELECT * FROM sites WHERE id = ?", (site_id,)).fetchone()
        if row is None:
            raise StorageError(f"no site with id {site_id}")
        return _site(row)

    def find(self, url: str) -> Site | None:
        """The site with this URL (normalised), or None."""
        row = self.db.execute("SELECT * FROM sites WHERE url = ?", (normalise_site_url(url),)).fetchone()
        return _site(row) if row else None

    def lookup(self, name: str) -> Site | None:
        """The site a person means by ``name``: a full URL, or a host (``news.example.com``: https, then http)."""
        candidates = [name] if "://" in name else [f"https://{name}", f"http://{name}"]
        for candidate in candidates:
            try:
                site = self.find(candidate)
            except StorageError:
                continue
            if site is not None:
                return site
        return None

    def list(self) -> list[Site]:
        return [_site(row) for row in self.db.execute("SELECT * FROM sites ORDER BY id")]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM sites").fetchone()[0]

    def update(
        self,
        site_id: int,
        *,
        policy: Mapping[str, Any] | None = None,
        store_comments: bool | None = None,
        approved_sample_rate: float | None = _UNCHANGED,
        name: str | None = _UNCHANGED,
    ) -> Site:
        """Change a site's stored policy settings and storage settings (arguments left out are kept).

        Raises
        ------
        StorageError
            When the site does not exist or ``approved_sample_rate`` is outside [0, 1].
        """
        sets, args = [], []
        if policy is not None:
            sets.append("policy = ?")
            args.append(dumps(dict(policy)))
        if store_comments is not None:
            sets.append("store_comments = ?")
            args.append(int(bool(store_comments)))
        if approved_sample_rate is not _UNCHANGED:
            if approved_sample_rate is not None and not 0.0 <= float(approved_sample_rate) <= 1.0:
                raise StorageError(f"approved_sample_rate must be in [0, 1], got {approved_sample_rate}")
            sets.append("approved_sample_rate = ?")
            args.append(approved_sample_rate)
        if name is not _UNCHANGED:
            sets.append("name = ?")
            args.append(name)
        if sets:
            with self.db.transaction(write=True) as conn:
                cur = conn.execute(
                    f"UPDATE sites SET {', '.join(sets)}, updated_at = ? WHERE id = ?", (*args, now(), site_id)
                )
                if cur.rowcount == 0:
                    raise StorageError(f"no site with id {site_id}")
        return self.get(site_id)


_KEY_COLUMNS = "SELECT k.*, s.url AS site_url FROM api_keys k JOIN sites s ON s.id = k.site_id"
_SITE_FOR_KEY = """
    SELECT s.* FROM api_keys k JOIN sites s ON s.id = k.site_id WHERE k.key_hash = ? AND k.revoked_at IS NULL
"""


class KeyTable(Table):
    """The ``api_keys`` table."""

    def create(self, site_id: int, label: str | None = None, *, short: bool = False) -> tuple[str, ApiKey]:
        """A new key for a site: returns the key (shown once, never stored) and what is stored about it.

        Keys are 48 hexadecimal characters: some Akismet clients (WordPress) strip anything else from a key.
        ``short=True`` makes a 12-character key, the only length WordPress's Akismet plugin accepts: 48 random
        bits, stored with a slow hash (:func:`hash_short_key`), its guessing limited per client.

        Raises
        ------
        StorageError
            When the site does not exist.
        """
        key = secrets.token_hex(6 if short else 24)
        with self.db.transaction(write=True) as conn:
            if conn.execute("SELECT 1 FROM sites WHERE id = ?", (site_id,)).fetchone() is None:
                raise StorageError(f"no site with id {site_id}")
            key_id = conn.execute(
                "INSERT INTO api_keys (site_id, key_hash, prefix, label, created_at, short) VALUES (?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (site_id, hash_short_key(key) if short else hash_key(key), key[: 4 if short else 8], label, now(),
                 int(short)),
            ).fetchone()[0]
        return key, self._by_id(key_id)

    def _by_id(self, key_id: int) -> ApiKey:
        return _key(self.db.execute(f"{_KEY_COLUMNS} WHERE k.id = ?", (key_id,)).fetchone())

    def site_for(self, key: str | None) -> Site | None:
        """The site a valid (unrevoked) key belongs to, or None."""
        if not key or len(key) > 256:
            return None
        digest = hash_short_key(key) if is_short_key(key) else hash_key(key)
        row = self.db.execute(_SITE_FOR_KEY, (digest,)).fetchone()
        return _site(row) if row else None

    def record_failure(self, client: str) -> None:
        """Count a failed short-key lookup from ``client`` (an address) in this minute; forget hours-old counts."""
        stamp = dt.datetime.now(dt.timezone.utc)
        with self.db.transaction(write=True) as conn:
            conn.execute(
                "INSERT INTO key_failures (client, minute, failures) VALUES (?, ?, 1) "
                "ON CONFLICT (client, minute) DO UPDATE SET failures = key_failures.failures + 1",
                (client, _minute(stamp)),
            )
            conn.execute("DELETE FROM key_failures WHERE minute < ?", (_minute(stamp - dt.timedelta(hours=1)),))

    def recent_failures(self, client: str, minutes: int = 10) -> int:
        """Failed short-key lookups from ``client`` in the last ``minutes`` minutes."""
        since = _minute(dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes))
        row = self.db.execute(
            "SELECT COALESCE(SUM(failures), 0) FROM key_failures WHERE client = ? AND minute >= ?", (client, since)
        ).fetchone()
        return int(row[0])

    def list(self, site_id: int | None = None, include_revoked: bool = False) -> list[ApiKey]:
        where, args = [], []
        if site_id is not None:
            where.append("k.site_id = ?")
            args.append(site_id)
        if not include_revoked:
            where.append("k.revoked_at IS NULL")
        sql = _KEY_COLUMNS + (" WHERE " + " AND ".join(where) if where else "")
        return [_key(r) for r in self.db.execute(sql + " ORDER BY k.id", args).fetchall()]

    def revoke(self, key_or_prefix: str) -> ApiKey:
        """Revoke a key given in full, by its 8-character prefix, or by its id.

        Raises
        ------
        StorageError
            When nothing or more than one key matches.
        """
        value = key_or_prefix.strip()
        with self.db.transaction(write=True) as conn:
            if value.isdigit() and len(value) < 8:
                rows = conn.execute("SELECT id FROM api_keys WHERE id = ?", (int(value),)).fetchall()
            elif len(value) == 48:
                rows = conn.execute("SELECT id FROM api_keys WHERE key_hash = ?", (hash_key(value),)).fetchall()
            elif is_short_key(value):
                rows = conn.execute("SELECT id FROM api_keys WHERE key_hash = ?", (hash_short_key(value),)).fetchall()
            else:
                rows = conn.execute("SELECT id FROM api_keys WHERE prefix = ?", (value[:8],)).fetchall()
            if not rows:
                raise StorageError(f"no key matches {value!r}")
            if len(rows) > 1:
                raise StorageError(f"{len(rows)} keys start with {value!r}; give the key id (moderation keys list)")
            conn.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", (now(), rows[0]["id"])
            )
        return self._by_id(rows[0]["id"])


def _minute(stamp: dt.datetime) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M")
