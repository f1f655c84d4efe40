"""Retraining from moderators' decisions: train a candidate, compare it with the model in service, keep versions.

* :mod:`.retrain` trains a candidate on base data plus feedback of one *domain* and registers it;
* :mod:`.gate` decides whether it is good enough to be promoted automatically;
* :mod:`.report` writes the evaluation report (curves, threshold table) a person reads before promoting;
* :mod:`.registry` keeps the versions of each *scope* on disk, one of them active, with promotion and rollback.

The package knows domains, scopes and versions, never sites or databases: the service maps its sites onto scopes
and keeps the registry's index in its database.

The names below are imported on first use, so ``import moderation.retraining.registry`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "GateStatus",
    "MemoryIndex",
    "ModelRegistry",
    "ModelStatus",
    "ModelVersion",
    "RetrainResult",
    "base_sources",
    "default_recipe",
    "gate",
    "make_report",
    "retrain",
]

_HOMES = {
    "GateStatus": "gate",
    "gate": "gate",
    "MemoryIndex": "registry",
    "ModelRegistry": "registry",
    "ModelStatus": "registry",
    "ModelVersion": "registry",
    "RetrainResult": "retrain",
    "base_sources": "retrain",
    "default_recipe": "retrain",
    "retrain": "retrain",
    "make_report": "report",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
