"""Storage on both backends (a SQLite file, a PostgreSQL database): schema migrations, hashed keys, per-site data,
concurrent writers in several processes, and the tables the moderation pages build on."""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness import write_load
from service.storage import MIGRATIONS, Migration, Storage, StorageError, hash_key, normalise_site_url

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    """Where a test's database lives: a SQLite file, or a new database on the session's PostgreSQL server."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return tmp_path / "db" / "moderation.sqlite3"


@pytest.fixture
def store(backend):
    """A migrated, empty store on each backend."""
    storage = Storage(backend)
    storage.migrate()
    yield storage
    storage.close()


@pytest.fixture
def sqlite_store(tmp_path):
    """A migrated, empty SQLite store (for what only SQLite has: its file, its pragmas)."""
    storage = Storage(tmp_path / "db" / "moderation.sqlite3")
    storage.migrate()
    return storage


TABLES = ("sites", "api_keys", "comments", "feedback", "usage", "users", "user_sites", "models", "jobs")


def _has_table(store: Storage, name: str) -> bool:
    try:
        store.db.execute(f"SELECT 1 FROM {name} LIMIT 0").fetchall()
    except Exception:  # each driver names a missing table with its own exception
        return False
    return True


def _set_schema_version(store: Storage, version: int) -> None:
    """What a newer release would leave behind: a schema version beyond this code's."""
    if store.db.paramstyle == "qmark":
        store.db.execute(f"PRAGMA user_version = {version}")
    else:
        store.db.execute("UPDATE moderation_schema SET version = ?", (version,))


def test_migrations_run_once_and_set_the_version(store):
    assert store.schema_version() == len(MIGRATIONS)
    assert store.migrate() == len(MIGRATIONS)
    assert all(_has_table(store, name) for name in TABLES)


def test_the_sqlite_database_uses_wal_and_foreign_keys(sqlite_store):
    assert sqlite_store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert sqlite_store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert sqlite_store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_a_newer_schema_is_refused(store, backend):
    _set_schema_version(store, len(MIGRATIONS) + 1)
    with pytest.raises(StorageError, match=f"schema version {len(MIGRATIONS) + 1}, .* upgrade moderation"):
        Storage(backend).migrate()


def test_an_older_schema_is_migrated_and_keeps_its_rows(backend):
    """A database at an earlier schema version gets the later migrations, once, and keeps what it held."""
    storage = Storage(backend)
    assert storage.db.migrate(MIGRATIONS) == len(MIGRATIONS)
    site = storage.sites.create("https://news.example.com")
    later = Migration(len(MIGRATIONS) + 1, "999_later", "ALTER TABLE sites ADD COLUMN later_setting INTEGER;\n")
    assert Storage(backend).db.migrate([*MIGRATIONS, later]) == len(MIGRATIONS) + 1
    assert Storage(backend).db.migrate([*MIGRATIONS, later]) == len(MIGRATIONS) + 1
    assert storage.schema_version() == len(MIGRATIONS) + 1
    assert [tuple(r) for r in storage.db.execute("SELECT url, later_setting FROM sites")] == [(site.url, None)]


def test_a_failed_migration_leaves_nothing_behind(backend):
    """A migration that fails is rolled back whole, version included, and the error names it."""
    broken = Migration(1, "001_broken", "CREATE TABLE half (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n")
    storage = Storage(backend)
    with pytest.raises(StorageError, match="migration 001_broken .* failed and was rolled back: .*no_such_table"):
        storage.db.migrate([broken])
    assert storage.schema_version() == 0
    assert not _has_table(storage, "half")


def test_a_database_written_before_the_migration_files_upgrades_in_place(tmp_path):
    """A database of schema version 1, written by the service before its schema moved to .sql files, migrates to
    the latest version and keeps its sites, keys, queue, feedback, counters, users, models and jobs."""
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)  # the only backend of that time
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
    assert store.keys.site_for(key).id == site.id
    assert store.keys.site_for(key.upper()) is None and store.keys.site_for("") is None


def test_the_sqlite_file_never_holds_a_key(sqlite_store):
    site = sqlite_store.sites.create("https://news.example.com")
    key, _ = sqlite_store.keys.create(site.id)
    sqlite_store.close()
    assert key.encode() not in sqlite_store.path.read_bytes()


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


def test_concurrent_writers_in_several_processes_lose_nothing(store, backend):
    """Four processes writing checks, counters and conflicting feedback at once: every write lands exactly once."""
    site = store.sites.create("https://news.example.com")
    rounds, workers = 150, 4
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        done = pool.starmap(write_load, [(str(backend), site.id, w, rounds) for w in range(workers)])
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
    with pytest.raises(store.db.IntegrityError):
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


def test_nodes_migrating_at_once_migrate_once(postgres_url):
    """Four nodes migrating one new PostgreSQL database at the same moment (each its own store and connection): the
    migration lock lets one apply the schema and the others find it current; no error, one version row, every table
    whole."""
    stores = [Storage(postgres_url) for _ in range(4)]
    start = threading.Barrier(len(stores))

    def node(store: Storage) -> int:
        start.wait()
        return store.migrate()

    with ThreadPoolExecutor(len(stores)) as pool:
        versions = list(pool.map(node, stores))
    assert versions == [len(MIGRATIONS)] * 4
    store = stores[0]
    assert [tuple(r) for r in store.db.execute("SELECT version FROM moderation_schema")] == [(len(MIGRATIONS),)]
    assert all(_has_table(store, name) for name in TABLES) and store.integrity_check() == "ok"
    site = store.sites.create("https://news.example.com")
    store.comments.record(site.id, [], unstored=1, unstored_spam=1)
    assert store.usage.get(site.id).spam == 1
    for each in stores:
        each.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://mod:s3cret@127.0.0.1:{closed}/moderation",
         r"cannot connect to database postgresql://mod:\*\*\*@127\.0\.0\.1:\d+/moderation: .*Connection refused"),
        ("postgresql://mod:s3cret@127.0.0.1:notaport/moderation",
         r"database URL postgresql://mod:\*\*\*@127\.0\.0\.1:notaport/moderation is malformed: port 'notaport'"),
        ("postgresql://mod:s3cret@[::1/moderation", r"database URL postgresql://mod:\*\*\*@\[::1/moderation is malformed"),
        ("postgresql://mod:s3cret@127.0.0.1:5432", r"names no database \(add /DATABASE after the host\)"),
        ("postgresql://mod@127.0.0.1:{closed}/moderation?password=s3cret", r"\?password=\*\*\*: .*refused"),
        ("mysql://mod:s3cret@127.0.0.1/moderation", r"mysql://mod:\*\*\*@127\.0\.0\.1/moderation is not supported"),
    ],
    ids=["unreachable", "bad-port", "bad-host", "no-database", "password-parameter", "other-scheme"],
)
def test_a_wrong_database_url_is_named_with_its_password_masked(url, message):
    """A URL that cannot work fails on first use with the URL, password masked, and the driver's reason."""
    pytest.importorskip("psycopg")
    from harness import free_port

    with pytest.raises(StorageError, match=message) as raised:
        Storage(url.format(closed=free_port())).migrate()
    assert "s3cret" not in str(raised.value)


@contextlib.contextmanager
def _queued(store: Storage, backend, site_id: int, waiting: int):
    """While the block submits checks, another writer holds the lock they need (SQLite's write lock; on PostgreSQL
    the row of the usage counter every check updates) until ``waiting`` writes queue behind the first."""
    store.comments.record(site_id, [], unstored=1, month="2025-01")  # the counter row exists
    other = Storage(backend)  # another process's writer, as far as the database can tell
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with other.db.transaction(write=True) as conn:
            conn.execute("UPDATE usage SET ham = ham WHERE site_id = ? AND month = '2025-01'", (site_id,))
            holding.set()
            release.wait(30)

    blocker = threading.Thread(target=hold)
    blocker.start()
    assert holding.wait(30)
    try:
        yield lambda: _release_when_queued(store, waiting, release)
    finally:
        release.set()
        blocker.join()
        other.close()


def _release_when_queued(store: Storage, waiting: int, release: threading.Event) -> None:
    _until(lambda: store.comments.writer.pending() >= waiting)
    release.set()


def _until(condition) -> None:
    deadline = time.monotonic() + 30
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


def _row(site_id: int, comment_id: str) -> list[dict]:
    return [_check_row(site_id, comment_id, "2025-01-02T03:04:05.000Z", {"spam": 0.1}, [])]


def test_checks_arriving_together_are_committed_in_one_transaction(store, backend):
    """Sixteen requests' checks arrive while the lock is taken: the first request commits its own when it is free,
    and the other fifteen go in one transaction together. Every check lands once, counted once."""
    site = store.sites.create("https://news.example.com")
    writer = store.comments.writer
    with _queued(store, backend, site.id, waiting=15) as release, ThreadPoolExecutor(16) as pool:
        before = writer.transactions
        done = [pool.submit(store.comments.record, site.id, _row(site.id, "g-0"))]
        _until(lambda: writer.committing)  # the first request leads, and waits for the lock
        done += [pool.submit(store.comments.record, site.id, _row(site.id, f"g-{i}")) for i in range(1, 16)]
        release()
        assert [f.result(timeout=30) for f in done] == [None] * 16
    assert writer.transactions - before == 2
    assert store.comments.count(site.id) == 16 and store.usage.get(site.id, "2025-01").api_calls == 17


def test_a_bad_check_in_a_group_fails_alone(store, backend):
    """A check that cannot be stored (its site does not exist) fails its own request with the database's error;
    the five others of its group are committed."""
    site = store.sites.create("https://news.example.com")
    with _queued(store, backend, site.id, waiting=5) as release, ThreadPoolExecutor(6) as pool:
        first = pool.submit(store.comments.record, site.id, _row(site.id, "b-0"))
        _until(lambda: store.comments.writer.committing)  # the leader, waiting for the lock: the next five queue
        rest = {i: pool.submit(store.comments.record, 999 if i == 3 else site.id, _row(999 if i == 3 else site.id,
                                                                                     f"b-{i}")) for i in range(1, 6)}
        release()
        errors = {i: f.exception(timeout=30) for i, f in {0: first, **rest}.items()}
    assert [i for i, e in errors.items() if e is not None] == [3]
    assert isinstance(errors[3], store.db.IntegrityError)
    assert store.comments.count(site.id) == 5


def test_the_postgresql_pool_heals_after_its_connections_are_cut(postgres_url):
    """When the server drops every connection (a restart, an idle timeout), statements work again at once: a
    connection idle for a while is tried before use, and a broken one is replaced, never handed out twice."""
    store = Storage(postgres_url)
    store.migrate()
    store.sites.create("https://news.example.com")
    store.db._get_pool().check_after = 0.0  # every idle connection is tried before use
    with Storage(postgres_url).db.transaction() as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert store.sites.count() == 1
    store.close()


def test_nodes_starting_together_on_an_empty_database_make_one_first_site(backend):
    """Four nodes' first starts at the same moment: one creates the first site and its key, the others find it."""
    from service.server import bootstrap

    stores = [Storage(backend) for _ in range(4)]
    stores[0].migrate()
    start = threading.Barrier(len(stores))

    def node(store: Storage):
        start.wait()
        return bootstrap(store, f"https://node-{stores.index(store)}.example.com", out=io.StringIO())

    with ThreadPoolExecutor(len(stores)) as pool:
        made = [m for m in pool.map(node, stores) if m is not None]
    assert len(made) == 1 and stores[0].sites.count() == 1
    assert stores[0].keys.site_for(made[0][1]).url == made[0][0].url
    for store in stores:
        store.close()


def test_short_keys_failures_and_coral_phases_on_every_backend(store):
    """What the client integrations store (short keys, failed short-key lookups, Coral phases) works on each
    backend: its SQL is the one both databases run."""
    site = store.sites.create("https://news.example.com")
    short, info = store.keys.create(site.id, short=True)
    assert len(short) == 12 and info.short and store.keys.site_for(short).id == site.id
    for _ in range(3):
        store.keys.record_failure("203.0.113.9")
    assert store.keys.recent_failures("203.0.113.9") == 3 and store.keys.recent_failures("198.51.100.1") == 0
    store.coral.set(site.id, signing_secret="s" * 32, untrained_languages="premod")
    assert store.coral.get(site.id).untrained_languages == "premod"
    assert store.coral.delete(site.id) and store.coral.get(site.id) is None
