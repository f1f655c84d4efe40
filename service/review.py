"""The moderators' review, apart from HTTP: deciding on queued comments and importing labeled files as feedback.

Used by the ``/moderate`` pages (:mod:`service.moderate`) and the ``moderation feedback import`` command. Both end
in the storage's one feedback writer (:meth:`service.storage.feedback.FeedbackTable.record_many`), so a decision
taken on the page, sent by the API or imported from a CSV leaves the review queue and counts the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from moderation.errors import InvalidDataError
from moderation.labels import LABELS
from moderation.tables import read_table

from .errors import StorageError, UploadError
from .payloads import MAX_ID_CHARS
from .storage import Decision, Storage

__all__ = ["MODERATOR_DECISIONS", "decide", "highlight", "parse_labeled_csv", "import_labeled", "decision_for"]

#: The buttons of the queue page: name -> (stored decision, labels).
MODERATOR_DECISIONS: dict[str, tuple[str, dict[str, float]]] = {
    "approve": ("approved", {label: 0.0 for label in LABELS}),
    "spam": ("spam", {"spam": 1.0}),
    "abuse": ("abusive", {"toxicity": 1.0, "spam": 0.0}),
}


def highlight(text: str, reasons: Sequence[Mapping[str, Any]]) -> list[tuple[str, str | None]]:
    """``text`` cut into ``(piece, label or None)``: the pieces covered by a reason's span carry its label.

    >>> highlight("you idiot", [{"start": 4, "end": 9, "label": "insult"}])
    [('you ', None), ('idiot', 'insult')]
    """
    spans = sorted(
        (int(r["start"]), int(r["end"]), str(r.get("label") or ""))
        for r in reasons
        if r.get("start") is not None and r.get("end") is not None and 0 <= int(r["start"]) < int(r["end"]) <= len(text)
    )
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for start, end, label in spans:
        if end <= at:
            continue
        start = max(start, at)
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], label))
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


def decide(storage: Storage, site_id: int, check_ids: Sequence[int], action: str, moderator: str) -> int:
    """Record a moderator's decision on stored checks of a site as feedback, all or none; return how many.

    Raises
    ------
    StorageError
        When ``action`` is not one of :data:`MODERATOR_DECISIONS` or a check does not belong to the site.
    """
    if action not in MODERATOR_DECISIONS:
        raise StorageError(f"decision must be one of {', '.join(MODERATOR_DECISIONS)}, got {action!r}")
    decision, labels = MODERATOR_DECISIONS[action]
    checks = storage.comments.of_site(site_id, check_ids)
    storage.feedback.record_many(
        site_id,
        [
            # A check stored without the site's comment id is decided by its row id.
            Decision(check.comment_id or f"check:{check.id}", decision, labels, moderator=moderator, text=check.text,
                     metadata=check.metadata, check_id=check.id)
            for check in checks
        ],
        source="moderator",
    )
    return len(checks)


def _names(columns: Sequence[str], shown: int = 5) -> str:
    """Column names for a message: the first few, then how many there are (a file may have thousands)."""
    names = [repr(c[:40]) for c in list(columns)[:shown]]
    more = len(columns) - shown
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def parse_labeled_csv(data: bytes, *, max_bytes: int = 2 * 1024 * 1024, max_rows: int = 50_000) -> pd.DataFrame:
    """A labeled CSV upload checked whole: UTF-8, a ``text`` column, label columns named like the labels (0/1).

    An optional ``comment_id`` column is kept (rows with the same id replace earlier feedback).

    Raises
    ------
    UploadError
        Oversize, not UTF-8, not CSV, wrong columns, empty texts, labels outside 0/1; the message names the row.
    """
    if len(data) > max_bytes:
        raise UploadError(f"the file is {len(data):,} bytes; at most {max_bytes:,} bytes per upload (split it)")
    if not data.strip():
        raise UploadError("the file is empty")
    try:
        frame = read_table(data, kind="csv", name="the file")
    except InvalidDataError as exc:
        raise UploadError(f"{exc} (save it as CSV UTF-8 and upload again)") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if "text" not in frame.columns:
        raise UploadError(f"no 'text' column; the columns are {_names(frame.columns)}")
    labels = [c for c in LABELS if c in frame.columns]
    unknown = [c for c in frame.columns if c not in ("text", "comment_id", *LABELS)]
    if not labels:
        raise UploadError(f"no label column; add at least one of {', '.join(LABELS)} (0 or 1)")
    if unknown:
        raise UploadError(f"unknown column(s) {_names(unknown)}; allowed: text, comment_id, {', '.join(LABELS)}")
    if "comment_id" in frame.columns:
        lengths = frame["comment_id"].fillna("").astype(str).str.len()
        if (lengths > MAX_ID_CHARS).any():
            row = int((lengths > MAX_ID_CHARS).to_numpy().argmax()) + 2
            raise UploadError(f"row {row}: comment_id is longer than {MAX_ID_CHARS} characters")
    if len(frame) > max_rows:
        raise UploadError(f"the file has {len(frame):,} rows; at most {max_rows:,} per upload")
    try:
        checked = _validate_upload(frame, labels)
    except InvalidDataError as exc:
        raise UploadError(str(exc).replace("upload: ", "")) from None
    if "comment_id" in frame.columns:
        checked["comment_id"] = frame["comment_id"].fillna("").astype(str).to_numpy()
    return checked


def _validate_upload(frame: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    from moderation.training import validate_frame

    checked = validate_frame(frame, labels, where="upload", require_both_classes=False)
    none = checked[labels].isna().all(axis=1)
    if none.any():
        raise InvalidDataError(f"upload: row {int(none.idxmax()) + 2} has no label value; give 0 or 1")
    return checked


def decision_for(labels: Mapping[str, float]) -> str:
    """The stored decision that a set of label values amounts to (spam first, then abuse).

    >>> decision_for({"spam": 0.0, "toxicity": 1.0})
    'abusive'
    """
    if labels.get("spam", 0) >= 0.5:
        return "spam"
    if any(labels.get(l, 0) >= 0.5 for l in LABELS if l != "spam"):
        return "abusive"
    if all(labels.get(l) is not None for l in LABELS):
        return "approved"
    return "ham" if "spam" in labels else "not_abusive"


def import_labeled(storage: Storage, site_id: int, frame: pd.DataFrame, *, moderator: str | None,
                   note: str = "imported") -> int:
    """Store checked labeled rows (from :func:`parse_labeled_csv`) as the site's feedback, all or none; return the
    count. Rows without a ``comment_id`` get ``import:<sha1 of the text>``."""
    labels = [c for c in LABELS if c in frame.columns]
    decisions = []
    for record in frame.to_dict("records"):
        values = {l: float(record[l]) for l in labels if record[l] == record[l]}  # NaN != NaN: not given
        comment_id = str(record.get("comment_id") or "") or "import:" + hashlib.sha1(
            record["text"].encode("utf-8")).hexdigest()[:20]
        decisions.append(Decision(comment_id, decision_for(values), values, moderator=moderator, note=note,
                                  text=record["text"]))
    storage.feedback.record_many(site_id, decisions, source="moderator")
    return len(decisions)
