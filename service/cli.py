"""The service's commands in the ``moderation`` console script: ``serve``, ``keys``, ``sites``, ``users``,
``feedback``, ``retrain`` and ``models``.

The library's command line (:mod:`moderation.cli`) finds :func:`add_commands` through the ``moderation.commands``
entry point, so the library never imports the service. Handlers are thin: parse, call the storage, the review and
retraining modules or the library, print. Nothing but the standard library is imported until a command runs: the
commands that need only the database (``keys``, ``sites``, ``models``) work without the service's extra, and
``serve`` says how to install it when it is missing.

Every command finds the instance directory and the database the same way as the server: ``--db``, else
``$MODERATION_DATABASE_URL``, else ``--instance``/moderation.sqlite3, else ``$MODERATION_DB`` / ``$DATABASE``, else
``$MODERATION_INSTANCE``/moderation.sqlite3, else ./instance/moderation.sqlite3. So a model promoted here is the one
the running server picks up (within ``MODEL_CHECK_INTERVAL`` seconds, without a restart). A site is named by its URL
or its host (``news.example.com``: https, then http).

Longer than 500 lines on purpose: it holds all seven commands, each parser beside its handlers, so the one entry
point adds them from one place and a reader finds any command here; split it by command when one grows.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["add_commands"]

Subparsers = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--instance", metavar="DIR", help="instance directory (default: $MODERATION_INSTANCE or ./instance)"
    )
    parser.add_argument("--db", metavar="PATH|URL", help="SQLite file or postgresql:// URL (default: "
                        "$MODERATION_DATABASE_URL, else INSTANCE/moderation.sqlite3)")


def _site_option(parser: argparse.ArgumentParser, required: bool = True, repeat: bool = False) -> None:
    help_text = "the site's URL or host" + ("" if required else " (default: the global model)")
    if repeat:
        parser.add_argument("--site", action="append", required=True, metavar="SITE",
                            help="a site they moderate, by URL or host (repeatable)")
    else:
        parser.add_argument("--site", required=required, metavar="SITE", help=help_text)


def add_commands(subparsers: Subparsers) -> tuple[type[BaseException], ...]:
    """Add the service's commands; return the exceptions they report as errors (``ServiceError``)."""
    from .errors import ServiceError

    _serve_command(subparsers)
    _keys_commands(subparsers)
    _sites_commands(subparsers)
    _users_commands(subparsers)
    _db_commands(subparsers)
    _feedback_commands(subparsers)
    _retrain_command(subparsers)
    _models_commands(subparsers)
    return (ServiceError,)


# -- opening the instance --------------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> tuple[Any, Path]:
    """The instance's storage (migrated) and directory, as ``moderation serve`` would find them."""
    from .config import resolve_database, resolve_instance
    from .storage import Storage

    instance = resolve_instance(args.instance)
    storage = Storage(resolve_database(args.db, args.instance))
    storage.migrate()
    return storage, instance


def _site(storage: Any, name: str) -> Any:
    """The site named by URL or host.

    Raises
    ------
    StorageError
        When there is none, saying how to add it.
    """
    from .errors import StorageError

    site = storage.sites.lookup(name)
    if site is None:
        raise StorageError(f"no site {name}; add it with `moderation sites create {name}` (see `moderation sites list`)")
    return site


def _needs_service_extra(command: str) -> None:
    """Refuse a command whose dependencies (the ``service`` extra) are not installed, saying how to install them.

    Only looked up, not imported: ``serve`` must set ``PROMETHEUS_MULTIPROC_DIR`` before prometheus_client loads.
    """
    from importlib.util import find_spec

    from .errors import DependencyMissing

    for module in ("flask", "gunicorn", "prometheus_client"):
        if find_spec(module) is None:
            raise DependencyMissing(
                f"`moderation {command}` needs the service's dependencies ({module} is not installed): "
                "pip install 'moderation[service]'"
            )


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


# -- serve -----------------------------------------------------------------------------------------------------


def _serve_command(subparsers: Subparsers) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the HTTP service (gunicorn)",
        description="Run the HTTP service under gunicorn. On first start with an empty database, create a first "
        "site and an API key and print the key.",
    )
    serve.add_argument("--config", metavar="FILE", help="TOML file with [serve] and [app] settings ($MODERATION_CONFIG)")
    serve.add_argument("--bind", help="address to listen on, HOST:PORT or unix:PATH (default: 127.0.0.1:8000)")
    serve.add_argument("--workers", type=_positive, help="worker processes (default: 2)")
    serve.add_argument("--threads", type=_positive, help="threads per worker, gthread workers only (default: 4)")
    serve.add_argument("--worker-class", choices=["gevent", "gthread"],
                       help="gevent (default: idle or slow clients cost a greenlet each) or gthread (a thread each)")
    serve.add_argument("--worker-connections", type=_positive, help="connections per gevent worker (default: 1000)")
    serve.add_argument("--keepalive", type=_positive,
                       help="seconds a client has to send a request's headers; idle connections close after it "
                            "(default: 5)")
    serve.add_argument("--read-timeout", type=_positive,
                       help="seconds each later read of a body or write of an answer may take (default: 10)")
    serve.add_argument("--timeout", type=_positive, help="seconds before a stuck worker is restarted (default: 30)")
    serve.add_argument("--model", metavar="PATH", help="model file (default: $MODERATION_MODEL or the shipped model)")
    serve.add_argument(
        "--site", default="http://localhost", help="URL of the site created on first start (default: %(default)s)"
    )
    serve.add_argument("--access-log", action="store_true", default=None, help="log every request to stderr")
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="default: info")
    serve.add_argument("--log-format", choices=["json", "text"], help="json (default: one JSON object per line) or text")
    serve.add_argument("--metrics-bind", metavar="HOST:PORT", help="serve /metrics on this separate address")
    _store_options(serve)
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from .config import load_config, resolve_database, resolve_instance, resolve_serve_settings
    from .errors import ModelUnavailable

    _needs_service_extra("serve")
    os.umask(0o077)  # whatever the service writes (database, models, reports, metrics) is its owner's only
    instance = resolve_instance(args.instance)
    database = resolve_database(args.db, args.instance)
    # Options become environment variables: the workers (and create_app's config) read them after the fork.
    os.environ["MODERATION_INSTANCE"] = str(instance)
    os.environ["MODERATION_DB"] = str(database)
    os.environ.pop("MODERATION_DATABASE_URL", None)  # resolved into MODERATION_DB, which --db may have overridden
    if args.model:
        os.environ["MODERATION_MODEL"] = os.path.abspath(args.model)
    if args.config:
        os.environ["MODERATION_CONFIG"] = os.path.abspath(args.config)
    options = {name: getattr(args, name) for name in
               ("bind", "workers", "threads", "worker_class", "worker_connections", "keepalive", "read_timeout",
                "timeout", "access_log", "log_level", "log_format", "metrics_bind")}
    # Everything is checked before a site is created or a key printed (ConfigError names the setting): the
    # settings, the app's environment, the addresses (bound for a moment).
    settings = resolve_serve_settings(options)
    for name, value in (("MODERATION_METRICS_BIND", settings.metrics_bind),
                        ("MODERATION_METRICS_TOKEN", settings.metrics_token)):
        if value:
            os.environ[name] = value
    load_config()

    from moderation import ModerationError, Moderator

    try:
        model = Moderator.load(os.environ.get("MODERATION_MODEL") or None)
    except ModerationError as exc:
        raise ModelUnavailable(f"cannot load the model: {exc}\n(give one with --model PATH or $MODERATION_MODEL)") from None
    from .storage import mask_url

    print(f"Model {model.version} ({', '.join(model.labels)}); database {mask_url(str(database))}", flush=True)
    del model

    from .server import bootstrap, prepare_metrics_dir, run
    from .storage import Storage

    storage = Storage(database)
    created = bootstrap(storage, args.site)
    storage.close()
    bind = settings.bind
    if created:
        _, key = created
        host = bind if not bind.startswith(("0.0.0.0:", "[::]:")) else "127.0.0.1:" + bind.rsplit(":", 1)[1]
        print("Check a comment:\n")
        print(f"    curl -s http://{host}/v1/comments/check -H 'Authorization: Bearer {key}' \\")
        print(
            "         -H 'Content-Type: application/json' -d '{\"text\": \"Thanks, very informative.\"}'\n", flush=True
        )
    if not (settings.metrics_bind or settings.metrics_token) and not bind.startswith(("127.", "localhost:", "[::1]")):
        print(f"note: /metrics is open to anyone who can reach {bind}; set $MODERATION_METRICS_TOKEN or "
              "--metrics-bind HOST:PORT", file=sys.stderr, flush=True)
    prepare_metrics_dir(instance)
    run(settings)
    return 0


# -- keys and sites --------------------------------------------------------------------------------------------


def _keys_commands(subparsers: Subparsers) -> None:
    keys = subparsers.add_parser("keys", help="create, list and revoke API keys", description="API keys of sites.")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="{create,list,revoke}")
    create = keys_sub.add_parser("create", help="create a key for a site (the site is added if new); prints it once")
    create.add_argument("--site", required=True, help="the site's URL, e.g. https://news.example.com")
    create.add_argument("--label", help="a note to tell keys apart (e.g. 'wordpress')")
    create.add_argument(
        "--short",
        action="store_true",
        help="a 12-character key, for WordPress's Akismet plugin (it accepts no other length); guessing is limited",
    )
    _store_options(create)
    create.set_defaults(func=_keys_create)
    listing = keys_sub.add_parser("list", help="list keys (prefixes only: keys are stored hashed)")
    _site_option(listing, required=False)
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    _store_options(listing)
    listing.set_defaults(func=_keys_list)
    revoke = keys_sub.add_parser("revoke", help="revoke a key, given in full, by its 8-character prefix, or by id")
    revoke.add_argument("key", help="the key, its prefix, or its id (see `moderation keys list`)")
    _store_options(revoke)
    revoke.set_defaults(func=_keys_revoke)


def _keys_create(args: argparse.Namespace) -> int:
    storage, _ = _open(args)
    site = storage.sites.lookup(args.site)
    if site is None:
        site = storage.sites.create(args.site)
        print(f"Added site {site.url}", file=sys.stderr)
    key, info = storage.keys.create(site.id, label=args.label, short=args.short)
    print(f"New key for {site.url} (id {info.id}); it is shown only now:", file=sys.stderr)
    print(key)
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    storage, _ = _open(args)
    site_id = _site(storage, args.site).id if args.site else None
    rows = [("ID", "PREFIX", "SITE", "LABEL", "CREATED", "REVOKED")]
    for k in storage.keys.list(site_id, include_revoked=args.all):
        rows.append((str(k.id), k.prefix + "...", k.site_url, k.label or "", k.created_at, k.revoked_at or ""))
    _table(rows)
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    info = _open(args)[0].keys.revoke(args.key)
    print(f"Revoked key {info.id} ({info.prefix}...) of {info.site_url}")
    return 0


def _sites_commands(subparsers: Subparsers) -> None:
    sites = subparsers.add_parser("sites", help="add, list, show and configure sites", description="Sites served.")
    sites_sub = sites.add_subparsers(dest="sites_command", required=True, metavar="{create,list,show,update}")
    screate = sites_sub.add_parser("create", help="add a site")
    screate.add_argument("url")
    screate.add_argument("--name")
    _store_options(screate)
    screate.set_defaults(func=_sites_create)
    slist = sites_sub.add_parser("list", help="list sites")
    _store_options(slist)
    slist.set_defaults(func=_sites_list)
    show = sites_sub.add_parser("show", help="a site's settings, policy and this month's counters (JSON)")
    show.add_argument("site", metavar="SITE", help="the site's URL or host")
    _store_options(show)
    show.set_defaults(func=_sites_show)
    update = sites_sub.add_parser("update", help="change a site's name, storage settings or policy")
    update.add_argument("site", metavar="SITE", help="the site's URL or host")
    update.add_argument("--name")
    storing = update.add_mutually_exclusive_group()
    storing.add_argument("--store", dest="store", action="store_true", default=None, help="keep checked comments")
    storing.add_argument("--no-store", dest="store", action="store_false", help="keep no checked comments")
    update.add_argument(
        "--approved-sample-rate",
        metavar="RATE",
        type=_sample_rate,
        help="share of approved comments kept for audits, 0..1 ('default': the server's setting)",
    )
    update.add_argument(
        "--policy",
        metavar="FILE",
        help="JSON file ('-': stdin) with thresholds, blocked_words, allowed_words, blocked_domains; "
        "replaces the site's policy settings",
    )
    update.add_argument(
        "--coral-secret-file",
        metavar="FILE",
        help="file ('-': stdin) holding the signing secret of the site's Coral Talk external moderation phase",
    )
    update.add_argument(
        "--coral-untrained-languages",
        choices=["score", "premod"],
        help="Coral phase: comments in a language the model was not trained on are scored like any other, or "
        "sent to Coral's pre-moderation queue",
    )
    update.add_argument("--no-coral", action="store_true", help="remove the site's Coral phase settings")
    _store_options(update)
    update.set_defaults(func=_sites_update)


def _sample_rate(text: str) -> float | str:
    if text == "default":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number in [0, 1] or 'default'") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1] or 'default', got {text}")
    return value


def _sites_create(args: argparse.Namespace) -> int:
    site = _open(args)[0].sites.create(args.url, name=args.name)
    print(f"Added site {site.url} (id {site.id}); create a key with: moderation keys create --site {site.url}")
    return 0


def _sites_list(args: argparse.Namespace) -> int:
    storage, _ = _open(args)
    rows = [("ID", "URL", "NAME", "STORE", "KEYS")]
    for site in storage.sites.list():
        keys = str(len(storage.keys.list(site.id)))
        rows.append((str(site.id), site.url, site.name or "", "yes" if site.store_comments else "no", keys))
    _table(rows)
    return 0


def _sites_show(args: argparse.Namespace) -> int:
    storage, _ = _open(args)
    site = _site(storage, args.site)
    shown = site.to_dict()
    shown["keys"] = len(storage.keys.list(site.id))
    shown["usage_this_month"] = storage.usage.get(site.id).to_dict()
    shown["coral_phase"] = _coral_shown(storage, site.id)
    print(json.dumps(shown, indent=2))
    return 0


def _coral_shown(storage: Any, site_id: int) -> dict[str, Any]:
    phase = storage.coral.get(site_id)
    if phase is None:
        return {"configured": False}
    return {"configured": True, "untrained_languages": phase.untrained_languages, "updated_at": phase.updated_at}


def _sites_update(args: argparse.Namespace) -> int:
    from .errors import PolicySettingsError, StorageError
    from .site_policy import parse_settings

    storage, _ = _open(args)
    site = _site(storage, args.site)
    changes: dict[str, Any] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.store is not None:
        changes["store_comments"] = args.store
    if args.approved_sample_rate is not None:
        changes["approved_sample_rate"] = None if args.approved_sample_rate == "default" else args.approved_sample_rate
    if args.policy is not None:
        try:
            text = sys.stdin.read() if args.policy == "-" else Path(args.policy).read_text(encoding="utf-8")
            changes["policy"] = parse_settings(json.loads(text))
        except (OSError, ValueError) as exc:  # unreadable file, not JSON, or invalid settings
            raise PolicySettingsError(f"policy {args.policy}: {exc}", "policy") from None
    secret = None
    if args.coral_secret_file is not None:
        try:
            secret = sys.stdin.read() if args.coral_secret_file == "-" else Path(args.coral_secret_file).read_text()
        except OSError as exc:
            raise StorageError(f"Coral secret {args.coral_secret_file}: {exc.strerror or exc}") from None
    shown = storage.sites.update(site.id, **changes).to_dict()
    if args.no_coral:
        storage.coral.delete(site.id)
    elif secret is not None or args.coral_untrained_languages is not None:
        storage.coral.set(site.id, signing_secret=secret, untrained_languages=args.coral_untrained_languages)
    shown["coral_phase"] = _coral_shown(storage, site.id)
    print(json.dumps(shown, indent=2))
    return 0


# -- moderators and their decisions ----------------------------------------------------------------------------


def _users_commands(subparsers: Subparsers) -> None:
    users = subparsers.add_parser("users", help="moderator accounts")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="{create,password}")
    uc = usub.add_parser("create", help="add a moderator who may review the given sites")
    uc.add_argument("username")
    _site_option(uc, repeat=True)
    uc.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    _store_options(uc)
    uc.set_defaults(func=_users_create)
    up = usub.add_parser("password", help="change a moderator's password (their sessions end everywhere)")
    up.add_argument("username")
    up.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    _store_options(up)
    up.set_defaults(func=_users_password)


def _password_hash(args: argparse.Namespace, command: str) -> str:
    """The new password (standard input, or typed twice), checked and hashed."""
    from .errors import InvalidPassword

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise InvalidPassword("the passwords differ")
    if len(password) < 8:
        raise InvalidPassword("the password must have at least 8 characters")
    try:
        from werkzeug.security import generate_password_hash
    except ModuleNotFoundError:
        _needs_service_extra(command)
        raise
    return generate_password_hash(password)


def _users_create(args: argparse.Namespace) -> int:
    storage, _ = _open(args)
    sites = [_site(storage, name) for name in args.site]
    user_id = storage.users.create(args.username, _password_hash(args, "users create"), [s.id for s in sites])
    print(f"user {args.username} (id {user_id}) may moderate {', '.join(s.url for s in sites)}")
    return 0


def _users_password(args: argparse.Namespace) -> int:
    from .errors import StorageError

    storage, _ = _open(args)
    user = storage.users.get(args.username)
    if user is None:
        raise StorageError(f"no user {args.username!r} (add one with `moderation users create`)")
    ended = storage.users.set_password(user.id, _password_hash(args, "users password"))
    print(f"password of {args.username} changed; {ended} session(s) ended")
    return 0


# -- backups ---------------------------------------------------------------------------------------------------


def _db_commands(subparsers: Subparsers) -> None:
    db = subparsers.add_parser(
        "db",
        help="back up and restore the database",
        description="Back up the database while the service runs (SQLite's online backup), or restore a backup.",
    )
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="{backup,restore}")
    backup = db_sub.add_parser("backup", help="copy the live database to PATH (a new file, readable by you only)")
    backup.add_argument("path", help="the backup file to write (must not exist)")
    _store_options(backup)
    backup.set_defaults(func=_db_backup)
    restore = db_sub.add_parser(
        "restore", help="replace the database with a backup (stop `moderation serve` first, start it after)"
    )
    restore.add_argument("path", help="a file written by `moderation db backup`")
    _store_options(restore)
    restore.set_defaults(func=_db_restore)


def _db_backup(args: argparse.Namespace) -> int:
    storage, _ = _open(args)
    target = storage.backup(args.path)
    print(f"Backed up database {storage.path} to {target} ({target.stat().st_size} bytes, schema version "
          f"{storage.schema_version()})")
    return 0


def _db_restore(args: argparse.Namespace) -> int:
    storage, _ = _open(args)
    version = storage.restore(args.path)
    print(f"Restored database {storage.path} from {args.path} (schema version {version}); start `moderation serve`")
    return 0


def _feedback_commands(subparsers: Subparsers) -> None:
    feedback = subparsers.add_parser("feedback", help="moderators' decisions: import labeled files")
    fsub = feedback.add_subparsers(dest="feedback_command", required=True, metavar="{import}")
    fi = fsub.add_parser("import", help="import a labeled CSV (text + label columns) as a site's feedback, "
                         "all rows or none")
    fi.add_argument("file")
    _site_option(fi)
    fi.add_argument("--moderator", help="recorded as who decided (default: the user running the command)")
    _store_options(fi)
    fi.set_defaults(func=_feedback_import)


def _feedback_import(args: argparse.Namespace) -> int:
    from .errors import UploadError
    from .review import import_labeled, parse_labeled_csv

    storage, _ = _open(args)
    site = _site(storage, args.site)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise UploadError(f"cannot read {args.file}: {exc.strerror}") from None
    frame = parse_labeled_csv(data, max_bytes=64 * 1024 * 1024, max_rows=1_000_000)
    count = import_labeled(storage, site.id, frame, moderator=args.moderator or os.environ.get("USER"))
    print(f"imported {count} labeled comment(s) as feedback of {site.url}")
    return 0


# -- retraining and model versions -----------------------------------------------------------------------------


def _retrain_command(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "retrain", help="train a site's model from its moderators' decisions; evaluate, version, maybe promote",
        description="Train a candidate from base data plus the site's feedback, evaluate it against the active model "
        "on held-out feedback, save it as a new version with its report, and promote it if the gate passes.",
    )
    _site_option(p)
    p.add_argument("--recipe", help="base recipe over the shared datasets: default, commercial or none (feedback and "
                   "--base files only); default: 'default' when the datasets are present, else 'none'")
    p.add_argument("--data-dir", help="shared datasets directory for --recipe")
    p.add_argument("--base", nargs="+", default=[], metavar="FILE", help="labeled files added to the base data")
    p.add_argument("--n-features", type=int, help="hashed feature buckets (a power of two; smaller is faster)")
    p.add_argument("--tolerance", type=float, default=0.02, help="ROC AUC a label may lose (default 0.02)")
    p.add_argument("--no-promote", action="store_true", help="keep the new version a candidate even if it passes")
    p.add_argument("--protocol-rounds", type=int, default=0, metavar="N",
                   help="also run N rounds of the standard protocol (needs --recipe and the datasets)")
    p.add_argument("--model", metavar="PATH", help="the global model (default: $MODERATION_MODEL or the shipped one)")
    _store_options(p)
    p.set_defaults(func=_retrain)


def _retrain(args: argparse.Namespace) -> int:
    from moderation import Moderator
    from moderation.retraining.retrain import default_recipe

    from .retraining import retrain_site

    storage, instance = _open(args)
    site = _site(storage, args.site)
    stored = storage.models.active_path(site.id)
    active_path = (instance / stored if stored and not Path(stored).is_absolute() else stored) or args.model or None
    active = Moderator.load(active_path)
    params = {"n_features": args.n_features} if args.n_features else {}

    def progress(fraction: float, message: str) -> None:
        print(f"[{100 * fraction:3.0f}%] {message}", file=sys.stderr, flush=True)

    recipe = args.recipe or default_recipe(args.data_dir)
    found = " (no shared datasets found)" if recipe == "none" and not args.recipe else ""
    print(f"base data: recipe {recipe!r}{found}", file=sys.stderr)
    result = retrain_site(storage, instance, site, active=active, recipe=recipe, data_dir=args.data_dir,
                          base_files=args.base, params=params, promote=not args.no_promote,
                          tolerance=args.tolerance, protocol_rounds=args.protocol_rounds, progress=progress)
    print(f"version {result.version.id}: {result.version.version}")
    print(f"gate: {result.gate['status']}")
    for reason in result.gate["reasons"]:
        print(f"  - {reason}")
    print("promoted" if result.promoted else "not promoted (see `moderation models promote`)")
    print(f"report: {result.version.report_dir / 'index.html'}")
    return 0


def _models_commands(subparsers: Subparsers) -> None:
    models = subparsers.add_parser("models", help="model versions of a site: list, show, promote, rollback")
    msub = models.add_subparsers(dest="models_command", required=True, metavar="{list,show,promote,rollback}")

    def command(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        parser = msub.add_parser(name, help=help_text)
        _site_option(parser, required=False)
        _store_options(parser)
        parser.set_defaults(func=handler)
        return parser

    command("list", "versions of a site, oldest first; the active one is marked", _models_list)
    command("show", "a version's record and report summary (JSON)", _models_show).add_argument(
        "ref", help="version id or name")
    promote = command("promote", "make a version the site's active model", _models_promote)
    promote.add_argument("ref", help="version id or name")
    promote.add_argument("--force", action="store_true", help="promote even though its gate failed")
    command("rollback", "reactivate the previous version (or the global model)", _models_rollback)


def _registry(args: argparse.Namespace) -> tuple[Any, str | None, int | None]:
    """The instance's registry, and the scope and site id of ``--site`` (None, None: the global model)."""
    from .retraining import registry, scope_of

    storage, instance = _open(args)
    site_id = _site(storage, args.site).id if args.site else None
    return registry(storage, instance), scope_of(site_id), site_id


def _models_list(args: argparse.Namespace) -> int:
    registry, scope, _ = _registry(args)
    versions = registry.list(scope)
    active = registry.active(scope)
    if active is None:
        print("* global model (no promoted version)")
    for v in versions:
        mark = "*" if active is not None and v.id == active.id else " "
        print(f"{mark} {v.id:>4}  {v.version:<40} {v.status:<9} gate {v.gate or '-':<12} {v.created_at}")
    return 0


def _models_show(args: argparse.Namespace) -> int:
    registry, scope, site_id = _registry(args)
    v = registry.show(scope, args.ref)
    print(json.dumps({**v.to_dict(), "site_id": site_id, "report": dict(v.report)}, indent=2, default=str))
    return 0


def _models_promote(args: argparse.Namespace) -> int:
    registry, scope, _ = _registry(args)
    v = registry.promote(scope, args.ref, force=args.force)
    print(f"active: {v.id} {v.version}")
    return 0


def _models_rollback(args: argparse.Namespace) -> int:
    registry, scope, _ = _registry(args)
    v = registry.rollback(scope)
    print(f"active: {v.id} {v.version}" if v else "active: the global model")
    return 0
