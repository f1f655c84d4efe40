"""The standard evaluation protocol, as data: which dataset is scored with which label, on which splits.

Everyone measures on the same splits, so figures can be compared across changes and against other tools. Train only
on the train side of a split, and never let a text occur on both sides (`dedupe_across`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd

from moderation.errors import InvalidDataError
from moderation.labels import IDENTITY_ATTACK, INSULT, PROFANITY, SPAM, THREAT, TOXICITY

__all__ = [
    "SCHEMES",
    "Task",
    "CrossSourceTask",
    "protocol",
    "cross_source",
    "task",
    "text_key",
    "dedupe_across",
    "binarise",
    "split_indices",
    "cross_source_rows",
]

#: How a task splits its data: a fixed train/test split, stratified k-fold, leave-one-group-out, or no training.
SCHEMES = ("fixed", "kfold", "group", "eval_only")


@dataclass(frozen=True)
class Task:
    """One evaluation of the standard protocol.

    Attributes
    ----------
    name : str
        Unique task name (``"ucc-hostile"``); equal to the dataset id when the dataset has one task.
    dataset : str
        The catalogue id to `load`.
    labels : tuple of str
        The model's label heads whose scores are evaluated against `target`.
    target : str
        The column of the loaded DataFrame holding the reference.
    threshold : float
        A row is positive when ``target >= threshold``; rows whose target is NaN are left out.
    scheme : str
        One of `SCHEMES`.
    variant : str or None
        The dataset variant to load.
    group_column : str or None
        For ``"group"``: the column whose values are held out one at a time.
    dedupe_first : bool
        Drop repeated texts (by `text_key`, keeping the first) before splitting.
    report : str
        What to report, beyond ROC AUC, average precision and P/R/F1 at the shipped thresholds.
    """

    name: str
    dataset: str
    labels: tuple[str, ...]
    target: str
    scheme: str
    threshold: float = 0.5
    variant: str | None = None
    group_column: str | None = None
    dedupe_first: bool = False
    report: str = ""


_PROTOCOL: tuple[Task, ...] = (
    Task("youtube", "youtube", (SPAM,), SPAM, "group", group_column="group",
         report="leave one video out: the mean and the worst of the five held-out videos"),
    Task("sms", "sms", (SPAM,), SPAM, "kfold", dedupe_first=True,
         report="stratified 5-fold after removing duplicate texts"),
    Task("instagram", "instagram", (SPAM,), SPAM, "kfold", report="comments-rated.csv, stratified 5-fold"),
    Task("impermium", "impermium", (INSULT, TOXICITY), INSULT, "fixed",
         report="train.csv -> test_with_solutions.csv"),
    Task("olid", "olid", (TOXICITY,), TOXICITY, "fixed",
         report="olid-training-v1.0.tsv -> testset-levela.tsv with labels-levela.csv (OFF)"),
    Task("ucc-hostile", "ucc", (TOXICITY,), "hostile", "fixed", report="val.csv -> test.csv, hostile"),
    Task("ucc-unhealthy", "ucc", (TOXICITY,), "unhealthy", "fixed",
         report="val.csv -> test.csv, unhealthy (healthy < 0.5)"),
    Task("fox", "fox", (TOXICITY, IDENTITY_ATTACK), TOXICITY, "kfold", report="stratified 5-fold, hateful"),
    Task("davidson", "davidson", (TOXICITY,), TOXICITY, "kfold",
         report="stratified 5-fold, hate or offensive vs neither"),
    Task("davidson-hate", "davidson", (IDENTITY_ATTACK,), IDENTITY_ATTACK, "kfold",
         report="stratified 5-fold, hate vs offensive or neither"),
    Task("ethos", "ethos", (TOXICITY, IDENTITY_ATTACK), TOXICITY, "kfold", report="stratified 5-fold, isHate >= 0.5"),
    Task("stormfront", "stormfront", (TOXICITY, IDENTITY_ATTACK), TOXICITY, "kfold",
         report="stratified 5-fold, hate vs noHate"),
    # Within the toxic-spans posts (all toxic) each span type has positives and negatives: P(type | toxic), a
    # post counting as positive when most of the raters who called it toxic marked a span of that type.
    Task("civil-insult", "civil_spans", (INSULT,), "insult_share", "kfold",
         report="toxic-spans posts, stratified 5-fold: insult among toxic news comments"),
    Task("civil-identity_attack", "civil_spans", (IDENTITY_ATTACK,), "identity_attack_share", "kfold",
         report="toxic-spans posts, stratified 5-fold: identity attack among toxic news comments"),
    Task("civil-threat", "civil_spans", (THREAT,), "threat_share", "kfold",
         report="toxic-spans posts, stratified 5-fold: threat among toxic news comments"),
    Task("civil-profanity", "civil_spans", (PROFANITY,), "profanity_share", "kfold",
         report="toxic-spans posts, stratified 5-fold: profanity among toxic news comments"),
    Task("wikipedia_identity", "wikipedia_identity", (TOXICITY,), TOXICITY, "eval_only", variant="nonfuzzed",
         report="ROC AUC on the real (non-fuzzed) comments"),
    Task("wikipedia_identity-fuzzed", "wikipedia_identity", (TOXICITY,), TOXICITY, "eval_only", variant="fuzzed",
         report="ROC AUC on the identity-term-swapped comments, reported as the gap to the non-fuzzed AUC"),
)  # fmt: skip


@dataclass(frozen=True)
class CrossSourceTask:
    """One row of the protocol's cross-source table: a dataset the model never learned from, scored as a new site.

    The recipe is trained without any row of the datasets in `leave_out` (and without any text that occurs in the
    scored rows), then scores the rows as it scores a comment from an unknown news site.

    Attributes
    ----------
    name : str
    dataset : str
        The catalogue id of the scored data.
    labels : tuple of str
        The model's heads whose scores are evaluated; the first one is the table's headline figure.
    target : str
        The column holding the reference (positive when ``>= 0.5``).
    rows : str
        ``"test"`` (the fixed split's test side) or ``"all"`` (every row: k-fold and grouped sets).
    group : str or None
        Score only the rows of this ``group`` (the Jigsaw subsets).
    leave_out : tuple of str
        Datasets left out of training (default: `dataset` alone).
    in_mean : bool
        Whether the row counts in the mean and the worst of its kind (spam or abuse).
    dedupe_first : bool
        Drop repeated texts (keeping the first) before scoring.
    variant : str or None
        The dataset variant to score (ETHOS ``multilabel``: violence among hateful comments).
    """

    name: str
    dataset: str
    labels: tuple[str, ...]
    target: str
    rows: str = "all"
    group: str | None = None
    leave_out: tuple[str, ...] = ()
    in_mean: bool = True
    dedupe_first: bool = False
    variant: str | None = None

    @property
    def excluded(self) -> tuple[str, ...]:
        """The datasets the model of this row is trained without."""
        return self.leave_out or (self.dataset,)

    @property
    def kind(self) -> str:
        return "spam" if self.labels[0] == SPAM else "abuse"


_CROSS_SOURCE: tuple[CrossSourceTask, ...] = (
    CrossSourceTask("youtube", "youtube", (SPAM,), SPAM),
    CrossSourceTask("sms", "sms", (SPAM,), SPAM, dedupe_first=True),
    CrossSourceTask("instagram", "instagram", (SPAM,), SPAM),
    CrossSourceTask("impermium", "impermium", (TOXICITY, INSULT), INSULT, rows="test"),
    CrossSourceTask("ucc-hostile", "ucc", (TOXICITY,), "hostile", rows="test", leave_out=("ucc", "ucc_unlabeled")),
    CrossSourceTask("ucc-unhealthy", "ucc", (TOXICITY,), "unhealthy", rows="test",
                    leave_out=("ucc", "ucc_unlabeled"), in_mean=False),
    CrossSourceTask("ucc-hostile-unlabeled-kept", "ucc", (TOXICITY,), "hostile", rows="test", leave_out=("ucc",),
                    in_mean=False),
    CrossSourceTask("fox", "fox", (TOXICITY, IDENTITY_ATTACK), TOXICITY),
    CrossSourceTask("olid", "olid", (TOXICITY,), TOXICITY, rows="test"),
    CrossSourceTask("davidson", "davidson", (TOXICITY,), TOXICITY),
    CrossSourceTask("davidson-hate", "davidson", (IDENTITY_ATTACK,), IDENTITY_ATTACK, in_mean=False),
    CrossSourceTask("stormfront", "stormfront", (TOXICITY, IDENTITY_ATTACK), TOXICITY),
    CrossSourceTask("ethos", "ethos", (TOXICITY, IDENTITY_ATTACK), TOXICITY),
    CrossSourceTask("ethos-violence", "ethos", (THREAT,), THREAT, variant="multilabel", in_mean=False),
    CrossSourceTask("jigsaw-robtest", "jigsaw", (TOXICITY,), TOXICITY, group="robtest"),
    CrossSourceTask("jigsaw-sample", "jigsaw", (TOXICITY,), TOXICITY, group="sample"),
)  # fmt: skip


def cross_source() -> list[CrossSourceTask]:
    """The rows of the protocol's cross-source table, spam first.

    Every abuse and spam dataset with negatives, trained without and scored as an unknown site's comments. UCC is
    also trained without ``ucc_unlabeled`` (the texts of its own train split); the row that keeps them, UCC
    unhealthy and Davidson's hate label are reported beside the table, outside its mean.

    Examples
    --------
    >>> from moderation.datasets import cross_source
    >>> [(t.name, t.excluded) for t in cross_source() if t.dataset == "ucc" and t.in_mean]
    [('ucc-hostile', ('ucc', 'ucc_unlabeled'))]
    """
    return list(_CROSS_SOURCE)


def cross_source_rows(item: CrossSourceTask, df: pd.DataFrame) -> np.ndarray:
    """The positions of `df` (as `load` returns the dataset) that a cross-source row scores.

    Rows whose target is NaN are left out; with ``rows="test"`` only the test side; with `group` only that group.
    """
    if item.target not in df:
        raise InvalidDataError(f"cross-source row {item.name!r} needs the column {item.target!r}")
    keep = np.array(pd.to_numeric(df[item.target], errors="coerce").notna(), dtype=bool)
    if item.rows == "test":
        keep &= (df["split"] == "test").to_numpy()
    if item.group is not None:
        keep &= (df["group"] == item.group).to_numpy()
    if item.dedupe_first:
        keep &= ~_keys(df).duplicated(keep="first").to_numpy()
    return np.flatnonzero(keep)


def protocol() -> list[Task]:
    """The tasks of the standard evaluation protocol.

    Returns
    -------
    list of Task
        In a stable order: spam tasks first, then abuse.

    Examples
    --------
    >>> from moderation.datasets import protocol
    >>> [(t.name, t.target, t.scheme) for t in protocol() if t.dataset == "ucc"]
    [('ucc-hostile', 'hostile', 'fixed'), ('ucc-unhealthy', 'unhealthy', 'fixed')]
    """
    return list(_PROTOCOL)


def task(name: str) -> Task:
    """The protocol task called `name`.

    Raises
    ------
    InvalidDataError
        If there is no such task; the message lists the task names.
    """
    for candidate in _PROTOCOL:
        if candidate.name == name:
            return candidate
    known = ", ".join(t.name for t in _PROTOCOL)
    raise InvalidDataError(f"unknown protocol task {name!r}; known tasks: {known}")


_SPACE = re.compile(r"\s+")


def text_key(text: str) -> str:
    """The key under which two texts count as the same comment: case-folded, whitespace collapsed.

    Invisible format characters (zero-width spaces, the U+FEFF that ends many YouTube comments) are dropped too,
    since they do not make a text different to a reader.

    Examples
    --------
    >>> text_key("  Check out\\tMY channel\\ufeff ") == text_key("check out my CHANNEL")
    True
    """
    text = str(text)
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _SPACE.sub(" ", text.casefold()).strip()


def _keys(frame: pd.DataFrame) -> pd.Series:
    if "text" not in frame:
        raise InvalidDataError(f"the DataFrame needs a 'text' column, got columns {list(frame.columns)}")
    return frame["text"].map(text_key)


def dedupe_across(train_df: pd.DataFrame, test_df: pd.DataFrame) -> pd.DataFrame:
    """Drop from `train_df` the rows whose text (by `text_key`) also occurs in `test_df`.

    Parameters
    ----------
    train_df, test_df : pandas.DataFrame
        Frames with a ``text`` column.

    Returns
    -------
    pandas.DataFrame
        The remaining rows of `train_df`, with their index unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"text": ["You idiot", "nice post", "Great  job"]})
    >>> test = pd.DataFrame({"text": ["great job", "you IDIOT"]})
    >>> dedupe_across(train, test).text.tolist()
    ['nice post']
    """
    test_keys = set(_keys(test_df))
    return train_df[~_keys(train_df).isin(test_keys).to_numpy()]


def binarise(task: Task, df: pd.DataFrame) -> np.ndarray:
    """The task's reference as floats: 1.0 where ``target >= threshold``, 0.0 below, NaN where missing.

    Raises
    ------
    InvalidDataError
        If `df` has no column `task.target`.
    """
    if task.target not in df:
        raise InvalidDataError(
            f"task {task.name!r} needs the column {task.target!r}; load the data with "
            f"moderation.datasets.load({task.dataset!r}), got columns {list(df.columns)}"
        )
    values = pd.to_numeric(df[task.target], errors="coerce").to_numpy(dtype="float64")
    return np.where(np.isnan(values), np.nan, (values >= task.threshold).astype("float64"))


def split_indices(
    task: Task, df: pd.DataFrame, n_splits: int = 5, seed: int = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield the protocol's ``(train_idx, test_idx)`` pairs for `task` on `df`, deterministically.

    Indices are positions (for ``df.iloc``). Rows whose target is NaN are on neither side; with
    `task.dedupe_first`, repeated texts after the first are on neither side; and every train side is stripped of
    the texts that occur in its test side (`dedupe_across`).

    Parameters
    ----------
    task : Task
        A task of `protocol`.
    df : pandas.DataFrame
        The dataset as `load` returns it (``text``, the target column, and ``split`` or the group column as the
        scheme needs).
    n_splits : int, default 5
        Folds for the ``"kfold"`` scheme (ignored by the others).
    seed : int, default 0
        Shuffling seed of the ``"kfold"`` scheme.

    Yields
    ------
    train_idx, test_idx : numpy.ndarray of int
        Sorted positions. ``"fixed"`` yields one pair; ``"kfold"`` `n_splits` pairs; ``"group"`` one pair per
        group, in sorted group order (rows whose group is None are only ever trained on); ``"eval_only"`` one
        pair with an empty train side.

    Raises
    ------
    InvalidDataError
        If `df` lacks a column the scheme needs, or the fixed split has an empty side.

    Examples
    --------
    >>> import pandas as pd
    >>> from moderation.datasets import task
    >>> df = pd.DataFrame({"text": list("abcdef"), "spam": [1.0, 0, 1, 0, 1, 0], "group": list("xxyyzz")})
    >>> [test.tolist() for _, test in split_indices(task("youtube"), df)]
    [[0, 1], [2, 3], [4, 5]]
    """
    if task.scheme not in SCHEMES:
        raise InvalidDataError(f"task {task.name!r} has scheme {task.scheme!r}; expected one of {SCHEMES}")
    y = binarise(task, df)
    keys = _keys(df).to_numpy()
    usable = ~np.isnan(y)
    if task.dedupe_first:
        usable &= ~pd.Series(keys).duplicated(keep="first").to_numpy()
    positions = np.flatnonzero(usable)

    def without_test_texts(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        test_keys = set(keys[test])
        kept = np.fromiter((keys[i] not in test_keys for i in train), dtype=bool, count=len(train))
        return np.sort(train[kept]), np.sort(test)

    if task.scheme == "eval_only":
        yield np.array([], dtype=np.intp), positions
    elif task.scheme == "fixed":
        if "split" not in df:
            raise InvalidDataError(f"task {task.name!r} needs a 'split' column with 'train' / 'test' values")
        split = df["split"].to_numpy(dtype=object)[positions]
        train, test = positions[split == "train"], positions[split == "test"]
        if len(train) == 0 or len(test) == 0:
            raise InvalidDataError(
                f"task {task.name!r}: the 'split' column must have both 'train' and 'test' rows, "
                f"got {len(train)} train and {len(test)} test"
            )
        yield without_test_texts(train, test)
    elif task.scheme == "group":
        column = task.group_column or "group"
        if column not in df:
            raise InvalidDataError(f"task {task.name!r} needs a {column!r} column to hold groups out")
        groups = df[column].to_numpy(dtype=object)[positions]
        for held_out in sorted({g for g in groups if g is not None}, key=str):
            out = groups == held_out
            yield without_test_texts(positions[~out], positions[out])
    else:
        from sklearn.model_selection import StratifiedKFold  # imported here: scikit-learn is slow to import

        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        for train, test in folds.split(positions, y[positions]):
            yield without_test_texts(positions[train], positions[test])
