"""The moderators' loop on the command line: ``retrain``, ``models``, ``users`` and ``feedback``.

``moderation.cli`` calls :func:`add_loop_commands` with its subparsers; each command sets ``func`` to a handler
``handler(args) -> int``. Handlers are thin: parse, call the library (:mod:`moderation.retrain`,
:mod:`moderation.registry`) and the service's storage, print. Every command finds the instance directory and the
database as ``moderation serve`` does (``--instance``, ``--db``, ``$MODERATION_INSTANCE``...), so a model promoted
here is the one the running server picks up, within ``MODEL_CHECK_INTERVAL`` seconds and without a restart.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_loop_commands"]


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--instance", metavar="DIR", help="instance directory (default: $MODERATION_INSTANCE or ./instance)"
    )
    parser.add_argument("--db", metavar="PATH|URL", help="SQLite file or postgresql:// URL (default: "
                        "$MODERATION_DATABASE_URL, else INSTANCE/moderation.sqlite3)")


def _site_option(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--site", required=required, metavar="URL",
                        help="the site's URL" + ("" if required else " (default: the global model)"))


def add_loop_commands(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``retrain``, ``models``, ``users`` and ``feedback`` to the ``moderation`` command line."""
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

    models = subparsers.add_parser("models", help="model versions of a site: list, show, promote, rollback")
    msub = models.add_subparsers(dest="models_command", required=True, metavar="{list,show,promote,rollback}")
    ml = msub.add_parser("list", help="versions of a site, oldest first; the active one is marked")
    _site_option(ml, required=False)
    _store_options(ml)
    ml.set_defaults(func=_models_list)
    ms = msub.add_parser("show", help="a version's record and report summary (JSON)")
    ms.add_argument("ref", help="version id or name")
    _site_option(ms, required=False)
    _store_options(ms)
    ms.set_defaults(func=_models_show)
    mp = msub.add_parser("promote", help="make a version the site's active model")
    mp.add_argument("ref", help="version id or name")
    mp.add_argument("--force", action="store_true", help="promote even though its gate failed")
    _site_option(mp, required=False)
    _store_options(mp)
    mp.set_defaults(func=_models_promote)
    mr = msub.add_parser("rollback", help="reactivate the previous version (or the global model)")
    _site_option(mr, required=False)
    _store_options(mr)
    mr.set_defaults(func=_models_rollback)

    users = subparsers.add_parser("users", help="moderator accounts")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="{create}")
    uc = usub.add_parser("create", help="add a moderator who may review the given sites")
    uc.add_argument("username")
    uc.add_argument("--site", action="append", required=True, metavar="URL", help="a site they moderate (repeatable)")
    uc.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    _store_options(uc)
    uc.set_defaults(func=_users_create)

    feedback = subparsers.add_parser("feedback", help="moderators' decisions: import labeled files")
    fsub = feedback.add_subparsers(dest="feedback_command", required=True, metavar="{import}")
    fi = fsub.add_parser("import", help="import a labeled CSV (text + label columns) as a site's feedback, "
                         "all rows or none")
    fi.add_argument("file")
    _site_option(fi)
    fi.add_argument("--moderator", help="recorded as who decided (default: the user running the command)")
    _store_options(fi)
    fi.set_defaults(func=_feedback_import)


# -- handlers --------------------------------------------------------------------------------------------------


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _open(args: argparse.Namespace) -> tuple[Any, Path]:
    from service.config import resolve_database, resolve_instance
    from service.storage import Storage

    instance = resolve_instance(args.instance)
    storage = Storage(resolve_database(args.db, instance))
    storage.migrate()
    return storage, instance


def _site_id(storage: Any, url: str | None) -> int | None:
    from service.storage import StorageError

    if url is None:
        return None
    site = storage.sites.find(url)
    if site is None:
        raise StorageError(f"no site {url}; add it with `moderation sites create {url}`")
    return site.id


def _registry(args: argparse.Namespace) -> tuple[Any, int | None]:
    from service.retraining import registry

    storage, instance = _open(args)
    return registry(storage, instance), _site_id(storage, args.site)


def _guard(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        from service.errors import StorageError, UploadError

        try:
            return handler(args)
        except (StorageError, UploadError) as exc:
            return _fail(str(exc))

    return run


@_guard
def _retrain(args: argparse.Namespace) -> int:
    from moderation import Moderator

    from service.retraining import retrain_site

    storage, instance = _open(args)
    site = storage.sites.get(_site_id(storage, args.site))
    stored = storage.models.active_path(site.id)
    active_path = (instance / stored if stored and not Path(stored).is_absolute() else stored) or args.model or None
    active = Moderator.load(active_path)
    params = {"n_features": args.n_features} if args.n_features else {}

    def progress(fraction: float, message: str) -> None:
        print(f"[{100 * fraction:3.0f}%] {message}", file=sys.stderr, flush=True)

    from .retrain import default_recipe

    recipe = args.recipe or default_recipe(args.data_dir)
    print(f"base data: recipe {recipe!r}" + (" (no shared datasets found)" if recipe == "none" and not args.recipe
                                              else ""), file=sys.stderr)
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


@_guard
def _models_list(args: argparse.Namespace) -> int:
    registry, site_id = _registry(args)
    versions = registry.list(site_id)
    if not any(v.status == "active" for v in versions):
        print("* global model (no promoted version)")
    for v in versions:
        mark = "*" if v.status == "active" else " "
        print(f"{mark} {v.id:>4}  {v.version:<40} {v.status:<9} gate {v.gate or '-':<12} {v.created_at}")
    return 0


@_guard
def _models_show(args: argparse.Namespace) -> int:
    registry, site_id = _registry(args)
    v = registry.show(site_id, args.ref)
    print(json.dumps({**v.to_dict(), "report": dict(v.report)}, indent=2, default=str))
    return 0


@_guard
def _models_promote(args: argparse.Namespace) -> int:
    registry, site_id = _registry(args)
    v = registry.promote(site_id, args.ref, force=args.force)
    print(f"active: {v.id} {v.version}")
    return 0


@_guard
def _models_rollback(args: argparse.Namespace) -> int:
    registry, site_id = _registry(args)
    v = registry.rollback(site_id)
    print(f"active: {v.id} {v.version}" if v else "active: the global model")
    return 0


@_guard
def _users_create(args: argparse.Namespace) -> int:
    from werkzeug.security import generate_password_hash

    storage, _ = _open(args)
    site_ids = [_site_id(storage, url) for url in args.site]
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            return _fail("the passwords differ")
    if len(password) < 8:
        return _fail("the password must have at least 8 characters")
    user_id = storage.users.create(args.username, generate_password_hash(password), site_ids)
    print(f"user {args.username} (id {user_id}) may moderate {', '.join(args.site)}")
    return 0


@_guard
def _feedback_import(args: argparse.Namespace) -> int:
    from service.review import import_labeled, parse_labeled_csv

    storage, _ = _open(args)
    site_id = _site_id(storage, args.site)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror}")
    frame = parse_labeled_csv(data, max_bytes=64 * 1024 * 1024, max_rows=1_000_000)
    count = import_labeled(storage, site_id, frame, moderator=args.moderator or os.environ.get("USER"))
    print(f"imported {count} labeled comment(s) as feedback of {args.site}")
    return 0
