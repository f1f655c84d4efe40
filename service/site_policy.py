"""A site's own policy settings: how they are validated, and how they combine with the model's policy.

A site stores only what it changes: thresholds for some labels, and its blocked words, allowed words and blocked
link domains. The policy in effect is the model's own (its recorded thresholds) overridden by those settings, so a
new model brings new default thresholds while a site's explicit choices stay.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from moderation import Moderator, Policy, PolicyError, Thresholds
from moderation.labels import LABELS

from .errors import PolicySettingsError
from .payloads import clean_text
from .storage import Site

__all__ = ["PolicySettingsError", "parse_settings", "effective_policy", "RULE_LISTS"]

RULE_LISTS = ("blocked_words", "allowed_words", "blocked_domains")
MAX_RULES = 1000
MAX_RULE_CHARS = 200


def parse_settings(data: Any) -> dict[str, Any]:
    """Validated, normalised site settings from JSON-like data (fields left out are not stored).

    Raises
    ------
    PolicySettingsError
        When a field is unknown, of the wrong type or out of range.
    """
    if not isinstance(data, Mapping):
        raise PolicySettingsError(f"policy settings must be an object, got {type(data).__name__}", "policy")
    for name in data:
        if name not in ("thresholds", *RULE_LISTS):
            raise PolicySettingsError(f"unknown field {name!r}; allowed: thresholds, {', '.join(RULE_LISTS)}", name)
    settings: dict[str, Any] = {}
    if data.get("thresholds") is not None:
        thresholds = data["thresholds"]
        if not isinstance(thresholds, Mapping):
            raise PolicySettingsError("thresholds must be an object of label -> {hold, reject}", "thresholds")
        settings["thresholds"] = {}
        for label, t in thresholds.items():
            where = f"thresholds.{label}"
            if label not in LABELS:
                raise PolicySettingsError(f"unknown label {label!r}; labels are {', '.join(LABELS)}", where)
            if not isinstance(t, Mapping) or set(t) != {"hold", "reject"}:
                raise PolicySettingsError(f"{where} must be an object with exactly 'hold' and 'reject'", where)
            try:
                Thresholds(t["hold"], t["reject"])
            except PolicyError as exc:
                raise PolicySettingsError(f"{where}: {exc}", where) from None
            settings["thresholds"][label] = {"hold": float(t["hold"]), "reject": float(t["reject"])}
    for name in RULE_LISTS:
        terms = data.get(name)
        if terms is None:
            continue
        if not isinstance(terms, list) or len(terms) > MAX_RULES:
            raise PolicySettingsError(f"{name} must be an array of at most {MAX_RULES} strings", name)
        for i, term in enumerate(terms):
            if not isinstance(term, str) or not term.strip() or len(term) > MAX_RULE_CHARS:
                raise PolicySettingsError(
                    f"{name}[{i}] must be a non-empty string of at most {MAX_RULE_CHARS} characters", f"{name}[{i}]"
                )
        settings[name] = [clean_text(t) for t in terms]
    return settings


_CACHE: "weakref.WeakKeyDictionary[Moderator, dict[str, Policy]]" = weakref.WeakKeyDictionary()


def effective_policy(moderator: Moderator, site: Site) -> Policy:
    """The model's policy overridden by the site's stored settings (cached per model and settings)."""
    per_model = _CACHE.get(moderator)
    if per_model is None:
        per_model = _CACHE.setdefault(moderator, {})
    policy = per_model.get(site.policy_json)
    if policy is None:
        stored = site.policy
        rules = {k: stored[k] for k in RULE_LISTS if k in stored}
        policy = moderator.policy.override(thresholds=stored.get("thresholds") or {}, **rules)
        if len(per_model) > 1024:
            per_model.clear()
        per_model[site.policy_json] = policy
    return policy
