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
        if not source["license"].startswith("ours"):  # our own templates and synthetic sentences have no files
            assert source["sha256"] and all(len(v) == 64 for v in source["sha256"].values())


def test_commercial_model_uses_only_commercial_licenses():
    """The commercial model's sources all allow commercial use, by the dataset catalogue's account."""
    from moderation import datasets

    meta = read_metadata(default_model_path().with_name("commercial.joblib"))
    for source in meta["sources"]:
        if not source["license"].startswith("ours"):
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


def test_shipped_model_scores_the_news_desk_labels(shipped):
    """The default model scores threats and profanity besides toxicity, insults, identity attacks and spam;
    profanity is reported but holds nothing by default."""
    assert shipped.labels == LABELS
    assert shipped.policy.thresholds["profanity"].hold == 1.0
    scores = shipped.score("Holy shit, what a comeback in the third period!")
    assert scores["profanity"] > scores["threat"] and "profanity" not in scores.flagged


@pytest.mark.parametrize("text, label", [
    ("I will kill you and your whole family.", "threat"),
    ("Muslims are a disease and should be wiped out.", "identity_attack"),
])
def test_blatant_threats_and_hate_are_held(shipped, text, label):
    """A blatant threat or call for violence against a group reaches its label's hold threshold."""
    scores = shipped.score(text)
    assert label in scores.flagged and scores.verdict is not Verdict.APPROVE


@pytest.mark.parametrize("text", ["You people are morons", "You are a pathetic moron, go back to where you came from"])
def test_reasons_are_never_a_function_word_alone(shipped, text):
    """Reasons name content words or phrases: never "you", "your", "back", "are" on their own."""
    from moderation.reasons import is_function_word

    reasons = [r for r in shipped.score(text).reasons if r.kind == "text"]
    assert reasons
    assert not [r.feature for r in reasons if " " not in r.feature and is_function_word(r.feature)]


def test_identity_terms_are_not_the_reason_for_an_identity_attack(shipped):
    """In "Ukrainians are subhuman animals" the reasons are the hateful words, not the people they are aimed at."""
    scores = shipped.score("Ukrainians are subhuman animals.")
    assert scores.verdict is not Verdict.APPROVE
    text_reasons = [r.feature for r in scores.reasons if r.kind == "text"]
    assert text_reasons and "ukrainians" not in text_reasons


def test_spam_reads_the_author_url_of_a_generic_compliment(shipped):
    """A generic compliment whose author URL is an advert is held as spam; without the URL it is approved."""
    from moderation import Comment

    advert = Comment("Great post, thanks for sharing!", author_url="http://cheap-viagra-pills-online.biz")
    assert shipped.score(advert)["spam"] > shipped.score("Great post, thanks for sharing!")["spam"]
    assert shipped.score("Great post, thanks for sharing!").verdict is Verdict.APPROVE
