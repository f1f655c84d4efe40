"""The native JSON API under /v1: checks, feedback, model, site policy, keys and per-site isolation.

Every native response is validated against the app's own /openapi.json.
"""

from __future__ import annotations

import pytest

from harness import CLEAN, SITE_B, SPAM, TOXIC, make_app

CHECK = "/v1/comments/check"
FEEDBACK = "/v1/comments/feedback"


def check(client, auth, validate, body, status=200):
    response = client.post(CHECK, json=body, headers=auth)
    assert response.status_code == status, response.get_json()
    return validate(response, CHECK)


def test_a_toxic_comment_is_held_or_rejected_with_located_reasons(client, auth, validate):
    """A toxic comment is flagged for toxicity, and its reasons point at words of the comment."""
    body = check(client, auth, validate, {"text": TOXIC, "comment_id": "c-1"})
    assert body["verdict"] in ("hold", "reject")
    assert body["flagged"][0] == "toxicity"
    located = [r for r in body["reasons"] if r["kind"] == "text" and r["start"] is not None]
    assert located, body["reasons"]
    for reason in located:
        assert TOXIC[reason["start"] : reason["end"]] == reason["text"]
    assert body["comment_id"] == "c-1" and body["stored"] is True and body["request_id"]


def test_a_clean_comment_is_approved_without_reasons(client, auth, validate):
    """A friendly comment is approved, flags nothing and carries no reasons."""
    body = check(client, auth, validate, {"text": CLEAN, "author": "Ann", "user_ip": "203.0.113.5"})
    assert (body["verdict"], body["flagged"], body["reasons"], body["spam"]) == ("approve", [], [], False)
    assert set(body["scores"]) == {"spam", "toxicity"}


def test_spam_is_flagged_as_spam(client, auth, validate):
    """A link-spam comment is flagged spam, which is what Akismet's comment-check would answer true to."""
    body = check(client, auth, validate, {"text": SPAM})
    assert "spam" in body["flagged"] and body["spam"] is True


def test_a_batch_answers_in_order_and_like_single_checks(client, auth, validate):
    """A batch gives one result per comment, in order, each equal to checking that comment alone."""
    texts = [CLEAN, TOXIC, SPAM]
    batch = check(client, auth, validate, {"comments": [{"text": t, "comment_id": i} for i, t in enumerate(texts)]})
    assert [r["comment_id"] for r in batch["results"]] == ["0", "1", "2"]
    for text, result in zip(texts, batch["results"], strict=True):
        single = check(client, auth, validate, {"text": text, "store": False})
        assert single["scores"] == result["scores"] and single["verdict"] == result["verdict"]


def test_a_batch_over_the_limit_is_refused(tmp_path, tiny_model_path, validate):
    """More comments than MAX_BATCH is a 422 naming the comments field."""

    app = make_app(tmp_path, tiny_model_path, MAX_BATCH=3)
    store = app.extensions["moderation.storage"]
    key, _ = store.keys.create(store.sites.create("https://a.example").id)
    response = app.test_client().post(CHECK, json={"comments": [{"text": "x"}] * 4}, headers={"X-API-Key": key})
    body = validate(response, CHECK)
    assert response.status_code == 422 and body["error"]["field"] == "comments"


def test_store_false_keeps_nothing_but_counts_the_call(client, auth, validate, storage, site_a):
    """store: false answers normally, keeps no comment, and still counts the call in the site's usage."""
    body = check(client, auth, validate, {"text": TOXIC, "comment_id": "secret", "store": False})
    assert body["stored"] is False
    assert storage.comments.count(site_a[0].id) == 0
    assert storage.usage.get(site_a[0].id).api_calls == 1


def test_a_held_comment_enters_the_review_queue(client, auth, validate, storage, site_a):
    """Held comments are stored as pending review; feedback on them marks them decided."""
    body = check(client, auth, validate, {"text": TOXIC, "comment_id": "q-1"})
    if body["verdict"] != "hold":
        client.put("/v1/site/policy", json={"thresholds": {"toxicity": {"hold": 0.0, "reject": 1.0}}}, headers=auth)
        check(client, auth, validate, {"text": TOXIC, "comment_id": "q-1"})
    queue = storage.comments.review_queue(site_a[0].id)
    assert [c.comment_id for c in queue] == ["q-1"]
    client.post(FEEDBACK, json={"comment_id": "q-1", "decision": "rejected"}, headers=auth)
    assert storage.comments.review_queue(site_a[0].id) == []


def test_approved_comments_are_sampled_but_held_ones_always_kept(client, auth, validate, storage, site_a):
    """With an audit sample rate of 0, approved comments are not kept; held and rejected ones are."""
    storage.sites.update(site_a[0].id, approved_sample_rate=0.0)
    client.get("/v1/site", headers=auth)
    assert check(client, auth, validate, {"text": CLEAN})["stored"] is False
    assert check(client, auth, validate, {"text": TOXIC})["stored"] is True


def test_a_site_that_keeps_no_comments_stores_none(client, auth, validate, storage, site_a):
    """A site with storage turned off keeps no comment, whatever the verdict."""
    storage.sites.update(site_a[0].id, store_comments=False)
    assert check(client, auth, validate, {"text": TOXIC})["stored"] is False
    assert storage.comments.count() == 0


def test_a_stored_check_can_be_read_back(client, auth, validate):
    """GET /v1/comments/<id> returns the stored check and the recorded decision."""
    check(
        client,
        auth,
        validate,
        {"text": TOXIC, "comment_id": "c/7", "thread_id": 42, "article_url": "https://news.example.com/a"},
    )
    client.post(FEEDBACK, json={"comment_id": "c/7", "decision": "abusive", "moderator": "ann"}, headers=auth)
    response = client.get("/v1/comments/c/7", headers=auth)
    body = validate(response, "/v1/comments/{comment_id}", "get")
    assert body["check"]["text"] == TOXIC and body["check"]["thread_id"] == "42"
    assert body["feedback"]["decision"] == "abusive" and body["feedback"]["moderator"] == "ann"


def test_an_unknown_comment_is_404(client, auth, validate):
    response = client.get("/v1/comments/nope", headers=auth)
    assert response.status_code == 404
    validate(response, "/v1/comments/{comment_id}", "get")


def test_feedback_is_idempotent_on_site_and_comment_id(client, auth, validate, storage, site_a):
    """Repeating feedback for a comment replaces it: one row, the latest decision, created only the first time."""
    first = client.post(FEEDBACK, json={"comment_id": 9, "decision": "spam"}, headers=auth)
    assert validate(first, FEEDBACK)["created"] is True
    again = client.post(FEEDBACK, json={"comment_id": "9", "decision": "not_spam", "labels": {"spam": 0}}, headers=auth)
    body = validate(again, FEEDBACK)
    assert body["created"] is False and body["decision"] == "ham" and body["labels"] == {"spam": 0.0}
    assert storage.feedback.count(site_a[0].id) == 1


def test_feedback_moves_counters_without_double_counting(client, auth, validate, storage, site_a):
    """A spam report on a comment we let through counts once as missed spam, however often it is sent."""
    check(client, auth, validate, {"text": CLEAN, "comment_id": "m-1"})
    for _ in range(3):
        client.post(FEEDBACK, json={"comment_id": "m-1", "decision": "spam"}, headers=auth)
    usage = storage.usage.get(site_a[0].id)
    assert (usage.missed_spam, usage.false_positives) == (1, 0)
    client.post(FEEDBACK, json={"comment_id": "m-1", "decision": "ham"}, headers=auth)
    usage = storage.usage.get(site_a[0].id)
    assert (usage.missed_spam, usage.false_positives) == (0, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "spam"}, "comment_id"),
        ({"comment_id": "1", "decision": "maybe"}, "decision"),
        ({"comment_id": "1", "decision": "spam", "labels": {"nonsense": 1}}, "labels.nonsense"),
        ({"comment_id": "1", "decision": "spam", "labels": {"spam": 2}}, "labels.spam"),
        ({"comment_id": "1", "decision": "spam", "labels": []}, "labels"),
        ({"comment_id": True, "decision": "spam"}, "comment_id"),
        ({"comment_id": "1", "decision": "spam", "verdict": "x"}, "verdict"),
    ],
)
def test_invalid_feedback_names_the_field(client, auth, validate, body, field):
    """Bad feedback is a 422 that names the offending field."""
    response = client.post(FEEDBACK, json=body, headers=auth)
    assert response.status_code == 422
    assert validate(response, FEEDBACK)["error"]["field"] == field


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "text"),
        ({"text": None}, 422, "text"),
        ({"text": 5}, 422, "text"),
        ({"text": ["a"]}, 422, "text"),
        ({"text": "a" * (20 * 1024 + 1)}, 422, "text"),
        ({"text": "é" * (10 * 1024 + 1)}, 422, "text"),
        ({"text": "ok", "author": 3}, 422, "author"),
        ({"text": "ok", "comment_id": 1.5}, 422, "comment_id"),
        ({"text": "ok", "comment_id": ""}, 422, "comment_id"),
        ({"text": "ok", "store": "no"}, 422, "store"),
        ({"text": "ok", "txt": "typo"}, 422, "txt"),
        ({"text": "ok", "thread_id": "1", "article_id": "2"}, 422, "article_id"),
        ({"comments": []}, 422, "comments"),
        ({"comments": {"text": "x"}}, 422, "comments"),
        ({"comments": ["x"]}, 422, "comments[0]"),
        ({"comments": [{"text": "ok"}, {"text": 1}]}, 422, "comments[1].text"),
        ({"comments": [{"text": "ok"}], "extra": 1}, 422, "extra"),
        ([{"text": "x"}], 400, None),
        ("text", 400, None),
    ],
)
def test_invalid_checks_are_4xx_naming_the_field(client, auth, validate, body, status, field):
    """Wrong types, missing or unknown fields and over-long text get a 4xx that names the field."""
    response = client.post(CHECK, json=body, headers=auth)
    assert response.status_code == status
    error = validate(response, CHECK)["error"]
    assert error.get("field") == field and error["message"]


def test_text_of_exactly_20_kb_is_accepted(client, auth, validate):
    """The limit is inclusive: 20,480 bytes of UTF-8 is fine."""
    check(client, auth, validate, {"text": "a" * 20 * 1024, "store": False})


def test_unpaired_surrogates_are_replaced_not_fatal(client, auth, validate, storage):
    """JSON may carry an unpaired surrogate escape; it is stored as U+FFFD instead of failing."""
    response = client.post(
        CHECK,
        data=b'{"text": "bad \\ud800 char", "comment_id": "s"}',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert validate(response, CHECK)["stored"] is True
    assert storage.comments.latest(1, "s").text == "bad \ufffd char"


def test_model_reports_version_labels_and_site_thresholds(client, auth, validate, tiny_moderator):
    """GET /v1/model names the model and the thresholds in effect for the key's site."""
    client.put("/v1/site/policy", json={"thresholds": {"spam": {"hold": 0.3, "reject": 0.8}}}, headers=auth)
    body = validate(client.get("/v1/model", headers=auth), "/v1/model", "get")
    assert body["version"] == tiny_moderator.version and body["labels"] == ["spam", "toxicity"]
    assert body["thresholds"]["spam"] == {"hold": 0.3, "reject": 0.8}
    assert body["thresholds"]["toxicity"] == {
        "hold": tiny_moderator.policy.thresholds["toxicity"].hold,
        "reject": tiny_moderator.policy.thresholds["toxicity"].reject,
    }
    assert isinstance(body["metrics"], dict)


def test_site_reports_settings_and_usage(client, auth, validate):
    check(client, auth, validate, {"text": SPAM})
    body = validate(client.get("/v1/site", headers=auth), "/v1/site", "get")
    assert body["usage"]["api_calls"] == 1 and body["usage"]["spam"] == 1 and body["store_comments"] is True


def test_site_policy_blocked_words_reject_and_can_be_removed(client, auth, validate):
    """A blocked word rejects a comment with a rule reason; a PUT without it goes back to the model's policy."""
    put = client.put(
        "/v1/site/policy", json={"blocked_words": ["Learned"], "blocked_domains": ["spam.example"]}, headers=auth
    )
    body = validate(put, "/v1/site/policy", "put")
    assert body["policy"]["blocked_words"] == ["Learned"] and body["effective"]["blocked_words"] == ["learned"]
    result = check(client, auth, validate, {"text": CLEAN})
    assert result["verdict"] == "reject" and result["reasons"][0]["kind"] == "rule"
    linked = check(client, auth, validate, {"text": "see http://www.spam.example/x"})
    assert linked["verdict"] == "reject" and linked["spam"] is True
    client.put("/v1/site/policy", json={}, headers=auth)
    assert check(client, auth, validate, {"text": CLEAN})["verdict"] == "approve"
    assert (
        validate(client.get("/v1/site/policy", headers=auth), "/v1/site/policy", "get")["policy"]["blocked_words"] == []
    )


def test_site_thresholds_change_verdicts(client, auth, validate):
    """Lowering the spam hold threshold to 0 holds every comment for spam."""
    client.put("/v1/site/policy", json={"thresholds": {"spam": {"hold": 0.0, "reject": 1.0}}}, headers=auth)
    result = check(client, auth, validate, {"text": CLEAN})
    assert result["verdict"] == "hold" and "spam" in result["flagged"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"thresholds": {"spam": {"hold": 0.9, "reject": 0.5}}}, "thresholds.spam"),
        ({"thresholds": {"spam": {"hold": 0.5}}}, "thresholds.spam"),
        ({"thresholds": {"spam": {"hold": "a", "reject": 1}}}, "thresholds.spam"),
        ({"thresholds": {"nonsense": {"hold": 0.1, "reject": 0.2}}}, "thresholds.nonsense"),
        ({"blocked_words": "word"}, "blocked_words"),
        ({"blocked_words": ["ok", 3]}, "blocked_words[1]"),
        ({"blocked_words": [""]}, "blocked_words[0]"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_policy_names_the_field(client, auth, validate, body, field):
    response = client.put("/v1/site/policy", json=body, headers=auth)
    assert response.status_code == 422
    assert validate(response, "/v1/site/policy", "put")["error"]["field"] == field


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing API key"),
        ({"Authorization": "Bearer nope"}, "invalid"),
        ({"X-API-Key": "0" * 48}, "invalid"),
        ({"Authorization": "Basic abc"}, "missing API key"),
    ],
)
def test_endpoints_need_a_valid_key(client, site_a, validate, headers, message):
    """No key or a wrong one is a JSON 401 with a WWW-Authenticate challenge."""
    response = client.post(CHECK, json={"text": "x"}, headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert message in validate(response, CHECK)["error"]["message"]


def test_x_api_key_header_works_and_revoked_keys_do_not(client, storage, site_a):
    key = site_a[1]
    assert client.get("/v1/site", headers={"X-API-Key": key}).status_code == 200
    storage.keys.revoke(key[:8])
    assert client.get("/v1/site", headers={"X-API-Key": key}).status_code == 401


def test_a_key_never_sees_or_changes_another_sites_data(client, storage, site_a, site_b, validate):
    """Site B's key cannot read A's comments or decisions, and changes only B's policy, feedback and counters."""
    a = {"Authorization": f"Bearer {site_a[1]}"}
    b = {"Authorization": f"Bearer {site_b[1]}"}
    check(client, a, validate, {"text": TOXIC, "comment_id": "shared-id"})
    client.post(FEEDBACK, json={"comment_id": "shared-id", "decision": "abusive"}, headers=a)
    assert client.get("/v1/comments/shared-id", headers=b).status_code == 404
    client.post(FEEDBACK, json={"comment_id": "shared-id", "decision": "approved"}, headers=b)
    assert client.get("/v1/comments/shared-id", headers=a).get_json()["feedback"]["decision"] == "abusive"
    client.put("/v1/site/policy", json={"blocked_words": ["thoughtful"]}, headers=b)
    assert check(client, a, validate, {"text": CLEAN})["verdict"] == "approve"
    assert check(client, b, validate, {"text": CLEAN})["verdict"] == "reject"
    assert storage.usage.get(site_a[0].id).api_calls == 2 and storage.usage.get(site_b[0].id).api_calls == 1


def test_naming_another_site_is_403(client, site_a, validate):
    """A request that names a site other than its key's is refused with 403, naming the site field."""
    a = {"Authorization": f"Bearer {site_a[1]}"}
    response = client.post(CHECK, json={"text": "x", "site": SITE_B}, headers=a)
    assert response.status_code == 403
    assert validate(response, CHECK)["error"]["field"] == "site"
    assert client.post(CHECK, json={"text": "x", "site": "https://www.news.example.com/"}, headers=a).status_code == 200
    response = client.post(FEEDBACK, json={"comment_id": "1", "decision": "spam", "site": SITE_B}, headers=a)
    assert response.status_code == 403
