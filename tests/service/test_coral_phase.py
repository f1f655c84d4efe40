"""Coral Talk's external moderation phase: Coral's exact body, serialised and signed as Coral does it (two-space
JSON, ``X-Coral-Signature: sha256=HMAC``), sent over real HTTP; Coral's answer shapes back; unsigned or wrongly
signed requests refused with nothing stored."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from harness import CLEAN, SPAM, TOXIC

SITE = "https://coral-phase.example.com"
SECRET = "ems_4a6f0c3b1d2e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"
VALID = {"NONE", "APPROVED", "REJECTED", "PREMOD", "SYSTEM_WITHHELD"}
REASONS = {"COMMENT_DETECTED_TOXIC", "COMMENT_DETECTED_SPAM"}


@pytest.fixture(scope="module")
def coral_site(shared_live):
    site = shared_live.storage.sites.create(SITE)
    key, _ = shared_live.storage.keys.create(site.id, label="coral")
    shared_live.storage.coral.set(site.id, signing_secret=SECRET)
    return site, key


def coral_request(text: str, *, parent: str | None = None, action: str = "NEW") -> dict:
    """The request Coral builds, in its field order."""
    return {
        "action": action,
        "comment": {"body": text, "parentID": parent},
        "author": {"id": "3f2c1a9e-user", "role": "COMMENTER"},
        "story": {"id": "story-81", "url": f"{SITE}/2026/11/budget"},
        "site": {"id": "a1b2c3-site"},
        "tenantID": "tenant-1",
        "tenantDomain": "coral-phase.example.com",
    }


def send(url: str, key: str, payload: dict, *, secrets: tuple[str, ...] = (SECRET,), signature: str | None = None):
    """POST as Coral does: JSON.stringify(data, null, 2), one sha256= signature per active secret, comma-joined."""
    body = json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8")
    if signature is None:
        signature = ",".join("sha256=" + hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets)
    headers = {"Content-Type": "application/json", "User-Agent": "Coral Moderation/9.4.0"}
    if signature:
        headers["X-Coral-Signature"] = signature
    return httpx.post(f"{url}/coral/moderate?key={key}", content=body, headers=headers)


def validate_like_coral(answer: dict) -> None:
    """What Coral's validateResponse accepts: FLAG actions with its two reasons, its statuses, its tags."""
    for action in answer.get("actions", []):
        assert action["actionType"] == "FLAG" and action["reason"] in REASONS
    assert answer.get("status", "NONE") in VALID
    assert set(answer.get("tags", [])) <= {"FEATURED", "STAFF"}


def test_abuse_is_flagged_toxic_and_withheld(shared_live, coral_site):
    site, key = coral_site
    before = shared_live.storage.comments.count(site.id)
    response = send(shared_live.url, key, coral_request(TOXIC))
    assert response.status_code == 200, response.text
    answer = response.json()
    validate_like_coral(answer)
    assert {"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"} in answer["actions"]
    assert answer["status"] in ("SYSTEM_WITHHELD", "REJECTED")
    assert shared_live.storage.comments.count(site.id) == before + 1
    stored = shared_live.storage.db.execute(
        "SELECT thread_id, article_url, metadata FROM comments WHERE site_id = ? ORDER BY id DESC LIMIT 1",
        (site.id,),
    ).fetchone()
    metadata = json.loads(stored["metadata"])
    assert stored["thread_id"] == "story-81" and metadata["client"] == "coral"
    assert metadata["coral_author_role"] == "COMMENTER"


def test_spam_is_flagged_spam(shared_live, coral_site):
    _, key = coral_site
    answer = send(shared_live.url, key, coral_request(SPAM, parent="c-12")).json()
    validate_like_coral(answer)
    assert {"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"} in answer["actions"]


def test_a_clean_comment_gets_no_opinion(shared_live, coral_site):
    """204 lets Coral go on with its own settings and other phases."""
    _, key = coral_site
    response = send(shared_live.url, key, coral_request(CLEAN, action="EDIT"))
    assert response.status_code == 204 and response.content == b""


def test_rotating_secrets_are_accepted_while_coral_signs_with_both(shared_live, coral_site):
    _, key = coral_site
    response = send(shared_live.url, key, coral_request(CLEAN), secrets=("ems_old_secret", SECRET))
    assert response.status_code == 204


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "sha256=" + "0" * 64,
        "sha1=abc",
        "sha256=" + hmac.new(b"another secret", b"{}", hashlib.sha256).hexdigest(),
    ],
)
def test_missing_or_wrong_signatures_are_401_and_nothing_is_stored(shared_live, coral_site, signature):
    site, key = coral_site
    before_checks = shared_live.storage.comments.count(site.id)
    before_calls = shared_live.storage.usage.get(site.id).api_calls
    response = send(shared_live.url, key, coral_request(TOXIC), signature=signature)
    assert response.status_code == 401 and "X-Coral-Signature" in response.json()["error"]["message"]
    assert shared_live.storage.comments.count(site.id) == before_checks
    assert shared_live.storage.usage.get(site.id).api_calls == before_calls


def test_a_body_changed_after_signing_is_refused(shared_live, coral_site):
    _, key = coral_site
    body = json.dumps(coral_request(CLEAN), indent=2).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    tampered = body.replace(CLEAN.encode(), TOXIC.encode())
    response = httpx.post(f"{shared_live.url}/coral/moderate?key={key}", content=tampered,
                          headers={"Content-Type": "application/json", "X-Coral-Signature": signature})
    assert response.status_code == 401


def test_keys_and_secrets_are_required(shared_live, coral_site):
    site, key = coral_site
    assert send(shared_live.url, "", coral_request(CLEAN)).status_code == 401
    assert send(shared_live.url, "f" * 48, coral_request(CLEAN)).status_code == 401
    other = shared_live.storage.sites.create("https://no-coral.example.com")
    other_key, _ = shared_live.storage.keys.create(other.id)
    response = send(shared_live.url, other_key, coral_request(CLEAN))
    assert response.status_code == 401 and "--coral-secret-file" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.update(action="DELETE"), "action"),
        (lambda r: r["comment"].update(body=3), "comment.body"),
        (lambda r: r.pop("story"), "story"),
        (lambda r: r["author"].update(role="ROOT"), "author.role"),
        (lambda r: r.update(tenantID=None), "tenantID"),
    ],
)
def test_signed_but_malformed_bodies_name_the_field(shared_live, coral_site, change, field):
    _, key = coral_site
    payload = coral_request(CLEAN)
    change(payload)
    response = send(shared_live.url, key, payload)
    assert response.status_code == 422 and response.json()["error"]["field"] == field


def test_untrained_languages_can_go_to_premoderation(shared_live, coral_site):
    """A clean comment in a language the model never learned gets no opinion by default, and Coral's
    pre-moderation when the site asks for it."""
    site, key = coral_site
    french = "Merci beaucoup pour cet article, il est très intéressant et bien documenté."
    assert send(shared_live.url, key, coral_request(french)).status_code == 204
    shared_live.storage.coral.set(site.id, untrained_languages="premod")
    try:
        response = send(shared_live.url, key, coral_request(french))
        assert response.status_code == 200 and response.json() == {"status": "PREMOD"}
        assert send(shared_live.url, key, coral_request(CLEAN)).status_code == 204  # English is scored as usual
    finally:
        shared_live.storage.coral.set(site.id, untrained_languages="score")
