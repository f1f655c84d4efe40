"""Coral Talk's external moderation phase: Coral asks this server about each new or edited comment.

Set-up, per site: in Coral's admin (Configure > Moderation > External moderation phases) add a phase with the URL
``https://THIS-SERVER/coral/moderate?key=KEY`` (a key of the site, ``moderation keys create``), the plain-text
format, and copy the phase's signing secret into this server::

    moderation sites update https://news.example.com --coral-secret-file -     # paste the secret, then Ctrl-D

What Coral sends (its ``phases/external.ts``): a POST of JSON, serialised with two-space indentation, ``{action:
"NEW"|"EDIT", comment: {body, parentID}, author: {id, role}, story: {id, url}, site: {id}, tenantID, tenantDomain}``,
with ``X-Coral-Signature: sha256=HEX`` (one per active secret of the phase, comma-separated; HEX is the HMAC-SHA256 of
the body under the secret). A request without a valid signature for the site's secret is refused with 401 before
anything is read, scored, stored or counted.

What it gets back, in Coral's terms:

* verdict ``reject``: ``{"actions": [FLAG...], "status": "REJECTED"}``;
* verdict ``hold``: ``{"actions": [FLAG...], "status": "SYSTEM_WITHHELD"}`` (held for a moderator, as Coral's own
  toxicity and spam phases do);
* the FLAG actions name why: ``COMMENT_DETECTED_SPAM`` when the spam label (or a blocked link domain) flagged it,
  ``COMMENT_DETECTED_TOXIC`` when an abuse label (or a blocked word) did, both when both did;
* verdict ``approve``: 204, no opinion, so Coral goes on with its other phases and settings;
* a comment in a language the model was not trained on (see :mod:`moderation.language`) that is not flagged:
  204, or ``{"status": "PREMOD"}`` (Coral's pre-moderation queue) when the site chose
  ``--coral-untrained-languages premod``.

The check is stored and counted like a native-API check (source ``api``), with Coral's ids kept in its metadata
(``client: coral``, the story as thread and article URL, author id and role, parent id, tenant).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from moderation import Comment, Verdict
from moderation.language import identify, is_trained, trained_languages

from .auth import site_for_key, storage
from .checks import Checker, Item
from .errors import InvalidBody, InvalidField, Unauthorized
from .payloads import clean_text

__all__ = ["bp", "signature_matches", "ABUSE_REASON", "SPAM_REASON"]

bp = Blueprint("coral", __name__, url_prefix="/coral")

SPAM_REASON = "COMMENT_DETECTED_SPAM"
ABUSE_REASON = "COMMENT_DETECTED_TOXIC"
ACTIONS = ("NEW", "EDIT")
ROLES = ("ADMIN", "MODERATOR", "STAFF", "COMMENTER", "MEMBER")


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """Whether one of the ``sha256=HEX`` signatures of Coral's header is the HMAC-SHA256 of ``body`` under ``secret``.

    >>> body = b'{"action": "NEW"}'
    >>> good = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    >>> signature_matches("s3cret", body, "sha256=00," + good), signature_matches("other", body, good)
    (True, False)
    """
    if not header:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    matched = False
    for part in header.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == "sha256" and hmac.compare_digest(value.strip().lower(), expected):
            matched = True  # keep comparing: the time taken does not say which signature matched
    return matched


def _object(body: dict[str, Any], name: str, fields: dict[str, tuple[type, ...]]) -> dict[str, Any]:
    value = body.get(name)
    if not isinstance(value, dict):
        raise InvalidField(f"{name} must be an object, as Coral sends it", field=name)
    for field, kinds in fields.items():
        item = value.get(field)
        if not isinstance(item, kinds):
            wanted = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            raise InvalidField(f"{name}.{field} must be {wanted}, got {type(item).__name__}", field=f"{name}.{field}")
    return value


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidBody(f"the body is not UTF-8 JSON ({type(exc).__name__}); Coral sends JSON") from None
    if not isinstance(body, dict):
        raise InvalidBody("the body must be a JSON object, as Coral sends it")
    if body.get("action") not in ACTIONS:
        raise InvalidField(f"action must be one of {', '.join(ACTIONS)}, got {body.get('action')!r}", field="action")
    comment = _object(body, "comment", {"body": (str,), "parentID": (str, type(None))})
    author = _object(body, "author", {"id": (str,), "role": (str,)})
    _object(body, "story", {"id": (str,), "url": (str,)})
    _object(body, "site", {"id": (str,)})
    for name in ("tenantID", "tenantDomain"):
        if not isinstance(body.get(name), str):
            raise InvalidField(f"{name} must be a string, as Coral sends it", field=name)
    limit = current_app.config["MAX_COMMENT_BYTES"]
    text = comment["body"]
    if len(text.encode("utf-8", "surrogatepass")) > limit:
        raise InvalidField(f"comment.body is longer than {limit} bytes of UTF-8", field="comment.body")
    if author["role"] not in ROLES:
        raise InvalidField(f"author.role must be one of {', '.join(ROLES)}", field="author.role")
    return body


def _actions(outcome: Any) -> list[dict[str, str]]:
    scores = outcome.scores
    rules = {r.label for r in scores.reasons if r.kind == "rule"}
    spam = "spam" in scores.flagged or "spam" in rules
    abuse = any(label != "spam" for label in scores.flagged) or "policy" in rules
    if not (spam or abuse):  # flagged by a threshold of a label with no Coral reason: say abuse, Coral's default
        abuse = True
    reasons = ([SPAM_REASON] if spam else []) + ([ABUSE_REASON] if abuse else [])
    return [{"actionType": "FLAG", "reason": reason} for reason in reasons]


@bp.post("/moderate")
def moderate() -> Response:
    key = request.args.get("key")
    if not key:
        raise Unauthorized("missing API key: put ?key=KEY in the phase URL configured in Coral")
    site = site_for_key(key)
    if site is None:
        raise Unauthorized("invalid or revoked API key in the phase URL")
    phase = storage().coral.get(site.id)
    if phase is None:
        raise Unauthorized(
            f"no Coral signing secret is set for {site.url}: moderation sites update {site.url} --coral-secret-file -"
        )
    raw = request.get_data(cache=True)
    if not signature_matches(phase.signing_secret, raw, request.headers.get("X-Coral-Signature")):
        raise Unauthorized("missing or wrong X-Coral-Signature for this site's Coral signing secret")
    body = _parse(raw)
    comment, author, story = body["comment"], body["author"], body["story"]
    text = clean_text(comment["body"])
    detected = identify(text).language
    digest = hashlib.sha256(
        "\x1f".join((body["tenantID"], story["id"], author["id"], text)).encode("utf-8", "replace")
    ).hexdigest()
    extra: dict[str, Any] = {
        "client": "coral",
        "coral_action": body["action"],
        "coral_author_id": author["id"],
        "coral_author_role": author["role"],
        "coral_parent_id": comment["parentID"],
        "coral_site_id": body["site"]["id"],
        "coral_tenant": body["tenantDomain"],
    }
    if detected:
        extra["language"] = detected
    item = Item(Comment(text), comment_id=f"coral:{digest[:32]}", thread_id=story["id"], article_url=story["url"],
                extra=extra)
    checker: Checker = current_app.extensions["moderation.checker"]
    moderator, _, (outcome,) = checker.check(site, [item], source="api", request_id=g.request_id)
    verdict = outcome.scores.verdict
    if verdict is Verdict.APPROVE:
        untrained = not is_trained(detected, trained_languages(moderator.metadata))
        if untrained and phase.untrained_languages == "premod":
            return jsonify(status="PREMOD")
        return Response(status=204)
    status = "REJECTED" if verdict is Verdict.REJECT else "SYSTEM_WITHHELD"
    return jsonify(actions=_actions(outcome), status=status)
