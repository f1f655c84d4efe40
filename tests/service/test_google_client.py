"""Google's own Python client (google-api-python-client) talks to the Perspective-compatible API unchanged: it builds
itself from this server's discovery document, and its calls are answered in Perspective's shapes."""

from __future__ import annotations

import httpx
import pytest
from googleapiclient import discovery
from googleapiclient.errors import HttpError, UnknownApiNameOrVersion

from harness import CLEAN, TOXIC
from service.discovery import document
from service.perspective import ANALYZE_FIELDS, SUGGEST_FIELDS


@pytest.fixture(scope="module")
def key(shared_live):
    site = shared_live.storage.sites.create("https://google-client.example.com")
    key, _ = shared_live.storage.keys.create(site.id)
    return key


def build(url: str, key: str, version: str = "v1alpha1"):
    """Google's sample, word for word, with only the discovery URL pointing here."""
    return discovery.build(
        "commentanalyzer",
        version,
        developerKey=key,
        discoveryServiceUrl=f"{url}/$discovery/rest?version={version}",
        static_discovery=False,
    )


def test_googles_sample_scores_a_comment(shared_live, key):
    """The unchanged sample builds a client from the discovery document and gets Perspective's answer."""
    client = build(shared_live.url, key)
    analyze_request = {"comment": {"text": TOXIC}, "requestedAttributes": {"TOXICITY": {}}}
    response = client.comments().analyze(body=analyze_request).execute()
    summary = response["attributeScores"]["TOXICITY"]["summaryScore"]
    assert summary["type"] == "PROBABILITY" and 0.5 < summary["value"] <= 1
    assert response["detectedLanguages"] == ["en"]


def test_googles_client_sends_suggestions_and_gets_the_token_back(shared_live, key):
    client = build(shared_live.url, key)
    body = {
        "comment": {"text": CLEAN},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
        "clientToken": "c-42",
    }
    assert client.comments().suggestscore(body=body).execute() == {"clientToken": "c-42"}


def test_googles_client_raises_http_error_for_a_bad_key(shared_live):
    client = build(shared_live.url, "not-a-key")
    with pytest.raises(HttpError) as raised:
        client.comments().analyze(body={"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}).execute()
    assert raised.value.resp.status == 400 and "API key not valid" in str(raised.value)


def test_another_version_is_unknown_to_googles_client(shared_live, key):
    with pytest.raises(UnknownApiNameOrVersion):
        build(shared_live.url, key, version="v1")


@pytest.mark.parametrize(
    "path",
    [
        "/$discovery/rest?version=v1",
        "/$discovery/rest",
        "/discovery/v1/apis/youtube/v3/rest",
        "/discovery/v1/apis/commentanalyzer/v1/rest",
    ],
)
def test_other_apis_and_versions_are_404_in_googles_shape(shared_live, path):
    response = httpx.get(shared_live.url + path)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == 404 and error["status"] == "NOT_FOUND" and "commentanalyzer v1alpha1" in error["message"]


def test_the_directory_form_serves_the_same_document(shared_live):
    direct = httpx.get(shared_live.url + "/discovery/v1/apis/commentanalyzer/v1alpha1/rest").json()
    on_host = httpx.get(shared_live.url + "/$discovery/rest?version=v1alpha1").json()
    assert direct == on_host and direct["kind"] == "discovery#restDescription"
    assert direct["rootUrl"] == shared_live.url + "/"


def test_public_url_names_the_root(client, app):
    """Behind a TLS proxy the document points clients at the configured public URL."""
    app.config["PUBLIC_URL"] = "https://moderation.example.com"
    doc = client.get("/$discovery/rest?version=v1alpha1").get_json()
    assert doc["rootUrl"] == "https://moderation.example.com/"


@pytest.mark.parametrize(
    ("schema", "fields"), [("AnalyzeCommentRequest", ANALYZE_FIELDS), ("SuggestCommentScoreRequest", SUGGEST_FIELDS)]
)
def test_the_document_describes_exactly_the_fields_the_endpoints_accept(schema, fields):
    assert set(document("http://x/")["schemas"][schema]["properties"]) == set(fields)
