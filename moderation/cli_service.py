"""The service's commands: ``moderation serve``, ``moderation keys ...``, ``moderation sites ...``.

``moderation.cli`` calls :func:`add_service_commands` with its subparsers; each command sets ``func`` to a handler
``handler(args) -> int`` (the exit code). Handlers are thin: parse, call :mod:`service`, print. The service is
imported inside the handlers, so ``moderation --help`` stays fast and ``serve`` can export
``PROMETHEUS_MULTIPROC_DIR`` before anything imports ``prometheus_client``.

Every command finds the database the same way as the server: ``--db``, else ``$MODERATION_DATABASE_URL``, else
``--instance``/moderation.sqlite3, else ``$MODERATION_DB`` / ``$DATABASE``, else
``$MODERATION_INSTANCE``/moderation.sqlite3, else ./instance/moderation.sqlite3.
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
    parser.add_argument("--db", metavar="PATH|URL", help="SQLite file or postgresql:// URL (default: "
                        "$MODERATION_DATABASE_URL, else INSTANCE/moderation.sqlite3)")


def add_service_commands(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``serve``, ``keys`` and ``sites`` to the ``moderation`` command line."""
    serve = subparsers.add_parser(
        "serve",
        help="run the HTTP service (gunicorn)",
        description="Run the HTTP service under gunicorn. On first start with an empty database, create a first "
        "site and an API key and print the key.",
    )
    serve.add_argument("--bind", default="127.0.0.1:8000", help="address to listen on (default: %(default)s)")
    serve.add_argument("--workers", type=int, default=2, help="worker processes (default: %(default)s)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default: %(default)s)")
    serve.add_argument("--timeout", type=int, default=30, help="seconds before a stuck worker is restarted")
    serve.add_argument("--model", metavar="PATH", help="model file (default: $MODERATION_MODEL or the shipped model)")
    serve.add_argument(
        "--site", default="http://localhost", help="URL of the site created on first start (default: %(default)s)"
    )
    serve.add_argument("--access-log", action="store_true", help="log every request to stderr")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    _store_options(serve)
    serve.set_defaults(func=_serve)

    keys = subparsers.add_parser("keys", help="create, list and revoke API keys", description="API keys of sites.")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="{create,list,revoke}")
    create = keys_sub.add_parser("create", help="create a key for a site (the site is added if new); prints it once")
    create.add_argument("--site", required=True, help="the site's URL, e.g. https://news.example.com")
    create.add_argument("--label", help="a note to tell keys apart (e.g. 'wordpress')")
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
    from service.config import resolve_database, resolve_instance

    instance = resolve_instance(args.instance)
    database = resolve_database(args.db, instance)
    # Options become environment variables: the workers (and create_app's config) read them after the fork.
    os.environ["MODERATION_INSTANCE"] = str(instance)
    os.environ["MODERATION_DB"] = str(database)
    os.environ.pop("MODERATION_DATABASE_URL", None)  # resolved into MODERATION_DB, which --db may have overridden
    if args.model:
        os.environ["MODERATION_MODEL"] = os.path.abspath(args.model)
    if args.workers < 1 or args.threads < 1:
        return _fail("--workers and --threads must be at least 1")

    from moderation import ModerationError, Moderator

    try:
        model = Moderator.load(os.environ.get("MODERATION_MODEL") or None)
    except ModerationError as exc:
        return _fail(f"cannot load the model: {exc}\n(give one with --model PATH or $MODERATION_MODEL)")
    from service.storage import mask_url

    print(f"Model {model.version} ({', '.join(model.labels)}); database {mask_url(str(database))}", flush=True)
    del model

    from service.server import bootstrap, prepare_metrics_dir, run
    from service.storage import Storage, StorageError

    try:
        storage = Storage(database)
        created = bootstrap(storage, args.site)
        storage.close()
    except StorageError as exc:
        return _fail(str(exc))
    if created:
        _, key = created
        host = (
            args.bind if not args.bind.startswith(("0.0.0.0:", "[::]:")) else "127.0.0.1:" + args.bind.rsplit(":", 1)[1]
        )
        print("Check a comment:\n")
        print(f"    curl -s http://{host}/v1/comments/check -H 'Authorization: Bearer {key}' \\")
        print(
            "         -H 'Content-Type: application/json' -d '{\"text\": \"Thanks, very informative.\"}'\n", flush=True
        )
    prepare_metrics_dir(instance)
    run(
        bind=args.bind,
        workers=args.workers,
        threads=args.threads,
        timeout=args.timeout,
        access_log=args.access_log,
        log_level=args.log_level,
    )
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    from service.storage import StorageError

    storage = _storage(args)
    try:
        site = storage.sites.find(args.site)
        if site is None:
            site = storage.sites.create(args.site)
            print(f"Added site {site.url}", file=sys.stderr)
        key, info = storage.keys.create(site.id, label=args.label)
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
    print(json.dumps(shown, indent=2))
    return 0


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
    try:
        site = storage.sites.update(site.id, **changes)
    except StorageError as exc:
        return _fail(str(exc))
    print(json.dumps(site.to_dict(), indent=2))
    return 0


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
