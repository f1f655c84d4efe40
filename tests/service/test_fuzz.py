"""Schemathesis over the whole OpenAPI document, in process: every operation of the native, Akismet and Perspective
APIs, with valid and invalid generated requests, answers without a server error, without traceback text and in its
API's dialect (see ``fuzzing.py``). The number of examples is bounded so the suite stays fast; the reliability
benchmark runs the same fuzzer for thousands of requests against a real server."""

from __future__ import annotations

import pytest
import schemathesis

from fuzzing import MODES, Tally, fuzz_operation, operations
from harness import SITE_A
from service.openapi import document

#: Examples per operation and mode: enough for every field to get a wrong type and a boundary value.
EXAMPLES = 40


OPERATIONS = [(op.method.upper(), op.path) for op in operations(schemathesis.openapi.from_dict(document()))]
#: Negative requests need something to break: operations with parameters or a body.
WITH_INPUTS = [
    (method, path)
    for method, path in OPERATIONS
    if {"parameters", "requestBody"} & set(document()["paths"][path][method.lower()])
]
CASES = [(m, p, mode) for mode in MODES for m, p in (OPERATIONS if mode.is_positive else WITH_INPUTS)]


def _sender(client):
    def send(request):
        response = client.open(
            request["path"], method=request["method"], query_string=request["query"], headers=request["headers"],
            data=request["content"],
        )
        return response.status_code, response.headers.get("Content-Type", ""), response.get_data(as_text=True)

    return send


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory, tiny_model_path):
    """One app and site for the whole module (the fuzzer's requests pile up comments in it, as real traffic would)."""
    from harness import make_app

    app = make_app(tmp_path_factory.mktemp("fuzz"), tiny_model_path)
    storage = app.extensions["moderation.storage"]
    site = storage.sites.create(SITE_A)
    key, _ = storage.keys.create(site.id)
    return app, schemathesis.openapi.from_dict(document()), key


def test_the_document_describes_all_three_api_families():
    """The fuzzer can reach every family because the document describes each."""
    paths = {path for _, path in OPERATIONS}
    assert {"/v1/comments/check", "/1.1/comment-check", "/1.2/key-sites", "/v1alpha1/comments:analyze"} <= paths
    assert len(OPERATIONS) >= 18


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{m} {p} {mode.value}" for m, p, mode in CASES])
def test_generated_requests_never_get_a_server_error(fuzzed_app, method, path, mode):
    """Generated requests for this operation get a clean answer, every one."""
    app, schema, key = fuzzed_app
    tally = Tally()
    fuzz_operation(schema[path][method], mode, _sender(app.test_client()), tally, key=key, site_url=SITE_A, examples=EXAMPLES)
    assert tally.sent >= 1
    assert tally.failures == []
