"""Training from labeled files and DataFrames: refused before any work when the data is wrong."""

import numpy as np
import pandas as pd
import pytest

from moderation import InvalidDataError, Moderator
from moderation.model import LabelHeads, build_pipeline
from moderation.training import Source, choose_thresholds, evaluate, read_labeled, train

PARAMS = {"n_features": 2**12}


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "content, message",
    [
        ("comment,spam\nhi,0\n", "no text column 'text'"),
        ("text,toxicity\nhi,0\nyo,1\n,0\n", "empty text"),
        ("text,toxicity\nhi,2\nyo,1\n", r"must lie in \[0, 1\]"),
        ("text,toxicity\nhi,maybe\nyo,1\n", "0/1 or a probability"),
        ("text,toxicity\nhi,0\nyo,0\n", "no positive rows"),
        ("text,toxicity\nhi,1\nyo,1\n", "no negative rows"),
        ("text,colour\nhi,1\n", "no label column"),
    ],
)
def test_bad_training_files_are_refused_before_training(tmp_path, content, message):
    """Missing columns, empty texts, non-binary labels, or one class only: a clear InvalidDataError."""
    path = _write(tmp_path, "bad.csv", content)
    with pytest.raises(InvalidDataError, match=message):
        read_labeled(path)


def test_nothing_is_written_when_the_cli_refuses(tmp_path):
    """`moderation train` on a bad file exits 1 and writes no model file."""
    from moderation.cli import main

    path = _write(tmp_path, "bad.csv", "text,toxicity\nhi,0\nyo,0\n")
    out = tmp_path / "m.joblib"
    assert main(["train", "--data", str(path), "--out", str(out)]) == 1
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_non_utf8_file_is_refused(tmp_path):
    """A Latin-1 file is refused with a message to re-save it as UTF-8."""
    path = tmp_path / "latin.csv"
    path.write_bytes("text,toxicity\ncaf\xe9,0\nyo,1\n".encode("latin-1"))
    with pytest.raises(InvalidDataError, match="not valid UTF-8"):
        read_labeled(path)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_reads_csv_jsonl_and_parquet(tmp_path, tiny_frame, suffix):
    """The same table reads the same from CSV, JSON Lines and Parquet."""
    path = tmp_path / f"t{suffix}"
    {".csv": lambda: tiny_frame.to_csv(path, index=False),
     ".jsonl": lambda: tiny_frame.to_json(path, orient="records", lines=True),
     ".parquet": lambda: tiny_frame.to_parquet(path)}[suffix]()
    back = read_labeled(path)
    assert back["text"].tolist() == tiny_frame["text"].tolist()
    assert np.allclose(back["spam"], tiny_frame["spam"])


def test_train_combines_sources_with_missing_labels(tiny_frame):
    """Sources that label different things combine: each head learns only from rows that carry its label."""
    spam_only = tiny_frame[["text", "spam"]]
    abuse_only = tiny_frame[["text", "toxicity"]]
    model = train([Source("s", spam_only), Source("a", abuse_only)], params=PARAMS, validation=0.0, progress=False)
    assert model.labels == ("spam", "toxicity")
    assert model.metadata["training_rows"]["spam"]["rows"] == len(tiny_frame)


def test_training_is_reproducible(tiny_frame):
    """The same data and seed give the same coefficients and thresholds."""
    a = train([Source("t", tiny_frame)], params=PARAMS, validation=0.3, progress=False)
    b = train([Source("t", tiny_frame)], params=PARAMS, validation=0.3, progress=False)
    assert np.array_equal(a.pipeline.named_steps["heads"].coef_, b.pipeline.named_steps["heads"].coef_)
    assert a.metadata["thresholds"] == b.metadata["thresholds"]


def test_training_with_a_count_cache_gives_the_same_model(tiny_frame):
    """A CountCache only saves work: the model trained with it scores exactly like the one trained without."""
    from moderation.protocol import count_cache

    params = {"n_features": 2**12}
    plain = train([Source("tiny", tiny_frame)], params=params, validation=0.3, progress=False)
    cached = train([Source("tiny", tiny_frame)], params=params, validation=0.3, progress=False,
                   cache=count_cache(params))
    texts = tiny_frame["text"].tolist()
    np.testing.assert_allclose(plain.moderator().score_many(texts)[list(plain.labels)],
                               cached.moderator().score_many(texts)[list(cached.labels)], atol=1e-6)
    assert plain.metadata["thresholds"] == cached.metadata["thresholds"]


def test_soft_labels_are_accepted(tiny_frame):
    """Labels in (0, 1), e.g. the share of annotators, train without error."""
    frame = tiny_frame.copy()
    frame["toxicity"] = frame["toxicity"] * 0.8 + 0.1
    model = train([Source("soft", frame)], params=PARAMS, validation=0.0, progress=False)
    assert model.moderator().score("stupid moron")["toxicity"] > model.moderator().score("thanks")["toxicity"]


def test_label_heads_follow_the_estimator_contract():
    """LabelHeads stores its parameters untouched, fit returns self, and clone works."""
    from sklearn.base import clone

    heads = LabelHeads(score_as={"spam": None})
    assert heads.get_params()["score_as"] == {"spam": None}
    pipe = build_pipeline(n_features=2**10, alpha=1e-4)
    fitted = pipe.fit(["a b", "c d", "idiot", "moron"], pd.DataFrame({"toxicity": [0.0, 0, 1, 1]}))
    assert fitted is pipe and clone(pipe).get_params()["heads__alpha"] == 1e-4
    assert not hasattr(clone(pipe).named_steps["heads"], "coef_")


def test_domains_get_their_own_offsets_and_weights(tiny_frame):
    """With domains, each label can be scored as one domain; an unseen domain falls back to the shared weights."""
    frame = tiny_frame.copy()
    halves = ["a"] * (len(frame) // 2) + ["b"] * (len(frame) - len(frame) // 2)
    pipe = build_pipeline(n_features=2**12, score_as={"toxicity": "a"})
    pipe.fit(frame["text"].tolist(), frame[["spam", "toxicity"]], heads__domains=halves)
    heads = pipe.named_steps["heads"]
    assert heads.domains_ == ("a", "b") and heads.domain_offset_.shape == (2, 2)
    as_a = heads.scoring_weights("a")[0]
    shared = heads.scoring_weights(None)[0]
    assert not np.allclose(as_a, shared)
    assert np.allclose(heads.scoring_weights("unseen")[0], shared)


def test_choose_thresholds_meets_the_precision_target():
    """The chosen hold and reject thresholds reach their precision on the data they were chosen on."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    s = np.clip(y * 0.4 + rng.random(2000) * 0.6, 0, 1)
    t, notes = choose_thresholds(y, s, {"hold": 0.7, "reject": 0.95})
    assert 0 < t.hold <= t.reject < 1
    assert y[s >= t.reject].mean() >= 0.95 and y[s >= t.hold].mean() >= 0.7


def test_unreachable_precision_is_reported():
    """When no threshold reaches the target precision, the threshold is 1.0 and the notes say so."""
    t, notes = choose_thresholds([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], {"hold": 0.9, "reject": 0.99})
    assert t.reject == 1.0 and notes["unreachable"] == ["hold", "reject"]


def test_evaluate_reports_metrics_per_label(tiny_model_path, tiny_frame, tmp_path):
    """evaluate() reports ROC AUC, AP, Brier and P/R/F1 at the policy thresholds; columns can be mapped."""
    moderator = Moderator.load(tiny_model_path)
    frame = tiny_frame.rename(columns={"toxicity": "Insult"})
    report = evaluate(moderator, frame, label_map={"Insult": "toxicity"})
    m = report["labels"]["toxicity"]
    assert {"roc_auc", "average_precision", "brier", "hold", "reject"} <= set(m)
    assert {"precision", "recall", "f1"} <= set(m["hold"])
