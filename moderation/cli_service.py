"""The service's commands: ``moderation serve``, ``moderation keys ...``, ``moderation sites ...``.

``moderation.cli`` calls :func:`add_service_commands` with its subparsers; each command sets ``func`` to a handler
``handler(args) -> int`` (the exit code). Handlers are thin: parse, call :mod:`service`, print. The service is
imported inside the handlers, so ``moderation --help`` stays fast and ``serve`` can export
``PROMETHEUS_MULTIPROC_DIR`` before anything imports ``prometheus_client``.

Every command finds the database the same way as the server: ``--db``, else ``--instance``/moderation.sqlite3, else
``$MODERATION_DB`` / ``$DATABASE``, else ``$MODERATION_INSTANCE``/moderation.sqlite3, else
./instance/moderation.sqlite3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

__all__ = ["add_service_commands"]


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--instance", metavar="DIR", help="instance directory (default: $MODERATION_INSTANCE or ./instance)"
    )
    parser.add_argument("--db", metavar="PATH", help="SQLite database (default: INSTANCE/moderation.sqlite3)")


def add_service_commands(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``serve``, ``keys`` and ``sites`` to the ``moderation`` command line."""
    serve = subparsers.add_parser(
        "serve",
        help="run the HTTP service (gunicorn)",
        description="Run the HTTP service under gunicorn. On first start with an empty database, create a first "
        "site and an API key and print the key.",
    )
    serve.add_argument("--config", metavar="FILE", help="TOML file with [serve] and [app] settings ($MODERATION_CONFIG)")
    serve.add_argument("--bind", help="address to listen on, HOST:PORT or unix:PATH (default: 127.0.0.1:8000)")
    serve.add_argument("--workers", help="worker processes (default: 2)")
    serve.add_argument("--threads", help="threads per worker (default: 4)")
    serve.add_argument("--timeout", help="seconds before a stuck worker is restarted (default: 30)")
    serve.add_argument("--model", metavar="PATH", help="model file (default: $MODERATION_MODEL or the shipped model)")
    serve.add_argument(
        "--site", default="http://localhost", help="URL of the site created on first start (default: %(default)s)"
    )
    serve.add_argument("--access-log", action="store_true", default=None, help="log every request to stderr")
    serve.add_argument("--log-level", help="debug, info (default), warning or error")
    serve.add_argument("--log-format", help="json (default: one JSON object per line) or text")
    serve.add_argument("--metrics-bind", metavar="HOST:PORT", help="serve /metrics on this separate address")
    _store_options(serve)
    serve.set_defaults(func=_serve)

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
    listing.add_argument("--site", help="only this site's keys")
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    _store_options(listing)
    listing.set_defaults(func=_keys_list)
    revoke = keys_sub.add_parser("revoke", help="revoke a key, given in full, by its 8-character prefix, or by id")
    revoke.add_argument("key", help="the key, its prefix, or its id (see `moderation keys list`)")
    _store_options(revoke)
    revoke.set_defaults(func=_keys_revoke)

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
    show.add_argument("url")
    _store_options(show)
    show.set_defaults(func=_sites_show)
    update = sites_sub.add_parser("update", help="change a site's name, storage settings or policy")
    update.add_argument("url")
    update.add_argument("--name")
    storing = update.add_mutually_exclusive_group()
    storing.add_argument("--store", dest="store", action="store_true", default=None, help="keep checked comments")
    storing.add_argument("--no-store", dest="store", action="store_false", help="keep no checked comments")
    update.add_argument(
        "--approved-sample-rate",
        metavar="RATE",
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


# -- handlers --------------------------------------------------------------------------------------------------


def _storage(args: argparse.Namespace):
    from service.config import resolve_database
    from service.storage import Storage

    storage = Storage(resolve_database(args.db, args.instance))
    storage.migrate()
    return storage


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _serve(args: argparse.Namespace) -> int:
    from service.config import load_config, resolve_database, resolve_instance, resolve_serve_settings
    from service.errors import ConfigError

    instance = resolve_instance(args.instance)
    database = resolve_database(args.db, instance)
    # Options become environment variables: the workers (and create_app's config) read them after the fork.
    os.environ["MODERATION_INSTANCE"] = str(instance)
    os.environ["MODERATION_DB"] = str(database)
    if args.model:
        os.environ["MODERATION_MODEL"] = os.path.abspath(args.model)
    if args.config:
        os.environ["MODERATION_CONFIG"] = os.path.abspath(args.config)
    options = {name: getattr(args, name) for name in
               ("bind", "workers", "threads", "timeout", "access_log", "log_level", "log_format", "metrics_bind")}
    try:
        # Everything is checked before a site is created or a key printed: settings, the app's environment, the
        # addresses (bound for a moment).
        settings = resolve_serve_settings(options)
        for name, value in (("MODERATION_METRICS_BIND", settings.metrics_bind),
                            ("MODERATION_METRICS_TOKEN", settings.metrics_token)):
            if value:
                os.environ[name] = value
        load_config()
    except ConfigError as exc:
        return _fail(str(exc))

    from moderation import ModerationError, Moderator

    try:
        model = Moderator.load(os.environ.get("MODERATION_MODEL") or None)
    except ModerationError as exc:
        return _fail(f"cannot load the model: {exc}\n(give one with --model PATH or $MODERATION_MODEL)")
    print(f"Model {model.version} ({', '.join(model.labels)}); database {database}", flush=True)
    del model

    from service.server import bootstrap, prepare_metrics_dir, run
    from service.storage import Storage, StorageError

    try:
        storage = Storage(database)
        created = bootstrap(storage, args.site)
        storage.close()
    except StorageError as exc:
        return _fail(str(exc))
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
    try:
        run(settings)
    except ConfigError as exc:
        return _fail(str(exc))
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    from service.storage import StorageError

    storage = _storage(args)
    try:
        site = storage.sites.find(args.site)
        if site is None:
            site = storage.sites.create(args.site)
            print(f"Added site {site.url}", file=sys.stderr)
        key, info = storage.keys.create(site.id, label=args.label, short=args.short)
    except StorageError as exc:
        return _fail(str(exc))
    print(f"New key for {site.url} (id {info.id}); it is shown only now:", file=sys.stderr)
    print(key)
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    from service.storage import StorageError

    storage = _storage(args)
    site_id = None
    if args.site:
        try:
            site = storage.sites.find(args.site)
        except StorageError as exc:
            return _fail(str(exc))
        if site is None:
            return _fail(f"no site {args.site}")
        site_id = site.id
    rows = [("ID", "PREFIX", "SITE", "LABEL", "CREATED", "REVOKED")]
    for k in storage.keys.list(site_id, include_revoked=args.all):
        rows.append((str(k.id), k.prefix + "...", k.site_url, k.label or "", k.created_at, k.revoked_at or ""))
    _table(rows)
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    from service.storage import StorageError

    try:
        info = _storage(args).keys.revoke(args.key)
    except StorageError as exc:
        return _fail(str(exc))
    print(f"Revoked key {info.id} ({info.prefix}...) of {info.site_url}")
    return 0


def _sites_create(args: argparse.Namespace) -> int:
    from service.storage import StorageError

    try:
        site = _storage(args).sites.create(args.url, name=args.name)
    except StorageError as exc:
        return _fail(str(exc))
    print(f"Added site {site.url} (id {site.id}); create a key with: moderation keys create --site {site.url}")
    return 0


def _sites_list(args: argparse.Namespace) -> int:
    storage = _storage(args)
    rows = [("ID", "URL", "NAME", "STORE", "KEYS")]
    for site in storage.sites.list():
        rows.append(
            (
                str(site.id),
                site.url,
                site.name or "",
                "yes" if site.store_comments else "no",
                str(len(storage.keys.list(site.id))),
            )
        )
    _table(rows)
    return 0


def _find(storage: Any, url: str):
    return storage.sites.lookup(url)


def _sites_show(args: argparse.Namespace) -> int:
    storage = _storage(args)
    site = _find(storage, args.url)
    if site is None:
        return _fail(f"no site {args.url} (see `moderation sites list`)")
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
    from service.site_policy import parse_settings
    from service.storage import StorageError

    storage = _storage(args)
    site = _find(storage, args.url)
    if site is None:
        return _fail(f"no site {args.url} (see `moderation sites list`)")
    changes: dict[str, Any] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.store is not None:
        changes["store_comments"] = args.store
    if args.approved_sample_rate is not None:
        if args.approved_sample_rate == "default":
            changes["approved_sample_rate"] = None
        else:
            try:
                changes["approved_sample_rate"] = float(args.approved_sample_rate)
            except ValueError:
                return _fail("--approved-sample-rate must be a number in [0, 1] or 'default'")
    if args.policy is not None:
        try:
            text = sys.stdin.read() if args.policy == "-" else open(args.policy, encoding="utf-8").read()
            policy = parse_settings(json.loads(text))
        except (OSError, ValueError) as exc:  # unreadable file, not JSON, or PolicySettingsError
            return _fail(f"policy {args.policy}: {exc}")
        changes["policy"] = policy
    secret = None
    if args.coral_secret_file is not None:
        try:
            secret = sys.stdin.read() if args.coral_secret_file == "-" else open(args.coral_secret_file).read()
        except OSError as exc:
            return _fail(f"Coral secret {args.coral_secret_file}: {exc}")
    try:
        site = storage.sites.update(site.id, **changes)
        if args.no_coral:
            storage.coral.delete(site.id)
        elif secret is not None or args.coral_untrained_languages is not None:
            storage.coral.set(site.id, signing_secret=secret, untrained_languages=args.coral_untrained_languages)
    except StorageError as exc:
        return _fail(str(exc))
    shown = site.to_dict()
    shown["coral_phase"] = _coral_shown(storage, site.id)
    print(json.dumps(shown, indent=2))
    return 0


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
