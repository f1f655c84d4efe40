"""Quality bars on frozen splits of the shared datasets (skipped without them).

The shipped model never saw these test sides: its recipe trains on the train side of each fixed split. The bars are
regression guards set below what the model measures (see benchmarks/results/quality-default.json for the figures
and models/README.md for the targets they are compared with); a retrain that falls below them fails.
"""

import pytest

from moderation import Moderator, datasets
from moderation.training import metrics_for

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def shipped(shared_data):
    return Moderator.load()


def _auc(moderator, frame, label, target):
    scores = moderator.score_many(frame["text"].tolist())
    return metrics_for(frame[target].to_numpy(), scores[label].to_numpy())["roc_auc"]


@pytest.mark.parametrize("dataset, label, target, bar", [
    ("impermium", "insult", "insult", 0.90),    # alt-profanity-check 0.819, Jigsaw BiLSTM 0.838
    ("impermium", "toxicity", "insult", 0.90),
    ("ucc", "toxicity", "hostile", 0.78),       # alt-profanity-check 0.728, Jigsaw BiLSTM 0.781
    ("olid", "toxicity", "toxicity", 0.74),     # scored as news comments; in its own domain see below
])
def test_fixed_test_splits(shipped, shared_data, dataset, label, target, bar):
    """On the fixed test sides of the protocol, ROC AUC stays at or above the bar."""
    frame = datasets.load(dataset, shared_data)
    test = frame[frame["split"] == "test"]
    assert _auc(shipped, test, label, target) >= bar


def test_olid_in_its_own_domain(shared_data):
    """Scored as the tweets domain it was trained in, OLID test reaches 0.80 ROC AUC."""
    moderator = Moderator.load(domain="olid")
    frame = datasets.load("olid", shared_data)
    assert _auc(moderator, frame[frame["split"] == "test"], "toxicity", "toxicity") >= 0.80


def test_identity_terms_barely_move_scores(shipped, shared_data):
    """Swapping identity terms (the fuzzed Wikipedia set) changes ROC AUC by at most 0.015."""
    real = _auc(shipped, datasets.load("wikipedia_identity", shared_data), "toxicity", "toxicity")
    fuzzed = _auc(shipped, datasets.load("wikipedia_identity", shared_data, variant="fuzzed"), "toxicity", "toxicity")
    assert real >= 0.93 and abs(real - fuzzed) <= 0.015


def test_threat_ranks_violent_hate_above_other_hate(shipped, shared_data):
    """Among ETHOS's hateful comments, the threat head ranks those calling for violence higher: ROC AUC >= 0.75.

    The threat label was never trained on ETHOS's violence annotations (the recipe reads only its binary file)."""
    frame = datasets.load("ethos", shared_data, variant="multilabel")
    assert _auc(shipped, frame, "threat", "threat") >= 0.75


def test_youtube_held_out_video(shared_data):
    """Spam trained on four YouTube videos (plus Instagram and SMS) finds spam on the fifth (Shakira): AUC >= 0.98."""
    from moderation.recipes import Recipe, build_sources, recipe
    from moderation.training import train

    base = recipe("default")
    spam_only = Recipe("spam", "spam part of default", tuple(i for i in base.ingredients if i.labels == ("spam",)),
                       params=base.params, threshold_sources={"spam": ("youtube", "instagram")},
                       identity_templates=False)
    frame = datasets.load("youtube", shared_data)
    held_out = (frame["group"] == "Shakira").to_numpy()
    sources = build_sources(spam_only, shared_data, exclude={"youtube": held_out.nonzero()[0].tolist()})
    keys = set(frame.loc[held_out, "text"].map(datasets.text_key))
    for source in sources:
        source.data = source.data[~source.data["text"].map(datasets.text_key).isin(keys)].reset_index(drop=True)
    model = train(sources, params={**spam_only.params, "n_features": 2**18}, progress=False,
                  threshold_sources=spam_only.threshold_sources)
    assert _auc(model.moderator(), frame[held_out], "spam", "spam") >= 0.98
