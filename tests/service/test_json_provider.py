"""The app's JSON encoder (orjson) writes the documents Flask's own encoder writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from service.json_provider import FastJSONProvider


@dataclasses.dataclass
class Row:
    id: int
    label: str


@pytest.fixture
def providers():
    app = Flask(__name__)
    fast, default = FastJSONProvider(app), DefaultJSONProvider(app)
    fast.sort_keys = default.sort_keys = False
    return app, fast, default


@pytest.mark.parametrize(
    "value",
    [
        {"text": "Grüße, 東京 🚀", "scores": {"spam": 0.125, "toxicity": 1e-9}, "flagged": [], "stored": True},
        [1, -2, 3.5, None, "x", {"nested": [{"deep": False}]}],
        {"when": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc), "day": dt.date(2025, 1, 2)},
        {"row": Row(1, "spam"), "amount": decimal.Decimal("1.50")},
        {"limit": 99999999999999999999999},
        {"b": 1, "a": 2},
    ],
    ids=["unicode", "nested", "dates", "dataclass-decimal", "huge-int", "key-order"],
)
def test_documents_are_the_ones_flask_writes(providers, value):
    _, fast, default = providers
    assert json.loads(fast.dumps(value)) == json.loads(default.dumps(value))
    assert list(json.loads(fast.dumps(value))) == list(json.loads(default.dumps(value)))  # key order kept


def test_a_response_is_compact_json_with_a_newline(providers):
    app, fast, _ = providers
    with app.app_context():
        response = fast.response(verdict="approve", reasons=[])
    assert response.mimetype == "application/json"
    assert response.get_data() == b'{"verdict":"approve","reasons":[]}\n'


def test_not_a_number_becomes_null(providers):
    """The standard library would write NaN, which no JSON parser accepts."""
    _, fast, _ = providers
    assert fast.dumps({"score": float("nan")}) == '{"score":null}'
