"""Archive scoring speed and memory: ``moderation score --file`` on 200,000 news comments, as an operator runs it.

    python benchmarks/archive.py [--rows 200000] [--jobs 1 2] [--format csv] [--out benchmarks/results/archive.json]

The comments are real news comments (Civil Comments and the Globe and Mail's UCC comments from the shared data,
drawn with replacement to the wanted count, with an ``id`` and an ``article_id``), written once to a temporary
file. Each run is the real command line in a subprocess, with ``--keep id,article_id``, reasons off and the
progress bar on; its process tree's memory is sampled every 50 ms from /proc: the peak of the summed RSS (pages
shared by forked workers counted once per process, an overestimate) and of the summed PSS (shared pages split
between the processes that share them: what the machine really spends). Then the output is checked: every row
there, ids in order, a progress bar printed.

Target: 200,000 comments in <= 30 s on 2 cores with reasons off, peak memory <= 400 MB.
The development machine is shared by several engineers: timings vary with what else runs (load is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_SECONDS, TARGET_MB = 30.0, 400.0


def _texts() -> list[str]:
    import pandas as pd

    from moderation import datasets

    try:
        root = datasets.data_dir()
        civil = pd.read_csv(root / "civil-comments-toxic-spans" / "comments.csv")["comment_text"]
        ucc = pd.read_csv(root / "ucc-train-comments-unlabeled" / "train_comments.csv")["comment"]
        return pd.concat([civil, ucc]).dropna().astype(str).tolist()
    except Exception as exc:  # no shared data: say so and use the fixture comments
        print(f"(shared data not found: {exc}; using the fixture comments)", file=sys.stderr)
        return pd.read_csv(HERE.parent / "tests" / "data" / "tiny_labeled.csv")["text"].astype(str).tolist()


def make_archive(path: Path, rows: int, fmt: str) -> dict:
    import numpy as np
    import pandas as pd

    texts = _texts()
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "article_id": rng.integers(1, 5_000, rows),
            "text": np.asarray(texts, dtype=object)[rng.integers(0, len(texts), rows)],
        }
    )
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_csv(path, index=False)
    return {"distinct_texts": len(texts), "mean_chars": round(float(frame["text"].str.len().mean()), 1),
            "bytes": path.stat().st_size}


def _tree(pid: int) -> list[int]:
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            pids.append(child)
            frontier.append(child)
    return pids


def _memory_kb(pids: list[int]) -> tuple[int, int]:
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def run(source: Path, target: Path, jobs: int, rows: int) -> dict:
    command = [sys.executable, "-m", "moderation.cli", "score", "--file", str(source), "--out", str(target),
               "--keep", "id,article_id", "--no-reasons", "--jobs", str(jobs), "--progress"]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    while process.poll() is None:
        rss, pss = _memory_kb(_tree(process.pid))
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"moderation score failed ({process.returncode}):\n{err[-2000:]}")
    import pandas as pd

    scored = pd.read_parquet(target) if target.suffix == ".parquet" else pd.read_csv(target)
    # CSV has no types: ids read from a CSV are kept as the text they were.
    ids_kept = scored["id"].astype(str).tolist() == [str(i) for i in range(rows)] and "article_id" in scored.columns
    return {
        "jobs": jobs,
        "seconds": round(seconds, 2),
        "comments_per_second": round(rows / seconds),
        "peak_rss_mb": round(peak_rss / 1024, 1),
        "peak_pss_mb": round(peak_pss / 1024, 1),
        "rows_out": len(scored),
        "ids_kept": bool(ids_kept),
        "progress_shown": "100%" in err and f"{rows:,} comments" in err,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "meets_target": bool(seconds <= TARGET_SECONDS and peak_pss / 1024 <= TARGET_MB and ids_kept),
        "command": " ".join(["moderation", *command[3:]]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--format", choices=["csv", "jsonl", "parquet"], default="csv", help="input format")
    parser.add_argument("--out", help="also write the results as JSON here (e.g. benchmarks/results/archive.json)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        source = Path(tmp) / f"comments.{args.format}"
        archive = make_archive(source, args.rows, args.format)
        results = [run(source, Path(tmp) / f"scored-{jobs}.parquet", jobs, args.rows) for jobs in args.jobs]

    print(f"{args.rows:,} news comments ({archive['mean_chars']} characters on average), {args.format} in, "
          "Parquet out, reasons off")
    print(f"{'jobs':>4} {'seconds':>8} {'comments/s':>11} {'peak RSS MB':>12} {'peak PSS MB':>12} {'ids kept':>9} "
          f"{'progress':>9} {'load':>5}")
    for r in results:
        print(f"{r['jobs']:>4} {r['seconds']:>8.1f} {r['comments_per_second']:>11,} {r['peak_rss_mb']:>12.0f} "
              f"{r['peak_pss_mb']:>12.0f} {str(r['ids_kept']):>9} {str(r['progress_shown']):>9} "
              f"{r['load_average_before']:>5.1f}")
    report = {
        "benchmark": "archive",
        "rows": args.rows,
        "input_format": args.format,
        "archive": archive,
        "targets": {"seconds": TARGET_SECONDS, "peak_memory_mb": TARGET_MB, "cores": 2},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "note": "load averages before and after each run say how busy the machine was",
        "results": results,
    }
    if args.out:  # the committed results change only when asked
        target = Path(args.out)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
