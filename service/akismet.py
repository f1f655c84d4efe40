"""Akismet-compatible endpoints: form-encoded in, plain text out, answered the way Akismet answers.

A site switches from Akismet by pointing its client at this server (the Python ``akismet`` client via its
``http_client``, PHP and Node clients via their base URL) and using a key made with ``moderation keys create``.

How our verdicts map onto Akismet's vocabulary (see :mod:`service.checks`):

* ``comment-check`` answers ``true`` when the spam label reaches its **hold** threshold for the site, or a site
  rule fired (blocked word, blocked link domain); ``X-akismet-pro-tip: discard`` is added when the spam label
  reaches its **reject** threshold or a rule fired. Abuse (toxicity, insults) is not spam: ask the native or the
  Perspective API for those. ``X-akismet-guid`` carries the request id.
* Akismet's test triggers behave as documented: author ``viagra-test-123`` (or e-mail
  ``akismet-guaranteed-spam@example.com``) is spam, ``user_role=administrator`` is ham; these answers come without
  scoring and are neither stored nor counted. ``is_test=1`` stores and counts nothing.
* A text longer than the comment limit (20 KB) is scored on its first 20 KB: Akismet has no length error.
* ``submit-spam`` / ``submit-ham`` store feedback (decision spam / ham) for the comment, identified by a digest of
  its content and author fields, so the check and the report of the same comment meet.
* ``verify-key`` answers ``valid`` when the key is valid and ``blog`` is the key's site (same host, or a subdomain).
* ``usage-limit`` reports this month's checks with no limit (``"limit": "none"``); ``key-sites`` reports the
  key's site. A key belongs to one site here, so the list has one row.

Unknown parameters are accepted and ignored; ``blog_charset`` is honoured when decoding the form if it names a
text encoding (``rot13``, ``base64``, ``zlib``, ``idna`` and the like are not: the form is then read as UTF-8, as for
an unknown name). A form of more than 10,000 fields is refused (413). A ``permalink`` that is not an http(s) URL is
ignored: it is never stored as the comment's article link.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from moderation import Comment

from .auth import host_key, site_for_key, storage
from .checks import Checker, Item
from .errors import StorageError
from .payloads import clean_text, http_url, read_body
from .storage import Site, current_month, normalise_site_url, site_host

__all__ = ["bp", "SUBMISSION_RESPONSE"]

bp = Blueprint("akismet", __name__)

SUBMISSION_RESPONSE = "Thanks for making the web a better place."
TEST_SPAM_AUTHOR = "viagra-test-123"
TEST_SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
#: Akismet parameters kept with a stored check besides the comment's own fields.
EXTRA_FIELDS = (
    "blog",
    "blog_lang",
    "blog_charset",
    "user_role",
    "comment_post_modified_gmt",
    "comment_parent",
    "honeypot_field_name",
    "recheck_reason",
    "comment_context",
)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_FORM_FIELDS = 10_000
#: Codecs that are text encodings to Python but cannot decode an arbitrary form value: IDNA and punycode are for host
#: names, the escape codecs interpret backslashes, ``undefined`` refuses everything.
_NOT_FORM_CODECS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"})
_ORDERS = ("total", "spam", "ham", "missed_spam", "false_positives")


def _text(
    body: str, headers: dict[str, str] | None = None, status: int = 200, mimetype: str = "text/plain"
) -> Response:
    response = Response(body, status=status, mimetype=mimetype)
    # Header values must be Latin-1 on the wire; whatever a client sent is echoed escaped.
    response.headers.update({k: v.encode("ascii", "backslashreplace").decode() for k, v in (headers or {}).items()})
    return response


def _invalid(why: str) -> Response:
    return _text("invalid", {"X-akismet-debug-help": why})


def _missing(name: str) -> Response:
    return _text(f"Missing required field: {name}.", {"X-akismet-debug-help": f"The {name} parameter is required."})


def _params() -> dict[str, str]:
    """Query and form parameters; a urlencoded body is decoded with its ``blog_charset`` (UTF-8 by default)."""
    params = {k: clean_text(v) for k, v in request.args.items()}
    if request.method != "POST":
        return params
    if request.mimetype == "multipart/form-data":
        params.update({k: clean_text(v) for k, v in request.form.items()})
        return params
    raw = read_body().decode("latin-1")  # bytes as they came, one char per byte
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, encoding="latin-1", max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise RequestEntityTooLarge(f"more than {MAX_FORM_FIELDS} form fields") from None
    codec = _form_codec(next((v for k, v in pairs if k == "blog_charset"), ""))

    def decode(value: str) -> str:
        try:
            return clean_text(value.encode("latin-1").decode(codec, "replace"))
        except UnicodeError:  # a text codec that cannot replace what it cannot decode
            return clean_text(value.encode("latin-1").decode("utf-8", "replace"))

    params.update({decode(k): decode(v) for k, v in pairs})
    return params


def _form_codec(charset: str) -> str:
    """The codec a form's ``blog_charset`` names, if it is a text encoding; else UTF-8."""
    try:
        info = codecs.lookup(charset.strip() or "utf-8")
    except (LookupError, ValueError):
        return "utf-8"
    # bytes-to-bytes (base64, zlib, hex...) and str-to-str (rot13) codecs are not text encodings
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("_", "-") in _NOT_FORM_CODECS:
        return "utf-8"
    return info.name


def _blog_matches(site: Site, blog: str) -> bool:
    try:
        host = site_host(normalise_site_url(blog))
    except StorageError:
        return False
    return host == site.host or host.endswith("." + site.host)


def _authenticate(params: dict[str, str], *, require_blog: bool = True) -> tuple[Site | None, Response | None]:
    key = params.get("api_key") or params.get("key") or host_key()
    if not key:
        return None, _invalid('Empty "api_key" value')
    site = site_for_key(key)
    if site is None:
        return None, _invalid("The API key is unknown or revoked.")
    if require_blog:
        blog = params.get("blog")
        if not blog:
            return None, _missing("blog")
        if not _blog_matches(site, blog):
            return None, _invalid(f"The blog parameter {ascii(blog)} is not this key's site ({site.url}).")
    return site, None


def _is_test(params: dict[str, str]) -> bool:
    return params.get("is_test", "").strip().lower() in ("1", "true", "yes")


def _comment(params: dict[str, str]) -> Comment:
    text = params.get("comment_content", "")
    limit = current_app.config["MAX_COMMENT_BYTES"]
    if len(text) > limit // 4 and len(text.encode("utf-8")) > limit:
        text = text.encode("utf-8")[:limit].decode("utf-8", "ignore")
    return Comment(
        text,
        author=params.get("comment_author") or None,
        author_email=params.get("comment_author_email") or None,
        author_url=params.get("comment_author_url") or None,
        user_ip=params.get("user_ip") or None,
        user_agent=params.get("user_agent") or None,
        referrer=params.get("referrer") or params.get("referer") or None,
        permalink=http_url(params.get("permalink")),
        comment_type=params.get("comment_type") or None,
        created_at=params.get("comment_date_gmt") or None,
    )


def _comment_id(params: dict[str, str]) -> str:
    """The same comment checked and later reported gets the same id: a digest of what identifies it."""
    fields = ("permalink", "comment_author", "comment_author_email", "user_ip", "comment_content")
    digest = hashlib.sha256("\x1f".join(params.get(f, "") for f in fields).encode("utf-8", "replace")).hexdigest()
    return f"akismet:{digest[:32]}"


@bp.post("/1.1/verify-key")
def verify_key():
    params = _params()
    key = params.get("key") or params.get("api_key") or host_key()
    if not key:
        return _invalid('Empty "key" value')
    site = site_for_key(key)
    if site is None:
        return _invalid("The API key is unknown or revoked.")
    blog = params.get("blog")
    if not blog:
        return _invalid('Empty "blog" value')
    if not _blog_matches(site, blog):
        return _invalid(f"The blog parameter {ascii(blog)} is not this key's site ({site.url}).")
    return _text("valid")


@bp.post("/1.1/comment-check")
def comment_check():
    params = _params()
    site, problem = _authenticate(params)
    if problem is not None:
        return problem
    if not params.get("user_ip"):
        return _missing("user_ip")
    headers = {"X-akismet-guid": g.request_id}
    if params.get("comment_author") == TEST_SPAM_AUTHOR or params.get("comment_author_email") == TEST_SPAM_EMAIL:
        return _text("true", headers)
    if params.get("user_role", "").strip().lower() == "administrator":
        return _text("false", headers)
    test = _is_test(params)
    item = Item(
        _comment(params),
        comment_id=_comment_id(params),
        thread_id=(params.get("comment_post_ID") or None),
        article_url=http_url(params.get("permalink")),
        extra={f: params[f] for f in EXTRA_FIELDS if params.get(f)},
    )
    checker: Checker = current_app.extensions["moderation.checker"]
    _, _, (outcome,) = checker.check(
        site, [item], source="akismet", request_id=g.request_id, store=not test, count=not test
    )
    if outcome.discard:
        headers["X-akismet-pro-tip"] = "discard"
    return _text("true" if outcome.spam else "false", headers)


def _submit(decision: str) -> Response:
    params = _params()
    site, problem = _authenticate(params)
    if problem is not None:
        return problem
    if not params.get("user_ip"):
        return _missing("user_ip")
    if not _is_test(params):
        comment = _comment(params)
        metadata = {
            k: v
            for k, v in params.items()
            if k in EXTRA_FIELDS or k.startswith("comment_") or k in ("user_ip", "user_agent", "referrer", "permalink")
        }
        metadata.pop("comment_content", None)
        storage().feedback.record(
            site.id, _comment_id(params), decision, source="akismet", text=comment.text, metadata=metadata
        )
    return _text(SUBMISSION_RESPONSE)


@bp.post("/1.1/submit-spam")
def submit_spam():
    return _submit("spam")


@bp.post("/1.1/submit-ham")
def submit_ham():
    return _submit("ham")


@bp.route("/1.2/usage-limit", methods=["GET", "POST"])
def usage_limit():
    site, problem = _authenticate(_params(), require_blog=False)
    if problem is not None:
        return problem
    return jsonify(limit="none", usage=storage().usage.get(site.id).api_calls, percentage="0.00", throttled=False)


@bp.route("/1.2/key-sites", methods=["GET", "POST"])
def key_sites():
    params = _params()
    site, problem = _authenticate(params, require_blog=False)
    if problem is not None:
        return problem
    month = params.get("month") or current_month()
    if not _MONTH.match(month):
        return _text(f"Invalid month {month!r}; use YYYY-MM.", status=400)
    fmt = (params.get("format") or "json").lower()
    if fmt not in ("json", "csv"):
        return _text(f"Invalid format {fmt!r}; use json or csv.", status=400)
    if (params.get("order") or "total") not in _ORDERS:
        return _text(f"Invalid order; use one of {', '.join(_ORDERS)}.", status=400)
    try:
        limit = int(params.get("limit") or 500)
        offset = int(params.get("offset") or 0)
    except ValueError:
        return _text("limit and offset must be integers.", status=400)
    if limit < 0 or offset < 0:
        return _text("limit and offset must not be negative.", status=400)
    wanted = params.get("filter") or ""
    rows = [site] if wanted.lower() in site.url.lower() else []
    total = len(rows)
    rows = rows[offset : offset + limit]
    counts = {r.id: storage().usage.get(r.id, month).to_dict() for r in rows}
    if fmt == "csv":
        out = io.StringIO()
        key = params.get("api_key") or params.get("key") or ""
        out.write(f"Active sites for {key[:8]}... during {month} (limit:{limit}, offset: {offset}, total: {total})\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["Site", "Total API Calls", "Spam", "Ham", "Missed Spam", "False Positives", "Is Revoked"])
        for r in rows:
            c = counts[r.id]
            writer.writerow(
                [r.host, c["api_calls"], c["spam"], c["ham"], c["missed_spam"], c["false_positives"], "false"]
            )
        return _text(out.getvalue(), mimetype="text/csv")
    listed = [{"site": r.host, **{k: str(v) for k, v in counts[r.id].items()}, "is_revoked": False} for r in rows]
    return jsonify({month: listed, "limit": limit, "offset": offset, "total": total})
