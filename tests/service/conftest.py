"""Fixtures of the service tests: an app over the tiny model, sites with keys, a real HTTP server, and a validator of
native responses against the app's own OpenAPI document."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from harness import APP_ENVIRONMENT, SITE_A, SITE_B, LiveServer, make_app
from service.openapi import document


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """The app's environment variables are unset unless a test sets them."""
    for name in APP_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app(tmp_path, tiny_model_path):
    """A fresh app (own instance directory and database) over the tiny model."""
    return make_app(tmp_path / "instance", tiny_model_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def storage(app):
    return app.extensions["moderation.storage"]


@pytest.fixture
def site_a(storage):
    """Site A and one of its keys."""
    site = storage.sites.create(SITE_A)
    key, _ = storage.keys.create(site.id)
    return site, key


@pytest.fixture
def site_b(storage):
    """Site B and one of its keys."""
    site = storage.sites.create(SITE_B)
    key, _ = storage.keys.create(site.id)
    return site, key


@pytest.fixture
def auth(site_a):
    """Headers authenticating as site A."""
    return {"Authorization": f"Bearer {site_a[1]}"}


@pytest.fixture(scope="session")
def openapi_spec():
    return document()


@pytest.fixture(scope="session")
def validate(openapi_spec):
    """``validate(response, path, method)``: the JSON body matches the OpenAPI schema for its status."""
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(openapi_spec, default_specification=DRAFT202012)
    )

    def check(response, path: str, method: str = "post") -> dict[str, Any]:
        status = str(response.status_code)
        responses = openapi_spec["paths"][path][method]["responses"]
        assert status in responses, f"{method.upper()} {path} answered {status}, which the document does not list"
        pointer = "/".join(
            p.replace("~", "~0").replace("/", "~1")
            for p in ("paths", path, method, "responses", status, "content", "application/json", "schema")
        )
        body = response.get_json() if hasattr(response, "get_json") else response.json()
        Draft202012Validator({"$ref": f"urn:openapi#/{pointer}"}, registry=registry).validate(body)
        return body

    return check


@pytest.fixture(scope="module")
def live(tmp_path_factory, tiny_model_path) -> Iterator[LiveServer]:
    """A real HTTP server over a module-wide app; tests create their own sites on it."""
    for name in APP_ENVIRONMENT:
        os.environ.pop(name, None)
    server = LiveServer(make_app(tmp_path_factory.mktemp("live"), tiny_model_path))
    yield server
    server.close()


@pytest.fixture(scope="session")
def shared_live(tmp_path_factory, tiny_model_path) -> Iterator[LiveServer]:
    """One real HTTP server for the whole session, for the tests of real clients (Google's library, Coral's phase,
    WordPress's plugin); each test module creates its own sites on it."""
    for name in APP_ENVIRONMENT:
        os.environ.pop(name, None)
    server = LiveServer(make_app(tmp_path_factory.mktemp("shared-live"), tiny_model_path))
    yield server
    server.close()
