"""Files on disk: the sha256 of a file, and writing a file whole or not at all.

Model files, their sidecars, reports, evaluation results and dataset checksums all go through these two functions,
so every file the library writes is complete (a temporary file in the same directory, flushed to disk, then renamed
over the target: a reader sees the old file or the new one, never half of one) and every checksum is computed the
same way.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
>>> write_atomically(path, "hello\\n")
>>> path.read_text(), sha256_file(path)[:12]
('hello\\n', '5891b5b522d5')
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["sha256_file", "write_atomically"]

_CHUNK = 1 << 20
_HASHES: dict[tuple[str, int, int, int], str] = {}
_HASHES_LOCK = threading.Lock()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of a file, remembered per process while its size, modification time and inode stay the same
    (the dataset catalogue checks the same large files many times)."""
    file_path = Path(path)
    stat = file_path.stat()
    key = (str(file_path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    with _HASHES_LOCK:
        cached = _HASHES.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with open(file_path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    value = digest.hexdigest()
    with _HASHES_LOCK:
        _HASHES[key] = value
    return value


def write_atomically(
    path: str | os.PathLike[str], content: bytes | str | Callable[[IO[bytes]], object], *, mode: int = 0o644
) -> None:
    """Write ``content`` (bytes, text as UTF-8, or a function that writes to a binary file) to ``path`` atomically.

    The parent directory is created if needed; on any failure the target is left as it was and the temporary file
    is removed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
