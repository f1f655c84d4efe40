"""Data at rest: the database and instance directory are their owner's only, and ``moderation db backup`` copies
the live database (SQLite's online backup) into a file that ``moderation db restore`` puts back."""

from __future__ import annotations

import stat
import threading

import pytest

from harness import SITE_A, make_app
from moderation.cli import main
from service.storage import Storage, now


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_the_instance_directory_are_private(tmp_path, tiny_model_path):
    """A new instance: directory 0700, database and its WAL files 0600."""
    app = make_app(tmp_path / "instance", tiny_model_path)
    storage = app.extensions["moderation.storage"]
    storage.sites.create(SITE_A)
    instance = tmp_path / "instance"
    assert mode(instance) == 0o700
    for name in ("moderation.sqlite3", "moderation.sqlite3-wal", "moderation.sqlite3-shm"):
        assert mode(instance / name) == 0o600, name


def _row(site_id: int, i: int) -> dict:
    return {"site_id": site_id, "request_id": f"r{i}", "source": "api", "comment_id": f"c{i}", "text": "hello",
            "metadata": "{}", "scores": "{}", "verdict": "approve", "flagged": "[]", "reasons": "[]", "spam": 0,
            "model_version": "m", "created_at": now()}


@pytest.fixture
def live(tmp_path):
    """A database with a site, a key and 200 stored checks."""
    store = Storage(tmp_path / "instance" / "moderation.sqlite3")
    store.migrate()
    site = store.sites.create(SITE_A)
    key, _ = store.keys.create(site.id)
    store.comments.record(site.id, [_row(site.id, i) for i in range(200)])
    yield store, site, key
    store.close()


def test_backup_while_writers_write_then_restore(live, tmp_path, capsys):
    """A backup taken during writes is intact and private; restoring it brings back exactly what it held."""
    store, site, key = live
    stop = threading.Event()

    def write():
        writer = Storage(store.path)
        i = 1000
        while not stop.is_set():
            writer.comments.record(site.id, [_row(site.id, i)])
            i += 1
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        target = tmp_path / "backups" / "nightly.sqlite3"
        target.parent.mkdir()
        assert main(["db", "backup", str(target), "--db", str(store.path)]) == 0
    finally:
        stop.set()
        thread.join()
    assert "Backed up" in capsys.readouterr().out
    assert mode(target) == 0o600
    copy = Storage(target)
    assert copy.integrity_check() == "ok"
    saved = copy.comments.count()
    copy.close()
    assert saved >= 200

    store.comments.record(site.id, [_row(site.id, i) for i in range(5000, 5050)])  # written after the backup
    store.keys.revoke(key)
    assert main(["db", "restore", str(target), "--db", str(store.path)]) == 0
    assert store.comments.count() == saved
    assert store.keys.site_for(key).url == SITE_A  # the key revoked after the backup is back
    assert store.integrity_check() == "ok"


def test_backup_never_overwrites(live, tmp_path, capsys):
    target = tmp_path / "exists.sqlite3"
    target.write_text("keep me")
    assert main(["db", "backup", str(target), "--db", str(live[0].path)]) == 1
    assert "exists" in capsys.readouterr().err
    assert target.read_text() == "keep me"


@pytest.mark.parametrize(("content", "message"), [(None, "no backup file"), (b"not a database" * 100, "not an SQLite")])
def test_restore_refuses_what_is_not_a_backup(live, tmp_path, capsys, content, message):
    """A missing or foreign file is refused with a message, and the live database is untouched."""
    source = tmp_path / "source.sqlite3"
    if content is not None:
        source.write_bytes(content)
    before = live[0].comments.count()
    assert main(["db", "restore", str(source), "--db", str(live[0].path)]) == 1
    assert message in capsys.readouterr().err
    assert live[0].comments.count() == before
