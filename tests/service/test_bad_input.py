"""Bad input never gets a 500 or a stack trace: every endpoint, hammered with broken bodies, answers a clear 4xx in
its API's dialect (JSON for native and Perspective, plain text for Akismet)."""

from __future__ import annotations

import random

import pytest

ENDPOINTS = [
    ("post", "/v1/comments/check", "native"),
    ("post", "/v1/comments/feedback", "native"),
    ("put", "/v1/site/policy", "native"),
    ("post", "/v1alpha1/comments:analyze", "perspective"),
    ("post", "/v1alpha1/comments:suggestscore", "perspective"),
    ("post", "/1.1/comment-check", "akismet"),
    ("post", "/1.1/submit-spam", "akismet"),
    ("post", "/1.1/submit-ham", "akismet"),
    ("post", "/1.1/verify-key", "akismet"),
    ("get", "/1.2/key-sites", "akismet"),
    ("get", "/1.2/usage-limit", "akismet"),
]

BODIES = [
    b"",
    b" ",
    b"null",
    b"true",
    b"0",
    b'"text"',
    b"[]",
    b"{}",
    b"{",
    b'{"text": }',
    b"\xff\xfe\x00",
    b"\xef\xbb\xbf{}",
    b'{"text": "\xc3\x28"}',
    b'{"text": "\\ud800\\udc00\\udfff"}',
    b'{"text": "a\\u0000b", "comment_id": "\\u0000"}',
    b'{"text": NaN}',
    b'{"text": Infinity}',
    b'{"text": 1e999}',
    b'{"text": ' + b"1" * 5000 + b"}",
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b'{"comments": [' + b'{"text": 1},' * 100 + b"{}]}",
    b'{"comments": null}',
    b'{"comment": {"text": ["x"]}, "requestedAttributes": {"TOXICITY": []}}',
    b'{"comment": "text", "requestedAttributes": "TOXICITY"}',
    b'{"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": "high"}}, "languages": "en"}',
    b'{"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": true}}}}',
    b'{"thresholds": {"spam": {"hold": 1e999, "reject": -1}}}',
    b'{"blocked_words": [[["x"]]], "allowed_words": {"a": 1}}',
    b'{"comment_id": {"a": 1}, "decision": ["spam"], "labels": {"spam": "yes"}}',
    b"api_key=%zz&blog=%&user_ip=%%%&comment_content=%E9%",
    b"=&&==&" * 100,
    b"blog_charset=no-such-charset&comment_content=caf%E9",
    b"blog_charset=utf-16&comment_content=%FF%FE%00",
    b'--boundary\r\nContent-Disposition: form-data; name="x"\r\n\r\nunterminated',
]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=boundary",
    "text/plain",
    "application/json; charset=latin-1",
    None,
]


def _assert_clean(response, kind):
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    if kind == "akismet":
        assert response.mimetype in ("text/plain", "text/csv", "application/json")
    else:
        body = response.get_json()
        assert isinstance(body, dict)
        if response.status_code >= 400:
            assert body["error"]["message"]


@pytest.mark.parametrize(("method", "path", "kind"), ENDPOINTS)
def test_broken_bodies_get_4xx_never_500(client, site_a, method, path, kind):
    """Every endpoint, authenticated, with every broken body and content type: a clean answer, never a 500."""
    key = site_a[1]
    for body in BODIES:
        for content_type in CONTENT_TYPES:
            headers = {"Authorization": f"Bearer {key}"}
            if content_type:
                headers["Content-Type"] = content_type
            query = f"?key={key}" if kind == "perspective" else (f"?api_key={key}" if kind == "akismet" else "")
            response = getattr(client, method)(path + query, data=body, headers=headers)
            _assert_clean(response, kind)


def test_random_bytes_never_crash_anything(client, site_a):
    """Seeded random bodies on every endpoint: no 500."""
    rng = random.Random(1234)
    key = site_a[1]
    for _ in range(300):
        method, path, kind = rng.choice(ENDPOINTS)
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
        query = f"?key={key}" if kind == "perspective" else f"?api_key={key}"
        response = getattr(client, method)(
            path + query,
            data=body,
            headers={"X-API-Key": key, "Content-Type": rng.choice(CONTENT_TYPES) or "application/json"},
        )
        _assert_clean(response, kind)


@pytest.mark.parametrize(
    "query",
    [
        "api_key=",
        "api_key=%ff%fe",
        "month=%00",
        "limit=-1",
        "limit=99999999999999999999999",
        "offset=x",
        "format=",
        "filter=%ff",
    ],
)
def test_broken_query_strings_get_clean_answers(client, site_a, query):
    for path in ("/1.2/key-sites", "/1.2/usage-limit"):
        response = client.get(f"{path}?api_key={site_a[1]}&{query}")
        _assert_clean(response, "akismet")


def test_unknown_and_odd_paths_are_clean(client, site_a):
    for path in ["/v1/comments/%ff", "/v1/comments/" + "x" * 5000, "/v1/../etc/passwd", "/%00", "/v1alpha1/", "/1.2/"]:
        response = client.get(path, headers={"X-API-Key": site_a[1]})
        assert response.status_code < 500
