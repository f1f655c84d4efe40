"""Google's API discovery document for the Perspective-compatible endpoints, so Google's own client library works.

Google's Python sample builds its client from a discovery document::

    from googleapiclient import discovery
    client = discovery.build("commentanalyzer", "v1alpha1", developerKey=KEY,
                             discoveryServiceUrl="https://THIS-SERVER/$discovery/rest?version=v1alpha1",
                             static_discovery=False)
    client.comments().analyze(body={"comment": {"text": "..."}, "requestedAttributes": {"TOXICITY": {}}}).execute()

Two URLs answer it, as Google's do: ``/$discovery/rest?version=v1alpha1`` (the API's own host) and
``/discovery/v1/apis/commentanalyzer/v1alpha1/rest`` (the directory form, ``{api}/{apiVersion}``). Any other API name
or version is a 404 in Google's error shape, which the client library reports as ``UnknownApiNameOrVersion``. The
document needs no key (Google's does not either).

``rootUrl`` is where the client sends its calls: ``PUBLIC_URL`` (``$MODERATION_PUBLIC_URL``) when set, which a
server behind a TLS proxy needs, else the scheme and host the request came to. The request and response schemas
list exactly the fields :mod:`service.perspective` accepts and answers.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from .http_errors import google_error

__all__ = ["bp", "document", "API", "VERSION"]

bp = Blueprint("discovery", __name__)

API = "commentanalyzer"
VERSION = "v1alpha1"


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _boolean(description: str) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


def _ref(name: str, description: str = "") -> dict[str, Any]:
    return {"$ref": name, **({"description": description} if description else {})}


def _schemas() -> dict[str, dict[str, Any]]:
    score = {
        "id": "Score",
        "type": "object",
        "properties": {
            "value": {"type": "number", "format": "float", "description": "The model's probability, 0 to 1."},
            "type": {"type": "string", "enum": ["PROBABILITY"], "description": "Only PROBABILITY is served."},
        },
    }
    text_entry = {
        "id": "TextEntry",
        "type": "object",
        "properties": {
            "text": _string("The text."),
            "type": {"type": "string", "enum": ["PLAIN_TEXT"], "description": "Only PLAIN_TEXT is accepted."},
        },
    }
    context = {
        "id": "Context",
        "type": "object",
        "description": "Kept with a stored comment; not used for scoring.",
        "properties": {
            "entries": {"type": "array", "items": _ref("TextEntry")},
            "articleAndParentComment": {"type": "object", "additionalProperties": {"type": "any"}},
        },
    }
    attribute_parameters = {
        "id": "AttributeParameters",
        "type": "object",
        "properties": {
            "scoreType": {"type": "string", "enum": ["PROBABILITY"]},
            "scoreThreshold": {"type": "number", "format": "float", "description": "Leave out lower scores."},
        },
    }
    span_score = {
        "id": "SpanScore",
        "type": "object",
        "properties": {
            "begin": {"type": "integer", "format": "int32"},
            "end": {"type": "integer", "format": "int32"},
            "score": _ref("Score"),
        },
    }
    attribute_scores = {
        "id": "AttributeScores",
        "type": "object",
        "properties": {
            "summaryScore": _ref("Score"),
            "spanScores": {"type": "array", "items": _ref("SpanScore"), "description": "One per sentence."},
        },
    }
    analyze_request = {
        "id": "AnalyzeCommentRequest",
        "type": "object",
        "properties": {
            "comment": _ref("TextEntry", "The comment to score (at most 20 KB of UTF-8)."),
            "context": _ref("Context"),
            "requestedAttributes": {
                "type": "object",
                "additionalProperties": _ref("AttributeParameters"),
                "description": "TOXICITY, INSULT, IDENTITY_ATTACK and SPAM, when the model has that label.",
            },
            "languages": {"type": "array", "items": {"type": "string"}, "description": "Any language is scored."},
            "doNotStore": _boolean("Store nothing about this request."),
            "clientToken": _string("Echoed in the response."),
            "sessionId": _string("Kept with a stored comment."),
            "communityId": _string("Kept with a stored comment."),
            "spanAnnotations": _boolean("Also score each sentence."),
            "dropUnsupportedAttributes": _boolean("Leave out attributes the model cannot score instead of failing."),
        },
    }
    analyze_response = {
        "id": "AnalyzeCommentResponse",
        "type": "object",
        "properties": {
            "attributeScores": {"type": "object", "additionalProperties": _ref("AttributeScores")},
            "languages": {"type": "array", "items": {"type": "string"}},
            "detectedLanguages": {"type": "array", "items": {"type": "string"}},
            "clientToken": _string("The request's clientToken."),
        },
    }
    suggest_request = {
        "id": "SuggestCommentScoreRequest",
        "type": "object",
        "properties": {
            "comment": _ref("TextEntry"),
            "context": _ref("Context"),
            "attributeScores": {
                "type": "object",
                "additionalProperties": _ref("AttributeScores"),
                "description": "The scores a moderator would give; Coral Talk's APPROVED / DELETED are accepted too.",
            },
            "languages": {"type": "array", "items": {"type": "string"}},
            "communityId": _string("Kept with the feedback."),
            "clientToken": _string("Echoed in the response."),
            "sessionId": _string("Kept with the feedback."),
        },
    }
    suggest_response = {
        "id": "SuggestCommentScoreResponse",
        "type": "object",
        "properties": {"clientToken": _string("The request's clientToken.")},
    }
    schemas = [
        score,
        text_entry,
        context,
        attribute_parameters,
        span_score,
        attribute_scores,
        analyze_request,
        analyze_response,
        suggest_request,
        suggest_response,
    ]
    return {s["id"]: s for s in schemas}


def _method(name: str, description: str, request_schema: str, response_schema: str) -> dict[str, Any]:
    path = f"{VERSION}/comments:{name}"
    return {
        "id": f"{API}.comments.{name}",
        "path": path,
        "flatPath": path,
        "httpMethod": "POST",
        "description": description,
        "parameters": {},
        "parameterOrder": [],
        "request": {"$ref": request_schema},
        "response": {"$ref": response_schema},
    }


def document(root_url: str) -> dict[str, Any]:
    """The ``discovery#restDescription`` of this server's Perspective-compatible API, calls sent to ``root_url``."""
    root = root_url if root_url.endswith("/") else root_url + "/"
    query = {"type": "string", "location": "query"}
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": f"{API}:{VERSION}",
        "name": API,
        "version": VERSION,
        "revision": "1",
        "title": "Perspective Comment Analyzer API (self-hosted moderation service)",
        "description": "Scores comments with this server's moderation model in Perspective's request and answer shapes.",
        "ownerDomain": "self-hosted",
        "ownerName": "moderation",
        "protocol": "rest",
        "rootUrl": root,
        "servicePath": "",
        "baseUrl": root,
        "basePath": "",
        "batchPath": "batch",
        "parameters": {
            "key": {**query, "description": "An API key made with `moderation keys create`."},
            "alt": {**query, "enum": ["json"], "default": "json", "description": "Data format for the response."},
            "fields": {**query, "description": "Accepted and ignored: answers are always whole."},
            "prettyPrint": {"type": "boolean", "location": "query", "default": "true"},
            "quotaUser": {**query, "description": "Accepted and ignored."},
            "$.xgafv": {**query, "enum": ["1", "2"], "description": "Accepted and ignored."},
        },
        "schemas": _schemas(),
        "resources": {
            "comments": {
                "methods": {
                    "analyze": _method(
                        "analyze",
                        "Scores the comment for the requested attributes.",
                        "AnalyzeCommentRequest",
                        "AnalyzeCommentResponse",
                    ),
                    "suggestscore": _method(
                        "suggestscore",
                        "Records a moderator's scores for the comment as feedback for retraining.",
                        "SuggestCommentScoreRequest",
                        "SuggestCommentScoreResponse",
                    ),
                }
            }
        },
    }


def _answer(api: str, version: str | None):
    if api != API or version != VERSION:
        wanted = f"{api} {version}" if version else api
        return google_error(
            404, f"Discovery document not found for API service: {wanted}; this server has {API} {VERSION}"
        )
    root = current_app.config.get("PUBLIC_URL") or request.host_url
    return jsonify(document(root))


@bp.get("/$discovery/rest")
def discovery_on_host():
    return _answer(API, request.args.get("version"))


@bp.get("/discovery/v1/apis/<api>/<version>/rest")
def discovery_directory(api: str, version: str):
    return _answer(api, version)

