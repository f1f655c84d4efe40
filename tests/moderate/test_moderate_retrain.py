"""Retraining a site: the service maps the site onto the library's retraining (scope, domain, feedback)."""

from __future__ import annotations

import numpy as np

from moderation.labels import LABELS

from service.retraining import feedback_frame, registry, retrain_site, scope_of, site_of

PARAMS = {"n_features": 2**12}


def test_a_site_is_a_registry_scope_and_a_training_domain(app, storage, site, tiny_frame, tiny_moderator):
    """Site 1's versions live under INSTANCE/models/site-1, are indexed in the models table, and learn its feedback
    as the domain site:<host>."""
    from service.review import import_labeled

    import_labeled(storage, site[0].id, tiny_frame, moderator="mod")
    result = retrain_site(storage, app.instance_path, site[0], active=tiny_moderator, recipe="none", params=PARAMS,
                          promote=False)
    assert scope_of(site[0].id) == "site-1" and site_of("site-1") == site[0].id and site_of(None) is None
    assert result.version.path.parent.parent == registry(storage, app.instance_path).scope_dir("site-1")
    (record,) = storage.models.list(site[0].id)
    assert record.path == f"models/site-1/{result.version.version}/model.joblib"
    assert result.version.version.startswith("site-1-v1-")
    assert result.report["domain"] == f"site:{site[0].host}"


def test_feedback_frame_turns_decisions_into_labels(storage, site):
    """Moderator decisions become label values; a decision says nothing about the labels it does not concern."""
    storage.feedback.record(site[0].id, "1", "spam", source="api", text="buy pills")
    storage.feedback.record(site[0].id, "2", "approved", source="moderator", text="nice article")
    storage.feedback.record(site[0].id, "3", "abusive", source="moderator", text="idiot",
                            labels={"toxicity": 1.0, "spam": 0.0})
    storage.feedback.record(site[0].id, "4", "ham", source="akismet")  # no text anywhere: skipped
    frame = feedback_frame(storage, site[0].id).set_index("text")
    assert frame.loc["buy pills", "spam"] == 1.0 and np.isnan(frame.loc["buy pills", "toxicity"])
    assert frame.loc["nice article"].tolist() == [0.0] * len(LABELS)
    assert frame.loc["idiot", "toxicity"] == 1.0 and frame.loc["idiot", "spam"] == 0.0
    assert len(frame) == 3
