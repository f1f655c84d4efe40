"""Training and evaluation from labeled data.

A training source is a table with a text column and one or more label columns (0/1, or a probability such as the
share of annotators who said "toxic"; missing where the source says nothing about a label). Several sources can be
combined: each keeps its own weight and *domain*; a label's head learns only from rows where that label is given,
and every domain gets its own offset during training, so a corpus where most rows are positive does not teach the
model that its style is the thing to flag (see :class:`moderation.model.LabelHeads`).

Everything is validated before any fitting starts, so a bad file is refused with a message and nothing is written.

>>> import pandas as pd
>>> data = pd.DataFrame({"text": ["you idiot", "thanks", "shut up moron", "good point"] * 5,
...                      "toxicity": [1, 0, 1, 0] * 5})
>>> model = train([Source("mine", data)], params={"n_features": 2**12}, validation=0.0, progress=False)
>>> model.labels
('toxicity',)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from .errors import InvalidDataError
from .features import CountCache
from .files import sha256_file
from .model import build_pipeline, sigmoid
from .persistence import save_model
from .policy import Policy, Thresholds
from .tables import read_table

__all__ = [
    "Source",
    "TrainedModel",
    "read_labeled",
    "validate_frame",
    "train",
    "evaluate",
    "choose_thresholds",
    "metrics_for",
    "DEFAULT_PRECISION",
]

#: The precision the default thresholds are chosen for, on validation data: holding a comment for review should be
#: right at least 60% of the time, rejecting it outright 95% of the time.
DEFAULT_PRECISION = {"hold": 0.60, "reject": 0.95}

def _as_label(series: pd.Series, name: str, where: str) -> pd.Series:
    if series.dtype == bool:
        return series.astype(float)
    mapped = series.map(
        lambda v: {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}.get(v.strip().lower(), v)
        if isinstance(v, str) else v
    )
    values = pd.to_numeric(mapped, errors="coerce")
    bad = values.isna() & mapped.notna() & (mapped.astype(str).str.strip() != "")
    if bad.any():
        first = series[bad].iloc[0]
        raise InvalidDataError(
            f"{where}: label column {name!r} must hold 0/1 or a probability in [0, 1]; row {bad.idxmax()} has {first!r}"
        )
    values = values.astype(float)
    out = values[(values < 0) | (values > 1)]
    if len(out):
        raise InvalidDataError(
            f"{where}: label column {name!r} must lie in [0, 1]; row {out.index[0]} has {out.iloc[0]!r} "
            "(labels are 0/1 or a probability, not class numbers)"
        )
    return values


def validate_frame(
    frame: pd.DataFrame,
    label_columns: Sequence[str] | None = None,
    *,
    text_column: str = "text",
    where: str = "data",
    require_both_classes: bool = True,
) -> pd.DataFrame:
    """Check a labeled table and return it as ``text`` plus float label columns (NaN where missing).

    Raises
    ------
    InvalidDataError
        Missing text or label column, non-string or empty texts, labels outside [0, 1], or (with
        ``require_both_classes``) a label with no positive or no negative rows. The message names the column, the
        row and the fix.
    """
    from .labels import LABELS

    if not isinstance(frame, pd.DataFrame):
        raise InvalidDataError(f"{where}: expected a DataFrame, got {type(frame).__name__}")
    if text_column not in frame.columns:
        raise InvalidDataError(f"{where}: no text column {text_column!r}; columns are {list(frame.columns)}")
    if label_columns is None:
        label_columns = [c for c in LABELS if c in frame.columns]
        if not label_columns:
            raise InvalidDataError(
                f"{where}: no label column; name at least one of {list(LABELS)} (or pass label_columns)"
            )
    missing = [c for c in label_columns if c not in frame.columns]
    if missing:
        raise InvalidDataError(f"{where}: missing label column(s) {missing}; columns are {list(frame.columns)}")
    if len(frame) == 0:
        raise InvalidDataError(f"{where}: has no rows")
    texts = frame[text_column].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else v)
    not_str = texts.map(lambda v: not isinstance(v, str))
    if not_str.any():
        i = not_str.idxmax()
        raise InvalidDataError(f"{where}: text in row {i} is {type(texts[i]).__name__}, not a string (empty cell?)")
    empty = texts.str.strip() == ""
    if empty.any():
        raise InvalidDataError(
            f"{where}: {int(empty.sum())} empty text(s), first in row {empty.idxmax()}; remove those rows"
        )
    out = pd.DataFrame({"text": texts.astype(str).to_numpy()}, index=frame.index)
    for name in label_columns:
        out[name] = _as_label(frame[name], name, where)
        values = out[name].dropna()
        if values.empty and require_both_classes:
            raise InvalidDataError(f"{where}: label column {name!r} has no values")
        if require_both_classes and not (values >= 0.5).any():
            raise InvalidDataError(f"{where}: label {name!r} has no positive rows; a model cannot learn it")
        if require_both_classes and not (values < 0.5).any():
            raise InvalidDataError(f"{where}: label {name!r} has no negative rows; a model cannot learn it")
    return out.reset_index(drop=True)


def read_labeled(
    path: str | os.PathLike[str], label_columns: Sequence[str] | None = None, *, text_column: str = "text",
    require_both_classes: bool = True,
) -> pd.DataFrame:
    """Read and validate a labeled CSV / TSV / JSON Lines / Parquet file (see :func:`validate_frame`)."""
    path = Path(path)
    return validate_frame(read_table(path), label_columns, text_column=text_column, where=str(path),
                          require_both_classes=require_both_classes)


@dataclass
class Source:
    """One labeled training source.

    Parameters
    ----------
    name : str
        Recorded in the model's metadata.
    data : DataFrame or path
        A table with ``text`` and label columns, or a file :func:`read_labeled` reads.
    weight : float, default=1.0
        How much each row counts, relative to other sources (before the size cap below).
    domain : str or None
        Rows of one domain share an offset during training (default: the source's own name). Give positive-only
        sources the domain of a source with negatives from the same place.
    max_effective_rows : int or None, default=10_000
        A larger source is down-weighted so that it counts as this many rows, so one big corpus does not drown
        the others.
    sha256 : dict of str to str
        Checksums of the files it came from, for the metadata.
    license : str
    """

    name: str
    data: pd.DataFrame | str | os.PathLike[str]
    weight: float = 1.0
    domain: str | None = None
    max_effective_rows: int | None = 10_000
    sha256: dict[str, str] = field(default_factory=dict)
    license: str = ""

    def frame(self, label_columns: Sequence[str] | None = None) -> pd.DataFrame:
        if isinstance(self.data, pd.DataFrame):
            return validate_frame(self.data, label_columns, where=f"source {self.name!r}", require_both_classes=False)
        path = Path(self.data)
        if not self.sha256:
            self.sha256 = {path.name: sha256_file(path)}
        return read_labeled(path, label_columns, require_both_classes=False)


@dataclass
class TrainedModel:
    """A fitted pipeline and the metadata that will go into its sidecar."""

    pipeline: Pipeline
    metadata: dict[str, Any]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.metadata["labels"])

    @property
    def policy(self) -> Policy:
        return Policy({k: Thresholds(**v) for k, v in self.metadata["thresholds"].items()})

    def save(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Write the model file and its sidecar (atomically); return the sidecar."""
        return save_model(self.pipeline, path, self.metadata)

    def moderator(self) -> "Any":
        from .moderator import Moderator

        return Moderator(self.pipeline, self.metadata)


def choose_thresholds(
    y_true: np.ndarray, y_score: np.ndarray, precision: Mapping[str, float] = DEFAULT_PRECISION
) -> tuple[Thresholds, dict[str, Any]]:
    """The lowest thresholds above which precision stays at least ``precision['hold']`` and ``['reject']``.

    Precision is taken as the running minimum from the top score down, so one lucky stretch of high precision at a
    low threshold does not pass. A target the data cannot reach gives a threshold of 1.0 (never reached) and is
    reported in the returned notes.
    """
    y_true = np.asarray(y_true) >= 0.5
    y_score = np.asarray(y_score, dtype=float)
    notes: dict[str, Any] = {"precision_targets": dict(precision), "n": int(len(y_true)), "positives": int(y_true.sum())}
    if y_true.sum() == 0 or (~y_true).sum() == 0:
        notes["unreachable"] = ["hold", "reject"]
        return Thresholds(1.0, 1.0), notes
    prec, _, thr = precision_recall_curve(y_true, y_score)
    prec = prec[:-1]
    # How many comments each threshold flags: a precision measured on a handful of top scores is noise, so the
    # running minimum only looks at thresholds that flag at least `min_support` comments.
    flagged = np.array([np.count_nonzero(y_score >= t) for t in thr]) if len(thr) < 5000 else (
        len(y_score) - np.searchsorted(np.sort(y_score), thr, side="left"))
    min_support = max(5, min(20, int(0.05 * y_true.sum())))
    supported = flagged >= min_support
    stays = np.where(supported, prec, np.inf)
    stays = np.minimum.accumulate(stays[::-1])[::-1]  # min precision over this threshold and every higher one
    chosen, unreachable = {}, []
    for name in ("hold", "reject"):
        ok = np.flatnonzero(supported & (stays >= precision[name]))
        if len(ok):
            chosen[name] = float(round(thr[ok[0]], 4))
        else:
            chosen[name] = 1.0
            unreachable.append(name)
    if unreachable:
        notes["unreachable"] = unreachable
    hold = min(chosen["hold"], chosen["reject"])
    return Thresholds(hold, chosen["reject"]), notes


def metrics_for(y_true: np.ndarray, y_score: np.ndarray, thresholds: Thresholds | None = None) -> dict[str, Any]:
    """ROC AUC, average precision, Brier score, and precision / recall / F1 at the hold and reject thresholds."""
    y = (np.asarray(y_true, dtype=float) >= 0.5).astype(int)
    s = np.asarray(y_score, dtype=float)
    out: dict[str, Any] = {"n": int(len(y)), "positives": int(y.sum())}
    if 0 < y.sum() < len(y):
        out["roc_auc"] = round(float(roc_auc_score(y, s)), 4)
        out["average_precision"] = round(float(average_precision_score(y, s)), 4)
    out["brier"] = round(float(brier_score_loss(y, np.clip(s, 0, 1))), 4)
    if thresholds is not None:
        for name in ("hold", "reject"):
            t = getattr(thresholds, name)
            pred = (s >= t).astype(int)
            out[name] = {
                "threshold": t,
                "precision": round(float(precision_score(y, pred, zero_division=0)), 4),
                "recall": round(float(recall_score(y, pred, zero_division=0)), 4),
                "f1": round(float(f1_score(y, pred, zero_division=0)), 4),
                "flagged_share": round(float(pred.mean()), 4) if len(pred) else 0.0,
            }
    return out


def _progress(enabled: bool) -> Callable[[str], None]:
    start = time.perf_counter()

    def say(message: str) -> None:
        if enabled:
            print(f"[{time.perf_counter() - start:7.1f}s] {message}", flush=True)

    return say


def train(
    sources: Sequence[Source],
    *,
    labels: Sequence[str] | None = None,
    params: Mapping[str, Any] | None = None,
    validation: float = 0.2,
    threshold_sources: Mapping[str, Sequence[str]] | None = None,
    precision: Mapping[str, Any] = DEFAULT_PRECISION,
    seed: int = 0,
    progress: bool = True,
    recipe: str = "custom",
    extra_metadata: Mapping[str, Any] | None = None,
    cache: "CountCache | None" = None,
    informational: Sequence[str] = (),
    flag_rates: Mapping[str, tuple[float, Sequence[str]]] | None = None,
) -> TrainedModel:
    """Fit a model on labeled sources and choose its thresholds on held-out rows.

    Parameters
    ----------
    sources : sequence of Source
    labels : sequence of str, optional
        The labels to learn (default: every label column that appears in the sources).
    params : mapping, optional
        Keyword arguments of :func:`moderation.model.build_pipeline`.
    validation : float, default=0.2
        Share of the threshold sources' rows held out (stratified, seeded) to choose thresholds on and to report
        validation metrics. ``0`` trains on everything and uses the thresholds 0.5 / 0.9.
    threshold_sources : mapping of label to source names, optional
        Which sources' held-out rows choose each label's thresholds (default: every source with that label). Use
        the sources closest to the comments you will score: precision depends on how common a label is.
    precision : mapping, default=DEFAULT_PRECISION
        Target precision at the ``hold`` and ``reject`` thresholds; per label as ``{label: {"hold": .., "reject": ..}}``
        (labels not named use DEFAULT_PRECISION).
    seed : int
        Seeds the validation split; fitting itself is deterministic.
    flag_rates : mapping of label to (share, source names), optional
        A budget of ordinary comments a label may hold: its hold threshold is the score reached by ``share`` of the
        held-out rows of those sources (ordinary news comments) instead of the precision target's. For labels whose
        validation data is too thin or noisy for a precision target (threats among toxic news comments), or whose
        corpora are nothing like a news site's traffic (spam), it says what a site pays: that share of its ordinary
        comments held by this label. The precision target's threshold is kept in the notes.
    informational : sequence of str
        Labels that are scored and reported but act on no verdict by default: their thresholds are 1.0 (a site
        can set its own). Their validation metrics are reported as for every label.
    cache : CountCache, optional
        Counts of comments already normalised and hashed (:class:`moderation.features.CountCache`), for training
        many models on parts of the same corpus; made with the same feature parameters. The model is the same.

    Returns
    -------
    TrainedModel
    """
    say = _progress(progress)
    if not sources:
        raise InvalidDataError("train needs at least one source")
    if not 0.0 <= validation < 0.9:
        raise InvalidDataError(f"validation must be a share in [0, 0.9), got {validation}")
    frames = []
    from .labels import LABELS

    for source in sources:
        say(f"reading {source.name}")
        f = source.frame()
        f["_source"] = source.name
        f["_domain"] = source.domain or source.name
        n = len(f)
        cap = source.max_effective_rows
        f["_weight"] = source.weight * (min(1.0, cap / n) if cap else 1.0)
        frames.append(f)
    data = pd.concat(frames, ignore_index=True)
    present = [c for c in data.columns if not c.startswith("_") and c != "text" and data[c].notna().any()]
    if labels is None:
        labels = [c for c in LABELS if c in present] + [c for c in present if c not in LABELS]
    missing = [c for c in labels if c not in data.columns]
    if missing:
        raise InvalidDataError(f"no source has label(s) {missing}")
    for label in labels:
        known = data[label].dropna()
        if not (known >= 0.5).any() or not (known < 0.5).any():
            kind = "positive" if not (known >= 0.5).any() else "negative"
            raise InvalidDataError(f"label {label!r} has no {kind} rows in any source; a model cannot learn it")
    Y = data[list(labels)]

    # Hold out validation rows, stratified by source and by whether any label is positive.
    held = np.zeros(len(data), dtype=bool)
    if validation > 0:
        wanted = set()
        for label in labels:
            names = (threshold_sources or {}).get(label)
            wanted.update(names if names else data.loc[data[label].notna(), "_source"].unique())
        for _, names in (flag_rates or {}).values():
            wanted.update(names)
        pool = np.flatnonzero(data["_source"].isin(wanted).to_numpy())
        strata = data["_source"].iloc[pool].astype(str) + "|" + (Y.iloc[pool].fillna(0).max(axis=1) >= 0.5).astype(str)
        counts = strata.value_counts()
        keep = strata.map(counts).to_numpy() >= 2
        _, val_idx = train_test_split(pool[keep], test_size=validation, random_state=seed, stratify=strata[keep])
        held[val_idx] = True
    fit_rows = ~held
    params = dict(params or {})
    pipeline = build_pipeline(**params)
    say(f"fitting {len(labels)} label(s) on {int(fit_rows.sum()):,} rows from {len(sources)} source(s)")
    # Features and heads learn from the training rows; the calibration step below from held-out rows only.
    fit_texts = data.loc[fit_rows, "text"].tolist()
    fit_args = {"sample_weight": data.loc[fit_rows, "_weight"].to_numpy(), "domains": data.loc[fit_rows, "_domain"].tolist()}
    if cache is None:
        pipeline[:-1].fit(fit_texts, Y[fit_rows], **{f"heads__{k}": v for k, v in fit_args.items()})
    else:
        features = pipeline.named_steps["features"]
        counts = cache.counts(fit_texts)
        pipeline.named_steps["heads"].fit(features.fit_counts(counts).transform_counts(counts), Y[fit_rows], **fit_args)
    say("fitted")

    thresholds: dict[str, dict[str, float]] = {}
    validation_metrics: dict[str, Any] = {}
    threshold_notes: dict[str, Any] = {}
    heads, calibration = pipeline.named_steps["heads"], pipeline.named_steps["calibration"]
    if held.any():
        val = data.loc[held].reset_index(drop=True)
        features = pipeline.named_steps["features"]
        val_texts = val["text"].tolist()
        val_X = features.transform(val_texts) if cache is None else features.transform_counts(cache.counts(val_texts))
        targets = val[list(labels)].copy()
        for label in labels:
            names = (threshold_sources or {}).get(label)
            if names:
                targets.loc[~val["_source"].isin(names), label] = np.nan
        calibration.fit(heads.transform(val_X), targets)
        say(f"calibrated {len(calibration.calibrated_)} label(s) on held-out rows")
        # Scored as the Moderator scores (calibration folded into the weights), so thresholds fit what it answers.
        scores = sigmoid(heads.decision_function(val_X, calibration=calibration))
        for j, label in enumerate(labels):
            names = (threshold_sources or {}).get(label)
            rows = val[label].notna() & (val["_source"].isin(names) if names else True)
            if rows.sum() == 0:
                t, notes = Thresholds(0.5, 0.9), {"note": "no validation rows; defaults 0.5 / 0.9"}
            else:
                target = precision.get(label, DEFAULT_PRECISION) if "hold" not in precision else precision
                t, notes = choose_thresholds(val.loc[rows, label], scores[rows.to_numpy(), j], target)
                if label in (flag_rates or {}):
                    share, names = flag_rates[label]
                    ordinary = val["_source"].isin(names).to_numpy()
                    if ordinary.any():
                        budget = float(round(np.quantile(scores[ordinary, j], 1 - share), 4))
                        notes["flag_rate"] = {"share": share, "sources": sorted(names), "threshold": budget,
                                              "precision_threshold": t.hold, "rows": int(ordinary.sum())}
                        t = Thresholds(budget, max(budget, t.reject))
                validation_metrics[label] = metrics_for(val.loc[rows, label], scores[rows.to_numpy(), j], t)
                notes["sources"] = sorted(val.loc[rows, "_source"].unique())
            thresholds[label] = {"hold": t.hold, "reject": t.reject}
            threshold_notes[label] = notes
        say("thresholds chosen on held-out rows")
    else:
        calibration.fit(np.zeros((0, len(labels))), Y.iloc[:0])  # nothing held out: the identity
        thresholds = {label: {"hold": 0.5, "reject": 0.9} for label in labels}
    for label in informational:
        if label in thresholds:
            threshold_notes.setdefault(label, {})["informational"] = (
                f"scored and reported, never acting on a verdict by default (the measured thresholds were "
                f"{thresholds[label]['hold']} / {thresholds[label]['reject']})"
            )
            thresholds[label] = {"hold": 1.0, "reject": 1.0}

    from . import __version__

    created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    fingerprint = hashlib.sha256(
        json.dumps([s.name for s in sources] + [params, seed, recipe], default=str).encode()
    ).hexdigest()[:8]
    metadata: dict[str, Any] = {
        "model_id": f"{recipe}-{created:%Y%m%dT%H%M%S}-{fingerprint}",
        "recipe": recipe,
        "created": created.isoformat(),
        "library": f"moderation {__version__}",
        "labels": list(labels),
        "thresholds": thresholds,
        "threshold_notes": threshold_notes,
        "informational": [label for label in informational if label in thresholds],
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()},
        "seed": seed,
        "validation_share": validation,
        "calibration": {k: {"slope": a, "offset": b} for k, (a, b) in calibration.scales().items()},
        "sources": [
            {
                "name": s.name,
                "rows": int((data["_source"] == s.name).sum()),
                "weight": s.weight,
                "domain": s.domain or s.name,
                "license": s.license,
                "sha256": s.sha256,
            }
            for s in sources
        ],
        "training_rows": {label: {"rows": n, "positives": p} for label, (n, p) in heads.n_train_.items()},
        "metrics": {"validation": validation_metrics},
    }
    metadata.update(extra_metadata or {})
    return TrainedModel(pipeline, metadata)


def evaluate(
    moderator: "Any",
    data: pd.DataFrame | str | os.PathLike[str],
    *,
    label_columns: Sequence[str] | None = None,
    label_map: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Score a labeled table with a model and report metrics per label (see :func:`metrics_for`).

    Parameters
    ----------
    moderator : Moderator
    data : DataFrame or path
        ``text`` plus label columns named like the model's labels (or mapped with ``label_map``:
        ``{"Insult": "insult"}`` scores column ``Insult`` with the model's ``insult`` label).
    """
    frame = data if isinstance(data, pd.DataFrame) else read_table(data)
    if label_map:
        unknown = [m for m in label_map.values() if m not in moderator.labels]
        if unknown:
            raise InvalidDataError(f"label_map names label(s) {unknown} this model does not score {list(moderator.labels)}")
        frame = frame.rename(columns=dict(label_map))
    if label_columns is not None:
        moderator.require(*label_columns)
    if label_columns is None:
        label_columns = [c for c in moderator.labels if c in frame.columns]
        if not label_columns:
            raise InvalidDataError(
                f"no column of the data matches the model's labels {list(moderator.labels)}; "
                f"columns are {list(frame.columns)} (use label_map)"
            )
    checked = validate_frame(frame, label_columns, where="evaluation data", require_both_classes=False)
    scores = moderator.score_many(checked["text"].tolist())
    report: dict[str, Any] = {"model": moderator.version, "rows": len(checked), "labels": {}}
    for label in label_columns:
        rows = checked[label].notna().to_numpy()
        report["labels"][label] = metrics_for(
            checked.loc[rows, label].to_numpy(), scores.loc[rows, label].to_numpy(), moderator.policy.thresholds.get(label)
        )
    return report
