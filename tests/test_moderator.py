"""Moderator: scoring one or many comments, verdicts from the policy, reasons that point at the comment."""

import math

import numpy as np
import pandas as pd
import pytest

from moderation import (
    Comment,
    InvalidCommentError,
    Moderator,
    Policy,
    PolicyError,
    Scores,
    Thresholds,
    UnknownLabelError,
    Verdict,
)


def test_score_returns_scores_for_every_label(tiny_moderator):
    """score() returns one Scores with a probability in [0, 1] per label and a Verdict."""
    scores = tiny_moderator.score("What a nice article")
    assert isinstance(scores, Scores)
    assert set(scores.probabilities) == set(tiny_moderator.labels)
    assert all(0.0 <= p <= 1.0 for p in scores.probabilities.values())
    assert isinstance(scores.verdict, Verdict)
    assert scores.model_version == tiny_moderator.version


def test_score_accepts_str_comment_and_mapping(tiny_moderator):
    """A str, a Comment and a mapping with the same text score the same."""
    text = "Buy cheap pills at http://bit.ly/x"
    a = tiny_moderator.score(text).probabilities
    b = tiny_moderator.score(Comment(text, author="x", user_ip="127.0.0.1")).probabilities
    c = tiny_moderator.score({"text": text, "author": "x", "unknown_field": 1}).probabilities
    assert a == b == c


def test_score_many_matches_score_and_keeps_order(tiny_moderator):
    """score_many gives the same probabilities as score, one row per comment, in input order."""
    texts = ["thanks", "you stupid moron", "buy pills http://bit.ly/x", "", "😀"]
    frame = tiny_moderator.score_many(texts)
    assert list(frame.columns) == [*tiny_moderator.labels, "verdict"]
    for i, text in enumerate(texts):
        single = tiny_moderator.score(text)
        assert np.allclose([frame.loc[i, lab] for lab in tiny_moderator.labels],
                           [single[lab] for lab in tiny_moderator.labels])
        assert frame.loc[i, "verdict"] == single.verdict.value


def test_score_many_returns_a_dataframe_for_any_input_shape(tiny_moderator):
    """One comment, none, or a DataFrame with metadata: always a DataFrame (the DataFrame's index is kept)."""
    assert len(tiny_moderator.score_many(["one"])) == 1
    assert len(tiny_moderator.score_many([])) == 0
    frame = pd.DataFrame({"text": ["a", "b"], "author": ["x", None]}, index=[10, 20])
    assert list(tiny_moderator.score_many(frame).index) == [10, 20]


def test_fast_path_equals_the_pipeline(tiny_moderator):
    """The scoring fast path gives exactly the pipeline's predict_proba."""
    texts = ["you idiot", "free money http://bit.ly/a", "a calm remark"]
    fast = tiny_moderator.score_many(texts)[list(tiny_moderator.labels)].to_numpy()
    slow = tiny_moderator.pipeline.predict_proba(texts)
    assert np.allclose(fast, slow)


@pytest.mark.parametrize("bad, message", [(None, "text must be a string, got NoneType"),
                                          (42, "got int"), (["x"], "got list"),
                                          ({"author": "x"}, "needs a 'text' key")])
def test_bad_comments_raise_a_clear_error(tiny_moderator, bad, message):
    """Non-text input raises InvalidCommentError naming the problem, never an error from deep inside numpy."""
    with pytest.raises(InvalidCommentError, match=message):
        tiny_moderator.score(bad)


def test_bad_metadata_is_refused():
    """Metadata fields must be strings (created_at may also be a datetime)."""
    with pytest.raises(InvalidCommentError, match="author_email must be a string"):
        Comment("hi", author_email=5)


@pytest.mark.parametrize("text", ["", "😀" * 50, "\x00abc\x00", "\ud800x", "x" * 1_000_000, "שלום عليكم 漢字"])
def test_awkward_text_gets_a_valid_score(tiny_moderator, text):
    """Empty, emoji-only, NUL, lone surrogate, 1 MB and mixed-script comments get valid probabilities."""
    scores = tiny_moderator.score(text)
    assert all(math.isfinite(p) and 0 <= p <= 1 for p in scores.probabilities.values())


def test_policy_thresholds_decide_the_verdict(tiny_moderator):
    """The same probabilities give approve, hold or reject depending on the policy's thresholds."""
    text = "you stupid moron"
    p = tiny_moderator.score(text)["toxicity"]
    strict = Policy({"toxicity": Thresholds(p / 2, p / 2 + 1e-9)})
    lax = Policy({"toxicity": Thresholds(min(1, p + 0.01), 1.0)})
    middle = Policy({"toxicity": Thresholds(p - 1e-9, 1.0)})
    assert tiny_moderator.score(text, policy=strict).verdict is Verdict.REJECT
    assert tiny_moderator.score(text, policy=lax).verdict is Verdict.APPROVE
    assert tiny_moderator.score(text, policy=middle).verdict is Verdict.HOLD


def test_reasons_point_at_words_of_the_comment(tiny_moderator):
    """A flagged label's reasons name words of the comment, located in the original text (evasions included)."""
    text = "You are a stupid id10t"
    policy = Policy({"toxicity": Thresholds(0.0, 1.0), "spam": Thresholds(1.0, 1.0)})
    scores = tiny_moderator.score(text, policy=policy)
    texts = [r for r in scores.reasons if r.label == "toxicity" and r.kind == "text"]
    assert texts, scores.reasons
    for r in texts:
        if r.start is not None:
            assert text[r.start : r.end] == r.text
    assert any(r.text == "stupid" for r in texts)


def test_explanations_are_exact_for_the_linear_model(tiny_moderator):
    """Intercept plus every n-gram and signal contribution equals the label's logit."""
    text = "stupid idiot, buy now"
    features, heads = tiny_moderator.pipeline.named_steps["features"], tiny_moderator.pipeline.named_steps["heads"]
    j = tiny_moderator.labels.index("toxicity")
    a = features.analyze(text)
    occ = a.occurrences
    calibration = tiny_moderator.pipeline.named_steps["calibration"]
    weights, intercepts = heads.scoring_weights(calibration=calibration)
    total = (occ.value * weights[j, occ.bucket]).sum() + occ.meta[0] @ weights[j, features.n_features:]
    logit = total + intercepts[j]
    assert np.isclose(1 / (1 + np.exp(-logit)), tiny_moderator.score(text)["toxicity"])


def test_blocked_words_and_domains_reject(tiny_moderator):
    """A site's blocked word (even obfuscated) or link domain rejects the comment and says why."""
    policy = tiny_moderator.policy.override(blocked_words=["scam"], blocked_domains=["bad.example"])
    scores = tiny_moderator.score("what a s.c.a.m", policy=policy)
    assert scores.verdict is Verdict.REJECT and any("blocked word" in r.description for r in scores.reasons)
    scores = tiny_moderator.score(Comment("hello", author_url="https://www.bad.example/me"), policy=policy)
    assert scores.verdict is Verdict.REJECT and any("blocked domain" in r.description for r in scores.reasons)
    frame = tiny_moderator.score_many(["fine", "a scam"], policy=policy)
    assert frame["verdict"].tolist()[1] == "reject"


def test_allowed_words_do_not_count(tiny_moderator):
    """An allowed word is taken out before scoring."""
    policy = tiny_moderator.policy.override(allowed_words=["stupid"])
    assert tiny_moderator.score("stupid", policy=policy)["toxicity"] == tiny_moderator.score("")["toxicity"]


def test_scores_to_dict_is_json_ready(tiny_moderator):
    """to_dict() gives plain JSON types."""
    import json

    json.dumps(tiny_moderator.score("you idiot http://bit.ly/x").to_dict())


def test_unknown_label_in_explain(tiny_moderator):
    """explain() names the labels the model has when asked for another."""
    with pytest.raises(UnknownLabelError, match="does not score 'threat'; it scores spam, toxicity"):
        tiny_moderator.explain("x", "threat")


def test_a_label_the_model_lacks_is_an_error_not_a_zero(tiny_moderator):
    """Asking a score for a label the model does not have raises UnknownLabelError, never returns 0."""
    scores = tiny_moderator.score("you idiot")
    with pytest.raises(UnknownLabelError, match="does not score 'threat'"):
        scores["threat"]
    with pytest.raises(UnknownLabelError, match="does not score 'profanity'"):
        tiny_moderator.require("toxicity", "profanity")
    assert isinstance(scores["toxicity"], float)


def test_evaluating_a_label_the_model_lacks_is_an_error(tiny_moderator, tiny_frame):
    """evaluate() refuses label columns the model does not score, before scoring anything."""
    from moderation.training import evaluate

    frame = tiny_frame.assign(threat=0.0)
    with pytest.raises(UnknownLabelError, match="does not score 'threat'"):
        evaluate(tiny_moderator, frame, label_columns=["toxicity", "threat"])


def test_policy_lists_must_be_lists():
    """A plain string where a list of words belongs is refused with a PolicyError, not split into letters."""
    with pytest.raises(PolicyError, match="blocked_words must be a list of strings, got str"):
        Policy.from_dict({"thresholds": {}, "blocked_words": "casino"})
    with pytest.raises(PolicyError, match="allowed_words must be a list"):
        Policy({}).override(allowed_words="breast")


@pytest.mark.parametrize(("hold", "reject", "message"), [(1.5, 2.0, "must be a number in"), (0.9, 0.5, "is above")])
def test_bad_thresholds_are_policy_errors(hold, reject, message):
    """Thresholds outside [0, 1], or a hold above the reject threshold, raise PolicyError (not a comment error)."""
    with pytest.raises(PolicyError, match=message) as raised:
        Thresholds(hold, reject)
    assert not isinstance(raised.value, InvalidCommentError)


def test_verdicts_are_ordered_by_severity():
    """max() of verdicts is the most severe one; the values stay the strings the APIs answer."""
    assert Verdict.APPROVE < Verdict.HOLD < Verdict.REJECT
    assert max([Verdict.HOLD, Verdict.REJECT, Verdict.APPROVE]) is Verdict.REJECT
    assert [v.value for v in sorted(Verdict, reverse=True)] == ["reject", "hold", "approve"]


@pytest.mark.parametrize("text", [
    "You are a complete idiot and should shut up.",
    "you people are such morons",
    "Buy cheap pills now at http://pills.example.com you will love it",
    "go back to where you came from you stupid troll",
])
def test_reasons_never_name_a_function_word_alone(tiny_moderator, text):
    """A text reason is a content word or a phrase, never "you", "the", "are" or "back" on its own."""
    from moderation.reasons import is_function_word

    for reason in tiny_moderator.score(text).reasons:
        if reason.kind == "text" and reason.feature and " " not in reason.feature:
            assert not is_function_word(reason.feature), (text, reason)


def test_spam_can_read_the_author_url(tiny_model_path):
    """With spam_metadata, the spam label reads the author URL as well as the text; abuse labels do not, and the
    reason names the field."""
    plain = Moderator.load(tiny_model_path)
    reading = Moderator(plain.pipeline, plain.metadata, spam_metadata=("author_url",))
    comment = Comment("Nice post, thanks", author_url="http://buy-cheap-pills-now.example.com")
    assert reading.score(comment)["spam"] > plain.score(comment)["spam"]
    assert reading.score(comment)["toxicity"] == pytest.approx(plain.score(comment)["toxicity"])
    frame = reading.score_many([comment, Comment("Nice post, thanks")])
    assert frame["spam"][0] == pytest.approx(reading.score(comment)["spam"]) and frame["spam"][0] > frame["spam"][1]
    flagged = reading.score(comment, policy=Policy({"spam": Thresholds(0.0, 1.0)}))
    assert any(r.label == "spam" and r.description.startswith("author URL") for r in flagged.reasons)


def test_unknown_spam_metadata_field_is_refused(tiny_model_path):
    """A model naming a metadata field spam cannot read is refused with the fields it can."""
    from moderation.errors import ModelFileError

    plain = Moderator.load(tiny_model_path)
    with pytest.raises(ModelFileError, match="spam_metadata names \\['user_ip'\\]"):
        Moderator(plain.pipeline, plain.metadata, spam_metadata=("user_ip",))
