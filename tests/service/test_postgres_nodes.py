"""Several service nodes on one PostgreSQL database: two ``moderation serve`` processes, each with its own instance
directory, sharing the database and the model directory; and a database URL that is wrong stops ``serve`` before it
binds, with the URL (password masked) and the reason."""

from __future__ import annotations

import os
import subprocess
import time

import httpx
import pytest

from harness import APP_ENVIRONMENT, CLEAN, SITE_A, Gunicorn, cli_command, crash_under_load, free_port
from moderation.training import Source, train
from service.retraining import registry as site_registry
from service.retraining import scope_of
from service.storage import Storage


def _environment() -> dict[str, str]:
    """This process's environment without the app's settings (each test gives its own)."""
    return {k: v for k, v in os.environ.items() if k not in APP_ENVIRONMENT}


@pytest.fixture(scope="module")
def nodes(tmp_path_factory, tiny_model_path, postgres):
    """Two nodes on one new database and one shared model directory; the first one's first start made the key.
    The URL carries a password (the test server trusts local connections, so any will do) to see it masked."""
    url = postgres.create_database("nodes").replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    shared = tmp_path_factory.mktemp("shared-models")
    environment = {"MODERATION_DATABASE_URL": url, "MODERATION_MODEL_DIR": str(shared),
                   "MODERATION_MODEL_CHECK_INTERVAL": "0.2"}
    first = Gunicorn(tmp_path_factory.mktemp("node-a") / "instance", tiny_model_path, workers=1, threads=2,
                     env=environment)
    try:
        second = Gunicorn(tmp_path_factory.mktemp("node-b") / "instance", tiny_model_path, workers=1, threads=2,
                          env=environment, first_start=False)
    except BaseException:
        first.close()
        raise
    yield first, second, url, shared
    second.close()
    first.close()


def _check(node: Gunicorn, key: str, text: str, comment_id: str) -> httpx.Response:
    return httpx.post(node.url + "/v1/comments/check", json={"text": text, "comment_id": comment_id},
                      headers={"Authorization": f"Bearer {key}"}, timeout=10)


def _feedback(node: Gunicorn, key: str, comment_id: str, decision: str) -> httpx.Response:
    return httpx.post(node.url + "/v1/comments/feedback", json={"comment_id": comment_id, "decision": decision},
                      headers={"Authorization": f"Bearer {key}"}, timeout=10)


def test_a_key_made_on_one_node_works_on_the_other(nodes):
    """The first node's first-start key checks comments on the second node; the second made no site of its own."""
    first, second, url, _ = nodes
    assert first.key is not None and second.key is None
    assert "postgresql://postgres:***@" in first.banner and "s3cret" not in first.banner + first.read_log()
    assert _check(second, first.key, CLEAN, "k-1").status_code == 200
    made = subprocess.run(cli_command("keys", "create", "--site", SITE_A, "--db", url), capture_output=True,
                          text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert _check(first, made.stdout.strip(), CLEAN, "k-2").status_code == 200
    assert _check(second, made.stdout.strip(), CLEAN, "k-3").status_code == 200
    assert Storage(url).sites.count() == 1


def test_feedback_from_both_nodes_lands_once(nodes):
    """The same decision sent to both nodes, twice each, is one feedback row and one correction; each node's own
    decisions land too."""
    first, second, url, _ = nodes
    store = Storage(url)
    site = store.sites.find(SITE_A)
    assert _check(first, first.key, CLEAN, "f-shared").json()["spam"] is False
    before = store.usage.get(site.id)
    answers = [_feedback(node, first.key, "f-shared", "spam") for node in (first, second, second, first)]
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.json()["created"] for a in answers] == [True, False, False, False]
    assert _feedback(first, first.key, "f-a", "ham").status_code == 200
    assert _feedback(second, first.key, "f-b", "ham").status_code == 200
    rows = store.db.execute(
        "SELECT comment_id, COUNT(*) FROM feedback WHERE site_id = ? AND comment_id LIKE 'f-%' GROUP BY comment_id "
        "ORDER BY comment_id", (site.id,)
    ).fetchall()
    assert [tuple(r) for r in rows] == [("f-a", 1), ("f-b", 1), ("f-shared", 1)]
    after = store.usage.get(site.id)
    assert after.missed_spam - before.missed_spam == 1  # the stored check said "not spam": one correction, once
    assert after.false_positives - before.false_positives == 2  # f-a, f-b were never checked
    store.close()


def test_a_promotion_on_one_node_is_served_by_both(nodes, tiny_frame):
    """A model registered and promoted through the first node's instance, its file in the shared directory, is what
    both nodes answer with within a few check intervals, without a restart."""
    first, second, url, shared = nodes
    store = Storage(url)
    site = store.sites.find(SITE_A)
    registry = site_registry(store, first.instance, shared)
    directory = registry.new_version_dir(scope_of(site.id), "promoted")
    model = train([Source("tiny", tiny_frame)], params={"n_features": 2**11}, validation=0.0, progress=False,
                  recipe="promoted", extra_metadata={"model_id": "promoted-on-node-a"})
    model.save(directory / "model.joblib")
    version = registry.register(directory / "model.joblib", scope=scope_of(site.id))
    assert version.path.is_relative_to(shared) and store.models.list(site.id)[-1].path == str(version.path)
    before = {_check(node, first.key, CLEAN, "p-0").json()["model_version"] for node in (first, second)}
    assert "promoted-on-node-a" not in before
    promoted = subprocess.run(
        cli_command("models", "promote", str(version.id), "--site", SITE_A, "--instance", str(first.instance),
                    "--db", url),
        capture_output=True, text=True, timeout=60, env={**_environment(), "MODERATION_MODEL_DIR": str(shared)},
    )
    assert promoted.returncode == 0, promoted.stderr
    served = {}
    deadline = time.monotonic() + 60
    while len(served) < 2 and time.monotonic() < deadline:
        for name, node in (("first", first), ("second", second)):
            if _check(node, first.key, CLEAN, f"p-{name}").json()["model_version"] == "promoted-on-node-a":
                served[name] = True
        time.sleep(0.1)
    assert served == {"first": True, "second": True}
    store.close()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://moderation:s3cret@127.0.0.1:{closed}/moderation", "Connection refused"),
        ("postgresql://moderation:s3cret@127.0.0.1:notaport/moderation", "port 'notaport' is not a number"),
    ],
    ids=["unreachable", "malformed"],
)
def test_a_wrong_database_url_stops_serve_before_it_binds(tmp_path, tiny_model_path, url, reason):
    """``serve`` exits with an error naming the URL, its password masked, and why; the port was never bound."""
    pytest.importorskip("psycopg")
    url = url.format(closed=free_port())
    port = free_port()
    done = subprocess.run(
        cli_command("serve", "--bind", f"127.0.0.1:{port}", "--instance", str(tmp_path / "instance"),
                    "--model", str(tiny_model_path)),
        capture_output=True, text=True, timeout=120, env={**_environment(), "MODERATION_DATABASE_URL": url},
    )
    assert done.returncode == 1
    masked = url.replace("s3cret", "***")
    assert "error: " in done.stderr and masked in done.stderr and reason in done.stderr
    assert "s3cret" not in done.stderr + done.stdout
    assert "Listening at" not in done.stderr + done.stdout


def test_a_node_killed_under_load_keeps_every_acknowledged_check(tmp_path, tiny_model_path, postgres):
    """SIGKILL a whole node (master and workers) on PostgreSQL while checks are being grouped into transactions:
    every check it answered as stored is in the database, and checks and counters agree."""
    url = postgres.create_database("crash")
    node = Gunicorn(tmp_path / "instance", tiny_model_path, workers=2, threads=4,
                    env={"MODERATION_DATABASE_URL": url})
    try:
        acknowledged = crash_under_load(node, node.key)
    finally:
        node.close()
    store = Storage(url)
    site_id = store.sites.find(SITE_A).id
    stored = {r[0] for r in store.db.execute("SELECT comment_id FROM comments WHERE comment_id LIKE 'crash-%'")}
    assert len(acknowledged) >= 100 and acknowledged <= stored
    assert store.comments.count(site_id) == store.usage.get(site_id).api_calls
    store.close()
