"""Speed of the library on one core: batch throughput, single-comment latency, load time, memory, file size; and
the same figures of alt-profanity-check, measured in the same run on the same comments, with the ratio.

Measured on the news comments of ``civil-comments-toxic-spans`` (mean ~209 characters), all labels at once, each
library in a fresh process pinned to one core. alt-profanity-check runs in its own virtual environment, made on
first use (:mod:`baseline`); ``--no-baseline`` skips it.

    python benchmarks/speed.py [--model PATH] [--n 10000] [--out benchmarks/results/speed.json]

It prints a table; with ``--out`` it also writes the figures as JSON there (the committed results change only when
asked to). Targets: >= 2,000,000 characters/s in batch (about 10,000 news comments/s, at least half of
alt-profanity-check's rate while scoring every label), single-comment p50 <= 0.5 ms with reasons, load <= 1 s, peak
memory <= 300 MB, model file <= 30 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

HERE = Path(__file__).resolve().parent


def _comments(n: int) -> list[str]:
    import pandas as pd

    from moderation import datasets

    try:
        path = datasets.data_dir() / "civil-comments-toxic-spans" / "comments.csv"
        texts = pd.read_csv(path)["comment_text"].astype(str).tolist()
    except Exception as exc:  # no data directory: say so and use our fixtures, repeated
        print(f"(shared data not found: {exc}; using the fixture comments)", file=sys.stderr)
        texts = pd.read_csv(HERE.parent / "tests" / "data" / "tiny_labeled.csv")["text"].tolist()
    return (texts * (n // len(texts) + 1))[:n]


def _child(model: str | None, n: int) -> None:
    """Runs in a fresh process so load time and peak memory are the library's own."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = _comments(n)
    import numpy as np

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    from moderation import Moderator

    import_s = time.perf_counter() - started  # the library's modules (scikit-learn, pandas...), once per process
    started = time.perf_counter()
    moderator = Moderator.load(model)
    load_s = time.perf_counter() - started
    moderator.score_many(texts[:200])  # warm up (lazy caches)
    started = time.perf_counter()
    moderator.score_many(texts)
    batch_s = time.perf_counter() - started
    latencies = []
    for text in texts[:2000]:
        t0 = time.perf_counter()
        moderator.score(text, explain=True)  # with reasons for the flagged labels, as the native API answers
        latencies.append(time.perf_counter() - t0)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    chars = sum(len(t) for t in texts)
    print(json.dumps({
        "model": moderator.version,
        "labels": list(moderator.labels),
        "comments": len(texts),
        "mean_chars": round(chars / len(texts), 1),
        "batch_comments_per_s": round(len(texts) / batch_s),
        "batch_chars_per_s": round(chars / batch_s),
        "single_p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 3),
        "single_p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 3),
        "load_s": round(load_s, 3),
        "import_s": round(import_s, 3),
        "import_and_load_s": round(import_s + load_s, 3),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "peak_rss_before_import_mb": round(base_rss / 1024, 1),
    }))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file (default: the shipped one)")
    parser.add_argument("--n", type=int, default=10_000, help="comments in the batch (default 10,000)")
    parser.add_argument("--out", help="also write the results as JSON here (e.g. benchmarks/results/speed.json)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip alt-profanity-check (no ratio)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.model, args.n)
        return 0
    cmd = [sys.executable, __file__, "--child", "--n", str(args.n)] + (["--model", args.model] if args.model else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    from moderation.moderator import default_model_path

    model_path = Path(args.model) if args.model else default_model_path()
    result["model_file_mb"] = round(model_path.stat().st_size / 1e6, 2)
    result["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, one core used"
    result["python"] = platform.python_version()
    result["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    baseline = None
    if args.baseline:
        import baseline as yardstick

        baseline = yardstick.measure_speed(_comments(args.n))
        result["alt_profanity_check"] = baseline
        result["ratio_to_alt_profanity_check"] = {
            "batch_chars_per_s": round(result["batch_chars_per_s"] / baseline["batch_chars_per_s"], 3),
            "single_p50_ms": round(result["single_p50_ms"] / baseline["single_p50_ms"], 3),
        }
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    targets = {
        "batch_chars_per_s": (">=", 2_000_000),
        "batch_comments_per_s": (">=", 10_000),
        "single_p50_ms": ("<=", 0.5),
        "load_s": ("<=", 1.0),
        "peak_rss_mb": ("<=", 300),
        "model_file_mb": ("<=", 30),
    }
    print(f"model {result['model']}, {result['comments']:,} news comments, mean {result['mean_chars']} chars, one core;"
          f" load average {result['load_average_before'][0]} before, {result['load_average_after'][0]} after")
    head = f"{'measure':24} {'value':>12} {'target':>12}  met"
    if baseline:
        head += f" {'alt-profanity-check ' + baseline['version']:>26} {'ours/theirs':>11}"
    print(head)
    for key in ("batch_comments_per_s", "batch_chars_per_s", "single_p50_ms", "single_p99_ms", "load_s",
                "import_s", "import_and_load_s", "peak_rss_mb", "model_file_mb"):
        op, bound = targets.get(key, ("", None))
        met = "" if bound is None else ("yes" if (result[key] >= bound if op == ">=" else result[key] <= bound) else "NO")
        target = "" if bound is None else f"{op} {bound:,}"
        line = f"{key:24} {result[key]:>12,} {target:>12}  {met:3}"
        if baseline and key in baseline:
            line += f" {baseline[key]:>26,} {result[key] / baseline[key]:>11.2f}"
        print(line)
    if baseline:
        print(f"(alt-profanity-check scores one label with word TF-IDF; we score {len(result['labels'])} labels: "
              f"{', '.join(result['labels'])})")
    result["targets"] = {k: f"{op} {b}" for k, (op, b) in targets.items()}
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
