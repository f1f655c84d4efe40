"""Where the time goes, stage by stage: the library's scoring path, and the service's CPU per check.

    python benchmarks/profile.py [library|service|both] [--model PATH] [--n 10000] [--repeat 3] [--out FILE]

**Library** (one core): the real ``Moderator.score_many`` over news comments (batch) and ``Moderator.score`` with
reasons (one at a time), with a timer around each stage's entry point in the library:

===================  ==========================================================================================
normalisation        ``moderation.features.normalise_with_stats`` (unicode, invisible characters, HTML, URLs...)
n-gram hashing       ``CommentFeatures.occurrences`` less normalisation: hashing, IDF weights, norms, signals
sparse dot product   ``LabelHeads.decision_from_occurrences``: gathering weights per n-gram, summing per label
calibration          ``moderation.moderator.sigmoid`` (the Platt slopes and offsets are folded into the weights)
verdict              ``Policy.decide`` / ``Moderator._verdicts`` and the policy rules (``_rule_reasons``)
reasons              ``Moderator._explain`` (only for flagged labels)
other                the rest of the call: input checks, the result objects (``Scores``, the DataFrame)
===================  ==========================================================================================

Times are exclusive (a stage's time excludes the stages it calls) and the best of ``--repeat`` runs, so a busy
machine disturbs them less; a stage whose entry point no longer exists is reported as missing and its time falls into
"other".

**Service** (in this process, no HTTP server): ``POST /v1/comments/check`` through the real app (``create_app`` with a
fresh SQLite instance, or ``--database postgresql://...``) and Werkzeug's test client, thread CPU per check by stage:
authentication (the key lookup), parse (body and fields), model and policy lookup, score, write (storing the check
and counting it), metrics, JSON encoding, and other (Flask's dispatch, request ids, the test client). What gunicorn
and the socket cost on top is the difference to ``benchmarks/service_load.py``'s server CPU per check.

It prints tables; with ``--out PATH`` it also writes the figures there as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

HERE = Path(__file__).resolve().parent

LIBRARY_STAGES = ("normalisation", "n-gram hashing", "sparse dot product", "calibration", "verdict", "reasons")
SERVICE_STAGES = ("authentication", "parse", "model and policy lookup", "score", "write", "metrics", "JSON encoding")


class StageClock:
    """Exclusive time per stage, from timers wrapped around named functions and methods (see :meth:`wrap`)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter):
        self.clock = clock
        self.seconds: dict[str, float] = {}
        self.missing: list[str] = []
        self._stack: list[float] = []  # time spent in stages called from the current one
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        """Time every call of ``owner.name`` as ``stage`` (until :meth:`restore`)."""
        original = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
        if original is None:
            self.missing.append(f"{getattr(owner, '__name__', owner)}.{name} ({stage})")
            return
        function = original.__func__ if isinstance(original, (staticmethod, classmethod)) else original
        self.seconds.setdefault(stage, 0.0)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = self.clock()
            self._stack.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = self.clock() - started
                self.seconds[stage] += elapsed - self._stack.pop()
                if self._stack:
                    self._stack[-1] += elapsed

        replacement: Any = timed
        if isinstance(original, staticmethod):
            replacement = staticmethod(timed)
        elif isinstance(original, classmethod):
            replacement = classmethod(timed)
        setattr(owner, name, replacement)
        self._undo.append((owner, name, original))

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.seconds, 0.0)

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


def _comments(n: int) -> tuple[list[str], str]:
    import csv

    data = Path(os.environ.get("MODERATION_DATA") or HERE.parents[1] / "shared" / "datasets")
    path = data / "civil-comments-toxic-spans" / "comments.csv"
    if not path.is_file():
        path = HERE.parent / "tests" / "data" / "tiny_labeled.csv"
        print(f"(shared data not found; using {path})", file=sys.stderr)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    column = "comment_text" if "comment_text" in rows[0] else "text"
    texts = [r[column] for r in rows if r.get(column)]
    return (texts * (n // len(texts) + 1))[:n], str(path)


def _table(title: str, per_stage: dict[str, float], count: int, unit: str, stages: tuple[str, ...]) -> list[dict]:
    total = sum(per_stage.values())
    rows = []
    print(f"\n{title}")
    print(f"  {'stage':26} {'seconds':>10} {'share':>7} {unit:>14}")
    for stage in (*stages, "other"):
        seconds = per_stage.get(stage)
        if seconds is None:
            continue
        per = seconds / max(count, 1) * 1e6
        rows.append({"stage": stage, "seconds": round(seconds, 4), "share": round(seconds / total, 4) if total else 0,
                     "us_per_item": round(per, 2)})
        print(f"  {stage:26} {seconds:10.4f} {seconds / total if total else 0:7.1%} {per:14.1f}")
    print(f"  {'total':26} {total:10.4f} {1:7.0%} {total / max(count, 1) * 1e6:14.1f}")
    return rows


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    """Per stage, the fastest of the runs (each run's "other" is its total less its stages)."""
    return {stage: min(run.get(stage, 0.0) for run in runs) for stage in runs[0]}


def profile_library(model: str | None, n: int, repeat: int, single: int) -> dict[str, Any]:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from moderation import Moderator, features, model as model_module, moderator as moderator_module, policy

    texts, source = _comments(n)
    moderator = Moderator.load(model)
    clock = StageClock()
    clock.wrap(features, "normalise_with_stats", "normalisation")
    clock.wrap(features.CommentFeatures, "occurrences", "n-gram hashing")
    clock.wrap(model_module.LabelHeads, "decision_from_occurrences", "sparse dot product")
    clock.wrap(moderator_module, "sigmoid", "calibration")
    clock.wrap(policy.Policy, "decide", "verdict")
    clock.wrap(moderator_module.Moderator, "_verdicts", "verdict")
    clock.wrap(moderator_module.Moderator, "_rule_reasons", "verdict")
    clock.wrap(moderator_module.Moderator, "_explain", "reasons")
    moderator.score_many(texts[:200])
    for text in texts[:50]:
        moderator.score(text, explain=True)

    def run(work: Callable[[], None]) -> dict[str, float]:
        clock.reset()
        started = time.perf_counter()
        work()
        total = time.perf_counter() - started
        stages = dict(clock.seconds)
        stages["other"] = max(total - sum(stages.values()), 0.0)
        return stages

    batch = _best([run(lambda: moderator.score_many(texts)) for _ in range(repeat)])
    some = texts[:single]
    one = _best([run(lambda: [moderator.score(t, explain=True) for t in some]) for _ in range(repeat)])
    clock.restore()
    chars = sum(len(t) for t in texts)
    print(f"library: model {moderator.version}, {len(texts):,} comments ({chars / len(texts):.0f} characters on "
          f"average) from {source}; best of {repeat} runs, one core")
    batch_rows = _table(f"batch (score_many of {len(texts):,}): {chars / sum(batch.values()):,.0f} characters/s",
                        batch, len(texts), "us/comment", LIBRARY_STAGES)
    single_rows = _table(f"one at a time with reasons (score, {len(some):,} comments)", one, len(some),
                         "us/comment", LIBRARY_STAGES)
    if clock.missing:
        print("missing stage entry points (their time is in 'other'): " + ", ".join(clock.missing))
    return {
        "model": moderator.version,
        "comments": len(texts),
        "mean_chars": round(chars / len(texts), 1),
        "source": source,
        "batch": {"chars_per_s": round(chars / sum(batch.values())), "stages": batch_rows},
        "single_with_reasons": {"comments": len(some), "stages": single_rows},
        "missing_entry_points": clock.missing,
    }


def profile_service(model: str | None, n: int, repeat: int, database: str | None) -> dict[str, Any]:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    from importlib.metadata import version

    from moderation import Moderator
    from service import checks, create_app, native
    from service import auth as auth_module
    from service.storage import comments as comments_module

    texts, source = _comments(n)
    instance = tempfile.mkdtemp(prefix="moderation-profile-")
    config: dict[str, Any] = {"INSTANCE_PATH": instance}
    if model:
        config["MODEL_PATH"] = str(Path(model).resolve())
    if database:
        config["DATABASE"] = database
    app = create_app(config)
    storage = app.extensions["moderation.storage"]
    site = storage.sites.create(f"https://profile-{os.getpid()}-{time.time_ns()}.example.com")
    key, _ = storage.keys.create(site.id)
    http = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    bodies = [json.dumps({"text": t}) for t in texts]

    clock = StageClock(time.thread_time)
    clock.wrap(auth_module, "site_for_key", "authentication")
    clock.wrap(native, "read_json", "parse")
    clock.wrap(native, "_item", "parse")
    clock.wrap(checks.Checker, "moderator_and_policy", "model and policy lookup")
    clock.wrap(Moderator, "score", "score")
    clock.wrap(comments_module.CommentTable, "record", "write")
    clock.wrap(checks, "observe_checks", "metrics")
    clock.wrap(native, "jsonify", "JSON encoding")

    def post_all(selected: list[str]) -> None:
        for body in selected:
            response = http.post("/v1/comments/check", data=body, headers=headers, content_type="application/json")
            if response.status_code != 200:
                raise SystemExit(f"check answered {response.status_code}: {response.get_data(as_text=True)[:300]}")

    post_all(bodies[:100])

    def run() -> dict[str, float]:
        clock.reset()
        started = time.thread_time()
        post_all(bodies)
        total = time.thread_time() - started
        stages = dict(clock.seconds)
        stages["other"] = max(total - sum(stages.values()), 0.0)
        return stages

    best = _best([run() for _ in range(repeat)])
    clock.restore()
    backend = "PostgreSQL" if database else "SQLite"
    print(f"\nservice: POST /v1/comments/check in process ({backend}, every check stored), {len(bodies):,} checks, "
          f"thread CPU, best of {repeat} runs, Flask {version('flask')}")
    rows = _table(f"CPU per check: {sum(best.values()) / len(bodies) * 1000:.3f} ms in the app", best, len(bodies),
                  "us/check", SERVICE_STAGES)
    if clock.missing:
        print("missing stage entry points (their time is in 'other'): " + ", ".join(clock.missing))
    storage.close()
    return {
        "backend": backend,
        "checks": len(bodies),
        "source": source,
        "app_cpu_ms_per_check": round(sum(best.values()) / len(bodies) * 1000, 4),
        "stages": rows,
        "missing_entry_points": clock.missing,
        "note": "in-process through the Flask test client: gunicorn, sockets and HTTP parsing are not included "
        "(see benchmarks/service_load.py for server CPU per check over real HTTP)",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["library", "service", "both"], default="both")
    parser.add_argument("--model", help="model file (default: the shipped one)")
    parser.add_argument("--n", type=int, default=10_000, help="comments for the library batch (default 10,000)")
    parser.add_argument("--single", type=int, default=2_000, help="comments scored one at a time (default 2,000)")
    parser.add_argument("--checks", type=int, default=3_000, help="checks through the service (default 3,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts (default 3)")
    parser.add_argument("--database", metavar="URL", help="service: a postgresql:// database instead of SQLite")
    parser.add_argument("--out", help="also write the figures as JSON here (e.g. benchmarks/results/profile.json)")
    args = parser.parse_args()
    report: dict[str, Any] = {
        "benchmark": "profile",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in os.getloadavg()]},
    }
    if args.what in ("library", "both"):
        report["library"] = profile_library(args.model, args.n, args.repeat, args.single)
    if args.what in ("service", "both"):
        report["service"] = profile_service(args.model, args.checks, args.repeat, args.database)
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\nload average {report['machine']['load_average_before'][0]} before, "
          f"{report['machine']['load_average_after'][0]} after (2 cores: above ~1 the figures are disturbed)")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
