"""How the label estimators answer scikit-learn: ``classes_``, and the shapes of their outputs.

:class:`~moderation.model.LabelHeads` and :class:`~moderation.calibration.PlattScaling` score one or several labels.
They follow scikit-learn's conventions so that its scorers, ``cross_val_score`` and ``GridSearchCV`` read them right:

* fitted on a 1-D target (one label), they are binary classifiers: ``classes_`` is ``[0, 1]``, ``decision_function``
  returns shape ``(n,)``, ``predict_proba`` ``(n, 2)`` and ``predict`` ``(n,)``;
* fitted on a 2-D target (a DataFrame of labels, NaN where a row says nothing about a label), they are multilabel
  classifiers: ``classes_`` is one ``[0, 1]`` per label, and every output has shape ``(n, n_labels)`` (the compact
  multilabel form of scikit-learn's ``MLPClassifier``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from .errors import InvalidDataError, NotFittedError

__all__ = ["sigmoid", "LabelOutputs", "check_fitted"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow warnings for large negative inputs."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


class _Unfitted(NotFittedError, SklearnNotFittedError):
    """The library's NotFittedError that is scikit-learn's too, so code written for either catches it."""


def check_fitted(estimator: object, attribute: str) -> None:
    """Raise :class:`~moderation.NotFittedError` (also scikit-learn's) when ``estimator`` is not fitted yet."""
    if not hasattr(estimator, attribute):
        raise _Unfitted(
            f"this {type(estimator).__name__} is not fitted yet; call fit first (or load a trained model)"
        )


class LabelOutputs:
    """Mixin: label names, ``classes_`` and output shapes from the target seen in ``fit`` (see the module)."""

    labels: Sequence[str] | None

    def _fit_outputs(self, Y: object) -> np.ndarray:
        """The target as a 2-D float array; sets ``labels_``, ``outputs_2d_`` and ``classes_``."""
        values = np.asarray(Y, dtype=np.float64)
        if values.ndim not in (1, 2):
            raise InvalidDataError(f"the target must be 1-D (one label) or 2-D (labels), got {values.ndim}-D")
        self.outputs_2d_ = values.ndim == 2
        if not self.outputs_2d_:
            values = values[:, None]
        self.labels_ = self._label_names(Y, values.shape[1])
        binary = np.array([0, 1])
        self.classes_ = [binary.copy() for _ in self.labels_] if self.outputs_2d_ else binary
        return values

    def _label_names(self, Y: object, n_cols: int) -> tuple[str, ...]:
        if isinstance(Y, pd.DataFrame):
            return tuple(str(c) for c in Y.columns)
        if self.labels is not None:
            if len(self.labels) != n_cols:
                raise InvalidDataError(f"labels names {len(self.labels)} labels but the target has {n_cols}")
            return tuple(self.labels)
        if isinstance(Y, pd.Series) and Y.name is not None:
            return (str(Y.name),)
        return tuple(f"label_{i}" for i in range(n_cols))

    def _decision(self, logits: np.ndarray) -> np.ndarray:
        return logits if self.outputs_2d_ else logits[:, 0]

    def _proba(self, logits: np.ndarray) -> np.ndarray:
        p = sigmoid(logits)
        return p if self.outputs_2d_ else np.column_stack([1.0 - p[:, 0], p[:, 0]])

    def _predict(self, logits: np.ndarray) -> np.ndarray:
        return self._decision((logits > 0).astype(int))
