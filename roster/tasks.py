"""Background work for large roster files (django-tasks; `manage.py db_worker` runs them)."""

import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import User

from . import services
from .models import BatchStatus, ImportBatch

logger = logging.getLogger(__name__)


def _actor(actor_id: int | None):
    return User.objects.get(pk=actor_id) if actor_id is not None else None


@task()
def preview_batch(batch_id: int, actor_id: int | None, mapping: list | None = None) -> None:
    batch = ImportBatch.objects.select_related("organisation").get(pk=batch_id)
    actor = _actor(actor_id)
    try:
        services.batch_preview(batch=batch, actor=actor, mapping=mapping)
    except Exception as exc:
        logger.exception("roster preview %s failed", batch.code)
        services.batch_fail(
            batch=batch,
            actor=actor,
            message=_("预览失败：%(error)s") % {"error": exc},
            status=BatchStatus.FAILED,
        )
        raise


@task()
def apply_batch(batch_id: int, actor_id: int | None) -> None:
    batch = ImportBatch.objects.select_related("organisation").get(pk=batch_id)
    actor = _actor(actor_id)
    try:
        services.batch_apply(batch=batch, actor=actor)
    except Exception as exc:
        # Nothing was written (one transaction); the preview stands and can be applied again.
        logger.exception("roster apply %s failed", batch.code)
        detail = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        services.batch_fail(
            batch=batch,
            actor=actor,
            message=_("导入失败，未做任何修改：%(error)s") % {"error": detail},
            status=BatchStatus.PREVIEWED,
        )
        if not isinstance(exc, ValidationError):
            raise
