"""Reports read from the read replica, when one is configured (REPORTS_DATABASE_URL).

A report's selector runs its reads inside `reporting()` (a context manager, or `@reporting()`
on the selector, which must then return evaluated results: lists, dicts, numbers, not lazy
querysets). ReplicaRouter sends every read made there to the "reports" alias; writes, and every
read elsewhere, stay on "default". Without a replica configured, nothing changes.

A replica lags its primary by a moment: only reads that may be a few seconds old belong here
(statistics, exports), never a page that shows what its own user just saved.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

_reporting: ContextVar[bool] = ContextVar("reporting", default=False)


def replica_alias() -> str | None:
    """The replica's alias when one is configured, else None."""
    alias = settings.REPORTS_DB
    if settings.REPORTS_DATABASE_URL and alias in connections.settings:
        return alias
    return None


@contextmanager
def reporting() -> Iterator[None]:
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def in_reporting() -> bool:
    return _reporting.get()


class ReplicaRouter:
    """Reads inside reporting() go to the replica; nothing is ever written or migrated there."""

    def db_for_read(self, model, **hints):
        if _reporting.get():
            return replica_alias()
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: objects from both may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != settings.REPORTS_DB
