"""Evaluation reports: plots, threshold table and suggested threshold."""

from __future__ import annotations

import json

import numpy as np
import pytest

from moderation.retraining.report import make_report, suggest_threshold, threshold_table

Y = np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 1])
S = np.array([0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.6, 0.7, 0.8, 0.9])


def test_threshold_table_counts_precision_recall_and_share_held():
    """At 0.5 the four top scores are held: all positive, four of five positives, 40% of comments."""
    row = next(r for r in threshold_table(Y, S, [0.5]) if r["threshold"] == 0.5)
    assert row == {"threshold": 0.5, "precision": 1.0, "recall": 0.8, "held_share": 0.4, "held": 4}


@pytest.mark.parametrize("target, expected", [(1.0, 0.6), (0.8, 0.35), (0.5, 0.05)])
def test_suggested_threshold_is_lowest_that_keeps_the_precision(target, expected):
    assert suggest_threshold(Y, S, target)["threshold"] == expected


def test_unreachable_precision_suggests_nothing():
    out = suggest_threshold([1, 0], [0.1, 0.9], 0.99)
    assert out["threshold"] is None and "no threshold" in out["note"]


def test_report_writes_html_json_and_pngs(tmp_path):
    """A report directory holds index.html, report.json and the PNG plots it names."""
    facts = make_report({"spam": Y, "toxicity": Y[::-1]}, {"spam": S, "toxicity": S}, {"spam": (0.5, 0.9)},
                        tmp_path / "r", title="Test", baseline={"spam": S[::-1]})
    assert set(facts["images"]) == {"curves.png", "calibration.png", "confusion.png"}
    for name in facts["images"]:
        assert (tmp_path / "r" / name).read_bytes()[:4] == b"\x89PNG"
    saved = json.loads((tmp_path / "r" / "report.json").read_text())
    assert saved["labels"]["spam"]["confusion_at_hold"] == [[5, 0], [1, 4]]
    assert saved["labels"]["spam"]["roc_auc"] == 1.0 - 1 / 25  # one of 25 pairs is misordered
    html = (tmp_path / "r" / "index.html").read_text()
    assert "<img src='curves.png'" in html and "Suggested hold threshold" in html


def test_a_label_with_one_class_gets_no_curves(tmp_path):
    facts = make_report({"spam": [0, 0, 0]}, {"spam": [0.1, 0.2, 0.3]}, {}, tmp_path)
    assert "roc_auc" not in facts["labels"]["spam"]
    assert "only one class" in facts["labels"]["spam"]["note"]
