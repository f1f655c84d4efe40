"""The moderators' loop in a real browser: Debian's Chromium, headless, driven by Playwright, against a real server.

Sign in, see a held comment with its reasons highlighted, reject it with the keyboard, find the feedback stored,
upload labeled comments, retrain a small model in the background, promote it, and see the API answer with it.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import httpx
import pytest
from loop_harness import DATA, HOLDING_POLICY, PASSWORD, SITE, TOXIC, make_app
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


@pytest.fixture
def server(tmp_path, tiny_model_path):
    """The app with the moderation pages, served by werkzeug on 127.0.0.1, with a site, its key and a moderator."""
    app = make_app(tmp_path / "instance", tiny_model_path)
    storage = app.extensions["moderation.storage"]
    site = storage.sites.create(SITE)
    storage.sites.update(site.id, policy=HOLDING_POLICY)
    key, _ = storage.keys.create(site.id)
    storage.users.create("mod", generate_password_hash(PASSWORD), [site.id])
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{http.server_port}", "key": key, "site": site, "storage": storage}
    http.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()


def _check(server, text: str, comment_id: str) -> dict:
    response = httpx.post(f"{server['url']}/v1/comments/check", json={"text": text, "comment_id": comment_id,
                          "author": "Troll"}, headers={"Authorization": f"Bearer {server['key']}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_moderator_reviews_retrains_and_promotes(server, page):
    """The whole loop, as a moderator does it."""
    from playwright.sync_api import expect

    storage, site = server["storage"], server["site"]
    first = _check(server, TOXIC, "held-1")
    assert first["verdict"] == "hold"

    page.goto(server["url"] + "/moderate/login")
    page.fill("input[name=username]", "mod")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Review queue")
    item = page.locator("article.item").first
    expect(item).to_contain_text("Troll")
    expect(item.locator("mark.reason", has_text="idiot")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

    page.keyboard.press("x")  # reject as abuse, from the keyboard
    expect(page.locator(".flash")).to_contain_text("1 comment(s) decided: abuse")
    expect(page.locator("p.empty")).to_be_visible()
    stored = storage.feedback.get(site.id, "held-1")
    assert stored.source == "moderator" and stored.decision == "abusive" and stored.moderator == "mod"

    page.set_input_files("input[type=file]", str(DATA / "tiny_labeled.csv"))
    page.click("#upload")
    expect(page.locator(".flash")).to_contain_text("imported 40 labeled comment(s)")

    page.click("header >> text=Models")
    page.click("#retrain")
    expect(page.locator("table.models tbody tr").first).to_contain_text("site-1-v1-", timeout=60_000)
    expect(page.locator("#job .status")).to_have_text("succeeded")
    version = page.locator("table.models tbody tr").first.get_attribute("data-version")

    row = page.locator("table.models tbody tr").first
    force = row.locator("input[name=force]")
    if force.count():
        force.check()  # the tiny candidate may fail the gate against a model that saw every row
    row.locator("button.promote").click()
    expect(page.locator(".flash")).to_contain_text(f"Model {version} is now active")
    expect(page.locator("#serving-version")).to_have_text(version)

    deadline = time.time() + 30
    answer = _check(server, TOXIC, "after-promotion")
    while answer["model_version"] != version and time.time() < deadline:
        time.sleep(0.1)
        answer = _check(server, TOXIC, "after-promotion")
    assert answer["model_version"] == version
    assert answer["model_version"] != first["model_version"]

    page.locator("table.models a", has_text=version).click()
    expect(page.locator("h1")).to_contain_text(version)
    expect(page.locator("img[alt='curves.png']")).to_be_visible()
