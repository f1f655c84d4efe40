"""Inputs that once crashed the service or slipped past it, each sent exactly as found: every one is answered
cleanly in its API's dialect, and nothing dangerous is stored."""

from __future__ import annotations

import io
import json

import pytest

from harness import SITE_A
from service.storage import StorageError, normalise_site_url

CHECK = "/v1/comments/check"
FEEDBACK = "/v1/comments/feedback"
ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"


def akismet_form(key, **fields):
    return {"api_key": key, "blog": SITE_A, "user_ip": "203.0.113.7", **fields}


# -- links that would run script in a moderator's page ----------------------------------------------------------


@pytest.mark.parametrize("field", ["article_url", "permalink"])
@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>", "//x.y"]
)
def test_native_link_fields_must_be_http_urls(client, auth, field, url):
    """A link field that is not an absolute http(s) URL is a 422 naming the field, and nothing is stored."""
    response = client.post(CHECK, json={"text": "hello", field: url, "comment_id": "x1"}, headers=auth)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field
    assert "http or https URL" in response.get_json()["error"]["message"]


def test_native_http_links_are_kept(client, auth, storage, site_a):
    """An https article URL is accepted and stored as given."""
    url = "https://news.example.com/2026/11/story?id=7"
    assert client.post(CHECK, json={"text": "hi", "article_url": url, "comment_id": "x2"}, headers=auth).status_code == 200
    assert storage.comments.latest(site_a[0].id, "x2").article_url == url


def test_akismet_permalink_that_is_not_http_is_not_stored_as_a_link(client, site_a, storage):
    """Akismet accepts the check (it has no field errors) but a javascript: permalink is never kept as a link."""
    form = akismet_form(site_a[1], comment_content="hello", permalink="javascript:fetch('/x')")
    assert client.post("/1.1/comment-check", data=form).get_data(as_text=True) in ("true", "false")
    (row,) = storage.db.execute("SELECT article_url, metadata FROM comments").fetchall()
    assert row["article_url"] is None
    assert "javascript" not in row["metadata"]


# -- Akismet form decoding --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "charset", ["rot13", "base64", "zlib", "idna", "hex", "uu", "bz2", "quopri", "punycode", "undefined", "unicode_escape"]
)
def test_akismet_non_text_charsets_read_the_form_as_utf8(client, site_a, charset):
    """A blog_charset naming a codec that is no text encoding is ignored (UTF-8), never a 500."""
    body = f"api_key={site_a[1]}&blog={SITE_A}&user_ip=1.2.3.4&comment_content=caf%C3%A9&blog_charset={charset}"
    for path in ("/1.1/comment-check", "/1.1/submit-spam", "/1.1/submit-ham", "/1.1/verify-key"):
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, (path, response.get_data(as_text=True))


def test_akismet_text_charsets_are_still_honoured(client, site_a, storage):
    """A real text encoding (ISO-8859-1) decodes the form's bytes."""
    body = f"api_key={site_a[1]}&blog={SITE_A}&user_ip=1.2.3.4&comment_content=caf%E9&blog_charset=ISO-8859-1"
    client.post("/1.1/comment-check", data=body, content_type="application/x-www-form-urlencoded")
    assert storage.db.execute("SELECT text FROM comments").fetchone()[0] == "café"


def test_akismet_more_than_10000_fields_is_413(client, site_a):
    """10,001 form fields are refused with 413 in plain text."""
    body = f"api_key={site_a[1]}&blog={SITE_A}&user_ip=1.2.3.4&" + "&".join(f"f{i}=1" for i in range(10_001))
    response = client.post("/1.1/comment-check", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.mimetype == "text/plain"


def test_chunked_body_over_the_limit_is_413_not_cut(client, site_a, storage):
    """A body without Content-Length (chunked) over the limit is refused whole: the field after the limit is not
    silently dropped (here it would have turned the check into Akismet's administrator shortcut)."""
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    head = f"api_key={site_a[1]}&blog={SITE_A}&user_ip=1.2.3.4&comment_content=".encode()
    body = head + b"x" * (limit - len(head)) + b"&user_role=administrator"
    response = client.post(
        "/1.1/comment-check",
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert storage.comments.count() == 0


def test_chunked_body_within_the_limit_is_read_whole(client, site_a):
    """A chunked body under the limit is read to its end (its last field counts)."""
    body = f"api_key={site_a[1]}&blog={SITE_A}&user_ip=1.2.3.4&comment_author=viagra-test-123".encode()
    response = client.post(
        "/1.1/comment-check",
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.get_data(as_text=True) == "true"


# -- lone surrogates --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["clientToken", "sessionId", "communityId"])
def test_perspective_lone_surrogates_in_ids_are_replaced(client, site_a, storage, field):
    """A lone surrogate in an id field is replaced by U+FFFD before it is answered or stored."""
    body = '{"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}, "%s": "a\\ud800b"}' % field
    response = client.post(f"{ANALYZE}?key={site_a[1]}", data=body, content_type="application/json")
    assert response.status_code == 200
    if field == "clientToken":
        assert response.get_json()["clientToken"] == "a\ufffdb"
    metadata = json.loads(storage.db.execute("SELECT metadata FROM comments").fetchone()[0])
    assert metadata[field] == "a\ufffdb"


@pytest.mark.parametrize(
    "extra", ['"languages": ["en\\udfff"]', '"context": {"entries": [{"text": "\\udc00"}]}', '"clientToken": "\\ud83d"']
)
def test_perspective_lone_surrogates_in_suggestscore_are_replaced(client, site_a, storage, extra):
    """Lone surrogates anywhere in a suggestscore body (languages, context) never reach SQLite raw."""
    body = '{"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}, %s}' % extra
    response = client.post(f"{SUGGEST}?key={site_a[1]}", data=body, content_type="application/json")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200:
        stored = storage.db.execute("SELECT metadata FROM feedback").fetchone()[0]
        assert "\ufffd" in stored


# -- URLs with impossible hosts and ports -----------------------------------------------------------------------

BAD_URLS = ["http://[::1", "http://[zz::1]/", "http://example.com:99999", "http://[::1]:70000", "https://x:-1/"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_site_urls_with_bad_hosts_or_ports_are_storage_errors(url):
    """normalise_site_url refuses them with StorageError, never ValueError."""
    with pytest.raises(StorageError, match="not a valid URL|must be absolute"):
        normalise_site_url(url)


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_blog_or_site_urls_are_clean_refusals(client, site_a, url):
    """Akismet answers 'invalid'; the native API answers 422 naming the site field."""
    for path in ("/1.1/verify-key", "/1.1/comment-check"):
        response = client.post(path, data={"key": site_a[1], "api_key": site_a[1], "blog": url, "user_ip": "1.2.3.4"})
        assert (response.status_code, response.get_data(as_text=True)) == (200, "invalid")
    response = client.post(CHECK, json={"text": "hi", "site": url}, headers={"X-API-Key": site_a[1]})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "site"


# -- numbers ----------------------------------------------------------------------------------------------------


def test_a_400_digit_integer_label_is_400(client, auth):
    """A 400-digit integer anywhere in a JSON body is a 400 saying it is out of range."""
    body = '{"comment_id": "c-9", "decision": "spam", "labels": {"spam": %s}}' % ("9" * 400)
    response = client.post(FEEDBACK, data=body, content_type="application/json", headers=auth)
    assert response.status_code == 400
    assert "out of range" in response.get_json()["error"]["message"]


def test_a_huge_integer_in_perspective_is_400(client, site_a):
    body = '{"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1%s}}}}' % ("0" * 400)
    response = client.post(f"{SUGGEST}?key={site_a[1]}", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == "INVALID_ARGUMENT"


def test_64_bit_integers_are_still_accepted(client, auth):
    """An integer comment id up to 2**63 - 1 is fine."""
    response = client.post(CHECK, json={"text": "hi", "comment_id": 2**63 - 1}, headers=auth)
    assert response.status_code == 200
    assert response.get_json()["comment_id"] == str(2**63 - 1)


# -- headers and OPTIONS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        (FEEDBACK, {"GET", "HEAD", "POST", "OPTIONS"}),  # also a comment id for GET /v1/comments/<id>
        ("/v1/site/policy", {"GET", "HEAD", "PUT", "OPTIONS"}),
        ("/1.1/comment-check", {"POST", "OPTIONS"}),
        (ANALYZE, {"POST", "OPTIONS"}),
        ("/healthz", {"GET", "HEAD", "OPTIONS"}),
        ("/moderate/login", {"GET", "HEAD", "POST", "OPTIONS"}),
    ],
)
def test_options_is_204_with_allow_and_needs_no_key(client, path, methods):
    """OPTIONS answers 204 with the route's methods in Allow, and no body."""
    response = client.options(path)
    assert response.status_code == 204
    assert set(response.headers["Allow"].split(", ")) == methods
    assert response.get_data() == b""


def test_options_on_an_unknown_path_is_a_json_404(client):
    response = client.options("/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_every_answer_says_nosniff(client, auth):
    for response in (client.get("/healthz"), client.post(CHECK, json={"text": "hi"}, headers=auth)):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in client.get("/healthz").headers  # JSON needs no page policy


def test_pages_carry_csp_and_framing_headers(client):
    """The moderators' pages forbid framing, inline script and other origins' resources."""
    response = client.get("/moderate/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
