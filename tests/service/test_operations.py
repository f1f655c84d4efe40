"""Operators' conventions: every serve setting from a config file, the environment or an option (and gunicorn's
GUNICORN_CMD_ARGS), bad settings refused before anything is created, JSON logs with request id and duration,
/metrics on its own port or behind a token with process metrics and the model served."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from harness import Gunicorn, free_port, make_app
from moderation.cli import main
from service.config import ServeSettings, resolve_serve_settings
from service.errors import ConfigError
from service.server import GunicornApplication, gunicorn_options


def test_settings_come_from_the_file_then_the_environment_then_options(tmp_path):
    path = tmp_path / "moderation.toml"
    path.write_text('[serve]\nworkers = 5\nthreads = 3\nlog_format = "text"\n\n[app]\nmax_batch = 7\n')
    environ = {"MODERATION_CONFIG": str(path), "MODERATION_THREADS": "6"}
    settings = resolve_serve_settings({"log_format": None, "workers": None}, environ)
    assert (settings.workers, settings.threads, settings.log_format) == (5, 6, "text")
    assert resolve_serve_settings({"workers": "9"}, environ).workers == 9
    from service.config import load_config

    assert load_config({"INSTANCE_PATH": str(tmp_path)}, environ)["MAX_BATCH"] == 7


@pytest.mark.parametrize(
    ("options", "environ", "file", "message"),
    [
        ({"bind": "nonsense:xx"}, {}, None, "bind 'nonsense:xx' is not HOST:PORT"),
        ({}, {"MODERATION_WORKERS": "many"}, None, "environment variable MODERATION_WORKERS: workers must be a whole"),
        ({"log_level": "loud"}, {}, None, "--log-level: log_level must be one of"),
        ({}, {}, "[serve]\nworker = 3\n", "unknown [serve] setting 'worker'"),
        ({}, {}, "[serve\n", "is not valid TOML"),
        ({}, {}, "[gunicorn]\nworkers = 3\n", "unknown section(s) ['gunicorn']"),
        ({"metrics_bind": "unix:/tmp/x"}, {}, None, "metrics_bind 'unix:/tmp/x' is not HOST:PORT"),
    ],
)
def test_bad_settings_name_where_they_came_from(tmp_path, options, environ, file, message):
    if file is not None:
        (tmp_path / "c.toml").write_text(file)
        environ = {**environ, "MODERATION_CONFIG": str(tmp_path / "c.toml")}
    with pytest.raises(ConfigError) as raised:
        resolve_serve_settings(options, environ)
    assert message in str(raised.value)


def test_a_taken_port_is_refused_before_serving(tmp_path, monkeypatch):
    import socket

    monkeypatch.setattr("service.config.PORT_RELEASE_WAIT", 0.2)  # a crashed server's port gets 5 s; this one is held
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match="cannot listen there"):
            resolve_serve_settings({"bind": f"127.0.0.1:{port}"}, {})


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (["--bind", "nonsense:xx"], {}, "bind 'nonsense:xx' is not HOST:PORT"),
        ([], {"MODERATION_MAX_BATCH": "abc"}, "MODERATION_MAX_BATCH='abc' is not a valid int"),
    ],
)
def test_serve_fails_before_it_creates_a_site_or_prints_a_key(tmp_path, monkeypatch, capsys, argv, environ, message):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    instance = tmp_path / "instance"
    code = main(["serve", "--instance", str(instance), "--bind", f"127.0.0.1:{free_port()}", *argv])
    out, err = capsys.readouterr()
    assert code != 0 and message in err and "Traceback" not in err
    assert "API key" not in out and not (instance / "moderation.sqlite3").exists()


def test_gunicorn_cmd_args_are_applied_over_the_settings(monkeypatch, capsys):
    """gunicorn's own variable wins, as over gunicorn's config file; a bad one stops with a message, no traceback."""
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--max-requests 77 --workers 3")
    app = GunicornApplication(gunicorn_options(ServeSettings(workers=2)))
    assert (app.cfg.max_requests, app.cfg.workers) == (77, 3)
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--no-such-option")
    with pytest.raises(SystemExit):
        GunicornApplication(gunicorn_options(ServeSettings()))
    err = capsys.readouterr().err
    assert "GUNICORN_CMD_ARGS='--no-such-option' holds an option gunicorn does not know" in err
    assert "Traceback" not in err


def test_metrics_behind_a_token(tmp_path, tiny_model_path):
    client = make_app(tmp_path / "i", tiny_model_path, METRICS_TOKEN="s3cret-token").test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert answer.status_code == 200 and b"moderation_model_info{" in answer.data
    assert b"moderation_process_resident_memory_bytes{" in answer.data


@pytest.fixture(scope="module")
def served(tmp_path_factory, tiny_model_path):
    """``moderation serve`` with the access log on and /metrics on a port of its own."""
    metrics_port = free_port()
    server = Gunicorn(
        tmp_path_factory.mktemp("ops") / "instance", tiny_model_path, workers=2, threads=2,
        extra_args=("--access-log", "--metrics-bind", f"127.0.0.1:{metrics_port}"), env={"MODERATION_LOG_LEVEL": "info"},
    )
    server.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    yield server
    server.close()


def test_access_lines_are_json_with_request_id_and_duration(served):
    assert httpx.get(served.url + "/healthz", headers={"X-Request-Id": "trace-4711"}).status_code == 200
    lines = []
    for _ in range(50):  # the access line is written just after the answer
        lines = [json.loads(line) for line in served.read_log().splitlines() if line.startswith("{")]
        if any(line.get("request_id") == "trace-4711" for line in lines):
            break
        time.sleep(0.1)
    (access,) = [line for line in lines if line.get("request_id") == "trace-4711"]
    assert access["logger"] == "gunicorn.access" and access["path"] == "/healthz" and access["status"] == 200
    assert access["duration_ms"] >= 0 and access["method"] == "GET" and access["time"].endswith("Z")
    assert all({"time", "level", "logger", "pid", "message"} <= set(line) for line in lines)


def test_metrics_have_their_own_port_with_process_metrics_and_the_model(served):
    assert httpx.get(served.url + "/metrics").status_code == 404
    text = httpx.get(served.metrics_url).text
    roles = {line.split('role="')[1].split('"')[0] for line in text.splitlines()
             if line.startswith("moderation_process_resident_memory_bytes{")}
    assert roles == {"master", "worker"}
    assert "moderation_process_cpu_seconds_total{" in text
    assert 'moderation_model_info{file="tiny.joblib"' in text
