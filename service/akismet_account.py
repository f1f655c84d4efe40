"""The rest of what WordPress's Akismet plugin (5.x) asks: its account, stats, connectivity and deactivation calls.

The plugin sends every call as a form-encoded POST to ``/1.1/<path>`` (see ``integrations/wordpress/`` for the
mu-plugin that points it here). Besides the spam calls (:mod:`service.akismet`) it asks:

* ``get-subscription`` (``key``, ``blog``) on its settings page: the account, as JSON. A key of this server is an
  ``active`` subscription of account type ``self-hosted``; an unknown key answers ``invalid``, as Akismet does, and
  the plugin then asks for a new key.
* ``get-stats`` (``key``, ``blog``, ``from`` = ``60-days``, ``6-months`` or ``all``): the site's counters over that
  period, summed from its monthly usage, with a ``breakdown`` per month. ``accuracy`` is the share of checks that
  were not later corrected (missed spam, false positives), in percent. Akismet's ``time_saved`` is left out: this
  server does not know how long a moderator takes per spam, and the plugin shows no estimate without it.
* ``deactivate`` when the plugin is deactivated: ``deactivated`` (nothing to release here: keys stay valid until
  ``moderation keys revoke``).
* ``GET /1.1/test`` for its connectivity check: ``connected``.

Keys are checked as for the spam calls (``key`` or ``api_key``; ``blog`` must be the key's site).
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from .akismet import _authenticate, _params, _text
from .auth import storage
from .storage import Site, current_month

__all__ = ["bp", "PERIODS"]

bp = Blueprint("akismet_account", __name__)

#: get-stats periods, in months (None: since the site was added).
PERIODS = {"60-days": 2, "6-months": 6, "all": None}
_COUNTERS = ("spam", "ham", "missed_spam", "false_positives")


def _months(site: Site, count: int | None) -> list[str]:
    """This month and the ones before it: ``count`` of them, or back to the month the site was added."""
    year, month = map(int, current_month().split("-"))
    first = site.created_at[:7] if count is None else None
    months: list[str] = []
    while True:
        label = f"{year:04d}-{month:02d}"
        months.append(label)
        if (count is not None and len(months) >= count) or (first is not None and label <= first):
            return months
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def _accuracy(totals: dict[str, int]) -> float:
    checked = totals["spam"] + totals["ham"]
    if not checked:
        return 100.0
    wrong = min(totals["missed_spam"] + totals["false_positives"], checked)
    return round(100.0 * (checked - wrong) / checked, 2)


@bp.post("/1.1/get-subscription")
def get_subscription():
    site, problem = _authenticate(_params())
    if problem is not None:
        return _text("invalid", dict(problem.headers))
    return jsonify(
        account_id=site.id,
        account_name=f"Self-hosted moderation for {site.host}",
        account_type="self-hosted",
        status="active",
        next_billing_date=None,
        limit_reached=False,
    )


@bp.post("/1.1/get-stats")
def get_stats():
    params = _params()
    site, problem = _authenticate(params)
    if problem is not None:
        return problem
    period = params.get("from") or "all"
    if period not in PERIODS:
        return _text(f"Invalid from {period!r}; use one of {', '.join(PERIODS)}.", status=400)
    breakdown = {}
    totals = dict.fromkeys(_COUNTERS, 0)
    for month in reversed(_months(site, PERIODS[period])):
        usage = storage().usage.get(site.id, month)
        breakdown[month] = {name: getattr(usage, name) for name in _COUNTERS}
        for name in _COUNTERS:
            totals[name] += breakdown[month][name]
    return jsonify(**totals, accuracy=_accuracy(totals), breakdown=breakdown, period=period)


@bp.post("/1.1/deactivate")
def deactivate():
    _, problem = _authenticate(_params())
    if problem is not None:
        return problem
    return _text("deactivated")


@bp.get("/1.1/test")
def connectivity():
    return _text("connected")
