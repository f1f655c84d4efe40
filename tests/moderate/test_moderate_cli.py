"""`moderation users | feedback | retrain | models` on an instance directory."""

from __future__ import annotations

import io
import sys

import pytest
from loop_harness import DATA, SITE

from moderation.cli import main
from service.storage import Storage


@pytest.fixture
def instance(tmp_path):
    """An instance with the site."""
    path = tmp_path / "instance"
    store = Storage(path / "moderation.sqlite3")
    store.migrate()
    store.sites.create(SITE)
    return path


def run(*args, stdin: str = "") -> int:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(list(args))
    finally:
        sys.stdin = old


def test_users_create_hashes_the_password(instance):
    from werkzeug.security import check_password_hash

    assert run("users", "create", "alice", "--site", SITE, "--password-stdin", "--instance", str(instance),
               stdin="s3cret-password\n") == 0
    user = Storage(instance / "moderation.sqlite3").users.get("alice")
    assert user.password_hash != "s3cret-password"
    assert check_password_hash(user.password_hash, "s3cret-password")
    assert user.site_ids == (1,)


def test_users_create_refuses_unknown_sites_and_short_passwords(instance, capsys):
    assert run("users", "create", "bob", "--site", "https://nope.example", "--password-stdin",
               "--instance", str(instance), stdin="long enough pw\n") == 1
    assert "no site https://nope.example" in capsys.readouterr().err
    assert run("users", "create", "bob", "--site", SITE, "--password-stdin", "--instance", str(instance),
               stdin="short\n") == 1


def test_feedback_import_is_all_or_nothing(instance, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,spam\nfine,0\nbroken,2\n")
    assert run("feedback", "import", str(bad), "--site", SITE, "--instance", str(instance)) == 1
    assert "must lie in [0, 1]" in capsys.readouterr().err
    store = Storage(instance / "moderation.sqlite3")
    assert store.feedback.count() == 0
    assert run("feedback", "import", str(DATA / "tiny_labeled.csv"), "--site", SITE, "--instance",
               str(instance)) == 0
    assert store.feedback.count() == 40


def test_retrain_then_models_list_promote_rollback(instance, tiny_model_path, capsys):
    """A CLI retrain creates a version; models promote / rollback switch the site's active model."""
    run("feedback", "import", str(DATA / "tiny_labeled.csv"), "--site", SITE, "--instance", str(instance))
    assert run("retrain", "--site", SITE, "--recipe", "none", "--n-features", "4096", "--model", str(tiny_model_path),
               "--no-promote", "--instance", str(instance)) == 0
    out = capsys.readouterr().out
    assert "gate: failed" in out and "not promoted" in out
    assert run("models", "list", "--site", SITE, "--instance", str(instance)) == 0
    listing = capsys.readouterr().out
    assert "* global model" in listing and "site-1-v1-" in listing
    assert run("models", "promote", "1", "--site", SITE, "--instance", str(instance)) == 1
    err = capsys.readouterr().err
    assert err.startswith("moderation: error: model site-1-v1-") and "failed the promotion gate" in err
    assert run("models", "promote", "1", "--force", "--site", SITE, "--instance", str(instance)) == 0
    store = Storage(instance / "moderation.sqlite3")
    assert store.models.active_path(1).endswith("model.joblib")
    assert run("models", "show", "1", "--site", SITE, "--instance", str(instance)) == 0
    assert '"status": "active"' in capsys.readouterr().out
    assert run("models", "rollback", "--site", SITE, "--instance", str(instance)) == 0
    assert "the global model" in capsys.readouterr().out
    assert store.models.active_path(1) is None
