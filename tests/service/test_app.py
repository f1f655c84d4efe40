"""The app as a whole: configuration, error handling, health, readiness, metrics and the OpenAPI document."""

from __future__ import annotations

import logging
import shutil

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from harness import CLEAN, make_app
from moderation.persistence import sidecar_path
from service import create_app
from service.config import load_config


def test_config_is_defaults_then_mapping_then_environment(tmp_path, monkeypatch):
    """A mapping overrides the defaults, and the environment overrides the mapping."""
    config = load_config({"MAX_BATCH": 7, "INSTANCE_PATH": str(tmp_path)}, environ={})
    assert config["MAX_BATCH"] == 7 and config["MAX_COMMENT_BYTES"] == 20 * 1024
    assert config["DATABASE"] == str(tmp_path / "moderation.sqlite3")
    config = load_config(
        {"MAX_BATCH": 7},
        environ={
            "MODERATION_MAX_BATCH": "9",
            "MODERATION_INSTANCE": str(tmp_path),
            "DATABASE": "/tmp/a.db",
            "MODERATION_DB": str(tmp_path / "b.db"),
        },
    )
    assert config["MAX_BATCH"] == 9 and config["DATABASE"] == str(tmp_path / "b.db")


def test_a_malformed_environment_variable_is_named(tmp_path):
    with pytest.raises(ValueError, match="MODERATION_MAX_BATCH"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, environ={"MODERATION_MAX_BATCH": "lots"})


def test_the_factory_puts_shared_objects_in_extensions(app):
    assert {"moderation.storage", "moderation.models", "moderation.checker"} <= set(app.extensions)
    assert app.extensions["moderation.models"].ready


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("get", "/nowhere", 404, "native"),
        ("delete", "/v1/comments/check", 405, "native"),
        ("post", "/v1/model", 405, "native"),
        ("post", "/1.1/unknown", 404, "akismet"),
        ("get", "/1.1/submit-spam", 405, "akismet"),
        ("get", "/v1alpha1/comments:analyze", 405, "perspective"),
    ],
)
def test_routing_errors_answer_in_each_apis_dialect(client, method, path, status, kind):
    """Unknown routes and methods are JSON (native, Google-style for Perspective) or plain text (Akismet)."""
    response = getattr(client, method)(path)
    assert response.status_code == status
    if kind == "native":
        assert response.get_json()["error"]["code"] in ("not_found", "method_not_allowed")
    elif kind == "perspective":
        assert response.get_json()["error"]["code"] == status
    else:
        assert response.mimetype == "text/plain"
    if status == 405:
        assert response.headers["Allow"]


def test_a_body_over_the_limit_is_413_json(tmp_path, tiny_model_path):
    app = make_app(tmp_path, tiny_model_path, MAX_CONTENT_LENGTH=1000)
    store = app.extensions["moderation.storage"]
    key, _ = store.keys.create(store.sites.create("https://a.example").id)
    response = app.test_client().post(
        "/v1/comments/check",
        data=b"{" + b" " * 2000 + b"}",
        headers={"X-API-Key": key, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    akismet = app.test_client().post("/1.1/comment-check", data={"comment_content": "x" * 2000})
    assert akismet.status_code == 413 and akismet.mimetype == "text/plain"


def test_unexpected_errors_are_logged_and_answered_without_details(app, caplog):
    """A bug answers a generic JSON 500 with the request id; the traceback goes to the log only."""

    def broken():
        raise RuntimeError("secret internals")

    app.add_url_rule("/v1/broken", view_func=broken)
    with caplog.at_level(logging.ERROR, logger="service"):
        response = app.test_client().get("/v1/broken", headers={"X-Request-Id": "req-42"})
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"code": "internal_error", "message": "internal error; the server logged it", "request_id": "req-42"}
    }
    assert "secret internals" not in response.get_data(as_text=True)
    assert "req-42" in caplog.text and "secret internals" in caplog.text


def test_request_ids_are_echoed_or_made(client):
    assert client.get("/healthz", headers={"X-Request-Id": "abc-1"}).headers["X-Request-Id"] == "abc-1"
    made = client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"}).headers["X-Request-Id"]
    assert len(made) == 32


def test_health_readiness_and_metrics_need_no_key(client, validate):
    assert validate(client.get("/healthz"), "/healthz", "get") == {"status": "ok"}
    assert validate(client.get("/readyz"), "/readyz", "get")["status"] == "ready"
    assert client.get("/metrics").status_code == 200
    assert client.get("/openapi.json").get_json()["openapi"] == "3.1.0"


def test_openapi_json_is_the_document_responses_are_validated_against(client, openapi_spec):
    assert client.get("/openapi.json").get_json() == openapi_spec


def test_readyz_is_503_until_the_model_file_exists(tmp_path, tiny_model_path, validate):
    """The app starts without its model; /readyz and checks answer 503 until the file appears, then it is used."""
    model = tmp_path / "models" / "m.joblib"
    app = make_app(tmp_path / "instance", model, MODEL_CHECK_INTERVAL=0.0)
    client = app.test_client()
    store = app.extensions["moderation.storage"]
    key, _ = store.keys.create(store.sites.create("https://a.example").id)
    response = client.get("/readyz")
    assert response.status_code == 503 and "model not loaded" in validate(response, "/readyz", "get")["problems"][0]
    check = client.post("/v1/comments/check", json={"text": "hi"}, headers={"X-API-Key": key})
    assert check.status_code == 503 and validate(check, "/v1/comments/check")["error"]["code"] == "model_unavailable"
    model.parent.mkdir()
    shutil.copy(tiny_model_path, model)
    shutil.copy(sidecar_path(tiny_model_path), sidecar_path(model))
    assert client.get("/readyz").status_code == 200
    assert client.post("/v1/comments/check", json={"text": "hi"}, headers={"X-API-Key": key}).status_code == 200


def test_metrics_count_requests_latency_and_verdicts(client, auth):
    """Requests are counted by route pattern and status, timed, and verdicts counted overall and per label."""

    def value(text, line_start):
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start))

    before = client.get("/metrics").get_data(as_text=True)
    client.post("/v1/comments/check", json={"text": CLEAN}, headers=auth)
    client.post("/v1/comments/check", json={"text": 1}, headers=auth)
    after = client.get("/metrics").get_data(as_text=True)
    ok = 'moderation_http_requests_total{endpoint="/v1/comments/check",method="POST",status="200"}'
    bad = 'moderation_http_requests_total{endpoint="/v1/comments/check",method="POST",status="422"}'
    assert value(after, ok) - value(before, ok) == 1 and value(after, bad) - value(before, bad) == 1
    approved = 'moderation_verdicts_total{api="api",verdict="approve"}'
    assert value(after, approved) - value(before, approved) == 1
    per_label = 'moderation_label_verdicts_total{label="toxicity",verdict="approve"}'
    assert value(after, per_label) - value(before, per_label) == 1
    count = 'moderation_http_request_duration_seconds_count{endpoint="/v1/comments/check"}'
    assert value(after, count) - value(before, count) == 2


def test_the_openapi_document_is_coherent(openapi_spec, app):
    """Every schema is valid JSON Schema 2020-12, every $ref resolves, and every native route is documented."""
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(openapi_spec, default_specification=DRAFT202012)
    )
    resolver = registry.resolver("urn:openapi")
    for schema in openapi_spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(openapi_spec)
    for ref in refs:
        resolver.lookup(ref)
    routes = {
        rule.rule.replace("<path:comment_id>", "{comment_id}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/v1/") or rule.rule in ("/healthz", "/readyz", "/metrics")
    }
    assert routes <= set(openapi_spec["paths"])


def test_create_app_reads_the_environment(tmp_path, tiny_model_path, monkeypatch):
    monkeypatch.setenv("MODERATION_INSTANCE", str(tmp_path / "inst"))
    monkeypatch.setenv("MODERATION_MODEL", str(tiny_model_path))
    app = create_app()
    assert app.config["DATABASE"] == str(tmp_path / "inst" / "moderation.sqlite3")
    assert (tmp_path / "inst" / "moderation.sqlite3").exists()
