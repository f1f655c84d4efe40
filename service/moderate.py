"""The moderators' pages at ``/moderate``: sign in, review each site's queue, retrain, manage models, upload labels.

Server-rendered Jinja templates (``templates/moderate``) with a little plain JavaScript (``static/moderate.js``:
keyboard shortcuts, bulk selection, job progress). Every decision is stored as feedback (source ``moderator``) in
the same table as the APIs' feedback. A moderator sees only the sites granted to them (``user_sites``).

Security: passwords are checked with :func:`werkzeug.security.check_password_hash`, failed attempts are throttled
and sessions are held server-side (:mod:`service.signin`); the session cookie (Flask's signed cookie,
``HttpOnly``, ``SameSite=Lax``, ``Secure`` over HTTPS) holds the session's token and a CSRF token; every POST must
carry that token (form field ``csrf_token`` or header ``X-CSRF-Token``). The signing key is ``SECRET_KEY`` from the config, else
``$MODERATION_SECRET_KEY``, else a random key kept in ``INSTANCE/secret_key`` (shared by gunicorn workers).

``register(app)`` adds the blueprint; ``create_app`` calls it.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from functools import wraps
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.security import check_password_hash

from moderation.errors import ModerationError, RegistryError
from moderation.labels import LABELS
from moderation.retraining.retrain import default_recipe

from . import retraining, review
from .errors import ModelUnavailable, RetrainBusy, StorageError, UploadError
from .payloads import http_url
from .signin import SessionCookies, SignIn
from .storage import Storage

__all__ = ["bp", "register"]

bp = Blueprint("moderate", __name__, url_prefix="/moderate")

#: A password hash to check against when the user does not exist, so both cases take the same time.
_DUMMY_HASH = "scrypt:32768:8:1$0000000000000000$" + "0" * 128


def _storage() -> Storage:
    return current_app.extensions["moderation.storage"]


def _registry() -> Any:
    return retraining.registry(_storage(), current_app.instance_path, current_app.config["MODEL_DIR"])


# -- session, CSRF, access -------------------------------------------------------------------------------------


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _signin() -> SignIn:
    return current_app.extensions["moderation.signin"]


@bp.before_request
def _load_user_and_check_csrf() -> Any:
    g.user = None
    user_id = _signin().session_user(session.get("sid"))  # None once signed out, expired or the password changed
    if user_id is not None:
        g.user = _storage().users.get_by_id(user_id)
    if request.method == "POST":
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf") or ""
        if not expected or not secrets.compare_digest(sent, expected):
            return _page("moderate/error.html", 400, message="The form expired or did not come from this site "
                         "(CSRF check failed). Reload the page and try again.")
    return None


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf_token}


def login_required(view: Any) -> Any:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            if request.accept_mimetypes.best == "application/json":
                return jsonify(error="sign in first"), 401
            return redirect(url_for("moderate.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def _site(site_id: int) -> Any:
    """The site if the signed-in moderator may see it, else None."""
    if g.user is None or site_id not in g.user.site_ids:
        return None
    try:
        return _storage().sites.get(site_id)
    except StorageError:
        return None


def _page(template: str, status: int = 200, **context: Any) -> Any:
    return render_template(template, user=g.get("user"), **context), status


def _no_site() -> Any:
    return _page("moderate/error.html", 404, message="No such site among the sites you moderate.")


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: HTTPException) -> Any:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return _page("moderate/error.html", 413, message=f"The upload is too large: at most {limit:,} bytes.")


# -- sign in ---------------------------------------------------------------------------------------------------


def _locked(seconds: int) -> Any:
    page, status = _page("moderate/login.html", 429,
                         error=f"Too many failed sign-ins. Try again in {seconds} seconds.")
    return page, status, {"Retry-After": str(seconds)}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        signin, address = _signin(), request.remote_addr
        wait = signin.wait(username, address)
        if wait:  # locked: the password is not even checked
            return _locked(wait)
        user = _storage().users.get(username) if username else None
        ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
        if user and ok:
            signin.succeeded(username)
            signin.end_session(session.get("sid"))
            session.clear()  # a new session: no fixation
            session["sid"] = signin.start_session(user.id)
            csrf_token()
            target = request.args.get("next", "")
            if not target.startswith("/moderate") or target.startswith("//"):
                target = url_for("moderate.index")
            return redirect(target)
        wait = signin.failed(username, address)
        if wait:
            return _locked(wait)
        error = "Unknown user or wrong password."
    return _page("moderate/login.html", 401 if error else 200, error=error)


@bp.post("/logout")
def logout() -> Any:
    _signin().end_session(session.get("sid"))  # the session ends here, not only in this browser
    session.clear()
    return redirect(url_for("moderate.login"))


@bp.get("/")
@login_required
def index() -> Any:
    sites = []
    for site_id in g.user.site_ids:
        sites.append((_storage().sites.get(site_id), _storage().comments.count_pending(site_id)))
    if len(sites) == 1:
        return redirect(url_for("moderate.queue", site_id=sites[0][0].id))
    return _page("moderate/index.html", sites=sites)


# -- the queue -------------------------------------------------------------------------------------------------


def _thresholds(site: Any) -> dict[str, Any]:
    from .site_policy import effective_policy

    try:
        moderator = current_app.extensions["moderation.models"].get(site.id)
    except ModelUnavailable:  # the queue must stay usable when no model loads: order by 0.5
        return {}
    return dict(effective_policy(moderator, site).thresholds)


@bp.get("/sites/<int:site_id>")
@login_required
def queue(site_id: int) -> Any:
    site = _site(site_id)
    if site is None:
        return _no_site()
    order = "uncertain" if request.args.get("order") == "uncertain" else "newest"
    thresholds = _thresholds(site)
    checks = _storage().comments.review_queue(site.id, order=order, limit=100,
                                              thresholds={k: t.hold for k, t in thresholds.items()})
    items = [{**check.to_dict(), "pieces": review.highlight(check.text, check.reasons)} for check in checks]
    return _page("moderate/queue.html", site=site, items=items, order=order, thresholds=thresholds,
                 decisions=review.MODERATOR_DECISIONS, labels=LABELS)


@bp.post("/sites/<int:site_id>/decide")
@login_required
def decide(site_id: int) -> Any:
    site = _site(site_id)
    if site is None:
        return _no_site()
    one = request.form.get("one")
    if one:
        check_id, _, action = one.partition(":")
        ids = [check_id]
    else:
        action, ids = request.form.get("action", ""), request.form.getlist("ids")
    try:
        ids = [int(i) for i in ids]
        count = review.decide(_storage(), site.id, ids, action, moderator=g.user.username) if ids else 0
    except (ValueError, StorageError) as exc:
        flash(f"Nothing was decided: {exc}", "error")
    else:
        flash(f"{count} comment(s) decided: {action}." if count else "Select comments first.", "info")
    return redirect(url_for("moderate.queue", site_id=site.id, order=request.form.get("order") or None))


# -- uploads ---------------------------------------------------------------------------------------------------


@bp.post("/sites/<int:site_id>/upload")
@login_required
def upload(site_id: int) -> Any:
    site = _site(site_id)
    if site is None:
        return _no_site()
    file = request.files.get("file")
    if file is None or not file.filename:
        flash("Choose a CSV file to upload.", "error")
        return redirect(url_for("moderate.queue", site_id=site.id))
    limit = int(current_app.config.get("UPLOAD_MAX_BYTES", 2 * 1024 * 1024))
    data = file.stream.read(limit + 1)
    name = _shorten(file.filename, 80)
    try:
        frame = review.parse_labeled_csv(data, max_bytes=limit)
        count = review.import_labeled(_storage(), site.id, frame, moderator=g.user.username,
                                      note=f"uploaded {name}")
    except (UploadError, StorageError) as exc:
        flash(f"{name}: nothing was imported. {_shorten(str(exc), MAX_FLASH_CHARS)}", "error")
    else:
        flash(f"{name}: imported {count} labeled comment(s) as feedback.", "info")
    return redirect(url_for("moderate.queue", site_id=site.id))


#: Flashed messages travel in the session cookie until shown: a message built from an upload (its file name, its
#: column names) must not grow the cookie past what browsers and servers accept (about 4 KB).
MAX_FLASH_CHARS = 400


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- retraining and models -------------------------------------------------------------------------------------


@bp.post("/sites/<int:site_id>/retrain")
@login_required
def retrain(site_id: int) -> Any:
    site = _site(site_id)
    if site is None:
        return _no_site()
    config = current_app.config
    options = {
        "recipe": config.get("RETRAIN_RECIPE") or default_recipe(config.get("RETRAIN_DATA_DIR")),
        "data_dir": config.get("RETRAIN_DATA_DIR"),
        "base_files": list(config.get("RETRAIN_BASE_FILES") or ()),
        "params": dict(config.get("RETRAIN_PARAMS") or {}),
        "tolerance": float(config.get("RETRAIN_TOLERANCE", 0.02)),
        "promote": request.form.get("auto_promote") == "1",
        "model_dir": config["MODEL_DIR"],
    }
    try:
        active = current_app.extensions["moderation.models"].get(site.id)
        job_id = retraining.start_retrain_job(_storage(), current_app.instance_path, site, active, options=options)
    except (RetrainBusy, StorageError, ModerationError, ModelUnavailable) as exc:
        flash(f"Retraining could not start: {exc}", "error")
        return redirect(url_for("moderate.models", site_id=site.id))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(job_id=job_id, url=url_for("moderate.job", job_id=job_id))
    return redirect(url_for("moderate.models", site_id=site.id, job=job_id))


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int) -> Any:
    found = _storage().jobs.get(job_id)
    if found is None or _site(found.site_id) is None:
        return jsonify(error="no such job"), 404
    return jsonify({k: getattr(found, k) for k in ("id", "kind", "status", "progress", "message", "updated_at")})


@bp.get("/sites/<int:site_id>/models")
@login_required
def models(site_id: int) -> Any:
    site = _site(site_id)
    if site is None:
        return _no_site()
    versions = list(reversed(_registry().list(retraining.scope_of(site.id))))
    job_id = request.args.get("job", type=int)
    current_job = _storage().jobs.get(job_id) if job_id else _storage().jobs.latest(site.id, "retrain")
    if current_job and current_job.site_id != site.id:
        current_job = None
    serving = current_app.extensions["moderation.models"]
    try:
        serving_version = serving.get(site.id).version
    except ModelUnavailable:
        serving_version = None
    return _page("moderate/models.html", site=site, versions=versions, job=current_job,
                 serving_version=serving_version)


def _after_model_change(site: Any) -> None:
    current_app.extensions["moderation.models"].forget_site(site.id)  # this worker: now; others: within a second


@bp.post("/sites/<int:site_id>/models/<int:model_id>/promote")
@login_required
def promote(site_id: int, model_id: int) -> Any:
    site = _site(site_id)
    if site is None:
        return _no_site()
    try:
        version = _registry().promote(retraining.scope_of(site.id), model_id, force=request.form.get("force") == "1")
    except RegistryError as exc:
        flash(str(exc), "error")
    else:
        _after_model_change(site)
        flash(f"Model {version.version} is now active for {site.url}.", "info")
    return redirect(url_for("moderate.models", site_id=site.id))


@bp.post("/sites/<int:site_id>/models/rollback")
@login_required
def rollback(site_id: int) -> Any:
    site = _site(site_id)
    if site is None:
        return _no_site()
    try:
        version = _registry().rollback(retraining.scope_of(site.id))
    except RegistryError as exc:
        flash(str(exc), "error")
    else:
        _after_model_change(site)
        flash(f"Rolled back: {version.version if version else 'the global model'} is active.", "info")
    return redirect(url_for("moderate.models", site_id=site.id))


def _version(site: Any, model_id: int) -> Any:
    try:
        return _registry().show(retraining.scope_of(site.id), model_id)
    except RegistryError:
        return None


@bp.get("/sites/<int:site_id>/models/<int:model_id>/report")
@login_required
def report(site_id: int, model_id: int) -> Any:
    site = _site(site_id)
    version = _version(site, model_id) if site else None
    if version is None:
        return _no_site()
    path = version.report_dir / "report.json"
    facts = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    return _page("moderate/report.html", site=site, version=version, report=facts,
                 thresholds=_thresholds(site))


@bp.get("/sites/<int:site_id>/models/<int:model_id>/report/<name>")
@login_required
def report_image(site_id: int, model_id: int, name: str) -> Any:
    site = _site(site_id)
    version = _version(site, model_id) if site else None
    if version is None or not name.endswith(".png") or "/" in name or name.startswith("."):
        return _no_site()
    return send_from_directory(version.report_dir, name, mimetype="image/png")


@bp.post("/sites/<int:site_id>/policy/threshold")
@login_required
def apply_threshold(site_id: int) -> Any:
    """Set a label's hold threshold in the site's policy (the reject threshold is kept, raised if needed)."""
    site = _site(site_id)
    if site is None:
        return _no_site()
    label = request.form.get("label", "")
    try:
        hold = float(request.form.get("hold", ""))
    except ValueError:
        hold = -1.0
    if label not in LABELS or not 0.0 <= hold <= 1.0:
        flash("A threshold needs a known label and a value between 0 and 1.", "error")
        return redirect(request.referrer or url_for("moderate.models", site_id=site.id))
    policy = dict(site.policy)
    thresholds = dict(policy.get("thresholds") or {})
    current = _thresholds(site).get(label)
    reject = max(hold, float(current.reject) if current is not None else 0.9)
    thresholds[label] = {"hold": hold, "reject": reject}
    policy["thresholds"] = thresholds
    _storage().sites.update(site.id, policy=policy)
    flash(f"{label}: comments scoring {hold:.3f} or more are now held for review.", "info")
    return redirect(request.referrer or url_for("moderate.models", site_id=site.id))


# -- registration ----------------------------------------------------------------------------------------------


def _secret_key(instance: str) -> str:
    """``$MODERATION_SECRET_KEY``, else the instance's key file (made once, atomically, shared by workers)."""
    env = os.environ.get("MODERATION_SECRET_KEY")
    if env:
        return env
    path = Path(instance) / "secret_key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".secret_key.", dir=path.parent)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # fails if another worker made it first: then theirs is used
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def register(app: Flask) -> None:
    """Add the moderation pages to ``app`` (and a session signing key if it has none)."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.add_template_filter(http_url, "http_url")  # the only way a stored URL becomes a link in a page
    app.session_interface = SessionCookies()
    app.extensions["moderation.signin"] = SignIn(app.extensions["moderation.storage"])
    app.register_blueprint(bp)
