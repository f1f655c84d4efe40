"""From scores to a verdict: per-label thresholds and a site's own rules.

A :class:`Policy` holds, for each label, the probability at which a comment is held for a moderator and the one at
which it is rejected outright, plus a site's word and link-domain lists. The defaults come from the model's metadata
(chosen on validation data for a stated precision); a site or a single call can override any of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import PolicyError
from .ordered import OrderedEnum

__all__ = ["Verdict", "Thresholds", "Policy"]


class Verdict(OrderedEnum):
    """What to do with a comment, from the mildest to the most severe (so ``max()`` of verdicts is the most severe).

    >>> max(Verdict.HOLD, Verdict.APPROVE, Verdict.REJECT)
    <Verdict.REJECT: 'reject'>
    """

    APPROVE = "approve"  #: publish it
    HOLD = "hold"  #: keep it for a moderator to decide
    REJECT = "reject"  #: refuse it (spam folder, trash)


#: Verdicts by rank (``RANKED[v.rank] is v``).
RANKED: tuple[Verdict, ...] = tuple(sorted(Verdict))


@dataclass(frozen=True)
class Thresholds:
    """Probabilities at which a label holds and rejects a comment (``0 <= hold <= reject <= 1``)."""

    hold: float
    reject: float

    def __post_init__(self) -> None:
        for name in ("hold", "reject"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise PolicyError(f"threshold {name} must be a number in [0, 1], got {value!r}")
        if self.hold > self.reject:
            raise PolicyError(f"hold threshold {self.hold} is above reject threshold {self.reject}")

    def rank(self, probability: Any) -> Any:
        """The verdict's rank a probability reaches (0 approve, 1 hold, 2 reject): the one rule from score to
        verdict. Works elementwise on a numpy array of probabilities, for many comments at once."""
        return (probability >= self.hold) * 1 + (probability >= self.reject)

    def verdict(self, probability: float) -> Verdict:
        """The verdict this label alone gives a probability.

        >>> Thresholds(0.5, 0.9).verdict(0.7)
        <Verdict.HOLD: 'hold'>
        """
        return RANKED[int(self.rank(probability))]


def _clean_terms(terms: Iterable[str], what: str) -> tuple[str, ...]:
    if isinstance(terms, str) or not isinstance(terms, Iterable):
        raise PolicyError(f"{what} must be a list of strings, got {type(terms).__name__}")
    cleaned = []
    for term in terms:
        if not isinstance(term, str):
            raise PolicyError(f"{what} must hold strings, got {type(term).__name__}")
        term = " ".join(term.casefold().split())
        if term:
            cleaned.append(term)
    return tuple(dict.fromkeys(cleaned))


@dataclass(frozen=True)
class Policy:
    """Thresholds per label and a site's rules.

    Parameters
    ----------
    thresholds : mapping of label to Thresholds
    blocked_words : tuple of str
        Words or phrases that reject a comment whatever its scores (matched on the normalised text, so evasions
        such as ``f.u.c.k`` or homoglyphs still match).
    allowed_words : tuple of str
        Words or phrases that never count against a comment: they are removed before scoring (a site about
        breast cancer can allow "breast").
    blocked_domains : tuple of str
        Link domains (and their subdomains) that mark a comment as spam and reject it; also checked against the
        author's URL and e-mail address.

    Examples
    --------
    >>> p = Policy({"spam": Thresholds(0.5, 0.9)})
    >>> p.decide({"spam": 0.7})
    (<Verdict.HOLD: 'hold'>, ['spam'])
    """

    thresholds: Mapping[str, Thresholds]
    blocked_words: tuple[str, ...] = ()
    allowed_words: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    _patterns: dict[str, re.Pattern[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", dict(self.thresholds))
        for label, t in self.thresholds.items():
            if not isinstance(t, Thresholds):
                raise PolicyError(f"thresholds[{label!r}] must be a Thresholds, got {type(t).__name__}")
        object.__setattr__(self, "blocked_words", _clean_terms(self.blocked_words, "blocked_words"))
        object.__setattr__(self, "allowed_words", _clean_terms(self.allowed_words, "allowed_words"))
        domains = tuple(d.lstrip(".").removeprefix("www.") for d in _clean_terms(self.blocked_domains, "blocked_domains"))
        object.__setattr__(self, "blocked_domains", domains)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Policy":
        """Build a policy from JSON-like data: ``{"thresholds": {"spam": {"hold": .5, "reject": .9}}, ...}``."""
        if not isinstance(data, Mapping):
            raise PolicyError(f"a policy must be an object, got {type(data).__name__}")
        raw = data.get("thresholds", {})
        if not isinstance(raw, Mapping):
            raise PolicyError("policy thresholds must be an object of label -> {hold, reject}")
        thresholds = {}
        for label, t in raw.items():
            if not isinstance(t, Mapping) or set(t) - {"hold", "reject"} or not {"hold", "reject"} <= set(t):
                raise PolicyError(f"thresholds[{label!r}] must be an object with exactly 'hold' and 'reject'")
            thresholds[str(label)] = Thresholds(t["hold"], t["reject"])
        return cls(
            thresholds,
            data.get("blocked_words", ()),  # validated (and refused if a plain string) in __post_init__
            data.get("allowed_words", ()),
            data.get("blocked_domains", ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "thresholds": {k: {"hold": v.hold, "reject": v.reject} for k, v in self.thresholds.items()},
            "blocked_words": list(self.blocked_words),
            "allowed_words": list(self.allowed_words),
            "blocked_domains": list(self.blocked_domains),
        }

    def override(
        self,
        thresholds: Mapping[str, Thresholds | Mapping[str, float]] | None = None,
        **rules: Iterable[str],
    ) -> "Policy":
        """A copy with some thresholds replaced (others kept) and/or rule lists replaced."""
        merged = dict(self.thresholds)
        for label, t in (thresholds or {}).items():
            if isinstance(t, Mapping):
                base = merged.get(label, Thresholds(0.5, 0.9))
                t = Thresholds(t.get("hold", base.hold), t.get("reject", base.reject))
            merged[label] = t
        unknown = set(rules) - {"blocked_words", "allowed_words", "blocked_domains"}
        if unknown:
            raise PolicyError(f"unknown policy fields: {sorted(unknown)}")
        return replace(self, thresholds=merged, **rules)

    def _pattern(self, terms: tuple[str, ...]) -> re.Pattern[str] | None:
        if not terms:
            return None
        key = "\x00".join(terms)
        if key not in self._patterns:
            alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
            self._patterns[key] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
        return self._patterns[key]

    def blocked_words_in(self, normalised: str) -> list[str]:
        """The blocked words or phrases found in a normalised text."""
        pattern = self._pattern(self.blocked_words)
        return list(dict.fromkeys(m.group(0) for m in pattern.finditer(normalised))) if pattern else []

    def remove_allowed(self, normalised_or_raw: str) -> str:
        """The text with every allowed word or phrase taken out (case-insensitive)."""
        pattern = self._pattern(self.allowed_words)
        if pattern is None:
            return normalised_or_raw
        return " ".join(re.compile(pattern.pattern, re.I).sub(" ", normalised_or_raw).split())

    def is_blocked_domain(self, domain: str) -> bool:
        domain = domain.lower().removeprefix("www.")
        return any(domain == d or domain.endswith("." + d) for d in self.blocked_domains)

    def decide(self, probabilities: Mapping[str, float], *, forced: Verdict | None = None) -> tuple[Verdict, list[str]]:
        """The verdict for these probabilities and the labels that reached their hold threshold, worst first.

        ``forced`` (from a rule, e.g. a blocked word) sets the verdict to at least that severity.
        """
        verdict = forced or Verdict.APPROVE
        flagged = []
        for label, probability in probabilities.items():
            t = self.thresholds.get(label)
            if t is None:
                continue
            v = t.verdict(probability)
            if v is not Verdict.APPROVE:
                flagged.append(label)
            verdict = max(verdict, v)
        flagged.sort(key=lambda lab: -probabilities[lab])
        return verdict, flagged
