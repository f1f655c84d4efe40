"""Retraining a site from its feedback: a versioned candidate, a report, and a promotion gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from moderation import InvalidDataError, Moderator
from moderation.registry import ModelRegistry
from moderation.retrain import gate, retrain, split_feedback

PARAMS = {"n_features": 2**12}


@pytest.fixture
def registry(app, storage):
    return ModelRegistry(app.instance_path, storage.models)


def test_retrain_saves_a_version_with_report_and_gate(registry, site, tiny_frame, tiny_moderator):
    """A retrain registers a new version with its report files and records the gate and the held-out rows."""
    result = retrain(registry, site_id=site[0].id, site_name=site[0].host, feedback=tiny_frame,
                     active=tiny_moderator, params=PARAMS, promote=False)
    v = result.version
    assert v.status == "candidate" and v.version.startswith(f"site{site[0].id}-v1-")
    assert {p.name for p in v.report_dir.iterdir()} >= {"index.html", "report.json", "curves.png"}
    assert v.report["gate"]["status"] == result.gate["status"]
    assert v.report["training"]["held_out"] == 12
    loaded = Moderator.load(v.path)
    assert loaded.metadata["feedback_weight"] == 5.0
    assert loaded.metadata["sources"][-1]["domain"] == f"site:{site[0].host}"


def test_a_candidate_worse_than_the_active_model_is_not_promoted(registry, site, tiny_frame, tiny_moderator):
    """The active tiny model has seen every row (AUC 1.0), so the candidate is worse: kept, and the report says why."""
    result = retrain(registry, site_id=site[0].id, site_name=site[0].host, feedback=tiny_frame,
                     active=tiny_moderator, params=PARAMS, tolerance=0.0)
    assert result.gate["status"] == "failed"
    assert not result.promoted
    assert registry.active(site[0].id) is None
    assert any("below the active model" in r for r in result.gate["reasons"])
    assert "below the active model" in (result.version.report_dir / "index.html").read_text()


def test_a_candidate_that_passes_is_promoted(registry, site, tiny_frame, tiny_moderator):
    """With a tolerance that admits it, the candidate becomes the site's active model."""
    result = retrain(registry, site_id=site[0].id, site_name=site[0].host, feedback=tiny_frame,
                     active=tiny_moderator, params=PARAMS, tolerance=1.0)
    assert result.gate["status"] == "passed" and result.promoted
    assert registry.active(site[0].id).id == result.version.id


def test_a_shipped_label_the_candidate_lacks_fails_the_gate():
    """A label of the active model that the candidate does not score fails the gate."""
    held = pd.DataFrame({"text": ["a", "b"], "spam": [0.0, 1.0]})
    verdict = gate(held, pd.DataFrame({"spam": [0.1, 0.9]}), pd.DataFrame({"spam": [0.1, 0.9], "insult": [0, 0]}),
                   ["spam", "insult"], 0.02)
    assert verdict["status"] == "failed"
    assert verdict["reasons"] == ["insult: the candidate does not score this label (no training data for it)"]


def test_too_little_held_out_feedback_is_inconclusive():
    held = pd.DataFrame({"text": ["a"], "spam": [1.0]})
    verdict = gate(held, pd.DataFrame({"spam": [0.9]}), pd.DataFrame({"spam": [0.9]}), ["spam"], 0.02)
    assert verdict["status"] == "inconclusive"


def test_too_little_feedback_is_refused(registry, site, tiny_frame, tiny_moderator):
    with pytest.raises(InvalidDataError, match="needs at least 10"):
        retrain(registry, site_id=site[0].id, site_name=site[0].host, feedback=tiny_frame.head(5),
                active=tiny_moderator, params=PARAMS)


def test_split_is_stratified_and_seeded(tiny_frame):
    """The held-out part keeps both classes of every label and is the same for the same seed."""
    fit, held = split_feedback(tiny_frame, 0.3, seed=1)
    assert len(fit) + len(held) == len(tiny_frame)
    for label in ("spam", "toxicity"):
        assert 0 < (held[label] >= 0.5).sum() < len(held)
    assert held["text"].tolist() == split_feedback(tiny_frame, 0.3, seed=1)[1]["text"].tolist()


def test_feedback_frame_turns_decisions_into_labels(storage, site):
    """Moderator decisions become label values; a decision says nothing about the labels it does not concern."""
    from service.retraining import feedback_frame

    storage.feedback.record(site[0].id, "1", "spam", source="api", text="buy pills")
    storage.feedback.record(site[0].id, "2", "approved", source="moderator", text="nice article")
    storage.feedback.record(site[0].id, "3", "abusive", source="moderator", text="idiot",
                            labels={"toxicity": 1.0, "spam": 0.0})
    storage.feedback.record(site[0].id, "4", "ham", source="akismet")  # no text anywhere: skipped
    frame = feedback_frame(storage, site[0].id).set_index("text")
    assert frame.loc["buy pills", "spam"] == 1.0 and np.isnan(frame.loc["buy pills", "toxicity"])
    assert frame.loc["nice article"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert frame.loc["idiot", "toxicity"] == 1.0 and frame.loc["idiot", "spam"] == 0.0
    assert len(frame) == 3
