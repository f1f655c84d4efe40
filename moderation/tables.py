"""Reading tables of comments: CSV, TSV, JSON Lines and Parquet, from a file or from uploaded bytes.

Training data, evaluation data, files to score and moderators' uploads are all read here, the same way: CSV and TSV
cells as text (so ``NA`` or ``null`` in a comment stay words; an empty cell is missing), UTF-8 (a byte-order mark is
allowed), and every failure an :class:`~moderation.errors.InvalidDataError` that names the file and says what to
do, never a parser traceback.

>>> read_table(b"text,spam\\nBuy now,1\\nNA,\\n", kind="csv", name="upload").to_dict("records")
[{'text': 'Buy now', 'spam': '1'}, {'text': 'NA', 'spam': nan}]
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

from .errors import InvalidDataError, OptionalDependencyError

__all__ = ["KINDS", "table_kind", "read_table"]

#: File suffixes and the kind of table each holds.
KINDS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def table_kind(path: str | os.PathLike[str]) -> str | None:
    """The kind of table a file name says it holds (``"csv"``, ``"tsv"``, ``"jsonl"``, ``"parquet"``), or None."""
    return KINDS.get(Path(path).suffix.lower())


def read_table(source: str | os.PathLike[str] | bytes, *, kind: str | None = None, name: str | None = None) -> pd.DataFrame:
    """A table from a file, or from the bytes of an upload (give ``kind``).

    Parameters
    ----------
    source : path or bytes
    kind : {"csv", "tsv", "jsonl", "parquet"}, optional
        Default: from the file's suffix.
    name : str, optional
        How messages name the source (default: the path; ``"the file"`` for bytes).

    Raises
    ------
    InvalidDataError
        An unknown kind, a missing file, text that is not UTF-8, or content that does not parse.
    OptionalDependencyError
        Parquet without pyarrow installed.
    """
    is_bytes = isinstance(source, (bytes, bytearray))
    where = name or ("the file" if is_bytes else str(source))
    kind = kind or (None if is_bytes else table_kind(source))
    if kind not in ("csv", "tsv", "jsonl", "parquet"):
        suffix = "" if is_bytes else Path(source).suffix
        raise InvalidDataError(f"{where}: unknown file type {suffix!r}; use .csv, .tsv, .jsonl or .parquet")
    if not is_bytes and not Path(source).is_file():
        raise InvalidDataError(f"{where}: no such file")
    data = bytes(source) if is_bytes else None
    try:
        if kind == "parquet":
            return _parquet(io.BytesIO(data) if is_bytes else source, where)
        text = (data if is_bytes else Path(source).read_bytes()).decode("utf-8-sig")
        if kind == "jsonl":
            return pd.read_json(io.StringIO(text), lines=True, dtype=False)
        return pd.read_csv(io.StringIO(text), sep="," if kind == "csv" else "\t", dtype=str, keep_default_na=False,
                           na_values=[""])
    except UnicodeDecodeError as exc:
        raise InvalidDataError(f"{where}: not valid UTF-8 (byte {exc.start}); re-save it as UTF-8") from None
    except (ValueError, pd.errors.ParserError, csv.Error) as exc:
        raise InvalidDataError(f"{where}: could not be parsed as {kind} ({str(exc).splitlines()[0]})") from None


def _parquet(source: object, where: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(source)
    except ImportError:
        raise OptionalDependencyError(
            f"{where}: reading Parquet needs pyarrow, which is not installed: pip install 'moderation[parquet]'"
        ) from None
