"""Signing in: failed attempts throttled with backoff (429 and Retry-After, even for the right password), each lock
logged; sessions end on the server at sign-out and on a password change; the cookie is Secure over HTTPS."""

from __future__ import annotations

import logging

import pytest
from werkzeug.security import generate_password_hash

from loop_harness import PASSWORD, Browser, make_app


@pytest.fixture
def clock(app):
    """The sign-in rules' clock, moved by hand."""
    now = [1_000_000.0]
    app.extensions["moderation.signin"].clock = lambda: now[0]
    return now


def attempt(app, password, username="mod", address="198.51.100.7"):
    b = Browser(app.test_client())
    b.client.environ_base["REMOTE_ADDR"] = address
    return b.login(username=username, password=password)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(app, moderator, clock, caplog):
    """After 5 failures the 6th attempt is 429 with Retry-After, though the password is right; the lock is logged."""
    caplog.set_level(logging.WARNING, logger="service.signin")
    statuses = [attempt(app, "wrong").status_code for _ in range(4)]
    fifth = attempt(app, "wrong")
    assert statuses == [401] * 4 and fifth.status_code == 429
    response = attempt(app, PASSWORD)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    assert any("sign-in locked: account 'mod' after 5" in r.getMessage() for r in caplog.records)


def test_the_lock_ends_and_backs_off_when_failures_go_on(app, moderator, clock):
    """The lock lasts 30 s; the next failure locks for 60 s; after that the right password works again."""
    for _ in range(5):
        attempt(app, "wrong")
    clock[0] += 31
    assert attempt(app, "wrong").headers["Retry-After"] == "60"
    clock[0] += 61
    assert attempt(app, PASSWORD).status_code == 302


def test_attempts_refused_while_locked_do_not_lengthen_the_lock(app, moderator, clock):
    for _ in range(5):
        attempt(app, "wrong")
    for _ in range(50):  # an attacker hammering the lock
        assert attempt(app, "wrong").status_code == 429
    clock[0] += 31
    assert attempt(app, PASSWORD).status_code == 302


def test_one_address_failing_on_many_accounts_is_locked(app, moderator, clock):
    """20 failures from one address over different usernames lock the address, for every account."""
    for i in range(20):
        attempt(app, "wrong", username=f"guess{i}")
    assert attempt(app, PASSWORD).status_code == 429  # same address, the real account
    assert attempt(app, PASSWORD, address="203.0.113.99").status_code == 302  # another address


def test_unknown_accounts_are_throttled_like_known_ones(app, moderator, clock):
    """Whether an account exists does not change the answers (no enumeration through the lock)."""
    answers = [attempt(app, "x", username="nobody").status_code for _ in range(6)]
    assert answers == [401, 401, 401, 401, 429, 429]


def test_signing_out_ends_the_session_on_the_server(app, moderator, site):
    """A cookie copied before sign-out no longer opens the pages afterwards."""
    b = Browser(app.test_client())
    assert b.login().status_code == 302
    copied = b.client.get_cookie("session").value
    b.post("/moderate/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get(f"/moderate/sites/{site[0].id}")
    assert response.status_code == 302 and "/moderate/login" in response.headers["Location"]


def test_a_password_change_ends_every_session(app, moderator, site, storage):
    b = Browser(app.test_client())
    assert b.login().status_code == 302
    assert b.get(f"/moderate/sites/{site[0].id}").status_code == 200
    user = storage.users.get("mod")
    assert storage.users.set_password(user.id, generate_password_hash("another long password")) == 1
    assert b.get(f"/moderate/sites/{site[0].id}").status_code == 302


def _session_cookie(response) -> str:
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))


@pytest.mark.parametrize(
    ("setting", "trusted", "base_url", "headers", "secure"),
    [
        ("auto", 0, "http://localhost", {}, False),
        ("auto", 0, "https://localhost", {}, True),
        ("auto", 0, "http://localhost", {"X-Forwarded-Proto": "https"}, False),  # an untrusted header is ignored
        ("auto", 1, "http://localhost", {"X-Forwarded-Proto": "https"}, True),  # behind a proxy that says so
        ("always", 0, "http://localhost", {}, True),
        ("never", 0, "https://localhost", {}, False),
    ],
)
def test_the_session_cookie_is_secure_as_configured(tmp_path, tiny_model_path, setting, trusted, base_url, headers,
                                                    secure):
    app = make_app(tmp_path / "i", tiny_model_path, TESTING=True, SECURE_COOKIES=setting, TRUSTED_PROXIES=trusted)
    storage = app.extensions["moderation.storage"]
    storage.users.create("mod", generate_password_hash(PASSWORD))
    response = app.test_client().get("/moderate/login", base_url=base_url, headers=headers)
    cookie = _session_cookie(response)
    assert ("; Secure" in cookie) is secure, cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
