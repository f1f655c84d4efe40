"""The models a worker serves: loaded once, chosen per site, swapped atomically when a new one is promoted.

A request asks :meth:`ModelHolder.get` for its site's :class:`~moderation.Moderator`. The holder

* resolves the site's model file (its active model in the ``models`` table, else the active global model, else
  the configured default) at most once per ``check_interval`` seconds per site;
* notices that a file was replaced (the size, mtime or inode of the model or its sidecar changed) at most once per
  ``check_interval`` per file,
  and then loads the new model *in the background*, serving the old one until the new one is ready: in-flight
  requests keep the Moderator object they already hold, so nothing fails during a swap;
* loads a newly promoted model of a site (another file) in the background too, the site's previous model answering
  meanwhile, so no request waits for the load (after :meth:`ModelHolder.forget_site`, a promotion made by this
  worker, the next request loads it);
* keeps a small LRU cache of loaded Moderators keyed by (path, sha256), so sites sharing a model share memory and a
  model that comes back is not loaded twice.

A model that fails to load (corrupt, incompatible) is logged and the previous one stays in service; a site whose
model has never loaded gets :class:`ModelUnavailable` (503). The service never loads a file named by a request: paths
come from configuration and the database only.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from moderation import Moderator
from moderation.errors import ModerationError
from moderation.moderator import default_model_path
from moderation.persistence import sidecar_path

from .errors import ModelUnavailable
from .metrics import observe_model

__all__ = ["ModelHolder", "ModelUnavailable"]

log = logging.getLogger(__name__)


def _signature(path: str) -> tuple[int, ...] | None:
    """What changes when a model file or its sidecar is replaced (both are written by atomic renames)."""
    try:
        st = os.stat(path)
        side = os.stat(sidecar_path(path))
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino, side.st_mtime_ns, side.st_size, side.st_ino)


@dataclass
class _FileState:
    """What the holder knows about one model file."""

    signature: tuple[int, ...] | None = None
    sha256: str | None = None  # of the Moderator currently served for this path
    checked_at: float = -1e18
    failed_signature: tuple[int, ...] | None = None  # don't retry a broken file until it changes again
    error: str | None = None
    loading: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class ModelHolder:
    """Loaded models of one worker, chosen per site.

    Parameters
    ----------
    default_path : path-like or None
        The global model; None means the library's default (``$MODERATION_MODEL`` or the shipped model).
    resolver : callable, optional
        ``resolver(site_id) -> path or None``: the site's promoted model (None: the default).
    check_interval : float
        Seconds between looks at the resolver and at a file's stat, per site and per file.
    cache_size : int
        Loaded models kept.
    loader : callable
        ``loader(path) -> Moderator`` (default :meth:`Moderator.load`, which verifies the checksum).
    """

    def __init__(
        self,
        default_path: str | os.PathLike[str] | None = None,
        *,
        resolver: Callable[[int | None], str | None] | None = None,
        check_interval: float = 1.0,
        cache_size: int = 4,
        loader: Callable[[str], Moderator] = Moderator.load,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.default_path = str(Path(default_path) if default_path else default_model_path())
        self.resolver = resolver
        self.check_interval = float(check_interval)
        self.cache_size = max(1, int(cache_size))
        self.loader = loader
        self.clock = clock
        self._lock = threading.Lock()
        self._files: dict[str, _FileState] = {}
        self._models: OrderedDict[tuple[str, str], Moderator] = OrderedDict()
        self._sites: dict[int | None, tuple[str, float]] = {}
        self._served: dict[int | None, str] = {}  # the file each site was last served from
        #: Runs a load (``offload(loader, path)``); a cooperative (gevent) worker sets it to load in a native
        #: thread, so its event loop keeps answering during the load. None loads in place.
        self.offload: Callable[..., Moderator] | None = None

    # -- public ------------------------------------------------------------------------------------------------

    def load_default(self) -> Moderator:
        """Load the global model now (in the app factory); raises the library's error if it cannot be loaded."""
        state = self._state(self.default_path)
        with state.lock:
            return self._load(self.default_path, state, raise_errors=True)

    @property
    def ready(self) -> bool:
        """Whether the global model is loaded."""
        state = self._files.get(self.default_path)
        return bool(state and state.sha256 and (self.default_path, state.sha256) in self._models)

    def status(self) -> dict[str, object]:
        """For /readyz: the loaded models and the last load error per file."""
        with self._lock:
            return {
                "default": self.default_path,
                "loaded": [{"path": p, "sha256": s, "version": m.version} for (p, s), m in self._models.items()],
                "errors": {p: st.error for p, st in self._files.items() if st.error},
            }

    def get(self, site_id: int | None = None) -> Moderator:
        """The Moderator for a site (the global one when ``site_id`` is None).

        Raises
        ------
        ModelUnavailable
            When the site's model (and, for a site without a promoted model, the default) cannot be loaded.
        """
        path = self._path_for(site_id)
        previous = self._served.get(site_id)
        state = self._state(path)
        if (
            previous is not None
            and previous != path
            and self._cached(path, state.sha256) is None
            and (state.failed_signature is None or _signature(path) != state.failed_signature)
        ):
            # A newly promoted model: load it in the background and keep serving the one before until it is ready,
            # so no request waits for the load (nor is refused for the queue it would build).
            current = self._cached(previous, self._state(previous).sha256)
            if current is not None:
                self._reload_in_background(path, state)
                return current
        try:
            moderator = self._moderator(path)
        except ModelUnavailable:
            if path == self.default_path:
                raise
            log.error("model %s of site %s is unavailable; serving the default model", path, site_id)
            return self._moderator(self.default_path)
        self._served[site_id] = path
        return moderator

    def forget_site(self, site_id: int | None) -> None:
        """Resolve the site's model again on its next request (after a promotion in this process), and load it in
        that request: the moderator who promoted it sees it served at once. A promotion seen in the database (by
        another worker, or the command line) is loaded in the background instead."""
        with self._lock:
            self._sites.pop(site_id, None)
            self._served.pop(site_id, None)

    # -- internals ---------------------------------------------------------------------------------------------

    def _path_for(self, site_id: int | None) -> str:
        if self.resolver is None:
            return self.default_path
        now = self.clock()
        cached = self._sites.get(site_id)
        if cached is not None and now - cached[1] < self.check_interval:
            return cached[0]
        try:
            path = self.resolver(site_id) or self.default_path
        except Exception:  # a database hiccup must not take scoring down: keep the last answer
            log.exception("could not resolve the model of site %s", site_id)
            path = cached[0] if cached else self.default_path
        self._sites[site_id] = (path, now)
        return path

    def _state(self, path: str) -> _FileState:
        with self._lock:
            state = self._files.get(path)
            if state is None:
                state = self._files[path] = _FileState()
            return state

    def _cached(self, path: str, sha256: str | None) -> Moderator | None:
        if sha256 is None:
            return None
        with self._lock:
            moderator = self._models.get((path, sha256))
            if moderator is not None:
                self._models.move_to_end((path, sha256))
            return moderator

    def _moderator(self, path: str) -> Moderator:
        state = self._state(path)
        current = self._cached(path, state.sha256)
        now = self.clock()
        if current is not None and now - state.checked_at < self.check_interval:
            return current
        state.checked_at = now
        signature = _signature(path)
        if current is not None:
            if signature == state.signature or signature is None or signature == state.failed_signature:
                return current  # unchanged (or gone or known broken: keep serving what works)
            self._reload_in_background(path, state)
            return current
        with state.lock:  # first load of this path: other threads wait for it rather than loading it too
            current = self._cached(path, state.sha256)
            if current is not None:
                return current
            if signature is not None and signature == state.failed_signature:
                raise ModelUnavailable(state.error or f"model {path} could not be loaded")
            return self._load(path, state)

    def _reload_in_background(self, path: str, state: _FileState) -> None:
        with self._lock:
            if state.loading:
                return
            state.loading = True

        def run() -> None:
            try:
                with state.lock:
                    self._load(path, state)
            except ModelUnavailable:
                pass  # logged in _load; the old model stays
            finally:
                state.loading = False

        threading.Thread(target=run, name=f"model-reload {Path(path).name}", daemon=True).start()

    def _warm(self, path: str) -> Moderator:
        """Load a model and score one comment with it, so the first request it serves pays no first-use costs."""
        moderator = self.loader(path)
        try:
            moderator.score("Warming up.")
        except Exception:  # a model that cannot score is reported by the requests that use it
            log.exception("model %s loaded but could not score a first comment", path)
        return moderator

    def _load(self, path: str, state: _FileState, raise_errors: bool = False) -> Moderator:
        signature = _signature(path)
        try:
            moderator = self._warm(path) if self.offload is None else self.offload(self._warm, path)
        except (ModerationError, OSError) as exc:
            state.failed_signature, state.error = signature, str(exc)
            log.error("cannot load model %s: %s", path, exc)
            if raise_errors:
                raise
            raise ModelUnavailable(str(exc)) from None
        sha256 = str(moderator.metadata.get("sha256") or "")
        with self._lock:
            self._models[(path, sha256)] = moderator
            self._models.move_to_end((path, sha256))
            state.signature, state.sha256, state.error, state.failed_signature = signature, sha256, None, None
            self._evict()
        log.info("loaded model %s (%s, sha256 %s...)", path, moderator.version, sha256[:12])
        observe_model(path, moderator.version, sha256)
        return moderator

    def _evict(self) -> None:
        # Keep every path's current model; drop least recently used extras (superseded versions first).
        current = {(p, st.sha256) for p, st in self._files.items() if st.sha256}
        for key in list(self._models):
            if len(self._models) <= self.cache_size:
                break
            if key not in current:
                del self._models[key]
        for key in list(self._models):
            if len(self._models) <= self.cache_size:
                break
            if key[0] != self.default_path:
                del self._models[key]
                self._files[key[0]].sha256 = None
