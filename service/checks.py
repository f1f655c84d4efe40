"""Checking comments for a site: its model, its policy, its storage rules, its counters.

Every API family (native, Akismet, Perspective) parses its own request into :class:`Item` objects and calls
:meth:`Checker.check`; what a check means is decided here once:

* the model is the site's (see :class:`service.model_holder.ModelHolder`), the policy is the model's own
  overridden by the site's stored settings;
* a check is *spam* (Akismet's ``true``) when the spam label alone reaches its **hold** threshold or a site rule
  fired (a blocked word or link domain); it is *blatant* spam (``X-akismet-pro-tip: discard``) when the spam label
  reaches its **reject** threshold or a rule fired;
* a checked comment is stored unless the request opts out (``store: false``, ``doNotStore``, ``is_test``) or the
  site keeps no comments; a site that keeps comments keeps every held and rejected one (held ones enter the review
  queue as ``pending``) and the approved ones at its sample rate (default: all);
* every check counts in the site's monthly usage (spam or ham), in the same statement that stores the comment;
  test calls (``is_test``) count nowhere;
* reasons are computed when the answer carries them (native API) or the comment may be stored (for the review
  queue); an Akismet or Perspective call that stores nothing skips them, which is most of the cost of a flagged
  comment.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from moderation import Comment, Moderator, Policy, Reason, Scores, Verdict

from .metrics import observe_checks
from .model_holder import ModelHolder
from .site_policy import effective_policy
from .storage import Site, Storage, now

__all__ = ["Item", "Outcome", "Checker", "reason_dict"]


@dataclass(frozen=True)
class Item:
    """One comment to check, with the site's own ids and anything else worth keeping with it."""

    comment: Comment
    comment_id: str | None = None
    thread_id: str | None = None
    article_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


_REASON_FIELDS = tuple(f.name for f in dataclasses.fields(Reason))
_METADATA = tuple(f.name for f in dataclasses.fields(Comment) if f.name != "text")


def reason_dict(reason: Reason) -> dict[str, Any]:
    """``reason.to_dict()`` without ``dataclasses.asdict``'s deep copy (a tenth of the time; reasons are flat)."""
    out = {name: getattr(reason, name) for name in _REASON_FIELDS}
    if isinstance(out["weight"], float) and math.isinf(out["weight"]):
        out["weight"] = None
    return out


@dataclass(frozen=True)
class Outcome:
    """What a check found, and whether the comment was stored."""

    item: Item
    scores: Scores
    spam: bool
    discard: bool
    stored: bool

    @cached_property
    def reasons(self) -> list[dict[str, Any]]:
        """The reasons as JSON-ready dicts (computed once for the answer and the stored row)."""
        return [reason_dict(r) for r in self.scores.reasons]


def _spam(scores: Scores, policy: Policy) -> tuple[bool, bool]:
    rule = any(r.kind == "rule" and r.label in ("spam", "policy") for r in scores.reasons)
    probability = scores.probabilities.get("spam")
    thresholds = policy.thresholds.get("spam")
    level = thresholds.verdict(probability) if probability is not None and thresholds is not None else Verdict.APPROVE
    return rule or level is not Verdict.APPROVE, rule or level is Verdict.REJECT


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Checker:
    """Scores, stores and counts checks for sites.

    Parameters
    ----------
    storage : Storage
    models : ModelHolder
    approved_sample_rate : float
        Share of approved comments kept, for sites that did not set their own.
    rng : callable
        ``rng() -> float in [0, 1)``; seeded in tests.
    """

    def __init__(
        self,
        storage: Storage,
        models: ModelHolder,
        *,
        approved_sample_rate: float = 1.0,
        rng: Callable[[], float] = random.random,
    ):
        self.storage = storage
        self.models = models
        self.approved_sample_rate = float(approved_sample_rate)
        self.rng = rng

    def moderator_and_policy(self, site: Site) -> tuple[Moderator, Policy]:
        moderator = self.models.get(site.id)
        return moderator, effective_policy(moderator, site)

    def _keep(self, site: Site, verdict: Verdict) -> bool:
        if verdict is not Verdict.APPROVE:
            return True
        rate = self.approved_sample_rate if site.approved_sample_rate is None else site.approved_sample_rate
        return rate >= 1.0 or (rate > 0.0 and self.rng() < rate)

    def check(
        self,
        site: Site,
        items: Sequence[Item],
        *,
        source: str,
        request_id: str,
        store: bool = True,
        count: bool = True,
    ) -> tuple[Moderator, Policy, list[Outcome]]:
        """Score ``items`` with the site's model and policy; store and count them as described in the module.

        A check that is not counted (``count=False``: Akismet's ``is_test``) is never stored either. Returns the
        Moderator and Policy used (for answers that report thresholds or the model) and one :class:`Outcome` per
        item, in order.
        """
        moderator, policy = self.moderator_and_policy(site)
        store = store and count and site.store_comments
        # Reasons cost more than scores; compute them only when they are answered (native API) or may be kept.
        explain = source == "api" or store
        outcomes, rows, spam_count, stored_spam = [], [], 0, 0
        stamp = now()
        for index, item in enumerate(items):
            if index:
                time.sleep(0)  # a cooperative (gevent) worker answers other requests between comments of a batch
            scores = moderator.score(item.comment, policy=policy, explain=explain)
            spam, discard = _spam(scores, policy)
            spam_count += spam
            outcome = Outcome(item, scores, spam, discard, store and self._keep(site, scores.verdict))
            if outcome.stored:
                rows.append(self._row(site, outcome, source, request_id, stamp))
                stored_spam += spam
            outcomes.append(outcome)
        if count:
            self.storage.comments.record(
                site.id,
                rows,
                unstored=len(items) - len(rows),
                unstored_spam=spam_count - stored_spam,
                month=stamp[:7],
            )
        observe_checks(source, ((o.scores.verdict.value, o.scores.probabilities) for o in outcomes), policy)
        return moderator, policy, outcomes

    @staticmethod
    def _row(site: Site, outcome: Outcome, source: str, request_id: str, stamp: str) -> dict[str, Any]:
        item, scores, comment = outcome.item, outcome.scores, outcome.item.comment
        metadata = {name: value for name in _METADATA if (value := getattr(comment, name)) is not None}
        if "created_at" in metadata and not isinstance(metadata["created_at"], str):
            metadata["created_at"] = metadata["created_at"].isoformat()
        metadata.update(item.extra)
        return {
            "site_id": site.id,
            "request_id": request_id,
            "source": source,
            "comment_id": item.comment_id,
            "thread_id": item.thread_id,
            "article_url": item.article_url,
            "text": comment.text,
            "metadata": _dumps(metadata),
            "scores": _dumps(dict(scores.probabilities)),
            "verdict": scores.verdict.value,
            "flagged": _dumps(list(scores.flagged)),
            "reasons": _dumps(outcome.reasons),
            "spam": int(outcome.spam),
            "model_version": scores.model_version,
            "review_status": "pending" if scores.verdict is Verdict.HOLD else None,
            "created_at": stamp,
        }
