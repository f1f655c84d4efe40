"""Signing in to the moderators' pages: failed attempts throttled, sessions held server-side, cookies ``Secure``.

**Throttling with backoff.** Failed sign-ins are counted per account (the username as typed, lowercased, whether or
not it exists, so a refusal tells nothing about which accounts exist) and per client address, over a 15-minute window
from the first failure. Past :attr:`SignIn.account_limit` failures of an account (5) or :attr:`SignIn.address_limit`
of an address (20: offices and newsrooms share addresses), the subject is locked: 30 s at first, doubling with every
further failure, at most 15 minutes. While locked, a sign-in is answered 429 with ``Retry-After`` *without checking
the password*, so guessing on at full speed gets nowhere, and the right password does not work either until the lock
ends. Attempts refused while locked do not count again, so an attacker cannot keep a moderator locked out for longer
than the backoff. Each lock is logged (logger ``service.signin``, level WARNING) with the subject and the count. A
successful sign-in clears its account's count, not the address's.

**Sessions.** The signed cookie carries only a random token and the CSRF token; the session itself is a row of the
``sessions`` table (its token's hash), valid for :attr:`SignIn.lifetime` (12 hours). Signing out deletes the row, so
a cookie copied before stops working; a password change deletes all of the user's rows.

**Secure cookies.** ``SECURE_COOKIES`` (``$MODERATION_SECURE_COOKIES``): ``auto`` (the default) marks the session
cookie ``Secure`` when the request came over HTTPS, which behind a reverse proxy needs ``TRUSTED_PROXIES``
(``$MODERATION_TRUSTED_PROXIES``, the number of proxies in front, whose ``X-Forwarded-For`` / ``-Proto`` / ``-Host``
are then believed, as werkzeug's ProxyFix does); ``always`` or ``never`` force it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

from .storage import Storage

__all__ = ["SignIn", "SessionCookies", "SECURE_COOKIE_MODES", "lock_seconds"]

log = logging.getLogger("service.signin")

SECURE_COOKIE_MODES = ("auto", "always", "never")


def lock_seconds(failures: int, limit: int, base: float = 30.0, most: float = 900.0) -> float:
    """How long a subject with ``failures`` failed sign-ins is locked: nothing up to ``limit``, then ``base``
    seconds doubling with each further failure, at most ``most``.

    >>> [lock_seconds(n, 5) for n in (4, 5, 6, 7, 12)]
    [0.0, 30.0, 60.0, 120.0, 900.0]
    """
    if failures < limit:
        return 0.0
    return float(min(most, base * 2 ** min(failures - limit, 32)))


@dataclass
class SignIn:
    """The sign-in rules of one app (see the module); ``clock`` gives Unix seconds."""

    storage: Storage
    clock: Callable[[], float] = time.time
    account_limit: int = 5
    address_limit: int = 20
    window: float = 900.0
    lifetime: float = 12 * 3600.0

    def _subjects(self, username: str, address: str | None) -> list[tuple[str, str, int]]:
        subjects = [("account", username.strip().lower()[:256], self.account_limit)]
        if address:
            subjects.append(("address", address, self.address_limit))
        return subjects

    def wait(self, username: str, address: str | None) -> int:
        """Seconds before this account may try again from this address (0: it may now)."""
        at = self.clock()
        longest = 0.0
        for scope, subject, _ in self._subjects(username, address):
            failures = self.storage.sign_in_failures.get(scope, subject)
            if failures is not None and failures.locked_until is not None:
                longest = max(longest, failures.locked_until - at)
        return math.ceil(longest) if longest > 0 else 0

    def failed(self, username: str, address: str | None) -> int:
        """Count a failed sign-in; return the seconds of the lock it caused (0: none)."""
        at = self.clock()
        longest = 0.0
        for scope, subject, limit in self._subjects(username, address):
            failures = self.storage.sign_in_failures.record(scope, subject, at=at, window=self.window)
            seconds = lock_seconds(failures.failures, limit)
            if seconds:
                self.storage.sign_in_failures.lock(scope, subject, at + seconds)
                log.warning(
                    "sign-in locked: %s %r after %d failed attempts in %d s, for %d s",
                    scope, subject, failures.failures, at - failures.first_at, seconds,
                )
                longest = max(longest, seconds)
        return math.ceil(longest)

    def succeeded(self, username: str) -> None:
        self.storage.sign_in_failures.clear("account", username.strip().lower()[:256])

    def start_session(self, user_id: int) -> str:
        return self.storage.sessions.create(user_id, at=self.clock(), lifetime=self.lifetime)

    def session_user(self, token: str | None) -> int | None:
        return self.storage.sessions.user_for(token, at=self.clock())

    def end_session(self, token: str | None) -> None:
        self.storage.sessions.end(token)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, ``Secure`` as ``SECURE_COOKIES`` says (``auto``: when the request is HTTPS)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.config.get("SECURE_COOKIES", "auto")
        if mode == "always":
            return True
        if mode == "never":
            return False
        return has_request_context() and request.is_secure
