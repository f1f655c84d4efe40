"""Scoring archives beyond one machine with Dask: one model per worker process, the same scores as the CLI.

Needs ``pip install 'moderation[dask]'`` (Dask is not a dependency of the library itself).

>>> import dask.dataframe as dd                                                   # doctest: +SKIP
>>> from dask.distributed import Client                                           # doctest: +SKIP
>>> from moderation.dask import score_dataframe                                   # doctest: +SKIP
>>> client = Client("tcp://scheduler:8786")                                       # doctest: +SKIP
>>> comments = dd.read_parquet("s3://archive/comments/*.parquet")                 # doctest: +SKIP
>>> score_dataframe(comments, keep=["id", "article_id"]).to_parquet("s3://archive/scored/")  # doctest: +SKIP

:func:`score_dataframe` calls ``comments.map_partitions(score_partitions, ...)`` with the right ``meta``; call
:func:`score_partitions` yourself for other layouts. The model file (``model=``, default: the shipped model) is read
on each worker, so give a path every worker can read; a worker process loads it once, on its first partition, and
keeps it for the following ones. Each partition is scored exactly as ``moderation score --file`` scores a chunk
(:func:`moderation.archive.score_frame`), so the two give the same numbers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .archive import score_frame

__all__ = ["score_partitions", "score_dataframe", "output_meta", "loaded_models"]

# Per worker process: loaded models by path, and how many times each was loaded (the tests read it).
_MODELS: dict[str | None, Any] = {}
_LOADS: dict[str | None, int] = {}
_LOCK = threading.Lock()


def _moderator(model: str | os.PathLike[str] | None) -> Any:
    key = str(model) if model is not None else None
    with _LOCK:  # a worker runs partitions on several threads: the first one loads, the others wait
        if key not in _MODELS:
            from .moderator import Moderator

            _MODELS[key] = Moderator.load(key)
            _LOADS[key] = _LOADS.get(key, 0) + 1
        return _MODELS[key]


def loaded_models() -> dict[str | None, int]:
    """How many times this process loaded each model (one per path, however many partitions it scored)."""
    return dict(_LOADS)


def score_partitions(
    partition: pd.DataFrame,
    model: str | os.PathLike[str] | None = None,
    *,
    text_column: str = "text",
    keep: Sequence[str] | None = None,
    reasons: bool = False,
) -> pd.DataFrame:
    """Score one partition: its ``keep`` columns (default: all but the text), a probability per label, the verdict.

    Parameters
    ----------
    partition : DataFrame
        A pandas partition with a ``text_column`` of strings.
    model : path, optional
        The model file (default: the shipped one), loaded once per process.
    keep : list of str, optional
    reasons : bool, default=False

    Returns
    -------
    DataFrame
        Same index as ``partition``.
    """
    moderator = _moderator(model)
    kept = list(keep) if keep is not None else [c for c in partition.columns if c != text_column]
    scores = score_frame(moderator, partition, text_column=text_column, reasons=reasons)
    return pd.concat([partition[kept], scores], axis=1) if kept else scores


def output_meta(
    input_meta: pd.DataFrame,
    labels: Sequence[str],
    *,
    text_column: str = "text",
    keep: Sequence[str] | None = None,
    reasons: bool = False,
) -> pd.DataFrame:
    """The empty frame Dask needs as ``meta``: kept columns with their input types, then the scores."""
    kept = list(keep) if keep is not None else [c for c in input_meta.columns if c != text_column]
    columns = {name: input_meta[name] for name in kept}
    columns.update({label: pd.Series([], dtype=np.float64) for label in labels})
    columns["verdict"] = pd.Series([], dtype=object)
    if reasons:
        columns["reasons"] = pd.Series([], dtype=object)
    return pd.DataFrame(columns).iloc[:0]


def score_dataframe(
    frame: Any,
    model: str | os.PathLike[str] | None = None,
    *,
    text_column: str = "text",
    keep: Sequence[str] | None = None,
    reasons: bool = False,
) -> Any:
    """``frame.map_partitions(score_partitions, ...)`` for a Dask DataFrame, with its ``meta``.

    The model's labels are read from its JSON sidecar here (no model is loaded on the client).
    """
    from .moderator import default_model_path
    from .persistence import read_metadata

    labels = read_metadata(model if model is not None else default_model_path())["labels"]
    meta = output_meta(frame._meta, labels, text_column=text_column, keep=keep, reasons=reasons)
    return frame.map_partitions(
        score_partitions,
        None if model is None else str(model),
        text_column=text_column,
        keep=keep,
        reasons=reasons,
        meta=meta,
    )
