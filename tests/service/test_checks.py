"""What a check means, independent of any API: Akismet's spam and discard answers, and the JSON form of reasons."""

from __future__ import annotations

import math

import pytest

from harness import CLEAN, SPAM, TOXIC
from moderation import Reason
from service.checks import _spam, reason_dict


@pytest.mark.parametrize(
    ("spam_thresholds", "rules", "text", "expected"),
    [
        ({"hold": 1.0, "reject": 1.0}, {}, SPAM, (False, False)),  # spam never reaches its thresholds
        ({"hold": 0.0, "reject": 1.0}, {}, CLEAN, (True, False)),  # reaches hold only: spam, not blatant
        ({"hold": 0.0, "reject": 0.0}, {}, CLEAN, (True, True)),  # reaches reject: blatant spam
        ({"hold": 1.0, "reject": 1.0}, {"blocked_words": ["thoughtful"]}, CLEAN, (True, True)),  # a site rule
        ({"hold": 1.0, "reject": 1.0}, {"blocked_domains": ["bit.ly"]}, SPAM, (True, True)),
    ],
)
def test_akismet_spam_and_discard_follow_the_spam_label_and_site_rules(
    tiny_moderator, spam_thresholds, rules, text, expected
):
    """true means the spam label reached its hold threshold or a rule fired; discard, its reject threshold or a rule."""
    policy = tiny_moderator.policy.override(thresholds={"spam": spam_thresholds}, **rules)
    assert _spam(tiny_moderator.score(text, policy=policy), policy) == expected


def test_abuse_alone_is_not_spam(tiny_moderator):
    policy = tiny_moderator.policy.override(
        thresholds={"spam": {"hold": 1.0, "reject": 1.0}, "toxicity": {"hold": 0.0, "reject": 0.0}}
    )
    scores = tiny_moderator.score(TOXIC, policy=policy)
    assert scores.verdict.value == "reject" and _spam(scores, policy) == (False, False)


@pytest.mark.parametrize(
    "reason",
    [
        Reason("toxicity", "text", '"idiot"', 3.5, "idiot", "idiot", 10, 15),
        Reason("policy", "rule", 'blocked word "x"', math.inf, "x"),
        Reason("spam", "signal", "2 links", 0.4, "links"),
    ],
)
def test_reason_dicts_match_the_library(reason):
    assert reason_dict(reason) == reason.to_dict()
