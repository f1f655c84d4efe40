"""The Dask path: a local dask.distributed cluster of two worker processes scores partitions with one model load per
worker, and gives the same scores as ``moderation score --file``."""

from __future__ import annotations

import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

from moderation.cli import main  # noqa: E402
from moderation.dask import loaded_models, score_dataframe  # noqa: E402

TEXTS = [
    "Thanks for the thoughtful article.",
    "You are a complete idiot and a moron.",
    "Buy cheap pills online at http://bit.ly/cheap-pills now!!!",
    "I disagree with the author on taxes.",
]


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread each, on this machine (no dashboard)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as local, distributed.Client(local) as client:
        yield client


def test_partitions_on_two_workers_score_like_the_cli(cluster, tiny_model_path, tmp_path, capsys):
    rows = 120
    comments = pd.DataFrame(
        {"id": [f"c-{i}" for i in range(rows)], "text": [TEXTS[i % 4] + f" ({i})" for i in range(rows)]}
    )
    comments.to_csv(tmp_path / "in.csv", index=False)
    assert main(["score", "--file", str(tmp_path / "in.csv"), "--out", str(tmp_path / "cli.csv"), "--keep", "id",
                 "--model", str(tiny_model_path), "--no-progress"]) == 0
    cli = pd.read_csv(tmp_path / "cli.csv")

    frame = dd.from_pandas(comments, npartitions=8)
    scored = score_dataframe(frame, tiny_model_path, keep=["id"]).compute()
    assert list(scored.columns) == list(cli.columns)
    assert scored["id"].tolist() == cli["id"].tolist()
    for column in cli.columns[1:-1]:
        assert scored[column].tolist() == pytest.approx(cli[column].tolist(), abs=1e-12)
    assert scored["verdict"].tolist() == cli["verdict"].tolist()

    loads = cluster.run(loaded_models)
    assert len(loads) == 2
    per_worker = [counts.get(str(tiny_model_path), 0) for counts in loads.values()]
    assert max(per_worker) == 1 and sum(per_worker) >= 1  # 8 partitions, at most one load per worker
