"""The model registry: versions on disk under their scope, one active version per scope, promotion and rollback."""

from __future__ import annotations

import pytest

from moderation import RegistryError
from moderation.retraining.registry import MemoryIndex, ModelRegistry, ModelStatus
from moderation.training import Source, train

SCOPE = "site-7"


def _add(registry: ModelRegistry, tiny_frame, name: str, gate: str | None = None, scope: str | None = SCOPE):
    directory = registry.new_version_dir(scope, name)
    train([Source("tiny", tiny_frame)], params={"n_features": 2**12}, validation=0.0, progress=False,
          recipe=name, extra_metadata={"model_id": name}).save(directory / "model.joblib")
    report = {"gate": {"status": gate, "reasons": ["spam: worse"]}} if gate else {}
    return registry.register(directory / "model.joblib", scope=scope, report=report)


@pytest.fixture
def registry(tmp_path):
    return ModelRegistry(tmp_path / "home", MemoryIndex())


def test_versions_live_under_their_scope_and_start_as_candidates(registry, tiny_frame):
    """A registered version is a candidate in its own directory; the scope keeps the global model."""
    v = _add(registry, tiny_frame, "first")
    assert v.status is ModelStatus.CANDIDATE and v.scope == SCOPE
    assert v.path.is_file() and v.path.parent.parent == registry.scope_dir(SCOPE) == registry.root / SCOPE
    assert registry.active(SCOPE) is None
    assert registry.new_version_dir(SCOPE, "first").name == "first-1"  # never rewritten
    assert registry.scope_dir(None).name == "global"


def test_paths_are_recorded_relative_to_the_home_directory(registry, tiny_frame):
    """The index holds paths relative to the home directory, so a moved home keeps working."""
    v = _add(registry, tiny_frame, "first")
    (row,) = registry.index.list(SCOPE)
    assert row.path == f"models/{SCOPE}/first/model.joblib" and registry.home / row.path == v.path


def test_a_broken_file_is_never_registered_or_promoted(registry, tiny_frame):
    """A file that does not match its checksum is refused."""
    v = _add(registry, tiny_frame, "good")
    with open(v.path, "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(RegistryError, match="cannot be promoted"):
        registry.promote(SCOPE, v.id)


def test_promote_and_rollback(registry, tiny_frame):
    """Promotion retires the previous active version; rollback returns to it, then to the global model."""
    a = _add(registry, tiny_frame, "a")
    b = _add(registry, tiny_frame, "b")
    registry.promote(SCOPE, a.id)
    registry.promote(SCOPE, "b")
    assert registry.active(SCOPE).id == b.id
    assert registry.show(SCOPE, a.id).status is ModelStatus.RETIRED
    assert registry.rollback(SCOPE).id == a.id
    assert registry.rollback(SCOPE) is None
    assert registry.active(SCOPE) is None
    with pytest.raises(RegistryError, match="already uses the global model"):
        registry.rollback(SCOPE)


def test_scopes_are_separate(registry, tiny_frame):
    """Promoting a version of one scope leaves the others on the global model; the global model is a scope too."""
    mine = _add(registry, tiny_frame, "mine")
    shared = _add(registry, tiny_frame, "shared", scope=None)
    registry.promote(SCOPE, mine.id)
    assert registry.active("site-8") is None and registry.active(None) is None
    registry.promote(None, shared.id)
    assert registry.index.active_path("site-8") == registry.relative(shared.path)
    assert registry.index.active_path(SCOPE) == registry.relative(mine.path)


def test_failed_gate_needs_force(registry, tiny_frame):
    """A version whose gate failed is promoted only with force."""
    v = _add(registry, tiny_frame, "worse", gate="failed")
    with pytest.raises(RegistryError, match="failed the promotion gate"):
        registry.promote(SCOPE, v.id)
    assert registry.promote(SCOPE, v.id, force=True).status is ModelStatus.ACTIVE


def test_unknown_version_is_a_clear_error(registry):
    with pytest.raises(RegistryError, match="'site-7' has no model version 'nope'"):
        registry.show(SCOPE, "nope")


def test_statuses_are_ordered_by_life():
    """Candidate, active, retired: the order a version lives through."""
    assert ModelStatus.CANDIDATE < ModelStatus.ACTIVE < ModelStatus.RETIRED
