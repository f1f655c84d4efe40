"""The command line: thin, clear errors, exit codes."""

import json
import subprocess
import sys

import pytest

from moderation.cli import main


def test_score_text_with_a_given_model(tiny_model_path, capsys):
    """`moderation score TEXT --model M --format json` prints one JSON object per comment."""
    assert main(["score", "you stupid moron", "thanks a lot", "--model", str(tiny_model_path), "--format", "json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["text"] for line in lines] == ["you stupid moron", "thanks a lot"]
    assert {"scores", "verdict", "reasons", "model_version"} <= set(lines[0])


def test_score_a_csv_file(tiny_model_path, tmp_path, capsys):
    """--file reads a CSV's text column; --format csv writes its other columns (the ids), label columns and the
    verdict."""
    path = tmp_path / "c.csv"
    path.write_text("id,body\n1,hello there\n2,buy pills http://bit.ly/x\n")
    assert main(["score", "--file", str(path), "--text-column", "body", "--model", str(tiny_model_path),
                 "--format", "csv"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0] == "id,spam,toxicity,verdict" and len(rows) == 3 and rows[1].startswith("1,")


def _run(argv):
    """``main(argv)``, with argparse's exit turned into the exit code."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("argv, message", [
    (["train"], "one of the arguments --recipe --data is required"),
    (["train", "--recipe", "default", "--data", "x.csv"], "not allowed with argument"),
    (["score", "--format", "xml", "x"], "invalid choice: 'xml'"),
    (["evaluate", "x.csv", "--label-map", "Insult"], "--label-map takes COLUMN=LABEL, got 'Insult'"),
    (["datasets", "fetch"], "name the dataset"),
    (["serve", "--workers", "0"], "--workers: must be at least 1, got 0"),
    (["nosuchcommand"], "invalid choice: 'nosuchcommand'"),
])
def test_a_command_line_that_cannot_run_exits_2(argv, message, capsys, tiny_model_path):
    """A usage error, found by argparse or by the command, exits 2 with ``moderation: error: ...`` on stderr."""
    if argv[0] == "evaluate":
        argv = [*argv, "--model", str(tiny_model_path)]
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("moderation: error: ") and message in last


@pytest.mark.parametrize("argv, message", [
    (["score", "--file", "/nonexistent.csv"], "no such file"),
    (["score", "x", "--model", "/nonexistent.joblib"], "does not exist"),
    (["train", "--recipe", "nope"], "unknown recipe 'nope'"),
    (["evaluate", "/nonexistent.csv"], "no such file|does not exist"),
    (["keys", "list", "--site", "nowhere.example", "--db", "{tmp}/m.sqlite3"], "no site nowhere.example"),
    (["models", "promote", "7", "--db", "{tmp}/m.sqlite3"], "the global model has no model version '7'"),
])
def test_every_other_failure_exits_1_in_the_same_style(argv, message, capsys, tiny_model_path, tmp_path):
    """A command that runs but fails (a missing file, an unknown model or site) exits 1 with one
    ``moderation: error: ...`` line on stderr and no traceback, for the library's and the service's commands."""
    import re

    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if argv[0] == "evaluate":
        argv = [*argv, "--model", str(tiny_model_path)]
    assert _run(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith("moderation: error: ") and re.search(message, err)


def test_console_script_is_installed():
    """The `moderation` console script runs and lists its commands."""
    out = subprocess.run([sys.executable, "-m", "moderation.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "score" in out.stdout and "train" in out.stdout


def test_score_csv_escapes_formulas(tiny_model_path, tmp_path, capsys):
    """--format csv writes a comment that starts like a spreadsheet formula as text (a leading quote)."""
    import csv
    import io

    texts = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "plain words"]
    path = tmp_path / "comments.txt"
    path.write_text("\n".join(texts) + "\n")
    assert main(["score", "--file", str(path), "--model", str(tiny_model_path), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [row[0] for row in rows[1:]] == ["'=cmd|' /C calc'!A0", "'+1+1", "'-2+3", "'@SUM(A1)", "plain words"]
