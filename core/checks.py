"""System checks run by `manage.py` commands (runserver, db_worker, check, migrate …)."""

from django.core.checks import Error, register
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
