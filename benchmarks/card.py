"""The model card's tables (models/README.md), written by ``make docs`` from the shipped models' metadata and the
quality benchmark's results, so the card always shows what was measured.

    python benchmarks/card.py        # prints every table

``before`` is ``benchmarks/results/quality-default-baseline.json``: the model shipped before the cross-source work,
measured with the same benchmark (the functional suite's test split was looked at once for it, once for the new one).
"""

from __future__ import annotations

import json
from pathlib import Path

from quality import PEERS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# Rows of the protocol table: (what a reader calls the test set, result key, how many folds it is scored on).
PROTOCOL_ROWS = (
    ("YouTube, leave one video out", "youtube/spam"),
    ("SMS, 5-fold", "sms/spam"),
    ("Instagram, 5-fold", "instagram/spam"),
    ("Impermium test", "impermium/toxicity"),
    ("Impermium test (insult)", "impermium/insult"),
    ("OLID test", "olid/toxicity"),
    ("OLID test, in its own domain", "olid/toxicity@olid"),
    ("UCC test, hostile", "ucc-hostile/toxicity"),
    ("UCC test, unhealthy", "ucc-unhealthy/toxicity"),
    ("Fox News, 5-fold", "fox/toxicity"),
    ("Fox News (identity_attack)", "fox/identity_attack"),
    ("Davidson, 5-fold", "davidson/toxicity"),
    ("Davidson hate (identity_attack)", "davidson-hate/identity_attack"),
    ("ETHOS, 5-fold", "ethos/toxicity"),
    ("ETHOS (identity_attack)", "ethos/identity_attack"),
    ("Stormfront, 5-fold", "stormfront/toxicity"),
    ("Stormfront (identity_attack)", "stormfront/identity_attack"),
    ("Civil Comments spans: insult among toxic posts", "civil-insult/insult"),
    ("Civil Comments spans: identity attack among toxic posts", "civil-identity_attack/identity_attack"),
    ("Civil Comments spans: threat among toxic posts", "civil-threat/threat"),
    ("Civil Comments spans: profanity among toxic posts", "civil-profanity/profanity"),
    ("Wikipedia identity set", "wikipedia_identity/toxicity"),
    ("Wikipedia identity set, identities swapped", "wikipedia_identity-fuzzed/toxicity"),
)

CROSS_ROWS = (
    ("Impermium test", "impermium/toxicity", "impermium"),
    ("Impermium test (insult)", "impermium/insult", None),
    ("UCC test, hostile", "ucc-hostile/toxicity", "ucc-hostile"),
    ("Fox News", "fox/toxicity", None),
    ("Fox News (identity_attack)", "fox/identity_attack", None),
    ("OLID test", "olid/toxicity", "olid"),
    ("Davidson", "davidson/toxicity", None),
    ("Davidson hate (identity_attack)", "davidson-hate/identity_attack", None),
    ("Stormfront", "stormfront/toxicity", None),
    ("Stormfront (identity_attack)", "stormfront/identity_attack", None),
    ("ETHOS", "ethos/toxicity", None),
    ("ETHOS (identity_attack)", "ethos/identity_attack", None),
    ("ETHOS violence (threat)", "ethos-violence/threat", None),
    ("Jigsaw RobTest subset (Wikipedia talk)", "jigsaw-robtest/toxicity", None),
    ("Jigsaw 5k sample (Wikipedia talk)", "jigsaw-sample/toxicity", None),
    ("YouTube, all five videos", "youtube/spam", None),
    ("SMS", "sms/spam", None),
    ("Instagram", "instagram/spam", None),
)

# The functional suite's targets (share handled as expected), per class.
_SEVERE = {"threat_person_direct", "threat_person_indirect", "threat_group_direct", "threat_group_indirect",
           "call_for_violence", "dehumanisation"}


def _load(name: str) -> dict:
    return json.loads((RESULTS / name).read_text(encoding="utf-8"))


def _model(name: str) -> dict:
    return json.loads((ROOT / "models" / f"{name}.json").read_text(encoding="utf-8"))


def _auc(summary: dict, key: str, worst: bool = False) -> str:
    entry = summary.get(key)
    if not entry:
        return ""
    text = f"{entry['roc_auc']:.3f}"
    if worst and entry.get("folds", 1) > 1:
        text += f" ({entry['roc_auc_worst']:.3f})"
    return text


def _delta(after: dict, before: dict, key: str) -> str:
    if key not in after or key not in before:
        return ""
    return f"{after[key]['roc_auc'] - before[key]['roc_auc']:+.3f}"


def models_table() -> str:
    lines = ["| file | model | labels (acting) | size | commercial use |", "|---|---|---|---:|---|"]
    for name in ("default", "commercial"):
        meta = _model(name)
        acting = [label for label in meta["labels"] if label not in meta.get("informational", [])]
        informational = [f"{label} (reported only)" for label in meta.get("informational", [])]
        lines.append(f"| `{name}.joblib` | `{meta['model_id']}` | {', '.join(acting + informational)} | "
                     f"{meta['size_bytes'] / 1e6:.1f} MB | {'yes' if meta['commercial_use'] else 'no'} |")
    return "\n".join(lines)


def training_table(name: str) -> str:
    meta = _model(name)
    lines = ["| source | rows | weight | domain | license |", "|---|---:|---:|---|---|"]
    for source in meta["sources"]:
        lines.append(f"| `{source['name']}` | {source['rows']:,} | {source['weight']:g} | {source['domain']} | "
                     f"{source['license']} |")
    rows = meta["training_rows"]
    taught = "; ".join(f"{label} {r['rows']:,} ({r['positives']:,} positive)" for label, r in rows.items())
    return "\n".join(lines) + f"\n\nRows per label after weighting and capping: {taught}."


def thresholds_table(name: str) -> str:
    meta = _model(name)
    lines = ["| label | hold | reject | chosen on | rule |", "|---|---:|---:|---|---|"]
    for label, levels in meta["thresholds"].items():
        note = meta["threshold_notes"].get(label, {})
        targets = note.get("precision_targets", {})
        rule = [f"precision {targets.get('hold', 0):.2f} / {targets.get('reject', 0):.2f}"] if targets else []
        if note.get("unreachable"):
            rule.append("unreachable: " + ", ".join(note["unreachable"]))
        budget = note.get("flag_rate")
        if budget:
            rule.append(f"at most {budget['share'] * 100:g}% of ordinary news comments ({', '.join(budget['sources'])}) held")
        if label in meta.get("informational", []):
            rule = ["reported only, never acts"]
        lines.append(f"| {label} | {levels['hold']:.3f} | {levels['reject']:.3f} | "
                     f"{', '.join(note.get('sources', []))} | {'; '.join(rule)} |")
    return "\n".join(lines)


def protocol_table() -> str:
    before = _load("quality-default-baseline.json")["protocol"]["summary"]
    after = _load("quality-default.json")["protocol"]["summary"]
    commercial = _load("quality-commercial.json")["protocol"]["summary"]
    lines = ["| test set (ROC AUC; k-fold: mean (worst fold)) | before | default | change | commercial |",
             "|---|---:|---:|---:|---:|"]
    for title, key in PROTOCOL_ROWS:
        lines.append(f"| {title} | {_auc(before, key, True)} | {_auc(after, key, True)} | "
                     f"{_delta(after, before, key)} | {_auc(commercial, key, True)} |")
    return "\n".join(lines)


def cross_source_table() -> str:
    before = _load("quality-default-baseline.json")["cross_source"]["summary"]
    after = _load("quality-default.json")["cross_source"]["summary"]
    protocol = _load("quality-default.json")["protocol"]["summary"]
    lines = ["| test set | in-domain (default) | cross-source before | cross-source default | change | "
             "best peer that never saw it |", "|---|---:|---:|---:|---:|---|"]
    for title, key, peer in CROSS_ROWS:
        peers = PEERS.get(peer or "", {})
        best = max(((v, k) for k, v in peers.items() if "in-domain" not in k), default=None)
        lines.append(f"| {title} | {_auc(protocol, key)} | {_auc(before, key)} | {_auc(after, key)} | "
                     f"{_delta(after, before, key)} | {f'{best[1]} {best[0]:.3f}' if best else ''} |")
    for kind in ("abuse", "spam"):
        b, a = before[kind], after[kind]
        lines.append(f"| **{kind} mean (worst)** | | {b['roc_auc_mean']:.3f} ({b['roc_auc_worst']:.3f}, {b['worst']}) | "
                     f"**{a['roc_auc_mean']:.3f}** ({a['roc_auc_worst']:.3f}, {a['worst']}) | "
                     f"{a['roc_auc_mean'] - b['roc_auc_mean']:+.3f} | |")
    return "\n".join(lines)


def _shares(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(row["kind"], row["class"]): row for row in rows}


def functional_table(suite: str) -> str:
    before = _load("quality-default-baseline.json")["functional"]
    after = _load("quality-default.json")["functional"]
    dev_b, test_b = _shares(before[f"{suite}/dev"]), _shares(before[f"{suite}/test"])
    dev_a, test_a = _shares(after[f"{suite}/dev"]), _shares(after[f"{suite}/test"])
    lines = ["| kind | class | cases dev / test | before, dev / test | default, dev / test | target |",
             "|---|---|---:|---:|---:|---:|"]
    for key, row in dev_a.items():
        kind, name = key
        if kind == "hateful":
            target = "90%" if name in _SEVERE else ("" if name == "all" else "85%")
        elif kind in ("contrast", "look-alike"):
            target = "90%" if kind == "contrast" and name != "all" else ("95%" if kind == "look-alike" and name == "all" else "")
        else:
            target = "90%" if name == "all" else ""
        cell = lambda d: f"{d[key]['as_expected']:.0%}" if key in d else ""
        label = f"**{name}**" if name == "all" else name
        lines.append(f"| {kind} | {label} | {row['n']} / {test_a.get(key, {}).get('n', '')} | "
                     f"{cell(dev_b)} / {cell(test_b)} | {cell(dev_a)} / {cell(test_a)} | {target} |")
    return "\n".join(lines)


def spam_signals_table() -> str:
    signals = _load("quality-default.json")["functional"]["spam_metadata_signals"]
    runs = sorted({name.split("/")[0] for name in signals})
    classes = list(signals[f"{runs[0]}/test"])
    lines = ["| class (test split) | " + " | ".join(runs) + " |", "|---|" + "---:|" * len(runs)]
    for name in classes:
        lines.append(f"| {name} | " + " | ".join(f"{signals[f'{run}/test'][name]:.0%}" for run in runs) + " |")
    return "\n".join(lines)


def checks() -> str:
    after = _load("quality-default.json")["shipped_model_checks"]
    before = _load("quality-default-baseline.json")["shipped_model_checks"]
    over = ", ".join(f"{c['label']} {c['at_or_over_hold']} (highest {c['max_score']:.2f}, hold {c['hold']:.2f})"
                     for c in after["identity_statements"])
    evasion = after["evasion"]
    methods = ", ".join(f"{m} {r:.3f}" for m, r in evasion["recall_by_method"].items())
    protocol = _load("quality-default.json")["protocol"]["summary"]
    gap = protocol["wikipedia_identity/toxicity"]["roc_auc"] - protocol["wikipedia_identity-fuzzed/toxicity"]["roc_auc"]
    return (f"- {after['identity_statements'][0]['statements']} held-out neutral identity statements at or over a hold "
            f"threshold: {over}.\n"
            f"- Evasion set, toxicity recall at the hold threshold: {methods}; the worst keeps "
            f"**{evasion['worst_ratio_to_plain']:.1%}** of the plain recall (target 90%; before "
            f"{before['evasion']['worst_ratio_to_plain']:.1%}).\n"
            f"- Identity gap (Wikipedia identity set minus the same with identities swapped): {gap:.3f} (target <= 0.01).")


if __name__ == "__main__":
    for table in (models_table(), training_table("default"), thresholds_table("default"), protocol_table(),
                  cross_source_table(), functional_table("abuse"), functional_table("spam"), spam_signals_table(),
                  checks()):
        print(table, end="\n\n")
