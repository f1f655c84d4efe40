"""Fixtures of the moderators' loop tests: an app with the /moderate pages over the tiny model, a site whose policy
holds abusive comments for review, a moderator account, and a signed-in test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.security import generate_password_hash

from loop_harness import ENVIRONMENT, HOLDING_POLICY, OTHER_SITE, PASSWORD, SITE, TOXIC, Browser, check, make_app


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app(tmp_path, tiny_model_path):
    return make_app(tmp_path / "instance", tiny_model_path, TESTING=True)


@pytest.fixture
def storage(app):
    return app.extensions["moderation.storage"]


@pytest.fixture
def site(storage):
    """The moderated site, with an API key, holding abusive comments for review."""
    created = storage.sites.create(SITE)
    storage.sites.update(created.id, policy=HOLDING_POLICY)
    key, _ = storage.keys.create(created.id)
    return storage.sites.get(created.id), key


@pytest.fixture
def other_site(storage):
    created = storage.sites.create(OTHER_SITE)
    storage.sites.update(created.id, policy=HOLDING_POLICY)
    key, _ = storage.keys.create(created.id)
    return storage.sites.get(created.id), key


@pytest.fixture
def moderator(storage, site):
    """User ``mod`` who may moderate SITE only."""
    storage.users.create("mod", generate_password_hash(PASSWORD), [site[0].id])
    return "mod"


@pytest.fixture
def browser(app, moderator) -> Iterator[Browser]:
    """A signed-in moderator."""
    b = Browser(app.test_client())
    assert b.login().status_code == 302
    yield b


@pytest.fixture
def held(app, site):
    """One abusive comment checked by the site's API and held for review."""
    result = check(app.test_client(), site[1], TOXIC, "c-1", author="Troll", author_email="troll@example.net")
    assert result["verdict"] == "hold", result
    return result
