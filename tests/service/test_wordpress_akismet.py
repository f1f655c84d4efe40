"""WordPress's Akismet plugin (5.x) works with only the shipped mu-plugin added: its requests, formed as the plugin
forms them and sent through WordPress's HTTP API entry points by Debian's php-cli (tests/wordpress/replay.php), reach
this server and get Akismet's answers; none of them goes to akismet.com."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import CLEAN, SPAM

REPLAY = Path(__file__).parents[1] / "wordpress" / "replay.php"
BLOG = "https://wp.example.com"
VERSIONS = {"wp_version": "6.7.1", "akismet_version": "5.4", "blog_charset": "UTF-8"}

pytestmark = pytest.mark.skipif(shutil.which("php") is None, reason="php-cli is not installed (make php)")


@pytest.fixture(scope="module")
def wordpress_site(shared_live):
    site = shared_live.storage.sites.create(BLOG)
    key, _ = shared_live.storage.keys.create(site.id, label="wordpress")
    return site, key


def replay(server_url: str, calls: list[dict]) -> list[dict]:
    """Runs the calls through the PHP replay with the mu-plugin pointing at ``server_url``."""
    env = {**os.environ, "MODERATION_AKISMET_URL": server_url}
    run = subprocess.run(
        ["php", str(REPLAY)], input=json.dumps({**VERSIONS, "calls": calls}), capture_output=True, text=True,
        env=env, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    answers = json.loads(run.stdout)
    sent = answers[-1]["sent"]
    assert len(sent) == len(calls) and all(url.startswith(server_url + "/1.1/") for url in sent), sent
    return answers[:-1]


def comment_check_args(text: str, author: str = "Ann Reader", post_id: int = 42) -> dict:
    """What the plugin sends for a new comment: WordPress's comment data plus what the plugin adds."""
    return {
        "comment_post_ID": str(post_id),
        "comment_author": author,
        "comment_author_email": "ann@example.org",
        "comment_author_url": "",
        "comment_content": text,
        "comment_type": "comment",
        "comment_parent": "0",
        "user_ID": "0",
        "user_id": "0",
        "comment_author_IP": "203.0.113.9",
        "comment_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "user_ip": "203.0.113.9",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "referrer": f"{BLOG}/2026/11/a-story/",
        "blog": BLOG,
        "blog_lang": "en_US",
        "blog_charset": "UTF-8",
        "permalink": f"{BLOG}/2026/11/a-story/",
        "akismet_comment_nonce": "passed",
        "POST_comment": text,
        "POST_comment_post_ID": str(post_id),
        "POST_ak_js": "1732901234567",
        "HTTP_HOST": "wp.example.com",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "REMOTE_ADDR": "203.0.113.9",
        "REQUEST_URI": "/wp-comments-post.php",
        "comment_post_modified_gmt": "2026-11-20 08:00:00",
        "comment_context": ["Politics", "Opinion"],
    }


def test_comment_check_answers_as_akismet_does(shared_live, wordpress_site):
    site, key = wordpress_site
    spam, clean = replay(
        shared_live.url,
        [
            {"path": "comment-check", "args": comment_check_args(SPAM), "api_key": key},
            {"path": "comment-check", "args": comment_check_args(CLEAN), "api_key": key},
        ],
    )
    assert spam["url"] == "https://rest.akismet.com/1.1/comment-check"
    assert (spam["code"], spam["body"]) == (200, "true") and spam["headers"]["x-akismet-guid"]
    assert (clean["code"], clean["body"]) == (200, "false")
    assert shared_live.storage.usage.get(site.id).api_calls >= 2


def test_reports_from_the_plugin_are_stored_as_feedback(shared_live, wordpress_site):
    site, key = wordpress_site
    before = shared_live.storage.feedback.count(site.id)
    args = comment_check_args("Cheap watches here http://spam.example/watches", author="watch-seller")
    args.update({"reporter": "editor", "site_domain": "wp.example.com", "user_role": ""})
    answers = replay(
        shared_live.url,
        [
            {"path": "submit-spam", "args": args, "api_key": key},
            {"path": "submit-ham", "args": comment_check_args(CLEAN, post_id=7), "api_key": key},
        ],
    )
    assert [a["body"] for a in answers] == ["Thanks for making the web a better place."] * 2
    assert shared_live.storage.feedback.count(site.id) == before + 2


def test_the_settings_page_gets_an_active_subscription_and_stats(shared_live, wordpress_site):
    """get-subscription and get-stats, as the plugin's settings page asks (``key`` and ``blog``)."""
    _, key = wordpress_site
    subscription, six_months, everything, bad = replay(
        shared_live.url,
        [
            {"path": "get-subscription", "args": {"key": key, "blog": BLOG}, "api_key": key},
            {"path": "get-stats", "args": {"blog": BLOG, "key": key, "from": "6-months"}, "api_key": key},
            {"path": "get-stats", "args": {"blog": BLOG, "key": key, "from": "all"}, "api_key": key},
            {"path": "get-subscription", "args": {"key": "wrong", "blog": BLOG}},
        ],
    )
    account = json.loads(subscription["body"])
    assert account["status"] == "active" and account["account_type"] == "self-hosted"
    for stats in (json.loads(six_months["body"]), json.loads(everything["body"])):
        assert {"spam", "ham", "missed_spam", "false_positives", "accuracy", "breakdown"} <= set(stats)
        assert 0 <= stats["accuracy"] <= 100
    assert len(json.loads(six_months["body"])["breakdown"]) == 6
    assert bad["body"] == "invalid"


def test_connectivity_checks_and_deactivation(shared_live, wordpress_site):
    """The plugin's GET /1.1/test, a verify-key sent to a server by IP address with Host: rest.akismet.com, and
    deactivation."""
    _, key = wordpress_site
    test, by_ip, deactivated = replay(
        shared_live.url,
        [
            {"path": "test", "method": "GET"},
            {"path": "verify-key", "args": {"key": key, "blog": BLOG}, "api_key": key, "ip": "127.0.0.9"},
            {"path": "deactivate", "args": {"key": key, "blog": BLOG}, "api_key": key},
        ],
    )
    assert test["body"] == "connected"
    assert by_ip["url"] == "https://127.0.0.9/1.1/verify-key" and by_ip["body"] == "valid"
    assert deactivated["body"] == "deactivated"


def test_a_short_key_passes_the_plugins_length_check_and_works(shared_live):
    """The plugin refuses any key that is not 12 characters before asking the server; a short key is 12
    hexadecimal characters (the plugin strips anything else) and works for every call."""
    site = shared_live.storage.sites.create("https://short-key.example.com")
    key, info = shared_live.storage.keys.create(site.id, label="wordpress", short=True)
    assert len(key) == 12 and all(c in "0123456789abcdef" for c in key)
    assert info.short and info.prefix == key[:4]
    blog = "https://short-key.example.com"
    verified, checked = replay(
        shared_live.url,
        [
            {"path": "verify-key", "args": {"key": key, "blog": blog}, "api_key": key},
            {"path": "comment-check", "args": {**comment_check_args(SPAM), "blog": blog}, "api_key": key},
        ],
    )
    assert verified["body"] == "valid" and checked["body"] == "true"


def test_guessing_short_keys_is_limited_per_address(shared_live):
    """After the allowed failed short-key lookups from an address, even a right key from it is refused, unless
    this server already saw that key work."""
    site = shared_live.storage.sites.create("https://guessed.example.com")
    key, _ = shared_live.storage.keys.create(site.id, short=True)
    fresh, _ = shared_live.storage.keys.create(site.id, short=True)
    blog = "https://guessed.example.com"
    known = replay(shared_live.url, [{"path": "verify-key", "args": {"key": key, "blog": blog}}])
    assert known[0]["body"] == "valid"
    allowed = shared_live.app.config["SHORT_KEY_FAILURES_ALLOWED"]
    guesses = [{"path": "verify-key", "args": {"key": f"{i:012x}", "blog": blog}} for i in range(allowed)]
    assert {a["body"] for a in replay(shared_live.url, guesses)} == {"invalid"}
    after = replay(
        shared_live.url,
        [
            {"path": "verify-key", "args": {"key": fresh, "blog": blog}},
            {"path": "verify-key", "args": {"key": key, "blog": blog}},
        ],
    )
    assert [a["body"] for a in after] == ["invalid", "valid"]
    shared_live.storage.db.write("DELETE FROM key_failures")  # other tests use the same address
