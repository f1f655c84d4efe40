"""Loaders: read each dataset's files, undo their format quirks, and map their labels onto ``LABELS``.

Every loader returns the same schema (see `load`). Text is decoded from the file format only (quoting, escapes,
joins); it is never otherwise normalised, because the library's normaliser does that for training and scoring alike.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from moderation.errors import DatasetError
from moderation.labels import IDENTITY_ATTACK, INSULT, LABELS, PROFANITY, SPAM, THREAT, TOXICITY

from .sources import Dataset, get
from .storage import _resolve_data_dir, verify_files

__all__ = ["COLUMNS", "load", "decode_impermium"]

#: The columns every loader returns, in this order; dataset-specific extras follow them.
COLUMNS: tuple[str, ...] = ("text", *LABELS, "source", "split", "group")


def load(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    verify: bool | str = True,
    *,
    variant: str | None = None,
) -> pd.DataFrame:
    """Load a catalogued dataset as a DataFrame in the library's label schema.

    Parameters
    ----------
    name : str
        A dataset id from `catalogue` (``"youtube"``, ``"impermium"``, ...).
    data_dir : str or path-like, optional
        The data directory; resolved with `data_dir` (``MODERATION_DATA``, then ``../shared/datasets``) when omitted.
    verify : bool or {"catalogue", "folder", "none"}, default True
        Check the sha256 of every file read (see `verify_files`): against the catalogue (``True``), against the
        folder's own ``SHA256SUMS`` (``"folder"``), or not at all (``False``). Hashes are memoised per process.
    variant : str, optional
        Another way to load the dataset, where the catalogue lists one: ``"fuzzed"`` for
        ``wikipedia_identity`` (default ``"nonfuzzed"``), ``"verification"`` for ``impermium`` (the Kaggle
        verification set, which overlaps train and test; not loaded by default).

    Returns
    -------
    pandas.DataFrame
        One row per comment, with a fresh RangeIndex and the columns

        - ``text`` (str): the comment, decoded from the file format and otherwise as written;
        - ``spam``, ``toxicity``, ``insult``, ``identity_attack`` (float): 1.0 / 0.0, a fraction where the
          source gives one, NaN where the dataset says nothing about the label;
        - ``source`` (str): the dataset id;
        - ``split`` (str or None): ``"train"`` / ``"test"`` for datasets with a fixed split in the protocol
          (``"verification"`` for that Impermium variant), else None;
        - ``group`` (str or None): the YouTube video name, else None;
        - then the dataset's ``extra_columns`` (``author``, ``hostile``, ``unhealthy``, ``n_raters``).

    Raises
    ------
    DatasetError
        For an unknown dataset or variant, a missing data directory or file, or a checksum mismatch.

    Examples
    --------
    >>> from moderation.datasets import load
    >>> df = load("olid")  # doctest: +SKIP
    >>> df.groupby("split").toxicity.mean().round(3).to_dict()  # doctest: +SKIP
    {'test': 0.279, 'train': 0.332}
    """
    entry = get(name)
    chosen = entry.default_variant if variant is None else variant
    paths = entry.variant_files(chosen)
    folder = _resolve_data_dir(data_dir) / entry.folder
    verify_files(entry, folder, paths, verify)
    frame = _READERS[entry.id](folder, chosen)
    return _conform(frame, entry)


def _conform(frame: pd.DataFrame, entry: Dataset) -> pd.DataFrame:
    """Put a reader's output into the standard column order and types."""
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    out["text"] = frame["text"].astype(str)
    for label in LABELS:
        out[label] = frame[label].astype("float64") if label in frame else np.nan
    out["source"] = entry.id
    for column in ("split", "group"):
        values = frame[column].tolist() if column in frame else [None] * len(frame)
        out[column] = pd.Series(values, index=frame.index, dtype=object)
    for column in entry.extra_columns:
        out[column] = frame[column]
    return out


# ---------------------------------------------------------------------------------------------------------- readers


def _read_csv(path: Path, columns: tuple[str, ...] = (), **options) -> pd.DataFrame:
    """``pandas.read_csv`` as strings, where 'NA' or 'null' in a comment stays text; ``columns`` must be present.

    A file that is not valid UTF-8 or not parseable as the expected CSV, or that lacks one of ``columns``, raises
    `DatasetError` naming the file (and the column).
    """
    options.setdefault("dtype", str)
    try:
        raw = pd.read_csv(path, keep_default_na=False, encoding="utf-8", **options)
    except UnicodeDecodeError as error:
        raise DatasetError(f"{path}: not valid UTF-8 (byte {error.start}); is this the staged file?") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DatasetError(f"{path}: could not be read as CSV ({str(error).splitlines()[0]})") from None
    return _require(raw, path, *columns)


def _require(raw: pd.DataFrame, path: Path, *columns: str) -> pd.DataFrame:
    """Refuse a file that lacks a column the loader reads, naming the file, the column and what the file has."""
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise DatasetError(
            f"{path}: no column {missing[0]!r} (the loader needs {list(columns)}; the file has {list(raw.columns)[:12]})"
        )
    return raw


def _binary(values: pd.Series, path: Path, column: str, positive: str = "1", negative: str = "0") -> np.ndarray:
    """Map a two-valued column to 1.0 / 0.0, refusing any other value."""
    stripped = values.astype(str).str.strip()
    unexpected = sorted(set(stripped) - {positive, negative})
    if unexpected:
        raise DatasetError(
            f"{path}: column {column!r} should hold only {positive!r} or {negative!r}, found {unexpected[:5]}"
        )
    return (stripped == positive).to_numpy(dtype="float64")


def _fraction(values: pd.Series, path: Path, column: str) -> np.ndarray:
    """Parse a column of numbers in [0, 1]."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(numbers) | (numbers < 0) | (numbers > 1)
    if bad.any():
        raise DatasetError(f"{path}: column {column!r} should hold numbers in [0, 1], found {values[bad].iloc[0]!r}")
    return numbers


_YOUTUBE_NAME = re.compile(r"Youtube\d+-(?P<video>.+)\.csv")


def _youtube(folder: Path, variant: str) -> pd.DataFrame:
    # A standard CSV parser is the reference reading (UCI's counts): the unbalanced quote on Eminem line 271
    # folds six physical lines into one spam row, and that row stays as the parser gives it.
    parts = []
    for relative in get("youtube").variant_files(variant):
        path = folder / relative
        raw = _read_csv(path, ("CONTENT", "CLASS", "AUTHOR"))
        video = _YOUTUBE_NAME.fullmatch(relative)
        parts.append(
            pd.DataFrame(
                {
                    "text": raw["CONTENT"],
                    SPAM: _binary(raw["CLASS"], path, "CLASS"),
                    "group": video["video"] if video else relative,
                    "author": raw["AUTHOR"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _sms(folder: Path, variant: str) -> pd.DataFrame:
    path = folder / "SMSSpamCollection"
    # No quoting: a message that starts with '"' would otherwise swallow the lines after it.
    raw = _read_csv(path, sep="\t", header=None, names=["label", "text"], quoting=csv.QUOTE_NONE)
    missing = raw["text"].isna() | (raw["text"] == "")
    if missing.any():
        line = int(raw.index[missing][0]) + 1
        raise DatasetError(f"{path}, line {line}: no 'text' column (the message after the tab) on this line")
    return pd.DataFrame({"text": raw["text"], SPAM: _binary(raw["label"], path, "label", "spam", "ham")})


def _instagram(folder: Path, variant: str) -> pd.DataFrame:
    path = folder / "comments-rated.csv"
    raw = _read_csv(path, ("msg", "scam"))
    return pd.DataFrame({"text": raw["msg"], SPAM: _binary(raw["scam"], path, "scam")})


# ------------------------------------------------------------------------------------------------------ impermium

_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt\\'\"])")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", '"': '"'}
# A UTF-8 multi-byte sequence that was decoded byte by byte into U+0080..U+00FF characters.
_UTF8_AS_LATIN1 = re.compile("[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_MAX_ESCAPE_LAYERS = 4


def _unescape_once(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _SIMPLE_ESCAPES[code]


def _utf8_bytes(match: re.Match[str]) -> str:
    try:
        return match.group().encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return match.group()


def decode_impermium(comment: str) -> str:
    r"""Decode one Impermium ``Comment`` field (after CSV parsing) into the text as written.

    The field is a Python 2 ``repr``-like string inside an extra pair of double quotes, and its escapes may be
    stacked two or three layers deep (``\\n`` for a newline, ``\\xc2\\xa0`` for a no-break space). Recognised
    escapes (``\xHH``, ``\uHHHH``, ``\UHHHHHHHH``, ``\n``, ``\r``, ``\t``, ``\\``, ``\'``, ``\"``) are decoded
    until none is left; anything else after a backslash (``jail\prison``, ASCII art) is kept. Finally, runs of
    U+0080..U+00FF characters that spell a UTF-8 byte sequence (``\xe2\x80\xa6``) are re-decoded (``…``).

    Parameters
    ----------
    comment : str
        The field as ``csv`` / pandas returns it, outer quotes included.

    Returns
    -------
    str

    Examples
    --------
    >>> decode_impermium(r'"so\\xc2\\xa0what\\n\\nyou \u2018fool\u2019\\xe2\\x80\\xa6"')
    'so\xa0what\n\nyou ‘fool’…'
    """
    text = comment
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        text = text[1:-1]
    for _ in range(_MAX_ESCAPE_LAYERS):
        decoded = _ESCAPE.sub(_unescape_once, text)
        if decoded == text:
            break
        text = decoded
    return _UTF8_AS_LATIN1.sub(_utf8_bytes, text)


def _impermium_file(path: Path, split: str) -> pd.DataFrame:
    raw = _read_csv(path, ("Insult", "Comment"))
    insult = _binary(raw["Insult"], path, "Insult")
    return pd.DataFrame(
        {"text": raw["Comment"].map(decode_impermium), TOXICITY: insult, INSULT: insult, "split": split}
    )


def _impermium(folder: Path, variant: str) -> pd.DataFrame:
    if variant == "verification":
        return _impermium_file(folder / "impermium_verification_labels.csv", "verification")
    return pd.concat(
        [
            _impermium_file(folder / "train.csv", "train"),
            _impermium_file(folder / "test_with_solutions.csv", "test"),
        ],
        ignore_index=True,
    )


# ----------------------------------------------------------------------------------------------------------- olid


def _olid(folder: Path, variant: str) -> pd.DataFrame:
    train_path = folder / "olid-training-v1.0.tsv"
    # Tweets hold stray quote characters: no quoting. Missing sub-task labels are the string NULL.
    train = _read_csv(train_path, ("tweet", "subtask_a", "subtask_b", "subtask_c"), sep="\t", quoting=csv.QUOTE_NONE)
    level_a = train["subtask_a"].str.strip()
    level_b = train["subtask_b"].str.strip()
    level_c = train["subtask_c"].str.strip()
    offensive = _binary(level_a, train_path, "subtask_a", "OFF", "NOT")
    not_offensive = (level_a == "NOT").to_numpy()
    insult = np.where(
        (level_b == "TIN").to_numpy() & (level_c == "IND").to_numpy(), 1.0, np.where(not_offensive, 0.0, np.nan)
    )
    identity = np.where((level_c == "GRP").to_numpy(), 1.0, np.where(not_offensive, 0.0, np.nan))
    train_frame = pd.DataFrame(
        {"text": train["tweet"], TOXICITY: offensive, INSULT: insult, IDENTITY_ATTACK: identity, "split": "train"}
    )

    tweets_path, labels_path = folder / "testset-levela.tsv", folder / "labels-levela.csv"
    tweets = _read_csv(tweets_path, ("id", "tweet"), sep="\t", quoting=csv.QUOTE_NONE)
    # The staged label file starts with an added 'id,label' line; other copies have none. Keep numeric ids only.
    labels = _read_csv(labels_path, header=None, names=["id", "label"])
    labels = labels[labels["id"].str.strip().str.isdigit()]
    labels = labels.assign(id=labels["id"].str.strip())
    test = tweets.assign(id=tweets["id"].str.strip()).merge(labels, on="id", how="left", validate="one_to_one")
    if test["label"].isna().any():
        missing = test.loc[test["label"].isna(), "id"].iloc[0]
        raise DatasetError(f"{labels_path}: no label for test tweet id {missing} of {tweets_path}")
    test_frame = pd.DataFrame(
        {"text": test["tweet"], TOXICITY: _binary(test["label"], labels_path, "label", "OFF", "NOT"), "split": "test"}
    )
    return pd.concat([train_frame, test_frame], ignore_index=True)


# ------------------------------------------------------------------------------------------------------------ ucc


def _ucc_file(path: Path, split: str) -> pd.DataFrame:
    raw = _read_csv(path, ("comment", "hostile", "antagonize", "healthy"))
    hostile = _binary(raw["hostile"], path, "hostile")
    antagonize = _binary(raw["antagonize"], path, "antagonize")
    healthy = _binary(raw["healthy"], path, "healthy")
    return pd.DataFrame(
        {
            "text": raw["comment"],
            TOXICITY: np.maximum(hostile, antagonize),
            INSULT: antagonize,
            "split": split,
            "hostile": hostile,
            "unhealthy": 1.0 - healthy,
        }
    )


def _ucc(folder: Path, variant: str) -> pd.DataFrame:
    # The upstream train.csv is not staged, so the protocol trains on val.csv.
    return pd.concat(
        [_ucc_file(folder / "val.csv", "train"), _ucc_file(folder / "test.csv", "test")], ignore_index=True
    )


# ------------------------------------------------------------------------------------------------- hate speech sets


def _fox(folder: Path, variant: str) -> pd.DataFrame:
    path = folder / "fox-news-comments.json"
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise DatasetError(f"{path}, line {number}: not a JSON object ({error})") from None
    for number, record in enumerate(records, start=1):
        missing = [key for key in ("text", "label") if not isinstance(record, dict) or key not in record]
        if missing:
            raise DatasetError(f"{path}: record {number} has no {missing[0]!r} field")
    raw = pd.DataFrame.from_records(records, columns=["text", "label", "user"])
    hateful = _binary(raw["label"], path, "label")
    return pd.DataFrame({"text": raw["text"], TOXICITY: hateful, IDENTITY_ATTACK: hateful, "author": raw["user"]})


def _davidson(folder: Path, variant: str) -> pd.DataFrame:
    path = folder / "labeled_data.csv"
    raw = _read_csv(path, ("tweet", "class"))
    label = raw["class"].str.strip()
    unexpected = sorted(set(label) - {"0", "1", "2"})
    if unexpected:
        raise DatasetError(f"{path}: column 'class' should hold 0, 1 or 2, found {unexpected[:5]}")
    return pd.DataFrame(
        {
            "text": raw["tweet"],
            TOXICITY: label.isin(["0", "1"]).to_numpy(dtype="float64"),
            IDENTITY_ATTACK: (label == "0").to_numpy(dtype="float64"),
        }
    )


def _stormfront(folder: Path, variant: str) -> pd.DataFrame:
    sentences_path, meta_path = folder / "sentences.tsv", folder / "annotations_metadata.csv"
    sentences = _read_csv(sentences_path, ("file_id", "text"), sep="\t")
    meta = _read_csv(meta_path, ("file_id", "label"))
    joined = meta.merge(sentences, on="file_id", how="left", validate="one_to_one")
    if joined["text"].isna().any():
        missing = joined.loc[joined["text"].isna(), "file_id"].iloc[0]
        raise DatasetError(f"{sentences_path}: no sentence for file_id {missing} of {meta_path}")
    # 'relation' (hateful only with its context) and 'idk/skip' are neither clean positives nor negatives.
    joined = joined[joined["label"].isin(["hate", "noHate"])]
    hate = (joined["label"] == "hate").to_numpy(dtype="float64")
    return pd.DataFrame({"text": joined["text"], TOXICITY: hate, IDENTITY_ATTACK: hate})


def _ethos(folder: Path, variant: str) -> pd.DataFrame:
    if variant == "multilabel":
        path = folder / "Ethos_Dataset_Multi_Label.csv"
        raw = _read_csv(path, ("comment", "violence"), sep=";")
        return pd.DataFrame(
            {"text": raw["comment"], TOXICITY: 1.0, IDENTITY_ATTACK: 1.0, THREAT: _fraction(raw["violence"], path, "violence")}
        )
    path = folder / "Ethos_Dataset_Binary.csv"
    raw = _read_csv(path, ("comment", "isHate"), sep=";")
    is_hate = _fraction(raw["isHate"], path, "isHate")
    return pd.DataFrame({"text": raw["comment"], TOXICITY: is_hate, IDENTITY_ATTACK: is_hate})


def _wikipedia_identity(folder: Path, variant: str) -> pd.DataFrame:
    (relative,) = get("wikipedia_identity").variant_files(variant)
    path = folder / relative
    raw = _read_csv(path, ("comment", "toxic"))
    return pd.DataFrame({"text": raw["comment"], TOXICITY: _binary(raw["toxic"], path, "toxic", "True", "False")})


# ------------------------------------------------------------------------------------------ jigsaw, ucc unlabeled

#: The Jigsaw subsets' files and the ``group`` each one's rows get.
JIGSAW_SUBSETS = (("robtest_jigsaw_balanced.csv", "robtest"), ("jigsaw_sample_5k_lowercased.csv", "sample"))


def _jigsaw(folder: Path, variant: str) -> pd.DataFrame:
    parts = []
    for relative, group in JIGSAW_SUBSETS:
        path = folder / relative
        raw = _read_csv(path, ("comment_text", "toxic"))
        parts.append(
            pd.DataFrame({"text": raw["comment_text"], TOXICITY: _binary(raw["toxic"], path, "toxic"), "group": group})
        )
    return pd.concat(parts, ignore_index=True)


def _ucc_unlabeled(folder: Path, variant: str) -> pd.DataFrame:
    path = folder / "train_comments.csv"
    raw = _read_csv(path, ("comment",))
    empty = raw["comment"].str.strip() == ""
    if empty.any():
        raise DatasetError(f"{path}: column 'comment' is empty in row {int(empty.idxmax()) + 2} (counting the header)")
    return pd.DataFrame({"text": raw["comment"]})


# -------------------------------------------------------------------------------------------------- toxic spans

_SPAN_TYPES = ("Insult", "Profane/Obscene", "Identity based Attack", "Other Toxicity", "Threat")


def _span_type(raw: str) -> str | None:
    """The full span type a possibly truncated label ('Insu', 'Identity based ') begins, or None."""
    stripped = raw.strip()
    if not stripped:
        return None
    matches = [full for full in _SPAN_TYPES if full.startswith(stripped)]
    return matches[0] if len(matches) == 1 else None


def _agreed_types(spans: pd.DataFrame, raters: dict[int, int]) -> dict[str, set[int]]:
    """For each span type, the posts where some character is inside that type's spans for a strict majority."""
    per_rater: dict[tuple[int, str, int], list[tuple[int, int]]] = defaultdict(list)
    for comment_id, kind, annotation, start, end in spans.itertuples(index=False):
        per_rater[(comment_id, kind, annotation)].append((start, end))
    # +1 / -1 events of each rater's merged intervals, so that a rater counts once per character.
    events: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for (comment_id, kind, _), intervals in per_rater.items():
        intervals.sort()
        merged_start, merged_end = intervals[0]
        for start, end in intervals[1:]:
            if start <= merged_end:
                merged_end = max(merged_end, end)
            else:
                events[(comment_id, kind)] += [(merged_start, 1), (merged_end, -1)]
                merged_start, merged_end = start, end
        events[(comment_id, kind)] += [(merged_start, 1), (merged_end, -1)]
    agreed: dict[str, set[int]] = defaultdict(set)
    for (comment_id, kind), points in events.items():
        depth = best = 0
        for _, step in sorted(points):  # at equal offsets, ends (-1) sort before starts: half-open spans
            depth += step
            best = max(best, depth)
        if 2 * best > raters[comment_id]:
            agreed[kind].add(comment_id)
    return agreed


def _civil_spans(folder: Path, variant: str) -> pd.DataFrame:
    comments = _read_csv(folder / "comments.csv", ("comment_id", "comment_text"), dtype={"comment_text": str})
    annotations = _read_csv(folder / "annotations.csv", ("annotation", "comment_id", "not toxic"), dtype=None)
    spans = _read_csv(folder / "spans.csv", ("annotation", "type", "start", "end"), dtype={"type": str})
    not_toxic = annotations["not toxic"].astype(str).str.strip().str.lower() == "true"
    annotations = annotations.assign(not_toxic=not_toxic)
    tally = annotations.groupby("comment_id").agg(n_raters=("annotation", "size"), n_not=("not_toxic", "sum"))
    raters = tally["n_raters"].to_dict()

    # Spans of raters who also said "not toxic" contradict themselves; they do not count towards agreement.
    typed = spans.assign(kind=spans["type"].map(_span_type)).dropna(subset=["kind"])
    typed = typed.merge(annotations[["annotation", "comment_id", "not_toxic"]], on="annotation", how="inner")
    typed = typed[~typed["not_toxic"]]
    agreed = _agreed_types(typed[["comment_id", "kind", "annotation", "start", "end"]], raters)

    # Positive-only: keep the posts a strict majority did not call "not toxic" (ties are dropped).
    toxic_ids = tally.index[2 * (tally["n_raters"] - tally["n_not"]) > tally["n_raters"]]
    kept = comments[comments["comment_id"].isin(toxic_ids)]
    ids = kept["comment_id"]
    # Within toxic posts every type has positives and negatives: the share of the raters who called the post toxic
    # and marked a span of that type estimates P(type | toxic).
    marking = typed.groupby(["comment_id", "kind"])["annotation"].nunique()
    toxic_raters = ids.map(tally["n_raters"] - tally["n_not"]).to_numpy(dtype="float64")
    frame = {
        "text": kept["comment_text"],
        TOXICITY: 1.0,
        INSULT: np.where(ids.isin(agreed["Insult"]), 1.0, np.nan),
        IDENTITY_ATTACK: np.where(ids.isin(agreed["Identity based Attack"]), 1.0, np.nan),
        THREAT: np.where(ids.isin(agreed["Threat"]), 1.0, np.nan),
        PROFANITY: np.where(ids.isin(agreed["Profane/Obscene"]), 1.0, np.nan),
        "n_raters": ids.map(raters).astype("int64"),
    }
    for column, kind in _SHARE_COLUMNS.items():
        counts = ids.map(marking.xs(kind, level="kind") if kind in marking.index.get_level_values("kind") else {})
        frame[column] = np.minimum(counts.fillna(0).to_numpy(dtype="float64") / toxic_raters, 1.0)
    return pd.DataFrame(frame)


#: Extra columns of the toxic-spans set: per span type, the share of the post's toxic-voting raters who marked it.
_SHARE_COLUMNS = {
    "insult_share": "Insult",
    "identity_attack_share": "Identity based Attack",
    "threat_share": "Threat",
    "profanity_share": "Profane/Obscene",
}


_READERS: dict[str, Callable[[Path, str], pd.DataFrame]] = {
    "youtube": _youtube,
    "sms": _sms,
    "instagram": _instagram,
    "impermium": _impermium,
    "olid": _olid,
    "ucc": _ucc,
    "fox": _fox,
    "davidson": _davidson,
    "stormfront": _stormfront,
    "ethos": _ethos,
    "civil_spans": _civil_spans,
    "wikipedia_identity": _wikipedia_identity,
    "jigsaw": _jigsaw,
    "ucc_unlabeled": _ucc_unlabeled,
}
