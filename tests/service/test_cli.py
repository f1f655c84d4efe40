"""The service's commands (``moderation serve | keys | sites``) as the console script wires them, run in-process."""

from __future__ import annotations

import json
import subprocess

import pytest

from harness import APP_ENVIRONMENT, cli_command
from moderation.cli import main
from service.storage import Storage


@pytest.fixture
def moderation(tmp_path, capsys):
    """``moderation(*args) -> (exit code, stdout, stderr)`` against a database in tmp_path."""

    def run(*args):
        try:
            code = main([*args, "--instance", str(tmp_path / "instance")])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def db(tmp_path):
    return Storage(tmp_path / "instance" / "moderation.sqlite3")


def test_keys_create_adds_the_site_and_prints_the_key_once(moderation, db):
    code, out, err = moderation("keys", "create", "--site", "https://News.Example.com/", "--label", "wordpress")
    key = out.strip()
    assert code == 0 and len(key) == 48 and "Added site https://news.example.com" in err
    assert db.keys.site_for(key).url == "https://news.example.com"
    code, out, _ = moderation("keys", "list")
    assert key[:8] in out and key not in out and "wordpress" in out


def test_keys_revoke_by_prefix(moderation, db):
    key = moderation("keys", "create", "--site", "https://a.example")[1].strip()
    code, out, _ = moderation("keys", "revoke", key[:8])
    assert code == 0 and "Revoked" in out and db.keys.site_for(key) is None
    assert key[:8] not in moderation("keys", "list")[1]
    assert key[:8] in moderation("keys", "list", "--all")[1]
    assert moderation("keys", "revoke", "deadbeef")[0] == 1


def test_sites_create_list_show_update(moderation, tmp_path, db):
    assert moderation("sites", "create", "https://a.example", "--name", "A")[0] == 0
    assert moderation("sites", "create", "https://a.example")[0] == 1
    assert "https://a.example" in moderation("sites", "list")[1]
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"blocked_words": ["casino"], "thresholds": {"spam": {"hold": 0.4, "reject": 0.8}}}))
    code, out, _ = moderation(
        "sites", "update", "a.example", "--policy", str(policy), "--no-store", "--approved-sample-rate", "0.1"
    )
    assert code == 0
    site = db.sites.find("https://a.example")
    assert site.policy["blocked_words"] == ["casino"] and not site.store_comments and site.approved_sample_rate == 0.1
    shown = json.loads(moderation("sites", "show", "https://a.example")[1])
    assert shown["usage_this_month"]["api_calls"] == 0 and shown["name"] == "A"


@pytest.mark.parametrize(
    "policy",
    [
        '{"thresholds": {"spam": {"hold": 0.9, "reject": 0.1}}}',
        '{"colour": 1}',
        "not json",
        '{"blocked_words": "casino"}',
    ],
)
def test_a_bad_policy_file_is_refused(moderation, tmp_path, policy):
    moderation("sites", "create", "https://a.example")
    path = tmp_path / "p.json"
    path.write_text(policy)
    code, _, err = moderation("sites", "update", "https://a.example", "--policy", str(path))
    assert code == 1 and err.startswith("moderation: error: policy ")


def test_unknown_sites_are_reported(moderation):
    assert moderation("sites", "show", "https://nowhere.example")[0] == 1
    assert moderation("keys", "list", "--site", "https://nowhere.example")[0] == 1
    assert moderation("keys", "create", "--site", "not a url")[0] == 1


def test_serve_refuses_a_missing_model_with_a_clear_message(tmp_path):
    """serve checks the model before starting gunicorn and says how to give one."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in APP_ENVIRONMENT}
    done = subprocess.run(
        cli_command("serve", "--instance", str(tmp_path), "--model", str(tmp_path / "none.joblib")),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "cannot load the model" in done.stderr and "--model" in done.stderr
