"""Scoring archives: a file of comments in, the same rows with scores out, in bounded memory.

>>> from moderation.archive import score_file
>>> summary = score_file("comments.csv", "scored.parquet", keep=["id", "article_id"])   # doctest: +SKIP
>>> summary.rows                                                                         # doctest: +SKIP
200000

The input is read in chunks (5,000 rows by default), each chunk is scored with :meth:`Moderator.score_many` (one
pass of feature extraction, no per-comment Python loop) and written before the next is read, so memory does not grow
with the file. CSV / TSV, JSON Lines and Parquet are read and written (by suffix, or ``input_format`` /
``output_format``). Each output row holds the ``keep`` columns as they were (all non-text columns by default), one
probability per label, the ``verdict``, and with ``reasons=True`` the reasons of flagged comments.

``jobs=N`` scores chunks in N processes: this one and N - 1 workers. The model is loaded once, before the workers
start, and shared with them (fork, with the parent's objects frozen out of the workers' garbage collection, so the
pages holding the model stay shared). Chunks are written in input order whatever order they finish in, and at most
``2 * jobs`` are in flight, so memory stays bounded.

Nothing half-written is left behind: the output is written to a hidden file next to the destination and renamed
over it only when every row was scored. Bad input raises :class:`ArchiveError` naming the file, the row (1-based,
header not counted) and the column: a missing text column, text that is not UTF-8, a text that is not a string,
a CSV row with too many fields, a JSON line that is not an object, a truncated or corrupt Parquet file.
"""

from __future__ import annotations

import csv
import enum
import gc
import io
import json
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from .errors import InvalidDataError
from .tables import table_kind
from .moderator import METADATA_FIELDS as _METADATA

__all__ = ["ArchiveError", "ArchiveFormat", "ArchiveSummary", "read_chunks", "score_frame", "score_file"]

DEFAULT_CHUNK_SIZE = 5_000


class ArchiveError(InvalidDataError):
    """Raised by :func:`score_file` and :func:`read_chunks` for input that cannot be scored.

    Attributes ``path``, ``row`` (1-based data row, or None) and ``column`` (or None) say where; the message says
    what is wrong and what to do. Raised before the output is renamed into place, so no partial output remains.
    """

    def __init__(self, path: str | os.PathLike[str], message: str, *, row: int | None = None,
                 column: str | None = None):
        where = [str(path)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")
        self.path, self.row, self.column = str(path), row, column


class ArchiveFormat(str, enum.Enum):
    """File formats of archives, told from the file name's suffix."""

    CSV = "csv"
    TSV = "tsv"
    JSONL = "jsonl"
    PARQUET = "parquet"

    @classmethod
    def of(cls, path: str | os.PathLike[str], given: "str | ArchiveFormat | None" = None) -> "ArchiveFormat":
        if given is not None:
            try:
                return cls(str(getattr(given, "value", given)).lower())
            except ValueError:
                raise ArchiveError(path, f"unknown format {given!r}; use one of "
                                         f"{', '.join(f.value for f in cls)}") from None
        kind = table_kind(path)
        if kind is None:
            suffix = Path(str(path)).suffix.lower()
            raise ArchiveError(path, f"cannot tell the format from the suffix {suffix or '(none)'!r}; name the file "
                                     ".csv, .tsv, .jsonl or .parquet, or give the format")
        return cls(kind)


@dataclass(frozen=True)
class ArchiveSummary:
    """What :func:`score_file` did: rows scored, verdict counts, seconds taken, where the output went."""

    rows: int
    verdicts: dict[str, int]
    seconds: float
    output: str

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "verdicts": dict(self.verdicts), "seconds": round(self.seconds, 3),
                "output": self.output}


# -- reading ---------------------------------------------------------------------------------------------------


def _locate_bad_utf8(path: Path, fmt: ArchiveFormat) -> ArchiveError:
    """Where the first non-UTF-8 byte is: its row (CSV rows can span lines) and column."""
    delimiter = "\t" if fmt is ArchiveFormat.TSV else ","
    good: list[str] = []
    with open(path, "rb") as fh:
        for line_number, raw in enumerate(fh, start=1):
            try:
                good.append(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                bad, byte = raw.decode("utf-8", "replace"), exc.start + 1
                break
        else:
            return ArchiveError(path, "is not valid UTF-8; re-save it as UTF-8")
    if fmt is ArchiveFormat.JSONL:
        column = None
        try:
            record = json.loads(bad)
            column = next((k for k, v in record.items() if isinstance(v, str) and "\ufffd" in v), None)
        except (ValueError, AttributeError):
            pass
        return ArchiveError(path, f"line {line_number} is not valid UTF-8 (byte {byte} of the line); "
                                  "re-save the file as UTF-8", row=line_number, column=column)
    rows = list(csv.reader(io.StringIO("".join(good) + bad), delimiter=delimiter))
    header, data = (rows[0], rows[1:]) if rows else ([], [])
    column = None
    if data:
        fields = data[-1]
        index = next((i for i, v in enumerate(fields) if "\ufffd" in v), None)
        column = header[index] if index is not None and index < len(header) else None
    return ArchiveError(path, f"is not valid UTF-8 at line {line_number} (byte {byte} of the line); "
                              "re-save it as UTF-8", row=len(data) or None, column=column)


def _check_columns(path: Path, present: Sequence[str], text_column: str, keep: Sequence[str] | None) -> None:
    if text_column not in present:
        raise ArchiveError(path, f"no text column {text_column!r}; the columns are {list(present)} "
                                 "(choose one with --text-column)", column=text_column)
    for name in keep or ():
        if name not in present:
            raise ArchiveError(path, f"no column {name!r} to keep; the columns are {list(present)}", column=name)


def _csv_chunks(path: Path, fmt: ArchiveFormat, text_column: str, keep: Sequence[str] | None,
                chunk_size: int) -> Iterator[pd.DataFrame]:
    sep = "\t" if fmt is ArchiveFormat.TSV else ","
    try:
        header = pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8").columns.tolist()
    except UnicodeDecodeError:
        raise _locate_bad_utf8(path, fmt) from None
    except pd.errors.EmptyDataError:
        raise ArchiveError(path, "is empty; a header line with a text column is needed") from None
    _check_columns(path, header, text_column, keep)
    wanted = [c for c in header if keep is None or c in keep or c == text_column or c in _METADATA]
    # Every column is parsed (no usecols): with usecols pandas silently drops the extra fields of a ragged row.
    handle = open(path, "rb")
    reader = pd.read_csv(handle, sep=sep, dtype=str, keep_default_na=False, chunksize=chunk_size,
                         encoding="utf-8", encoding_errors="strict")
    row = 0
    try:
        for chunk in reader:
            row += len(chunk)
            chunk = chunk[wanted] if len(wanted) < len(header) else chunk
            chunk.attrs["bytes_read"] = handle.tell()
            yield chunk
    except UnicodeDecodeError:
        raise _locate_bad_utf8(path, fmt) from None
    except pd.errors.ParserError as exc:
        message = str(exc).strip().splitlines()[-1]
        raise ArchiveError(path, f"is not well-formed {fmt.value.upper()} after row {row}: {message} "
                                 "(quote fields that hold the separator)") from None
    finally:
        reader.close()
        handle.close()


def _jsonl_chunks(path: Path, text_column: str, keep: Sequence[str] | None,
                  chunk_size: int) -> Iterator[pd.DataFrame]:
    records: list[dict[str, Any]] = []
    row = 0
    with open(path, "rb") as fh:
        for line_number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            row += 1
            try:
                record = json.loads(raw)
            except UnicodeDecodeError:
                raise _locate_bad_utf8(path, ArchiveFormat.JSONL) from None
            except ValueError as exc:
                raise ArchiveError(path, f"line {line_number} is not JSON ({exc})", row=row) from None
            if not isinstance(record, dict):
                raise ArchiveError(path, f"line {line_number} is a JSON {type(record).__name__}, not an object",
                                   row=row)
            if text_column not in record:
                raise ArchiveError(path, f"line {line_number} has no {text_column!r} field "
                                         f"(it has {sorted(record)}); choose one with --text-column",
                                   row=row, column=text_column)
            for name in keep or ():
                record.setdefault(name, None)
            records.append(record if keep is None else
                           {k: record[k] for k in (text_column, *keep, *_METADATA) if k in record})
            if len(records) >= chunk_size:
                chunk = pd.DataFrame.from_records(records)
                chunk.attrs["bytes_read"] = fh.tell()
                yield chunk
                records = []
        if records:
            chunk = pd.DataFrame.from_records(records)
            chunk.attrs["bytes_read"] = fh.tell()
            yield chunk
            records = []
    if row == 0:
        raise ArchiveError(path, "has no JSON lines")


def _parquet_chunks(path: Path, text_column: str, keep: Sequence[str] | None,
                    chunk_size: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise ArchiveError(path, f"is not a complete Parquet file ({exc}); no row could be read: copy it again "
                                 "or re-export it") from None
    names = parquet.schema_arrow.names
    _check_columns(path, names, text_column, keep)
    kind = parquet.schema_arrow.field(text_column).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)):
        raise ArchiveError(path, f"holds {kind}, not text", column=text_column)
    wanted = [c for c in names if keep is None or c in keep or c == text_column or c in _METADATA]
    row = 0
    try:
        for batch in parquet.iter_batches(batch_size=chunk_size, columns=wanted):
            frame = batch.to_pandas()
            row += len(frame)
            yield frame
    except (pa.ArrowException, OSError) as exc:
        raise ArchiveError(path, f"is corrupt after row {row} ({exc}); copy it again or re-export it",
                           row=row + 1) from None
    finally:
        parquet.close()


def _describe(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "empty (null)"
    if isinstance(value, (bool, np.bool_)):
        return "true/false, not text"
    if isinstance(value, (int, float, np.number)):
        return f"a number ({value}), not text"
    return f"a {'list' if isinstance(value, (list, np.ndarray)) else type(value).__name__}, not text"


def read_chunks(path: str | os.PathLike[str], *, text_column: str = "text", keep: Sequence[str] | None = None,
                chunk_size: int = DEFAULT_CHUNK_SIZE, input_format: "str | ArchiveFormat | None" = None,
                ) -> Iterator[pd.DataFrame]:
    """The file's rows as DataFrames of at most ``chunk_size`` rows, with the text column checked.

    ``keep`` None reads every column; otherwise the text column, the ``keep`` columns and the comment metadata
    columns (``author_url``... used by site rules) are read. The index of each chunk is the 0-based input row.

    Raises
    ------
    ArchiveError
        Naming the file, row and column of the first problem.
    """
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(path, "no such file")
    if chunk_size < 1:
        raise ArchiveError(path, f"chunk_size must be at least 1, got {chunk_size}")
    fmt = ArchiveFormat.of(path, input_format)
    if fmt is ArchiveFormat.PARQUET:
        chunks = _parquet_chunks(path, text_column, keep, chunk_size)
    elif fmt is ArchiveFormat.JSONL:
        chunks = _jsonl_chunks(path, text_column, keep, chunk_size)
    else:
        chunks = _csv_chunks(path, fmt, text_column, keep, chunk_size)
    start = 0
    for chunk in chunks:
        chunk.index = pd.RangeIndex(start, start + len(chunk))
        texts = chunk[text_column]
        bad = next((i for i, t in zip(chunk.index, texts) if not isinstance(t, str)), None)
        if bad is not None:
            value = texts.loc[bad]
            what = _describe(value)
            raise ArchiveError(path, f"the text is {what}; fill or drop such rows first", row=int(bad) + 1,
                               column=text_column)
        start += len(chunk)
        yield chunk


# -- scoring ---------------------------------------------------------------------------------------------------

def _reasons_text(moderator: Any, comments: pd.DataFrame, flagged: np.ndarray) -> list[str]:
    out = [""] * len(comments)
    columns = [c for c in ("text", *_METADATA) if c in comments.columns]
    for i in np.flatnonzero(flagged):
        record = {k: v for k, v in zip(columns, comments.iloc[i][columns]) if v not in ("", None)}
        record.setdefault("text", "")
        scores = moderator.score(record, explain=True)
        out[i] = "; ".join(f"{r.label}: {r.description}" for r in scores.reasons)
    return out


def score_frame(moderator: Any, frame: pd.DataFrame, *, text_column: str = "text",
                reasons: bool = False) -> pd.DataFrame:
    """Scores of one chunk: a float column per label, ``verdict``, and ``reasons`` when asked (flagged rows only).

    The comment metadata columns of ``frame`` (``author_url``...) are used by the site rules; other columns are
    ignored. The index of ``frame`` is kept.
    """
    comments = frame.rename(columns={text_column: "text"}) if text_column != "text" else frame
    cols = [c for c in ("text", *_METADATA) if c in comments.columns]
    comments = comments[cols]
    scores = moderator.score_many(comments)
    if reasons:
        scores["reasons"] = _reasons_text(moderator, comments, (scores["verdict"] != "approve").to_numpy())
    return scores


# Per process: the moderator the workers use (set before they are forked, or by their initializer).
_WORKER: dict[str, Any] = {}


def _worker_init(model_path: str | None) -> None:
    from .moderator import Moderator

    if "moderator" not in _WORKER:
        _WORKER["moderator"] = Moderator.load(model_path)


def _worker_score(frame: pd.DataFrame, text_column: str, reasons: bool) -> pd.DataFrame:
    return score_frame(_WORKER["moderator"], frame, text_column=text_column, reasons=reasons)


# -- writing ---------------------------------------------------------------------------------------------------


class _Writer:
    """Writes chunks to a hidden temporary file; :meth:`commit` renames it over the destination."""

    def __init__(self, destination: str, fmt: ArchiveFormat):
        self.fmt, self.destination = fmt, destination
        self.stdout = destination == "-"
        if self.stdout:
            if fmt is ArchiveFormat.PARQUET:
                raise ArchiveError("-", "Parquet cannot be written to standard output; give an output file")
            self.path = None
            self.fh: TextIO | None = sys.stdout
        else:
            target = Path(destination)
            target.parent.mkdir(parents=True, exist_ok=True)
            self.path = target.parent / f".{target.name}.partial-{os.getpid()}"
            self.fh = None if fmt is ArchiveFormat.PARQUET else open(self.path, "w", encoding="utf-8", newline="")
        self.parquet: Any = None
        self.schema: Any = None
        self.first = True

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt is ArchiveFormat.PARQUET:
            self._write_parquet(frame)
        elif self.fmt is ArchiveFormat.JSONL:
            if len(frame):
                self.fh.write(frame.to_json(orient="records", lines=True, force_ascii=False, double_precision=15))
                self.fh.write("\n")
        else:
            frame.to_csv(self.fh, sep="\t" if self.fmt is ArchiveFormat.TSV else ",", header=self.first,
                         index=False, lineterminator="\n")
        self.first = False

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for name in frame.columns:  # nested JSON values become JSON text: Parquet columns need one type
            if frame[name].dtype == object and frame[name].map(lambda v: isinstance(v, (dict, list))).any():
                frame[name] = frame[name].map(
                    lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.parquet is None:
            self.schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                                     for f in table.schema]).remove_metadata()
            self.parquet = pq.ParquetWriter(self.path, self.schema)
        try:
            table = table.cast(self.schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ArchiveError(self.destination, f"a kept column changes type between rows ({exc}); keep columns "
                                                 "of one type, or write CSV or JSON Lines") from None
        self.parquet.write_table(table)

    def commit(self) -> None:
        if self.fmt is ArchiveFormat.PARQUET:
            if self.parquet is None:
                raise ArchiveError(self.destination, "nothing to write: the input has no rows")
            self.parquet.close()
        elif not self.stdout:
            self.fh.close()
        else:
            self.fh.flush()
        if self.path is not None:
            os.replace(self.path, self.destination)

    def abort(self) -> None:
        try:
            if self.parquet is not None:
                self.parquet.close()
            if self.fh is not None and not self.stdout:
                self.fh.close()
        finally:
            if self.path is not None and self.path.exists():
                self.path.unlink()


# -- the whole file --------------------------------------------------------------------------------------------


class _Progress:
    """A tqdm bar on standard error: in comments for Parquet (its row count is known), else in bytes of the input
    read (a CSV row can span lines, so counting lines would misstate the total), with the comments scored shown."""

    def __init__(self, enabled: bool | None, source: Path, fmt: ArchiveFormat):
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.bar: Any = None
        if not enabled:
            return
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked while the bar runs
        self.rows_known = fmt is ArchiveFormat.PARQUET
        if self.rows_known:
            import pyarrow.parquet as pq

            total = pq.ParquetFile(source).metadata.num_rows
            self.bar = tqdm(total=total, unit=" comments", file=sys.stderr, smoothing=0.1)
        else:
            self.bar = tqdm(total=source.stat().st_size, unit="B", unit_scale=True, unit_divisor=1024,
                            file=sys.stderr, smoothing=0.1)
        self.done = 0

    def update(self, frame: pd.DataFrame, rows: int) -> None:
        if self.bar is None:
            return
        if self.rows_known:
            self.bar.update(len(frame))
        else:
            position = int(frame.attrs.get("bytes_read", self.done))
            self.bar.update(max(position - self.done, 0))
            self.done = max(position, self.done)
            self.bar.set_postfix_str(f"{rows:,} comments", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            if not self.rows_known:
                self.bar.update(self.bar.total - self.done)
            self.bar.close()


def score_file(
    source: str | os.PathLike[str],
    destination: str,
    *,
    model: str | os.PathLike[str] | None = None,
    moderator: Any = None,
    text_column: str = "text",
    keep: Sequence[str] | None = None,
    reasons: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    jobs: int = 1,
    input_format: "str | ArchiveFormat | None" = None,
    output_format: "str | ArchiveFormat | None" = None,
    progress: bool | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> ArchiveSummary:
    """Score every comment of ``source`` into ``destination`` (``"-"``: standard output, CSV or JSON Lines).

    Parameters
    ----------
    source, destination : path
    model : path, optional
        Model file (default: the shipped one); or pass a loaded ``moderator``.
    text_column : str, default="text"
    keep : list of str, optional
        Input columns copied to the output, in this order, before the scores (default: every column but the text).
    reasons : bool, default=False
        Add a ``reasons`` column for flagged comments (slower: each flagged comment is explained on its own).
    chunk_size : int, default=5_000
        Rows read, scored and written at a time: memory grows with it, not with the file.
    jobs : int, default=1
        Processes scoring chunks at once.
    progress : bool, optional
        A tqdm bar on standard error; by default when it is a terminal.
    on_chunk : callable, optional
        Called with the number of rows written after each chunk (benchmarks sample memory there).

    Returns
    -------
    ArchiveSummary

    Raises
    ------
    ArchiveError
        For bad input (file, row and column named) or an unwritable output; no output file is left behind.
    """
    from .moderator import Moderator

    started = time.perf_counter()
    source = Path(source)
    fmt_in = ArchiveFormat.of(source, input_format)
    fmt_out = ArchiveFormat.of("out.csv" if destination == "-" and output_format is None else destination,
                               output_format)
    if jobs < 1:
        raise ArchiveError(source, f"jobs must be at least 1, got {jobs}")
    if keep is not None:
        keep = list(dict.fromkeys(keep))
    chunks = read_chunks(source, text_column=text_column, keep=keep, chunk_size=chunk_size, input_format=fmt_in)
    first = next(chunks, None)  # the header and the first rows are checked before anything is written
    if moderator is None:
        moderator = Moderator.load(model)
    if first is None:
        raise ArchiveError(source, "has no rows to score")
    kept = keep if keep is not None else [c for c in first.columns if c != text_column]
    clash = [c for c in kept if c in (*moderator.labels, "verdict", "reasons")]
    if clash:
        raise ArchiveError(source, f"a kept column has the name of an output column ({', '.join(clash)}); "
                                   "rename it or leave it out of --keep", column=clash[0])
    bar = _Progress(progress, source, fmt_in)
    writer = _Writer(destination, fmt_out)
    verdicts: dict[str, int] = {}
    rows = 0

    def emit(frame: pd.DataFrame, scores: pd.DataFrame) -> None:
        nonlocal rows
        out = pd.concat([frame[kept], scores], axis=1) if kept else scores
        writer.write(out)
        for verdict, n in scores["verdict"].value_counts().items():
            verdicts[verdict] = verdicts.get(verdict, 0) + int(n)
        rows += len(frame)
        bar.update(frame, rows)
        if on_chunk is not None:
            on_chunk(rows)

    def all_chunks() -> Iterator[pd.DataFrame]:
        yield first
        yield from chunks

    pool = None
    try:
        if jobs == 1:
            for frame in all_chunks():
                emit(frame, score_frame(moderator, frame, text_column=text_column, reasons=reasons))
        else:
            fork = "fork" in multiprocessing.get_all_start_methods()
            _WORKER["moderator"] = moderator  # inherited by forked workers: the model is loaded once
            if fork:
                # Objects that exist now are never scanned by the workers' garbage collector, so the pages holding
                # them (the model, the imported libraries) stay shared with this process instead of being copied.
                gc.collect()
                gc.freeze()
            pool = ProcessPoolExecutor(
                max_workers=jobs - 1,
                mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
                initializer=None if fork else _worker_init,
                initargs=() if fork else (str(model) if model else None,),
            )
            # Of every ``jobs`` chunks, one is scored here while the workers score the others: N jobs are N
            # processes, this one included, so no process only waits.
            pending: deque[tuple[pd.DataFrame, Future | pd.DataFrame]] = deque()
            for number, frame in enumerate(all_chunks()):
                if number % jobs == jobs - 1:
                    pending.append((frame, score_frame(moderator, frame, text_column=text_column, reasons=reasons)))
                else:
                    columns = [c for c in (text_column, *_METADATA) if c in frame.columns]
                    pending.append((frame, pool.submit(_worker_score, frame[columns], text_column, reasons)))
                while len(pending) >= 2 * jobs:
                    done, result = pending.popleft()
                    emit(done, result.result() if isinstance(result, Future) else result)
            while pending:
                done, result = pending.popleft()
                emit(done, result.result() if isinstance(result, Future) else result)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            _WORKER.pop("moderator", None)
            gc.unfreeze()
        bar.close()
    return ArchiveSummary(rows, verdicts, time.perf_counter() - started, destination)
