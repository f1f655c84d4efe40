"""The standard evaluation protocol, run for a training recipe.

``../shared/datasets/README.md`` fixes the splits: fixed train/test splits (Impermium, OLID, UCC), stratified 5-fold
(SMS, Instagram, Fox News, Davidson, ETHOS, Stormfront), leave one YouTube video out, and the Wikipedia identity sets
for evaluation only. A recipe trains on many datasets at once, so the protocol is run in *rounds*: in round ``r`` the
test side is fold ``r`` of every k-fold and grouped dataset plus, in round 0, the fixed test sides and the
evaluation-only sets. The recipe is trained once per round on everything else, after dropping from every training
source each text that occurs in any of the round's test sides. Five trainings cover the whole protocol, and no model
ever sees a text it is tested on.

The cross-source table (:func:`run_cross_source`) asks the question a new site asks: how well does the model do on
comments from a place it never learned from? For each dataset it trains the recipe without any row of it and scores
it as the model scores a comment from an unknown news site.

Both runners retrain the recipe many times on parts of the same corpus; a :class:`~moderation.features.CountCache`
normalises and hashes each text once for all of them.

Used by ``benchmarks/quality.py`` and by retraining, which reports a candidate's protocol figures.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .features import CountCache
from .recipes import Recipe, build_sources
from .training import Source, TrainedModel, metrics_for, train

__all__ = ["run_protocol", "run_cross_source", "summarise", "summarise_cross_source", "ProtocolResult", "count_cache"]


@dataclass
class ProtocolResult:
    """Per task, per label: the metrics of every fold, and their summary."""

    folds: list[dict[str, Any]]
    summary: dict[str, dict[str, Any]]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "folds": self.folds, "seconds": round(self.seconds, 1)}


def _load_all(names: set[tuple[str, str | None]], data_dir: str | None) -> dict[tuple[str, str | None], pd.DataFrame]:
    from . import datasets

    return {(name, variant): datasets.load(name, data_dir, variant=variant) for name, variant in sorted(names, key=str)}


def run_protocol(
    chosen: Recipe,
    data_dir: str | None = None,
    *,
    rounds: int = 5,
    tasks: Sequence[str] | None = None,
    params: Mapping[str, Any] | None = None,
    extra_sources: Sequence[Source] = (),
    progress: Callable[[str], None] | None = None,
    cache: CountCache | None = None,
) -> ProtocolResult:
    """Train ``chosen`` once per round and score every test side of the protocol.

    Parameters
    ----------
    chosen : Recipe
    data_dir : str, optional
    rounds : int, default=5
        How many rounds to run (1 runs only round 0: the fixed splits, evaluation-only sets and fold 0).
    tasks : sequence of str, optional
        Protocol task names to score (default: all).
    params : mapping, optional
        Overrides of the recipe's model parameters.
    extra_sources : sequence of Source
        Added to every round's training (a site's own feedback, when retraining).
    cache : CountCache, optional
        Reused counts (see :func:`count_cache`); one is made for this run when omitted.
    """
    from . import datasets

    say = progress or (lambda message: None)
    started = time.perf_counter()
    all_tasks = [t for t in datasets.protocol() if tasks is None or t.name in tasks]
    needed = {(t.dataset, t.variant) for t in all_tasks} | {(name, None) for name in chosen.datasets}
    frames = _load_all(needed, data_dir)
    splits = {t.name: list(datasets.split_indices(t, frames[(t.dataset, t.variant)])) for t in all_tasks}

    folds: list[dict[str, Any]] = []
    for r in range(rounds):
        in_round = [t for t in all_tasks if r < len(splits[t.name])]
        if not in_round:
            break
        exclude: dict[str, set[int]] = {}
        test_keys: set[str] = set()
        for t in in_round:
            _, test = splits[t.name][r]
            if t.variant is None:
                exclude.setdefault(t.dataset, set()).update(int(i) for i in test)
            texts = frames[(t.dataset, t.variant)]["text"].to_numpy()[test]
            test_keys.update(datasets.text_key(x) for x in texts)
        base = {name: frames[(name, None)] for name in chosen.datasets}
        sources = build_sources(chosen, data_dir, exclude={k: sorted(v) for k, v in exclude.items()}, frames=base)
        sources = [_without(s, test_keys) for s in list(sources) + list(extra_sources)]
        say(f"round {r + 1}/{rounds}: training on {sum(len(s.data) for s in sources):,} rows, "
            f"testing {len(in_round)} task(s)")
        merged = {**chosen.params, **(params or {})}
        cache = cache if cache is not None else count_cache(merged)
        model = train(sources, labels=chosen.labels, params=merged, recipe=chosen.name,
                      threshold_sources=chosen.threshold_sources, precision=chosen.precision, progress=False,
                      cache=cache, informational=chosen.informational, flag_rates=chosen.flag_rates)
        folds.extend(_score_round(model, chosen, in_round, splits, frames, r))
    summary = summarise(folds)
    return ProtocolResult(folds, summary, time.perf_counter() - started)


def _without(source: Source, keys: set[str]) -> Source:
    from . import datasets

    frame = source.data if isinstance(source.data, pd.DataFrame) else source.frame()
    keep = ~frame["text"].map(datasets.text_key).isin(keys)
    return Source(source.name, frame[keep.to_numpy()].reset_index(drop=True), source.weight, source.domain,
                  source.max_effective_rows, source.sha256, source.license)


def _score_round(
    model: TrainedModel,
    chosen: Recipe,
    in_round: list[Any],
    splits: dict[str, list[Any]],
    frames: dict[Any, pd.DataFrame],
    r: int,
) -> list[dict[str, Any]]:
    """Metrics of every task's test side, scored as the model scores news comments (``as`` = "default") and,
    where the task's dataset was trained in a domain of its own, also as that domain."""
    from . import datasets
    from .moderator import Moderator
    from .recipes import domain_of

    default = model.moderator()
    out = []
    for t in in_round:
        frame = frames[(t.dataset, t.variant)]
        _, test = splits[t.name][r]
        y = datasets.binarise(t, frame)[test]
        texts = frame["text"].iloc[test].tolist()
        group = str(frame[t.group_column].iloc[test[0]]) if t.scheme == "group" else None
        runs = [("default", default)]
        domain = domain_of(chosen, t.dataset)
        if domain is not None:
            runs.append((domain, Moderator(model.pipeline, model.metadata, domain=domain)))
        seen: dict[str, Any] = {}
        for scored_as, moderator in runs:
            scores = moderator.score_many(texts)
            for label in t.labels:
                if label not in moderator.labels:
                    continue
                values = scores[label].to_numpy()
                if scored_as != "default" and np.allclose(values, seen[label]):
                    continue  # the default already scores this label as this domain
                seen[label] = values
                m = metrics_for(y, values, moderator.policy.thresholds.get(label))
                name = label if scored_as == "default" else f"{label}@{scored_as}"
                out.append({"task": t.name, "label": name, "round": r, "scheme": t.scheme, "group": group, **m})
    return out


def summarise(folds: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Mean (and, for grouped tasks, worst) of each metric over folds, per ``task/label``."""
    summary: dict[str, dict[str, Any]] = {}
    frame = pd.DataFrame(folds)
    if frame.empty:
        return summary
    for (task, label), part in frame.groupby(["task", "label"], sort=False):
        entry: dict[str, Any] = {"task": task, "label": label, "folds": len(part), "n": int(part["n"].sum())}
        for metric in ("roc_auc", "average_precision", "brier"):
            if metric in part:
                values = part[metric].dropna()
                if len(values):
                    entry[metric] = round(float(values.mean()), 4)
                    entry[f"{metric}_worst"] = round(float(values.min() if metric != "brier" else values.max()), 4)
        for side in ("hold", "reject"):
            if side in part:
                stats = pd.DataFrame([v for v in part[side] if isinstance(v, dict)])
                if not stats.empty:
                    entry[side] = {k: round(float(stats[k].mean()), 4) for k in ("precision", "recall", "f1", "threshold")}
        if (part["scheme"] == "group").any():
            worst = part.loc[part["roc_auc"].idxmin()]
            entry["worst_group"] = worst["group"]
        summary[f"{task}/{label}"] = entry
    nonfuzzed = summary.get("wikipedia_identity/toxicity", {}).get("roc_auc")
    fuzzed = summary.get("wikipedia_identity-fuzzed/toxicity", {}).get("roc_auc")
    if nonfuzzed is not None and fuzzed is not None:
        summary["wikipedia_identity-fuzzed/toxicity"]["gap_to_nonfuzzed"] = round(nonfuzzed - fuzzed, 4)
    return summary


def _present(flag_rates: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """Flag-rate budgets whose ordinary-comment sources are still in the recipe."""
    out = {}
    for label, (share, sources) in flag_rates.items():
        kept = tuple(n for n in sources if n in names)
        if kept:
            out[label] = (share, kept)
    return out


def count_cache(params: Mapping[str, Any] | None = None) -> CountCache:
    """An empty :class:`CountCache` for models built with these :func:`~moderation.model.build_pipeline` parameters."""
    from .model import build_pipeline

    return CountCache(build_pipeline(**dict(params or {})).named_steps["features"])


def without_datasets(chosen: Recipe, names: Collection[str]) -> Recipe:
    """``chosen`` without the ingredients (and threshold sources) of the datasets ``names``."""
    thresholds = {label: tuple(n for n in sources if n not in names) for label, sources in chosen.threshold_sources.items()}
    return dataclasses.replace(
        chosen,
        ingredients=tuple(i for i in chosen.ingredients if i.dataset not in names),
        threshold_sources={label: sources for label, sources in thresholds.items() if sources},
    )


def run_cross_source(
    chosen: Recipe,
    data_dir: str | None = None,
    *,
    tasks: Sequence[str] | None = None,
    params: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    cache: CountCache | None = None,
    also_as: Sequence[str | None] = (),
) -> ProtocolResult:
    """The cross-source table: train ``chosen`` without each dataset and score that dataset as a new site's comments.

    Rows that leave out the same datasets share one training (the two Jigsaw subsets, Davidson's two labels), and
    a dataset the recipe does not use is scored by the recipe trained on everything.

    Parameters
    ----------
    chosen : Recipe
    data_dir : str, optional
    tasks : sequence of str, optional
        Names of :func:`moderation.datasets.cross_source` rows to run (default: all).
    params : mapping, optional
        Overrides of the recipe's model parameters.
    cache : CountCache, optional
        Reused counts (see :func:`count_cache`).
    also_as : sequence of str or None
        Also score every row as these training domains (None: the shared weights alone), reported as
        ``label@domain`` (``label@shared``) beside the default: what the domain machinery does to a new site.

    Returns
    -------
    ProtocolResult
        ``folds`` holds one entry per row and label; ``summary`` adds ``abuse`` and ``spam`` entries with the mean
        and the worst of the rows that count (``in_mean``), on each row's first label.
    """
    from . import datasets

    say = progress or (lambda message: None)
    started = time.perf_counter()
    rows = [t for t in datasets.cross_source() if tasks is None or t.name in tasks]
    merged = {**chosen.params, **(params or {})}
    cache = cache if cache is not None else count_cache(merged)
    needed = {(t.dataset, t.variant) for t in rows} | {(name, None) for name in chosen.datasets}
    loaded = _load_all(needed, data_dir)
    frames = {name: frame for (name, variant), frame in loaded.items() if variant is None}
    scored_frames = {t.name: loaded[(t.dataset, t.variant)] for t in rows}
    groups: dict[tuple[str, ...], list[Any]] = {}
    for t in rows:
        used = tuple(sorted(set(t.excluded) & set(chosen.datasets)))
        groups.setdefault(used, []).append(t)
    folds: list[dict[str, Any]] = []
    for k, (excluded, items) in enumerate(groups.items(), start=1):
        scored = {t.name: datasets.cross_source_rows(t, scored_frames[t.name]) for t in items}
        keys = set()
        for t in items:
            keys.update(scored_frames[t.name]["text"].iloc[scored[t.name]].map(datasets.text_key))
        part = without_datasets(chosen, excluded)
        sources = build_sources(part, data_dir, frames={n: frames[n] for n in part.datasets})
        sources = [_without(s, keys) for s in sources]
        say(f"cross-source {k}/{len(groups)}: without {', '.join(excluded) or 'nothing'} "
            f"({sum(len(s.data) for s in sources):,} rows), scoring {', '.join(t.name for t in items)}")
        model = train(sources, labels=part.labels, params=merged, recipe=part.name,
                      threshold_sources=part.threshold_sources, precision=part.precision, progress=False, cache=cache,
                      informational=part.informational, flag_rates=_present(part.flag_rates, part.datasets))
        from .moderator import Moderator

        runs = [("default", model.moderator())]
        runs += [(d, Moderator(model.pipeline, model.metadata, domain=d)) for d in also_as]
        for t in items:
            frame = scored_frames[t.name]
            positions = scored[t.name]
            y = (pd.to_numeric(frame[t.target], errors="coerce").to_numpy()[positions] >= 0.5).astype(float)
            texts = frame["text"].iloc[positions].tolist()
            for scored_as, moderator in runs:
                scores = moderator.score_many(texts)
                for label in t.labels:
                    if label not in moderator.labels:
                        continue
                    m = metrics_for(y, scores[label].to_numpy(), moderator.policy.thresholds.get(label))
                    name = label if scored_as == "default" else f"{label}@{scored_as or 'shared'}"
                    folds.append({"task": t.name, "label": name, "round": 0, "scheme": "cross-source", "group": None,
                                  "kind": t.kind, "in_mean": t.in_mean and scored_as == "default",
                                  "headline": label == t.labels[0], "trained_without": list(excluded), **m})
    return ProtocolResult(folds, summarise_cross_source(folds), time.perf_counter() - started)


def summarise_cross_source(folds: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per row and label its metrics; per kind (``abuse``, ``spam``) the mean and worst headline ROC AUC."""
    summary: dict[str, dict[str, Any]] = {}
    for entry in folds:
        summary[f"{entry['task']}/{entry['label']}"] = dict(entry)
    for kind in ("abuse", "spam"):
        counted = [e for e in folds if e["kind"] == kind and e["in_mean"] and e["headline"] and "roc_auc" in e]
        if counted:
            worst = min(counted, key=lambda e: e["roc_auc"])
            summary[kind] = {
                "rows": [e["task"] for e in counted],
                "roc_auc_mean": round(float(np.mean([e["roc_auc"] for e in counted])), 4),
                "roc_auc_worst": worst["roc_auc"],
                "worst": worst["task"],
            }
    return summary
