"""The library's exceptions: one base class, a subclass for each kind of failure.

Every message names the offending field or file and says what to do about it.
"""

from __future__ import annotations

__all__ = [
    "ModerationError",
    "InvalidCommentError",
    "InvalidDataError",
    "UnknownLabelError",
    "ModelFileError",
    "ModelVersionError",
    "ModelChecksumError",
    "NotFittedError",
    "DatasetError",
]


class ModerationError(Exception):
    """Base class of every exception this library raises on purpose."""


class InvalidCommentError(ModerationError, ValueError):
    """Raised by scoring when a comment (or its metadata) has the wrong type or cannot be read as text.

    Examples: ``None``, an ``int`` where text belongs, a DataFrame without a text column.
    """


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


class NotFittedError(ModerationError):
    """Raised when a model is used before it was trained."""


class DatasetError(ModerationError):
    """Raised by the dataset catalogue: unknown dataset, missing or corrupt files, failed download."""
