"""Retraining from feedback: a versioned candidate, a report, and a promotion gate."""

from __future__ import annotations

import pandas as pd
import pytest

from moderation import InvalidDataError, Moderator
from moderation.retraining.gate import GateStatus, gate
from moderation.retraining.registry import MemoryIndex, ModelRegistry, ModelStatus
from moderation.retraining.retrain import retrain, split_feedback

PARAMS = {"n_features": 2**12}
SCOPE, DOMAIN = "site-7", "site:news.example.com"


@pytest.fixture
def registry(tmp_path):
    return ModelRegistry(tmp_path / "home", MemoryIndex())


def test_retrain_saves_a_version_with_report_and_gate(registry, tiny_frame, tiny_moderator):
    """A retrain registers a new version with its report files and records the gate and the held-out rows."""
    result = retrain(registry, scope=SCOPE, domain=DOMAIN, feedback=tiny_frame, active=tiny_moderator,
                     params=PARAMS, promote=False)
    v = result.version
    assert v.status is ModelStatus.CANDIDATE and v.version.startswith(f"{SCOPE}-v1-")
    assert {p.name for p in v.report_dir.iterdir()} >= {"index.html", "report.json", "curves.png"}
    assert v.report["gate"]["status"] == result.gate["status"]
    assert v.report["training"]["held_out"] == 12
    loaded = Moderator.load(v.path)
    assert loaded.metadata["feedback_weight"] == 5.0
    assert loaded.metadata["sources"][-1]["domain"] == DOMAIN
    assert retrain(registry, scope=SCOPE, domain=DOMAIN, feedback=tiny_frame, active=tiny_moderator,
                   params=PARAMS, promote=False).version.version.startswith(f"{SCOPE}-v2-")


def test_a_candidate_worse_than_the_active_model_is_not_promoted(registry, tiny_frame, tiny_moderator):
    """The active tiny model has seen every row (AUC 1.0), so the candidate is worse: kept, and the report says why."""
    result = retrain(registry, scope=SCOPE, domain=DOMAIN, feedback=tiny_frame, active=tiny_moderator,
                     params=PARAMS, tolerance=0.0)
    assert result.gate["status"] is GateStatus.FAILED
    assert not result.promoted
    assert registry.active(SCOPE) is None
    assert any("below the active model" in r for r in result.gate["reasons"])
    assert "below the active model" in (result.version.report_dir / "index.html").read_text()


def test_a_candidate_that_passes_is_promoted(registry, tiny_frame, tiny_moderator):
    """With a tolerance that admits it, the candidate becomes the scope's active model."""
    result = retrain(registry, scope=SCOPE, domain=DOMAIN, feedback=tiny_frame, active=tiny_moderator,
                     params=PARAMS, tolerance=1.0)
    assert result.gate["status"] is GateStatus.PASSED and result.promoted
    assert registry.active(SCOPE).id == result.version.id


def test_a_shipped_label_the_candidate_lacks_fails_the_gate():
    """A label of the active model that the candidate does not score fails the gate."""
    held = pd.DataFrame({"text": ["a", "b"], "spam": [0.0, 1.0]})
    verdict = gate(held, pd.DataFrame({"spam": [0.1, 0.9]}), pd.DataFrame({"spam": [0.1, 0.9], "insult": [0, 0]}),
                   ["spam", "insult"], 0.02)
    assert verdict["status"] is GateStatus.FAILED
    assert verdict["reasons"] == ["insult: the candidate does not score this label (no training data for it)"]


def test_too_little_held_out_feedback_is_inconclusive():
    held = pd.DataFrame({"text": ["a"], "spam": [1.0]})
    verdict = gate(held, pd.DataFrame({"spam": [0.9]}), pd.DataFrame({"spam": [0.9]}), ["spam"], 0.02)
    assert verdict["status"] is GateStatus.INCONCLUSIVE


def test_gate_results_are_ordered_from_worst_to_best():
    assert GateStatus.FAILED < GateStatus.INCONCLUSIVE < GateStatus.PASSED


def test_too_little_feedback_is_refused(registry, tiny_frame, tiny_moderator):
    with pytest.raises(InvalidDataError, match="needs at least 10"):
        retrain(registry, scope=SCOPE, domain=DOMAIN, feedback=tiny_frame.head(5), active=tiny_moderator,
                params=PARAMS)


def test_split_is_stratified_and_seeded(tiny_frame):
    """The held-out part keeps both classes of every label and is the same for the same seed."""
    fit, held = split_feedback(tiny_frame, 0.3, seed=1)
    assert len(fit) + len(held) == len(tiny_frame)
    for label in ("spam", "toxicity"):
        assert 0 < (held[label] >= 0.5).sum() < len(held)
    assert held["text"].tolist() == split_feedback(tiny_frame, 0.3, seed=1)[1]["text"].tolist()
