"""Retraining from a scope's own decisions: base data plus feedback, evaluated, versioned, gated.

A candidate is trained on the base sources (a recipe over the shared datasets, labeled files, or nothing) plus the
feedback as a :class:`~moderation.training.Source` of its own *domain* with a weight, so the decisions count: every
label the feedback has labeled is scored as that domain, with its own offset and vocabulary on top of the shared
weights. Part of the feedback (stratified, seeded) is held out; the candidate and the active model are both scored
on it, the promotion gate (:mod:`.gate`) compares them, and the report (:mod:`.report`) is written next to the new
version in the registry (:mod:`.registry`).

>>> import tempfile, pandas as pd
>>> from moderation.training import Source, train
>>> data = pd.DataFrame({"text": ["you idiot", "thanks a lot", "shut up moron", "good point"] * 10,
...                      "toxicity": [1.0, 0.0, 1.0, 0.0] * 10})
>>> active = train([Source("base", data)], params={"n_features": 2**10}, validation=0.0, progress=False).moderator()
>>> registry = ModelRegistry(tempfile.mkdtemp(), MemoryIndex())
>>> result = retrain(registry, scope="site-3", domain="site:news.example.com", feedback=data, active=active,
...                  params={"n_features": 2**10})
>>> result.gate["status"], result.promoted, registry.active("site-3").version == result.version.version
(<GateStatus.PASSED: 'passed'>, True, True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from ..errors import InvalidDataError
from ..labels import LABELS
from ..training import Source, train, validate_frame
from .gate import GateStatus, gate
from .registry import MemoryIndex, ModelRegistry, ModelVersion
from .report import make_report

__all__ = ["retrain", "RetrainResult", "base_sources", "split_feedback", "default_recipe", "MIN_FEEDBACK"]

#: Fewest feedback rows with a text and a label that a retrain accepts.
MIN_FEEDBACK = 10

Progress = Callable[[float, str], None]


@dataclass
class RetrainResult:
    """What a retrain produced."""

    version: ModelVersion
    gate: dict[str, Any]
    promoted: bool
    report: dict[str, Any]


def base_sources(recipe_name: str | None, data_dir: str | None = None,
                 files: Sequence[str] = ()) -> tuple[list[Source], dict[str, Any]]:
    """The base training sources and model parameters: a recipe over the shared datasets (``None`` or ``"none"``:
    no recipe) plus labeled files. Returns ``(sources, params)``."""
    sources: list[Source] = []
    params: dict[str, Any] = {}
    if recipe_name and recipe_name != "none":
        from ..recipes import build_sources, recipe

        chosen = recipe(recipe_name)
        sources.extend(build_sources(chosen, data_dir))
        params.update(chosen.params)
    for path in files:
        sources.append(Source(f"base:{path}", path))
    return sources, params


def split_feedback(frame: pd.DataFrame, holdout: float, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split feedback into training and held-out rows, stratified by whether any label is positive.

    Fewer than ``2 * MIN_FEEDBACK`` rows, or a class with fewer than 2 rows, holds nothing out.
    """
    if holdout <= 0 or len(frame) < 2 * MIN_FEEDBACK:
        return frame, frame.iloc[0:0]
    labels = [c for c in frame.columns if c != "text"]
    strata = (frame[labels].fillna(0) >= 0.5).astype(int).astype(str).agg("".join, axis=1)
    counts = strata.value_counts()
    if (counts < 2).any():
        strata = (frame[labels].fillna(0).max(axis=1) >= 0.5).astype(str)
        if (strata.value_counts() < 2).any():
            strata = None
    train_rows, held_rows = train_test_split(frame.index.to_numpy(), test_size=holdout, random_state=seed,
                                             stratify=strata)
    return frame.loc[np.sort(train_rows)].reset_index(drop=True), frame.loc[np.sort(held_rows)].reset_index(drop=True)


def _scores(moderator: Any, held: pd.DataFrame) -> pd.DataFrame:
    if held.empty:
        return pd.DataFrame(columns=list(moderator.labels))
    return moderator.score_many(held["text"].tolist())


def retrain(
    registry: ModelRegistry,
    *,
    scope: str | None,
    domain: str,
    feedback: pd.DataFrame,
    active: Any,
    base: Sequence[Source] = (),
    params: Mapping[str, Any] | None = None,
    feedback_weight: float = 5.0,
    holdout: float = 0.3,
    tolerance: float = 0.02,
    promote: bool = True,
    target_precision: float = 0.9,
    protocol: Callable[[Sequence[Source]], Mapping[str, Any]] | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> RetrainResult:
    """Train, evaluate, register and (if the gate passes and ``promote``) activate a candidate for a scope.

    Parameters
    ----------
    registry : ModelRegistry
    scope : str or None
        Whose model this is in the registry (None: the global model); it names the version (``<scope>-v<n>-<time>``).
    domain : str
        The training domain of the feedback rows (the service uses ``site:<host>``), which the candidate scores
        the feedback's labels as.
    feedback : DataFrame
        The decisions: ``text`` plus label columns (0/1, NaN where a decision says nothing about a label).
    active : Moderator
        The model the scope uses now: the baseline of the gate.
    base : sequence of Source
        Base training data (see :func:`base_sources`); may be empty.
    params : mapping, optional
        :func:`moderation.model.build_pipeline` arguments.
    feedback_weight : float
        Weight of each feedback row relative to base rows.
    holdout : float
        Share of the feedback held out for evaluation.
    tolerance : float
        How much ROC AUC a label may lose against the active model before the gate fails.
    protocol : callable, optional
        ``protocol(extra_sources) -> summary``: the standard protocol run with the feedback added (its summary goes
        into the report).

    Raises
    ------
    InvalidDataError
        Fewer than :data:`MIN_FEEDBACK` usable feedback rows, or data a model cannot learn from.
    """
    say = progress or (lambda fraction, message: None)
    say(0.05, "checking feedback")
    label_columns = [c for c in LABELS if c in feedback.columns]
    if not label_columns:
        raise InvalidDataError(f"feedback has no label column; it needs at least one of {list(LABELS)}")
    frame = validate_frame(feedback, label_columns, where="feedback", require_both_classes=False)
    frame = frame[frame[label_columns].notna().any(axis=1)].reset_index(drop=True)
    if len(frame) < MIN_FEEDBACK:
        raise InvalidDataError(
            f"{domain} has {len(frame)} labeled decision(s); retraining needs at least {MIN_FEEDBACK}"
        )
    fit_part, held = split_feedback(frame, holdout, seed)
    sources = list(base) + [Source(domain, fit_part, weight=feedback_weight, domain=domain, max_effective_rows=None)]
    model_params = dict(params or {})
    score_as = dict(model_params.get("score_as") or {})
    for label in label_columns:
        if fit_part[label].notna().any():
            score_as[label] = domain
    model_params["score_as"] = score_as

    n = len(registry.list(scope)) + 1
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    model_id = f"{scope or 'global'}-v{n}-{stamp}"
    n_fit = sum(len(s.frame()) for s in sources)
    say(0.15, f"training on {n_fit:,} rows ({len(fit_part)} of them feedback)")
    model = train(
        sources,
        params=model_params,
        validation=0.2 if n_fit >= 50 else 0.0,
        progress=False,
        recipe=scope or "global",
        seed=seed,
        # A label the active model only reports (profanity) stays a report in the retrained model.
        informational=[label for label in getattr(active, "metadata", {}).get("informational", ())],
        extra_metadata={"model_id": model_id, "domain": domain, "feedback_rows": len(frame),
                        "feedback_held_out": len(held), "feedback_weight": feedback_weight},
    )
    say(0.6, "saving the candidate")
    directory = registry.new_version_dir(scope, model_id)
    path = directory / "model.joblib"
    model.save(path)
    candidate = model.moderator()

    say(0.7, f"evaluating candidate and active model on {len(held)} held-out decision(s)")
    cand_scores, active_scores = _scores(candidate, held), _scores(active, held)
    verdict = gate(held, cand_scores, active_scores, list(active.labels), tolerance)
    extra: dict[str, Any] = {
        "model": model_id,
        "domain": domain,
        "active_model": active.version,
        "evaluated_on": f"{len(held)} held-out decision(s) of {domain}" if len(held) else "nothing held out",
        "gate": verdict,
        "training": {"feedback_rows": len(frame), "feedback_train_rows": len(fit_part), "held_out": len(held),
                     "base_sources": [s.name for s in base], "feedback_weight": feedback_weight},
    }
    if protocol is not None:
        say(0.75, "running the standard protocol")
        extra["protocol"] = dict(protocol(sources[-1:]))
    y_true, y_score, baseline = {}, {}, {}
    for label in candidate.labels:
        if label in held.columns:
            known = held[label].notna().to_numpy()
            if known.any():
                y_true[label] = held.loc[known, label].to_numpy()
                y_score[label] = cand_scores.loc[known, label].to_numpy()
                if label in active_scores.columns:
                    baseline[label] = active_scores.loc[known, label].to_numpy()
    say(0.85, "writing the report")
    facts = make_report(y_true, y_score, model.metadata["thresholds"], directory / "report",
                        title=f"Model {model_id} for {domain}", target_precision=target_precision,
                        baseline=baseline, baseline_name=f"active ({active.version})", extra=extra)
    summary = {**extra, "labels": {label: {k: v for k, v in f.items() if k != "table"}
                                   for label, f in facts["labels"].items()},
               "report_dir": registry.relative(directory / "report")}
    version = registry.register(path, scope=scope, report=summary)
    promoted = False
    if promote and verdict["status"] is GateStatus.PASSED:
        version = registry.promote(scope, version.id)
        promoted = True
    say(1.0, f"{model_id}: gate {verdict['status']}" + (", promoted" if promoted else ", not promoted"))
    return RetrainResult(version, verdict, promoted, facts)


def default_recipe(data_dir: str | None = None) -> str:
    """The base recipe a retrain uses when none is named: ``default`` when the shared datasets are present (a
    candidate then learns from them plus the feedback), else ``none`` (the feedback and any given files)."""
    from .. import datasets
    from ..errors import DatasetError

    try:
        datasets.data_dir(data_dir)
    except DatasetError:
        return "none"
    return "default"
