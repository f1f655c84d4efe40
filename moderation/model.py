"""The model: one feature step, one logistic-regression head per label, one calibration step.

``build_pipeline()`` gives an unfitted scikit-learn ``Pipeline`` of :class:`~moderation.features.CommentFeatures`,
:class:`LabelHeads` and :class:`~moderation.calibration.PlattScaling`. Feature extraction runs once per comment and
every label head reads the same vector, so adding a label costs one dot product, and a linear head makes
explanations exact: a score's logit is the intercept plus the sum of every feature's contribution (calibration is a
linear map of the logit, folded into the weights when scoring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.pipeline import Pipeline

from .calibration import PlattScaling
from .errors import InvalidDataError
from .features import META_FEATURES, CommentFeatures, Occurrences, signal_buckets
from .outputs import LabelOutputs, check_fitted, sigmoid

#: Dense signals that say a comment disguises its words; they may raise a score, never lower it.
EVASION_SIGNALS = ("hidden_characters", "fancy_letters", "look_alike_letters")

__all__ = ["LabelHeads", "PlattScaling", "build_pipeline", "sigmoid", "remap_buckets", "STEPS"]

#: The step names of every model pipeline, in order.
STEPS = ("features", "heads", "calibration")


_REMAP_MULTIPLIER = 2654435761  # odd, so remapping is a permutation of the buckets for every salt
_REMAP_STEP = 40503


def remap_buckets(buckets: np.ndarray, salt: np.ndarray | int, n_hashed: int) -> np.ndarray:
    """Where a hashed bucket's copy for domain number ``salt`` (1, 2, ...) lives: a permutation of the buckets."""
    b = np.asarray(buckets, dtype=np.int64)
    return (b * _REMAP_MULTIPLIER + np.asarray(salt, dtype=np.int64) * _REMAP_STEP) % n_hashed


def _sum_per_comment(gathered: np.ndarray, value: np.ndarray, doc: np.ndarray, n_docs: int) -> np.ndarray:
    """Each comment's sum of ``value * gathered`` rows, every label at once: (n_occurrences, n_labels) -> (n_docs,
    n_labels).

    A batch's occurrences come in a few runs (one per n-gram size) in which the comment index never decreases, so
    each run is summed per comment with one ``np.add.reduceat`` over contiguous rows.
    """
    weighted = gathered  # a fresh array from np.take: weighted in place, no second copy of the batch
    weighted *= value.astype(np.float32)[:, None]
    out = np.zeros((n_docs, gathered.shape[1]))
    breaks = np.flatnonzero(doc[1:] < doc[:-1]) + 1
    for start, stop in zip(np.concatenate([[0], breaks]), np.concatenate([breaks, [len(doc)]])):
        if stop <= start:
            continue
        docs = doc[start:stop]
        firsts = np.flatnonzero(np.concatenate([[True], docs[1:] != docs[:-1]]))
        out[docs[firsts]] += np.add.reduceat(weighted[start:stop], firsts, axis=0, dtype=np.float64)
    return out


class LabelHeads(LabelOutputs, ClassifierMixin, TransformerMixin, BaseEstimator):
    """One logistic-regression head per label, trained on the rows where that label is known.

    Datasets label different things: a spam corpus says nothing about insults. ``Y`` may therefore hold NaN, and
    each head learns only from the rows where its label is given. Labels in (0, 1) (a share of annotators) are
    used as soft targets: the row counts as positive with weight ``y`` and as negative with weight ``1 - y``.

    Each head is fitted by averaged stochastic gradient descent on the log loss (``SGDClassifier``): on 75,000
    comments and a million hashed features it reaches the ROC AUC of liblinear's exact solver in a tenth of the
    time.

    ``X`` is :class:`~moderation.features.CommentFeatures`' output: a block of hashed n-gram buckets followed by the
    :data:`~moderation.features.META_FEATURES` signals. The features step owns the number of buckets; the heads read
    it from ``X`` in ``fit`` (``n_hashed_``).

    When ``fit`` is given ``domains`` (where each row comes from: ``news``, ``twitter``, a site...), two things
    keep sources from fighting each other:

    * ``domain_offsets``: each domain gets its own intercept, which absorbs how common a label is there (83% of
      one tweet corpus is "offensive", 2% of a news corpus is hostile);
    * ``domain_features`` (feature augmentation, Daumé III 2007): each hashed n-gram also gets a copy specific to
      the row's domain, so a domain's own vocabulary is learned there while what all domains share is learned
      once. The copies live in the same hashed space (a fixed permutation of the buckets per domain), so the
      model does not grow. A label is scored *as* a domain (``score_as``): shared weights plus that domain's
      copies and offset; ``None`` scores with the shared weights and the domains' average offset.

    As a pipeline step the heads transform features into logits (uncalibrated, one column per label) for the
    :class:`~moderation.calibration.PlattScaling` step; on their own they are a classifier (see
    :mod:`moderation.outputs` for ``classes_`` and the shapes).

    Parameters
    ----------
    labels : sequence of str or None, default=None
        Label names, in the column order of ``Y``; taken from ``Y.columns`` when ``Y`` is a DataFrame.
    alpha : float, default=1e-5
        L2 regularisation strength.
    epochs : int, default=15
        Passes over the data.
    domain_offsets, domain_features : bool, default=True
    pooled : sequence of str or None, default=None
        Labels fitted on all their rows as one domain (no offsets, no domain copies) and always scored with the
        shared weights: labels whose positives come from one or two sources (threats, profanity), where a domain's
        offset and copies would absorb what the label is, leaving the shared weights nothing to learn.
    domain_scale : float, default=1.0
        The value of a domain copy relative to its shared feature. Below 1, a domain's own weights cost more (the
        L2 penalty acts on weights that must be ``1 / domain_scale`` times larger for the same effect), so a domain
        departs from the shared weights only where its data insists, and scoring as a domain stays closer to what
        every source agrees on: what a new site, whose comments no source saw, needs.
    score_as : mapping of label to domain name or None, default=None
        The domain each label is scored as by default (missing labels: shared weights).
    signal_columns : sequence of int or None, default=None
        Columns of ``X`` that hold phrase signals (:func:`moderation.features.signal_buckets`).
    signal_labels : sequence of str or None, default=None
        The labels whose heads read ``signal_columns`` (None: every label). The others fit and score as if the
        columns were empty: their weight there is zero in every domain.
    nonnegative : sequence of str or None, default=None
        Signals (names in :data:`~moderation.features.META_FEATURES`) whose weights are clipped at zero after
        fitting, for every label: signals that a comment hides its words (zero-width characters, look-alike
        letters) may raise a score, never lower it, even where a corpus happens to pair them with harmless text.

    Attributes
    ----------
    labels_ : tuple of str
    coef_ : ndarray of shape (n_labels, n_features), float32
        Shared and domain-copy weights, in one hashed space.
    intercept_ : ndarray of shape (n_labels,)
    n_hashed_ : int
        How many leading columns of ``X`` are hashed buckets.
    domains_ : tuple of str
    domain_offset_ : ndarray of shape (n_labels, n_domains)
    domain_rows_ : ndarray of shape (n_labels, n_domains)
        Training rows per label and domain (0 where a domain never had the label).
    n_train_ : dict of label to (n_rows, n_positive)
    classes_ : ndarray or list of ndarray
        ``[0, 1]`` for a 1-D target, one ``[0, 1]`` per label otherwise.
    """

    def __init__(
        self,
        *,
        labels: Sequence[str] | None = None,
        alpha: float = 1e-5,
        epochs: int = 15,
        domain_offsets: bool = True,
        domain_features: bool = True,
        domain_scale: float = 1.0,
        pooled: Sequence[str] | None = None,
        score_as: Mapping[str, str | None] | None = None,
        nonnegative: Sequence[str] | None = None,
        signal_columns: Sequence[int] | None = None,
        signal_labels: Sequence[str] | None = None,
    ):
        self.labels = labels
        self.alpha = alpha
        self.epochs = epochs
        self.domain_offsets = domain_offsets
        self.domain_features = domain_features
        self.domain_scale = domain_scale
        self.pooled = pooled
        self.score_as = score_as
        self.nonnegative = nonnegative
        self.signal_columns = signal_columns
        self.signal_labels = signal_labels

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    def _with_domain_copies(self, X: sp.csr_matrix, salts: np.ndarray) -> sp.csr_matrix:
        n_hashed = self.n_hashed_
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        hashed = X.indices < n_hashed
        copies = sp.csr_matrix(
            (X.data[hashed] * self._domain_scale,
             (rows[hashed], remap_buckets(X.indices[hashed], salts[rows[hashed]], n_hashed))),
            shape=X.shape,
        )
        return (X + copies).tocsr()

    @property
    def _domain_scale(self) -> float:
        return float(self.domain_scale)

    def _blind_columns(self, label: str) -> np.ndarray:
        """The columns a label's head does not read (the signal columns, for labels not in ``signal_labels``)."""
        if self.signal_columns is None or self.signal_labels is None or label in self.signal_labels:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.signal_columns, dtype=np.int64)

    def _nonnegative_columns(self) -> list[int]:
        unknown = [name for name in self.nonnegative or () if name not in META_FEATURES]
        if unknown:
            raise ValueError(f"nonnegative names unknown signal(s) {unknown}; signals are {list(META_FEATURES)}")
        return [self.n_hashed_ + META_FEATURES.index(name) for name in self.nonnegative or ()]

    def fit(
        self,
        X: sp.spmatrix | np.ndarray,
        Y: object,
        sample_weight: np.ndarray | None = None,
        domains: Sequence[str] | None = None,
    ) -> "LabelHeads":
        """Fit one head per label of ``Y`` (values in [0, 1] or NaN; 1-D for one label)."""
        X = sp.csr_matrix(X)
        values = self._fit_outputs(Y)
        if values.shape[0] != X.shape[0]:
            raise InvalidDataError(f"X has {X.shape[0]} rows but Y has {values.shape[0]}")
        finite = values[np.isfinite(values)]
        if finite.size and (finite.min() < 0 or finite.max() > 1):
            raise InvalidDataError("label values must lie in [0, 1] (or be missing)")
        weight = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        n_features = X.shape[1]
        self.n_hashed_ = n_hashed = max(n_features - len(META_FEATURES), 0)
        nonnegative = self._nonnegative_columns()
        if self.domain_features and domains is not None and (not n_hashed or n_hashed & (n_hashed - 1)):
            raise ValueError(
                "domain_features needs X to start with a power-of-two block of hashed buckets (CommentFeatures' "
                f"output); X has {n_features} columns"
            )

        if domains is not None:
            codes, uniques = pd.factorize(pd.Series(list(domains), dtype=object))
            self.domains_: tuple[str, ...] = tuple(str(u) for u in uniques)
        else:
            codes, self.domains_ = np.zeros(X.shape[0], dtype=np.int64), ()
        n_domains = len(self.domains_)

        coefs, intercepts, offsets, self.n_train_ = [], [], [], {}
        self.domain_rows_ = np.zeros((len(self.labels_), n_domains), dtype=np.int64)
        for j, label in enumerate(self.labels_):
            y = values[:, j]
            known = np.flatnonzero(np.isfinite(y))
            yk, wk = y[known], weight[known]
            soft = (yk > 0) & (yk < 1)
            rows = np.concatenate([known, known[soft]])
            targets = np.concatenate([(yk >= 0.5).astype(int), np.zeros(soft.sum(), dtype=int)])
            targets[: len(known)][soft] = 1
            w = np.concatenate([np.where(soft, yk, 1.0) * wk, (1 - yk[soft]) * wk[soft]])
            positives, negatives = w[targets == 1].sum(), w[targets == 0].sum()
            if positives <= 0 or negatives <= 0:
                kind = "positive" if positives <= 0 else "negative"
                raise InvalidDataError(f"label {label!r} has no {kind} examples to learn from")
            Xj = X[rows]
            blind = self._blind_columns(label)
            if len(blind):
                Xj = Xj.copy()
                Xj.data[np.isin(Xj.indices, blind)] = 0.0
            if n_domains and label not in (self.pooled or ()):
                self.domain_rows_[j] = np.bincount(codes[known], minlength=n_domains)
                if self.domain_features:
                    Xj = self._with_domain_copies(Xj, codes[rows] + 1)
                if self.domain_offsets:
                    onehot = sp.csr_matrix(
                        (np.ones(len(rows)), (np.arange(len(rows)), codes[rows])), shape=(len(rows), n_domains)
                    )
                    Xj = sp.hstack([Xj, onehot], format="csr")
            from sklearn.linear_model import SGDClassifier  # only fitting needs it (and scipy.optimize behind it)

            head = SGDClassifier(
                loss="log_loss", alpha=self.alpha, max_iter=self.epochs, tol=None, average=True, random_state=0
            )
            head.fit(Xj, targets, sample_weight=w)
            coefs.append(head.coef_[0, :n_features])
            extra = head.coef_[0, n_features:]
            offsets.append(extra if len(extra) else np.zeros(n_domains))
            intercepts.append(head.intercept_[0])
            self.n_train_[label] = (int(len(known)), int(round(positives)))
        self.coef_ = np.vstack(coefs).astype(np.float32)
        if nonnegative:
            self.coef_[:, nonnegative] = np.maximum(self.coef_[:, nonnegative], 0)
        self.intercept_ = np.asarray(intercepts, dtype=np.float64)
        self.domain_offset_ = np.vstack(offsets) if n_domains else np.zeros((len(self.labels_), 0))
        self.n_features_in_ = n_features
        self.__dict__.pop("_scoring_cache", None)
        return self

    # -- scoring ----------------------------------------------------------------------------------------------

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_scoring_cache", None)  # derived from coef_; rebuilt on first use
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        if "hashed_features" in state:
            # Saved before the features step owned the number of buckets: the heads then kept a copy of it, their
            # nonnegative signals as absolute columns, label names as classes_ and the calibration inside.
            n_hashed = state.pop("hashed_features")
            columns = state.get("nonnegative") or ()
            state["nonnegative"] = tuple(META_FEATURES[i - n_hashed] for i in columns) or None
            if "coef_" in state:
                state["n_hashed_"] = n_hashed
                state["outputs_2d_"] = True
                state["classes_"] = [np.array([0, 1]) for _ in state["labels_"]]
        # Parameters added later; older files were fitted as their defaults.
        state.setdefault("domain_scale", 1.0)
        state.setdefault("pooled", None)
        state.setdefault("signal_columns", None)
        state.setdefault("signal_labels", None)
        super().__setstate__(state)

    def scoring_weights(
        self, domain: str | None | object = "default", calibration: "PlattScaling | None" = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The weights and intercepts each label is scored with: shape (n_labels, n_features) and (n_labels,).

        ``domain="default"`` scores every label as ``score_as`` says; a domain name (or None, shared weights only)
        scores every label that saw that domain in training as that domain, and the others by default. With a
        fitted ``calibration`` its slope and offset are folded in, so the weights give calibrated logits exactly.
        """
        check_fitted(self, "coef_")
        scales = tuple(calibration.scale(j) for j in range(len(self.labels_))) if calibration is not None else None
        cache = self.__dict__.setdefault("_scoring_cache", {})
        key = (domain, scales)
        if key not in cache:
            # Kept bucket-major, (n_features, n_labels): scoring gathers one cache line per n-gram occurrence.
            by_bucket = np.empty(self.coef_.shape[::-1], dtype=np.float32)
            intercepts = np.empty(len(self.labels_))
            for j, label in enumerate(self.labels_):
                target = (self.score_as or {}).get(label) if domain == "default" else domain
                coef, intercept = self._label_weights(j, target)
                slope, offset = scales[j] if scales else (1.0, 0.0)
                by_bucket[:, j], intercepts[j] = coef * slope, intercept * slope + offset
            cache[key] = (by_bucket, intercepts)
        by_bucket, intercepts = cache[key]
        return by_bucket.T, intercepts

    def _label_weights(self, j: int, domain: str | None) -> tuple[np.ndarray, float]:
        coef, intercept = self._domain_weights(j, domain)
        blind = self._blind_columns(self.labels_[j])
        if len(blind):
            # Domain copies of other n-grams may have learned a weight there; a blind head reads nothing.
            coef = coef.copy()
            coef[blind] = 0.0
        return coef, intercept

    def _domain_weights(self, j: int, domain: str | None) -> tuple[np.ndarray, float]:
        coef = self.coef_[j]
        rows = self.domain_rows_[j] if len(self.domains_) else np.zeros(0)
        if domain is not None and domain in self.domains_ and rows[self.domains_.index(domain)] > 0:
            d = self.domains_.index(domain)
            if self.domain_features and self.n_hashed_:
                n_hashed = self.n_hashed_
                coef = coef.copy()
                coef[:n_hashed] += self._domain_scale * self.coef_[j, remap_buckets(np.arange(n_hashed), d + 1, n_hashed)]
            return coef, float(self.intercept_[j] + self.domain_offset_[j, d])
        if rows.sum() and self.domain_offsets:
            return coef, float(self.intercept_[j] + np.average(self.domain_offset_[j], weights=rows))
        return coef, float(self.intercept_[j])

    def _logits(
        self, X: sp.spmatrix | np.ndarray, domain: str | None | object = "default",
        calibration: "PlattScaling | None" = None,
    ) -> np.ndarray:
        check_fitted(self, "coef_")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, the heads were fitted on {self.n_features_in_}")
        weights, intercepts = self.scoring_weights(domain, calibration)
        return np.asarray(X @ weights.T, dtype=np.float64) + intercepts

    def transform(self, X: sp.spmatrix | np.ndarray) -> np.ndarray:
        """Uncalibrated logits, shape (n_samples, n_labels): the input of the calibration step."""
        return self._logits(X)

    def decision_function(
        self, X: sp.spmatrix | np.ndarray, domain: str | None | object = "default",
        calibration: "PlattScaling | None" = None,
    ) -> np.ndarray:
        """Logits per label (calibrated when ``calibration`` is given); shape (n_samples, n_labels), or
        (n_samples,) after a 1-D fit."""
        return self._decision(self._logits(X, domain, calibration))

    def decision_from_occurrences(
        self, occ: Occurrences, domain: str | None | object = "default", calibration: "PlattScaling | None" = None
    ) -> np.ndarray:
        """Logits straight from weighted n-gram occurrences, without building a sparse matrix (same result as
        ``decision_function`` on the features); shape (n_docs, n_labels)."""
        weights, intercepts = self.scoring_weights(domain, calibration)
        n_hashed = self.n_hashed_
        by_bucket = weights.T  # C-contiguous (see scoring_weights)
        gathered = np.take(by_bucket, occ.bucket, axis=0)  # (n_occurrences, n_labels), one cache line each
        if occ.n_docs == 1:  # one comment: a dot product
            logits = (occ.value @ gathered)[None, :]
        else:
            logits = _sum_per_comment(gathered, occ.value, occ.doc, occ.n_docs)
        return logits + occ.meta @ weights[:, n_hashed:].T.astype(np.float64) + intercepts

    def predict_proba(self, X: sp.spmatrix | np.ndarray) -> np.ndarray:
        """Uncalibrated probability of each label (see :mod:`moderation.outputs` for the shape)."""
        return self._proba(self._logits(X))

    def predict(self, X: sp.spmatrix | np.ndarray) -> np.ndarray:
        """0/1 per label at probability 0.5."""
        return self._predict(self._logits(X))


def build_pipeline(
    *,
    n_features: int = 2**20,
    char_ngram_range: tuple[int, int] = (2, 5),
    word_ngram_range: tuple[int, int] = (1, 2),
    meta_scale: float = 0.3,
    signals: bool = False,
    signal_scale: float = 1.0,
    alpha: float = 1e-5,
    epochs: int = 15,
    domain_offsets: bool = True,
    domain_features: bool = True,
    domain_scale: float = 1.0,
    pooled: Sequence[str] | None = None,
    score_as: Mapping[str, str | None] | None = None,
    signal_labels: Sequence[str] | None = None,
) -> Pipeline:
    """An unfitted pipeline: ``features`` (:class:`CommentFeatures`), ``heads`` (:class:`LabelHeads`), then
    ``calibration`` (:class:`PlattScaling`).

    Fitting the whole pipeline calibrates on the training rows; :func:`moderation.training.train` fits the
    calibration on held-out rows instead.

    Examples
    --------
    >>> import pandas as pd
    >>> pipe = build_pipeline(n_features=2**12)
    >>> Y = pd.DataFrame({"toxicity": [1.0, 0.0, 1.0, 0.0]})
    >>> pipe.fit(["you idiot", "thanks", "shut up moron", "good point"], Y).predict_proba(["idiot"]).shape
    (1, 1)
    """
    return Pipeline(
        [
            (
                "features",
                CommentFeatures(
                    n_features=n_features,
                    char_ngram_range=char_ngram_range,
                    word_ngram_range=word_ngram_range,
                    meta_scale=meta_scale,
                    signals=signals,
                    signal_scale=signal_scale,
                ),
            ),
            (
                "heads",
                LabelHeads(
                    alpha=alpha,
                    epochs=epochs,
                    domain_offsets=domain_offsets,
                    domain_features=domain_features,
                    domain_scale=domain_scale,
                    pooled=tuple(pooled) if pooled else None,
                    score_as=dict(score_as) if score_as else None,
                    nonnegative=EVASION_SIGNALS,
                    signal_columns=tuple(int(b) for b in signal_buckets(n_features)) if signals else None,
                    signal_labels=tuple(signal_labels) if signal_labels is not None else None,
                ),
            ),
            ("calibration", PlattScaling()),
        ]
    )
