"""The model holder: one load per worker, per-site models, and atomic swaps that never fail a request."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from harness import CLEAN, make_app, wait_until
from moderation import Moderator
from moderation.persistence import sidecar_path
from moderation.training import Source, train
from service.model_holder import ModelHolder, ModelUnavailable


@pytest.fixture(scope="module")
def other_model_path(tmp_path_factory, tiny_frame):
    """A second small model, distinct from the tiny one (another version id and other scores)."""
    model = train(
        [Source("tiny", tiny_frame.iloc[::2])],
        params={"n_features": 2**10},
        validation=0.0,
        progress=False,
        recipe="other",
    )
    path = tmp_path_factory.mktemp("other") / "other.joblib"
    model.save(path)
    return path


def place(source, target) -> None:
    """Install a model at ``target`` the way save_model does: model file, then sidecar, each by atomic rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for src, dst in ((source, target), (sidecar_path(source), sidecar_path(target))):
        tmp = dst.with_name(dst.name + ".tmp")
        shutil.copy(src, tmp)
        os.replace(tmp, dst)





class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_model_is_loaded_once_and_reused(tmp_path, tiny_model_path):
    loads = []

    def loader(path):
        loads.append(path)
        return Moderator.load(path)

    holder = ModelHolder(tiny_model_path, loader=loader, check_interval=0.0)
    holder.load_default()
    assert holder.get() is holder.get() and len(loads) == 1 and holder.ready


def test_files_are_looked_at_no_more_than_once_per_interval(tmp_path, tiny_model_path, other_model_path):
    """Within the check interval a replaced file is not even noticed; after it, the new model is swapped in."""
    path = tmp_path / "m.joblib"
    place(tiny_model_path, path)
    clock = Clock()
    holder = ModelHolder(path, check_interval=1.0, clock=clock)
    first = holder.load_default()
    place(other_model_path, path)
    clock.now = 0.5
    assert holder.get() is first
    clock.now = 1.5
    holder.get()  # notices the change and starts loading in the background
    assert wait_until(lambda: holder.get().version != first.version)
    assert holder.get().version == Moderator.load(other_model_path).version


def test_a_swap_never_fails_an_in_flight_request(tmp_path, tiny_model_path, other_model_path):
    """Threads keep scoring while the model file is replaced back and forth: no errors, both models serve."""
    path = tmp_path / "m.joblib"
    place(tiny_model_path, path)
    holder = ModelHolder(path, check_interval=0.0)
    holder.load_default()
    errors, versions, stop = [], set(), threading.Event()

    def score():
        while not stop.is_set():
            try:
                moderator = holder.get()
                moderator.score(CLEAN)
                versions.add(moderator.version)
            except Exception as exc:  # any failure is what this test looks for
                errors.append(exc)

    threads = [threading.Thread(target=score) for _ in range(4)]
    for t in threads:
        t.start()
    for source in (other_model_path, tiny_model_path, other_model_path):
        place(source, path)
        expected = Moderator.load(source).version
        # however loaded the machine, wait until the scoring threads have been served the new file
        assert wait_until(lambda: holder.get().version == expected and expected in versions, timeout=60)
    stop.set()
    for t in threads:
        t.join()
    assert errors == [] and len(versions) == 2


def test_a_broken_replacement_keeps_the_old_model(tmp_path, tiny_model_path):
    """A corrupt new file is logged and ignored: the previous model keeps serving."""
    path = tmp_path / "m.joblib"
    place(tiny_model_path, path)
    holder = ModelHolder(path, check_interval=0.0)
    first = holder.load_default()
    path.write_bytes(b"not a model")
    holder.get()
    assert wait_until(lambda: holder.status()["errors"])
    assert holder.get() is first
    assert "sha256" in holder.status()["errors"][str(path)]


def test_a_missing_model_is_unavailable_until_it_appears(tmp_path, tiny_model_path):
    path = tmp_path / "m.joblib"
    holder = ModelHolder(path, check_interval=0.0)
    with pytest.raises(ModelUnavailable):
        holder.get()
    assert not holder.ready
    place(tiny_model_path, path)
    assert holder.get().version == Moderator.load(tiny_model_path).version


def test_each_site_gets_its_promoted_model(tmp_path, tiny_model_path, other_model_path):
    """A site with a promoted model gets it; other sites, and requests without a site, get the default."""
    holder = ModelHolder(tiny_model_path, resolver={1: str(other_model_path)}.get, check_interval=0.0)
    default = holder.load_default()
    assert holder.get(1).version != default.version
    assert holder.get(2) is default and holder.get(None) is default


def test_a_site_whose_model_cannot_load_is_served_by_the_default(tmp_path, tiny_model_path):
    holder = ModelHolder(tiny_model_path, resolver={1: str(tmp_path / "gone.joblib")}.get, check_interval=0.0)
    default = holder.load_default()
    assert holder.get(1) is default


def test_the_cache_keeps_the_default_model(tmp_path, tiny_model_path, other_model_path):
    """With room for one model, a site model evicts nothing the default needs."""
    holder = ModelHolder(tiny_model_path, resolver={1: str(other_model_path)}.get, check_interval=0.0, cache_size=1)
    default = holder.load_default()
    holder.get(1)
    assert holder.get(None) is default


def test_the_app_serves_a_model_promoted_in_the_database(tmp_path, tiny_model_path, other_model_path):
    """Promoting a model for a site in the models table switches that site's checks to it, and only that site's."""
    app = make_app(tmp_path, tiny_model_path, MODEL_CHECK_INTERVAL=0.0)
    store = app.extensions["moderation.storage"]
    a, b = store.sites.create("https://a.example"), store.sites.create("https://b.example")
    key_a, key_b = store.keys.create(a.id)[0], store.keys.create(b.id)[0]
    client = app.test_client()
    default_version = client.get("/v1/model", headers={"X-API-Key": key_a}).get_json()["version"]
    promoted = Moderator.load(other_model_path)
    store.models.add(other_model_path, promoted.metadata["sha256"], promoted.version, site_id=a.id, status="active")
    # The new model loads in the background while the site's old one keeps answering: no request waits for it.
    deadline = time.monotonic() + 30
    while client.get("/v1/model", headers={"X-API-Key": key_a}).get_json()["version"] != promoted.version:
        assert time.monotonic() < deadline, "the promoted model was never served"
        time.sleep(0.02)
    assert client.get("/v1/model", headers={"X-API-Key": key_b}).get_json()["version"] == default_version
    check = client.post("/v1/comments/check", json={"text": CLEAN}, headers={"X-API-Key": key_a}).get_json()
    assert check["model_version"] == promoted.version
