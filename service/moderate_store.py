"""What the moderators' loop needs from the database beyond :class:`~service.storage.Storage`'s own methods.

The review queue with row ids and an order, moderators' decisions turned into feedback (the same ``feedback`` table
the APIs write, source ``moderator``), the site's feedback as a training table, labeled CSV imports in one
transaction, and retraining a site as a background job recorded in the ``jobs`` table. Used by the ``/moderate``
pages (:mod:`service.moderate`) and by the ``moderation`` command line (:mod:`moderation.cli_loop`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from moderation.errors import InvalidDataError, ModerationError
from moderation.labels import LABELS
from moderation.registry import ModelRegistry

from .payloads import MAX_ID_CHARS
from .storage import Site, Storage, StorageError, now

__all__ = [
    "DECISION_LABELS",
    "MODERATOR_DECISIONS",
    "UploadError",
    "queue",
    "decide",
    "feedback_frame",
    "parse_labeled_csv",
    "import_feedback",
    "registry",
    "retrain_site",
    "start_retrain_job",
]

log = logging.getLogger(__name__)

#: What each stored decision says about the labels (a feedback row's own ``labels`` win over this).
DECISION_LABELS: dict[str, dict[str, float]] = {
    "spam": {"spam": 1.0},
    "ham": {"spam": 0.0},
    "abusive": {"toxicity": 1.0},
    "not_abusive": {"toxicity": 0.0, "insult": 0.0, "identity_attack": 0.0},
    "approved": {label: 0.0 for label in LABELS},
    "rejected": {},
}

#: The buttons of the queue page: name -> (stored decision, labels).
MODERATOR_DECISIONS: dict[str, tuple[str, dict[str, float]]] = {
    "approve": ("approved", {label: 0.0 for label in LABELS}),
    "spam": ("spam", {"spam": 1.0}),
    "abuse": ("abusive", {"toxicity": 1.0, "spam": 0.0}),
}


def _names(columns: Sequence[str], shown: int = 5) -> str:
    """Column names for a message: the first few, then how many there are (a file may have thousands)."""
    names = [repr(c[:40]) for c in list(columns)[:shown]]
    more = len(columns) - shown
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


class UploadError(ValueError):
    """Raised for a labeled upload that cannot be imported; the message says what is wrong and how to fix it."""


# -- the queue -------------------------------------------------------------------------------------------------


def _decode(row: Any) -> dict[str, Any]:
    item = dict(row)
    for name in ("metadata", "scores", "flagged", "reasons"):
        item[name] = json.loads(item[name])
    return item


def queue(storage: Storage, site_id: int, *, order: str = "newest", limit: int = 100,
          thresholds: Mapping[str, float] | None = None) -> list[dict[str, Any]]:
    """Pending held comments of a site with their row ``id``: newest first, or most uncertain first (a flagged
    score closest to its hold threshold, ``thresholds`` by label; 0.5 when not given)."""
    if order == "uncertain":
        rows = storage.conn.execute(
            "SELECT * FROM comments WHERE site_id = ? AND review_status = 'pending' "
            "ORDER BY created_at DESC LIMIT 2000",
            (site_id,),
        ).fetchall()
        items = [_decode(r) for r in rows]

        def margin(item: dict[str, Any]) -> float:
            scores = item["scores"] or {}
            labels = item["flagged"] or list(scores)
            gaps = [abs(float(scores[l]) - float((thresholds or {}).get(l, 0.5))) for l in labels if l in scores]
            return min(gaps) if gaps else 1.0

        items.sort(key=margin)
        return items[:limit]
    rows = storage.conn.execute(
        "SELECT * FROM comments WHERE site_id = ? AND review_status = 'pending' ORDER BY created_at DESC, id DESC "
        "LIMIT ?",
        (site_id, limit),
    ).fetchall()
    return [_decode(r) for r in rows]


def highlight(text: str, reasons: Sequence[Mapping[str, Any]]) -> list[tuple[str, str | None]]:
    """``text`` cut into ``(piece, label or None)``: the pieces covered by a reason's span carry its label."""
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
    """Record a moderator's decision on stored checks of a site as feedback; return how many were decided.

    Raises
    ------
    StorageError
        When ``action`` is not one of :data:`MODERATOR_DECISIONS` or a check does not belong to the site.
    """
    if action not in MODERATOR_DECISIONS:
        raise StorageError(f"decision must be one of {', '.join(MODERATOR_DECISIONS)}, got {action!r}")
    decision, labels = MODERATOR_DECISIONS[action]
    rows = []
    for check_id in check_ids:
        row = storage.conn.execute(
            "SELECT * FROM comments WHERE id = ? AND site_id = ?", (int(check_id), site_id)
        ).fetchone()
        if row is None:
            raise StorageError(f"no stored comment {check_id} for this site")
        rows.append(row)
    for row in rows:
        comment_id = row["comment_id"] or f"check:{row['id']}"
        storage.record_feedback(site_id, comment_id, decision, source="moderator", labels=labels, moderator=moderator,
                                text=row["text"], metadata=json.loads(row["metadata"]))
        if row["comment_id"] is None:  # record_feedback leaves the queue by comment_id; this one had none
            with storage.transaction(write=True) as conn:
                conn.execute("UPDATE comments SET review_status = 'decided' WHERE id = ?", (row["id"],))
    return len(rows)


# -- feedback as training data ---------------------------------------------------------------------------------


def feedback_frame(storage: Storage, site_id: int) -> pd.DataFrame:
    """The site's feedback with a text as ``text`` plus one column per label (NaN where a decision says nothing).

    The text is the feedback's own, else the latest stored check of that comment; feedback with neither is skipped.
    """
    rows = storage.conn.execute(
        """SELECT f.decision, f.labels, COALESCE(f.text, (SELECT c.text FROM comments c WHERE c.site_id = f.site_id
                  AND c.comment_id = f.comment_id ORDER BY c.id DESC LIMIT 1)) AS text
           FROM feedback f WHERE f.site_id = ? ORDER BY f.id""",
        (site_id,),
    ).fetchall()
    records = []
    for row in rows:
        if not row["text"] or not row["text"].strip():
            continue
        labels = dict(DECISION_LABELS.get(row["decision"], {}))
        labels.update({k: float(v) for k, v in json.loads(row["labels"] or "{}").items() if k in LABELS})
        records.append({"text": row["text"], **labels})
    frame = pd.DataFrame.from_records(records, columns=["text", *LABELS])
    return frame.dropna(axis=1, how="all") if len(frame) else frame[["text"]]


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
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(f"the file is not UTF-8 (byte {exc.start}); save it as CSV UTF-8 and upload again") from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise UploadError(f"the file could not be read as CSV: {str(exc).splitlines()[0]}") from None
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
        checked = validate_upload(frame, labels)
    except InvalidDataError as exc:
        raise UploadError(str(exc).replace("upload: ", "")) from None
    if "comment_id" in frame.columns:
        checked["comment_id"] = frame["comment_id"].fillna("").astype(str).to_numpy()
    return checked


def validate_upload(frame: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    from moderation.training import validate_frame

    checked = validate_frame(frame, labels, where="upload", require_both_classes=False)
    none = checked[labels].isna().all(axis=1)
    if none.any():
        raise InvalidDataError(f"upload: row {int(none.idxmax()) + 2} has no label value; give 0 or 1")
    return checked


def _decision_for(labels: Mapping[str, float]) -> str:
    if labels.get("spam", 0) >= 0.5:
        return "spam"
    if any(labels.get(l, 0) >= 0.5 for l in LABELS if l != "spam"):
        return "abusive"
    if all(labels.get(l) is not None for l in LABELS):
        return "approved"
    return "ham" if "spam" in labels else "not_abusive"


def import_feedback(storage: Storage, site_id: int, frame: pd.DataFrame, *, moderator: str | None,
                    note: str = "imported") -> int:
    """Store checked labeled rows (from :func:`parse_labeled_csv`) as the site's feedback, all in one transaction:
    a failure stores nothing. Rows without a ``comment_id`` get ``import:<sha1 of the text>``. Returns the count."""
    labels = [c for c in LABELS if c in frame.columns]
    stamp = now()
    args = []
    for record in frame.to_dict("records"):
        values = {l: float(record[l]) for l in labels if record[l] == record[l]}  # NaN != NaN: not given
        comment_id = str(record.get("comment_id") or "") or "import:" + hashlib.sha1(
            record["text"].encode("utf-8")).hexdigest()[:20]
        args.append((site_id, comment_id, _decision_for(values), json.dumps(values), moderator, note,
                     record["text"], stamp, stamp))
    with storage.transaction(write=True) as conn:
        if conn.execute("SELECT 1 FROM sites WHERE id = ?", (site_id,)).fetchone() is None:
            raise StorageError(f"no site with id {site_id}")
        conn.executemany(
            """INSERT INTO feedback (site_id, comment_id, decision, labels, source, moderator, note, text, metadata,
                                     created_at, updated_at)
               VALUES (?, ?, ?, ?, 'moderator', ?, ?, ?, '{}', ?, ?)
               ON CONFLICT (site_id, comment_id) DO UPDATE SET
                   decision = excluded.decision, labels = excluded.labels, source = excluded.source,
                   moderator = excluded.moderator, note = excluded.note, text = excluded.text,
                   updated_at = excluded.updated_at""",
            args,
        )
    return len(args)


# -- models and retraining -------------------------------------------------------------------------------------


def registry(storage: Storage, instance: str | Path) -> ModelRegistry:
    """The model registry of an instance, indexed by its database's ``models`` table."""
    return ModelRegistry(instance, storage)


def retrain_site(
    storage: Storage,
    instance: str | Path,
    site: Site,
    *,
    active: Any,
    recipe: str | None = None,
    data_dir: str | None = None,
    base_files: Sequence[str] = (),
    params: Mapping[str, Any] | None = None,
    promote: bool = True,
    tolerance: float = 0.02,
    protocol_rounds: int = 0,
    progress: Any = None,
) -> Any:
    """Retrain ``site``'s model from its feedback (see :func:`moderation.retrain.retrain`).

    ``protocol_rounds > 0`` (with a recipe) also runs that many rounds of the standard protocol with the site's
    feedback added, and puts its summary in the report.
    """
    from moderation.retrain import base_sources, retrain

    sources, recipe_params = base_sources(recipe, data_dir, base_files)
    protocol = None
    if protocol_rounds > 0:
        if not recipe or recipe == "none":
            raise InvalidDataError("the standard protocol needs a recipe (--recipe default or commercial)")

        def protocol(extra: Sequence[Any]) -> Mapping[str, Any]:
            from moderation.protocol import run_protocol
            from moderation.recipes import recipe as named

            return run_protocol(named(recipe), data_dir, rounds=protocol_rounds, params=params,
                                extra_sources=extra).summary
    return retrain(
        registry(storage, instance),
        site_id=site.id,
        site_name=site.host,
        feedback=feedback_frame(storage, site.id),
        active=active,
        base=sources,
        params={**recipe_params, **dict(params or {})},
        promote=promote,
        tolerance=tolerance,
        protocol=protocol,
        progress=progress,
    )


_RUNNING: dict[int, threading.Thread] = {}
_RUNNING_LOCK = threading.Lock()


def start_retrain_job(storage: Storage, instance: str | Path, site: Site, active: Any, *,
                      options: Mapping[str, Any]) -> int:
    """Start retraining ``site`` in a background thread; return the job id (progress goes to the ``jobs`` table).

    Raises
    ------
    StorageError
        When a retrain of that site is already running in this process.
    """
    with _RUNNING_LOCK:
        running = _RUNNING.get(site.id)
        if running is not None and running.is_alive():
            raise StorageError("a retrain of this site is already running")
        # Another worker's job: one that reported in the last 15 minutes counts as running (a job whose worker
        # died stops reporting, so it does not block the site forever).
        busy = storage.conn.execute(
            "SELECT id FROM jobs WHERE site_id = ? AND kind = 'retrain' AND status IN ('queued', 'running') "
            "AND updated_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-15 minutes')",
            (site.id,),
        ).fetchone()
        if busy is not None:
            raise StorageError(f"retrain job #{busy[0]} of this site is still running")
        job_id = storage.create_job("retrain", site.id, "queued")

        def progress(fraction: float, message: str) -> None:
            storage.update_job(job_id, progress=min(max(fraction, 0.0), 1.0), message=message)

        def run() -> None:
            storage.update_job(job_id, status="running", progress=0.01, message="starting")
            try:
                result = retrain_site(storage, instance, site, active=active, progress=progress, **options)
            except (ModerationError, StorageError, ValueError) as exc:
                storage.update_job(job_id, status="failed", message=str(exc))
            except Exception as exc:  # a bug must still end the job, with its reason, not leave it "running"
                log.exception("retrain job %s failed", job_id)
                storage.update_job(job_id, status="failed", message=f"{type(exc).__name__}: {exc}")
            else:
                state = "promoted" if result.promoted else "not promoted"
                storage.update_job(job_id, status="succeeded", progress=1.0,
                                   message=f"model {result.version.version} (#{result.version.id}): gate "
                                           f"{result.gate['status']}, {state}")
            finally:
                storage.close()

        thread = threading.Thread(target=run, name=f"retrain site {site.id}", daemon=True)
        _RUNNING[site.id] = thread
        thread.start()
    return job_id
