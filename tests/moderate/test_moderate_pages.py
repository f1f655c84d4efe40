"""The /moderate pages: sign-in, CSRF, the queue with highlighted reasons, decisions stored as feedback, uploads."""

from __future__ import annotations

import time

import pytest
from loop_harness import OTHER_SITE, PASSWORD, TOXIC, Browser, check


def test_pages_need_a_signed_in_moderator(app, site, moderator):
    """Anonymous visitors are sent to the sign-in page."""
    response = app.test_client().get(f"/moderate/sites/{site[0].id}")
    assert response.status_code == 302
    assert "/moderate/login" in response.headers["Location"]


def test_wrong_password_is_refused(app, moderator):
    """A wrong password signs nobody in."""
    b = Browser(app.test_client())
    response = b.login(password="wrong password")
    assert response.status_code == 401
    assert "wrong password" in response.get_data(as_text=True)
    assert b.get("/moderate/").status_code == 302


def test_every_post_needs_the_csrf_token(browser, held, site, storage):
    """A POST without the session's CSRF token changes nothing."""
    for token in (None, "forged"):
        data = {"one": "1:spam"} if token is None else {"one": "1:spam", "csrf_token": token}
        response = browser.client.post(f"/moderate/sites/{site[0].id}/decide", data=data)
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)
    assert storage.feedback.get(site[0].id, "c-1") is None


def test_unknown_user_is_refused_like_a_wrong_password(app, moderator):
    b = Browser(app.test_client())
    response = b.login(username="nobody")
    assert response.status_code == 401
    assert "Unknown user or wrong password" in response.get_data(as_text=True)


def test_login_form_needs_the_csrf_token(app, moderator):
    """Even signing in is a form with a CSRF token (no login CSRF)."""
    response = app.test_client().post("/moderate/login", data={"username": "mod", "password": PASSWORD})
    assert response.status_code == 400


def test_queue_shows_held_comment_with_highlighted_reasons(browser, held, site):
    """The queue lists the held comment, its author, its scores, and marks the reason words in the text."""
    html = browser.get(f"/moderate/sites/{site[0].id}").get_data(as_text=True)
    assert "Troll" in html and "troll@example.net" in html
    assert '<mark class="reason reason-toxicity" title="toxicity">idiot</mark>' in html
    assert "toxicity" in html and "<meter" in html


def test_comment_text_is_escaped(app, browser, site):
    """Comment text is HTML-escaped, also inside highlighted spans."""
    check(app.test_client(), site[1], "<script>alert(1)</script> " + TOXIC, "c-x")
    html = browser.get(f"/moderate/sites/{site[0].id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_rejecting_stores_moderator_feedback_and_leaves_the_queue(browser, held, site, storage):
    """Reject as abuse stores feedback with source 'moderator' and the comment leaves the queue."""
    response = browser.post(f"/moderate/sites/{site[0].id}/decide", {"one": "1:abuse"})
    assert response.status_code == 302
    stored = storage.feedback.get(site[0].id, "c-1")
    assert stored.source == "moderator"
    assert stored.decision == "abusive"
    assert stored.labels["toxicity"] == 1.0
    assert stored.moderator == "mod"
    assert stored.text == TOXIC
    assert "Nothing is waiting" in browser.get(f"/moderate/sites/{site[0].id}").get_data(as_text=True)


def test_bulk_actions_decide_every_selected_comment(app, browser, site, storage):
    """Bulk approve decides each selected comment."""
    client = app.test_client()
    for i in range(3):
        check(client, site[1], f"you idiot number {i}", f"b-{i}")
    browser.get(f"/moderate/sites/{site[0].id}")
    ids = [r[0] for r in storage.db.execute("SELECT id FROM comments WHERE comment_id LIKE 'b-%'")]
    response = browser.client.post(f"/moderate/sites/{site[0].id}/decide",
                                   data={"csrf_token": browser.token, "action": "approve", "ids": ids[:2]})
    assert response.status_code == 302
    assert [storage.feedback.get(site[0].id, f"b-{i}") is not None for i in range(3)] == [True, True, False]
    assert storage.feedback.get(site[0].id, "b-0").decision == "approved"


def test_uncertain_order_lists_closest_to_threshold_first(app, browser, site):
    """Most uncertain first puts the comment whose score is nearest its hold threshold on top."""
    client = app.test_client()
    check(client, site[1], TOXIC, "sure")
    check(client, site[1], "idiot", "unsure")
    html = browser.get(f"/moderate/sites/{site[0].id}?order=uncertain").get_data(as_text=True)
    newest = browser.get(f"/moderate/sites/{site[0].id}").get_data(as_text=True)
    assert newest.index("#unsure") < newest.index("#sure")
    assert "most uncertain first</strong>" in html


def test_moderator_sees_only_granted_sites(app, browser, other_site, storage):
    """Another site's queue, decisions and models are not found for a moderator without a grant."""
    site_id = other_site[0].id
    check(app.test_client(), other_site[1], TOXIC, "o-1")
    assert browser.get(f"/moderate/sites/{site_id}").status_code == 404
    assert browser.post(f"/moderate/sites/{site_id}/decide", {"one": "1:spam"}).status_code == 404
    assert browser.get(f"/moderate/sites/{site_id}/models").status_code == 404
    assert storage.feedback.get(site_id, "o-1") is None
    assert OTHER_SITE not in browser.get("/moderate/", follow_redirects=True).get_data(as_text=True)


def test_a_check_id_of_another_site_is_refused(app, browser, site, other_site, storage):
    """A stored comment of another site cannot be decided through a granted site's form."""
    check(app.test_client(), other_site[1], TOXIC, "o-2")
    foreign = storage.db.execute("SELECT id FROM comments WHERE comment_id = 'o-2'").fetchone()[0]
    browser.get(f"/moderate/sites/{site[0].id}")
    response = browser.post(f"/moderate/sites/{site[0].id}/decide", {"one": f"{foreign}:spam"},
                            follow_redirects=True)
    assert "Nothing was decided" in response.get_data(as_text=True)
    assert storage.feedback.get(other_site[0].id, "o-2") is None


def _upload(browser, site_id, content: bytes, name="labels.csv"):
    return browser.upload(site_id, content, name, follow_redirects=True)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"comment,label\nhello,1\n", "no &#39;text&#39; column"),
        (b"text,colour\nhello,1\n", "no label column"),
        (b"text,spam\nhello,1\nbye,7\n", "must lie in [0, 1]"),
        ("text,spam\ncaf\u00e9,1\n".encode("latin-1"), "not valid UTF-8"),
        (b"text,spam\n,1\n", "empty text"),
        (b"", "empty"),
    ],
)
def test_bad_uploads_say_why_and_store_nothing(browser, site, storage, content, message):
    """A bad CSV is refused with a message naming the problem, and no row is stored."""
    html = _upload(browser, site[0].id, content).get_data(as_text=True)
    assert "nothing was imported" in html
    assert message in html
    assert storage.feedback.count(site[0].id) == 0


def test_oversize_upload_is_refused(app, browser, site, storage):
    """A file above the upload limit is refused."""
    app.config["UPLOAD_MAX_BYTES"] = 100
    html = _upload(browser, site[0].id, b"text,spam\n" + b"spam spam spam,1\n" * 20).get_data(as_text=True)
    assert "at most 100 bytes" in html
    assert storage.feedback.count(site[0].id) == 0


def test_good_upload_stores_every_row(browser, site, storage):
    """A valid labeled CSV becomes the site's feedback, one row per comment."""
    from loop_harness import DATA

    html = _upload(browser, site[0].id, (DATA / "tiny_labeled.csv").read_bytes()).get_data(as_text=True)
    assert "imported 40 labeled comment(s)" in html
    assert storage.feedback.count(site[0].id) == 40


@pytest.mark.parametrize("via", ["page", "csv upload", "feedback import command"])
def test_a_decision_leaves_the_queue_the_same_way_whatever_its_origin(app, browser, site, storage, via, tmp_path):
    """The same spam decision on a held comment, taken on the page, uploaded as CSV or imported on the command line,
    takes it out of the queue, stores the same feedback and counts it once as missed spam."""
    from moderation.cli import main

    check(app.test_client(), site[1], TOXIC, "q-1")
    (held,) = storage.comments.review_queue(site[0].id)
    assert storage.usage.get(site[0].id).missed_spam == 0
    if via == "page":
        browser.get(f"/moderate/sites/{site[0].id}")
        browser.post(f"/moderate/sites/{site[0].id}/decide", {"one": f"{held.id}:spam"})
    elif via == "csv upload":
        _upload(browser, site[0].id, f"comment_id,text,spam\nq-1,{TOXIC},1\n".encode())
    else:
        labels = tmp_path / "labels.csv"
        labels.write_text(f"comment_id,text,spam\nq-1,{TOXIC},1\n")
        assert main(["feedback", "import", str(labels), "--site", site[0].url, "--db", str(storage.path)]) == 0
    assert storage.comments.review_queue(site[0].id) == []
    stored = storage.feedback.get(site[0].id, "q-1")
    assert (stored.decision, stored.source, stored.labels, stored.text) == ("spam", "moderator", {"spam": 1.0}, TOXIC)
    assert storage.usage.get(site[0].id).missed_spam == 1


def test_retrain_job_runs_in_background_and_reports_progress(browser, site, storage):
    """The retrain button starts a job whose progress is readable as JSON until it ends with a new version."""
    from loop_harness import DATA

    _upload(browser, site[0].id, (DATA / "tiny_labeled.csv").read_bytes())
    response = browser.post(f"/moderate/sites/{site[0].id}/retrain", {})
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("job=", 1)[1])
    deadline = time.time() + 60
    while True:
        job = browser.client.get(f"/moderate/jobs/{job_id}").get_json()
        if job["status"] not in ("queued", "running") or time.time() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    html = browser.get(f"/moderate/sites/{site[0].id}/models").get_data(as_text=True)
    assert "site-1-v1-" in html
    versions = storage.models.list(site[0].id)
    assert len(versions) == 1 and versions[0].status == "candidate"  # auto-promotion was not asked for
    report = browser.get(f"/moderate/sites/{site[0].id}/models/{versions[0].id}/report")
    assert report.status_code == 200
    assert "Promotion gate" in report.get_data(as_text=True)
    image = browser.client.get(f"/moderate/sites/{site[0].id}/models/{versions[0].id}/report/curves.png")
    assert image.status_code == 200 and image.data[:4] == b"\x89PNG"


def test_logout_ends_the_session(browser):
    """After signing out, pages ask to sign in again."""
    browser.get("/moderate/sites/1")
    assert browser.post("/moderate/logout").status_code == 302
    assert browser.client.get("/moderate/sites/1").status_code == 302


def _version(app, storage, site_id, tiny_frame, name):
    from moderation.retraining.report import make_report
    from moderation.training import Source, train
    from service.retraining import registry as site_registry
    from service.retraining import scope_of

    registry = site_registry(storage, app.instance_path)
    directory = registry.new_version_dir(scope_of(site_id), name)
    train([Source("tiny", tiny_frame)], params={"n_features": 2**12}, validation=0.0, progress=False,
          extra_metadata={"model_id": name}).save(directory / "model.joblib")
    make_report({"spam": [0, 0, 1, 1]}, {"spam": [0.1, 0.2, 0.7, 0.8]}, {"spam": (0.5, 0.9)},
                directory / "report", title=name)
    return registry.register(directory / "model.joblib", scope=scope_of(site_id))


def test_models_page_promotes_and_rolls_back(app, browser, site, storage, tiny_frame):
    """Promote makes a version active (and served); rollback returns the site to the global model."""
    v = _version(app, storage, site[0].id, tiny_frame, "page-model")
    browser.get(f"/moderate/sites/{site[0].id}/models")
    html = browser.post(f"/moderate/sites/{site[0].id}/models/{v.id}/promote", follow_redirects=True)
    html = html.get_data(as_text=True)
    assert "is now active" in html
    assert '<strong id="serving-version">page-model</strong>' in html
    html = browser.post(f"/moderate/sites/{site[0].id}/models/rollback", follow_redirects=True).get_data(as_text=True)
    assert "the global model is active" in html
    assert storage.models.active_path(site[0].id) is None


def test_report_page_applies_the_suggested_threshold_to_the_site_policy(app, browser, site, storage, tiny_frame):
    """The report suggests a hold threshold; applying it stores it in the site's policy."""
    v = _version(app, storage, site[0].id, tiny_frame, "reported")
    html = browser.get(f"/moderate/sites/{site[0].id}/models/{v.id}/report").get_data(as_text=True)
    assert "Suggested hold threshold" in html and "Apply to the site" in html
    browser.post(f"/moderate/sites/{site[0].id}/policy/threshold", {"label": "spam", "hold": "0.7"})
    assert storage.sites.get(site[0].id).policy["thresholds"]["spam"] == {"hold": 0.7, "reject": 1.0}


def test_a_second_retrain_of_a_site_waits_for_the_first(browser, site, storage):
    """While a retrain job of the site is running, the button does not start another."""
    job = storage.jobs.create("retrain", site[0].id)
    storage.jobs.update(job, status="running")
    browser.get(f"/moderate/sites/{site[0].id}/models")
    html = browser.post(f"/moderate/sites/{site[0].id}/retrain", {}, follow_redirects=True).get_data(as_text=True)
    assert f"retrain job #{job} of this site is still running" in html
