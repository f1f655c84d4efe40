"""Explanations: why a label scored high, as reasons a moderator reads and a page can highlight.

The model is linear, so a label's logit is exactly its intercept plus the contribution of every character and word
n-gram and every signal. The contributions are grouped into the words and phrases of the normalised text
(:mod:`moderation.reasons`: an n-gram across words glues them into a phrase such as "shut up"; a function word is
never a reason alone; an identity term is left out when other words carried the score); the ones that mattered are
then located in the original comment (``id10t`` is found as ``idiot``, spaced-out letters as one word), so a reason
carries the text as written and its offsets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .features import META_FEATURES, Analysis
from .ordered import OrderedEnum
from .reasons import text_units
from .text import PLACEHOLDERS, find_urls, normalise

__all__ = ["Reason", "ReasonKind", "explain"]


class ReasonKind(OrderedEnum):
    """What a reason points at, from the weakest evidence to the strongest."""

    TEXT = "text"  #: words of the comment
    SIGNAL = "signal"  #: something about the comment: links, capitals, hidden characters...
    RULE = "rule"  #: a site's blocked word or domain: it decides alone


@dataclass(frozen=True)
class Reason:
    """Why a label scored high: a word or phrase of the comment, a signal about it, or a site rule.

    Attributes
    ----------
    label : str
        The label this reason pushed up.
    kind : ReasonKind
        ``"text"`` (words of the comment), ``"signal"`` (links, capitals, hidden characters...) or ``"rule"``
        (a site's blocked word or domain); a string enum, so ``reason.kind == "rule"`` holds.
    description : str
        What a moderator reads: ``'"idiot"'``, ``"3 links"``, ``'blocked domain "spam.example"'``.
    weight : float
        How much it added to the label's logit (rules: ``inf``, they decide alone).
    feature : str or None
        The normalised form the model saw (``"idiot"`` for ``"id10t"``).
    text, start, end : str, int, int or None
        The words as written in the comment and their character offsets, when they can be located.
    """

    label: str
    kind: ReasonKind
    description: str
    weight: float
    feature: str | None = None
    text: str | None = None
    start: int | None = None
    end: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, ReasonKind):
            object.__setattr__(self, "kind", ReasonKind(self.kind))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind.value
        if math.isinf(self.weight):
            d["weight"] = None
        return d


_TOKEN = re.compile(r"[\w'*]+(?:\.[\w'*]+)+|[\w'*]+|[^\w\s]+")
_SIGNAL_TEXT = {
    "links": lambda s: f"{s.n_links} link{'s' if s.n_links != 1 else ''}",
    "link_shortener": lambda s: "link shortener",
    "email": lambda s: "e-mail address",
    "mentions": lambda s: f"{s.n_mentions} @mention{'s' if s.n_mentions != 1 else ''}",
    "capitals": lambda s: f"{round(100 * s.upper_ratio)}% capital letters",
    "hidden_characters": lambda s: f"{s.n_invisible} hidden (zero-width) character{'s' if s.n_invisible != 1 else ''}",
    "fancy_letters": lambda s: "fancy Unicode letters",
    "look_alike_letters": lambda s: "look-alike letters from another alphabet",
    "html": lambda s: "HTML markup",
    "length": lambda s: f"length ({s.n_chars} characters)",
    "phone_number": lambda s: "phone number",
}



def explain(
    original: str,
    analysis: Analysis,
    labels: Sequence[str],
    *,
    model_labels: Sequence[str],
    weights: np.ndarray,
    n_hashed: int,
    top: int = 5,
) -> list[Reason]:
    """The inputs that pushed each of ``labels`` up the most, strongest first, at most ``top`` per label.

    Parameters
    ----------
    original : str
        The comment as written (reasons point into it).
    analysis : Analysis
        The comment taken apart by :meth:`~moderation.features.CommentFeatures.analyze`.
    labels : sequence of str
        The labels to explain.
    model_labels : sequence of str
        Every label of the model, in the order of the rows of ``weights``.
    weights : ndarray of shape (n_labels, n_features)
        The scoring weights (calibration folded in), so a reason's weight is its share of the calibrated logit.
    n_hashed : int
        How many leading columns of ``weights`` are hashed n-gram buckets (the signals follow).
    """
    occ = analysis.occurrences  # one analysis and one token index serve every label
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(analysis.padded)]
    tokens = [t for t in tokens if any(ch.isalnum() for ch in t[2])]
    bounds = np.array([[a, b] for a, b, _ in tokens], dtype=np.int64).reshape(-1, 2)
    words = [t[2] for t in tokens]
    locator = _Locator(original)
    gathered = np.take(weights.T, occ.bucket, axis=0)  # bucket-major: one gather for every label
    reasons: list[Reason] = []
    for label in labels:
        j = list(model_labels).index(label)
        row = weights[j]
        contribution = occ.value * gathered[:, j].astype(np.float64)
        # Words and phrases: never a function word alone, and an identity term only when nothing else in the
        # comment carried the score.
        units = [u for u in text_units(bounds, words, analysis.start, analysis.end, contribution, min_weight=0.05)
                 if u.has_content]
        if label != "spam" and any(not u.only_identity for u in units):
            units = [u for u in units if not u.only_identity]
        candidates: list[tuple[float, str, Any]] = [(u.weight, "text", u) for u in units]
        meta_weights = occ.meta[0] * row[n_hashed:].astype(np.float64)
        candidates += [(float(w), "signal", name) for name, w in zip(META_FEATURES, meta_weights) if w >= 0.05]
        candidates.sort(key=lambda c: -c[0])
        # Name what mattered: words far weaker than the strongest one are left out.
        floor = candidates[0][0] / 3 if candidates else 0.0
        for weight, kind, what in [c for c in candidates if c[0] >= floor][:top]:
            if kind == "signal":
                reasons.append(Reason(label, ReasonKind.SIGNAL, _SIGNAL_TEXT[what](analysis.stats), weight, what))
            elif what.is_phrase and not any(w in PLACEHOLDERS for w in what.words):
                reasons.append(_phrase_reason(label, what.words, weight, original, locator))
            else:
                word = next((w for w in what.words if w in PLACEHOLDERS), what.words[0])
                reasons.append(_text_reason(label, word, weight, original, locator))
    return reasons


def _phrase_reason(label: str, words: Sequence[str], weight: float, original: str, locator: "_Locator") -> Reason:
    located = locator.find_phrase(words)
    phrase = " ".join(words)
    if located is None:
        return Reason(label, ReasonKind.TEXT, f'"{phrase}"', weight, phrase)
    start, end = located
    surface = original[start:end]
    return Reason(label, ReasonKind.TEXT, f'"{surface}"', weight, phrase, surface, start, end)


def _text_reason(label: str, word: str, weight: float, original: str, locator: "_Locator") -> Reason:
    if word in PLACEHOLDERS:
        if word == "zzurl":
            urls = find_urls(original)
            start = original.find(urls[0]) if urls else -1
            if start >= 0:
                surface = urls[0]
                return Reason(label, ReasonKind.TEXT, f"a link ({surface[:60]})", weight, word, surface, start,
                              start + len(surface))
        return Reason(label, ReasonKind.TEXT, PLACEHOLDERS[word], weight, word)
    located = locator.find(word)
    if located is None:
        return Reason(label, ReasonKind.TEXT, f'"{word}"', weight, word)
    start, end = located
    surface = original[start:end]
    return Reason(label, ReasonKind.TEXT, f'"{surface}"', weight, word, surface, start, end)


_SPACE_SPLIT = re.compile(r"\S+")


class _Locator:
    """Finds where a normalised word stands in the original comment; each original token is normalised once."""

    _PUNCT = ".,;:!?\"'()[]{}<>"

    def __init__(self, original: str):
        self.original = original
        self.tokens = [(m.start(), m.end()) for m in _SPACE_SPLIT.finditer(original[:20_000])]
        self._words: dict[int, list[str]] = {}

    def _words_of(self, i: int) -> list[str]:
        if i not in self._words:
            start, end = self.tokens[i]
            self._words[i] = _TOKEN.findall(normalise(self.original[start:end]))
        return self._words[i]

    def find_phrase(self, words: Sequence[str]) -> tuple[int, int] | None:
        """From the first word of the phrase to its last, each found after the one before."""
        first = self.find(words[0])
        if first is None:
            return None
        end = first[1]
        for word in words[1:]:
            found = self.find(word, after=end)
            if found is None or found[0] - end > 40:
                return None
            end = found[1]
        return first[0], end

    def find(self, word: str, after: int = 0) -> tuple[int, int] | None:
        # Most reason words stand in the comment as written: find those without normalising anything.
        if word.isascii():
            literal = re.compile(rf"(?<![\w']){re.escape(word)}(?![\w'])", re.I).search(self.original, after)
            if literal:
                return literal.span()
        for i, (start, end) in enumerate(self.tokens):
            if start < after:
                continue
            if word in self._words_of(i):
                piece = self.original[start:end]
                lead = len(piece) - len(piece.lstrip(self._PUNCT))
                trail = len(piece) - len(piece.rstrip(self._PUNCT))
                inner = piece[lead : len(piece) - trail]
                if inner and word in _TOKEN.findall(normalise(inner)):
                    return start + lead, end - trail
                return start, end
        # Spaced-out letters ("f u c k"): join runs of short tokens.
        tokens = self.tokens
        for i in range(len(tokens)):
            if tokens[i][1] - tokens[i][0] > 2 or tokens[i][0] < after:
                continue
            for j in range(i + 2, min(i + 24, len(tokens)) + 1):
                if tokens[j - 1][1] - tokens[j - 1][0] > 2:
                    break
                if normalise(self.original[tokens[i][0] : tokens[j - 1][1]]).replace(" ", "") == word:
                    return tokens[i][0], tokens[j - 1][1]
        return None
