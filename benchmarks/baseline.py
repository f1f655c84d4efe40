"""The yardstick: alt-profanity-check, measured on the same machine, the same comments and in the same run.

alt-profanity-check is not a dependency of this project. :func:`ensure` makes it its own virtual environment
(``.venv-baseline`` at the top of the repository, made once and reused) and runs this file there, so nothing of ours
is imported beside it. Run there, this file either

* ``--speed TEXTS.json``: scores the comments with ``predict_prob`` on one core, in one batch and one at a time, and
  prints one JSON line (what ``benchmarks/speed.py`` compares with), or
* ``--app``: is the smallest HTTP service around it, a WSGI function that reads ``{"text": ...}`` and answers
  ``{"toxicity": p}``, served by gunicorn with our worker settings (what ``benchmarks/service_load.py`` compares with).
  It checks no key, stores nothing and gives no reasons: the cost of everything our service does on top of scoring
  shows in the ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-baseline"
#: What the baseline environment holds (pinned, so two runs compare the same thing).
PACKAGES = ("alt-profanity-check==1.9.1", "gunicorn>=22")


def python() -> Path:
    return VENV / "bin" / "python"


def ensure(log=sys.stderr) -> Path:
    """The baseline environment's interpreter, after making the environment if it is missing or incomplete."""
    stamp = VENV / ".installed"
    if not stamp.exists() or stamp.read_text() != "\n".join(PACKAGES):
        print(f"setting up alt-profanity-check in {VENV} (once) ...", file=log, flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run([str(python()), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([str(python()), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
        stamp.write_text("\n".join(PACKAGES))
    return python()


def version() -> str:
    """The installed alt-profanity-check version."""
    out = subprocess.run([str(python()), "-m", "pip", "show", "alt-profanity-check"], capture_output=True, text=True)
    return next((line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if line.startswith("Version")), "?")


def measure_speed(texts: list[str], single: int = 2000) -> dict[str, float]:
    """Run :func:`_speed` in the baseline environment on ``texts``; its figures."""
    import tempfile

    ensure()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(texts, fh)
    try:
        out = subprocess.run([str(python()), __file__, "--speed", fh.name, str(single)], capture_output=True,
                             text=True, check=True)
    finally:
        os.unlink(fh.name)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["version"] = version()
    return result


def serve_command(bind: str, workers: int, threads: int) -> list[str]:
    """gunicorn serving :func:`app` from the baseline environment, with our server's worker settings."""
    ensure()
    return [str(python()), "-m", "gunicorn", "--chdir", str(Path(__file__).parent), "--bind", bind,
            "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread", "--keep-alive", "5",
            "--log-level", "warning", "baseline:app"]


# -- what runs inside the baseline environment ---------------------------------------------------------------------


def _speed(path: str, single: int) -> None:
    import numpy as np

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = json.loads(Path(path).read_text(encoding="utf-8"))
    started = time.perf_counter()
    from profanity_check import predict_prob

    predict_prob(["warm up"])
    load_s = time.perf_counter() - started
    predict_prob(texts[:200])
    started = time.perf_counter()
    predict_prob(texts)
    batch_s = time.perf_counter() - started
    latencies = []
    for text in texts[:single]:
        t0 = time.perf_counter()
        predict_prob([text])
        latencies.append(time.perf_counter() - t0)
    chars = sum(len(t) for t in texts)
    print(json.dumps({
        "labels": ["profanity"],
        "batch_comments_per_s": round(len(texts) / batch_s),
        "batch_chars_per_s": round(chars / batch_s),
        "single_p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 3),
        "single_p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 3),
        "import_and_load_s": round(load_s, 3),  # profanity_check loads its model when imported
    }))


_PREDICT = None


def app(environ, start_response):
    """POST a JSON ``{"text": ...}``; get ``{"toxicity": p}`` (anything else: 400)."""
    global _PREDICT
    if _PREDICT is None:
        from profanity_check import predict_prob

        _PREDICT = predict_prob
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        text = json.loads(environ["wsgi.input"].read(length))["text"]
        if not isinstance(text, str):
            raise ValueError("text must be a string")
        status, body = "200 OK", json.dumps({"toxicity": float(_PREDICT([text])[0])})
    except (ValueError, KeyError, TypeError) as exc:
        status, body = "400 Bad Request", json.dumps({"error": str(exc)})
    data = body.encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--speed"]:
        _speed(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1:2] == ["--setup"]:
        print(ensure())
    else:
        sys.exit("usage: baseline.py --setup | --speed TEXTS.json N  (or serve baseline:app with gunicorn)")
