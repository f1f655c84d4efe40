"""SQLite storage: schema migrations, hashed keys, per-site data, concurrent writers in several processes, and the
tables the moderation pages build on."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from harness import write_load
from service.storage import MIGRATIONS, Migration, Storage, StorageError, hash_key, normalise_site_url

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def store(tmp_path):
    storage = Storage(tmp_path / "db" / "moderation.sqlite3")
    storage.migrate()
    return storage


def test_migrations_run_once_and_set_the_version(store):
    assert store.schema_version() == len(MIGRATIONS)
    assert store.migrate() == len(MIGRATIONS)
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sites", "api_keys", "comments", "feedback", "usage", "users", "user_sites", "models", "jobs"} <= tables


def test_the_database_uses_wal_and_foreign_keys(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_a_newer_schema_is_refused(store):
    store.db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StorageError, match="upgrade moderation"):
        Storage(store.path).migrate()


def test_a_failed_migration_leaves_nothing_behind(tmp_path):
    """A migration that fails is rolled back whole, version included, and the error names it."""
    broken = Migration(1, "001_broken", "CREATE TABLE half (x);\nINSERT INTO no_such_table VALUES (1);\n")
    storage = Storage(tmp_path / "m.sqlite3")
    with pytest.raises(StorageError, match="migration 001_broken .* failed and was rolled back: no such table"):
        storage.db.migrate([broken])
    assert storage.schema_version() == 0
    assert storage.db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").fetchone()[0] == 0


def test_a_database_written_before_the_migration_files_upgrades_in_place(tmp_path):
    """A database of schema version 1, written by the service before its schema moved to .sql files, migrates to
    the latest version and keeps its sites, keys, queue, feedback, counters, users, models and jobs."""
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript((DATA / "moderation-schema-1.sql").read_text())
    old.close()
    store = Storage(path)
    assert store.schema_version() == 1
    assert store.migrate() == len(MIGRATIONS)
    site = store.keys.site_for("0123456789abcdef0123456789abcdef0123456789abcdef")
    assert site.url == "https://news.example.com" and site.name == "News"
    assert [c.comment_id for c in store.comments.review_queue(site.id)] == ["c-1"]
    assert store.feedback.get(site.id, "c-0").decision == "spam"
    assert store.usage.get(site.id, "2025-01").missed_spam == 1
    assert store.users.get("ann").site_ids == (site.id,)
    assert store.models.active_path(site.id) == "models/site-1/v1/model.joblib"
    assert store.jobs.latest(site.id, "retrain").message == "done"
    store.feedback.record(site.id, "c-1", "rejected", source="moderator")
    assert store.comments.review_queue(site.id) == [] and store.integrity_check() == "ok"


def test_the_schema_lives_in_numbered_sql_files():
    """Every migration is a file named NNN_name.sql, numbered from 1 without gaps."""
    assert [m.number for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert all(m.name == f"{m.number:03d}_" + m.name[4:] for m in MIGRATIONS)
    assert "CREATE TABLE sites" in MIGRATIONS[0].sql


def _check_row(site_id: int, comment_id: str, created_at: str, scores: dict, flagged: list) -> dict:
    import json

    return {"site_id": site_id, "request_id": "r", "source": "api", "comment_id": comment_id, "text": "t",
            "metadata": "{}", "scores": json.dumps(scores), "verdict": "hold", "flagged": json.dumps(flagged),
            "reasons": "[]", "spam": 0, "model_version": "m", "review_status": "pending", "created_at": created_at}


def test_the_review_queue_has_one_order_newest_first(store):
    """Newest first, later rows first within the same millisecond; "uncertain" ranks by closeness to the hold
    threshold, ties newest first."""
    site = store.sites.create("https://news.example.com")
    stamp = "2025-01-02T03:04:05.000Z"
    store.comments.record(site.id, [
        _check_row(site.id, "old", "2025-01-01T00:00:00.000Z", {"toxicity": 0.95}, ["toxicity"]),
        _check_row(site.id, "same-1", stamp, {"toxicity": 0.52}, ["toxicity"]),
        _check_row(site.id, "same-2", stamp, {"toxicity": 0.9}, ["toxicity"]),
    ])
    assert [c.comment_id for c in store.comments.review_queue(site.id)] == ["same-2", "same-1", "old"]
    uncertain = store.comments.review_queue(site.id, order="uncertain", thresholds={"toxicity": 0.5})
    assert [c.comment_id for c in uncertain] == ["same-1", "same-2", "old"]
    assert [c.comment_id for c in store.comments.review_queue(site.id, limit=1)] == ["same-2"]
    with pytest.raises(StorageError, match="queue order must be one of newest, uncertain"):
        store.comments.review_queue(site.id, order="random")


def test_feedback_of_every_origin_goes_through_one_writer(store):
    """An imported batch of decisions is stored whole or not at all, and replaces earlier feedback like one call."""
    from service.storage import Decision

    site = store.sites.create("https://news.example.com")
    store.feedback.record(site.id, "a", "ham", source="api")
    with pytest.raises(StorageError, match="decision must be one of"):
        store.feedback.record_many(site.id, [Decision("b", "spam"), Decision("c", "maybe")], source="moderator")
    assert store.feedback.count(site.id) == 1
    assert store.feedback.record_many(site.id, [Decision("a", "spam"), Decision("b", "spam")],
                                      source="moderator") == [False, True]
    usage = store.usage.get(site.id)
    assert (usage.missed_spam, usage.false_positives) == (2, 0)
    with pytest.raises(StorageError, match="no site with id 99"):
        store.feedback.record_many(99, [Decision("x", "spam")], source="moderator")


def test_keys_are_stored_hashed_and_shown_once(store):
    """The database holds the key's SHA-256 and an 8-character prefix, never the key."""
    site = store.sites.create("https://news.example.com")
    key, info = store.keys.create(site.id, label="wp")
    assert len(key) == 48 and all(c in "0123456789abcdef" for c in key)
    assert info.prefix == key[:8] and info.label == "wp"
    row = store.db.execute("SELECT * FROM api_keys").fetchone()
    assert row["key_hash"] == hash_key(key) and key not in tuple(str(v) for v in tuple(row))
    store.close()
    assert key.encode() not in store.path.read_bytes()
    assert store.keys.site_for(key).id == site.id
    assert store.keys.site_for(key.upper()) is None and store.keys.site_for("") is None


def test_revoking_a_key_by_prefix_id_or_value(store):
    site = store.sites.create("https://news.example.com")
    keys = [store.keys.create(site.id)[0] for _ in range(3)]
    store.keys.revoke(keys[0][:8])
    store.keys.revoke(str(store.keys.list(site.id)[0].id))
    store.keys.revoke(keys[2])
    assert [store.keys.site_for(k) for k in keys] == [None, None, None]
    with pytest.raises(StorageError, match="no key"):
        store.keys.revoke("ffffffff")


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
    store.sites.create("https://news.example.com")
    with pytest.raises(StorageError, match="already exists"):
        store.sites.create("https://NEWS.example.com/")


def test_concurrent_writers_in_several_processes_lose_nothing(store):
    """Four processes writing checks, counters and conflicting feedback at once: every write lands exactly once."""
    site = store.sites.create("https://news.example.com")
    rounds, workers = 150, 4
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        done = pool.starmap(write_load, [(str(store.path), site.id, w, rounds) for w in range(workers)])
    assert sum(done) == rounds * workers
    assert store.comments.count(site.id) == rounds * workers
    usage = store.usage.get(site.id)
    assert usage.api_calls == rounds * workers and usage.spam + usage.ham == rounds * workers
    assert store.feedback.count(site.id) == 10
    counted = store.db.execute("SELECT counted_as, COUNT(*) FROM feedback GROUP BY counted_as").fetchall()
    by_kind = {k: n for k, n in counted}
    assert usage.missed_spam == by_kind.get("missed_spam", 0) and usage.false_positives == by_kind.get(
        "false_positives", 0
    )
    assert store.integrity_check() == "ok"


def test_model_activation_keeps_one_active_model_per_site(store):
    """Activating a model retires the site's previous one; a site falls back to the global model, then to none."""
    site = store.sites.create("https://news.example.com")
    other = store.sites.create("https://other.example.org")
    assert store.models.active_path(site.id) is None
    store.models.add("/m/global.joblib", "a" * 64, "g1", status="active")
    first = store.models.add("/m/site-1.joblib", "b" * 64, "s1", site_id=site.id, report={"auc": 0.9})
    assert store.models.active_path(site.id) == "/m/global.joblib"
    store.models.set_status(first, "active")
    store.models.add("/m/site-2.joblib", "c" * 64, "s2", site_id=site.id, status="active")
    assert store.models.active_path(site.id) == "/m/site-2.joblib"
    assert store.models.active_path(other.id) == "/m/global.joblib"
    assert [m.status for m in store.models.list(site.id)] == ["retired", "active"]
    assert store.models.list(site.id)[0].report == {"auc": 0.9}
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("UPDATE models SET status = 'active' WHERE id = ?", (first,))


def test_jobs_record_progress(store):
    job = store.jobs.create("retrain", message="queued by ann")
    store.jobs.update(job, status="running", progress=0.5)
    store.jobs.update(job, status="succeeded", progress=1.0, message="done")
    assert {k: getattr(store.jobs.get(job), k) for k in ("kind", "status", "progress", "message")} == {
        "kind": "retrain",
        "status": "succeeded",
        "progress": 1.0,
        "message": "done",
    }
    with pytest.raises(StorageError):
        store.jobs.update(job, status="exploded")


def test_users_and_their_sites(store):
    site = store.sites.create("https://news.example.com")
    user = store.users.create("ann", "pbkdf2:sha256:...", [site.id])
    assert store.users.get("ann").site_ids == (site.id,) and store.users.get("bob") is None
    with pytest.raises(StorageError):
        store.users.create("ann", "x")
    store.users.grant_site(user, site.id)
    assert store.users.get("ann").site_ids == (site.id,)


def test_deleting_a_site_removes_its_data(store):
    site = store.sites.create("https://news.example.com")
    key, _ = store.keys.create(site.id)
    store.feedback.record(site.id, "1", "spam", source="api")
    store.db.execute("DELETE FROM sites WHERE id = ?", (site.id,))
    assert store.keys.site_for(key) is None and store.feedback.count() == 0
