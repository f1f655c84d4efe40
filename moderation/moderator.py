"""The facade: load a model, score comments, decide, explain.

>>> from moderation import Moderator
>>> moderator = Moderator.load()                      # the shipped default model
>>> scores = moderator.score("You are a pathetic moron, shut up.")
>>> scores.verdict, scores.flagged
(<Verdict.HOLD: 'hold'>, ('insult', 'toxicity'))
>>> [reason.text for reason in scores.reasons][:2]
['pathetic', 'moron']
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from .calibration import PlattScaling
from .errors import InvalidCommentError, ModelFileError, UnknownLabelError
from .explanation import Reason, ReasonKind, explain
from .features import Analysis, CommentFeatures
from .model import LabelHeads, sigmoid
from .outputs import check_fitted
from .persistence import load_model
from .policy import RANKED, Policy, Thresholds, Verdict
from .labels import LABELS as _KNOWN_LABELS
from .text import find_urls, normalise, url_domain

__all__ = [
    "Comment",
    "Reason",
    "ReasonKind",
    "Scores",
    "Moderator",
    "default_model_path",
    "METADATA_FIELDS",
    "SPAM_METADATA_FIELDS",
]

#: What a :class:`Comment` may carry besides its text, in Akismet's terms.
METADATA_FIELDS = (
    "author",
    "author_email",
    "author_url",
    "user_ip",
    "user_agent",
    "referrer",
    "permalink",
    "comment_type",
    "created_at",
)


#: Metadata fields the spam label can read: a spammer's advert often sits in the author's name and URL, with a
#: generic compliment as the comment ("Great post!" by "cheap pills" at cheap-pills.example).
SPAM_METADATA_FIELDS = ("author", "author_url", "author_email")

#: How those fields are named in a reason.
_FIELD_NAMES = {"author": "author name", "author_url": "author URL", "author_email": "author e-mail domain"}


@dataclass(frozen=True)
class Comment:
    """A comment and, optionally, what is known about it, in Akismet's terms.

    Only ``text`` is required. Metadata is used for rules (blocked link domains in ``author_url`` or
    ``author_email``) and is kept with stored comments; the text model itself reads only the text.
    """

    text: str
    author: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    user_ip: str | None = None
    user_agent: str | None = None
    referrer: str | None = None
    permalink: str | None = None
    comment_type: str | None = None
    created_at: str | dt.datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InvalidCommentError(f"text must be a string, got {type(self.text).__name__}")
        for name in METADATA_FIELDS:
            value = getattr(self, name)
            if name == "created_at" and isinstance(value, dt.datetime):
                continue
            if value is not None and not isinstance(value, str):
                raise InvalidCommentError(f"{name} must be a string or None, got {type(value).__name__}")

    @classmethod
    def coerce(cls, comment: "str | Comment | Mapping[str, Any]") -> "Comment":
        """A :class:`Comment` from a str, a Comment, or a mapping with a ``text`` key (other keys: metadata)."""
        if isinstance(comment, Comment):
            return comment
        if isinstance(comment, str):
            return cls(comment)
        if isinstance(comment, Mapping):
            if "text" not in comment:
                raise InvalidCommentError("a comment mapping needs a 'text' key")
            known = {f.name for f in fields(cls)}
            return cls(**{k: _none_if_missing(v) for k, v in comment.items() if k in known})
        raise InvalidCommentError(
            f"text must be a string, got {type(comment).__name__} (pass a str, a Comment, or a mapping with 'text')"
        )


def _none_if_missing(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


@dataclass(frozen=True)
class Scores:
    """The result of scoring one comment.

    ``scores["spam"]`` is the spam probability; ``verdict`` the decision; ``flagged`` the labels that reached their
    hold threshold, most likely first; ``reasons`` why, for each flagged label.
    """

    probabilities: Mapping[str, float]
    verdict: Verdict
    flagged: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    model_version: str = ""
    normalised: str = field(default="", repr=False)

    def __getitem__(self, label: str) -> float:
        try:
            return self.probabilities[label]
        except KeyError:
            raise UnknownLabelError(
                f"this model does not score {label!r}; it scores {', '.join(self.probabilities)}"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": dict(self.probabilities),
            "verdict": self.verdict.value,
            "flagged": list(self.flagged),
            "reasons": [r.to_dict() for r in self.reasons],
            "model_version": self.model_version,
        }


def default_model_path() -> Path:
    """The model :meth:`Moderator.load` uses without a path: ``$MODERATION_MODEL``, else the shipped default."""
    env = os.environ.get("MODERATION_MODEL")
    if env:
        return Path(env)
    return Path(str(resources.files("moderation.models").joinpath("default.joblib")))


class Moderator:
    """Scores comments with a fitted model and turns scores into verdicts with reasons.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted ``features -> heads`` pipeline (see :func:`moderation.model.build_pipeline`).
    metadata : dict
        The model's sidecar (labels, thresholds, sources, metrics...).
    policy : Policy, optional
        Default policy; the model's recorded thresholds when omitted.
    domain : str or None, optional
        Score every label as this training domain (e.g. ``"olid"`` for tweets); by default each label is scored
        as the model's metadata says (news comments, for the shipped model). See :class:`~moderation.model.LabelHeads`.
    spam_metadata : sequence of str, optional
        Metadata fields of a :class:`Comment` whose text the spam label reads as well as the comment's (some of
        ``SPAM_METADATA_FIELDS``); by default those the model's sidecar names (``"spam_metadata"``).

    Examples
    --------
    >>> moderator = Moderator.load()
    >>> moderator.score("Thanks for the thoughtful article.").verdict
    <Verdict.APPROVE: 'approve'>
    >>> moderator.score_many(["great piece", "you are a moron"]).columns.tolist()[-1]
    'verdict'
    """

    def __init__(
        self,
        pipeline: Pipeline,
        metadata: Mapping[str, Any],
        policy: Policy | None = None,
        domain: str | None | object = "default",
        spam_metadata: Sequence[str] | None = None,
    ):
        steps = pipeline.named_steps
        features, heads, calibration = steps.get("features"), steps.get("heads"), steps.get("calibration")
        if (not isinstance(features, CommentFeatures) or not isinstance(heads, LabelHeads)
                or not isinstance(calibration, PlattScaling)):
            raise ModelFileError("the pipeline must be CommentFeatures -> LabelHeads -> PlattScaling")
        for step, attribute in ((features, "idf_"), (heads, "coef_"), (calibration, "slope_")):
            check_fitted(step, attribute)
        self.pipeline = pipeline
        self.metadata = dict(metadata)
        self._features: CommentFeatures = features
        self._heads: LabelHeads = heads
        self._calibration: PlattScaling = calibration
        self.labels: tuple[str, ...] = tuple(heads.labels_)
        self.domain = domain
        fields_ = self.metadata.get("spam_metadata", ()) if spam_metadata is None else spam_metadata
        unknown = [f for f in fields_ if f not in SPAM_METADATA_FIELDS]
        if unknown:
            raise ModelFileError(f"spam_metadata names {unknown}; the fields spam can read are {SPAM_METADATA_FIELDS}")
        self.spam_metadata: tuple[str, ...] = tuple(fields_) if "spam" in self.labels else ()
        self.policy = policy or Policy(
            {
                label: Thresholds(**t)
                for label, t in self.metadata.get("thresholds", {}).items()
                if label in self.labels
            }
            or {label: Thresholds(0.5, 0.9) for label in self.labels}
        )

    @classmethod
    def load(
        cls, path: str | os.PathLike[str] | None = None, *, verify: bool = True, domain: str | None | object = "default"
    ) -> "Moderator":
        """Load a model saved by :func:`moderation.persistence.save_model`; the shipped default when ``path`` is None.

        Raises
        ------
        ModelFileError, ModelVersionError, ModelChecksumError
            When the file is missing, incompatible or corrupt; the message says what to do.
        """
        pipeline, meta = load_model(default_model_path() if path is None else path, verify=verify)
        return cls(pipeline, meta, domain=domain)

    def require(self, *labels: str) -> None:
        """Check that this model scores every one of ``labels``.

        Raises
        ------
        UnknownLabelError
            Naming the first label the model does not score, and the labels it does.
        """
        for label in labels:
            if label not in self.labels:
                raise UnknownLabelError(
                    f"this model does not score {label!r}; it scores {', '.join(self.labels)}"
                    + (" (an older or a commercial model may lack newer labels)" if label in _KNOWN_LABELS else "")
                )

    @property
    def version(self) -> str:
        """The model's identifier, as recorded in its sidecar."""
        return str(self.metadata.get("model_id", "unversioned"))

    # -- scoring -----------------------------------------------------------------------------------------------

    def _probabilities(self, texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        occ, _ = self._features.occurrences(texts)
        logits = self._heads.decision_from_occurrences(occ, self.domain, self._calibration)
        return sigmoid(logits), occ.normalised

    def _spam_text(self, comment: Comment, text: str) -> tuple[str, list[tuple[int, int, str]]] | None:
        """The comment's text followed by the metadata the spam label reads, and where each field stands in it;
        None when the comment has none of those fields."""
        parts, places, at = [text], [], len(text) + 1
        for name in self.spam_metadata:
            value = getattr(comment, name)
            if name == "author_email" and value:
                value = value.rsplit("@", 1)[1] if "@" in value else ""
            value = " ".join(str(value or "").split())[:300]
            if value:
                parts.append(value)
                places.append((at, at + len(value), name))
                at += len(value) + 1
        return ("\n".join(parts), places) if places else None

    def _rule_reasons(self, comment: Comment, normalised: str, policy: Policy) -> list[Reason]:
        reasons = []
        for word in policy.blocked_words_in(normalised):
            reasons.append(Reason("policy", ReasonKind.RULE, f'blocked word "{word}"', math.inf, feature=word))
        if policy.blocked_domains:
            domains = [url_domain(u) for u in find_urls(comment.text.lower())]
            where = ["text"] * len(domains)
            if comment.author_url:
                domains.append(url_domain(comment.author_url))
                where.append("author URL")
            if comment.author_email and "@" in comment.author_email:
                domains.append(comment.author_email.rsplit("@", 1)[1].strip().lower())
                where.append("author e-mail")
            seen = set()
            for domain, place in zip(domains, where):
                if policy.is_blocked_domain(domain) and (domain, place) not in seen:
                    seen.add((domain, place))
                    what = "link to" if place == "text" else f"{place} on"
                    reasons.append(Reason("spam", ReasonKind.RULE, f'{what} blocked domain "{domain}"', math.inf, feature=domain))
        return reasons

    def score(
        self,
        comment: "str | Comment | Mapping[str, Any]",
        *,
        policy: Policy | None = None,
        explain: bool = True,
        top: int = 5,
    ) -> Scores:
        """Score one comment.

        Parameters
        ----------
        comment : str, Comment or mapping
            The comment text, or a :class:`Comment` with metadata.
        policy : Policy, optional
            Thresholds and rules for this call (default: :attr:`policy`).
        explain : bool, default=True
            Compute reasons for the flagged labels.
        top : int, default=5
            At most this many reasons per flagged label.

        Returns
        -------
        Scores
            Always one :class:`Scores`.
        """
        comment = Comment.coerce(comment)
        policy = policy or self.policy
        text = policy.remove_allowed(comment.text) if policy.allowed_words else comment.text
        # With explanations, one analysis (with n-gram positions) serves both the scores and the reasons.
        analysis = self._features.analyze(text) if explain else None
        occ = analysis.occurrences if analysis else self._features.occurrences([text])[0]
        logits = self._heads.decision_from_occurrences(occ, self.domain, self._calibration)
        probabilities = {label: float(p) for label, p in zip(self.labels, sigmoid(logits)[0])}
        normalised = occ.normalised
        spam_text = self._spam_text(comment, text) if self.spam_metadata else None
        spam_analysis = None
        if spam_text is not None:
            spam_analysis = self._features.analyze(spam_text[0]) if explain else None
            spam_occ = spam_analysis.occurrences if spam_analysis else self._features.occurrences([spam_text[0]])[0]
            spam_logits = self._heads.decision_from_occurrences(spam_occ, self.domain, self._calibration)
            probabilities["spam"] = float(sigmoid(spam_logits)[0, self.labels.index("spam")])
        rules = self._rule_reasons(comment, normalised[0], policy)
        verdict, flagged = policy.decide(probabilities, forced=Verdict.REJECT if rules else None)
        for reason in rules:
            if reason.label != "policy" and reason.label not in flagged:
                flagged.append(reason.label)
        reasons: list[Reason] = list(rules)
        if analysis is not None and flagged:
            text_labels = [label for label in flagged if label != "spam" or spam_analysis is None]
            reasons.extend(self._explain(comment.text, analysis, text_labels, top))
            if spam_analysis is not None and "spam" in flagged:
                reasons.extend(self._metadata_reasons(spam_text, spam_analysis, top))
        return Scores(probabilities, verdict, tuple(flagged), tuple(reasons), self.version, normalised[0])

    def _metadata_reasons(
        self, spam_text: tuple[str, list[tuple[int, int, str]]], analysis: Analysis, top: int
    ) -> list[Reason]:
        """Spam reasons when the spam label also read metadata: words of the metadata are named by their field."""
        combined, places = spam_text
        out: list[Reason] = []
        for reason in self._explain(combined, analysis, ["spam"], top):
            field_ = next((name for a, b, name in places if reason.start is not None and a <= reason.start < b), None)
            if field_ is None and reason.kind == "text" and reason.start is None and reason.feature:
                # a word the locator could not place: name the field that holds it
                field_ = next((n for a, b, n in places if reason.feature in normalise(combined[a:b])), None)
            if field_ is not None:
                surface = reason.text or reason.feature or ""
                reason = Reason("spam", ReasonKind.SIGNAL, f'{_FIELD_NAMES[field_]} "{surface}"', reason.weight,
                                reason.feature)
            if all(r.description != reason.description for r in out):
                out.append(reason)
        return out

    def score_many(
        self,
        comments: "Iterable[str | Comment | Mapping[str, Any]] | pd.DataFrame",
        *,
        policy: Policy | None = None,
        batch_size: int = 256,
    ) -> pd.DataFrame:
        """Score many comments in one pass of feature extraction.

        Parameters
        ----------
        comments : list of str / Comment / mapping, or DataFrame
            A DataFrame needs a ``text`` column; metadata columns with :class:`Comment` field names are used too.
        policy : Policy, optional
            Thresholds and word and domain lists to decide with (default: the model's, or the one given to load).
        batch_size : int, default=256
            Comments featurised together. Memory for the intermediate arrays grows with it (47 MB at 1,000
            comments of news length, 12 MB at 256, measured with tracemalloc), and past a few hundred it is
            slower, not faster: the arrays stop fitting in the processor's caches.

        Returns
        -------
        DataFrame
            One row per comment, in input order (the DataFrame's index is kept): a float column per label, then
            ``verdict`` (the :class:`Verdict` value as a string).
        """
        policy = policy or self.policy
        if isinstance(comments, pd.DataFrame):
            if "text" not in comments.columns:
                raise InvalidCommentError(f"the DataFrame needs a 'text' column; it has {list(comments.columns)}")
            index = comments.index
            cols = [c for c in ("text",) + METADATA_FIELDS if c in comments.columns]
            items = [Comment.coerce(dict(zip(cols, row))) for row in comments[cols].itertuples(index=False)]
        else:
            if isinstance(comments, (str, Comment, Mapping)):
                raise InvalidCommentError("score_many takes a list of comments; use score() for one")
            items = [Comment.coerce(c) for c in comments]
            index = pd.RangeIndex(len(items))
        texts = [policy.remove_allowed(c.text) if policy.allowed_words else c.text for c in items]
        parts, normalised = [], []
        for start in range(0, len(texts), batch_size):
            probs, norm = self._probabilities(texts[start : start + batch_size])
            parts.append(probs)
            normalised.extend(norm)
        probs = np.vstack(parts) if parts else np.zeros((0, len(self.labels)))
        if self.spam_metadata:
            with_metadata = [(i, self._spam_text(c, t)) for i, (c, t) in enumerate(zip(items, texts))]
            with_metadata = [(i, st[0]) for i, st in with_metadata if st is not None]
            if with_metadata:
                rows = np.array([i for i, _ in with_metadata])
                spam_probs = np.vstack([
                    self._probabilities([t for _, t in with_metadata[k : k + batch_size]])[0]
                    for k in range(0, len(with_metadata), batch_size)
                ])
                j = self.labels.index("spam")
                probs[rows, j] = spam_probs[:, j]
        frame = pd.DataFrame(probs, columns=list(self.labels), index=index)
        frame["verdict"] = self._verdicts(probs, items, normalised, policy)
        return frame

    def _verdicts(self, probs: np.ndarray, items: list[Comment], normalised: list[str], policy: Policy) -> list[str]:
        """What :meth:`Policy.decide` gives each row, computed for all rows at once with the same rule."""
        severity = np.zeros(len(items), dtype=np.int8)
        for j, label in enumerate(self.labels):
            t = policy.thresholds.get(label)
            if t is not None:
                severity = np.maximum(severity, t.rank(probs[:, j]))
        if policy.blocked_words or policy.blocked_domains:
            for i, (comment, norm) in enumerate(zip(items, normalised)):
                if severity[i] < Verdict.REJECT.rank and self._rule_reasons(comment, norm, policy):
                    severity[i] = Verdict.REJECT.rank
        names = np.array([v.value for v in RANKED], dtype=object)
        return list(names[severity])

    def decide(self, probabilities: Mapping[str, float], policy: Policy | None = None) -> Verdict:
        """The verdict that ``policy`` (default: :attr:`policy`) gives these probabilities."""
        return (policy or self.policy).decide(probabilities)[0]

    # -- explanations ------------------------------------------------------------------------------------------

    def explain(self, comment: "str | Comment | Mapping[str, Any]", label: str, *, top: int = 5) -> list[Reason]:
        """The inputs that pushed ``label``'s score up the most, strongest first.

        The model is linear, so a label's logit is exactly its intercept plus the contribution of every character
        and word n-gram and every signal. Each n-gram's contribution is shared among the characters it covers
        and summed per word of the normalised text; words are then located in the original comment.
        """
        self.require(label)
        comment = Comment.coerce(comment)
        return self._explain(comment.text, self._features.analyze(comment.text), [label], top)

    def _explain(self, original: str, analysis: Analysis, labels: Sequence[str], top: int) -> list[Reason]:
        weights = self._heads.scoring_weights(self.domain, self._calibration)[0]
        return explain(original, analysis, labels, model_labels=self.labels, weights=weights,
                       n_hashed=self._features.n_features, top=top)
