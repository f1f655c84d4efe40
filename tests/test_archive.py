"""Archive scoring: files of any size in CSV, JSON Lines or Parquet, scored in chunks, ids kept, bad input refused
with the file, row and column named, and never a half-written output."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from moderation.archive import ArchiveError, read_chunks, score_file
from moderation.cli import main

TEXTS = [
    "Thanks for the thoughtful article.",
    "You are a complete idiot and a moron.",
    "Buy cheap pills online at http://bit.ly/cheap-pills now!!!",
    "I disagree with the author on taxes.",
    "Great reporting, as always.",
]


@pytest.fixture
def comments():
    """Fifty comments with ids, an article id and a column that is not kept by --keep."""
    n = 50
    return pd.DataFrame(
        {
            "id": [f"c-{i}" for i in range(n)],
            "article_id": [str(i % 7) for i in range(n)],
            "text": [TEXTS[i % len(TEXTS)] + f" #{i}" for i in range(n)],
            "extra": ["x"] * n,
        }
    )


def write(frame: pd.DataFrame, path) -> None:
    suffix = path.suffix
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(path, index=False)


def read(path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype={"id": str, "article_id": str})
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype={"id": str, "article_id": str})
    return pd.read_parquet(path)


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("source", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("target", [".csv", ".jsonl", ".parquet"])
def test_every_format_in_and_out_keeps_the_chosen_columns_and_the_scores(
    tmp_path, tiny_moderator, tiny_model_path, comments, source, target
):
    """Kept columns come first, as they were, then one probability per label and the verdict, in input order; the
    scores are score_many's."""
    src, dst = tmp_path / f"in{source}", tmp_path / f"out{target}"
    write(comments, src)
    summary = score_file(src, str(dst), model=tiny_model_path, keep=["id", "article_id"], chunk_size=16)
    out = read(dst)
    assert summary.rows == len(comments) == len(out)
    assert list(out.columns) == ["id", "article_id", *tiny_moderator.labels, "verdict"]
    assert out["id"].tolist() == comments["id"].tolist()
    assert out["article_id"].astype(str).tolist() == comments["article_id"].tolist()
    expected = tiny_moderator.score_many(comments["text"].tolist())
    for label in tiny_moderator.labels:
        assert out[label].tolist() == pytest.approx(expected[label].tolist(), abs=1e-9)
    assert out["verdict"].tolist() == expected["verdict"].tolist()
    assert sum(summary.verdicts.values()) == len(comments) and leftovers(tmp_path) == []


def test_by_default_every_column_but_the_text_is_kept(tmp_path, tiny_model_path, comments):
    write(comments, tmp_path / "in.csv")
    score_file(tmp_path / "in.csv", str(tmp_path / "out.csv"), model=tiny_model_path)
    assert list(read(tmp_path / "out.csv").columns)[:3] == ["id", "article_id", "extra"]


def test_several_processes_give_the_same_file_as_one(tmp_path, tiny_model_path, comments):
    """--jobs 2 scores chunks in two processes and writes them in input order: byte for byte the same output."""
    write(comments, tmp_path / "in.csv")
    score_file(tmp_path / "in.csv", str(tmp_path / "one.csv"), model=tiny_model_path, keep=["id"], chunk_size=7)
    score_file(tmp_path / "in.csv", str(tmp_path / "two.csv"), model=tiny_model_path, keep=["id"], chunk_size=7,
               jobs=2)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_reasons_are_given_for_flagged_comments_only(tmp_path, tiny_model_path, comments):
    write(comments, tmp_path / "in.jsonl")
    score_file(tmp_path / "in.jsonl", str(tmp_path / "out.jsonl"), model=tiny_model_path, keep=["id"], reasons=True)
    out = read(tmp_path / "out.jsonl")
    flagged = out["verdict"] != "approve"
    assert flagged.any() and (~flagged).any()
    assert out.loc[flagged, "reasons"].str.len().gt(0).all()
    assert out.loc[~flagged, "reasons"].fillna("").eq("").all()


def test_chunks_bound_what_is_read_at_once(tmp_path, comments):
    write(comments, tmp_path / "in.parquet")
    sizes = [len(c) for c in read_chunks(tmp_path / "in.parquet", keep=["id"], chunk_size=20)]
    assert sizes == [20, 20, 10]


def _bad_utf8(path):
    path.write_bytes(b"id,text\n1,fine\n2,caf\xe9 au lait\n3,fine\n")


def _bad_utf8_jsonl(path):
    path.write_bytes(b'{"id": 1, "text": "fine"}\n{"id": 2, "text": "caf\xe9"}\n')


def _truncated_parquet(path):
    pd.DataFrame({"id": range(1000), "text": ["some text"] * 1000}).to_parquet(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _null_text_parquet(path):
    pd.DataFrame({"id": [1, 2, 3], "text": ["a", None, "c"]}).to_parquet(path)


def _number_text_jsonl(path):
    path.write_text('{"id": 1, "text": "a"}\n{"id": 2, "text": 42}\n')


def _no_text_column(path):
    path.write_text("id,body\n1,hello\n")


def _ragged_csv(path):
    path.write_text("id,text\n1,hello\n2,a,b,c\n")


def _not_json(path):
    path.write_text('{"text": "a"}\n{"text": \n')


@pytest.mark.parametrize(
    ("name", "make", "where"),
    [
        ("in.csv", _bad_utf8, r"in\.csv, row 2, column 'text': is not valid UTF-8 at line 3"),
        ("in.jsonl", _bad_utf8_jsonl, r"in\.jsonl, row 2, column 'text': line 2 is not valid UTF-8"),
        ("in.parquet", _truncated_parquet, r"in\.parquet: is not a complete Parquet file"),
        ("in.parquet", _null_text_parquet, r"in\.parquet, row 2, column 'text': the text is empty \(null\)"),
        ("in.jsonl", _number_text_jsonl, r"in\.jsonl, row 2, column 'text': the text is a number \(42\), not text"),
        ("in.csv", _no_text_column, r"in\.csv, column 'text': no text column 'text'; the columns are \['id', 'body'\]"),
        ("in.csv", _ragged_csv, r"in\.csv: is not well-formed CSV after row 1: .*Expected 2 fields in line 3, saw 4"),
        ("in.jsonl", _not_json, r"in\.jsonl, row 2: line 2 is not JSON"),
    ],
)
def test_bad_input_is_refused_naming_file_row_and_column_and_leaves_no_output(
    tmp_path, tiny_model_path, name, make, where
):
    """Nothing is written for bad input, and an existing output file is left as it was."""
    make(tmp_path / name)
    previous = tmp_path / "out.csv"
    previous.write_text("an earlier result\n")
    with pytest.raises(ArchiveError, match=where):
        score_file(tmp_path / name, str(previous), model=tiny_model_path, keep=["id"], chunk_size=1)
    assert previous.read_text() == "an earlier result\n"
    assert leftovers(tmp_path) == []


def test_a_failure_in_a_later_chunk_leaves_no_partial_file(tmp_path, tiny_model_path):
    """The first chunks are scored and written to a hidden file, which is removed when a later row is bad."""
    rows = [{"id": i, "text": f"comment {i}"} for i in range(30)] + [{"id": 30, "text": None}]
    (tmp_path / "in.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(ArchiveError, match="row 31, column 'text'"):
        score_file(tmp_path / "in.jsonl", str(tmp_path / "out.parquet"), model=tiny_model_path, chunk_size=10)
    assert not (tmp_path / "out.parquet").exists() and leftovers(tmp_path) == []


def test_the_cli_scores_an_archive_with_kept_ids(tmp_path, tiny_model_path, comments, capsys):
    write(comments, tmp_path / "in.csv")
    out = tmp_path / "out.parquet"
    argv = ["score", "--file", str(tmp_path / "in.csv"), "--out", str(out), "--keep", "id,article_id",
            "--model", str(tiny_model_path), "--no-progress"]
    assert main(argv) == 0
    assert f"scored {len(comments)} comments" in capsys.readouterr().err
    assert read(out)["id"].tolist() == comments["id"].tolist()


def test_the_cli_shows_progress_and_names_the_bad_row(tmp_path, tiny_model_path, comments):
    """A progress bar on standard error, and bad input is one error line (exit 1, as for every bad file), no
    traceback."""
    write(comments, tmp_path / "in.csv")
    run = subprocess.run(
        [sys.executable, "-m", "moderation.cli", "score", "--file", str(tmp_path / "in.csv"), "--out",
         str(tmp_path / "out.csv"), "--model", str(tiny_model_path), "--progress", "--chunk-size", "10"],
        capture_output=True, text=True,
    )
    assert run.returncode == 0 and "100%" in run.stderr and "50 comments" in run.stderr
    _bad_utf8(tmp_path / "bad.csv")
    run = subprocess.run(
        [sys.executable, "-m", "moderation.cli", "score", "--file", str(tmp_path / "bad.csv"), "--out",
         str(tmp_path / "bad-out.csv"), "--model", str(tiny_model_path)],
        capture_output=True, text=True,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr and run.stderr.startswith("moderation: error: ")
    assert "bad.csv, row 2, column 'text': is not valid UTF-8" in run.stderr
    assert not (tmp_path / "bad-out.csv").exists()


def test_version_is_printed(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0 and capsys.readouterr().out.startswith("moderation 0.")
