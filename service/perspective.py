"""Perspective-compatible endpoints: ``comments:analyze`` and ``comments:suggestscore`` of ``v1alpha1``.

A Perspective client (Coral Talk has a configurable Perspective endpoint) switches by pointing at
``https://THIS-SERVER/v1alpha1`` with a key made by ``moderation keys create``, passed as ``?key=`` like Google's.

Attributes map onto the model's labels: ``TOXICITY`` -> toxicity, ``INSULT`` -> insult, ``IDENTITY_ATTACK`` ->
identity_attack, ``THREAT`` -> threat, ``PROFANITY`` -> profanity, ``SPAM`` -> spam (Perspective's experimental SPAM).
An attribute is served only when the loaded model has that label (an older or the commercial model may lack threat
and profanity); asking for one it lacks, or for any other Perspective attribute (``SEVERE_TOXICITY``,
``SEXUALLY_EXPLICIT``...), is a 400 error naming the attributes the model serves, never an invented number, unless
the request sets ``dropUnsupportedAttributes``, which leaves it out of the answer.

Other behaviour, and where it departs from Google's service:

* Every language is scored: a comment is never refused for its language (Google answers
  ``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE``, and Coral Talk then lets the comment through unchecked). The language is
  identified from the text (:mod:`moderation.language`) and answered in ``detectedLanguages`` (empty when the text is
  too short to tell); ``languages`` echoes the request's, else the detected one. For a language the model was not
  trained on, spam signals and site rules apply as usual and the abuse scores are the model's reading of it (see
  :mod:`moderation.language` for what that means); the detected language is kept with a stored check.
* ``spanScores`` (with ``spanAnnotations: true``) are per sentence, as Perspective documents them: each sentence is
  scored by the model on its own, so every value is a real probability. Offsets count Unicode code points.
* ``summaryScore.value`` is the model's probability for the label; ``scoreThreshold`` leaves out lower scores.
* Errors use Google's shape: ``{"error": {"code", "message", "status", "details": [{"@type":
  "type.googleapis.com/google.commentanalyzer.v1alpha1.Error", "errorType": ...}]}}`` with Perspective's error
  types (``COMMENT_EMPTY``, ``COMMENT_TOO_LONG`` above 20 KB of UTF-8, ``NO_REQUESTED_ATTRIBUTES``,
  ``INVALID_REQUEST`` for anything else). Unknown fields are refused as
  Google's JSON parser refuses them.
* ``doNotStore: true`` stores nothing (the call is still counted in the site's monthly usage).
* ``suggestscore`` stores the client's scores as feedback for the comment (identified by a digest of its text, so it
  meets the stored check of the same text) and echoes ``clientToken``. Coral Talk's "send feedback" body is accepted
  as Coral sends it: the moderator's decision as the attribute (``APPROVED`` -> approved, ``DELETED`` -> rejected)
  and Coral's comment id in ``context.entries`` and ``clientToken`` (kept with the feedback). Coral's DELETED means
  any rejection (spam, abuse, off-topic...), so it is stored as ``rejected``, which says nothing about the labels:
  retraining does not learn it as abuse.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from moderation import Comment
from moderation.labels import LABELS
from moderation.language import identify, trained_languages

from .auth import site_for_key, storage
from .checks import Checker, Item
from .errors import PerspectiveError
from .http_errors import google_error
from .payloads import clean_text, read_json, utf8_size
from .storage import Site

__all__ = ["bp", "ATTRIBUTE_LABELS", "PerspectiveError"]

bp = Blueprint("perspective", __name__, url_prefix="/v1alpha1")

#: Perspective attribute -> our label.
ATTRIBUTE_LABELS = {
    "TOXICITY": "toxicity",
    "INSULT": "insult",
    "IDENTITY_ATTACK": "identity_attack",
    "THREAT": "threat",
    "PROFANITY": "profanity",
    "SPAM": "spam",
}
#: Attributes Perspective has (or had); requesting one this server cannot score is an error, not "unknown".
PERSPECTIVE_ATTRIBUTES = frozenset(
    {
        "TOXICITY",
        "SEVERE_TOXICITY",
        "IDENTITY_ATTACK",
        "INSULT",
        "PROFANITY",
        "THREAT",
        "SEXUALLY_EXPLICIT",
        "FLIRTATION",
        "SPAM",
        "ATTACK_ON_AUTHOR",
        "ATTACK_ON_COMMENTER",
        "INCOHERENT",
        "INFLAMMATORY",
        "LIKELY_TO_REJECT",
        "OBSCENE",
        "UNSUBSTANTIAL",
        "TOXICITY_EXPERIMENTAL",
        "SEVERE_TOXICITY_EXPERIMENTAL",
        "IDENTITY_ATTACK_EXPERIMENTAL",
        "INSULT_EXPERIMENTAL",
        "PROFANITY_EXPERIMENTAL",
        "THREAT_EXPERIMENTAL",
        "AFFINITY_EXPERIMENTAL",
        "COMPASSION_EXPERIMENTAL",
        "CURIOSITY_EXPERIMENTAL",
        "NUANCE_EXPERIMENTAL",
        "PERSONAL_STORY_EXPERIMENTAL",
        "REASONING_EXPERIMENTAL",
        "RESPECT_EXPERIMENTAL",
    }
)
#: Coral Talk's "send feedback" option suggests its moderators' decision as the attribute name, with value 1.
CORAL_STATUSES = {"APPROVED": "approved", "DELETED": "rejected", "REJECTED": "rejected"}
ANALYZE_FIELDS = frozenset(
    {
        "comment",
        "context",
        "requestedAttributes",
        "languages",
        "doNotStore",
        "clientToken",
        "sessionId",
        "spanAnnotations",
        "communityId",
        "dropUnsupportedAttributes",
    }
)
SUGGEST_FIELDS = frozenset(
    {"comment", "context", "attributeScores", "languages", "communityId", "clientToken", "sessionId"}
)
_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")


@bp.errorhandler(PerspectiveError)
def _error(exc: PerspectiveError) -> Response:
    return google_error(exc.status, exc.message, exc.details)


def _site() -> Site:
    key = request.args.get("key") or request.headers.get("X-Goog-Api-Key")
    if not key:
        raise PerspectiveError("The request is missing a valid API key.", None, 403)
    site = site_for_key(key)
    if site is None:
        raise PerspectiveError(
            "API key not valid. Please pass a valid API key.",
            status=400,
            details=[
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                }
            ],
        )
    return site


def _body(allowed: frozenset[str]) -> dict[str, Any]:
    body = read_json(lambda message: PerspectiveError(f"Invalid JSON payload received. {message}"))
    if not isinstance(body, dict):
        raise PerspectiveError("Invalid JSON payload received. Expected an object.")
    for name in body:
        if name not in allowed:
            raise PerspectiveError(f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.')
    return body


def _optional(body: Mapping[str, Any], name: str, kind: type | tuple[type, ...], proto: str) -> Any:
    value = body.get(name)
    if value is not None and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
        raise PerspectiveError(f"Invalid value at '{name}' ({proto}), {value!r}")
    return value


def _comment_text(body: Mapping[str, Any]) -> str:
    comment = body.get("comment")
    if comment is None:
        raise PerspectiveError("Comment must be non-empty.", "COMMENT_EMPTY")
    if not isinstance(comment, dict):
        raise PerspectiveError(
            f"Invalid value at 'comment' (type.googleapis.com/google.commentanalyzer.v1alpha1.TextEntry), {comment!r}"
        )
    for name in comment:
        if name not in ("text", "type"):
            raise PerspectiveError(
                f"Invalid JSON payload received. Unknown name \"{name}\" at 'comment': Cannot find field."
            )
    text = comment.get("text")
    if text is not None and not isinstance(text, str):
        raise PerspectiveError(f"Invalid value at 'comment.text' (TYPE_STRING), {text!r}")
    if not text:
        raise PerspectiveError("Comment must be non-empty.", "COMMENT_EMPTY")
    kind = comment.get("type", "PLAIN_TEXT")
    if kind != "PLAIN_TEXT":
        raise PerspectiveError(
            "Currently, only 'PLAIN_TEXT' comments are supported" if kind == "HTML" else "Unknown text type"
        )
    limit = current_app.config["MAX_COMMENT_BYTES"]
    size = utf8_size(text)
    if size > limit:
        raise PerspectiveError(
            f"Comment text was too many bytes. Value ({size}) exceeded limit ({limit}).", "COMMENT_TOO_LONG"
        )
    return clean_text(text)


def _languages(body: Mapping[str, Any]) -> list[str] | None:
    languages = body.get("languages")
    if languages is None:
        return None
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise PerspectiveError(f"Invalid value at 'languages' (TYPE_STRING), {languages!r}")
    return [clean_text(x) for x in languages] or None


def _comment_id(text: str) -> str:
    return "perspective:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _SENTENCE.finditer(text):
        begin, end = match.start(), match.end()
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if end > begin:
            spans.append((begin, end))
    return spans or [(0, len(text))]


@bp.post("/comments:analyze")
def analyze():
    site = _site()
    body = _body(ANALYZE_FIELDS)
    text = _comment_text(body)
    requested = body.get("requestedAttributes")
    if requested is not None and not isinstance(requested, dict):
        raise PerspectiveError(f"Invalid value at 'requested_attributes', {requested!r}")
    if not requested:
        raise PerspectiveError("Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES")
    languages = _languages(body)
    do_not_store = _optional(body, "doNotStore", bool, "TYPE_BOOL") or False
    spans_wanted = _optional(body, "spanAnnotations", bool, "TYPE_BOOL") or False
    drop = _optional(body, "dropUnsupportedAttributes", bool, "TYPE_BOOL") or False
    token = _optional(body, "clientToken", str, "TYPE_STRING")
    for name in ("sessionId", "communityId"):
        _optional(body, name, str, "TYPE_STRING")
    if body.get("context") is not None and not isinstance(body["context"], dict):
        raise PerspectiveError(f"Invalid value at 'context', {body['context']!r}")

    checker: Checker = current_app.extensions["moderation.checker"]
    moderator, _ = checker.moderator_and_policy(site)
    wanted: list[tuple[str, str, float | None]] = []
    for name, options in requested.items():
        if options is None:
            options = {}
        if not isinstance(options, dict) or set(options) - {"scoreType", "scoreThreshold"}:
            raise PerspectiveError(f"Invalid value at 'requested_attributes[{name}]', {options!r}")
        if name not in PERSPECTIVE_ATTRIBUTES:
            raise PerspectiveError(f"Unknown requested attribute: {name}")
        label = ATTRIBUTE_LABELS.get(name)
        if label is None or label not in moderator.labels:
            if drop:
                continue
            served = ", ".join(a for a, lab in ATTRIBUTE_LABELS.items() if lab in moderator.labels)
            raise PerspectiveError(f"Attribute {name} is not supported by this server; its model scores: {served}")
        score_type = options.get("scoreType", "PROBABILITY")
        if score_type != "PROBABILITY":
            raise PerspectiveError(f"Requested score type {score_type} is not supported by attribute {name}")
        threshold = options.get("scoreThreshold")
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1
        ):
            raise PerspectiveError(f"Invalid value at 'requested_attributes[{name}].score_threshold', {threshold!r}")
        wanted.append((name, label, threshold))
    detected = identify(text).language
    extra = {k: body[k] for k in ("clientToken", "communityId", "sessionId") if body.get(k)}
    if detected:
        extra["language"] = detected
    item = Item(Comment(text), comment_id=_comment_id(text), extra=extra)
    _, policy, (outcome,) = checker.check(
        site, [item], source="perspective", request_id=g.request_id, store=not do_not_store
    )
    probabilities = outcome.scores.probabilities
    span_probabilities = None
    sentences = _sentences(text) if spans_wanted else []
    if spans_wanted and len(sentences) > 1:
        frame = moderator.score_many([text[b:e] for b, e in sentences], policy=policy)
        span_probabilities = {label: frame[label].tolist() for _, label, _ in wanted}
    scores: dict[str, Any] = {}
    for name, label, threshold in wanted:
        value = float(probabilities[label])
        if threshold is not None and value < threshold:
            continue
        entry: dict[str, Any] = {"summaryScore": {"value": value, "type": "PROBABILITY"}}
        if spans_wanted:
            values = span_probabilities[label] if span_probabilities else [value]
            entry["spanScores"] = [
                {"begin": b, "end": e, "score": {"value": float(v), "type": "PROBABILITY"}}
                for (b, e), v in zip(sentences, values, strict=True)
            ]
        scores[name] = entry
    answer: dict[str, Any] = {
        "attributeScores": scores,
        "languages": languages or [detected or trained_languages(moderator.metadata)[0]],
        "detectedLanguages": [detected] if detected else [],
    }
    if token is not None:
        answer["clientToken"] = token
    return jsonify(answer)


@bp.post("/comments:suggestscore")
def suggest_score():
    site = _site()
    body = _body(SUGGEST_FIELDS)
    text = _comment_text(body)
    _languages(body)
    token = _optional(body, "clientToken", str, "TYPE_STRING")
    for name in ("sessionId", "communityId"):
        _optional(body, name, str, "TYPE_STRING")
    suggested = body.get("attributeScores")
    if not isinstance(suggested, dict) or not suggested:
        raise PerspectiveError("attribute_scores must not be empty")
    if body.get("context") is not None and not isinstance(body["context"], dict):
        raise PerspectiveError(f"Invalid value at 'context', {body['context']!r}")
    labels: dict[str, float] = {}
    statuses: list[str] = []
    for name, scores in suggested.items():
        if name in CORAL_STATUSES:
            statuses.append(CORAL_STATUSES[name])
        elif name not in PERSPECTIVE_ATTRIBUTES:
            raise PerspectiveError(f"Unknown requested attribute: {name}")
        elif ATTRIBUTE_LABELS.get(name) not in LABELS:
            raise PerspectiveError(f"Attribute {name} is not supported by this server")
        if not isinstance(scores, dict) or set(scores) - {"summaryScore", "spanScores"}:
            raise PerspectiveError(f"Invalid value at 'attribute_scores[{name}]', {scores!r}")
        summary = scores.get("summaryScore")
        if not isinstance(summary, dict) or set(summary) - {"value", "type"}:
            raise PerspectiveError(f"attribute_scores[{name}] needs a summaryScore with a value")
        value = summary.get("value", 0)  # proto3 JSON omits a zero value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise PerspectiveError(f"Invalid value at 'attribute_scores[{name}].summary_score.value', {value!r}")
        if summary.get("type", "PROBABILITY") != "PROBABILITY":
            raise PerspectiveError(f"Requested score type {summary['type']} is not supported by attribute {name}")
        if name in ATTRIBUTE_LABELS:
            labels[ATTRIBUTE_LABELS[name]] = float(value)
    abuse = [v for k, v in labels.items() if k != "spam"]
    if statuses:  # Coral's own decision (APPROVED / DELETED) says what the moderator did
        decision = statuses[-1]
    elif any(v >= 0.5 for v in abuse):
        decision = "abusive"
    elif labels.get("spam", 0.0) >= 0.5:
        decision = "spam"
    else:
        decision = "not_abusive" if abuse else "ham"
    metadata = {k: body[k] for k in ("clientToken", "communityId", "sessionId", "languages", "context") if body.get(k)}
    storage().feedback.record(
        site.id, _comment_id(text), decision, source="perspective", labels=labels, text=text, metadata=metadata
    )
    return jsonify({"clientToken": token} if token is not None else {})
