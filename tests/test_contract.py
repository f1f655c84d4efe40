"""scikit-learn's contract, tested by hand because ``check_estimator`` skips text input: keyword-only parameters,
``classes_`` that scorers read right, a search over a parameter of each step, ``clone``, tags, not-fitted errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.metrics import get_scorer, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.utils import get_tags

from moderation import NotFittedError
from moderation.calibration import PlattScaling
from moderation.features import CommentFeatures
from moderation.model import LabelHeads, build_pipeline

ESTIMATORS = (CommentFeatures, LabelHeads, PlattScaling)


@pytest.fixture(scope="module")
def texts(tiny_frame):
    return tiny_frame["text"].tolist()


@pytest.fixture(scope="module")
def toxic(tiny_frame):
    """One label as a 1-D 0/1 target."""
    return (tiny_frame["toxicity"] >= 0.5).astype(int).to_numpy()


@pytest.fixture(scope="module")
def labels(tiny_frame):
    """Two labels as a 2-D 0/1 target."""
    return (tiny_frame[["spam", "toxicity"]] >= 0.5).astype(int).to_numpy()


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_parameters_are_keyword_only(estimator):
    """Every estimator takes its parameters by keyword only, and stores them untouched."""
    with pytest.raises(TypeError):
        estimator(1)
    assert estimator().get_params() == clone(estimator()).get_params()


def test_one_label_is_a_binary_classifier(texts, toxic):
    """Fitted on a 1-D target, the model has classes [0, 1] and answers in scikit-learn's binary shapes."""
    pipe = build_pipeline(n_features=2**12).fit(texts, toxic)
    assert pipe.classes_.tolist() == [0, 1]
    assert pipe.predict_proba(texts[:3]).shape == (3, 2)
    assert pipe.decision_function(texts[:3]).shape == (3,)
    assert set(pipe.predict(texts).tolist()) <= {0, 1}
    assert np.allclose(pipe.predict_proba(texts).sum(axis=1), 1.0)


def test_several_labels_are_a_multilabel_classifier(texts, labels):
    """Fitted on a 2-D target, the model has one [0, 1] per label and answers one column per label."""
    pipe = build_pipeline(n_features=2**12).fit(texts, labels)
    assert [c.tolist() for c in pipe.classes_] == [[0, 1], [0, 1]]
    assert pipe.predict_proba(texts[:3]).shape == pipe.predict(texts[:3]).shape == (3, 2)


def test_the_roc_auc_scorer_equals_roc_auc_score_on_predict_proba(texts, toxic, labels):
    """scikit-learn's roc_auc scorer gives what roc_auc_score gives on predict_proba, for one label and several."""
    scorer = get_scorer("roc_auc")
    one = build_pipeline(n_features=2**12).fit(texts[::2], toxic[::2])
    expected = roc_auc_score(toxic[1::2], one.predict_proba(texts[1::2])[:, 1])
    assert 0.5 < expected and scorer(one, texts[1::2], toxic[1::2]) == pytest.approx(expected, abs=1e-12)
    several = build_pipeline(n_features=2**12).fit(texts[::2], labels[::2])
    expected = roc_auc_score(labels[1::2], several.predict_proba(texts[1::2]))
    assert 0.5 < expected and scorer(several, texts[1::2], labels[1::2]) == pytest.approx(expected, abs=1e-12)


def test_cross_val_score_with_roc_auc_scores_each_fold(texts, toxic):
    """cross_val_score(..., scoring="roc_auc") gives, fold by fold, the ROC AUC of the fold's predict_proba."""
    folds = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    scores = cross_val_score(build_pipeline(n_features=2**12), texts, toxic, scoring="roc_auc", cv=folds)
    texts_array = np.array(texts, dtype=object)
    for score, (fit, test) in zip(scores, folds.split(texts_array, toxic)):
        model = build_pipeline(n_features=2**12).fit(texts_array[fit].tolist(), toxic[fit])
        assert score == pytest.approx(roc_auc_score(toxic[test], model.predict_proba(texts_array[test].tolist())[:, 1]))
    assert scores.min() > 0.5


@pytest.mark.parametrize(
    ("parameter", "values"),
    [
        ("features__n_features", [2**10, 2**12]),
        ("features__char_ngram_range", [(2, 4), (2, 5)]),
        ("heads__alpha", [1e-5, 1e-3]),
        ("calibration__min_rows", [2, 5]),
    ],
)
def test_grid_search_over_a_parameter_of_each_step(texts, toxic, parameter, values):
    """GridSearchCV searches a parameter of any step; the features step alone decides the number of buckets."""
    search = GridSearchCV(build_pipeline(n_features=2**11), {parameter: values}, scoring="roc_auc", cv=3)
    search.fit(texts, toxic)
    assert search.best_params_[parameter] in values
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    heads = search.best_estimator_.named_steps["heads"]
    assert heads.n_hashed_ == search.best_estimator_.named_steps["features"].n_features


@pytest.mark.parametrize(
    ("estimator", "change"),
    [
        (CommentFeatures(), {"n_features": 2**10, "word_ngram_range": (1, 1)}),
        (LabelHeads(), {"alpha": 1e-3, "score_as": {"spam": None}, "nonnegative": ("links",)}),
        (PlattScaling(), {"min_rows": 3, "C": 1.0}),
        (build_pipeline(), {"features__n_features": 2**10, "heads__epochs": 3, "calibration__min_rows": 2}),
    ],
)
def test_clone_after_set_params_keeps_the_parameters(estimator, change):
    """A clone of an estimator whose parameters were changed has those parameters and no fitted state."""
    copy = clone(estimator.set_params(**change))
    params = {k: v for k, v in copy.get_params().items() if not isinstance(v, BaseEstimator) and k != "steps"}
    for name, value in change.items():
        assert params[name] == value
    assert params == {k: v for k, v in estimator.get_params().items() if k in params}


def test_the_estimators_declare_their_input_and_targets():
    """The features take strings, not a 2-D array; the heads take sparse input; heads and calibration (and so the
    pipeline, which reads its last step) take several labels. scikit-learn's Pipeline does not pass the first step's
    string tag on, so only the features step carries it."""
    tags = get_tags(CommentFeatures())
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert get_tags(LabelHeads()).input_tags.sparse
    for estimator in (LabelHeads(), PlattScaling(), build_pipeline()):
        assert get_tags(estimator).target_tags.multi_output and get_tags(estimator).classifier_tags.multi_label


@pytest.mark.parametrize(
    ("estimator", "method", "X"),
    [
        (CommentFeatures(), "transform", ["text"]),
        (LabelHeads(), "predict_proba", np.zeros((1, 20))),
        (PlattScaling(), "predict_proba", np.zeros((1, 1))),
    ],
)
def test_an_unfitted_estimator_raises_not_fitted(estimator, method, X):
    """Using an estimator before fit raises the library's NotFittedError, which is also scikit-learn's."""
    with pytest.raises(NotFittedError, match="not fitted yet") as raised:
        getattr(estimator, method)(X)
    assert isinstance(raised.value, SklearnNotFittedError)


def test_calibration_is_fitted_on_other_rows_than_the_heads(tiny_frame):
    """train() fits features and heads on the training rows and the calibration on held-out rows only."""
    from moderation.training import Source, train

    model = train([Source("t", tiny_frame)], params={"n_features": 2**12}, validation=0.4, progress=False)
    calibration = model.pipeline.named_steps["calibration"]
    heads = model.pipeline.named_steps["heads"]
    assert heads.n_train_["toxicity"][0] < len(tiny_frame)
    assert set(calibration.calibrated_) == set(model.metadata["calibration"])
    uncalibrated = train([Source("t", tiny_frame)], params={"n_features": 2**12}, validation=0.0, progress=False)
    step = uncalibrated.pipeline.named_steps["calibration"]
    assert step.calibrated_ == () and step.slope_.tolist() == [1.0, 1.0] and step.offset_.tolist() == [0.0, 0.0]
    frame = pd.DataFrame({"text": ["x"]})
    assert model.moderator().score_many(frame).shape == (1, len(model.labels) + 1)
