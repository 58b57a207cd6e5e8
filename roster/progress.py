"""Progress of a running preview or apply, for the page's progress bar.

Kept outside the database: applying runs in one transaction, whose writes no other connection
sees until it commits (and SQLite would make the page wait for the lock). With a cache every
process shares (CACHE_URL=redis://..., settings.SHARED_CACHE) it lives there, so a worker on
another machine reports to any app server; otherwise in a small file under MEDIA_ROOT, which
the web process and the worker beside it share. The time of the last write is the running
worker's heartbeat."""

import json
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

WRITE_EVERY_SECONDS = 0.5
# A progress entry in the cache outlives a silent worker long enough for the page to call the
# run interrupted (ROSTER_STALE_MINUTES), then goes by itself.
CACHE_SECONDS = 24 * 3600


def _key(code: str) -> str:
    return f"roster:progress:{code}"


def _path(code: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "roster" / "progress" / f"{code}.json"


class Progress:
    def __init__(self, code: str, *, phase: str, total: int):
        self.code, self.phase, self.total, self.done = code, phase, max(total, 0), 0
        self._written = 0.0
        self._write(force=True)

    def advance(self, count: int) -> None:
        self.done += count
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written < WRITE_EVERY_SECONDS:
            return
        self._written = now
        # "at" is the worker's heartbeat while it applies inside one transaction (the batch
        # row cannot say it then): roster.selectors.batch_health reads it.
        data = {
            "phase": self.phase,
            "done": self.done,
            "total": max(self.total, self.done),
            "at": time.time(),
        }
        if settings.SHARED_CACHE:
            cache.set(_key(self.code), data, CACHE_SECONDS)
            return
        # Write then rename, so a reader never sees half a file.
        path = _path(self.code)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w") as stream:
            json.dump(data, stream)
        os.replace(temporary, path)

    def finish(self) -> None:
        clear(self.code)


def read(code: str) -> dict | None:
    if settings.SHARED_CACHE:
        data = cache.get(_key(code))
        if not isinstance(data, dict):
            return None
    else:
        try:
            data = json.loads(_path(code).read_text())
        except (OSError, ValueError):
            return None
    total = data.get("total") or 0
    data["percent"] = min(100, round(100 * data.get("done", 0) / total)) if total else 0
    return data


def clear(code: str) -> None:
    if settings.SHARED_CACHE:
        cache.delete(_key(code))
    _path(code).unlink(missing_ok=True)
