"""SQLite storage: schema migrations, hashed keys, per-site data, concurrent writers in several processes, and the
tables the moderation pages (issue 4) build on."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from harness import write_load
from service.storage import MIGRATIONS, Storage, StorageError, hash_key, normalise_site_url


@pytest.fixture
def store(tmp_path):
    storage = Storage(tmp_path / "db" / "moderation.sqlite3")
    storage.migrate()
    return storage


def test_migrations_run_once_and_set_the_version(store):
    assert store.schema_version() == len(MIGRATIONS)
    assert store.migrate() == len(MIGRATIONS)
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sites", "api_keys", "comments", "feedback", "usage", "users", "user_sites", "models", "jobs"} <= tables


def test_the_database_uses_wal_and_foreign_keys(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_a_newer_schema_is_refused(store):
    store.conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StorageError, match="upgrade moderation"):
        Storage(store.path).migrate()


def test_a_failed_migration_leaves_nothing_behind(tmp_path, monkeypatch):
    """A migration that fails is rolled back whole, version included."""

    def broken(conn):
        conn.execute("CREATE TABLE half (x)")
        raise sqlite3.OperationalError("disk on fire")

    monkeypatch.setattr("service.storage.MIGRATIONS", [broken])
    storage = Storage(tmp_path / "m.sqlite3")
    with pytest.raises(sqlite3.OperationalError):
        storage.migrate()
    assert storage.schema_version() == 0
    assert storage.conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").fetchone()[0] == 0


def test_keys_are_stored_hashed_and_shown_once(store):
    """The database holds the key's SHA-256 and an 8-character prefix, never the key."""
    site = store.create_site("https://news.example.com")
    key, info = store.create_key(site.id, label="wp")
    assert len(key) == 48 and all(c in "0123456789abcdef" for c in key)
    assert info.prefix == key[:8] and info.label == "wp"
    row = store.conn.execute("SELECT * FROM api_keys").fetchone()
    assert row["key_hash"] == hash_key(key) and key not in tuple(str(v) for v in tuple(row))
    store.close()
    assert key.encode() not in store.path.read_bytes()
    assert store.site_for_key(key).id == site.id
    assert store.site_for_key(key.upper()) is None and store.site_for_key("") is None


def test_revoking_a_key_by_prefix_id_or_value(store):
    site = store.create_site("https://news.example.com")
    keys = [store.create_key(site.id)[0] for _ in range(3)]
    store.revoke_key(keys[0][:8])
    store.revoke_key(str(store.list_keys(site.id)[0].id))
    store.revoke_key(keys[2])
    assert [store.site_for_key(k) for k in keys] == [None, None, None]
    with pytest.raises(StorageError, match="no key"):
        store.revoke_key("ffffffff")


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("HTTPS://News.Example.com/", "https://news.example.com"),
        ("http://localhost:8080/blog/", "http://localhost:8080/blog"),
        ("https://example.com", "https://example.com"),
    ],
)
def test_site_urls_are_normalised(url, normal):
    assert normalise_site_url(url) == normal


@pytest.mark.parametrize("url", ["example.com", "ftp://example.com", "", "https://"])
def test_bad_site_urls_are_refused(url):
    with pytest.raises(StorageError, match="absolute"):
        normalise_site_url(url)


def test_a_site_exists_once(store):
    store.create_site("https://news.example.com")
    with pytest.raises(StorageError, match="already exists"):
        store.create_site("https://NEWS.example.com/")


def test_concurrent_writers_in_several_processes_lose_nothing(store):
    """Four processes writing checks, counters and conflicting feedback at once: every write lands exactly once."""
    site = store.create_site("https://news.example.com")
    rounds, workers = 150, 4
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        done = pool.starmap(write_load, [(str(store.path), site.id, w, rounds) for w in range(workers)])
    assert sum(done) == rounds * workers
    assert store.count_checks(site.id) == rounds * workers
    usage = store.usage(site.id)
    assert usage["api_calls"] == rounds * workers and usage["spam"] + usage["ham"] == rounds * workers
    assert store.count_feedback(site.id) == 10
    counted = store.conn.execute("SELECT counted_as, COUNT(*) FROM feedback GROUP BY counted_as").fetchall()
    by_kind = {k: n for k, n in counted}
    assert usage["missed_spam"] == by_kind.get("missed_spam", 0) and usage["false_positives"] == by_kind.get(
        "false_positives", 0
    )
    assert store.integrity_check() == "ok"


def test_model_activation_keeps_one_active_model_per_site(store):
    """Activating a model retires the site's previous one; a site falls back to the global model, then to none."""
    site = store.create_site("https://news.example.com")
    other = store.create_site("https://other.example.org")
    assert store.active_model_path(site.id) is None
    store.add_model("/m/global.joblib", "a" * 64, "g1", status="active")
    first = store.add_model("/m/site-1.joblib", "b" * 64, "s1", site_id=site.id, report={"auc": 0.9})
    assert store.active_model_path(site.id) == "/m/global.joblib"
    store.set_model_status(first, "active")
    store.add_model("/m/site-2.joblib", "c" * 64, "s2", site_id=site.id, status="active")
    assert store.active_model_path(site.id) == "/m/site-2.joblib"
    assert store.active_model_path(other.id) == "/m/global.joblib"
    assert [m["status"] for m in store.list_models(site.id)] == ["retired", "active"]
    assert store.list_models(site.id)[0]["report"] == {"auc": 0.9}
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("UPDATE models SET status = 'active' WHERE id = ?", (first,))


def test_jobs_record_progress(store):
    job = store.create_job("retrain", message="queued by ann")
    store.update_job(job, status="running", progress=0.5)
    store.update_job(job, status="succeeded", progress=1.0, message="done")
    assert {k: store.get_job(job)[k] for k in ("kind", "status", "progress", "message")} == {
        "kind": "retrain",
        "status": "succeeded",
        "progress": 1.0,
        "message": "done",
    }
    with pytest.raises(StorageError):
        store.update_job(job, status="exploded")


def test_users_and_their_sites(store):
    site = store.create_site("https://news.example.com")
    user = store.create_user("ann", "pbkdf2:sha256:...", [site.id])
    assert store.get_user("ann")["site_ids"] == [site.id] and store.get_user("bob") is None
    with pytest.raises(StorageError):
        store.create_user("ann", "x")
    store.grant_site(user, site.id)
    assert store.get_user("ann")["site_ids"] == [site.id]


def test_deleting_a_site_removes_its_data(store):
    site = store.create_site("https://news.example.com")
    key, _ = store.create_key(site.id)
    store.record_feedback(site.id, "1", "spam", source="api")
    store.conn.execute("DELETE FROM sites WHERE id = ?", (site.id,))
    assert store.site_for_key(key) is None and store.count_feedback() == 0
