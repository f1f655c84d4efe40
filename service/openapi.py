"""The OpenAPI 3.1 document of the service (``GET /openapi.json``): the native API, and the Akismet- and
Perspective-compatible endpoints as this server answers them.

Schemas are JSON Schema 2020-12, so the tests validate every native response against them with ``jsonschema``, and a
fuzzer (schemathesis) generates requests for every operation from them. The service itself does not validate against
them at run time: the views check requests by hand, which is faster and gives messages that name the field and the
fix. The Akismet form fields are described as Akismet documents them (every value a string); Perspective's bodies
as Google's JSON mapping of its protocol buffers.
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
                            "method_not_allowed, payload_too_large, model_unavailable, overloaded, internal_error"
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


# -- the compatible APIs ----------------------------------------------------------------------------------------

_STRING = {"type": "string"}
_AKISMET_COMMENT_FIELDS = (
    "user_agent", "referrer", "permalink", "comment_type", "comment_author", "comment_author_email",
    "comment_author_url", "comment_content", "comment_date_gmt", "comment_post_modified_gmt", "comment_post_ID",
    "comment_parent", "blog_lang", "blog_charset", "user_role", "is_test", "recheck_reason", "honeypot_field_name",
    "comment_context",
)
_SCHEMAS.update({
    "AkismetComment": _obj(
        {
            "api_key": {"type": "string", "description": "The key (Akismet 1.1 also takes it as the host's first label)."},
            "blog": {"type": "string", "description": "The site's URL: must be the key's site."},
            "user_ip": {"type": "string", "description": "The commenter's IP address (required by Akismet)."},
            **{name: dict(_STRING) for name in _AKISMET_COMMENT_FIELDS},
        },
        ["api_key", "blog", "user_ip"],
        "A comment as Akismet clients send it, form-encoded. Unknown fields are accepted and ignored.",
    ),
    "AkismetVerifyKey": _obj({"key": _STRING, "blog": _STRING}, ["key", "blog"]),
    "AkismetUsage": _obj(
        {"limit": {"type": ["string", "integer"]}, "usage": {"type": "integer"}, "percentage": _STRING,
         "throttled": {"type": "boolean"}}
    ),
    "PerspectiveTextEntry": _obj(
        {"text": {"type": "string", "description": "At most 20 KB of UTF-8."},
         "type": {"type": "string", "enum": ["PLAIN_TEXT"]}},
        ["text"],
    ),
    "PerspectiveScore": _obj({"value": _PROBABILITY, "type": {"type": "string", "enum": ["PROBABILITY"]}}, ["value"]),
    "PerspectiveContext": {"type": "object", "description": "Context entries (other comments, the article); kept."},
    "AnalyzeCommentRequest": _obj(
        {
            "comment": _ref("PerspectiveTextEntry"),
            "context": _ref("PerspectiveContext"),
            "requestedAttributes": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"type": "string"},
                "additionalProperties": _obj(
                    {"scoreType": {"type": "string", "enum": ["PROBABILITY"]}, "scoreThreshold": _PROBABILITY}, []
                ),
                "description": "TOXICITY, INSULT, IDENTITY_ATTACK, SPAM (when the model has the label).",
            },
            "languages": {"type": "array", "items": _STRING},
            "doNotStore": {"type": "boolean"},
            "clientToken": _STRING,
            "sessionId": _STRING,
            "spanAnnotations": {"type": "boolean"},
            "communityId": _STRING,
            "dropUnsupportedAttributes": {"type": "boolean"},
        },
        ["comment", "requestedAttributes"],
    ),
    "AnalyzeCommentResponse": _obj(
        {
            "attributeScores": {
                "type": "object",
                "additionalProperties": _obj(
                    {
                        "summaryScore": _ref("PerspectiveScore"),
                        "spanScores": {
                            "type": "array",
                            "items": _obj({"begin": {"type": "integer"}, "end": {"type": "integer"},
                                           "score": _ref("PerspectiveScore")}),
                        },
                    },
                    ["summaryScore"],
                ),
            },
            "languages": {"type": "array", "items": _STRING},
            "detectedLanguages": {"type": "array", "items": _STRING},
            "clientToken": _STRING,
        },
        ["attributeScores", "languages"],
    ),
    "SuggestCommentScoreRequest": _obj(
        {
            "comment": _ref("PerspectiveTextEntry"),
            "context": _ref("PerspectiveContext"),
            "attributeScores": {
                "type": "object",
                "minProperties": 1,
                "description": "Scores per attribute; Coral Talk sends its decision (APPROVED, DELETED) as one.",
                "additionalProperties": _obj({"summaryScore": _ref("PerspectiveScore"),
                                              "spanScores": {"type": "array"}}, []),
            },
            "languages": {"type": "array", "items": _STRING},
            "communityId": _STRING,
            "clientToken": _STRING,
            "sessionId": _STRING,
        },
        ["comment", "attributeScores"],
    ),
    "SuggestCommentScoreResponse": _obj({"clientToken": _STRING}, []),
    "GoogleError": _obj(
        {
            "error": _obj(
                {"code": {"type": "integer"}, "message": _STRING, "status": _STRING,
                 "details": {"type": "array", "items": {"type": "object"}}},
                ["code", "message", "status"],
            )
        }
    ),
})


def _text(description: str, media: str = "text/plain") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


def _akismet_errors() -> dict[str, Any]:
    return {
        "405": _text("Method not allowed."),
        "413": _text("The body is larger than the limit, or has more than 10,000 fields."),
        "500": _text("Unexpected error (logged; no details are returned)."),
        "503": _text("No model is loaded for the site, or the server is over capacity (Retry-After)."),
    }


def _akismet_post(summary: str, operation_id: str, schema: str, answers: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "operationId": operation_id,
            "tags": ["akismet"],
            "security": [],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": _ref(schema)}},
            },
            "responses": {"200": _text(answers), **_akismet_errors()},
        }
    }


_AKISMET_QUERY = [
    {"name": "api_key", "in": "query", "required": True, "schema": _STRING},
]
_KEY_SITES_QUERY = [
    *_AKISMET_QUERY,
    {"name": "month", "in": "query", "schema": {"type": "string", "description": "YYYY-MM"}},
    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}},
    {"name": "order", "in": "query", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "schema": {"type": "string"}},
    {"name": "offset", "in": "query", "schema": {"type": "string"}},
    {"name": "filter", "in": "query", "schema": {"type": "string"}},
]


def _google(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _perspective_post(summary: str, operation_id: str, request: str, response: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "operationId": operation_id,
            "tags": ["perspective"],
            "security": [{"perspectiveKey": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(request)}}},
            "responses": {
                "200": _google(response, "As Perspective answers."),
                **{code: _google("GoogleError", "Google's error shape, with Perspective's errorType.")
                   for code in ("400", "403", "404", "405", "413", "500", "503")},
            },
        }
    }


_COMPATIBLE_PATHS: dict[str, Any] = {
    "/1.1/comment-check": _akismet_post(
        "Akismet: is this comment spam?", "akismetCommentCheck", "AkismetComment",
        "true, false, invalid (bad key or blog) or 'Missing required field: NAME.'; X-akismet-pro-tip: discard "
        "for blatant spam",
    ),
    "/1.1/submit-spam": _akismet_post(
        "Akismet: report missed spam", "akismetSubmitSpam", "AkismetComment",
        "'Thanks for making the web a better place.', invalid, or a missing field",
    ),
    "/1.1/submit-ham": _akismet_post(
        "Akismet: report a false positive", "akismetSubmitHam", "AkismetComment",
        "'Thanks for making the web a better place.', invalid, or a missing field",
    ),
    "/1.1/verify-key": _akismet_post("Akismet: is this key valid for this blog?", "akismetVerifyKey",
                                     "AkismetVerifyKey", "valid or invalid"),
    "/1.2/usage-limit": {
        "get": {
            "summary": "Akismet: this month's usage of the key's site",
            "operationId": "akismetUsageLimit",
            "tags": ["akismet"],
            "security": [],
            "parameters": _AKISMET_QUERY,
            "responses": {
                "200": {
                    "description": "The usage (JSON), or invalid (plain text) for a bad key.",
                    "content": {"application/json": {"schema": _ref("AkismetUsage")},
                                "text/plain": {"schema": _STRING}},
                },
                **_akismet_errors(),
            },
        }
    },
    "/1.2/key-sites": {
        "get": {
            "summary": "Akismet: the key's site and its counters for a month",
            "operationId": "akismetKeySites",
            "tags": ["akismet"],
            "security": [],
            "parameters": _KEY_SITES_QUERY,
            "responses": {
                "200": {
                    "description": "JSON or CSV as Akismet answers; invalid (plain text) for a bad key.",
                    "content": {"application/json": {"schema": {"type": "object"}},
                                "text/csv": {"schema": _STRING}, "text/plain": {"schema": _STRING}},
                },
                "400": _text("A bad month, format, order, limit or offset."),
                **_akismet_errors(),
            },
        }
    },
    "/v1alpha1/comments:analyze": _perspective_post(
        "Perspective: score a comment", "perspectiveAnalyze", "AnalyzeCommentRequest", "AnalyzeCommentResponse"
    ),
    "/v1alpha1/comments:suggestscore": _perspective_post(
        "Perspective: suggest scores (stored as feedback)", "perspectiveSuggestScore", "SuggestCommentScoreRequest",
        "SuggestCommentScoreResponse",
    ),
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
    "503": _json(
        _ref("Error"),
        "No model is loaded for the site (model_unavailable), or the server is over capacity (overloaded; see the "
        "Retry-After header).",
    ),
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
            "The native JSON API (`/v1/*`) comes first. The same server also answers Akismet's API (`/1.1/*`, "
            "`/1.2/*`: form-encoded in, plain text out; tag `akismet`) and Perspective's "
            "(`/v1alpha1/comments:analyze`, `/v1alpha1/comments:suggestscore`; tag `perspective`, key in `?key=`), "
            "so existing clients switch by changing the base URL."
        ),
    },
    "servers": [{"url": "/"}],
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer KEY"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "perspectiveKey": {"type": "apiKey", "in": "query", "name": "key", "description": "As Google's: ?key=KEY"},
        },
    },
    "security": _SECURED,
    "paths": {**_PATHS, **_COMPATIBLE_PATHS},
}


def document() -> dict[str, Any]:
    """The OpenAPI document (a fresh copy: callers may change it)."""
    return copy.deepcopy(_DOCUMENT)
