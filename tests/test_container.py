"""The container image runs the command the tests run: ``moderation serve``, configured from the environment.

No Docker engine runs here, so the image is not built in the test suite; these tests hold the Dockerfile and
compose.yaml to what the service reads (a setting the service does not know would be silently ignored)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from service.config import ENVIRONMENT, SERVE_ENVIRONMENT

ROOT = Path(__file__).parents[1]


def dockerfile_env() -> dict[str, str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    env = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return env


def test_the_image_runs_moderation_serve():
    text = (ROOT / "Dockerfile").read_text()
    (cmd,) = re.findall(r"^CMD (.+)$", text, re.M)
    assert json.loads(cmd) == ["moderation", "serve"]
    assert "[project.scripts]\nmoderation = \"moderation.cli:main\"" in (ROOT / "pyproject.toml").read_text()


def test_the_image_and_compose_set_only_settings_the_service_reads():
    known = set(ENVIRONMENT) | set(SERVE_ENVIRONMENT) | {"MODERATION_CONFIG"}
    image = {k for k in dockerfile_env() if k.startswith("MODERATION_")}
    assert image <= known
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    service = compose["services"]["moderation"]
    assert set(service["environment"]) <= known
    assert "8000:8000" in service["ports"]
    assert any(v.endswith(":/var/lib/moderation") for v in service["volumes"])
    assert dockerfile_env()["MODERATION_INSTANCE"] == "/var/lib/moderation"
