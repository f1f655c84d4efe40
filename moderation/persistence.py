"""Saving and loading a model: one joblib file plus a JSON sidecar.

``model.joblib`` holds the whole fitted pipeline; ``model.json`` beside it records what is needed to trust and use
it: this library's, scikit-learn's and numpy's versions, the training sources and their sha256, parameters, metrics,
thresholds, and the sha256 of the joblib file itself. Loading reads and checks the sidecar *before* unpickling, so a
swapped, truncated or incompatible file is refused with a message that says what to do, never with a pickle
traceback. Only load model files you made or trust: unpickling runs code (see scikit-learn's model persistence
guide). The service never loads a model named by a request.

Format 2 files hold a ``features -> heads -> calibration`` pipeline. Format 1 files (written before calibration was
a step of its own, like the first shipped models) hold ``features -> heads`` with the calibration inside the heads;
they are read into the same three steps, scoring exactly as before.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from .errors import ModelChecksumError, ModelFileError, ModelVersionError
from .files import sha256_file, write_atomically

__all__ = ["save_model", "load_model", "sidecar_path", "sha256_file", "read_metadata", "FORMAT"]

#: Version of the file layout this code writes; bumped when a saved model can no longer be read by older code.
FORMAT = 2
#: The layouts this code reads.
READABLE_FORMATS = (1, 2)


def _library_version() -> str:
    from . import __version__

    return __version__


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """The JSON sidecar that belongs to a model file (``model.joblib`` -> ``model.json``)."""
    return Path(path).with_suffix(".json")


def save_model(pipeline: Pipeline, path: str | os.PathLike[str], metadata: dict[str, Any]) -> dict[str, Any]:
    """Write ``pipeline`` to ``path`` and its sidecar beside it, each atomically; return the sidecar's content.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline from :func:`moderation.model.build_pipeline`.
    path : path-like
        Where to write, conventionally ``something.joblib``.
    metadata : dict
        JSON-serialisable facts about the model (sources, metrics, thresholds...); version and checksum fields are
        added here.
    """
    path = Path(path)
    write_atomically(path, lambda fh: joblib.dump(pipeline, fh, compress=("zlib", 3)))
    sidecar = dict(metadata)
    sidecar.update(
        format=FORMAT,
        file=path.name,
        sha256=sha256_file(path),
        size_bytes=path.stat().st_size,
        versions={
            "moderation": _library_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
    )
    text = json.dumps(sidecar, indent=2, sort_keys=False, default=_json_default) + "\n"
    write_atomically(sidecar_path(path), text)
    return sidecar


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to a model sidecar")


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The sidecar of the model at ``path``, checked for shape but without touching the model file."""
    side = sidecar_path(path)
    if not Path(path).is_file():
        raise ModelFileError(f"model file {path} does not exist")
    if not side.is_file():
        raise ModelFileError(
            f"model file {path} has no sidecar {side.name}; a model must be saved with moderation's save_model "
            "(`moderation train`), which writes both"
        )
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"sidecar {side} is not valid JSON ({exc}); retrain or restore the model") from None
    missing = {"format", "sha256", "versions", "labels"} - set(meta) if isinstance(meta, dict) else {"everything"}
    if missing:
        raise ModelFileError(f"sidecar {side} lacks {sorted(missing)}; it was not written by moderation's save_model")
    return meta


def _major_minor(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def load_model(path: str | os.PathLike[str], verify: bool = True) -> tuple[Pipeline, dict[str, Any]]:
    """Load a model saved by :func:`save_model`: check format, versions and checksum, then unpickle.

    Raises
    ------
    ModelFileError
        Missing or malformed files, or a file that does not hold a moderation pipeline.
    ModelVersionError
        Saved with a scikit-learn of another minor version, or by a newer file format.
    ModelChecksumError
        The file's sha256 is not the one in its sidecar.
    """
    meta = read_metadata(path)
    if meta["format"] not in READABLE_FORMATS:
        raise ModelVersionError(
            f"model {path} has file format {meta['format']}, this library reads formats "
            f"{', '.join(map(str, READABLE_FORMATS))}; upgrade moderation or retrain the model with `moderation train`"
        )
    saved = str(meta["versions"].get("scikit-learn", "?"))
    if _major_minor(saved) != _major_minor(sklearn.__version__):
        raise ModelVersionError(
            f"model {path} was saved with scikit-learn {saved}, but {sklearn.__version__} is installed; "
            f"install scikit-learn=={'.'.join(map(str, _major_minor(saved)))}.* or retrain with `moderation train`"
        )
    if verify:
        actual = sha256_file(path)
        if actual != meta["sha256"]:
            raise ModelChecksumError(
                f"model {path} has sha256 {actual[:12]}..., its sidecar expects {str(meta['sha256'])[:12]}...; "
                "the file is corrupt or was replaced: restore it or retrain"
            )
    try:
        pipeline = joblib.load(path)
    except Exception as exc:  # unpickling can fail in many ways; none of them should reach the caller raw
        raise ModelFileError(f"model {path} could not be read ({type(exc).__name__}: {exc}); retrain it") from None
    from .model import STEPS

    if meta["format"] == 1 and isinstance(pipeline, Pipeline) and [n for n, _ in pipeline.steps] == list(STEPS[:2]):
        pipeline = _calibration_as_a_step(pipeline)
    if not isinstance(pipeline, Pipeline) or tuple(name for name, _ in pipeline.steps) != STEPS:
        raise ModelFileError(f"{path} does not hold a moderation pipeline ({' -> '.join(STEPS)})")
    return pipeline, meta


def _calibration_as_a_step(pipeline: Pipeline) -> Pipeline:
    """A format-1 pipeline (features -> heads, calibration inside the heads) as the three steps of format 2."""
    from .calibration import PlattScaling

    features, heads = (step for _, step in pipeline.steps)
    scales = heads.__dict__.pop("calibration_", {})
    calibration = PlattScaling.from_scales(heads.labels_, scales)
    return Pipeline([("features", features), ("heads", heads), ("calibration", calibration)])
