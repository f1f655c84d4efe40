"""Shared fixtures: a tiny model trained on our own fixture comments, and the shared data directory when present."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from moderation import Moderator
from moderation.training import Source, read_labeled, train

DATA = Path(__file__).parent / "data"


def pytest_report_header(config):
    """Say which clock the suite runs under: the real one, or the one ``make test`` moves with faketime."""
    return f"clock: {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}, TZ={os.environ.get('TZ', 'unset')}"


@pytest.fixture(scope="session")
def tiny_frame():
    """The hand-written fixture comments (ham, spam, toxic) as a validated DataFrame."""
    return read_labeled(DATA / "tiny_labeled.csv")


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory, tiny_frame):
    """A small model (4,096 buckets) trained on the fixture comments and saved with its sidecar."""
    model = train(
        [Source("tiny", tiny_frame)],
        params={"n_features": 2**12},
        validation=0.0,
        progress=False,
        recipe="tiny",
    )
    path = tmp_path_factory.mktemp("models") / "tiny.joblib"
    model.save(path)
    return path


@pytest.fixture(scope="session")
def tiny_moderator(tiny_model_path):
    """A Moderator over the tiny model."""
    return Moderator.load(tiny_model_path)


@pytest.fixture(scope="session")
def shared_data():
    """The shared datasets directory; tests that need it are skipped when it is absent."""
    candidates = [os.environ.get("MODERATION_DATA"), Path(__file__).parents[2] / "shared" / "datasets"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    pytest.skip("shared datasets not found (set MODERATION_DATA)")


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the whole session (Debian's binaries, a cluster in a temporary directory);
    tests that need it are skipped, with the reason, where PostgreSQL or its driver is not installed."""
    from postgres_server import PostgresServer, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres):
    """The URL of a new, empty database on the session's PostgreSQL server."""
    return postgres.create_database()
