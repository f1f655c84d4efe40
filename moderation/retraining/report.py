"""Evaluation reports: PNG plots and an HTML page for one model version on labeled data.

For every label with both classes in the data: ROC and precision-recall curves (against a baseline model's scores
when given, dashed), a calibration curve, the confusion matrix at the policy's hold threshold, a threshold table
(precision, recall and share of comments held at each threshold), and the lowest threshold whose precision reaches a
target. Everything is written into one directory: ``index.html``, ``report.json`` (the same facts, for pages and
programs) and the PNGs. Plots use matplotlib's Agg backend, imported only when a report is made.

Plots need matplotlib (``pip install 'moderation[report]'``).

>>> import tempfile
>>> import numpy as np
>>> y = {"spam": np.array([0, 0, 1, 1, 0, 1])}
>>> s = {"spam": np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])}
>>> facts = make_report(y, s, {"spam": (0.5, 0.9)}, tempfile.mkdtemp(), title="demo")
>>> facts["labels"]["spam"]["suggested"]["threshold"], facts["images"]
(0.8, ['curves.png', 'calibration.png', 'confusion.png'])
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OptionalDependencyError
from ..files import write_atomically

__all__ = ["make_report", "threshold_table", "suggest_threshold", "TABLE_THRESHOLDS"]

#: The thresholds listed in a report's table (the policy's own are added).
TABLE_THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 1.0, 0.05))


def _binary(y_true: Sequence[float]) -> np.ndarray:
    return (np.asarray(y_true, dtype=float) >= 0.5).astype(int)


def threshold_table(y_true: Sequence[float], y_score: Sequence[float],
                    thresholds: Sequence[float] = TABLE_THRESHOLDS) -> list[dict[str, float]]:
    """Precision, recall and share held (score >= threshold) at each threshold; precision is None when nothing is
    held."""
    y, s = _binary(y_true), np.asarray(y_score, dtype=float)
    rows = []
    for t in sorted(set(float(t) for t in thresholds)):
        held = s >= t
        n_held = int(held.sum())
        tp = int((held & (y == 1)).sum())
        rows.append({
            "threshold": round(t, 4),
            "precision": round(tp / n_held, 4) if n_held else None,
            "recall": round(tp / int(y.sum()), 4) if y.sum() else None,
            "held_share": round(n_held / len(s), 4) if len(s) else 0.0,
            "held": n_held,
        })
    return rows


def suggest_threshold(y_true: Sequence[float], y_score: Sequence[float], target_precision: float) -> dict[str, Any]:
    """The lowest threshold at which precision reaches ``target_precision`` and stays there for every higher one.

    Returns ``{"threshold": None, ...}`` when no threshold reaches it.
    """
    y, s = _binary(y_true), np.asarray(y_score, dtype=float)
    out: dict[str, Any] = {"target_precision": target_precision, "threshold": None}
    if not len(s) or not y.sum():
        out["note"] = "no positive examples"
        return out
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    distinct = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s_sorted) - 1]  # last index of each distinct score
    tp = np.cumsum(y_sorted)[distinct]
    held = distinct + 1
    precision = tp / held
    stays = np.minimum.accumulate(precision)  # from the highest threshold down
    ok = np.flatnonzero(stays >= target_precision)
    if not len(ok):
        out["note"] = f"no threshold reaches precision {target_precision:.2f} on these rows"
        return out
    i = ok[-1]
    out.update(
        threshold=round(float(s_sorted[distinct[i]]), 4),
        precision=round(float(precision[i]), 4),
        recall=round(float(tp[i] / y.sum()), 4),
        held_share=round(float(held[i] / len(s)), 4),
    )
    return out


def _label_facts(y_true: np.ndarray, y_score: np.ndarray, hold: float, reject: float,
                 target_precision: float) -> dict[str, Any]:
    from sklearn.metrics import average_precision_score, brier_score_loss, confusion_matrix, roc_auc_score

    y = _binary(y_true)
    facts: dict[str, Any] = {"n": int(len(y)), "positives": int(y.sum()), "hold": hold, "reject": reject}
    both = 0 < y.sum() < len(y)
    if both:
        facts["roc_auc"] = round(float(roc_auc_score(y, y_score)), 4)
        facts["average_precision"] = round(float(average_precision_score(y, y_score)), 4)
    else:
        facts["note"] = "only one class in these rows: no curves"
    if len(y):
        facts["brier"] = round(float(brier_score_loss(y, np.clip(y_score, 0, 1))), 4)
        facts["confusion_at_hold"] = confusion_matrix(y, (y_score >= hold).astype(int), labels=[0, 1]).tolist()
    facts["table"] = threshold_table(y, y_score, TABLE_THRESHOLDS + (hold, reject))
    facts["suggested"] = suggest_threshold(y, y_score, target_precision)
    return facts


def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    import matplotlib.pyplot as plt

    plt.close(fig)


def _plots(out: Path, labels: list[str], y_true: Mapping[str, np.ndarray], y_score: Mapping[str, np.ndarray],
           baseline: Mapping[str, np.ndarray], facts: Mapping[str, Any], baseline_name: str) -> list[str]:
    try:
        import matplotlib
    except ModuleNotFoundError:
        raise OptionalDependencyError(
            "evaluation reports draw their curves with matplotlib, which is not installed: "
            "pip install 'moderation[report]'"
        ) from None

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import precision_recall_curve, roc_curve

    curved = [label for label in labels if "roc_auc" in facts[label]]
    written = []
    if curved:
        fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(10, 4.5))
        for i, label in enumerate(curved):
            color = f"C{i}"
            y, s = _binary(y_true[label]), y_score[label]
            fpr, tpr, _ = roc_curve(y, s)
            roc_ax.plot(fpr, tpr, color=color, label=f"{label} (AUC {facts[label]['roc_auc']:.3f})")
            prec, rec, _ = precision_recall_curve(y, s)
            pr_ax.plot(rec, prec, color=color, label=f"{label} (AP {facts[label]['average_precision']:.3f})")
            if label in baseline:
                fpr, tpr, _ = roc_curve(y, baseline[label])
                roc_ax.plot(fpr, tpr, color=color, linestyle="--", alpha=0.7, label=f"{label}, {baseline_name}")
                prec, rec, _ = precision_recall_curve(y, baseline[label])
                pr_ax.plot(rec, prec, color=color, linestyle="--", alpha=0.7, label=f"{label}, {baseline_name}")
        roc_ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8)
        roc_ax.set(title="ROC", xlabel="false positive rate", ylabel="true positive rate")
        pr_ax.set(title="Precision-recall", xlabel="recall", ylabel="precision", ylim=(0, 1.02))
        roc_ax.legend(fontsize=7)
        pr_ax.legend(fontsize=7)
        _save(fig, out / "curves.png")
        written.append("curves.png")

        fig, ax = plt.subplots(figsize=(5, 4.5))
        for i, label in enumerate(curved):
            n_bins = max(2, min(10, len(y_true[label]) // 5))
            frac, mean = calibration_curve(_binary(y_true[label]), np.clip(y_score[label], 0, 1), n_bins=n_bins,
                                           strategy="quantile")
            ax.plot(mean, frac, marker="o", color=f"C{i}", label=label)
        ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, label="perfectly calibrated")
        ax.set(title="Calibration", xlabel="mean predicted probability", ylabel="share positive",
               xlim=(0, 1), ylim=(0, 1))
        ax.legend(fontsize=7)
        _save(fig, out / "calibration.png")
        written.append("calibration.png")

    matrices = [label for label in labels if "confusion_at_hold" in facts[label]]
    if matrices:
        fig, axes = plt.subplots(1, len(matrices), figsize=(3.2 * len(matrices), 3.2), squeeze=False)
        for ax, label in zip(axes[0], matrices):
            m = np.asarray(facts[label]["confusion_at_hold"])
            ax.imshow(m, cmap="Blues")
            for (r, c), value in np.ndenumerate(m):
                ax.text(c, r, str(value), ha="center", va="center", color="black", fontsize=12)
            ax.set_xticks([0, 1], ["pass", "held"])
            ax.set_yticks([0, 1], ["not " + label, label])
            ax.set_title(f"{label} at hold {facts[label]['hold']:.2f}", fontsize=9)
        _save(fig, out / "confusion.png")
        written.append("confusion.png")
    return written


def make_report(
    y_true: Mapping[str, Sequence[float]],
    y_score: Mapping[str, Sequence[float]],
    thresholds: Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    title: str = "Model evaluation",
    target_precision: float = 0.9,
    baseline: Mapping[str, Sequence[float]] | None = None,
    baseline_name: str = "active model",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``index.html``, ``report.json`` and PNG plots into ``out_dir``; return the report's facts.

    Parameters
    ----------
    y_true, y_score : mapping of label to array
        True labels (0/1 or probabilities, >= 0.5 is positive) and the model's scores, per label.
    thresholds : mapping of label to (hold, reject) or {"hold", "reject"} or Thresholds
        The policy the confusion matrix and the table are computed at.
    target_precision : float
        The precision the suggested threshold is chosen for.
    baseline : mapping of label to array, optional
        Another model's scores on the same rows (drawn dashed): the active model, when judging a candidate.
    extra : mapping, optional
        More facts for ``report.json`` and the page (``gate``, ``comparison``, ``model``...).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    labels = [label for label in y_true if label in y_score]
    arrays_true = {label: np.asarray(y_true[label], dtype=float) for label in labels}
    arrays_score = {label: np.asarray(y_score[label], dtype=float) for label in labels}
    base = {label: np.asarray(v, dtype=float) for label, v in (baseline or {}).items() if label in labels}
    facts: dict[str, Any] = {}
    for label in labels:
        hold, reject = _pair(thresholds.get(label))
        facts[label] = _label_facts(arrays_true[label], arrays_score[label], hold, reject, target_precision)
    images = _plots(out, labels, arrays_true, arrays_score, base, facts, baseline_name)
    report = {"title": title, "target_precision": target_precision, "labels": facts, "images": images,
              **dict(extra or {})}
    write_atomically(out / "report.json", json.dumps(report, indent=2, default=_json_default) + "\n")
    write_atomically(out / "index.html", render_html(report))
    return report


def _pair(t: Any) -> tuple[float, float]:
    if t is None:
        return 0.5, 0.9
    if isinstance(t, Mapping):
        return float(t["hold"]), float(t["reject"])
    if hasattr(t, "hold"):
        return float(t.hold), float(t.reject)
    return float(t[0]), float(t[1])


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to a report")


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def render_html(report: Mapping[str, Any]) -> str:
    """The standalone HTML page of a report (images referenced next to it)."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(report['title'])}</title>",
        "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}.failed{color:#a00}.passed{color:#070}"
        "</style></head><body>",
        f"<h1>{e(report['title'])}</h1>",
    ]
    gate = report.get("gate")
    if isinstance(gate, Mapping):
        parts.append(f"<p class='{e(str(gate.get('status')))}'><strong>Promotion gate: {e(str(gate.get('status')))}"
                     "</strong></p><ul>")
        parts.extend(f"<li>{e(str(r))}</li>" for r in gate.get("reasons", []))
        parts.append("</ul>")
    for image in report.get("images", []):
        parts.append(f"<img src='{e(image)}' alt='{e(image)}'>")
    for label, facts in report["labels"].items():
        parts.append(f"<h2>{e(label)}</h2><p>{facts['n']} rows, {facts['positives']} positive; ROC AUC "
                     f"{_fmt(facts.get('roc_auc'))}, average precision {_fmt(facts.get('average_precision'))}, "
                     f"Brier {_fmt(facts.get('brier'))}.</p>")
        s = facts["suggested"]
        if s.get("threshold") is not None:
            parts.append(f"<p>Suggested hold threshold for precision {s['target_precision']:.2f}: "
                         f"<strong>{s['threshold']:.3f}</strong> (precision {s['precision']:.3f}, recall "
                         f"{s['recall']:.3f}, holds {100 * s['held_share']:.1f}% of comments).</p>")
        else:
            parts.append(f"<p>No suggested threshold: {e(str(s.get('note', '')))}.</p>")
        parts.append("<table><tr><th>threshold</th><th>precision</th><th>recall</th><th>share held</th></tr>")
        for row in facts["table"]:
            parts.append(f"<tr><td>{row['threshold']:.2f}</td><td>{_fmt(row['precision'])}</td>"
                         f"<td>{_fmt(row['recall'])}</td><td>{100 * row['held_share']:.1f}%</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
