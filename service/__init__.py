"""The HTTP service: a Flask app over the moderation library, with native, Akismet and Perspective APIs.

>>> import tempfile
>>> from service import create_app
>>> app = create_app({"INSTANCE_PATH": tempfile.mkdtemp()})
>>> app.test_client().get("/healthz").json
{'status': 'ok'}

The factory is :func:`service.app.create_app`; the commands (``moderation serve | keys | sites | users | feedback |
retrain | models``) are :mod:`service.cli`. Importing this package loads neither Flask nor a model, so the command
line stays fast and its database-only commands run without the ``service`` extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> "Flask":
    """Build the app (see :func:`service.app.create_app`)."""
    from .app import create_app as build

    return build(test_config)
