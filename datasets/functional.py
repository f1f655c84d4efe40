"""Functional test suites of our own: news comments a site must hold or approve, and comment spam with look-alikes.

Aggregate figures (ROC AUC on a corpus) can hide a model that misses whole kinds of comments. These suites name the
kinds (after HateCheck, Röttger et al. 2021) and give each comment the verdict a news site expects:

- ``abuse_suite()`` (`functional_abuse.json`): hateful classes to hold (threats against a person or a group, direct
  and indirect; calls for violence; dehumanisation; hateful generalisations about nationalities, religions,
  ethnicities, genders, orientations, disabilities, immigrants and political groups; slurs; masked profanity aimed
  at people) and contrasts to approve (neutral and positive identity statements, counter-speech, negated hate,
  heated but civil disagreement, profanity aimed at no one, criticism of a government or an army).
- ``spam_suite()`` (`functional_spam.json`): spam to hold or reject (SEO plugs, tech-support and crypto scams,
  messenger handles, phone numbers, a generic compliment whose author URL is the advert, non-English link drops),
  with Akismet metadata where a client would send it, and look-alikes to approve (a reader citing a source, long
  comments full of numbers, compliments without links, personal sites, public helplines).

Every text was written for this project; none comes from a dataset. Each item belongs to the ``dev`` part (about 40%,
what one may look at while improving a model) or the held-out ``test`` part (reported only), by a hash of its id, so
the split cannot be chosen by looking at results. Training material must never be made from these texts or their
sentence frames (``identity.py`` and any synthetic training set use other templates and other vocabulary).

>>> from moderation.datasets import functional
>>> suite = functional.abuse_suite()
>>> len(suite) >= 600, sorted(suite["part"].unique())
(True, ['dev', 'test'])
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from moderation.errors import InvalidDataError

__all__ = ["PARTS", "abuse_suite", "spam_suite", "classes", "part_of", "score_suite", "summarise_suite"]

#: The two parts of each suite.
PARTS = ("dev", "test")

#: Share of items in the dev part.
DEV_SHARE = 0.4

_FILES = {"abuse": "functional_abuse.json", "spam": "functional_spam.json"}
_METADATA = ("author", "author_email", "author_url", "user_agent", "referrer")


def part_of(item_id: str) -> str:
    """``"dev"`` or ``"test"`` for an item id, from its sha256 (stable across machines and Python versions).

    >>> part_of("a-call_for_violence-01") in PARTS
    True
    """
    digest = hashlib.sha256(item_id.encode("utf-8")).digest()
    return "dev" if int.from_bytes(digest[:4], "big") < DEV_SHARE * 2**32 else "test"


@lru_cache(maxsize=None)
def _read(name: str) -> dict[str, Any]:
    raw = resources.files("moderation.datasets").joinpath(_FILES[name]).read_text(encoding="utf-8")
    return json.loads(raw)


def classes(name: str) -> pd.DataFrame:
    """The classes of suite ``name`` (``"abuse"`` or ``"spam"``): name, kind, expected verdict and description."""
    if name not in _FILES:
        raise InvalidDataError(f"unknown functional suite {name!r}; suites are {', '.join(_FILES)}")
    return pd.DataFrame(_read(name)["classes"])


def _suite(name: str, part: str | None) -> pd.DataFrame:
    if part is not None and part not in PARTS:
        raise InvalidDataError(f"part must be one of {PARTS} or None, got {part!r}")
    data = _read(name)
    expected = {c["name"]: (c["expected"], c["kind"]) for c in data["classes"]}
    frame = pd.DataFrame(data["items"])
    for column in _METADATA:
        if column not in frame:
            frame[column] = None
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame["expected"] = frame["class"].map(lambda c: expected[c][0])
    frame["kind"] = frame["class"].map(lambda c: expected[c][1])
    frame["part"] = frame["id"].map(part_of)
    columns = ["id", "class", "kind", "expected", "part", "text", *_METADATA]
    frame = frame[columns]
    if part is not None:
        frame = frame[frame["part"] == part]
    return frame.reset_index(drop=True)


def abuse_suite(part: str | None = None) -> pd.DataFrame:
    """The news-comment suite: one row per comment with ``id``, ``class``, ``kind`` (``hateful`` / ``contrast``),
    ``expected`` (``hold`` / ``approve``), ``part`` (``dev`` / ``test``) and ``text``; only one part if asked."""
    return _suite("abuse", part)


def spam_suite(part: str | None = None) -> pd.DataFrame:
    """The spam suite, like :func:`abuse_suite` (``kind`` ``spam`` / ``look-alike``; ``expected`` ``spam`` /
    ``approve``) plus the Akismet metadata columns ``author``, ``author_email``, ``author_url``, ``user_agent``,
    ``referrer`` (None where a comment has none)."""
    return _suite("spam", part)


def score_suite(moderator: Any, suite: pd.DataFrame, *, policy: Any = None) -> pd.DataFrame:
    """Score a suite with a :class:`~moderation.Moderator`; return it with ``verdict`` and ``as_expected``.

    ``hold`` expects a verdict other than approve (held or rejected), ``spam`` likewise, ``approve`` expects approve.
    Metadata columns are passed to the model as the comment's metadata.
    """
    columns = ["text", *[c for c in _METADATA if c in suite]]
    scored = moderator.score_many(suite[columns], policy=policy)
    out = suite.copy()
    for label in moderator.labels:
        out[label] = scored[label].to_numpy()
    out["verdict"] = scored["verdict"].to_numpy()
    flagged = out["verdict"] != "approve"
    out["as_expected"] = (flagged == (out["expected"] != "approve")).to_numpy()
    return out


def summarise_suite(scored: pd.DataFrame) -> pd.DataFrame:
    """Per class: the number of comments and the share handled as expected (from :func:`score_suite`), plus one
    row per kind."""
    per_class = scored.groupby(["kind", "class"], sort=False).agg(
        n=("as_expected", "size"), as_expected=("as_expected", "mean")
    )
    per_kind = scored.groupby("kind", sort=False).agg(n=("as_expected", "size"), as_expected=("as_expected", "mean"))
    per_kind.index = pd.MultiIndex.from_tuples([(k, "all") for k in per_kind.index], names=["kind", "class"])
    return pd.concat([per_class, per_kind]).reset_index()
