"""One model file plus a JSON sidecar; loading refuses anything it cannot trust, with a message saying what to do."""

import json
import shutil

import pytest

from moderation import Moderator, ModelChecksumError, ModelFileError, ModelVersionError
from moderation.persistence import read_metadata, sidecar_path


def _copy(src, tmp_path):
    dst = tmp_path / "m.joblib"
    shutil.copy(src, dst)
    shutil.copy(sidecar_path(src), sidecar_path(dst))
    return dst


def test_sidecar_records_versions_checksum_and_thresholds(tiny_model_path):
    """The sidecar names library, scikit-learn and numpy versions, the file's sha256, labels and thresholds."""
    meta = read_metadata(tiny_model_path)
    assert set(meta["versions"]) == {"moderation", "scikit-learn", "numpy"}
    assert len(meta["sha256"]) == 64 and meta["labels"] == ["spam", "toxicity"]
    assert set(meta["thresholds"]) == {"spam", "toxicity"}


def test_a_modified_file_is_refused(tiny_model_path, tmp_path):
    """A byte changed in the model file gives ModelChecksumError, not an unpickling error."""
    path = _copy(tiny_model_path, tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelChecksumError, match="corrupt or was replaced"):
        Moderator.load(path)


def test_another_scikit_learn_version_is_refused(tiny_model_path, tmp_path):
    """A model saved with another scikit-learn minor version says which version to install or to retrain."""
    path = _copy(tiny_model_path, tmp_path)
    meta = json.loads(sidecar_path(path).read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    sidecar_path(path).write_text(json.dumps(meta))
    with pytest.raises(ModelVersionError, match=r"scikit-learn==0\.24\.\* or retrain"):
        Moderator.load(path)


def test_missing_or_broken_sidecar(tiny_model_path, tmp_path):
    """No sidecar, or one that is not JSON, is a ModelFileError naming the file."""
    path = _copy(tiny_model_path, tmp_path)
    sidecar_path(path).write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        Moderator.load(path)
    sidecar_path(path).unlink()
    with pytest.raises(ModelFileError, match="has no sidecar"):
        Moderator.load(path)
    with pytest.raises(ModelFileError, match="does not exist"):
        Moderator.load(tmp_path / "nope.joblib")


def test_a_file_that_is_not_a_model(tiny_model_path, tmp_path):
    """A file with a matching sidecar but garbage inside is refused without a traceback from pickle."""
    path = _copy(tiny_model_path, tmp_path)
    path.write_bytes(b"not a pickle at all")
    meta = json.loads(sidecar_path(path).read_text())
    import hashlib

    meta["sha256"] = hashlib.sha256(b"not a pickle at all").hexdigest()
    sidecar_path(path).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="could not be read"):
        Moderator.load(path)


def test_round_trip_scores_identically(tiny_model_path, tiny_moderator, tmp_path):
    """Saving and loading again changes no score."""
    from moderation.persistence import save_model

    again = tmp_path / "again.joblib"
    save_model(tiny_moderator.pipeline, again, tiny_moderator.metadata)
    assert Moderator.load(again).score("idiot")["toxicity"] == tiny_moderator.score("idiot")["toxicity"]


def test_a_model_saved_before_calibration_was_a_step_scores_as_it_did():
    """A model file of format 1 (calibration inside the heads, as the first shipped models) loads into the three
    steps and gives the probabilities, verdicts and reasons recorded by the code that wrote it, within 1e-6."""
    from pathlib import Path

    from moderation.calibration import PlattScaling

    folder = Path(__file__).parent / "data" / "models"
    recorded = json.loads((folder / "tiny-format1-scores.json").read_text())
    path = folder / recorded["model"]
    assert read_metadata(path)["format"] == 1
    moderator = Moderator.load(path)
    as_tiny = Moderator.load(path, domain="tiny")
    calibration = moderator.pipeline.named_steps["calibration"]
    assert isinstance(calibration, PlattScaling) and set(calibration.calibrated_) == {"spam", "toxicity"}
    for comment in recorded["comments"]:
        scores = moderator.score(comment["text"])
        assert scores.probabilities.keys() == comment["probabilities"].keys()
        for label, value in comment["probabilities"].items():
            assert scores[label] == pytest.approx(value, abs=1e-6)
            assert as_tiny.score(comment["text"], explain=False)[label] == pytest.approx(comment["as_tiny"][label],
                                                                                          abs=1e-6)
        assert scores.verdict.value == comment["verdict"]
        assert [[r.label, r.kind, r.description] for r in scores.reasons] == [r[:3] for r in comment["reasons"]]
        assert [r.weight for r in scores.reasons] == pytest.approx([r[3] for r in comment["reasons"]], abs=1e-6)


def test_a_newer_file_format_is_refused(tiny_model_path, tmp_path):
    """A model written by a newer library (a file format this code does not know) says to upgrade."""
    path = _copy(tiny_model_path, tmp_path)
    meta = json.loads(sidecar_path(path).read_text())
    meta["format"] = 99
    sidecar_path(path).write_text(json.dumps(meta))
    with pytest.raises(ModelVersionError, match="file format 99, this library reads formats 1, 2; upgrade"):
        Moderator.load(path)
