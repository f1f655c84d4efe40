"""The README's examples are real: every command in service/README.md is run, in order, against a fresh
``moderation serve`` with the shipped model, and its output must have the shape the README shows (the same JSON
keys, the same lines once ids, keys, timestamps and numbers are masked)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from harness import APP_ENVIRONMENT, free_port
from moderation import Moderator
from moderation.errors import ModerationError

README = Path(__file__).parents[2] / "service" / "README.md"
DOCUMENTED = "http://127.0.0.1:8000"


def examples(text: str) -> list[tuple[str, list[str]]]:
    """(command, output lines) of every ``$ `` line in the README's console blocks, in order."""
    found: list[tuple[str, list[str]]] = []
    block = False
    for line in text.split("\n"):
        if line.startswith("```console"):
            block = True
        elif line.startswith("```"):
            block = False
        elif block and line.startswith("$ "):
            found.append((line[2:], []))
        elif block and found:
            found[-1][1].append(line)
    return found


MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def shape(value):
    """The JSON's structure: keys and value types, with keys that are months (``2026-11``) shown as ``YYYY-MM``."""
    if isinstance(value, dict):
        return {"YYYY-MM" if MONTH.fullmatch(k) else k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    return "number" if isinstance(value, (int, float)) else "string"


def masked(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        line = re.sub(r"database /\S+", "database PATH", line)
        line = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "TIME", line)
        line = re.sub(r"\b[0-9a-f]{8,}\b", "HEX", line)
        line = re.sub(r"\b(true|false)\b", "BOOL", line)
        line = re.sub(r'verdict="\w+"', 'verdict="V"', line)  # which verdicts occur depends on the model
        line = re.sub(r"\d+(\.\d+)?(e-?\d+)?", "N", line)
        out.append(re.sub(r" +", " ", line.rstrip()))
    return sorted(set(out))


@pytest.fixture(scope="module")
def shipped_model():
    try:
        Moderator.load()
    except ModerationError as exc:
        pytest.skip(f"the shipped model is not available: {exc}")


def run_moderation(command: str) -> tuple[int, str]:
    """A ``moderation ...`` command run in-process (importing the library per command would take seconds)."""
    from moderation.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(shlex.split(command)[1:])
    return code, err.getvalue() + out.getvalue()


def replay(workdir: Path):
    """Run the README's examples in order against a fresh ``moderation serve`` started in ``workdir`` (which must be
    the current directory, like the reader's), yielding ``(command, documented lines, actual lines)``; the first is
    the server's banner, with the port and key of this run."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in APP_ENVIRONMENT}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # The examples follow each other faster than a person types them: with the default key cache, a policy saved
    # through one worker may not yet apply on the other for up to a second (as the README says), and the answers
    # shown would depend on which worker took each request.
    env["MODERATION_KEY_CACHE_SECONDS"] = "0"
    for name in APP_ENVIRONMENT:
        os.environ.pop(name, None)
    steps = examples(README.read_text(encoding="utf-8"))
    assert steps[0][0] == "moderation serve"
    serve = subprocess.Popen(
        [sys.executable, "-m", "moderation.cli", "serve", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        banner = []
        for line in serve.stdout:
            banner.append(line.rstrip("\n").replace(url, DOCUMENTED))
            if '-d \'{"text"' in line:
                break
        yield steps[0][0], steps[0][1], banner
        env["KEY"] = next(line.strip() for line in banner if re.fullmatch(r"\s*[0-9a-f]{48}\s*", line))
        for _ in range(100):  # wait until the workers answer
            if subprocess.run(["curl", "-sf", url + "/readyz"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        for command, documented in steps[1:]:
            if command.startswith("KEY="):
                continue
            if command.startswith("moderation "):
                code, output = run_moderation(command)
            else:
                done = subprocess.run(
                    ["bash", "-c", command.replace(DOCUMENTED, url)],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                code, output = done.returncode, done.stdout
            assert code == 0, (command, output)
            actual = output.replace(url, DOCUMENTED).rstrip("\n").split("\n") if output.strip() else []
            yield command, documented, actual
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)
        serve.stdout.close()


def test_every_readme_example_runs_and_answers_as_documented(tmp_path, shipped_model, monkeypatch):
    for name in APP_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    for command, documented, actual in replay(tmp_path):
        if command == "moderation serve":
            assert masked(actual) == masked(documented)
        elif len(documented) == 1 and documented[0].startswith("{"):
            assert shape(json.loads(actual[0])) == shape(json.loads(documented[0])), command
        else:
            assert masked(actual) == masked(documented), command


def _volatile(lines: list[str]) -> list[str]:
    """What changes from run to run whatever the code does: ids, keys, timestamps, temporary paths."""
    out = []
    for line in lines:
        line = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "TIME", line)
        line = re.sub(r"\b[0-9a-f]{8,}\b", "HEX", line)
        out.append(re.sub(r"/tmp/\S+?/instance", "/srv/moderation/instance", line))
    return out


def rewrite() -> bool:
    """Write every example's real output into the README (``make docs``), when any of them differs from the
    README in more than ids, keys, timestamps and paths (otherwise the README is left as it is, so ``make docs``
    changes nothing when nothing changed). This run's first key is written as the documented one and its working
    directory as ``/srv/moderation``. Returns whether the README was written."""
    text = README.read_text(encoding="utf-8")
    old_key = re.search(r"^\$ KEY=([0-9a-f]{48})$", text, re.M).group(1)
    with tempfile.TemporaryDirectory() as workdir:
        home = os.getcwd()
        os.chdir(workdir)
        try:
            runs = list(replay(Path(workdir)))
        finally:
            os.chdir(home)
    new_key = next(line.strip() for line in runs[0][2] if re.fullmatch(r"\s*[0-9a-f]{48}\s*", line))

    def documented_form(line: str) -> str:
        line = line.replace(new_key, old_key).replace(new_key[:8], old_key[:8]).replace(workdir, "/srv/moderation")
        if line.startswith("Model "):  # the banner shows the instance directory of the README's own example
            line = re.sub(r"database \S+", "database /tmp/demo/instance/moderation.sqlite3", line)
        return line

    runs = [(command, documented, [documented_form(line) for line in actual]) for command, documented, actual in runs]
    # Lines of one answer may come in another order (Prometheus' series), so they are compared as sets.
    if all(sorted(_volatile(actual)) == sorted(_volatile(documented)) for _, documented, actual in runs):
        return False
    lines, out, block = text.split("\n"), [], False
    replayed = iter(runs)
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        index += 1
        if line.startswith("```console"):
            block = True
        elif line.startswith("```"):
            block = False
        elif block and line.startswith("$ ") and not line.startswith("$ KEY="):
            command, _, actual = next(replayed)
            assert line[2:] == command
            out.extend(actual)
            while index < len(lines) and not lines[index].startswith(("$ ", "```")):
                index += 1
    README.write_text("\n".join(out), encoding="utf-8")
    return True


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/service/test_readme.py --write   (rewrites service/README.md's example outputs)")
    print("service/README.md: examples rewritten" if rewrite() else "service/README.md: examples unchanged")
