"""Helpers of the moderators' loop tests: the app factory call, sample data, an API check, and a form-posting
test client that signs in and carries the CSRF token."""

from __future__ import annotations

import io
import re
from pathlib import Path

from service import create_app
from service.moderate import register

DATA = Path(__file__).parents[1] / "data"
SITE = "https://news.example.com"
OTHER_SITE = "https://other.example.org"
PASSWORD = "correct horse battery"
TOXIC = "You are a complete idiot and should shut up."
#: Thresholds that hold (not reject) what the tiny model finds abusive or spammy.
HOLDING_POLICY = {"thresholds": {"toxicity": {"hold": 0.3, "reject": 1.0},
                                 "spam": {"hold": 0.3, "reject": 1.0}}}
ENVIRONMENT = ("MODERATION_INSTANCE", "MODERATION_DB", "MODERATION_DATABASE_URL", "DATABASE", "MODERATION_MODEL",
               "MODERATION_MODEL_DIR", "MODERATION_SECRET_KEY",
               "MODERATION_MODEL_CHECK_INTERVAL")

def make_app(instance: Path, model: Path, **config):
    app = create_app({
        "INSTANCE_PATH": str(instance),
        "MODEL_PATH": str(model),
        "MODEL_CHECK_INTERVAL": 0.0,
        "RETRAIN_PARAMS": {"n_features": 2**12},
        "RETRAIN_RECIPE": "none",  # the tiny model's labels; the shared datasets would take minutes
        **config,
    })
    if "moderate" not in app.blueprints:  # until create_app registers the pages itself
        register(app)
    return app


def check(client, key: str, text: str, comment_id: str, **extra) -> dict:
    """Check a comment through the native API, as a site would."""
    response = client.post("/v1/comments/check", json={"text": text, "comment_id": comment_id, **extra},
                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Browser:
    """A test client that signs in and posts forms with the page's CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        body = response.get_data(as_text=True)
        if 'name="csrf_token"' in body:
            self.token = csrf_of(body)
        return response

    def post(self, url: str, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)

    def upload(self, site_id: int, content: bytes, name: str = "labels.csv", **kwargs):
        """Post a labeled CSV from the site's queue page, as its upload form does."""
        self.get(f"/moderate/sites/{site_id}")
        return self.client.post(
            f"/moderate/sites/{site_id}/upload",
            data={"csrf_token": self.token, "file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
            **kwargs,
        )

    def login(self, username: str = "mod", password: str = PASSWORD):
        self.get("/moderate/login")
        response = self.post("/moderate/login", {"username": username, "password": password})
        if response.status_code == 302:
            self.get("/moderate/", follow_redirects=True)  # signing in starts a new session with a new token
        return response
