"""The Akismet-compatible endpoints, driven by the real ``akismet`` client (25.10.1) over real HTTP, and by hand.

The client always calls ``https://rest.akismet.com/...``; its ``http_client`` is an httpx client whose transport
sends those requests to our server on 127.0.0.1 instead.
"""

from __future__ import annotations

import akismet
import httpx
import pytest

from harness import CLEAN, SPAM, TOXIC

BLOG = "https://akismet-site.example.com"


class ToServer(httpx.BaseTransport):
    """Sends every request to the test server, whatever host the client asked for."""

    def __init__(self, base: str):
        self.target = httpx.URL(base)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self.target.scheme, host=self.target.host, port=self.target.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(scope="module")
def site(live):
    site = live.storage.sites.create(BLOG)
    key, _ = live.storage.keys.create(site.id)
    return site, key


@pytest.fixture
def client(live, site):
    """The real Akismet client, pointed at the test server.

    ``params`` adds ``api_key`` to every request because akismet 25.10.1's ``key_sites()`` forgets to send it
    (Akismet documents it as required); the other methods send it themselves.
    """
    http = httpx.Client(
        transport=ToServer(live.url), params={"api_key": site[1]}, headers={"User-Agent": akismet.USER_AGENT}
    )
    with akismet.SyncClient.validated_client(config=akismet.Config(key=site[1], url=BLOG), http_client=http) as client:
        yield client


@pytest.fixture
def post(live, site):
    """``post(endpoint, **form)``: a form POST to the server with the site's key and blog filled in."""

    def send(endpoint: str, **form):
        form.setdefault("api_key", site[1])
        form.setdefault("blog", BLOG)
        return httpx.post(f"{live.url}{endpoint}", data={k: v for k, v in form.items() if v is not None})

    return send


def test_the_client_verifies_its_key(client):
    assert client.verify_key() is True


def test_a_wrong_key_fails_validation_in_the_client(live):
    http = httpx.Client(transport=ToServer(live.url))
    with pytest.raises(akismet.APIKeyError):
        akismet.SyncClient.validated_client(config=akismet.Config(key="0" * 48, url=BLOG), http_client=http)


def test_the_client_checks_spam_and_ham(client):
    """Link spam is SPAM (or DISCARD when blatant); a friendly comment is HAM."""
    assert client.comment_check(user_ip="203.0.113.9", comment_content=SPAM, comment_type="comment") in (
        akismet.CheckResponse.SPAM,
        akismet.CheckResponse.DISCARD,
    )
    assert (
        client.comment_check(user_ip="203.0.113.9", comment_content=CLEAN, comment_author="Ann")
        == akismet.CheckResponse.HAM
    )


def test_abuse_is_not_spam_to_akismet(client):
    """Akismet judges spam only: a toxic but non-spam comment is ham here (ask the native API about abuse)."""
    assert client.comment_check(user_ip="203.0.113.9", comment_content=TOXIC) == akismet.CheckResponse.HAM


def test_akismets_test_triggers(client, live, site):
    """viagra-test-123 is spam, user_role=administrator is ham, and neither is stored."""
    before = live.storage.comments.count(site[0].id)
    assert (
        client.comment_check(user_ip="1.2.3.4", comment_author="viagra-test-123", comment_content=CLEAN, is_test=True)
        == akismet.CheckResponse.SPAM
    )
    assert (
        client.comment_check(user_ip="1.2.3.4", user_role="administrator", comment_content=SPAM, is_test=True)
        == akismet.CheckResponse.HAM
    )
    assert live.storage.comments.count(site[0].id) == before


def test_the_client_submits_spam_and_ham_as_feedback(client, live, site):
    """submit_spam / submit_ham are acknowledged as Akismet does and stored as decisions for the comment."""
    before = live.storage.feedback.count(site[0].id)
    assert (
        client.submit_spam(
            user_ip="198.51.100.1", comment_content="Cheap watches www.replica.example", comment_author="x"
        )
        is True
    )
    assert client.submit_ham(user_ip="198.51.100.2", comment_content=CLEAN, comment_author="Ann") is True
    assert live.storage.feedback.count(site[0].id) == before + 2


def test_the_client_reads_usage_and_key_sites(client, site):
    """usage_limit and key_sites answer in Akismet's shapes, for this key's site only."""
    client.comment_check(user_ip="203.0.113.9", comment_content=CLEAN)
    usage = client.usage_limit()
    assert usage["limit"] == "none" and usage["usage"] >= 1 and usage["throttled"] is False
    sites = client.key_sites()
    (month,) = [k for k in sites if k not in ("limit", "offset", "total")]
    assert sites["total"] == 1 and sites[month][0]["site"] == "akismet-site.example.com"
    assert set(sites[month][0]) == {"site", "api_calls", "spam", "ham", "missed_spam", "false_positives", "is_revoked"}
    text = client.key_sites(result_format="csv")
    assert text.splitlines()[1] == "Site,Total API Calls,Spam,Ham,Missed Spam,False Positives,Is Revoked"
    assert text.splitlines()[2].startswith("akismet-site.example.com,")


def test_missing_user_ip_is_answered_like_akismet(post):
    response = post("/1.1/comment-check", comment_content="hello")
    assert (response.status_code, response.text) == (200, "Missing required field: user_ip.")
    assert response.headers["X-akismet-debug-help"]


@pytest.mark.parametrize("endpoint", ["/1.1/comment-check", "/1.1/submit-spam", "/1.1/submit-ham"])
@pytest.mark.parametrize("key", [None, "", "0" * 48, "not-a-key"])
def test_bad_keys_answer_invalid(post, endpoint, key):
    """No key or a wrong one answers the plain text `invalid`, with a debug header, status 200 as Akismet does."""
    response = post(endpoint, api_key=key, user_ip="1.2.3.4", comment_content="x")
    assert (response.status_code, response.text) == (200, "invalid")
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["X-akismet-debug-help"]


def test_verify_key_checks_the_blog(live, site):
    """verify-key is valid for the key's site (and its subdomains), invalid for another blog."""

    def verify(blog):
        return httpx.post(f"{live.url}/1.1/verify-key", data={"key": site[1], "blog": blog}).text

    assert verify(BLOG) == "valid"
    assert verify("http://www.akismet-site.example.com/") == "valid"
    assert verify("https://blog.akismet-site.example.com") == "valid"
    assert verify("https://elsewhere.example.net") == "invalid"
    assert verify("") == "invalid"


def test_a_foreign_blog_with_unicode_is_invalid_not_an_error(post):
    """The debug header echoing a non-ASCII blog is escaped, so the answer is a clean `invalid` over real HTTP."""
    response = post("/1.1/comment-check", blog="https://ünïcödé.example/", user_ip="1.2.3.4", comment_content="x")
    assert (response.status_code, response.text) == (200, "invalid")
    assert "\\xfc" in response.headers["X-akismet-debug-help"]


def test_comment_check_headers_and_unknown_fields(post):
    """Unknown fields are ignored; every answer carries X-akismet-guid; blatant spam carries the discard tip."""
    response = post(
        "/1.1/comment-check", user_ip="1.2.3.4", comment_content=SPAM, some_future_field="x", **{"weird[]": "1"}
    )
    assert response.text in ("true", "false") and response.headers["X-akismet-guid"]
    if response.headers.get("X-akismet-pro-tip"):
        assert response.headers["X-akismet-pro-tip"] == "discard" and response.text == "true"


def test_a_blocked_domain_is_discarded(live, site, post):
    live.storage.sites.update(site[0].id, policy={"blocked_domains": ["replica.example"]})
    try:
        response = post(
            "/1.1/comment-check",
            user_ip="1.2.3.4",
            comment_content="nice",
            comment_author_url="https://replica.example/",
        )
        assert (response.text, response.headers["X-akismet-pro-tip"]) == ("true", "discard")
    finally:
        live.storage.sites.update(site[0].id, policy={})


def test_is_test_stores_and_counts_nothing(post, live, site):
    before = (
        live.storage.comments.count(site[0].id),
        live.storage.usage.get(site[0].id).api_calls,
        live.storage.feedback.count(site[0].id),
    )
    post("/1.1/comment-check", user_ip="1.2.3.4", comment_content=SPAM, is_test="1")
    post("/1.1/submit-spam", user_ip="1.2.3.4", comment_content=SPAM, is_test="true")
    after = (
        live.storage.comments.count(site[0].id),
        live.storage.usage.get(site[0].id).api_calls,
        live.storage.feedback.count(site[0].id),
    )
    assert after == before


def test_a_check_and_a_later_report_meet(post, live, site):
    """submit-spam of a comment that was checked as ham counts as missed spam, once."""
    fields = dict(
        user_ip="192.0.2.7", comment_content="A normal looking remark.", comment_author="Bob", permalink=BLOG + "/a"
    )
    before = live.storage.usage.get(site[0].id).missed_spam
    assert post("/1.1/comment-check", **fields).text == "false"
    post("/1.1/submit-spam", **fields)
    post("/1.1/submit-spam", **fields)
    assert live.storage.usage.get(site[0].id).missed_spam == before + 1


def test_the_key_may_come_as_a_subdomain(live, site):
    """Akismet 1.1 clients put the key in the host name (KEY.rest.akismet.com)."""
    response = httpx.post(
        f"{live.url}/1.1/comment-check",
        data={"blog": BLOG, "user_ip": "1.2.3.4", "comment_content": CLEAN},
        headers={"Host": f"{site[1]}.rest.akismet.com"},
    )
    assert response.text == "false"


def test_blog_charset_is_honoured(live, site):
    """A Latin-1 form with blog_charset=ISO-8859-1 is decoded as such."""
    body = f"api_key={site[1]}&blog={BLOG}&user_ip=1.2.3.4&blog_charset=ISO-8859-1"
    body += "&comment_author=Ren%E9&comment_content=caf%E9"
    response = httpx.post(
        f"{live.url}/1.1/comment-check", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.text == "false"
    checks = live.storage.db.execute(
        "SELECT text, metadata FROM comments WHERE request_id = ?", (response.headers["X-akismet-guid"],)
    ).fetchone()
    assert checks["text"] == "café" and "René" in checks["metadata"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("month=2024-13", 400),
        ("format=xml", 400),
        ("limit=x", 400),
        ("order=size", 400),
        ("month=2020-01", 200),
        ("filter=nomatch", 200),
    ],
)
def test_key_sites_parameters(live, site, query, status):
    response = httpx.get(f"{live.url}/1.2/key-sites?api_key={site[1]}&{query}")
    assert response.status_code == status
    if query == "filter=nomatch":
        assert response.json()["total"] == 0
    if query == "month=2020-01":
        assert response.json()["2020-01"][0]["api_calls"] == "0"


def test_usage_limit_with_a_bad_key_is_invalid(live):
    assert httpx.get(f"{live.url}/1.2/usage-limit?api_key=nope").text == "invalid"


def test_wrong_methods_and_paths_answer_plain_text(live):
    assert httpx.get(f"{live.url}/1.1/comment-check").headers["Content-Type"].startswith("text/plain")
    assert httpx.get(f"{live.url}/1.1/comment-check").status_code == 405
    assert httpx.post(f"{live.url}/1.1/nothing").status_code == 404
