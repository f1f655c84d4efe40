"""Quality on the standard evaluation protocol (../shared/datasets/README.md), plus checks of the shipped model.

    python benchmarks/quality.py [--recipe default] [--rounds 5] [--no-cross-source]
                                 [--out benchmarks/results/quality-default.json]

For each protocol task it prints ROC AUC (mean over folds, and the worst fold), average precision and F1 at the
hold and reject thresholds of the model trained in that round. A label written ``toxicity@olid`` is scored as that
dataset's own training domain; plain ``toxicity`` is scored as the shipped model scores news comments.

Then the cross-source table (the protocol's "Cross-source" section): for each dataset, the recipe trained without it
scores it as an unknown news site's comments. In-domain and cross-source figures are printed side by side with the
peers' reference figures; a change that raises in-domain figures and lowers the cross-source mean is a regression.
Every retraining shares one cache of normalised, hashed texts, so the whole run takes minutes on one core.

Then, for the shipped model: neutral identity statements (held out from training) under the hold threshold, and
the recall kept on obfuscated abusive comments.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


# Peers' ROC AUC on the protocol's test sets (../shared/datasets/README.md); the peers never saw these sets, so their
# figures are cross-source figures (except TF-IDF+LR, trained on the set's own train side).
PEERS = {
    "impermium": {"alt-profanity-check": 0.819, "BiLSTM (Jigsaw)": 0.838, "TF-IDF+LR (in-domain)": 0.913},
    "olid": {"alt-profanity-check": 0.838, "BiLSTM (Jigsaw)": 0.798},
    "ucc-hostile": {"alt-profanity-check": 0.728, "BiLSTM (Jigsaw)": 0.781},
}

# Reference ROC AUC figures from ../shared/datasets/README.md, and the targets the shipped model was built to meet.
REFERENCES = {
    "impermium": "alt-profanity-check 0.819, BiLSTM (Jigsaw) 0.838, TF-IDF+LR (Impermium only) 0.913; target >= 0.92",
    "olid": "alt-profanity-check 0.838, BiLSTM (Jigsaw) 0.798; target >= 0.87",
    "ucc-hostile": "alt-profanity-check 0.728, BiLSTM (Jigsaw) 0.781; target >= 0.82",
    "youtube": "TF-IDF+LR 0.990 (Shakira fold), SpamAssassin+Bayes 0.889; target mean >= 0.99, F1 >= 0.95",
    "sms": "target >= 0.99",
    "wikipedia_identity-fuzzed": "target: gap to non-fuzzed <= 0.01",
}


def _fmt(value, width=7):
    return f"{value:>{width}.4f}" if isinstance(value, (int, float)) else f"{'-':>{width}}"


def print_protocol(summary: dict) -> None:
    by_task: dict[str, list] = {}
    for entry in summary.values():
        by_task.setdefault(entry["task"], []).append(entry)
    for task, entries in by_task.items():
        print(f"\n{task}  ({entries[0]['folds']} fold(s), {entries[0]['n']:,} test rows)")
        if task in REFERENCES:
            print(f"  reference: {REFERENCES[task]}")
        print(f"  {'label':34} {'ROC AUC':>7} {'worst':>7} {'AP':>7} {'F1@hold':>7} {'F1@rej':>7} {'Brier':>7}")
        for e in entries:
            extra = f"  gap {e['gap_to_nonfuzzed']:+.4f}" if "gap_to_nonfuzzed" in e else ""
            extra += f"  worst: {e['worst_group']}" if "worst_group" in e else ""
            print(f"  {e['label']:34} {_fmt(e.get('roc_auc'))} {_fmt(e.get('roc_auc_worst'))} "
                  f"{_fmt(e.get('average_precision'))} {_fmt(e.get('hold', {}).get('f1'))} "
                  f"{_fmt(e.get('reject', {}).get('f1'))} {_fmt(e.get('brier'))}{extra}")


def shipped_checks(model: str | None) -> dict:
    """Identity statements and evasion recall for a saved model (default: the shipped one)."""
    import numpy as np

    from moderation import Moderator
    from moderation.datasets import evasion, identity

    moderator = Moderator.load(model)
    out: dict = {"model": moderator.version}
    statements = identity.held_out_frame()["text"].tolist()
    frame = moderator.score_many(statements)
    rows = []
    for label in ("toxicity", "insult", "identity_attack", "threat", "profanity"):
        if label in moderator.labels:
            hold = moderator.policy.thresholds[label].hold
            over = frame[label] >= hold
            rows.append({"label": label, "hold": hold, "statements": len(statements), "at_or_over_hold": int(over.sum()),
                         "max_score": round(float(frame[label].max()), 4),
                         "examples_over": [s for s, o in zip(statements, over) if o][:5]})
    out["identity_statements"] = rows
    ev = evasion.evasion_set()
    scores = moderator.score_many(ev["text"].tolist())
    label = "toxicity"
    hold = moderator.policy.thresholds[label].hold
    flagged = scores[label].to_numpy() >= hold
    methods = {}
    plain = flagged[(ev["method"] == "original").to_numpy()].mean()
    for method in ev["method"].unique():
        mask = (ev["method"] == method).to_numpy()
        methods[method] = round(float(flagged[mask].mean()), 4)
    out["evasion"] = {"label": label, "hold": hold, "recall_by_method": methods,
                      "plain_recall": round(float(plain), 4),
                      "worst_ratio_to_plain": round(float(min(v for k, v in methods.items() if k != "original") / plain), 4)
                      if plain else None}
    return out


def functional_checks(model: str | None) -> dict:
    """The functional suites per class, dev and held-out test parts apart, and the spam suite with each metadata
    field the spam label can read switched on alone (the effect of each signal)."""
    from moderation import Moderator
    from moderation.datasets import functional
    from moderation.moderator import SPAM_METADATA_FIELDS

    moderator = Moderator.load(model)
    out: dict = {"model": moderator.version, "spam_metadata": list(moderator.spam_metadata)}
    for name, suite in (("abuse", functional.abuse_suite), ("spam", functional.spam_suite)):
        for part in functional.PARTS:
            scored = functional.score_suite(moderator, suite(part))
            out[f"{name}/{part}"] = functional.summarise_suite(scored).to_dict(orient="records")
    signals = {}
    for fields in [(), *[(f,) for f in SPAM_METADATA_FIELDS], tuple(moderator.spam_metadata)]:
        variant = Moderator(moderator.pipeline, moderator.metadata, spam_metadata=fields)
        for part in functional.PARTS:
            summary = functional.summarise_suite(functional.score_suite(variant, functional.spam_suite(part)))
            shares = {f"{r['kind']}/{r['class']}": round(float(r["as_expected"]), 4) for r in summary.to_dict("records")}
            signals[f"{'+'.join(fields) or 'text only'}/{part}"] = shares
    out["spam_metadata_signals"] = signals
    return out


def print_functional(checks: dict) -> None:
    for name in ("abuse", "spam"):
        dev = {(r["kind"], r["class"]): r for r in checks[f"{name}/dev"]}
        test = {(r["kind"], r["class"]): r for r in checks[f"{name}/test"]}
        print(f"\nfunctional suite, {name}: share handled as expected (dev part looked at while improving; test part "
              "held out, for reporting)")
        print(f"  {'kind':11} {'class':26} {'dev n':>5} {'dev':>7} {'test n':>6} {'test':>7}")
        for key, d in dev.items():
            t = test.get(key, {})
            print(f"  {key[0]:11} {key[1]:26} {d['n']:>5} {d['as_expected']:>7.1%} {t.get('n', 0):>6} "
                  f"{t.get('as_expected', float('nan')):>7.1%}")
    print("\nspam metadata signals (spam suite, share handled as expected, test part)")
    for variant, shares in checks["spam_metadata_signals"].items():
        if variant.endswith("/test"):
            print(f"  {variant[:-5]:34} spam {shares.get('spam/all', float('nan')):.3f}  look-alikes "
                  f"{shares.get('look-alike/all', float('nan')):.3f}  author-URL adverts "
                  f"{shares.get('spam/author_url_compliment', float('nan')):.3f}  personal sites "
                  f"{shares.get('look-alike/personal_site_author_url', float('nan')):.3f}")


def print_side_by_side(in_domain: dict | None, cross: dict) -> None:
    """One line per dataset: in-domain (as news, and in its own domain) next to cross-source, and the peers."""
    from moderation.datasets import cross_source

    print("\nin-domain and cross-source ROC AUC, side by side (cross-source: trained without the set, scored as a "
          "new news site)")
    print(f"  {'test set':28} {'label':16} {'in-dom':>7} {'own dom':>7} {'cross':>7}  peers (never saw the set)")
    for t in cross_source():
        for label in t.labels:
            c = cross.get(f"{t.name}/{label}", {}).get("roc_auc")
            entry = (in_domain or {}).get(f"{t.name}/{label}", {})
            own = next((v for k, v in (in_domain or {}).items() if k.startswith(f"{t.name}/{label}@")), {})
            peers = ", ".join(f"{k} {v:.3f}" for k, v in PEERS.get(t.name, {}).items()) if label == t.labels[0] else ""
            mark = "" if t.in_mean or label != t.labels[0] else "  (not in the mean)"
            print(f"  {t.name:28} {label:16} {_fmt(entry.get('roc_auc'))} {_fmt(own.get('roc_auc'))} {_fmt(c)}  "
                  f"{peers}{mark}")
    for kind in ("abuse", "spam"):
        if kind in cross:
            k = cross[kind]
            print(f"  cross-source {kind}: mean {k['roc_auc_mean']:.4f} over {len(k['rows'])} sets, worst "
                  f"{k['roc_auc_worst']:.4f} ({k['worst']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="default")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir")
    parser.add_argument("--model", help="saved model for the shipped-model checks (default: the shipped one)")
    parser.add_argument("--skip-protocol", action="store_true", help="no in-domain protocol")
    parser.add_argument("--no-cross-source", action="store_true", help="no cross-source table")
    parser.add_argument("--skip-checks", action="store_true", help="no checks of the shipped model")
    parser.add_argument("--out", help="also write the results as JSON here (e.g. benchmarks/results/quality-default.json)")
    args = parser.parse_args()
    from moderation.protocol import count_cache, run_cross_source, run_protocol
    from moderation.recipes import recipe

    chosen = recipe(args.recipe)
    cache = count_cache(chosen.params)
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    result: dict = {"recipe": args.recipe, "date": time.strftime("%Y-%m-%d")}
    if not args.skip_protocol:
        res = run_protocol(chosen, args.data_dir, rounds=args.rounds, progress=say, cache=cache)
        print(f"standard protocol, recipe {args.recipe}, {args.rounds} round(s), {res.seconds:.0f} s")
        print_protocol(res.summary)
        result["protocol"] = res.to_dict()
    if not args.no_cross_source:
        cross = run_cross_source(chosen, args.data_dir, progress=say, cache=cache)
        print(f"\ncross-source table, recipe {args.recipe}, {cross.seconds:.0f} s")
        result["cross_source"] = cross.to_dict()
        print_side_by_side(result.get("protocol", {}).get("summary"), cross.summary)
    if not args.skip_checks:
        checks = shipped_checks(args.model)
        result["shipped_model_checks"] = checks
        print(f"\nshipped model {checks['model']}")
        for row in checks["identity_statements"]:
            print(f"  neutral identity statements at or over the {row['label']} hold threshold ({row['hold']:.3f}): "
                  f"{row['at_or_over_hold']} of {row['statements']} (max score {row['max_score']:.3f})")
        ev = checks["evasion"]
        print(f"  evasion: toxicity recall at hold, plain {ev['plain_recall']:.3f}; by method {ev['recall_by_method']}; "
              f"worst/plain {ev['worst_ratio_to_plain']}")
        result["functional"] = functional_checks(args.model)
        print_functional(result["functional"])
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1, default=str) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
