"""CommentFeatures: the scikit-learn contract, determinism, and the fast path agreeing with transform()."""

import numpy as np
import pytest
from sklearn.base import clone

from moderation.errors import InvalidCommentError
from moderation.features import META_FEATURES, CommentFeatures

TEXTS = ["You are an idiot", "Thanks for the article", "Buy now at http://bit.ly/x", "", "😀"]


def test_init_only_stores_parameters():
    """__init__ stores its arguments unchanged and validates nothing (scikit-learn's contract)."""
    f = CommentFeatures(n_features=3, char_ngram_range=(9, 1))
    assert f.get_params()["n_features"] == 3
    with pytest.raises(ValueError, match="power of two"):
        f.fit(TEXTS)


def test_fit_returns_self_and_sets_learned_state():
    """fit returns the estimator itself and learns idf_ of the configured size."""
    f = CommentFeatures(n_features=2**10)
    assert f.fit(TEXTS) is f
    assert f.idf_.shape == (2**10,) and f.n_features_out_ == 2**10 + len(META_FEATURES)


def test_transform_before_fit_raises():
    """transform on an unfitted transformer raises scikit-learn's NotFittedError."""
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CommentFeatures().transform(TEXTS)


def test_clone_gives_an_unfitted_copy_with_the_same_parameters():
    """clone() works, so GridSearchCV and Pipeline can use the transformer."""
    f = CommentFeatures(n_features=2**10, meta_scale=0.5).fit(TEXTS)
    g = clone(f)
    assert g.get_params() == f.get_params() and not hasattr(g, "idf_")


def test_rows_are_normalised_and_independent_of_the_batch():
    """Each comment's occurrence weights have unit norm, and a comment's row is the same alone or in a batch."""
    f = CommentFeatures(n_features=2**12).fit(TEXTS)
    batch = f.transform(TEXTS).toarray()
    alone = f.transform([TEXTS[0]]).toarray()
    assert np.allclose(batch[0], alone[0])
    occ, _ = f.occurrences(TEXTS[:3])
    assert np.allclose(np.bincount(occ.doc, weights=occ.value**2), 1.0)


def test_hashing_is_deterministic_across_instances():
    """Two transformers fitted on the same data produce identical matrices (no process-dependent hashing)."""
    a = CommentFeatures(n_features=2**12).fit(TEXTS).transform(TEXTS)
    b = CommentFeatures(n_features=2**12).fit(TEXTS).transform(TEXTS)
    assert (a != b).nnz == 0


def test_evasions_map_to_the_same_features():
    """An obfuscated insult gets the same n-gram features as the plain one."""
    f = CommentFeatures(n_features=2**14).fit(TEXTS)
    plain, evasive = f.transform(["you idiot", "y o u  1d10t"]).toarray()[:, : 2**14]
    assert np.allclose(plain, evasive)


@pytest.mark.parametrize("bad", [None, 3, [1, 2], ["ok", None], "a string, not a list"])
def test_bad_input_is_refused_with_a_clear_error(bad):
    """Non-string items raise InvalidCommentError naming the position and type."""
    f = CommentFeatures(n_features=2**8).fit(TEXTS)
    with pytest.raises(InvalidCommentError, match="string|list"):
        f.transform(bad)


def test_analyze_spans_point_at_the_ngrams():
    """analyze() gives each n-gram occurrence a span of the padded normalised text."""
    f = CommentFeatures(n_features=2**12).fit(TEXTS)
    a = f.analyze("You are an ID10T")
    pieces = {a.padded[s:e] for s, e in zip(a.start, a.end)}
    assert {"idiot", "an idiot", "idi", " y"} <= pieces


def test_counts_then_idf_equal_fit_and_transform():
    """Counting first and weighting after (fit_counts / transform_counts) gives fit / transform's matrix."""
    f = CommentFeatures(n_features=2**10).fit(TEXTS)
    g = CommentFeatures(n_features=2**10)
    counts = g.counts(TEXTS)
    g.fit_counts(counts)
    np.testing.assert_array_equal(f.idf_, g.idf_)
    assert abs(f.transform(TEXTS) - g.transform_counts(counts)).max() < 1e-12


def test_count_cache_counts_each_text_once_and_keeps_order():
    """A CountCache returns the counts of any texts in the order asked, counting a text only the first time."""
    from moderation.features import CountCache

    features = CommentFeatures(n_features=2**10)
    cache = CountCache(features)
    cache.add(TEXTS[:2])
    assert len(cache) == 2
    asked = TEXTS[::-1] + TEXTS[:1]
    counts = cache.counts(asked)
    assert len(cache) == len(TEXTS)
    fresh = features.counts(asked)
    assert abs(counts.matrix - fresh.matrix).max() == 0 and np.array_equal(counts.meta, fresh.meta)


def test_counts_of_other_feature_parameters_are_refused():
    """Counts made with other hashing parameters cannot be weighted by these features."""
    counts = CommentFeatures(n_features=2**10).counts(TEXTS)
    with pytest.raises(ValueError, match="counts were made with features"):
        CommentFeatures(n_features=2**11).fit_counts(counts)
