"""The moderators' pages against hostile data: links a reader wrote never become script, an upload cannot bloat the
session cookie, and upload ids are bounded."""

from __future__ import annotations

from loop_harness import TOXIC, check


def _store_held(storage, site_id, article_url):
    """A held check stored as an older version would have stored it, link unchecked."""
    from service.storage import now

    storage.comments.record(site_id, [{
        "site_id": site_id, "request_id": "r", "source": "api", "comment_id": "old-1", "thread_id": None,
        "article_url": article_url, "text": TOXIC, "metadata": "{}", "scores": '{"toxicity": 0.9}',
        "verdict": "hold", "flagged": '["toxicity"]', "reasons": "[]", "spam": 0, "model_version": "m",
        "review_status": "pending", "created_at": now(),
    }])


def test_a_stored_javascript_link_is_not_rendered_as_a_link(browser, site, storage):
    """Even a javascript: URL already in the database never becomes an href in the queue."""
    _store_held(storage, site[0].id, "javascript:fetch('/moderate/x',{method:'POST'})")
    html = browser.get(f"/moderate/sites/{site[0].id}").get_data(as_text=True)
    assert "old-1" in html
    assert "javascript:" not in html


def test_an_http_article_link_is_rendered(app, browser, site):
    check(app.test_client(), site[1], TOXIC, "c-7", article_url="https://news.example.com/a/7")
    html = browser.get(f"/moderate/sites/{site[0].id}").get_data(as_text=True)
    assert 'href="https://news.example.com/a/7"' in html


def test_an_upload_with_5000_columns_keeps_the_cookie_small(browser, site, storage):
    """The refusal of a 5,000-column file names a few columns only: the session cookie stays far below 4 KB and the
    next page loads (it used to answer 431 to every later request)."""
    header = ",".join(["text", "spam"] + [f"column_with_a_long_name_{i}" for i in range(5000)])
    response = browser.upload(site[0].id, (header + "\nhello,1" + ",0" * 5000 + "\n").encode(), name="n" * 3000 + ".csv")
    cookie = response.headers.get("Set-Cookie", "")
    assert len(cookie) < 2000, len(cookie)
    page = browser.get(f"/moderate/sites/{site[0].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "nothing was imported" in html and "and 4995 more" in html
    assert storage.feedback.count(site[0].id) == 0


def test_an_upload_with_a_100000_character_comment_id_is_refused(browser, site, storage):
    """comment_id is bounded like the APIs' ids; nothing of the file is stored."""
    content = f"text,spam,comment_id\nhello,1,ok-1\nworld,0,{'x' * 100_000}\n".encode()
    html = browser.upload(site[0].id, content).get_data(as_text=True)
    html = browser.get(f"/moderate/sites/{site[0].id}").get_data(as_text=True)
    assert "row 3: comment_id is longer than 256 characters" in html
    assert storage.feedback.count(site[0].id) == 0
