"""Self-hosted comment moderation: spam and abuse scores, verdicts with reasons, retraining from moderators.

>>> from moderation import Moderator
>>> moderator = Moderator.load()
>>> moderator.score("Thanks, very informative.").verdict.value
'approve'

Importing the package is cheap: the scoring classes (and scikit-learn behind them) load on first use, so the
command line answers ``--help`` at once and ``from moderation import Policy`` never loads a model.
"""

from __future__ import annotations

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    DatasetError,
    InvalidCommentError,
    InvalidDataError,
    ModelChecksumError,
    ModelFileError,
    ModelVersionError,
    ModerationError,
    NotFittedError,
    OptionalDependencyError,
    PolicyError,
    RegistryError,
    UnknownLabelError,
)
from .labels import LABELS
from .policy import Policy, Thresholds, Verdict

if TYPE_CHECKING:
    from .moderator import Comment, Moderator, Reason, ReasonKind, Scores

__all__ = [
    "__version__",
    "LABELS",
    "Moderator",
    "Comment",
    "Scores",
    "Reason",
    "ReasonKind",
    "Verdict",
    "Policy",
    "Thresholds",
    "ModerationError",
    "InvalidCommentError",
    "PolicyError",
    "InvalidDataError",
    "ModelFileError",
    "ModelVersionError",
    "ModelChecksumError",
    "NotFittedError",
    "UnknownLabelError",
    "DatasetError",
    "RegistryError",
    "OptionalDependencyError",
]

_LAZY = {name: "moderator" for name in ("Moderator", "Comment", "Scores", "Reason", "ReasonKind")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
