"""The Perspective-compatible endpoints: Coral Talk's exact request over real HTTP, Perspective's response and error
shapes, and attributes the model cannot score refused rather than invented."""

from __future__ import annotations

import json

import httpx
import pytest

from harness import CLEAN, TOXIC

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


@pytest.fixture(scope="module")
def site(live):
    site = live.storage.sites.create("https://coral.example.com")
    key, _ = live.storage.keys.create(site.id)
    return site, key


@pytest.fixture
def analyze(client, site_a):
    """``analyze(body)``: POST comments:analyze with site A's key in ?key= (Flask test client)."""

    def send(body, key=None):
        return client.post(f"{ANALYZE}?key={site_a[1] if key is None else key}", json=body)

    return send


def test_coral_talks_exact_request_is_answered(live, site):
    """The body Coral Talk sends, byte for byte, gets a Perspective answer; doNotStore keeps nothing but counts."""
    text = "You are a complete idiot."
    body = (
        '{"comment":{"text":'
        + json.dumps(text)
        + '},"doNotStore":true,"requestedAttributes":{"TOXICITY":{}},"languages":["en"]}'
    )
    response = httpx.post(
        f"{live.url}{ANALYZE}?key={site[1]}", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"attributeScores", "languages", "detectedLanguages"} and answer["languages"] == ["en"]
    assert answer["detectedLanguages"] == ["en"]
    summary = answer["attributeScores"]["TOXICITY"]["summaryScore"]
    assert summary["type"] == "PROBABILITY" and 0.5 < summary["value"] <= 1
    assert live.storage.comments.count(site[0].id) == 0
    assert live.storage.usage.get(site[0].id).api_calls == 1


def test_without_do_not_store_the_comment_is_kept(analyze, storage, site_a):
    response = analyze({"comment": {"text": TOXIC}, "requestedAttributes": {"TOXICITY": {}}})
    assert response.status_code == 200
    assert storage.comments.count(site_a[0].id) == 1


def test_spam_maps_to_the_spam_label_and_client_token_is_echoed(analyze):
    answer = analyze(
        {
            "comment": {"text": CLEAN},
            "requestedAttributes": {"SPAM": {}, "TOXICITY": {"scoreType": "PROBABILITY"}},
            "clientToken": "comment-53922",
            "communityId": "/forum/news",
            "sessionId": "s",
        }
    ).get_json()
    assert set(answer["attributeScores"]) == {"SPAM", "TOXICITY"} and answer["clientToken"] == "comment-53922"
    assert answer["detectedLanguages"] == ["en"]


def test_span_scores_are_per_sentence_probabilities(analyze):
    """spanAnnotations gives one span per sentence, with offsets into the text and real probabilities."""
    text = "Thanks for the report. You are a complete idiot!"
    answer = analyze(
        {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": True}
    ).get_json()
    spans = answer["attributeScores"]["TOXICITY"]["spanScores"]
    assert [text[s["begin"] : s["end"]] for s in spans] == ["Thanks for the report.", "You are a complete idiot!"]
    assert spans[1]["score"]["value"] > spans[0]["score"]["value"] and spans[1]["score"]["type"] == "PROBABILITY"


def test_score_threshold_leaves_out_lower_scores(analyze):
    answer = analyze(
        {"comment": {"text": CLEAN}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.99}}}
    ).get_json()
    assert answer["attributeScores"] == {}


@pytest.mark.parametrize("attribute", ["SEVERE_TOXICITY", "PROFANITY", "THREAT", "INSULT", "IDENTITY_ATTACK"])
def test_attributes_the_model_cannot_score_are_errors_not_numbers(analyze, attribute):
    """The tiny model scores spam and toxicity only: other attributes are refused, never given a made-up score."""
    response = analyze({"comment": {"text": CLEAN}, "requestedAttributes": {"TOXICITY": {}, attribute: {}}})
    error = response.get_json()["error"]
    assert response.status_code == 400 and error["status"] == "INVALID_ARGUMENT" and attribute in error["message"]
    assert error["details"] == [{"@type": ERROR_TYPE, "errorType": "INVALID_REQUEST"}]


def test_drop_unsupported_attributes_leaves_them_out(analyze):
    answer = analyze(
        {
            "comment": {"text": CLEAN},
            "requestedAttributes": {"TOXICITY": {}, "THREAT": {}},
            "dropUnsupportedAttributes": True,
        }
    ).get_json()
    assert set(answer["attributeScores"]) == {"TOXICITY"}


@pytest.mark.parametrize(
    ("body", "error_type", "message"),
    [
        (
            {"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}},
            "COMMENT_EMPTY",
            "Comment must be non-empty.",
        ),
        ({"requestedAttributes": {"TOXICITY": {}}}, "COMMENT_EMPTY", "Comment must be non-empty."),
        (
            {"comment": {"text": "a" * 20481}, "requestedAttributes": {"TOXICITY": {}}},
            "COMMENT_TOO_LONG",
            "Comment text was too many bytes. Value (20481) exceeded limit (20480).",
        ),
        ({"comment": {"text": "hi"}}, "NO_REQUESTED_ATTRIBUTES", "Missing requested_attributes"),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {}},
            "NO_REQUESTED_ATTRIBUTES",
            "Missing requested_attributes",
        ),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"FOO": {}}},
            "INVALID_REQUEST",
            "Unknown requested attribute: FOO",
        ),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreType": "RAW"}}},
            "INVALID_REQUEST",
            "Requested score type RAW is not supported by attribute TOXICITY",
        ),
        (
            {"comment": {"text": "<b>hi</b>", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}},
            "INVALID_REQUEST",
            "Currently, only 'PLAIN_TEXT' comments are supported",
        ),
        (
            {"comment": {"text": 3}, "requestedAttributes": {"TOXICITY": {}}},
            "INVALID_REQUEST",
            "Invalid value at 'comment.text'",
        ),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": "yes"},
            "INVALID_REQUEST",
            "Invalid value at 'doNotStore'",
        ),
    ],
)
def test_errors_have_perspectives_shape_and_types(analyze, body, error_type, message):
    """Each bad request gets Google's error JSON with Perspective's errorType."""
    response = analyze(body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT" and error["message"].startswith(message)
    assert error["details"][0]["@type"] == ERROR_TYPE and error["details"][0]["errorType"] == error_type


@pytest.mark.parametrize(
    ("text", "languages", "detected"),
    [
        ("Merci beaucoup pour cet article, il est très intéressant.", ["fr"], ["fr"]),
        ("Merci beaucoup pour cet article, il est très intéressant.", None, ["fr"]),
        ("Gracias por el artículo, muy interesante y bien escrito.", ["es"], ["es"]),
        ("ok", None, []),
    ],
)
def test_every_language_is_scored_and_the_detected_one_is_named(analyze, storage, site_a, text, languages, detected):
    """A comment in a language the model was not trained on is scored, never refused (Coral would let it through
    unchecked); the answer names the language identified from the text, empty when too short to tell."""
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}, "SPAM": {}}}
    if languages:
        body["languages"] = languages
    response = analyze(body)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert set(answer["attributeScores"]) == {"TOXICITY", "SPAM"}
    assert answer["detectedLanguages"] == detected
    assert answer["languages"] == (languages or detected or ["en"])
    stored = storage.db.execute("SELECT metadata FROM comments ORDER BY id DESC LIMIT 1").fetchone()
    assert json.loads(stored["metadata"]).get("language") == (detected[0] if detected else None)


def test_english_variants_are_accepted(analyze):
    assert (
        analyze(
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["en-GB"]}
        ).status_code
        == 200
    )


def test_unknown_fields_are_refused_like_googles_parser(analyze):
    response = analyze({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "withCredentials": True})
    assert response.status_code == 400
    assert (
        response.get_json()["error"]["message"]
        == 'Invalid JSON payload received. Unknown name "withCredentials": Cannot find field.'
    )


def test_keys_are_checked_like_google(client, analyze):
    """No key is 403 PERMISSION_DENIED; a wrong key is 400 with reason API_KEY_INVALID."""
    missing = client.post(ANALYZE, json={"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}})
    assert missing.status_code == 403 and missing.get_json()["error"]["status"] == "PERMISSION_DENIED"
    wrong = analyze({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}, key="bad")
    assert wrong.status_code == 400 and wrong.get_json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"


def test_the_google_api_key_header_is_accepted(client, site_a):
    response = client.post(
        ANALYZE,
        json={"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}},
        headers={"X-Goog-Api-Key": site_a[1]},
    )
    assert response.status_code == 200


def test_suggest_score_stores_feedback_and_echoes_the_token(client, site_a, storage):
    """suggestscore records the client's scores as a decision for the comment; repeating it replaces it."""
    body = {
        "comment": {"text": "I guess it comes down a simple choice."},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
        "communityId": "/forum/movies",
        "clientToken": "comment-53922",
    }
    response = client.post(f"{SUGGEST}?key={site_a[1]}", json=body)
    assert response.status_code == 200 and response.get_json() == {"clientToken": "comment-53922"}
    body["attributeScores"] = {"TOXICITY": {"summaryScore": {"value": 1}}}
    client.post(f"{SUGGEST}?key={site_a[1]}", json=body)
    assert storage.feedback.count(site_a[0].id) == 1
    (row,) = storage.db.execute("SELECT decision, labels, source FROM feedback").fetchall()
    assert (row["decision"], json.loads(row["labels"]), row["source"]) == ("abusive", {"toxicity": 1.0}, "perspective")


def test_coral_talks_feedback_body_is_stored_as_the_moderators_decision(live, site):
    """Coral's "send feedback" suggestscore, as Coral formats it, records the decision for the checked comment."""
    text = "A comment the moderators deleted."
    context = json.dumps({"url": "https://coral.example.com/story?commentID=c-77", "Coral_comment_id": "c-77"})
    body = {
        "comment": {"text": text},
        "context": {"entries": [{"text": context}]},
        "attributeScores": {"DELETED": {"summaryScore": {"value": 1}}},
        "languages": ["en"],
        "communityId": "Coral:https://coral.example.com",
        "clientToken": "comment:c-77",
    }
    analyzed = httpx.post(
        f"{live.url}{ANALYZE}?key={site[1]}", json={"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}
    )
    assert analyzed.status_code == 200
    response = httpx.post(f"{live.url}{SUGGEST}?key={site[1]}", json=body)
    assert response.status_code == 200 and response.json() == {"clientToken": "comment:c-77"}
    comment_id = live.storage.db.execute(
        "SELECT comment_id FROM comments WHERE site_id = ? AND text = ?", (site[0].id, text)
    ).fetchone()[0]
    stored = live.storage.feedback.get(site[0].id, comment_id)
    assert stored.decision == "rejected" and stored.source == "perspective" and stored.text == text


def test_coral_talks_current_feedback_body_is_accepted_byte_for_byte(live, site):
    """The suggestscore body Coral Talk sends today (pretty-printed, ``languages: ["EN"]``, Coral's ids in a JSON
    string in ``context.entries``) is stored; DELETED is any rejection, so it is not counted as abuse."""
    from service.retraining import feedback_frame

    text = "Buy followers now at my site"
    entry = json.dumps(
        {"url": "https://coral.example.com/story?commentID=c-91", "Coral_comment_id": "c-91"}, separators=(",", ":")
    )
    payload = {
        "comment": {"text": text},
        "context": {"entries": [{"text": entry}]},
        "attributeScores": {"DELETED": {"summaryScore": {"value": 1}}},
        "languages": ["EN"],
        "communityId": "Coral:https://coral.example.com/",
        "clientToken": "comment:c-91",
    }
    body = json.dumps(payload, indent=2)
    response = httpx.post(
        f"{live.url}{SUGGEST}?key={site[1]}", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200 and response.json() == {"clientToken": "comment:c-91"}
    frame = feedback_frame(live.storage, site[0].id)
    row = frame[frame["text"] == text]
    assert len(row) == 1
    assert not any(row[label].eq(1.0).any() for label in row.columns if label != "text")


@pytest.mark.parametrize(
    "scores",
    [
        {},
        {"FOO": {"summaryScore": {"value": 1}}},
        {"SEVERE_TOXICITY": {"summaryScore": {"value": 1}}},
        {"TOXICITY": {"summaryScore": {"value": 2}}},
        {"TOXICITY": {"spanScores": []}},
        {"TOXICITY": 1},
    ],
)
def test_bad_suggestions_are_refused(client, site_a, scores):
    response = client.post(f"{SUGGEST}?key={site_a[1]}", json={"comment": {"text": "x"}, "attributeScores": scores})
    assert response.status_code == 400 and response.get_json()["error"]["status"] == "INVALID_ARGUMENT"


def test_unknown_paths_under_v1alpha1_answer_in_googles_shape(client):
    response = client.get("/v1alpha1/comments:nothing")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == "NOT_FOUND"
