"""scikit-learn transformers that turn comments into feature vectors.

:class:`CommentFeatures` is the one feature step of every model: it normalises each comment once (:mod:`moderation.text`)
and produces, in one sparse matrix,

* hashed character n-grams (2 to 5 characters, across word boundaries) and word 1- and 2-grams of the normalised text,
  weighted by sublinear TF-IDF and L2-normalised per comment;
* a few dense signals about the raw text (links, link shorteners, capitals, hidden characters, look-alike letters...);
* optionally (``signals=True``), the phrase signals of :mod:`moderation.signals` ("those people are vermin", "should
  be shot"): one bucket each, at a fixed value outside the TF-IDF, spanning the words that made them.

Why hashing, done by hand: scikit-learn's ``TfidfVectorizer(analyzer="char_wb")`` builds every n-gram as a Python
string and manages about 2,000 news comments a second. Here the n-grams of a whole batch are hashed at once with
numpy, from the code points of the text: a polynomial hash over prefix sums gives the hash of any span in a few array
operations, so the cost per comment is a small constant plus the normalisation. Every feature keeps its position, so an
explanation can map a weight back to the words it came from (:meth:`CommentFeatures.analyze`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from .errors import InvalidCommentError
from .outputs import check_fitted
from .signals import SIGNALS, signal_spans
from .text import MAX_CHARS, TextStats, normalise_with_stats

__all__ = ["CommentFeatures", "META_FEATURES", "Analysis", "Occurrences", "Counts", "CountCache", "as_texts",
           "signal_buckets"]

#: The dense signals, in column order after the hashed block.
META_FEATURES: tuple[str, ...] = (
    "links",
    "link_shortener",
    "email",
    "mentions",
    "capitals",
    "hidden_characters",
    "fancy_letters",
    "look_alike_letters",
    "html",
    "length",
    "phone_number",
)

_P = np.uint64(0x100000001B3)  # odd, so it has an inverse modulo 2**64
_Q = np.uint64(pow(0x100000001B3, -1, 2**64))
_CHAR_SALT = np.uint64(0x9E3779B97F4A7C15)
_WORD_SALT = np.uint64(0xC2B2AE3D27D4EB4F)
_BIGRAM_SALT = np.uint64(0x165667B19E3779F9)
_SIGNAL_SALT = np.uint64(0x27D4EB2F165667C5)
_SEP = 0  # code point separating comments in a batch; normalised text never contains NUL

# ASCII characters that end a word; every non-ASCII code point counts as part of a word (letters, emoji).
_WORD_CHAR = np.array([chr(c).isalnum() or chr(c) in "'_*" for c in range(128)], dtype=bool)
_PHONE = re.compile(r"0(?:[ .\-()]?0){6,}")


class _Powers:
    """Powers of P and of its inverse modulo 2**64, grown on demand and shared by all instances."""

    p = np.ones(1, dtype=np.uint64)
    q = np.ones(1, dtype=np.uint64)

    @classmethod
    def upto(cls, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(cls.p) < n:
            size = max(n, 2 * len(cls.p))
            p = np.full(size, _P, dtype=np.uint64)
            q = np.full(size, _Q, dtype=np.uint64)
            p[0] = q[0] = 1
            with np.errstate(over="ignore"):
                cls.p = np.cumprod(p, dtype=np.uint64)
                cls.q = np.cumprod(q, dtype=np.uint64)
        return cls.p, cls.q


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole word."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * np.uint64(0xBF58476D1CE4E5B9)
        h = h ^ (h >> np.uint64(27))
        h = h * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


@dataclass(frozen=True)
class _Grams:
    """Every n-gram of a batch: which comment, which bucket, and where in the padded normalised text."""

    doc: np.ndarray
    bucket: np.ndarray
    start: np.ndarray  # offsets into the comment's padded text (" " + normalised + " ")
    end: np.ndarray
    n_signals: int = 0  # the last occurrences are phrase signals (a fixed value each, outside the TF-IDF)


def _hash_batch(
    texts: Sequence[str],
    n_features: int,
    char_range: tuple[int, int],
    word_range: tuple[int, int],
    with_positions: bool = False,
    signals: bool = False,
) -> _Grams:
    padded = "\x00".join(f" {t} " for t in texts)
    codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32)
    n = len(codes)
    c = codes.astype(np.uint64)
    sep = codes == _SEP
    doc_at = np.cumsum(sep, dtype=np.int32)  # comment index of each code point (a separator starts the next one)
    mask = np.uint64(n_features - 1)

    docs, buckets, starts, ends = [], [], [], []
    # Character n-grams: h holds the hash of the window of `size` code points starting at each position, grown
    # one code point at a time; `ok` says the window holds no separator.
    h, ok = c, ~sep
    with np.errstate(over="ignore"):
        for size in range(1, char_range[1] + 1):
            if size > 1:
                h = h[:-1] * _P + c[size - 1 :]
                ok = ok[:-1] & ~sep[size - 1 :]
            if size < char_range[0]:
                continue
            at = np.flatnonzero(ok)
            docs.append(doc_at[at])
            buckets.append(_mix(h[at] + _CHAR_SALT * np.uint64(size)) & mask)
            if with_positions:
                starts.append(at)
                ends.append(at + size)

    # Words: maximal runs of word characters, hashed from prefix sums so any length costs the same.
    is_word = np.where(codes < 128, _WORD_CHAR[np.minimum(codes, 127)], True) & ~sep
    edges = np.diff(is_word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    w_start = np.flatnonzero(edges == 1)
    w_end = np.flatnonzero(edges == -1)
    if len(w_start) and word_range[1] >= 1:
        powers_p, powers_q = _Powers.upto(n + 1)
        with np.errstate(over="ignore"):
            prefix = np.zeros(n + 1, dtype=np.uint64)
            np.cumsum(c * powers_q[:n], out=prefix[1:])
            wh = _mix(powers_p[w_end - 1] * (prefix[w_end] - prefix[w_start]) + _WORD_SALT)
        w_doc = doc_at[w_start]
        if word_range[0] <= 1:
            docs.append(w_doc)
            buckets.append(wh & mask)
            if with_positions:
                starts.append(w_start)
                ends.append(w_end)
        if word_range[1] >= 2 and len(w_start) > 1:
            same = np.flatnonzero(w_doc[1:] == w_doc[:-1])
            with np.errstate(over="ignore"):
                bh = _mix(wh[same] * _P + wh[same + 1] + _BIGRAM_SALT)
            docs.append(w_doc[same])
            buckets.append(bh & mask)
            if with_positions:
                starts.append(w_start[same])
                ends.append(w_end[same + 1])

    # Where each comment's padded text starts in the batch.
    offsets = np.concatenate([[0], np.cumsum([len(t) + 3 for t in texts])]) if with_positions else None
    # Phrase signals (moderation.signals): one occurrence each, in a bucket of their own, spanning their words.
    n_signals = 0
    if signals:
        found = [(i, k, a, b) for i, t in enumerate(texts) for k, a, b in signal_spans(t)]
        if found:
            s_doc, s_kind, s_start, s_end = (np.array(column, dtype=np.int64) for column in zip(*found))
            with np.errstate(over="ignore"):
                kinds = _mix(_SIGNAL_SALT * (s_kind.astype(np.uint64) + np.uint64(1))) & mask
            n_signals = len(s_doc)
            docs.append(s_doc)
            buckets.append(kinds)
            if offsets is not None:
                # Offsets in the whole batch: the comment's own offset plus one for its leading space.
                starts.append(offsets[s_doc] + s_start + 1)
                ends.append(offsets[s_doc] + s_end + 1)

    # int32 halves the memory of a batch's occurrences (buckets are < 2**31; batches hold < 2**31 comments).
    doc = np.concatenate(docs).astype(np.int32) if docs else np.zeros(0, dtype=np.int32)
    bucket = np.concatenate(buckets).astype(np.int32) if buckets else np.zeros(0, dtype=np.int32)
    if offsets is not None:
        # Positions relative to each comment's own padded text.
        start = np.concatenate(starts) - offsets[doc]
        end = np.concatenate(ends) - offsets[doc]
        return _Grams(doc, bucket, start, end, n_signals)
    empty = np.zeros(0, dtype=np.int64)
    return _Grams(doc, bucket, empty, empty, n_signals)


def signal_buckets(n_features: int) -> np.ndarray:
    """The hashed bucket of each phrase signal (in the order of :data:`moderation.signals.SIGNALS`)."""
    kinds = np.arange(1, len(SIGNALS) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return (_mix(_SIGNAL_SALT * kinds) & np.uint64(n_features - 1)).astype(np.int64)


def as_texts(X: object) -> list[str]:
    """Accept a sequence of strings, a pandas Series, or a DataFrame with a ``text`` column; return a list of str.

    Raises
    ------
    InvalidCommentError
        For anything else, naming the position and type of the first bad item.
    """
    if hasattr(X, "columns"):
        if "text" not in X.columns:  # type: ignore[attr-defined]
            raise InvalidCommentError(
                f"a DataFrame of comments needs a 'text' column; it has {list(X.columns)}"  # type: ignore[attr-defined]
            )
        X = X["text"]  # type: ignore[index]
    if isinstance(X, str) or not isinstance(X, Iterable):
        raise InvalidCommentError(f"expected a list of comment texts, got {type(X).__name__}")
    texts = list(X)  # type: ignore[arg-type]
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InvalidCommentError(f"text at position {i} must be a string, got {type(t).__name__}")
    return texts


def _meta_row(stats: TextStats, normalised: str) -> tuple[float, ...]:
    return (
        min(stats.n_links, 5) / 5,
        float(stats.n_shorteners > 0),
        float(stats.n_emails > 0),
        min(stats.n_mentions, 5) / 5,
        stats.upper_ratio * min(1.0, stats.n_chars / 40),
        float(stats.n_invisible > 0),
        float(stats.n_fancy > 0),
        float(stats.n_homoglyph_words > 0),
        float(stats.n_html_tags > 0),
        math.log1p(stats.n_chars) / math.log1p(MAX_CHARS),
        float("0" in normalised and _PHONE.search(normalised) is not None),
    )


@dataclass(frozen=True)
class Occurrences:
    """A batch as weighted n-gram occurrences: the cheap form that scoring and explanations use.

    The n-gram part of comment ``i``'s feature vector is the sum, over the occurrences ``k`` with ``doc[k] == i``,
    of ``value[k]`` at column ``bucket[k]``; the dense signals follow in ``meta``.
    """

    n_docs: int
    doc: np.ndarray
    bucket: np.ndarray
    value: np.ndarray
    meta: np.ndarray  # (n_docs, len(META_FEATURES)), already scaled
    normalised: list[str]
    stats: list[TextStats]


@dataclass(frozen=True)
class Analysis:
    """One comment taken apart for an explanation (see :meth:`CommentFeatures.analyze`)."""

    occurrences: Occurrences
    padded: str  # " " + normalised + " ": the offsets below index this string
    start: np.ndarray  # per occurrence
    end: np.ndarray

    @property
    def normalised(self) -> str:
        return self.occurrences.normalised[0]

    @property
    def stats(self) -> TextStats:
        return self.occurrences.stats[0]


@dataclass(frozen=True)
class Counts:
    """Comments as bucket counts before the IDF (see :meth:`CommentFeatures.counts`)."""

    matrix: sp.csr_matrix  # (n_docs, n_features), float32 occurrence counts
    meta: np.ndarray  # (n_docs, len(META_FEATURES)), before ``meta_scale``
    params: tuple  # the feature parameters the counts were made with
    signals: sp.csr_matrix | None = None  # (n_docs, n_features), phrase signal counts at their buckets

    def take(self, rows: np.ndarray) -> "Counts":
        signals = None if self.signals is None else self.signals[rows]
        return Counts(self.matrix[rows], self.meta[rows], self.params, signals)


class CountCache:
    """The counts of every comment seen so far, by text: training on parts of one corpus many times (the standard
    protocol retrains a recipe a dozen times) normalises and hashes each text once.

    Parameters
    ----------
    features : CommentFeatures
        Its parameters fix the counts; only models with the same feature parameters can use the cache.
    """

    def __init__(self, features: "CommentFeatures"):
        self.features = features
        self._row: dict[str, int] = {}
        self._blocks: list[Counts] = []
        self._all: Counts | None = None

    def __len__(self) -> int:
        return len(self._row)

    def add(self, texts: Sequence[str]) -> None:
        """Count the texts not seen yet."""
        new = list(dict.fromkeys(t for t in texts if t not in self._row))
        if not new:
            return
        for text in new:
            self._row[text] = len(self._row)
        for start in range(0, len(new), 20_000):
            self._blocks.append(self.features.counts(new[start : start + 20_000]))
        self._all = None

    def counts(self, texts: Sequence[str]) -> Counts:
        """The counts of ``texts``, in order (texts not seen yet are counted now)."""
        texts = as_texts(texts)
        self.add(texts)
        if self._all is None:
            with_signals = self._blocks[0].signals is not None
            self._all = Counts(
                sp.vstack([b.matrix for b in self._blocks], format="csr"),
                np.vstack([b.meta for b in self._blocks]),
                self._blocks[0].params,
                sp.vstack([b.signals for b in self._blocks], format="csr") if with_signals else None,
            )
            self._blocks = [self._all]
        return self._all.take(np.fromiter((self._row[t] for t in texts), dtype=np.int64, count=len(texts)))


class CommentFeatures(TransformerMixin, BaseEstimator):
    """Hashed character and word n-gram TF-IDF plus dense signals, from raw comment texts.

    Each n-gram occurrence weighs its bucket's IDF; a comment's n-gram block is divided by
    ``sqrt(sum of squared IDF over its occurrences)``, so a comment's weights never depend on other comments in the
    batch and scoring needs no per-comment aggregation.

    Parameters
    ----------
    n_features : int, default=2**20
        Buckets of the hashed n-gram space; a power of two.
    char_ngram_range : tuple (min_n, max_n), default=(2, 5)
        Character n-gram sizes, counted over the normalised text padded with one space on each side.
    word_ngram_range : tuple (min_n, max_n), default=(1, 2)
        Word n-gram sizes (0 to 2; ``(0, 0)`` turns word n-grams off).
    meta_scale : float, default=0.3
        Multiplier of the dense signals.
    signals : bool, default=False
        Also count the phrase signals of :mod:`moderation.signals` (a group term next to a dehumanising, a violence
        or a hateful generalising word; a wish or a call before a violence word; threatening phrases; slurs), each
        as one occurrence of a bucket of its own spanning the words that made it, so explanations name the phrase.
    signal_scale : float, default=1.0
        The value of one phrase signal in a comment's vector (outside the TF-IDF and its norm, like the dense
        signals' ``meta_scale``).

    Attributes
    ----------
    idf_ : ndarray of shape (n_features,), float32
        Smoothed inverse document frequency per bucket, learned in ``fit``.
    n_features_out_ : int
        ``n_features + len(META_FEATURES)``.

    Examples
    --------
    >>> f = CommentFeatures(n_features=2**12).fit(["a nice comment", "you idiot"])
    >>> f.transform(["what an idiot"]).shape
    (1, 4107)
    """

    def __init__(
        self,
        *,
        n_features: int = 2**20,
        char_ngram_range: tuple[int, int] = (2, 5),
        word_ngram_range: tuple[int, int] = (1, 2),
        meta_scale: float = 0.3,
        signals: bool = False,
        signal_scale: float = 1.0,
    ):
        self.n_features = n_features
        self.char_ngram_range = char_ngram_range
        self.word_ngram_range = word_ngram_range
        self.meta_scale = meta_scale
        self.signals = signals
        self.signal_scale = signal_scale

    def __setstate__(self, state: dict) -> None:
        # Models saved before phrase signals existed count none.
        state.setdefault("signals", False)
        state.setdefault("signal_scale", 1.0)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        # Raw comment texts in, like scikit-learn's text vectorizers: a 1-D sequence of str, not a 2-D array.
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def _check_params(self) -> None:
        n = self.n_features
        if not isinstance(n, (int, np.integer)) or n < 2 or n & (n - 1):
            raise ValueError(f"n_features must be a power of two >= 2, got {n!r}")
        lo, hi = self.char_ngram_range
        if not 1 <= lo <= hi <= 10:
            raise ValueError(f"char_ngram_range must satisfy 1 <= min_n <= max_n <= 10, got {self.char_ngram_range}")
        wlo, whi = self.word_ngram_range
        if not 0 <= wlo <= whi <= 2:
            raise ValueError(f"word_ngram_range must lie within (0, 2), got {self.word_ngram_range}")

    def _grams(self, texts: Sequence[str], with_positions: bool = False) -> tuple[_Grams, list[str], list[TextStats]]:
        normalised, stats = [], []
        for t in texts:
            norm, st = normalise_with_stats(t)
            normalised.append(norm)
            stats.append(st)
        grams = _hash_batch(normalised, self.n_features, self.char_ngram_range, self.word_ngram_range, with_positions,
                            bool(self.signals))
        return grams, normalised, stats

    def counts(self, X: object) -> "Counts":
        """How often each bucket occurs in each comment, and the raw dense signals: everything before the IDF.

        It depends on the parameters only, never on fitted state, so the counts of a corpus can be kept and reused
        by every model trained on parts of it (:class:`CountCache`).
        """
        self._check_params()
        texts = as_texts(X)
        grams, normalised, stats = self._grams(texts)
        cut = len(grams.doc) - grams.n_signals
        shape = (len(texts), self.n_features)
        matrix = sp.csr_matrix(
            (np.ones(cut, dtype=np.float32), (grams.doc[:cut], grams.bucket[:cut])), shape=shape
        )
        matrix.sum_duplicates()
        signals = None
        if self.signals:
            signals = sp.csr_matrix(
                (np.ones(grams.n_signals, dtype=np.float32), (grams.doc[cut:], grams.bucket[cut:])), shape=shape
            )
            signals.sum_duplicates()
        meta = np.array([_meta_row(st, nm) for st, nm in zip(stats, normalised)], dtype=np.float64).reshape(
            len(texts), len(META_FEATURES)
        )
        return Counts(matrix, meta, self._params_key(), signals)

    def _params_key(self) -> tuple:
        return (int(self.n_features), tuple(self.char_ngram_range), tuple(self.word_ngram_range), bool(self.signals))

    def fit(self, X: object, y: object = None) -> "CommentFeatures":
        """Learn the IDF of every bucket from the comments ``X`` (a list of str, a Series, or a DataFrame)."""
        return self.fit_counts(self.counts(X))

    def fit_counts(self, counts: "Counts") -> "CommentFeatures":
        """Learn the IDF from :meth:`counts` of the training comments (what :meth:`fit` does after counting)."""
        self._check_params()
        self._check_counts(counts)
        df = np.bincount(counts.matrix.indices, minlength=self.n_features)
        n = counts.matrix.shape[0]
        self.idf_ = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        self.n_features_out_ = self.n_features + len(META_FEATURES)
        return self

    def _check_counts(self, counts: "Counts") -> None:
        if counts.params != self._params_key():
            raise ValueError(f"counts were made with features {counts.params}, these have {self._params_key()}")

    def occurrences(self, X: object, *, with_positions: bool = False) -> tuple[Occurrences, _Grams]:
        """The weighted n-gram occurrences and dense signals of a batch (the fast path behind ``transform``)."""
        check_fitted(self, "idf_")
        texts = as_texts(X)
        grams, normalised, stats = self._grams(texts, with_positions)
        idf = self.idf_.take(grams.bucket).astype(np.float64)
        cut = len(grams.doc) - grams.n_signals
        idf[cut:] = 0.0  # signals stay out of the n-grams' norm
        norms = np.sqrt(np.bincount(grams.doc, weights=idf * idf, minlength=len(texts)))
        norms[norms == 0] = 1.0
        meta = np.array([_meta_row(st, nm) for st, nm in zip(stats, normalised)], dtype=np.float64).reshape(
            len(texts), len(META_FEATURES)
        )
        value = idf / norms[grams.doc]
        value[cut:] = self.signal_scale
        occ = Occurrences(len(texts), grams.doc, grams.bucket, value, meta * self.meta_scale, normalised, stats)
        return occ, grams

    def transform(self, X: object) -> sp.csr_matrix:
        """Feature matrix of shape (n_comments, n_features_out_), one row per comment, in input order."""
        check_fitted(self, "idf_")
        return self.transform_counts(self.counts(X))

    def transform_counts(self, counts: "Counts") -> sp.csr_matrix:
        """The feature matrix of comments given by their :meth:`counts` (same result as :meth:`transform`)."""
        check_fitted(self, "idf_")
        self._check_counts(counts)
        idf = self.idf_.astype(np.float64)
        grams = (counts.matrix.astype(np.float64) @ sp.diags(idf)).tocsr()
        norms = np.sqrt(counts.matrix.astype(np.float64) @ (idf * idf))
        norms[norms == 0] = 1.0
        grams = (sp.diags(1.0 / norms) @ grams).tocsr()
        if counts.signals is not None:
            grams = (grams + counts.signals.astype(np.float64) * self.signal_scale).tocsr()
        meta = sp.csr_matrix(counts.meta * self.meta_scale)
        return sp.hstack([grams, meta], format="csr")

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_fitted(self, "idf_")
        return np.array([f"ngram_{i}" for i in range(self.n_features)] + [f"meta_{m}" for m in META_FEATURES])

    def analyze(self, text: str) -> Analysis:
        """Take one comment apart for an explanation: every n-gram occurrence with its bucket, weight and span.

        The spans index ``Analysis.padded``: the normalised text with a space before and after.
        """
        occ, grams = self.occurrences([text], with_positions=True)
        return Analysis(occ, f" {occ.normalised[0]} ", grams.start, grams.end)
