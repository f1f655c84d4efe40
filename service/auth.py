"""API keys: where each API family carries its key, and which site a key acts for.

A key belongs to exactly one site; everything a request reads or writes is that site's. Keys are stored hashed (see
:func:`service.storage.sites.hash_key` for why a fast hash is right for random keys).

* native API: ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``; 401 without a valid key, 403 when the request
  names another site.
* Akismet: the ``api_key`` parameter (``key`` for verify-key, and either is accepted everywhere), or the key as the
  first label of the host name (``KEY.rest.example.com``, Akismet 1.1's style); a bad key answers ``invalid``.
* Perspective: ``?key=KEY`` (or Google's ``X-Goog-Api-Key`` header).

Short keys (12 hexadecimal characters, for WordPress's Akismet plugin, which accepts no other length) have 48 random
bits, so guessing them online is limited: an address whose short-key lookups failed ``SHORT_KEY_FAILURES_ALLOWED``
times in 10 minutes (default 20) gets every further short key refused unchecked, except keys this worker already
saw succeed (a site behind the same proxy as a guesser keeps working). The refusal is logged.
"""

from __future__ import annotations

import logging
import re

from flask import current_app, request

from .errors import Forbidden, InvalidField, StorageError, Unauthorized
from .storage import Site, Storage, hash_short_key, is_short_key, normalise_site_url, site_host

__all__ = ["storage", "native_key", "authenticate_native", "site_for_key", "check_site_matches", "host_key"]

_HEX_KEY = re.compile(r"^[0-9a-f]{12}(?:[0-9a-f]{36})?$")
log = logging.getLogger("service")
# Short keys (as their hashes) that succeeded in this worker: they pass even while their address is limited.
_GOOD_SHORT_KEYS: set[str] = set()


def storage() -> Storage:
    return current_app.extensions["moderation.storage"]


def site_for_key(key: str | None) -> Site | None:
    """The site of a valid key, or None; short keys are checked under the guessing limit (module docstring)."""
    key = key.strip() if key else key
    keys = storage().keys
    if not is_short_key(key):
        return keys.site_for(key)
    client = request.remote_addr or "unknown"
    digest = hash_short_key(key)
    allowed = int(current_app.config.get("SHORT_KEY_FAILURES_ALLOWED", 20))
    if digest not in _GOOD_SHORT_KEYS and keys.recent_failures(client) >= allowed:
        log.warning("refused a short API key from %s: %d failed short-key lookups in 10 minutes", client, allowed)
        return None
    site = keys.site_for(key)
    if site is None:
        keys.record_failure(client)
    elif len(_GOOD_SHORT_KEYS) < 10_000:
        _GOOD_SHORT_KEYS.add(digest)
    return site


def native_key() -> str | None:
    """The key of a native-API request, from ``Authorization: Bearer`` or ``X-API-Key``."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


def authenticate_native() -> Site:
    """The site of the request's key.

    Raises
    ------
    Unauthorized
        When there is no key, or it is unknown or revoked.
    """
    key = native_key()
    if not key:
        raise Unauthorized("missing API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'")
    site = site_for_key(key)
    if site is None:
        raise Unauthorized("invalid or revoked API key")
    return site


def check_site_matches(site: Site, named: object, field: str = "site") -> None:
    """Refuse (403) a request that names a site other than its key's, and (422) one that names no URL at all.

    Raises
    ------
    Forbidden
        When ``named`` is a URL of another site.
    InvalidField
        When ``named`` is not an http(s) URL (a bad IPv6 host, a port over 65535, no scheme...).
    """
    if named is None:
        return
    try:
        host = site_host(normalise_site_url(str(named)))
    except StorageError as exc:
        raise InvalidField(str(exc), field=field) from None
    if host != site.host:
        raise Forbidden(f"this key belongs to {site.url}; it may not act on {named}", field=field)


def host_key() -> str | None:
    """A key given as the first label of the Host header (``KEY.example.com``), if it looks like one of ours."""
    host = (request.host or "").split(":", 1)[0]
    first = host.split(".", 1)[0].lower()
    return first if _HEX_KEY.match(first) else None
