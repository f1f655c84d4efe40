"""The README's examples are real: every command in service/README.md is run, in order, against a fresh
``moderation serve`` with the shipped model, and its output must have the shape the README shows (the same JSON
keys, the same lines once ids, keys, timestamps and numbers are masked)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
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


def run_moderation(command: str, capsys) -> tuple[int, str]:
    """A ``moderation ...`` command run in-process (importing the library per command would take seconds)."""
    from moderation.cli import main

    code = main(shlex.split(command)[1:])
    out = capsys.readouterr()
    return code, out.err + out.out


def test_every_readme_example_runs_and_answers_as_documented(tmp_path, shipped_model, monkeypatch, capsys):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in APP_ENVIRONMENT}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for name in APP_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    steps = examples(README.read_text(encoding="utf-8"))
    assert steps[0][0] == "moderation serve"
    serve = subprocess.Popen(
        [sys.executable, "-m", "moderation.cli", "serve", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        banner = []
        for line in serve.stdout:
            banner.append(line.rstrip("\n"))
            if '-d \'{"text"' in line:
                break
        assert masked(banner) == masked([line.replace(DOCUMENTED, url) for line in steps[0][1]])
        env["KEY"] = next(line.strip() for line in banner if re.fullmatch(r"\s*[0-9a-f]{48}\s*", line))
        for _ in range(100):  # wait until the workers answer
            if subprocess.run(["curl", "-sf", url + "/readyz"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        for command, documented in steps[1:]:
            if command.startswith("KEY="):
                continue
            if command.startswith("moderation "):
                code, output = run_moderation(command, capsys)
            else:
                done = subprocess.run(
                    ["bash", "-c", command.replace(DOCUMENTED, url)],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                code, output = done.returncode, done.stdout
            actual = output.rstrip("\n").split("\n") if output.strip() else []
            assert code == 0, (command, output)
            if len(documented) == 1 and documented[0].startswith("{"):
                assert shape(json.loads(actual[0])) == shape(json.loads(documented[0])), command
            else:
                assert masked(actual) == masked(documented), command
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)
        serve.stdout.close()
