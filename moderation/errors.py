"""The library's exceptions: one base class, :class:`ModerationError`, and a subclass for each kind of failure.

Every message names the offending field or file and says what to do about it. The service has its own family
(``service.errors.ServiceError``); the library never raises it. This module imports nothing, so importing an error
never loads scikit-learn.
"""

from __future__ import annotations

__all__ = [
    "ModerationError",
    "InvalidCommentError",
    "PolicyError",
    "InvalidDataError",
    "UnknownLabelError",
    "ModelFileError",
    "ModelVersionError",
    "ModelChecksumError",
    "NotFittedError",
    "DatasetError",
    "RegistryError",
    "OptionalDependencyError",
]


class ModerationError(Exception):
    """Base class of every exception this library raises on purpose."""


class InvalidCommentError(ModerationError, ValueError):
    """Raised by scoring when a comment (or its metadata) has the wrong type or cannot be read as text.

    Examples: ``None``, an ``int`` where text belongs, a DataFrame without a text column, a label the model does not
    score.
    """


class PolicyError(ModerationError, ValueError):
    """Raised by :class:`~moderation.policy.Policy` and :class:`~moderation.policy.Thresholds` for settings that
    cannot make a policy: a threshold outside [0, 1] or a hold threshold above the reject one, a word list that is
    not a list of strings, an unknown policy field."""


class InvalidDataError(ModerationError, ValueError):
    """Raised by training, evaluation and imports when labeled data is unusable.

    Examples: a missing text or label column, labels outside [0, 1], empty texts, a label with no positives.
    Raised before any training starts, so nothing is written.
    """


class UnknownLabelError(ModerationError, LookupError):
    """Raised when a label is asked of a model that does not score it (``scores["threat"]`` on a model without a
    threat head, ``explain(comment, "threat")``); the message lists the labels the model scores.

    Never answered with a zero: a missing label is not a low score.
    """


class ModelFileError(ModerationError):
    """Raised when a model file or its JSON sidecar is missing, unreadable or not a model of this library."""


class ModelVersionError(ModelFileError):
    """Raised when a model was saved by versions of this library or scikit-learn that cannot load it safely."""


class ModelChecksumError(ModelFileError):
    """Raised when a model file's sha256 differs from the one recorded in its sidecar (corrupt or swapped file)."""


class NotFittedError(ModerationError, ValueError, AttributeError):
    """Raised when an estimator of this library (features, heads, calibration) is used before it was fitted.

    Like scikit-learn's own ``NotFittedError`` it is also a ``ValueError`` and an ``AttributeError``.
    """


class DatasetError(ModerationError):
    """Raised by the dataset catalogue: unknown dataset, missing or corrupt files, failed download."""


class RegistryError(ModerationError):
    """Raised by the model registry when a version does not exist, cannot be promoted (its gate failed and
    ``force`` was not given; its file is missing or corrupt), or there is nothing to roll back to."""


class OptionalDependencyError(ModerationError, ImportError):
    """Raised when a feature needs a package that is only installed with an extra: evaluation reports need
    ``moderation[report]`` (matplotlib), Parquet files ``moderation[parquet]`` (pyarrow). The message names the
    command that installs it."""
