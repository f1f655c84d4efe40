"""The model registry: versions on disk, one active model per site, promotion and rollback picked up live."""

from __future__ import annotations

import time

import pytest
from loop_harness import TOXIC, check

from moderation.registry import ModelRegistry, RegistryError
from moderation.training import Source, train


def _trained(tiny_frame, recipe: str):
    return train([Source("tiny", tiny_frame)], params={"n_features": 2**12}, validation=0.0, progress=False,
                 recipe=recipe, extra_metadata={"model_id": recipe})


def _add(registry: ModelRegistry, site_id, tiny_frame, name: str, gate: str | None = None):
    directory = registry.new_version_dir(site_id, name)
    _trained(tiny_frame, name).save(directory / "model.joblib")
    report = {"gate": {"status": gate, "reasons": ["spam: worse"]}} if gate else {}
    return registry.register(directory / "model.joblib", site_id=site_id, report=report)


@pytest.fixture
def registry(app, storage):
    return ModelRegistry(app.instance_path, storage.models)


def test_versions_live_under_the_instance_and_start_as_candidates(registry, site, tiny_frame):
    """A registered version is a candidate in its own directory; the site keeps the global model."""
    v = _add(registry, site[0].id, tiny_frame, "first")
    assert v.status == "candidate"
    assert v.path.is_file() and v.path.parent.parent == registry.site_dir(site[0].id)
    assert registry.active(site[0].id) is None
    assert registry.new_version_dir(site[0].id, "first").name == "first-1"  # never rewritten


def test_a_broken_file_is_never_registered_or_promoted(registry, site, tiny_frame):
    """A file that does not match its checksum is refused."""
    v = _add(registry, site[0].id, tiny_frame, "good")
    with open(v.path, "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(RegistryError, match="cannot be promoted"):
        registry.promote(site[0].id, v.id)


def test_promote_and_rollback(registry, site, tiny_frame):
    """Promotion retires the previous active version; rollback returns to it, then to the global model."""
    a = _add(registry, site[0].id, tiny_frame, "a")
    b = _add(registry, site[0].id, tiny_frame, "b")
    registry.promote(site[0].id, a.id)
    registry.promote(site[0].id, "b")
    assert registry.active(site[0].id).id == b.id
    assert registry.show(site[0].id, a.id).status == "retired"
    assert registry.rollback(site[0].id).id == a.id
    assert registry.rollback(site[0].id) is None
    assert registry.active(site[0].id) is None
    with pytest.raises(RegistryError, match="already uses the global model"):
        registry.rollback(site[0].id)


def test_failed_gate_needs_force(registry, site, tiny_frame):
    """A version whose gate failed is promoted only with force."""
    v = _add(registry, site[0].id, tiny_frame, "worse", gate="failed")
    with pytest.raises(RegistryError, match="failed the promotion gate"):
        registry.promote(site[0].id, v.id)
    assert registry.promote(site[0].id, v.id, force=True).status == "active"


def test_unknown_version_is_a_clear_error(registry, site):
    with pytest.raises(RegistryError, match="no model version 'nope'"):
        registry.show(site[0].id, "nope")


def test_running_service_picks_up_a_promotion_without_restart(app, registry, site, other_site, tiny_frame):
    """After promote (and after rollback) the next checks of that site use the new model; other sites do not."""
    client = app.test_client()
    before = check(client, site[1], TOXIC, "p-1")["model_version"]
    v = _add(registry, site[0].id, tiny_frame, "promoted-model")
    registry.promote(site[0].id, v.id)
    deadline = time.time() + 30
    while check(client, site[1], TOXIC, "p-2")["model_version"] != "promoted-model" and time.time() < deadline:
        time.sleep(0.05)
    assert check(client, site[1], TOXIC, "p-3")["model_version"] == "promoted-model"
    assert check(client, other_site[1], TOXIC, "p-4")["model_version"] == before
    registry.rollback(site[0].id)
    deadline = time.time() + 30
    while check(client, site[1], TOXIC, "p-5")["model_version"] != before and time.time() < deadline:
        time.sleep(0.05)
    assert check(client, site[1], TOXIC, "p-6")["model_version"] == before
