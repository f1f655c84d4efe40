"""Where the datasets live on disk, and whether the files there are the ones the catalogue describes.

The data directory holds one folder per dataset (``Dataset.folder``), each with the upstream files and a
``SHA256SUMS`` file in ``sha256sum`` format. Verification reads that ``SHA256SUMS`` and cross-checks it against the
catalogue, so a folder holding another version of a dataset is named as such rather than reported as corrupt.
"""

from __future__ import annotations

import os
from pathlib import Path

from moderation.errors import DatasetError
from moderation.files import sha256_file  # re-exported: the catalogue's checksums (memoised per process)

from .sources import Dataset, catalogue, get

__all__ = ["ENV_VAR", "data_dir", "dataset_folder", "sha256_file", "read_sha256sums", "verify_files", "available"]

#: Environment variable naming the data directory.
ENV_VAR = "MODERATION_DATA"

#: Name of the checksum file inside each dataset folder.
SUMS_FILE = "SHA256SUMS"

#: Verification modes accepted by `verify_files` (``True`` means "catalogue", ``False`` means "none").
VERIFY_MODES = ("catalogue", "folder", "none")



def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the data directory that holds the dataset folders.

    The first of these wins: `path` when given; the environment variable ``MODERATION_DATA``; a directory
    ``../shared/datasets`` next to the current working directory; the same next to this repository.

    Parameters
    ----------
    path : str or path-like, optional
        An explicit data directory. It is returned as given (made absolute), even if it does not exist yet, so
        that `fetch` can create it.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DatasetError
        When no path is given, the environment variable is unset and no ``../shared/datasets`` exists.

    Examples
    --------
    >>> from moderation.datasets import data_dir
    >>> data_dir("/srv/moderation-data").as_posix()
    '/srv/moderation-data'
    """
    if path is not None:
        return Path(path).expanduser().absolute()
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env).expanduser().absolute()
    candidates = _fallback_dirs()
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.absolute()
    looked = ", ".join(str(c) for c in candidates)
    raise DatasetError(
        f"no data directory found (looked at {looked}): set the environment variable {ENV_VAR} to the folder "
        "that holds the dataset folders, pass data_dir=..., or download a dataset with "
        "`moderation datasets fetch NAME`"
    )


def _fallback_dirs() -> tuple[Path, ...]:
    """``../shared/datasets`` beside the working directory, then beside this repository (editable installs)."""
    repository = Path(__file__).resolve().parent.parent
    return (Path.cwd().parent / "shared" / "datasets", repository.parent / "shared" / "datasets")


# Functions whose `data_dir` parameter shadows `data_dir` call it by this name.
_resolve_data_dir = data_dir


def dataset_folder(dataset: Dataset | str, root: str | os.PathLike[str] | None = None) -> Path:
    """The folder of `dataset` inside the data directory `root` (resolved with `data_dir`)."""
    entry = get(dataset) if isinstance(dataset, str) else dataset
    return data_dir(root) / entry.folder


def read_sha256sums(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parse a ``sha256sum``-format file into ``{relative path: hex digest}``.

    Blank lines and ``#`` comments are skipped; the binary-mode marker ``*`` before a name is accepted.

    Raises
    ------
    DatasetError
        If a line is not ``<64 hex digits>  <path>``.
    """
    sums: dict[str, str] = {}
    text = Path(path).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split(maxsplit=1)
        digest = parts[0].lower()
        if len(parts) != 2 or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise DatasetError(f"{path}, line {number}: expected '<sha256>  <file>', got {line!r}")
        sums[parts[1].lstrip("*")] = digest
    return sums


def _mode(verify: bool | str) -> str:
    if verify is True:
        return "catalogue"
    if verify is False:
        return "none"
    if verify in VERIFY_MODES:
        return verify
    raise DatasetError(f"verify must be True, False, 'catalogue', 'folder' or 'none', got {verify!r}")


def verify_files(dataset: Dataset, folder: Path, paths: tuple[str, ...], verify: bool | str = True) -> None:
    """Check that the files `paths` of `dataset` exist in `folder` and have the expected sha256.

    Parameters
    ----------
    dataset : Dataset
        The catalogue entry.
    folder : pathlib.Path
        The dataset's folder.
    paths : tuple of str
        The files to check, relative to `folder`.
    verify : bool or {"catalogue", "folder", "none"}
        ``True`` / ``"catalogue"``: the catalogue's sha256 is the reference; if the folder has a ``SHA256SUMS``, it
        must agree with the catalogue (otherwise the folder holds another version of the data).
        ``"folder"``: the folder's own ``SHA256SUMS`` is the reference (for local copies and test fixtures).
        ``False`` / ``"none"``: only check that the files exist.

    Raises
    ------
    DatasetError
        Naming the file and what to do, when a file is missing, when ``SHA256SUMS`` disagrees with the catalogue,
        or when a file's sha256 differs.
    """
    mode = _mode(verify)
    for relative in paths:
        if not (folder / relative).is_file():
            fix = (
                f"`moderation datasets fetch {dataset.id}`"
                if dataset.fetchable
                else f"download it by hand: {dataset.fetch_note}"
            )
            raise DatasetError(
                f"dataset {dataset.id!r}: file {folder / relative} is missing; get it with {fix}, or point "
                f"{ENV_VAR} at a data directory that has the folder {dataset.folder}/"
            )
    if mode == "none":
        return

    sums_path = folder / SUMS_FILE
    folder_sums = read_sha256sums(sums_path) if sums_path.is_file() else {}
    if mode == "folder" and not folder_sums:
        raise DatasetError(
            f"dataset {dataset.id!r}: verify='folder' needs {sums_path}; write it with `sha256sum FILES > "
            f"{SUMS_FILE}` inside the folder, or load with verify=True to use the catalogue's checksums"
        )
    for relative in paths:
        if mode == "catalogue":
            expected = dataset.file(relative).sha256
            listed = folder_sums.get(relative)
            if listed is not None and listed != expected:
                raise DatasetError(
                    f"dataset {dataset.id!r}: {sums_path} lists sha256 {listed} for {relative}, but the catalogue "
                    f"expects {expected}: the folder holds another version of the dataset. Replace it with the "
                    f"catalogued files (`moderation datasets fetch {dataset.id}`), or load with verify='folder' "
                    "to trust the folder's own checksums"
                )
            reference = "the catalogue"
        else:
            expected = folder_sums.get(relative)
            if expected is None:
                raise DatasetError(
                    f"dataset {dataset.id!r}: {sums_path} does not list {relative}; add its sha256 to that file"
                )
            reference = str(sums_path)
        actual = sha256_file(folder / relative)
        if actual != expected:
            raise DatasetError(
                f"dataset {dataset.id!r}: file {folder / relative} has sha256 {actual}, but {reference} expects "
                f"{expected}: the file is corrupt or was changed. Restore the original file (e.g. "
                f"`moderation datasets fetch {dataset.id}` into an empty folder) and never edit data files in place"
            )


def available(data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """The ids of the datasets whose files for the default variant are all present (not hashed).

    Parameters
    ----------
    data_dir : str or path-like, optional
        The data directory; resolved with `data_dir` when omitted.

    Returns
    -------
    list of str
        In catalogue order.

    Raises
    ------
    DatasetError
        If no data directory can be resolved.
    """
    root = _resolve_data_dir(data_dir)
    present = []
    for entry in catalogue():
        folder = root / entry.folder
        if all((folder / relative).is_file() for relative in entry.variant_files()):
            present.append(entry.id)
    return present
