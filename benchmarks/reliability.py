"""Reliability benchmark of the HTTP service: fuzzing, kill -9 durability, a model swap under load, slow clients,
overload. Each phase runs against ``moderation serve`` for real (gunicorn, gevent workers, SQLite) on 127.0.0.1.

1. **fuzz**: schemathesis requests for every operation of ``/openapi.json`` (native, Akismet, Perspective), valid and
   invalid, with hostile values mixed in (the suite's fuzzer, ``tests/service/fuzzing.py``), over HTTP. Counts
   server errors (5xx), traceback text and answers not in the API's dialect. Target: 0 over >= 10,000 requests.
2. **kill -9**: four clients write checks and feedback with unique ids; workers are killed with SIGKILL three times
   during the load, then the master; ``moderation serve`` is started again on the same port. Every write answered
   200 must be in the database. Target: 0 acknowledged writes lost, and the restart succeeds.
3. **swap**: clients check comments while a model is promoted for their site (the registry's promotion, seen by
   every worker within a second). Target: 0 failed requests, and answers from the new model afterwards.
4. **slow clients**: 100 connections that send nothing, headers a byte at a time or a body a byte at a time, held
   open (reopened when dropped) while ``/healthz`` is asked 100 times. Target: p99 < 1 s.
5. **overload**: the saturation rate of checks (closed loop, 8 connections: both workers always busy), then an
   open-loop load at twice that rate over 200 connections. Target: admitted requests p99 < 100 ms, the rest refused with 503 in < 10 ms (p99).

The load generators run on the same machine as the server and share its cores; the JSON says how much CPU they
took. Prints a table and writes JSON (``--out``).

Usage::

    python benchmarks/reliability.py --out benchmarks/results/reliability.json
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests" / "service")]

import httpx  # noqa: E402

from harness import alive, wait_until  # noqa: E402
from service_load import _cli, _exchange, build_requests, free_port, load_comments, percentile, run_phase  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "reliability.json"
SITE = "https://news.example.com"
TARGETS = {
    "fuzz_requests_min": 10_000,
    "fuzz_server_errors": 0,
    "acknowledged_writes_lost": 0,
    "swap_failed_requests": 0,
    "healthz_p99_ms": 1000.0,
    "admitted_p99_ms": 100.0,
    "refused_p99_ms": 10.0,
}


class Server:
    """``moderation serve`` in its own process group, on a fixed port and instance directory."""

    def __init__(self, instance: Path, port: int, model: Path | None, first_start: bool = True, workers: int = 2,
                 extra: tuple[str, ...] = ()):
        self.instance, self.port, self.url = instance, port, f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_") or k == "MODERATION_DATA"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        command = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--instance", str(instance),
                   "--site", SITE, "--log-level", "warning", *extra]
        if model is not None:
            command += ["--model", str(model)]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(_cli(*command), env=env, stdout=subprocess.PIPE, text=True,
                                        start_new_session=True)
        self.key = None
        for line in self.process.stdout if first_start else ():
            if len(line.strip()) == 48:
                self.key = line.strip()
                break
        self.ready_after = self._wait_ready()

    def _wait_ready(self, timeout: float = 120.0) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"moderation serve exited with code {self.process.returncode}")
            try:
                if all(httpx.get(self.url + "/readyz", timeout=2).status_code == 200 for _ in range(4)):
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise SystemExit("moderation serve did not become ready")

    def workers(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process.stdout.close()


def _ms(values: list[float]) -> dict[str, float | None]:
    ms = sorted(v * 1000 for v in values)
    if not ms:
        return {"count": 0, "p50": None, "p99": None, "max": None}
    return {"count": len(ms), "p50": round(percentile(ms, 0.5), 2), "p99": round(percentile(ms, 0.99), 2),
            "max": round(ms[-1], 2)}


# -- 1. fuzz ---------------------------------------------------------------------------------------------------


def fuzz(server: Server, examples: int) -> dict[str, Any]:
    import schemathesis
    from fuzzing import MODES, Tally, fuzz_operation, operations

    from service.openapi import document

    schema = schemathesis.openapi.from_dict(document())
    tally = Tally()
    http = httpx.Client(base_url=server.url, timeout=30)

    def send(request):
        response = http.request(request["method"], request["path"], params=request["query"],
                                headers=request["headers"], content=request["content"])
        return response.status_code, response.headers.get("content-type", ""), response.text

    started = time.perf_counter()
    for mode in MODES:
        for op in operations(schema):
            spec = document()["paths"][op.path][op.method.lower()]
            if not mode.is_positive and not ({"parameters", "requestBody"} & set(spec)):
                continue
            fuzz_operation(op, mode, send, tally, key=server.key, site_url=SITE, examples=examples, fail_fast=False)
    http.close()
    return {
        "requests": tally.sent,
        "by_family": dict(tally.by_family),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "server_errors": tally.server_errors,
        "bad_answers": len(tally.failures),
        "failures": tally.failures[:20],
        "seconds": round(time.perf_counter() - started, 1),
    }


# -- 2. kill -9 ------------------------------------------------------------------------------------------------


def kill_nine(instance: Path, model: Path | None, worker_kills: int = 3) -> dict[str, Any]:
    from service.storage import Storage

    server = Server(instance, free_port(), model)
    key, port = server.key, server.port
    checks: list[str] = []
    feedback: list[str] = []
    sent = [0]
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=5) as http:
            i = 0
            while not stop.is_set():
                comment_id = f"k{n}-{uuid.uuid4().hex[:16]}"
                i += 1
                sent[0] += 1
                try:
                    if i % 4:
                        r = http.post("/v1/comments/check", json={"text": "Nice piece, thanks.", "comment_id": comment_id})
                        if r.status_code == 200:
                            checks.append(comment_id)
                    else:
                        r = http.post("/v1/comments/feedback", json={"comment_id": comment_id, "decision": "ham"})
                        if r.status_code == 200:
                            feedback.append(comment_id)
                except httpx.HTTPError:
                    time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    killed = []
    try:
        for _ in range(worker_kills):
            before = len(checks) + len(feedback)
            wait_until(lambda: len(checks) + len(feedback) >= before + 150, 60)
            victim = random.Random(len(killed)).choice(server.workers())
            os.kill(victim, signal.SIGKILL)
            killed.append({"process": "worker", "pid": victim})
            wait_until(lambda: len(server.workers()) == 2 and victim not in server.workers(), 30)
        before = len(checks) + len(feedback)
        wait_until(lambda: len(checks) + len(feedback) >= before + 150, 60)
        workers = server.workers()
        killed_at = time.perf_counter()
        os.kill(server.process.pid, signal.SIGKILL)
        killed.append({"process": "master", "pid": server.process.pid})
        orphans_gone = wait_until(lambda: not any(alive(p) for p in workers), 15)
        orphans_seconds = round(time.perf_counter() - killed_at, 2) if orphans_gone else None
    finally:
        stop.set()
        for t in threads:
            t.join()
        server.stop()
    restart = Server(instance, port, model, first_start=False)
    restart_seconds = round(restart.ready_after, 2)
    try:
        alive_after = httpx.get(restart.url + "/v1/site", headers={"X-API-Key": key}).status_code == 200
    finally:
        restart.stop()
    store = Storage(instance / "moderation.sqlite3")
    stored_checks = {r[0] for r in store.db.execute("SELECT comment_id FROM comments WHERE comment_id LIKE 'k%'")}
    stored_feedback = {r[0] for r in store.db.execute("SELECT comment_id FROM feedback WHERE comment_id LIKE 'k%'")}
    integrity = store.integrity_check()
    store.close()
    lost = len(set(checks) - stored_checks) + len(set(feedback) - stored_feedback)
    return {
        "requests_sent": sent[0],
        "acknowledged_checks": len(checks),
        "acknowledged_feedback": len(feedback),
        "stored_checks": len(stored_checks & set(checks)),
        "stored_feedback": len(stored_feedback & set(feedback)),
        "acknowledged_writes_lost": lost,
        "kills": killed,
        "workers_gone_after_master_kill": orphans_gone,
        "workers_gone_seconds": orphans_seconds,
        "restart_ready_seconds": restart_seconds,
        "restart_serves_old_keys": alive_after,
        "integrity_check": integrity,
    }


# -- 3. model swap under load --------------------------------------------------------------------------------------


def swap(server: Server, new_model: Path, seconds: float = 6.0) -> dict[str, Any]:
    from moderation import Moderator
    from service.retraining import registry, scope_of
    from service.storage import Storage

    store = Storage(server.instance / "moderation.sqlite3")
    scope = scope_of(store.sites.find(SITE).id)
    reg = registry(store, server.instance)
    target = reg.new_version_dir(scope, "swap-benchmark") / new_model.name
    shutil.copy2(new_model, target)
    shutil.copy2(new_model.with_suffix(".json"), target.with_suffix(".json"))
    version = reg.register(target, scope=scope)
    new_version = Moderator.load(target).version
    results: list[tuple[float, int, str | None]] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=server.url, headers={"X-API-Key": server.key}, timeout=10) as http:
            while not stop.is_set():
                try:
                    r = http.post("/v1/comments/check", json={"text": "What a thoughtful article.", "store": False})
                    results.append((time.perf_counter(), r.status_code, r.json().get("model_version")))
                except (httpx.HTTPError, ValueError) as exc:
                    results.append((time.perf_counter(), 0, type(exc).__name__))

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(seconds / 2)
    promoted_at = time.perf_counter()
    reg.promote(scope, version.id, force=True)
    served = wait_until(lambda: sum(1 for t, s, v in results if t > promoted_at and v == new_version) >= 50, 30)
    time.sleep(seconds / 2)
    stop.set()
    for t in threads:
        t.join()
    store.close()
    after = [v for t, s, v in results if t > promoted_at + 3]
    statuses: dict[str, int] = {}
    for _, status, version in results:
        key = str(status) if status else str(version)
        statuses[key] = statuses.get(key, 0) + 1
    return {
        "requests": len(results),
        "failed_requests": sum(1 for _, s, _ in results if s != 200),
        "statuses": statuses,
        "new_model": new_version,
        "new_model_served": served,
        "seconds_to_first_new_answer": round(min((t - promoted_at for t, s, v in results
                                                  if t > promoted_at and v == new_version), default=-1), 2),
        "answers_by_the_new_model_after_3_s": f"{sum(v == new_version for v in after)}/{len(after)}",
    }


# -- 4. slow clients -----------------------------------------------------------------------------------------------


def slow_clients(server: Server, connections: int = 100, probes: int = 100) -> dict[str, Any]:
    from harness import Slowloris

    attack = Slowloris(server.port, connections)
    timings, failures = [], 0
    try:
        time.sleep(1.0)
        open_at_start = attack.open_count()
        for _ in range(probes):
            start = time.perf_counter()
            try:
                ok = httpx.get(server.url + "/healthz", timeout=5).status_code == 200
            except httpx.HTTPError:
                ok = False
            timings.append(time.perf_counter() - start)
            failures += not ok
            time.sleep(0.05)
        open_at_end = attack.open_count()
        reopened = attack.opened - connections
    finally:
        attack.close()
    return {"hostile_connections": connections, "open_at_start": open_at_start, "open_at_end": open_at_end,
            "reconnects_after_server_timeouts": reopened, "healthz_failures": failures, "healthz_ms": _ms(timings)}


# -- 5. overload ---------------------------------------------------------------------------------------------------


async def _open_loop(port: int, requests: list[bytes], rate: float, seconds: float, connections: int) -> dict:
    start = time.perf_counter()
    stop_at = start + seconds
    slots = iter(range(10**9))
    by_status: dict[int, list[float]] = {}
    errors: dict[str, int] = {}

    async def connection() -> None:
        reader = writer = None
        for slot in slots:
            due = start + slot / rate
            if due >= stop_at:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                status, close, _ = await _exchange(reader, writer, requests[slot % len(requests)])
                by_status.setdefault(status, []).append(time.perf_counter() - due)
                if close:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                if writer is not None:
                    writer.close()
                writer = None
        if writer is not None:
            writer.close()

    cpu0 = os.times()
    await asyncio.gather(*(connection() for _ in range(connections)))
    cpu1 = os.times()
    return {
        "offered_rps": round(rate, 1),
        "seconds": seconds,
        "answered_rps": round(sum(len(v) for v in by_status.values()) / seconds, 1),
        "admitted_rps": round(len(by_status.get(200, [])) / seconds, 1),
        "admitted_ms": _ms(by_status.get(200, [])),
        "refused_ms": _ms(by_status.get(503, [])),
        "other_statuses": {str(k): len(v) for k, v in by_status.items() if k not in (200, 503)},
        "connection_errors": errors,
        "generator_cpu_seconds": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 1),
    }


def overload(server: Server, seconds: float, connections: int) -> dict[str, Any]:
    data = Path(os.environ.get("MODERATION_DATA") or "/work/shared/datasets")
    texts, source = load_comments(data if data.is_dir() else None, 2000)
    requests = build_requests("127.0.0.1", server.port, server.key, texts)
    # Capacity: 8 connections in a closed loop keep both workers busy with a short queue (nothing is refused); 50
    # would be refused most of the time, and refusals retried at once measure the refusals, not the capacity.
    saturation = asyncio.run(run_phase("127.0.0.1", server.port, requests, 8, 2.0, seconds, None, server.process.pid))
    refused_at_saturation = saturation["errors_by_kind"].get("503", 0)
    capacity = saturation["throughput_rps"] - refused_at_saturation / seconds
    offered = asyncio.run(_open_loop(server.port, requests, 2 * capacity, seconds, connections))
    if not offered["answered_rps"]:  # every request failed in the client: a broken phase, not a figure
        raise RuntimeError(f"no answer at twice the capacity; client errors {offered['connection_errors']}")
    return {"comments": source, "capacity_rps": round(capacity, 1),
            "saturation": {k: saturation[k] for k in ("throughput_rps", "latency_ms", "errors_by_kind", "cpu")},
            "at_twice_capacity": offered}


# -- report --------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON results (default: %(default)s)")
    parser.add_argument("--model", type=Path, help="the served model (default: the shipped one)")
    parser.add_argument("--swap-model", type=Path, default=ROOT / "models" / "commercial.joblib",
                        help="the model promoted under load (default: %(default)s)")
    parser.add_argument("--fuzz-examples", type=int, default=400, help="examples per operation and mode")
    parser.add_argument("--overload-seconds", type=float, default=10.0)
    parser.add_argument("--overload-connections", type=int, default=200)
    parser.add_argument("--only", nargs="+", choices=["fuzz", "kill", "swap", "slow", "overload"])
    args = parser.parse_args(argv)
    wanted = set(args.only or ["fuzz", "kill", "swap", "slow", "overload"])
    workdir = Path(tempfile.mkdtemp(prefix="moderation-reliability-"))
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def phase(name: str, title: str, run) -> None:
        print(title, flush=True)
        try:
            results[name] = run()
        except Exception as exc:  # a broken phase is reported; the others still run
            errors[name] = f"{type(exc).__name__}: {exc}"
            print(f"  {name} failed: {errors[name]}", flush=True)

    try:
        if "kill" in wanted:
            phase("kill_nine", "kill -9 of workers and master under write load ...",
                  lambda: kill_nine(workdir / "kill", args.model))
        if wanted & {"fuzz", "swap", "slow", "overload"}:
            server = Server(workdir / "serve", free_port(), args.model)
            try:
                if "fuzz" in wanted:
                    phase("fuzz", f"fuzzing every operation ({args.fuzz_examples} examples per operation and mode) ...",
                          lambda: fuzz(server, args.fuzz_examples))
                if "slow" in wanted:
                    phase("slow_clients", "100 slow connections while /healthz is asked ...",
                          lambda: slow_clients(server))
                # the swap before the overload: the refusals that drain after an overload are no swap's failures
                if "swap" in wanted:
                    phase("swap", "promoting a model under load ...", lambda: swap(server, args.swap_model.resolve()))
                if "overload" in wanted:
                    phase("overload", "saturation, then twice that rate ...",
                          lambda: overload(server, args.overload_seconds, args.overload_connections))
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    met = verdicts(results)
    report = {
        "benchmark": "reliability",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_after": os.getloadavg()},
        "note": "server and load generators shared the machine's cores with each other and with other processes",
        "targets": TARGETS,
        "met": met,
        "errors": errors,
        "results": results,
    }
    print_table(results, met)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    os.replace(tmp, args.out)
    print(f"written {args.out}")
    return 0


def verdicts(r: dict[str, Any]) -> dict[str, bool]:
    met = {}
    if "fuzz" in r:
        met["fuzz"] = r["fuzz"]["requests"] >= TARGETS["fuzz_requests_min"] and r["fuzz"]["server_errors"] == 0
    if "kill_nine" in r:
        k = r["kill_nine"]
        met["kill_nine"] = k["acknowledged_writes_lost"] == 0 and k["restart_serves_old_keys"]
    if "swap" in r:
        met["swap"] = r["swap"]["failed_requests"] == 0 and r["swap"]["new_model_served"]
    if "slow_clients" in r:
        met["slow_clients"] = (r["slow_clients"]["healthz_failures"] == 0
                               and r["slow_clients"]["healthz_ms"]["p99"] < TARGETS["healthz_p99_ms"])
    if "overload" in r:
        o = r["overload"]["at_twice_capacity"]
        met["overload"] = (o["admitted_ms"]["p99"] is not None and o["admitted_ms"]["p99"] < TARGETS["admitted_p99_ms"]
                           and (o["refused_ms"]["p99"] or 0) < TARGETS["refused_p99_ms"])
    return met


def print_table(r: dict[str, Any], met: dict[str, bool]) -> None:
    rows = []
    if "fuzz" in r:
        f = r["fuzz"]
        rows.append(("fuzz", f"{f['requests']:,} requests ({', '.join(f'{k} {v:,}' for k, v in f['by_family'].items())})",
                     f"{f['server_errors']} server errors, {f['bad_answers']} bad answers", "fuzz"))
    if "kill_nine" in r:
        k = r["kill_nine"]
        rows.append(("kill -9", f"{k['acknowledged_checks'] + k['acknowledged_feedback']:,} acknowledged writes, "
                     f"{len(k['kills'])} kills", f"{k['acknowledged_writes_lost']} lost; restart {k['restart_ready_seconds']} s",
                     "kill_nine"))
    if "swap" in r:
        s = r["swap"]
        rows.append(("swap", f"{s['requests']:,} requests around a promotion",
                     f"{s['failed_requests']} failed; new model after {s['seconds_to_first_new_answer']} s", "swap"))
    if "slow_clients" in r:
        c = r["slow_clients"]
        rows.append(("slow clients", f"{c['hostile_connections']} hostile connections, {c['healthz_ms']['count']} probes",
                     f"/healthz p50 {c['healthz_ms']['p50']} ms, p99 {c['healthz_ms']['p99']} ms", "slow_clients"))
    if "overload" in r:
        o = r["overload"]
        a = o["at_twice_capacity"]
        rows.append(("overload", f"capacity {o['capacity_rps']}/s, offered {a['offered_rps']}/s",
                     f"admitted {a['admitted_rps']}/s p99 {a['admitted_ms']['p99']} ms; refused p99 "
                     f"{a['refused_ms']['p99']} ms ({a['refused_ms']['count']:,})", "overload"))
    width = [max(len(row[i]) for row in rows) for i in range(3)] if rows else [0, 0, 0]
    print()
    for name, what, figure, key in rows:
        mark = "met" if met.get(key) else "NOT met"
        print(f"{name:<{width[0]}}  {what:<{width[1]}}  {figure:<{width[2]}}  {mark}")


if __name__ == "__main__":
    raise SystemExit(main())
