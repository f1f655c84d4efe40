"""The registry of a running service: a promotion (and a rollback) is picked up live, for that site only."""

from __future__ import annotations

import time

import pytest
from loop_harness import TOXIC, check

from moderation.retraining.registry import ModelRegistry
from moderation.training import Source, train
from service.retraining import registry as site_registry
from service.retraining import scope_of


def _trained(tiny_frame, recipe: str):
    return train([Source("tiny", tiny_frame)], params={"n_features": 2**12}, validation=0.0, progress=False,
                 recipe=recipe, extra_metadata={"model_id": recipe})


def _add(registry: ModelRegistry, site_id, tiny_frame, name: str):
    directory = registry.new_version_dir(scope_of(site_id), name)
    _trained(tiny_frame, name).save(directory / "model.joblib")
    return registry.register(directory / "model.joblib", scope=scope_of(site_id))


@pytest.fixture
def registry(app, storage):
    return site_registry(storage, app.instance_path)


def test_running_service_picks_up_a_promotion_without_restart(app, registry, site, other_site, tiny_frame):
    """After promote (and after rollback) the next checks of that site use the new model; other sites do not."""
    client = app.test_client()
    before = check(client, site[1], TOXIC, "p-1")["model_version"]
    v = _add(registry, site[0].id, tiny_frame, "promoted-model")
    registry.promote(scope_of(site[0].id), v.id)
    deadline = time.time() + 30
    while check(client, site[1], TOXIC, "p-2")["model_version"] != "promoted-model" and time.time() < deadline:
        time.sleep(0.05)
    assert check(client, site[1], TOXIC, "p-3")["model_version"] == "promoted-model"
    assert check(client, other_site[1], TOXIC, "p-4")["model_version"] == before
    registry.rollback(scope_of(site[0].id))
    deadline = time.time() + 30
    while check(client, site[1], TOXIC, "p-5")["model_version"] != before and time.time() < deadline:
        time.sleep(0.05)
    assert check(client, site[1], TOXIC, "p-6")["model_version"] == before
