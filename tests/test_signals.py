"""Phrase signals: what makes each one, what blocks it, and how a model counts and explains them."""

import numpy as np
import pytest

from moderation.features import CommentFeatures
from moderation.signals import SIGNALS, find_signals, signal_spans
from moderation.text import normalise


def names(text: str) -> list[str]:
    return [name for name, _ in find_signals(normalise(text))]


@pytest.mark.parametrize(
    "text, signal, words",
    [
        ("Honestly, Latvians are parasites.", "group_dehumanised", "latvians are parasites"),
        ("These people are a plague on this town.", "group_dehumanised", "these people are a plague"),
        ("Somebody ought to exterminate the Kurds.", "group_violence", "exterminate the kurds"),
        ("He deserves to be hanged for this.", "violence_wish", "deserves to be hanged"),
        ("Sikhs are all thieves.", "group_generalisation", "sikhs are all thieves"),
        ("Careful, we know where you live.", "threat_phrase", "we know where you live"),
    ],
)
def test_each_signal_names_the_words_that_made_it(text, signal, words):
    """A signal's span covers its words, so a reason can quote them."""
    assert (signal, words) in find_signals(normalise(text))


@pytest.mark.parametrize(
    "text",
    [
        "Latvians are not parasites.",  # negated between the words
        "I don't hate Sikhs at all.",  # negated before them
        "The Latvian government are crooks.",  # an institution, not a people
        "Parasites spread in the lake. Latvians swim there every summer.",  # another sentence
        "We need more nurses and better pay.",  # nothing of the kind
    ],
)
def test_negation_institutions_and_clause_ends_block_group_signals(text):
    assert not {"group_dehumanised", "group_generalisation"} & set(names(text))


def test_spans_are_offsets_into_the_normalised_text():
    text = normalise("So the Finns should be shot? Watch your back.")
    for number, start, end in signal_spans(text):
        assert 0 <= number < len(SIGNALS) and 0 <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()


def test_features_without_signals_are_unchanged_by_them():
    """signals=False (the default, and every model saved before signals existed) counts no signal."""
    texts = ["Those people are vermin", "a nice comment"]
    plain = CommentFeatures(n_features=2**12).fit(texts)
    with_signals = CommentFeatures(n_features=2**12, signals=True).fit(texts)
    assert plain.transform(texts).nnz < with_signals.transform(texts).nnz
    assert (plain.transform(texts) != CommentFeatures(n_features=2**12).fit(texts).transform(texts)).nnz == 0


def test_signals_have_a_fixed_value_outside_the_tfidf_norm_on_both_paths():
    """transform() and the scoring path (occurrences) agree, and a signal is worth signal_scale in any comment."""
    texts = ["Those people are vermin", "Those people are vermin, I have said it at length many many times",
             "thanks for the article"]
    f = CommentFeatures(n_features=2**12, signals=True, signal_scale=0.7).fit(texts)
    X = f.transform(texts).toarray()[:, : 2**12]
    occ, _ = f.occurrences(texts)
    Y = np.zeros_like(X)
    np.add.at(Y, (occ.doc, occ.bucket), occ.value)
    np.testing.assert_allclose(X, Y, atol=1e-12)
    signal_values = occ.value[-2:]  # the two comments' group_dehumanised occurrences come last
    np.testing.assert_allclose(signal_values, 0.7)
    # the n-gram part keeps unit length
    n_grams = occ.value[:-2]
    norms = np.bincount(occ.doc[:-2], weights=n_grams**2, minlength=3)
    np.testing.assert_allclose(norms, 1.0, atol=1e-9)


def test_analyze_spans_the_signal_words():
    f = CommentFeatures(n_features=2**12, signals=True).fit(["Those people are vermin", "hello"])
    a = f.analyze("Honestly, those people are VERMIN!")
    spans = {a.padded[s:e] for s, e in zip(a.start, a.end)}
    assert "those people are vermin" in spans


def test_counts_cache_keeps_signals_apart(tmp_path):
    from moderation.features import CountCache

    f = CommentFeatures(n_features=2**12, signals=True)
    cache = CountCache(f)
    counts = cache.counts(["Those people are vermin", "hello", "Those people are vermin"])
    assert counts.signals is not None and counts.signals.sum() == 2
    f.fit_counts(counts)
    np.testing.assert_allclose(f.transform_counts(counts).toarray(),
                               f.transform(["Those people are vermin", "hello", "Those people are vermin"]).toarray())


def test_heads_outside_signal_labels_are_the_heads_of_a_model_without_signals():
    """signal_labels routes the signals: a head not listed fits and scores exactly as without them."""
    import pandas as pd

    from moderation.model import build_pipeline

    texts = ["Those people are vermin", "thanks for the article", "they should all be shot", "good point",
             "Kurds are parasites", "see you at the match", "you idiot", "we know where you live"] * 3
    Y = pd.DataFrame({"toxicity": [1, 0, 1, 0, 1, 0, 1, 1] * 3, "threat": [0, 0, 1, 0, 0, 0, 0, 1] * 3}, dtype=float)
    domains = ["a", "b"] * 12
    probe = ["Those people are vermin and should be shot", "what a nice day", "Finns are pests"]
    plain = build_pipeline(n_features=2**16)
    routed = build_pipeline(n_features=2**16, signals=True, signal_labels=("threat",))
    for pipe in (plain, routed):
        pipe[:-1].fit(texts, Y, heads__domains=domains)
    for domain in ("a", None):
        w_plain, b_plain = plain.named_steps["heads"].scoring_weights(domain)
        w_routed, b_routed = routed.named_steps["heads"].scoring_weights(domain)
        s_plain = plain.named_steps["features"].transform(probe) @ w_plain.T + b_plain
        s_routed = routed.named_steps["features"].transform(probe) @ w_routed.T + b_routed
        np.testing.assert_allclose(s_routed[:, 0], s_plain[:, 0], atol=1e-5)  # toxicity: blind to the signals
        assert not np.allclose(s_routed[:, 1], s_plain[:, 1])  # threat reads them
