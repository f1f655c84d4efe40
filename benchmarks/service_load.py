"""Load benchmark of the HTTP service: single-comment checks over 50 concurrent connections, on loopback.

What it does:

1. starts ``moderation serve`` (gunicorn, 2 workers x 4 threads by default) on 127.0.0.1 with a fresh instance
   directory and the model given (default: the shipped model), and creates an API key with ``moderation keys
   create``;
2. drives ``POST /v1/comments/check`` with real news comments (the Civil Comments toxic-spans comments from the
   shared data: ``$MODERATION_DATA`` or ``/work/shared/datasets``; the test fixture comments when absent) from an
   asyncio load generator holding 50 HTTP/1.1 keep-alive connections, in three phases:

   * **saturation** (closed loop): each connection sends its next request as soon as the previous answer arrives,
     which measures the most checks per second the server sustains. Latency here is queueing, not service time: with
     C connections always busy, mean latency = C / throughput (Little's law), so 50 connections at 1,000 checks/s
     mean 50 ms on average whatever the server does;
   * **fixed rate** (open loop): requests are due at a steady rate (default 1,000/s) and sent on the first free
     connection; latency counts from the moment a request was due, so time spent waiting for a connection counts
     too (no coordinated omission). This answers "what is p99 at 1,000 checks/s?";
   * **half the saturation rate** (open loop): the same at half the throughput measured in the first phase, i.e.
     latency with headroom.

3. measures the yardstick the same way, in the same run: alt-profanity-check behind the smallest WSGI app, served
   by gunicorn with the same workers and threads (:mod:`baseline`; its own virtual environment, made on first use;
   ``--no-baseline`` skips it), in the saturation phase and at the fixed rate;

4. prints a table and, with ``--out PATH``, writes the report there as JSON: throughput, latency percentiles, error
   counts per phase, CPU seconds used by the server, the generator and any other process during each phase (from
   /proc), the server CPU per check, the server's own latency histogram from ``/metrics``, the baseline's phases and
   the ratios.

``--database postgresql://...`` serves from a PostgreSQL database instead of a fresh SQLite file (it must be
empty or hold only earlier benchmark sites).

The load generator runs on the same machine and shares its cores with the server; the output says how much CPU it
and other processes used.

Usage::

    python benchmarks/service_load.py --model models/default.joblib --duration 20 --connections 50 --rate 1000
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import itertools
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "service_load.json"
DEFAULT_DATA = Path("/work/shared/datasets")
TARGETS = {"throughput_rps": 2000.0, "p99_ms": 10.0, "server_ms_per_check": 1.0, "errors": 0}


def _cli(*args: str) -> list[str]:
    """``moderation ARGS...`` with this interpreter."""
    return [sys.executable, "-m", "moderation.cli", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_comments(data: Path | None, limit: int, max_bytes: int = 20 * 1024) -> tuple[list[str], str]:
    """Real news comments when the shared data is there, else the fixture comments."""
    path = data / "civil-comments-toxic-spans" / "comments.csv" if data is not None else None
    if path is not None and path.is_file():
        with open(path, newline="", encoding="utf-8") as fh:
            texts = [row["comment_text"] for row in csv.DictReader(fh) if row.get("comment_text")]
        texts = [t for t in texts if len(t.encode("utf-8")) <= max_bytes]
        random.Random(0).shuffle(texts)
        return texts[:limit], str(path)
    fixture = ROOT / "tests" / "data" / "tiny_labeled.csv"
    with open(fixture, newline="", encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)], str(fixture)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bool]:
    """Send one HTTP/1.1 request and read its whole answer; return (status, whether the server closes)."""
    writer.write(request)
    status_line = await reader.readline()
    length, close = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    await reader.readexactly(length)
    return (int(status_line.split()[1]) if status_line else 0), close


class Phase:
    """Shared state of one phase's connections."""

    def __init__(self, requests: list[bytes], measure_from: float, stop_at: float, rate: float | None):
        self.requests = requests
        self.measure_from, self.stop_at = measure_from, stop_at
        self.rate = rate
        self.slots = itertools.count()
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.completed = 0  # every answered request, warm-up included (for CPU per check)
        self.in_window = 0  # answers that arrived inside the measured window (throughput)
        self.abandoned = 0  # open loop: requests still queued 10 s after the window closed, never sent

    def error(self, kind: str, when: float) -> None:
        if self.measure_from <= when <= self.stop_at:
            self.errors[kind] = self.errors.get(kind, 0) + 1


async def _connection(host: str, port: int, phase: Phase, start: float) -> None:
    reader = writer = None
    while True:
        slot = next(phase.slots)
        if phase.rate is None:  # closed loop: send now
            due = time.perf_counter()
            if due >= phase.stop_at:
                break
        else:  # open loop: this request is due at its slot's time, whether or not a connection is free
            due = start + slot / phase.rate
            if due >= phase.stop_at:
                break
            if time.perf_counter() > phase.stop_at + 10:  # hopelessly behind: stop draining the backlog
                phase.abandoned += 1
                continue
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            status, close = await _exchange(reader, writer, phase.requests[slot % len(phase.requests)])
            done = time.perf_counter()
            phase.completed += 1
            phase.in_window += phase.measure_from <= done <= phase.stop_at
            if due >= phase.measure_from and done <= phase.stop_at + 5:
                phase.latencies.append(done - due)
                if status != 200:
                    phase.error(str(status), due)
            if close:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            phase.error(type(exc).__name__, due)
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy (Linux /proc/stat), or None elsewhere."""
    try:
        fields = open("/proc/stat").readline().split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / TICKS


def process_tree_cpu_seconds(root: int) -> float | None:
    """CPU seconds used so far by a process and its live children (the gunicorn master and workers)."""
    total = 0.0
    try:
        pids = [root] + [int(p) for p in open(f"/proc/{root}/task/{root}/children").read().split()]
        for pid in pids:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, ValueError, IndexError):
        return None
    return total


async def run_phase(
    host: str,
    port: int,
    requests: list[bytes],
    connections: int,
    warmup: float,
    duration: float,
    rate: float | None,
    server_pid: int,
) -> dict[str, Any]:
    start = time.perf_counter()
    phase = Phase(requests, start + warmup, start + warmup + duration, rate)
    cpu0, busy0, server0 = os.times(), machine_busy_seconds(), process_tree_cpu_seconds(server_pid)
    await asyncio.gather(*(_connection(host, port, phase, start) for _ in range(connections)))
    cpu1, busy1, server1 = os.times(), machine_busy_seconds(), process_tree_cpu_seconds(server_pid)
    ms = sorted(x * 1000 for x in phase.latencies)
    generator = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    cpu: dict[str, Any] = {"generator_seconds": round(generator, 1)}
    if None not in (busy0, busy1, server0, server1):
        server = server1 - server0
        cpu.update(
            server_seconds=round(server, 1),
            other_processes_seconds=round(max(busy1 - busy0 - server - generator, 0.0), 1),
            server_ms_per_check=round(1000 * server / max(phase.completed, 1), 3),
        )
    return {
        "mode": "closed loop (saturation)" if rate is None else f"open loop at {rate:g} requests/s",
        "connections": connections,
        "requests": len(ms),
        "errors": sum(phase.errors.values()),
        "errors_by_kind": phase.errors,
        "throughput_rps": round(phase.in_window / duration, 1),
        "abandoned": phase.abandoned,
        "latency_ms": {
            "p50": round(percentile(ms, 0.50), 2),
            "p95": round(percentile(ms, 0.95), 2),
            "p99": round(percentile(ms, 0.99), 2),
            "max": round(ms[-1], 2) if ms else None,
            "mean": round(sum(ms) / len(ms), 2) if ms else None,
        },
        "generator_cpu_seconds": round(generator, 1),
        "cpu": cpu,
        "seconds": round(time.perf_counter() - start, 1),
    }


def build_requests(host: str, port: int, key: str, texts: list[str]) -> list[bytes]:
    requests = []
    for text in texts:
        body = json.dumps({"text": text}).encode("utf-8")
        requests.append(
            b"POST /v1/comments/check HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (host.encode(), port, key.encode(), len(body), body)
        )
    return requests


def server_histogram(base: str) -> dict[str, float]:
    """The server's own latency buckets for /v1/comments/check, summed over workers."""
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    pattern = r'moderation_http_request_duration_seconds_bucket\{endpoint="/v1/comments/check",le="([^"]+)"\} (\S+)'
    return {m.group(1): float(m.group(2)) for m in re.finditer(pattern, text)}


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with code {process.returncode}; see its log above")
        try:
            if all(urllib.request.urlopen(base + "/readyz", timeout=5).status == 200 for _ in range(6)):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not become ready")


def print_table(phases: dict[str, dict[str, Any]], met: dict[str, bool]) -> None:
    names = list(phases)
    print(f"\n{'':<24}" + "".join(f"{n:>22}" for n in names))
    print(f"{'throughput (checks/s)':<24}" + "".join(f"{phases[n]['throughput_rps']:>22.1f}" for n in names))
    for q in ("p50", "p95", "p99", "max"):
        print(f"{'latency ' + q + ' (ms)':<24}" + "".join(f"{phases[n]['latency_ms'][q]:>22.2f}" for n in names))
    print(f"{'errors':<24}" + "".join(f"{phases[n]['errors']:>22d}" for n in names))
    print(f"{'requests measured':<24}" + "".join(f"{phases[n]['requests']:>22d}" for n in names))
    print(f"{'generator CPU (s)':<24}" + "".join(f"{phases[n]['generator_cpu_seconds']:>22.1f}" for n in names))
    for key, title in (
        ("server_seconds", "server CPU (s)"),
        ("other_processes_seconds", "others' CPU (s)"),
        ("server_ms_per_check", "server CPU/check (ms)"),
    ):
        if all(key in phases[n]["cpu"] for n in names):
            print(f"{title:<24}" + "".join(f"{phases[n]['cpu'][key]:>22}" for n in names))
    print(
        "\ntargets: >= {:g} checks/s (saturation) {}; p99 <= {:g} ms at 1000/s (fixed rate) {}; server CPU <= {:g} ms "
        "per check {}; zero errors {}".format(
            TARGETS["throughput_rps"], "met" if met["throughput"] else "NOT met",
            TARGETS["p99_ms"], "met" if met["p99"] else "NOT met",
            TARGETS["server_ms_per_check"], "met" if met["server_cpu"] else "NOT met",
            "met" if met["errors"] else "NOT met",
        )
    )


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def measure_baseline(args: argparse.Namespace, texts: list[str]) -> dict[str, Any]:
    """alt-profanity-check behind a bare WSGI app, same gunicorn settings, same comments, same phases (saturation
    and the fixed rate)."""
    import baseline as yardstick

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = yardstick.serve_command(f"127.0.0.1:{port}", args.workers, args.threads)
    server = subprocess.Popen(command, start_new_session=True)
    phases: dict[str, dict[str, Any]] = {}
    try:
        deadline = time.time() + 120
        while True:  # ready when it answers a check (the model loads on the first one, in each worker)
            try:
                request = urllib.request.Request(base + "/", data=b'{"text": "warm up"}', method="POST")
                if all(urllib.request.urlopen(request, timeout=10).status == 200 for _ in range(6)):
                    break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise SystemExit("the alt-profanity-check server did not start")
                time.sleep(0.3)
        requests = build_requests("127.0.0.1", port, "unused", texts)
        print(f"alt-profanity-check saturation: {args.connections} connections, {args.duration:g} s ...", flush=True)
        phases["saturation"] = asyncio.run(
            run_phase("127.0.0.1", port, requests, args.connections, args.warmup, args.duration, None, server.pid)
        )
        if args.rate:
            print(f"alt-profanity-check fixed_rate: {args.rate:g}/s ...", flush=True)
            phases["fixed_rate"] = asyncio.run(
                run_phase("127.0.0.1", port, requests, args.connections, args.warmup, args.duration, args.rate,
                          server.pid)
            )
    finally:
        stop(server)
    return {"version": yardstick.version(), "app": "benchmarks/baseline.py:app under gunicorn", "phases": phases}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model file (default: the shipped model)")
    parser.add_argument(
        "--duration", type=float, default=20.0, help="measured seconds per phase (default: %(default)s)"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring, per phase")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rate", type=float, default=1000.0, help="requests/s of the fixed-rate phase (0: skip it)")
    parser.add_argument(
        "--no-half-rate", dest="half_rate", action="store_false", help="skip the phase at half the saturation rate"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread workers only)")
    parser.add_argument("--worker-class", choices=["gevent", "gthread"], default="gevent")
    parser.add_argument("--comments", type=int, default=5000, help="distinct comments cycled through")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("MODERATION_DATA") or DEFAULT_DATA))
    parser.add_argument("--out", type=Path, help=f"also write the report as JSON here (e.g. {RESULTS.relative_to(ROOT)})")
    parser.add_argument("--database", metavar="URL", help="serve from this postgresql:// database (default: SQLite)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip alt-profanity-check (no ratio)")
    args = parser.parse_args(argv)

    from moderation import Moderator

    model_path = Path(args.model).resolve() if args.model else None
    model = Moderator.load(model_path)
    texts, source = load_comments(args.data if args.data.is_dir() else None, args.comments)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    instance = Path(tempfile.mkdtemp(prefix="moderation-bench-"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("MODERATION_DB", "MODERATION_DATABASE_URL", "DATABASE", "PROMETHEUS_MULTIPROC_DIR")}
    env["MODERATION_INSTANCE"] = str(instance)
    if args.database:
        env["MODERATION_DATABASE_URL"] = args.database
    if model_path:
        env["MODERATION_MODEL"] = str(model_path)
    load_before = os.getloadavg()
    key = subprocess.run(
        _cli("keys", "create", "--site", "https://bench.example.com"),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    server = subprocess.Popen(
        _cli(
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            args.worker_class,
            "--log-level",
            "warning",
        ),
        env=env,
        start_new_session=True,
    )
    phases: dict[str, dict[str, Any]] = {}
    try:
        wait_ready(base, server)
        print(
            f"server ready on {base}: model {model.version}, {args.workers} workers x {args.threads} threads; "
            f"{len(texts)} comments from {source}",
            flush=True,
        )
        requests = build_requests("127.0.0.1", port, key, texts)
        print(f"saturation: {args.connections} connections, closed loop, {args.duration:g} s ...", flush=True)
        phases["saturation"] = asyncio.run(
            run_phase("127.0.0.1", port, requests, args.connections, args.warmup, args.duration, None, server.pid)
        )
        rates = {"fixed_rate": args.rate} if args.rate else {}
        if args.half_rate:  # latency with headroom: half of what the server sustained
            rates["half_saturation_rate"] = round(phases["saturation"]["throughput_rps"] / 2)
        for name, rate in rates.items():
            print(f"{name}: {rate:g}/s over {args.connections} connections, {args.duration:g} s ...", flush=True)
            phases[name] = asyncio.run(
                run_phase("127.0.0.1", port, requests, args.connections, args.warmup, args.duration, rate, server.pid)
            )
        histogram = server_histogram(base)
    finally:
        stop(server)
    baseline = measure_baseline(args, texts) if args.baseline else None

    rate_phase = phases.get("fixed_rate")
    met = {
        "throughput": phases["saturation"]["throughput_rps"] >= TARGETS["throughput_rps"],
        "server_cpu": all(p["cpu"].get("server_ms_per_check", float("inf")) <= TARGETS["server_ms_per_check"]
                          for p in phases.values()),
        "p99": bool(rate_phase)
        and args.rate >= TARGETS["throughput_rps"]
        and rate_phase["latency_ms"]["p99"] <= TARGETS["p99_ms"]
        and rate_phase["throughput_rps"] >= 0.98 * args.rate,
        "errors": all(p["errors"] == 0 for p in phases.values()),
    }
    generator_cpu = sum(p["generator_cpu_seconds"] for p in phases.values())
    other_cpu = sum(p["cpu"].get("other_processes_seconds", 0.0) for p in phases.values())
    wall = sum(p["seconds"] for p in phases.values())
    report = {
        "benchmark": "service_load",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "note": (
            f"The load generator (one Python asyncio process) ran on the same machine and shared its {os.cpu_count()} "
            f"cores with the server: it used {generator_cpu:.1f} CPU seconds in {wall:.0f} s; other processes on the "
            f"machine used {other_cpu:.1f} CPU seconds (phases' cpu.other_processes_seconds). Server CPU per check "
            "(cpu.server_ms_per_check) is the figure least disturbed by either."
        ),
        "server": {
            "command": "moderation serve",
            "workers": args.workers,
            "threads": args.threads,
            "worker_class": args.worker_class,
            "model": model.version,
            "model_labels": list(model.labels),
            "storage": ("PostgreSQL" if args.database else "SQLite (WAL)") + ", every check stored",
        },
        "load": {
            "endpoint": "POST /v1/comments/check (one comment per request)",
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "comments": len(texts),
            "comment_source": source,
        },
        "phases": phases,
        "server_latency_histogram_s": histogram,
        "targets": TARGETS,
        "met": met,
    }
    if baseline:
        report["alt_profanity_check"] = baseline
        report["ratio_to_alt_profanity_check"] = ratios = {}
        for name, theirs in baseline["phases"].items():
            ours = phases.get(name)
            if ours is None:
                continue
            ratios[name] = {"throughput_rps": round(ours["throughput_rps"] / max(theirs["throughput_rps"], 1e-9), 3)}
            if "server_ms_per_check" in ours["cpu"] and theirs["cpu"].get("server_ms_per_check"):
                ratios[name]["server_ms_per_check"] = round(
                    ours["cpu"]["server_ms_per_check"] / theirs["cpu"]["server_ms_per_check"], 3
                )
            ratios[name]["p99_ms"] = round(ours["latency_ms"]["p99"] / max(theirs["latency_ms"]["p99"], 1e-9), 3)
    print_table(phases, met)
    if baseline:
        print(f"\nalt-profanity-check {baseline['version']} behind a bare WSGI app (no key, no storage, no reasons), "
              "same gunicorn settings, same load:")
        for name, theirs in baseline["phases"].items():
            ratio = report["ratio_to_alt_profanity_check"].get(name, {})
            print(f"  {name}: {theirs['throughput_rps']:.1f} checks/s, p99 {theirs['latency_ms']['p99']:.2f} ms, "
                  f"server CPU {theirs['cpu'].get('server_ms_per_check', float('nan'))} ms/check, "
                  f"{theirs['errors']} errors; ours/theirs: " + ", ".join(f"{k} {v}" for k, v in ratio.items()))
    print(f"\n{report['note']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
