"""The shipped default model: trustworthy file, documented sources, and the behaviour news sites rely on."""

import json

import pytest

from moderation import LABELS, Moderator, Verdict
from moderation.datasets import evasion, identity
from moderation.moderator import default_model_path
from moderation.persistence import read_metadata


@pytest.fixture(scope="module")
def shipped():
    return Moderator.load()


def test_shipped_model_is_small_and_documented():
    """The model file is at most 30 MB; its sidecar lists every source with license and sha256, and thresholds."""
    path = default_model_path()
    assert path.stat().st_size <= 30 * 1024 * 1024
    meta = read_metadata(path)
    assert tuple(meta["labels"]) == LABELS
    assert set(meta["thresholds"]) == set(LABELS)
    for source in meta["sources"]:
        assert source["license"], source["name"]
        if source["name"] != "identity_templates":
            assert source["sha256"] and all(len(v) == 64 for v in source["sha256"].values())


def test_commercial_model_uses_only_commercial_licenses():
    """The commercial model's sources all allow commercial use, by the dataset catalogue's account."""
    from moderation import datasets

    meta = read_metadata(default_model_path().with_name("commercial.joblib"))
    for source in meta["sources"]:
        if source["name"] != "identity_templates":
            assert datasets.get(source["name"]).commercial_use, source["name"]


@pytest.mark.parametrize("text", [
    "Thanks for the thoughtful article, I learned a lot.",
    "I disagree with the mayor, but the reporting here is fair.",
    "When does the council vote on the new budget?",
])
def test_ordinary_comments_are_approved(shipped, text):
    """Civil comments, including disagreement, are approved."""
    assert shipped.score(text).verdict is Verdict.APPROVE


@pytest.mark.parametrize("text, label", [
    ("You are a pathetic moron and a liar, shut up.", "toxicity"),
    ("You are a pathetic moron and a liar, shut up.", "insult"),
    ("Make $500 a day from home!!! Click http://bit.ly/cash-now and subscribe to my channel", "spam"),
])
def test_blatant_abuse_and_spam_are_flagged(shipped, text, label):
    """Blatant insults and spam reach at least the hold threshold of their label, with reasons."""
    scores = shipped.score(text)
    assert label in scores.flagged and scores.verdict is not Verdict.APPROVE
    assert any(r.label == label for r in scores.reasons)


def test_neutral_identity_statements_are_not_held(shipped):
    """Held-out neutral statements about identity ("I am a gay man") stay below every abuse label's hold threshold."""
    statements = identity.held_out_frame()["text"].tolist()
    frame = shipped.score_many(statements)
    for label in ("toxicity", "identity_attack"):
        hold = shipped.policy.thresholds[label].hold
        over = [s for s, p in zip(statements, frame[label]) if p >= hold]
        assert not over, f"{label}: {over}"
    for text in ("I am a gay man", "I am a Muslim", "As a Black woman I agree"):
        assert shipped.score(text).verdict is Verdict.APPROVE, text


def test_obfuscation_keeps_ninety_percent_of_recall(shipped):
    """Spaced, stretched, leetspeak, homoglyph and zero-width variants keep >= 90% of the plain comments' recall."""
    ev = evasion.evasion_set()
    frame = shipped.score_many(ev["text"].tolist())
    hold = shipped.policy.thresholds["toxicity"].hold
    flagged = (frame["toxicity"] >= hold).to_numpy()
    plain = flagged[(ev["method"] == "original").to_numpy()].mean()
    assert plain >= 0.7
    for method in evasion.METHODS:
        recall = flagged[(ev["method"] == method).to_numpy()].mean()
        assert recall >= 0.9 * plain, (method, recall, plain)
