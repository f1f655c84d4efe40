"""The promotion gate: is a candidate at least as good as the model in service, on decisions it never saw?

For every label of the active model, the candidate's ROC AUC on the held-out feedback may not fall more than
``tolerance`` below the active model's; a label the candidate lacks fails too. A candidate that fails is kept as a
candidate and never promoted automatically. With too little held-out feedback to compare anything, the gate is
*inconclusive*: no automatic promotion, but a person may promote it after reading the report.

>>> import pandas as pd
>>> held = pd.DataFrame({"text": ["a", "b", "c", "d"], "spam": [0.0, 0.0, 1.0, 1.0]})
>>> better = pd.DataFrame({"spam": [0.1, 0.2, 0.8, 0.9]})
>>> worse = pd.DataFrame({"spam": [0.9, 0.2, 0.8, 0.1]})
>>> gate(held, better, worse, ["spam"], tolerance=0.02)["status"]
<GateStatus.PASSED: 'passed'>
>>> gate(held, worse, better, ["spam"], tolerance=0.02)["status"]
<GateStatus.FAILED: 'failed'>
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..ordered import OrderedEnum

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GateStatus", "gate"]


class GateStatus(OrderedEnum):
    """The promotion gate's result, from the worst to the best."""

    FAILED = "failed"  #: a label is worse than the active model's by more than the tolerance
    INCONCLUSIVE = "inconclusive"  #: too little held-out feedback to compare: only a person may promote it
    PASSED = "passed"  #: no label worse than the tolerance allows: promoted automatically when asked


def gate(held: pd.DataFrame, candidate: pd.DataFrame, active: pd.DataFrame, active_labels: Sequence[str],
         tolerance: float) -> dict[str, Any]:
    """Compare candidate and active scores on held-out feedback (see the module docstring).

    Returns
    -------
    dict
        ``status`` (:class:`GateStatus`), ``reasons`` (sentences for the report), ``tolerance`` and, per label,
        ``comparison`` (rows, ROC AUC and average precision of both models).
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    reasons, comparison, compared = [], {}, 0
    failed = False
    for label in active_labels:
        if label not in candidate.columns:
            failed = True
            reasons.append(f"{label}: the candidate does not score this label (no training data for it)")
            continue
        if label not in held.columns:
            comparison[label] = {"note": "no held-out feedback for this label"}
            continue
        known = held[label].notna().to_numpy()
        y = (held.loc[known, label].to_numpy() >= 0.5).astype(int)
        if not 0 < y.sum() < len(y):
            comparison[label] = {"note": f"held-out feedback has {len(y)} row(s), not both classes: not compared"}
            continue
        cand_auc = float(roc_auc_score(y, candidate.loc[known, label]))
        act_auc = float(roc_auc_score(y, active.loc[known, label]))
        comparison[label] = {
            "rows": int(len(y)),
            "positives": int(y.sum()),
            "candidate_roc_auc": round(cand_auc, 4),
            "active_roc_auc": round(act_auc, 4),
            "candidate_average_precision": round(float(average_precision_score(y, candidate.loc[known, label])), 4),
            "active_average_precision": round(float(average_precision_score(y, active.loc[known, label])), 4),
        }
        compared += 1
        if cand_auc < act_auc - tolerance:
            failed = True
            reasons.append(
                f"{label}: ROC AUC {cand_auc:.3f} on held-out feedback, below the active model's {act_auc:.3f} by "
                f"more than the tolerance {tolerance:.3f}"
            )
    if failed:
        status = GateStatus.FAILED
    elif compared == 0:
        status = GateStatus.INCONCLUSIVE
        reasons.append("too little held-out feedback with both classes to compare the candidate with the active "
                       "model; not promoted automatically: read the report and promote it by hand if it is better")
    else:
        status = GateStatus.PASSED
        reasons.append(f"no label is worse than the active model by more than {tolerance:.3f} ROC AUC "
                       f"({compared} label(s) compared)")
    return {"status": status, "reasons": reasons, "tolerance": tolerance, "comparison": comparison}
