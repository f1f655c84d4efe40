"""Downloading a dataset's files from their canonical URLs into the data directory, verified and atomically."""

from __future__ import annotations

import http.client
import os
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from moderation.errors import DatasetError

from .sources import DataFile, Dataset, get
from .storage import SUMS_FILE, _resolve_data_dir, read_sha256sums, sha256_file

__all__ = ["fetch"]

_TIMEOUT = 60
_CHUNK = 1 << 16
_USER_AGENT = "moderation-datasets-fetch"


def fetch(
    name: str,
    data_dir: str | os.PathLike[str] | None,
    *,
    urlopen: Callable | None = None,
) -> list[Path]:
    """Download the files the loader of dataset `name` reads into ``data_dir/<folder>/``.

    Each file comes from its catalogue URL (or is extracted from the catalogued zip archive), is checked against
    the catalogue's sha256, and is then moved into place atomically (temporary file + ``os.replace``). A file that is
    already present with the right sha256 is kept; a present file with another sha256 is never overwritten.
    A ``SHA256SUMS`` is written into the folder when it has none.

    Parameters
    ----------
    name : str
        A dataset id from `catalogue`.
    data_dir : str or path-like or None
        The data directory; resolved with `data_dir` when None. It is created if missing.
    urlopen : callable, optional
        Replaces ``urllib.request.urlopen`` (called as ``urlopen(request, timeout=...)``, returning a response
        with ``read(size)``, usable as a context manager); tests pass a fake.

    Returns
    -------
    list of pathlib.Path
        The paths of the dataset's data files, all verified.

    Raises
    ------
    DatasetError
        For a dataset without public per-file URLs (the message says where to get it), an unreachable URL, a
        checksum mismatch (naming the file, the URL and both digests), or an existing file that differs.

    Examples
    --------
    >>> from moderation.datasets import fetch
    >>> fetch("davidson", "~/moderation-data")  # doctest: +SKIP
    [PosixPath('/home/me/moderation-data/davidson2017-hate-offensive/labeled_data.csv')]
    """
    entry = get(name)
    if not entry.fetchable:
        raise DatasetError(f"dataset {entry.id!r} cannot be downloaded automatically: {entry.fetch_note}")
    opener = urlopen if urlopen is not None else _default_urlopen()
    folder = _resolve_data_dir(data_dir) / entry.folder
    folder.mkdir(parents=True, exist_ok=True)

    wanted = [f for f in entry.data_files if not _present(folder, f)]
    for data_file in [f for f in wanted if f.url is not None]:
        with _downloaded(opener, data_file.url, folder) as temporary:
            _install(entry, folder, data_file, temporary, data_file.url)
    by_archive: dict[str, list[DataFile]] = {}
    for data_file in wanted:
        if data_file.url is None:
            by_archive.setdefault(data_file.archive_url, []).append(data_file)
    for archive_url, members in by_archive.items():
        with _downloaded(opener, archive_url, folder) as archive:
            _extract(entry, folder, archive, archive_url, members)

    _write_sums(folder, entry)
    return [folder / f.path for f in entry.data_files]


def _default_urlopen() -> Callable:
    import urllib.request  # imported here: nothing network-related happens at import time

    return urllib.request.urlopen


def _present(folder: Path, data_file: DataFile) -> bool:
    """True if the file is already there and correct; raise if it is there and different."""
    target = folder / data_file.path
    if not target.exists():
        return False
    actual = sha256_file(target)
    if actual != data_file.sha256:
        raise DatasetError(
            f"{target} already exists with sha256 {actual}, not the catalogue's {data_file.sha256}; refusing to "
            "overwrite it. Move it away (or delete it) and fetch again"
        )
    return True


@contextmanager
def _temporary_file(folder: Path) -> Iterator[Path]:
    """A temporary file in `folder` (same file system, so ``os.replace`` is atomic), removed unless moved away."""
    handle, name = tempfile.mkstemp(dir=folder, prefix=".fetch-", suffix=".part")
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def _downloaded(opener: Callable, url: str, folder: Path) -> Iterator[Path]:
    """Stream `url` into a temporary file in `folder` and yield its path."""
    import urllib.request

    with _temporary_file(folder) as path:
        try:
            request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
            with opener(request, timeout=_TIMEOUT) as response, open(path, "wb") as out:
                shutil.copyfileobj(response, out, _CHUNK)
        except (OSError, ValueError, http.client.HTTPException) as error:  # URLError, HTTPError are OSErrors
            raise DatasetError(
                f"could not download {url}: {error}; check the connection, or get the file by hand"
            ) from None
        yield path


def _install(entry: Dataset, folder: Path, data_file: DataFile, source: Path, origin: str) -> None:
    """Verify `source` against the catalogue and move it to its place in `folder`."""
    actual = sha256_file(source)
    if actual != data_file.sha256:
        raise DatasetError(
            f"dataset {entry.id!r}: {data_file.path} from {origin} has sha256 {actual}, but the catalogue expects "
            f"{data_file.sha256}; the upstream file changed or the download is corrupt, so nothing was written"
        )
    target = folder / data_file.path
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _extract(entry: Dataset, folder: Path, archive: Path, url: str, members: list[DataFile]) -> None:
    try:
        bundle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise DatasetError(f"dataset {entry.id!r}: {url} is not a zip archive") from None
    with bundle:
        names = [n for n in bundle.namelist() if not n.startswith("__MACOSX/") and not n.endswith("/")]
        for data_file in members:
            member = data_file.archive_member
            if member not in names:
                # Archives re-packed upstream may nest the files in a folder: match on the file name.
                candidates = [n for n in names if n.rsplit("/", 1)[-1] == member]
                if len(candidates) != 1:
                    raise DatasetError(f"dataset {entry.id!r}: {url} has no member {member!r} (it has {names[:10]})")
                member = candidates[0]
            with _temporary_file(folder) as extracted:
                with bundle.open(member) as source, open(extracted, "wb") as out:
                    shutil.copyfileobj(source, out, _CHUNK)
                _install(entry, folder, data_file, extracted, f"{url} (member {member})")


def _write_sums(folder: Path, entry: Dataset) -> None:
    """Write ``SHA256SUMS`` for the data files unless the folder already has one (it is never overwritten)."""
    sums_path = folder / SUMS_FILE
    if sums_path.exists():
        read_sha256sums(sums_path)  # a malformed file is reported now rather than at load time
        return
    lines = "".join(f"{f.sha256}  {f.path}\n" for f in entry.data_files)
    temporary = folder / f".{SUMS_FILE}.part"
    temporary.write_text(lines, encoding="utf-8")
    os.replace(temporary, sums_path)

