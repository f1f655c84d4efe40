"""The shipped model scores as it did when it was recorded: a change to normalisation, hashing, the heads or the
explanations that moves any probability or reason weight by more than 1e-6 fails here, so speed work on the feature
path cannot change what sites get without retraining.

The record (``tests/data/shipped-scores.json``) holds the model file's sha256. It is written only for a model it
does not yet describe: after retraining the shipped model, record it again with

    python tests/test_shipped_scores.py --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from moderation import Moderator
from moderation.files import sha256_file
from moderation.moderator import default_model_path

RECORD = Path(__file__).parent / "data" / "shipped-scores.json"

# Comments that exercise every part of the path: plain and disguised abuse, links, masked words, identity terms,
# numbers, markup, other scripts, empty-ish text.
EXTRA = (
    "Make $5000 a week from home, DM me on WhatsApp +1 555 0100 http://bit.ly/x",
    "F*ck the president and f*ck his voters",
    "<b>Great</b> article &amp; thanks! Visit https://example.com/a?b=c for more",
    "y o u  a r e  a n  i d i 0 t",
    "Спасибо за статью, очень интересно.",
    "!!!",
    "As a Muslim woman I found the reporting fair.",
    "Someone should teach those people a lesson they will never forget.",
)


def texts() -> list[str]:
    from moderation.datasets import evasion, identity

    base = evasion.base_set()["text"].tolist()
    disguised = evasion.evasion_set()["text"].tolist()[::7]
    neutral = identity.held_out_frame()["text"].tolist()[:20]
    return [*base, *disguised, *neutral, *EXTRA]


def record(moderator: Moderator) -> list[dict]:
    rows = []
    for text in texts():
        scores = moderator.score(text)
        rows.append({
            "text": text,
            "probabilities": dict(scores.probabilities),
            "verdict": scores.verdict.value,
            "reasons": [[r.label, r.description, r.weight] for r in scores.reasons],
        })
    return rows


@pytest.fixture(scope="module")
def recorded():
    return json.loads(RECORD.read_text(encoding="utf-8"))


def test_the_record_describes_the_shipped_model(recorded):
    """A retrained shipped model comes with its record (see the module's docstring)."""
    assert recorded["sha256"] == sha256_file(default_model_path()), "record the new model's scores"


def test_the_shipped_model_scores_as_recorded(recorded):
    moderator = Moderator.load()
    assert [row["text"] for row in recorded["comments"]] == texts()
    for row, now in zip(recorded["comments"], record(moderator)):
        assert now["probabilities"] == pytest.approx(row["probabilities"], abs=1e-6), row["text"]
        assert now["verdict"] == row["verdict"], row["text"]
        assert [r[:2] for r in now["reasons"]] == [r[:2] for r in row["reasons"]], row["text"]
        assert [r[2] for r in now["reasons"]] == pytest.approx([r[2] for r in row["reasons"]], abs=1e-6), row["text"]


def test_the_batch_path_scores_as_recorded(recorded):
    """``score_many`` (the batch feature path) gives the recorded probabilities and verdicts too."""
    frame = Moderator.load().score_many(texts())
    for row, (_, now) in zip(recorded["comments"], frame.iterrows()):
        assert {label: now[label] for label in row["probabilities"]} == pytest.approx(row["probabilities"], abs=1e-6)
        assert now["verdict"] == row["verdict"], row["text"]


def write() -> None:
    path = default_model_path()
    digest = sha256_file(path)
    if RECORD.exists() and json.loads(RECORD.read_text(encoding="utf-8"))["sha256"] == digest:
        sys.exit("the record already describes this model; a changed score is a change to the code, not the model")
    moderator = Moderator.load()
    RECORD.write_text(json.dumps({"model": moderator.version, "sha256": digest, "comments": record(moderator)},
                                 indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_shipped_scores.py --write   (records the shipped model's scores)")
    write()
