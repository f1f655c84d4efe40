"""The OpenAPI 3.1 document of the native API (``GET /openapi.json``).

Schemas are JSON Schema 2020-12, so the tests validate every native response against them with ``jsonschema``. The
service itself does not validate against them at run time: the views check requests by hand, which is faster and
gives messages that name the field and the fix.
"""

from __future__ import annotations

import copy
from typing import Any

from moderation import __version__
from moderation.labels import LABELS

__all__ = ["document"]

_STR_OR_NULL = {"type": ["string", "null"]}
_PROBABILITY = {"type": "number", "minimum": 0, "maximum": 1}
_VERDICT = {
    "type": "string",
    "enum": ["approve", "hold", "reject"],
    "description": "approve: publish; hold: keep for a moderator; reject: refuse",
}
_LABEL = {"type": "string", "enum": list(LABELS)}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(
    properties: dict[str, Any], required: list[str] | None = None, description: str | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    schema["required"] = list(properties) if required is None else required
    if description:
        schema["description"] = description
    return schema


_COMMENT_PROPERTIES: dict[str, Any] = {
    "text": {"type": "string", "description": "The comment as written; at most 20 KB of UTF-8."},
    "author": _STR_OR_NULL,
    "author_email": _STR_OR_NULL,
    "author_url": _STR_OR_NULL,
    "user_ip": _STR_OR_NULL,
    "user_agent": _STR_OR_NULL,
    "referrer": _STR_OR_NULL,
    "permalink": _STR_OR_NULL,
    "comment_type": _STR_OR_NULL,
    "created_at": {"type": ["string", "null"], "description": "When it was posted (ISO 8601)."},
    "comment_id": {
        "type": ["string", "integer", "null"],
        "description": "Your id of the comment: feedback refers to it.",
    },
    "thread_id": {"type": ["string", "integer", "null"], "description": "Your id of the article or thread."},
    "article_id": {"type": ["string", "integer", "null"], "description": "Same as thread_id."},
    "article_url": _STR_OR_NULL,
}
_REQUEST_OPTIONS: dict[str, Any] = {
    "store": {
        "type": "boolean",
        "default": True,
        "description": "false: keep nothing of this request (counters still count it).",
    },
    "site": {
        "type": "string",
        "description": "Optional: the site this request is for; must be the key's site (else 403).",
    },
}

_CHECK_RESULT: dict[str, Any] = {
    "comment_id": _STR_OR_NULL,
    "scores": {"type": "object", "additionalProperties": _PROBABILITY, "description": "Probability per label."},
    "verdict": _VERDICT,
    "flagged": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Labels that reached their hold threshold, most likely first.",
    },
    "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}},
    "spam": {
        "type": "boolean",
        "description": "Akismet's answer: the spam label reached its hold threshold or a site rule fired.",
    },
    "model_version": {"type": "string"},
    "stored": {"type": "boolean", "description": "Whether the comment was kept (review queue, audit sample)."},
}

_SCHEMAS: dict[str, Any] = {
    "Comment": _obj(_COMMENT_PROPERTIES, ["text"], "A comment, its Akismet-style metadata and your ids."),
    "CheckRequest": _obj({**_COMMENT_PROPERTIES, **_REQUEST_OPTIONS}, ["text"]),
    "BatchCheckRequest": _obj(
        {
            "comments": {
                "type": "array",
                "items": _ref("Comment"),
                "minItems": 1,
                "description": "At most MODERATION_MAX_BATCH (default 100) comments.",
            },
            **_REQUEST_OPTIONS,
        },
        ["comments"],
    ),
    "Reason": _obj(
        {
            "label": {"type": "string", "description": "The label this reason pushed up (policy: a site rule)."},
            "kind": {"type": "string", "enum": ["text", "signal", "rule"]},
            "description": {"type": "string", "description": "What a moderator reads."},
            "weight": {"type": ["number", "null"], "description": "Contribution to the label's logit; null for rules."},
            "feature": _STR_OR_NULL,
            "text": {"type": ["string", "null"], "description": "The words as written."},
            "start": {"type": ["integer", "null"], "description": "Offset of text in the comment (code points)."},
            "end": {"type": ["integer", "null"]},
        }
    ),
    "CheckResult": _obj(_CHECK_RESULT),
    "CheckResponse": _obj({"request_id": {"type": "string"}, **_CHECK_RESULT}),
    "BatchCheckResponse": _obj(
        {
            "request_id": {"type": "string"},
            "model_version": {"type": "string"},
            "results": {"type": "array", "items": _ref("CheckResult"), "description": "One per comment, in order."},
        }
    ),
    "FeedbackRequest": _obj(
        {
            "comment_id": {"type": ["string", "integer"]},
            "decision": {
                "type": "string",
                "enum": ["spam", "ham", "not_spam", "abusive", "not_abusive", "approved", "rejected"],
                "description": "not_spam is stored as ham.",
            },
            "labels": {
                "type": "object",
                "propertyNames": _LABEL,
                "additionalProperties": {"type": ["number", "boolean"]},
            },
            "moderator": _STR_OR_NULL,
            "note": _STR_OR_NULL,
            "text": {
                "type": ["string", "null"],
                "description": "The comment's text, if it was not stored at check time.",
            },
            "site": {"type": "string"},
        },
        ["comment_id", "decision"],
    ),
    "FeedbackResponse": _obj(
        {
            "request_id": {"type": "string"},
            "comment_id": {"type": "string"},
            "decision": {"type": "string", "enum": ["spam", "ham", "abusive", "not_abusive", "approved", "rejected"]},
            "labels": {"type": "object", "additionalProperties": _PROBABILITY},
            "moderator": _STR_OR_NULL,
            "note": _STR_OR_NULL,
            "created": {
                "type": "boolean",
                "description": "false when this replaced an earlier decision for the comment.",
            },
            "created_at": {"type": "string"},
            "updated_at": {"type": "string"},
        }
    ),
    "StoredCheck": _obj(
        {
            "thread_id": _STR_OR_NULL,
            "article_url": _STR_OR_NULL,
            "text": {"type": "string"},
            "metadata": {"type": "object"},
            "scores": {"type": "object", "additionalProperties": _PROBABILITY},
            "verdict": _VERDICT,
            "flagged": {"type": "array", "items": {"type": "string"}},
            "reasons": {"type": "array", "items": _ref("Reason")},
            "spam": {"type": "boolean"},
            "model_version": {"type": "string"},
            "review_status": {"type": ["string", "null"], "enum": ["pending", "decided", None]},
            "source": {"type": "string", "enum": ["api", "akismet", "perspective"]},
            "created_at": {"type": "string"},
        }
    ),
    "StoredFeedback": _obj(
        {
            "decision": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": _PROBABILITY},
            "source": {"type": "string", "enum": ["api", "akismet", "perspective", "moderator"]},
            "moderator": _STR_OR_NULL,
            "note": _STR_OR_NULL,
            "text": _STR_OR_NULL,
            "created_at": {"type": "string"},
            "updated_at": {"type": "string"},
        }
    ),
    "StoredComment": _obj(
        {
            "request_id": {"type": "string"},
            "comment_id": {"type": "string"},
            "check": {"oneOf": [_ref("StoredCheck"), {"type": "null"}], "description": "The latest stored check."},
            "feedback": {"oneOf": [_ref("StoredFeedback"), {"type": "null"}]},
        }
    ),
    "Thresholds": _obj({"hold": _PROBABILITY, "reject": _PROBABILITY}, description="hold <= reject"),
    "ModelInfo": _obj(
        {
            "request_id": {"type": "string"},
            "version": {"type": "string"},
            "labels": {"type": "array", "items": {"type": "string"}},
            "thresholds": {
                "type": "object",
                "additionalProperties": _ref("Thresholds"),
                "description": "In effect for the key's site.",
            },
            "metrics": {"type": "object", "description": "Validation metrics recorded when the model was trained."},
            "created": _STR_OR_NULL,
            "sha256": _STR_OR_NULL,
        }
    ),
    "PolicySettings": _obj(
        {
            "thresholds": {
                "type": "object",
                "propertyNames": {"type": "string"},
                "additionalProperties": _ref("Thresholds"),
            },
            "blocked_words": {"type": "array", "items": {"type": "string"}},
            "allowed_words": {"type": "array", "items": {"type": "string"}},
            "blocked_domains": {"type": "array", "items": {"type": "string"}},
        },
        [],
    ),
    "SitePolicy": _obj(
        {
            "request_id": {"type": "string"},
            "site": {"type": "string"},
            "policy": _ref("PolicySettings"),
            "effective": _ref("PolicySettings"),
        }
    ),
    "Usage": _obj(
        {k: {"type": "integer", "minimum": 0} for k in ("api_calls", "spam", "ham", "missed_spam", "false_positives")}
    ),
    "Site": _obj(
        {
            "request_id": {"type": "string"},
            "url": {"type": "string"},
            "name": _STR_OR_NULL,
            "store_comments": {"type": "boolean"},
            "approved_sample_rate": _PROBABILITY,
            "usage": _ref("Usage"),
        }
    ),
    "Error": _obj(
        {
            "error": _obj(
                {
                    "code": {
                        "type": "string",
                        "description": (
                            "Stable: invalid_body, invalid_field, unauthorized, forbidden, not_found, "
                            "method_not_allowed, payload_too_large, model_unavailable, internal_error"
                        ),
                    },
                    "message": {"type": "string"},
                    "field": {"type": "string", "description": "The offending field, e.g. comments[2].text"},
                    "request_id": _STR_OR_NULL,
                },
                ["code", "message", "request_id"],
            )
        }
    ),
    "Health": _obj({"status": {"type": "string", "const": "ok"}}),
    "Ready": {
        "oneOf": [
            _obj({"status": {"const": "ready"}, "model_version": {"type": "string"}}),
            _obj({"status": {"const": "unavailable"}, "problems": {"type": "array", "items": {"type": "string"}}}),
        ]
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ref("Error"), "The body is not JSON, not UTF-8 or not an object."),
    "401": _json(_ref("Error"), "No API key, or an unknown or revoked one."),
    "403": _json(_ref("Error"), "The request names a site other than the key's."),
    "405": _json(_ref("Error"), "Method not allowed."),
    "413": _json(_ref("Error"), "The body is larger than the limit."),
    "422": _json(_ref("Error"), "A field is missing, of the wrong type or out of range; `field` names it."),
    "500": _json(_ref("Error"), "Unexpected error (logged; no details are returned)."),
    "503": _json(_ref("Error"), "No model is loaded for the site."),
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: _ERRORS[code] for code in codes}


_SECURED = [{"bearer": []}, {"apiKey": []}]

_PATHS: dict[str, Any] = {
    "/v1/comments/check": {
        "post": {
            "summary": "Check one comment, or a batch",
            "operationId": "checkComments",
            "security": _SECURED,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"oneOf": [_ref("CheckRequest"), _ref("BatchCheckRequest")]}}
                },
            },
            "responses": {
                "200": _json(
                    {"oneOf": [_ref("CheckResponse"), _ref("BatchCheckResponse")]},
                    "Scores, verdict and reasons (a `results` list for a batch, in order).",
                ),
                **_errors("400", "401", "403", "405", "413", "422", "500", "503"),
            },
        }
    },
    "/v1/comments/feedback": {
        "post": {
            "summary": "Record the moderator's final decision; idempotent on (site, comment_id)",
            "operationId": "recordFeedback",
            "security": _SECURED,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("FeedbackRequest")}}},
            "responses": {
                "200": _json(_ref("FeedbackResponse"), "Stored (created or replaced)."),
                **_errors("400", "401", "403", "405", "413", "422", "500"),
            },
        }
    },
    "/v1/comments/{comment_id}": {
        "get": {
            "summary": "A stored check of one of the site's comments and its recorded decision",
            "operationId": "getComment",
            "security": _SECURED,
            "parameters": [{"name": "comment_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": _json(_ref("StoredComment"), "Found."),
                "404": _json(_ref("Error"), "Nothing stored for this comment id of the key's site."),
                **_errors("401", "405", "500"),
            },
        }
    },
    "/v1/model": {
        "get": {
            "summary": "The model serving the key's site: version, labels, thresholds in effect, metrics",
            "operationId": "getModel",
            "security": _SECURED,
            "responses": {"200": _json(_ref("ModelInfo"), "The model."), **_errors("401", "405", "500", "503")},
        }
    },
    "/v1/site": {
        "get": {
            "summary": "The key's site: URL, storage settings, this month's counters",
            "operationId": "getSite",
            "security": _SECURED,
            "responses": {"200": _json(_ref("Site"), "The site."), **_errors("401", "405", "500")},
        }
    },
    "/v1/site/policy": {
        "get": {
            "summary": "The site's policy settings and the policy in effect",
            "operationId": "getSitePolicy",
            "security": _SECURED,
            "responses": {"200": _json(_ref("SitePolicy"), "The policy."), **_errors("401", "405", "500", "503")},
        },
        "put": {
            "summary": "Replace the site's policy settings (a field left out returns to the model's default)",
            "operationId": "putSitePolicy",
            "security": _SECURED,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("PolicySettings")}}},
            "responses": {
                "200": _json(_ref("SitePolicy"), "The new policy."),
                **_errors("400", "401", "405", "413", "422", "500", "503"),
            },
        },
    },
    "/healthz": {
        "get": {
            "summary": "Liveness",
            "operationId": "healthz",
            "security": [],
            "responses": {"200": _json(_ref("Health"), "The process answers.")},
        }
    },
    "/readyz": {
        "get": {
            "summary": "Readiness: the model is loaded and the database answers",
            "operationId": "readyz",
            "security": [],
            "responses": {
                "200": _json(_ref("Ready"), "Ready."),
                "503": _json(_ref("Ready"), "Not ready; problems say why."),
            },
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics",
            "operationId": "metrics",
            "security": [],
            "responses": {
                "200": {
                    "description": "Prometheus text exposition format.",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
        }
    },
}

_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "Comment moderation API",
        "version": __version__,
        "description": (
            "Spam and abuse scores, verdicts and reasons for news-site comments, from a self-hosted model. "
            "This document covers the native JSON API. The same server also answers Akismet's API (`/1.1/*`, "
            "`/1.2/*`: form-encoded in, plain text out) and Perspective's (`/v1alpha1/comments:analyze`, "
            "`/v1alpha1/comments:suggestscore`), so existing clients switch by changing the base URL."
        ),
    },
    "servers": [{"url": "/"}],
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer KEY"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        },
    },
    "security": _SECURED,
    "paths": _PATHS,
}


def document() -> dict[str, Any]:
    """The OpenAPI document (a fresh copy: callers may change it)."""
    return copy.deepcopy(_DOCUMENT)
