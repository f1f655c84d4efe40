"""The native JSON API under ``/v1``: check comments, record moderators' decisions, read the model and the site policy.

Every request needs a key (``Authorization: Bearer KEY`` or ``X-API-Key``) and acts for that key's site only.
The request and response shapes are documented in ``/openapi.json`` (see :mod:`service.openapi`). Links the
moderators' pages may render (``article_url``, ``permalink``) must be absolute http(s) URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, g, jsonify

from moderation import Comment, InvalidCommentError
from moderation.labels import LABELS
from moderation.moderator import METADATA_FIELDS

from .auth import authenticate_native, check_site_matches, storage
from .checks import Checker, Item, Outcome
from .errors import InvalidBody, InvalidField, NotFound, PolicySettingsError
from .payloads import MAX_ID_CHARS, clean_text, http_url, read_json, utf8_size
from .site_policy import RULE_LISTS, effective_policy, parse_settings
from .storage import DECISIONS

__all__ = ["bp"]

bp = Blueprint("native", __name__, url_prefix="/v1")

ID_FIELDS = ("comment_id", "thread_id", "article_id", "article_url")
ITEM_FIELDS = frozenset(("text",) + METADATA_FIELDS + ID_FIELDS)
#: Longest metadata value and id accepted (characters).
MAX_FIELD_CHARS = 4096
DECISION_ALIASES = {"not_spam": "ham"}
#: Fields holding a link to the comment's page: only http(s) URLs, since they are rendered as links.
LINK_FIELDS = ("article_url", "permalink")


@bp.before_request
def _authenticate() -> None:
    g.site = authenticate_native()


def _checker() -> Checker:
    return current_app.extensions["moderation.checker"]


# -- field readers ---------------------------------------------------------------------------------------------


def _object(value: Any, where: str | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        if where is None:
            raise InvalidBody(f"the body must be a JSON object, got {_kind(value)}")
        raise InvalidField(f"{where} must be an object, got {_kind(value)}", field=where)
    return value


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _path(prefix: str, name: str) -> str:
    return f"{prefix}{name}"


def _unknown(obj: Mapping[str, Any], allowed: frozenset[str] | set[str], prefix: str) -> None:
    for name in obj:
        if name not in allowed:
            raise InvalidField(
                f"unknown field {name!r}; allowed: {', '.join(sorted(allowed))}", field=_path(prefix, name)
            )


def _optional_str(obj: Mapping[str, Any], name: str, prefix: str, limit: int = MAX_FIELD_CHARS) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidField(
            f"{_path(prefix, name)} must be a string or null, got {_kind(value)}", field=_path(prefix, name)
        )
    if len(value) > limit:
        raise InvalidField(f"{_path(prefix, name)} is longer than {limit} characters", field=_path(prefix, name))
    if name in LINK_FIELDS and http_url(value) is None:
        raise InvalidField(
            f"{_path(prefix, name)} must be an absolute http or https URL, got {value[:80]!r}", field=_path(prefix, name)
        )
    return clean_text(value)


def _optional_id(obj: Mapping[str, Any], name: str, prefix: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidField(
            f"{_path(prefix, name)} must be a string or an integer, got {_kind(value)}", field=_path(prefix, name)
        )
    value = clean_text(str(value))
    if not value or len(value) > MAX_ID_CHARS:
        raise InvalidField(f"{_path(prefix, name)} must have 1 to {MAX_ID_CHARS} characters", field=_path(prefix, name))
    return value


def _text(obj: Mapping[str, Any], prefix: str, name: str = "text", required: bool = True) -> str | None:
    where = _path(prefix, name)
    if name not in obj or obj[name] is None:
        if required:
            raise InvalidField(f"{where} is required: the comment's text", field=where)
        return None
    value = obj[name]
    if not isinstance(value, str):
        raise InvalidField(f"{where} must be a string, got {_kind(value)}", field=where)
    limit = current_app.config["MAX_COMMENT_BYTES"]
    size = utf8_size(value)
    if size > limit:
        raise InvalidField(f"{where} is {size} bytes of UTF-8; the limit is {limit}", field=where)
    return clean_text(value)


def _bool(obj: Mapping[str, Any], name: str, default: bool) -> bool:
    value = obj.get(name, default)
    if not isinstance(value, bool):
        raise InvalidField(f"{name} must be true or false, got {_kind(value)}", field=name)
    return value


def _item(obj: Any, prefix: str) -> Item:
    where = prefix[:-1] if prefix else None
    obj = _object(obj, where)
    text = _text(obj, prefix)
    metadata = {name: _optional_str(obj, name, prefix) for name in METADATA_FIELDS}
    thread_id = _optional_id(obj, "thread_id", prefix)
    article_id = _optional_id(obj, "article_id", prefix)
    if thread_id and article_id and thread_id != article_id:
        raise InvalidField(f"{prefix}thread_id and {prefix}article_id differ; send one", field=f"{prefix}article_id")
    try:
        comment = Comment(text, **metadata)
    except InvalidCommentError as exc:
        raise InvalidField(str(exc), field=prefix.rstrip(".") or "text") from None
    return Item(
        comment,
        comment_id=_optional_id(obj, "comment_id", prefix),
        thread_id=thread_id or article_id,
        article_url=_optional_str(obj, "article_url", prefix),
    )


def _result(outcome: Outcome) -> dict[str, Any]:
    scores = outcome.scores
    return {
        "comment_id": outcome.item.comment_id,
        "scores": dict(scores.probabilities),
        "verdict": scores.verdict.value,
        "flagged": list(scores.flagged),
        "reasons": outcome.reasons,
        "spam": outcome.spam,
        "model_version": scores.model_version,
        "stored": outcome.stored,
    }


# -- views -----------------------------------------------------------------------------------------------------


@bp.post("/comments/check")
def check():
    """Check one comment (``{"text": ...}``) or a batch (``{"comments": [...]}``)."""
    body = _object(read_json(InvalidBody), None)
    check_site_matches(g.site, body.get("site"))
    store = _bool(body, "store", True)
    if "comments" in body:
        _unknown(body, {"comments", "store", "site"}, "")
        comments = body["comments"]
        if not isinstance(comments, list) or not comments:
            raise InvalidField("comments must be a non-empty array of comment objects", field="comments")
        limit = current_app.config["MAX_BATCH"]
        if len(comments) > limit:
            raise InvalidField(f"comments has {len(comments)} items; at most {limit} per request", field="comments")
        items = [_item(c, f"comments[{i}].") for i, c in enumerate(comments)]
    else:
        _unknown(body, ITEM_FIELDS | {"store", "site"}, "")
        items = [_item(body, "")]
    moderator, _, outcomes = _checker().check(g.site, items, source="api", request_id=g.request_id, store=store)
    if "comments" in body:
        return jsonify(request_id=g.request_id, model_version=moderator.version, results=[_result(o) for o in outcomes])
    return jsonify(request_id=g.request_id, **_result(outcomes[0]))


@bp.post("/comments/feedback")
def feedback():
    """Record the moderator's final decision on a comment; repeating it for the same comment_id replaces it."""
    body = _object(read_json(InvalidBody), None)
    _unknown(body, {"comment_id", "decision", "labels", "moderator", "note", "text", "site"}, "")
    check_site_matches(g.site, body.get("site"))
    comment_id = _optional_id(body, "comment_id", "")
    if comment_id is None:
        raise InvalidField("comment_id is required: your id of the comment this decision is about", field="comment_id")
    decision = body.get("decision")
    allowed = DECISIONS + tuple(DECISION_ALIASES)
    if decision not in allowed:
        raise InvalidField(f"decision must be one of {', '.join(allowed)}, got {decision!r}", field="decision")
    decision = DECISION_ALIASES.get(decision, decision)
    labels = body.get("labels")
    labels = {} if labels is None else _object(labels, "labels")
    for label, value in labels.items():
        if label not in LABELS:
            raise InvalidField(f"unknown label {label!r}; labels are {', '.join(LABELS)}", field=f"labels.{label}")
        # compared as given: float() of a 400-digit integer would overflow
        if not isinstance(value, (bool, int, float)) or not 0 <= value <= 1:
            raise InvalidField(f"labels.{label} must be a number in [0, 1] or a boolean", field=f"labels.{label}")
    stored = storage().feedback.record(
        g.site.id,
        comment_id,
        decision,
        source="api",
        labels={k: float(v) for k, v in labels.items()},
        moderator=_optional_str(body, "moderator", "", 256),
        note=_optional_str(body, "note", ""),
        text=_text(body, "", required=False),
    )
    return jsonify(
        request_id=g.request_id,
        comment_id=stored.comment_id,
        decision=stored.decision,
        labels=stored.labels,
        moderator=stored.moderator,
        note=stored.note,
        created=stored.created,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
    )


@bp.get("/comments/<path:comment_id>")
def comment(comment_id: str):
    """The latest stored check of one of the site's comments and the decision recorded for it."""
    check = storage().comments.latest(g.site.id, comment_id)
    decision = storage().feedback.get(g.site.id, comment_id)
    if check is None and decision is None:
        raise NotFound(f"no stored check or feedback for comment {comment_id!r} of {g.site.url}", field="comment_id")
    if check is not None:  # the row's own ids stay internal; comment_id is answered once, at the top
        check = {k: v for k, v in check.to_dict().items() if k not in ("id", "site_id", "request_id", "comment_id")}
    if decision is not None:
        decision = {k: v for k, v in vars(decision).items() if k != "comment_id"}
    return jsonify(request_id=g.request_id, comment_id=comment_id, check=check, feedback=decision)


@bp.get("/model")
def model():
    """The site's model: version, labels, thresholds in effect for the site, and the metrics it was validated with."""
    moderator, policy = _checker().moderator_and_policy(g.site)
    meta = moderator.metadata
    return jsonify(
        request_id=g.request_id,
        version=moderator.version,
        labels=list(moderator.labels),
        thresholds={
            label: {"hold": t.hold, "reject": t.reject}
            for label, t in policy.thresholds.items()
            if label in moderator.labels
        },
        metrics=meta.get("metrics") or {},
        created=meta.get("created"),
        sha256=meta.get("sha256"),
    )


@bp.get("/site")
def site():
    """The key's site: URL, storage settings and this month's counters."""
    rate = g.site.approved_sample_rate
    return jsonify(
        request_id=g.request_id,
        url=g.site.url,
        name=g.site.name,
        store_comments=g.site.store_comments,
        approved_sample_rate=current_app.config["APPROVED_SAMPLE_RATE"] if rate is None else rate,
        usage=storage().usage.get(g.site.id).to_dict(),
    )


def _policy_answer(site) -> Any:
    moderator = _checker().models.get(site.id)
    stored = {"thresholds": {}, **{k: [] for k in RULE_LISTS}, **site.policy}
    return jsonify(
        request_id=g.request_id, site=site.url, policy=stored, effective=effective_policy(moderator, site).to_dict()
    )


@bp.get("/site/policy")
def get_policy():
    """The site's own policy settings and the policy in effect (the model's, overridden by them)."""
    return _policy_answer(g.site)


@bp.put("/site/policy")
def put_policy():
    """Replace the site's policy settings; a field left out goes back to the model's default."""
    body = _object(read_json(InvalidBody), None)
    try:
        policy = parse_settings(body)
    except PolicySettingsError as exc:
        raise InvalidField(str(exc), field=exc.field) from None
    site = storage().sites.update(g.site.id, policy=policy)
    return _policy_answer(site)
