"""System checks run by `manage.py` commands (runserver, db_worker, check, migrate …)."""

from django.core.checks import Error, Warning, register
from django.db import DatabaseError

from . import crypto


@register()
def encryption_key_reads_the_database(app_configs, **kwargs):
    """E001: FIELD_ENCRYPTION_KEY must read the database's key check value (crypto.verify_key)."""
    try:
        crypto.verify_key()
    except crypto.KeyMismatch as exc:
        return [Error(str(exc), id="core.E001")]
    except DatabaseError:
        return []  # not migrated yet: `migrate` comes first and the next start checks
    return []


@register(deploy=True)
def scale_out_needs_a_shared_cache(app_configs, **kwargs):
    """W002: tasks on RQ or files in object storage mean several machines; with a per-process
    cache their counters and the roster's progress would stay on the machine that wrote them."""
    from django.conf import settings

    spread = settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq.") or (
        settings.FILE_STORAGE == "s3"
    )
    if spread and not settings.SHARED_CACHE:
        return [
            Warning(
                "Tasks on RQ or files in object storage run the platform on several machines, "
                "but the cache is per process: set CACHE_URL=redis://... (docs/deploy.md).",
                id="core.W002",
            )
        ]
    return []
