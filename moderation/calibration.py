"""Calibration: the pipeline's last step, fitted on held-out rows after the heads.

A label head's logit ranks comments well but its probabilities are not honest: a corpus where most rows are
positive, or soft labels, leave them too high or too low. :class:`PlattScaling` fits, per label, a slope and an
offset on held-out logits (Platt 1999) so that ``sigmoid(slope * logit + offset)`` is a probability one can choose
thresholds on. It is a step of its own, fitted after the heads and on other rows; a linear map of the logit keeps
explanations exact, and the :class:`~moderation.moderator.Moderator` folds it into the scoring weights.

>>> import numpy as np
>>> logits = np.array([[-3.0], [-1.0], [-2.0], [1.0], [2.0], [3.0]] * 2)
>>> y = np.array([0, 0, 0, 1, 1, 1] * 2)
>>> scaling = PlattScaling(min_rows=5).fit(logits, y)
>>> bool(scaling.slope_[0] > 0), scaling.predict(np.array([[-4.0], [4.0]])).tolist()
(True, [0, 1])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from .errors import InvalidDataError
from .outputs import LabelOutputs, check_fitted

__all__ = ["PlattScaling"]


class PlattScaling(LabelOutputs, ClassifierMixin, BaseEstimator):
    """Per-label Platt scaling of logits, for one label (1-D target) or several (2-D target, NaN where unknown).

    Parameters
    ----------
    labels : sequence of str or None, default=None
        Label names, in the column order of the target; taken from its columns when it is a DataFrame.
    min_rows : int, default=5
        A label is calibrated only with at least this many known rows of each class; otherwise it keeps the
        identity (slope 1, offset 0). So are labels whose fitted slope is not positive.
    C : float, default=1e4
        Inverse regularisation of the logistic fit (large: almost none).

    Attributes
    ----------
    labels_ : tuple of str
    slope_, offset_ : ndarray of shape (n_labels,)
    calibrated_ : tuple of str
        The labels that got a fitted scaling (the others keep the identity).
    classes_ : ndarray or list of ndarray
        ``[0, 1]`` for a 1-D target, one ``[0, 1]`` per label otherwise (see :mod:`moderation.outputs`).
    """

    def __init__(self, *, labels: Sequence[str] | None = None, min_rows: int = 5, C: float = 1e4):
        self.labels = labels
        self.min_rows = min_rows
        self.C = C

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        tags.input_tags.allow_nan = False
        return tags

    def fit(self, X: object, Y: object) -> "PlattScaling":
        """Fit a scaling per label on logits ``X`` (n_samples, n_labels) against ``Y`` (values in [0, 1] or NaN).

        Zero rows are allowed: every label then keeps the identity.
        """
        from sklearn.linear_model import LogisticRegression  # only fitting needs it

        values = self._fit_outputs(Y)
        logits = self._logits(X, len(self.labels_))
        if len(logits) != len(values):
            raise InvalidDataError(f"X has {len(logits)} rows but the target has {len(values)}")
        self.slope_ = np.ones(len(self.labels_))
        self.offset_ = np.zeros(len(self.labels_))
        calibrated = []
        for j, label in enumerate(self.labels_):
            known = np.isfinite(values[:, j])
            y = values[known, j] >= 0.5
            if y.sum() < self.min_rows or (~y).sum() < self.min_rows:
                continue
            fit = LogisticRegression(C=self.C).fit(logits[known, j : j + 1], y.astype(int))
            slope, offset = float(fit.coef_[0, 0]), float(fit.intercept_[0])
            if slope > 0:
                self.slope_[j], self.offset_[j] = slope, offset
                calibrated.append(label)
        self.calibrated_ = tuple(calibrated)
        self.n_features_in_ = len(self.labels_)
        return self

    @classmethod
    def from_scales(cls, labels: Sequence[str], scales: Mapping[str, tuple[float, float]]) -> "PlattScaling":
        """A fitted scaling from known ``{label: (slope, offset)}`` (labels left out keep the identity); used to
        read model files written before calibration was a step of its own."""
        scaling = cls(labels=list(labels))
        scaling._fit_outputs(np.zeros((0, len(labels))))
        scaling.slope_ = np.array([float(scales.get(label, (1.0, 0.0))[0]) for label in labels])
        scaling.offset_ = np.array([float(scales.get(label, (1.0, 0.0))[1]) for label in labels])
        scaling.calibrated_ = tuple(label for label in labels if label in scales)
        scaling.n_features_in_ = len(labels)
        return scaling

    def scale(self, j: int) -> tuple[float, float]:
        """Label ``j``'s ``(slope, offset)`` as Python floats (folded into weights, they round as float32 math)."""
        check_fitted(self, "slope_")
        return float(self.slope_[j]), float(self.offset_[j])

    def scales(self) -> dict[str, tuple[float, float]]:
        """``{label: (slope, offset)}`` of the calibrated labels."""
        check_fitted(self, "slope_")
        return {label: self.scale(self.labels_.index(label)) for label in self.calibrated_}

    def _logits(self, X: object, n_labels: int) -> np.ndarray:
        logits = np.asarray(X, dtype=np.float64)
        if logits.ndim == 1:
            logits = logits[:, None]
        if logits.ndim != 2 or logits.shape[1] != n_labels:
            raise InvalidDataError(f"X must hold one logit per label ({n_labels} columns), got shape {logits.shape}")
        return logits

    def decision_function(self, X: object) -> np.ndarray:
        """Calibrated logits: ``slope * X + offset`` per label."""
        check_fitted(self, "slope_")
        return self._decision(self._logits(X, len(self.labels_)) * self.slope_ + self.offset_)

    def predict_proba(self, X: object) -> np.ndarray:
        """Calibrated probabilities (see :mod:`moderation.outputs` for the shape)."""
        check_fitted(self, "slope_")
        return self._proba(self._logits(X, len(self.labels_)) * self.slope_ + self.offset_)

    def predict(self, X: object) -> np.ndarray:
        """0/1 per label at probability 0.5."""
        check_fitted(self, "slope_")
        return self._predict(self._logits(X, len(self.labels_)) * self.slope_ + self.offset_)
