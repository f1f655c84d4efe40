"""Labeled comment datasets: the catalogue, loaders, downloads and the standard evaluation protocol.

The data never ships with the library: it is read from a data directory (``MODERATION_DATA``, or
``../shared/datasets`` on the project's machines) and verified against the catalogue's sha256. See ``README.md``
in this folder for the schema, the label mapping of every dataset and the protocol.

>>> from moderation.datasets import catalogue, protocol
>>> len(catalogue()), len(protocol())
(14, 18)

Submodules ``identity`` (neutral identity-term sentences), ``evasion`` (obfuscated abuse) and ``functional``
(news-comment and spam functional test suites) and ``synthetic`` (templated threats, hate and their contrasts, kept
apart from the functional suite) build our own test and training material.
"""

from . import evasion, functional, identity, synthetic
from .download import fetch
from .evaluation import (
    SCHEMES,
    CrossSourceTask,
    Task,
    binarise,
    cross_source,
    cross_source_rows,
    dedupe_across,
    protocol,
    split_indices,
    task,
    text_key,
)
from .loaders import COLUMNS, decode_impermium, load
from .sources import DataFile, Dataset, catalogue, get
from .storage import ENV_VAR, available, data_dir, read_sha256sums, sha256_file, verify_files

__all__ = [
    "COLUMNS",
    "CrossSourceTask",
    "ENV_VAR",
    "SCHEMES",
    "DataFile",
    "Dataset",
    "Task",
    "available",
    "binarise",
    "catalogue",
    "cross_source",
    "cross_source_rows",
    "data_dir",
    "decode_impermium",
    "dedupe_across",
    "evasion",
    "fetch",
    "functional",
    "get",
    "identity",
    "load",
    "protocol",
    "read_sha256sums",
    "sha256_file",
    "split_indices",
    "synthetic",
    "task",
    "text_key",
    "verify_files",
]
