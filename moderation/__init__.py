"""Self-hosted comment moderation: spam and abuse scores, verdicts with reasons, retraining from moderators.

>>> from moderation import Moderator
>>> moderator = Moderator.load()
>>> moderator.score("Thanks, very informative.").verdict.value
'approve'
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import (
    DatasetError,
    InvalidCommentError,
    InvalidDataError,
    ModelChecksumError,
    ModelFileError,
    ModelVersionError,
    ModerationError,
    NotFittedError,
    UnknownLabelError,
)
from .labels import LABELS
from .moderator import Comment, Moderator, Reason, Scores
from .policy import Policy, Thresholds, Verdict

__all__ = [
    "__version__",
    "LABELS",
    "Moderator",
    "Comment",
    "Scores",
    "Reason",
    "Verdict",
    "Policy",
    "Thresholds",
    "ModerationError",
    "InvalidCommentError",
    "InvalidDataError",
    "ModelFileError",
    "ModelVersionError",
    "ModelChecksumError",
    "NotFittedError",
    "UnknownLabelError",
    "DatasetError",
]
