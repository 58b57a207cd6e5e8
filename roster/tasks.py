"""Background work for large roster files (django-tasks; `manage.py db_worker` runs them).

Views start a preview or an apply here: the service does it at once for a small file, or marks
the batch for the worker, and this module enqueues it once the transaction commits. The task
names its actor by reference, an account or the operator of a command, never "nobody".

Each queued run carries the batch's run token. A task whose token no longer matches (the
batch was retried after its worker died, or another run finished it) stops quietly and leaves
the batch alone: a failure is reported only by the run that owns the batch."""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django_tasks import task

from core.actors import Operator, operator
from core.stored_text import deferred as _

from . import services
from .models import BatchStatus, ImportBatch, MemberExport

logger = logging.getLogger(__name__)


def actor_ref(actor) -> dict:
    """How a task names its actor in its (JSON) arguments."""
    if isinstance(actor, Operator):
        return {"operator": actor.name}
    return {"user": actor.pk}


def _actor(ref: dict):
    if "operator" in ref:
        return operator(ref["operator"])
    return get_user_model().objects.get(pk=ref["user"])


def _enqueue_preview(batch: ImportBatch, actor, mapping) -> None:
    ref, token = actor_ref(actor), batch.run_token
    transaction.on_commit(lambda: preview_batch.enqueue(batch.pk, ref, mapping, token))


def _enqueue_apply(batch: ImportBatch, actor) -> None:
    ref, token = actor_ref(actor), batch.run_token
    transaction.on_commit(lambda: apply_batch.enqueue(batch.pk, ref, token))


def start_preview(*, batch: ImportBatch, actor, mapping: list[str | None] | None = None):
    batch = services.batch_start_preview(batch=batch, actor=actor, mapping=mapping)
    if batch.status == BatchStatus.QUEUED:
        _enqueue_preview(batch, actor, mapping)
    return batch


def start_apply(*, batch: ImportBatch, actor, request=None):
    batch = services.batch_start_apply(batch=batch, actor=actor, request=request)
    if batch.status == BatchStatus.APPLYING and batch.background:
        _enqueue_apply(batch, actor)
    return batch


def start_rollback(*, batch: ImportBatch, actor, request=None):
    batch = services.batch_start_rollback(batch=batch, actor=actor, request=request)
    if batch.status == BatchStatus.ROLLING_BACK:
        _enqueue_rollback(batch, actor)
    return batch


def _enqueue_rollback(batch: ImportBatch, actor) -> None:
    ref, token = actor_ref(actor), batch.run_token
    transaction.on_commit(lambda: rollback_batch.enqueue(batch.pk, ref, token))


def retry(*, batch: ImportBatch, actor):
    """Run again, in the worker, a preview, apply or rollback whose worker died or never came."""
    batch = services.batch_retry(batch=batch, actor=actor)
    if batch.status == BatchStatus.ROLLING_BACK:
        _enqueue_rollback(batch, actor)
    elif batch.status == BatchStatus.APPLYING:
        _enqueue_apply(batch, actor)
    else:
        _enqueue_preview(batch, actor, services.retry_mapping(batch))
    return batch


@task()
def preview_batch(batch_id: int, actor: dict, mapping: list | None = None, token: str = "") -> None:
    batch = ImportBatch.objects.select_related("organisation").filter(pk=batch_id).first()
    if batch is None:
        return  # discarded meanwhile
    actor = _actor(actor)
    try:
        services.batch_preview(batch=batch, actor=actor, mapping=mapping, token=token)
    except services.BatchBusy:
        logger.info("roster preview %s: the batch belongs to another run", batch.code)
    except Exception as exc:
        logger.exception("roster preview %s failed", batch.code)
        services.batch_fail(
            batch=batch,
            actor=actor,
            message=_("预览失败：%(error)s") % {"error": getattr(exc, "message", None) or str(exc)},
            status=BatchStatus.FAILED,
            token=token,
        )
        raise


@task()
def apply_batch(batch_id: int, actor: dict, token: str = "") -> None:
    batch = ImportBatch.objects.select_related("organisation").filter(pk=batch_id).first()
    if batch is None:
        return
    actor = _actor(actor)
    try:
        services.batch_apply(batch=batch, actor=actor, token=token)
    except services.BatchBusy:
        # Another run applied it (or took it over): its outcome stands, untouched.
        logger.info("roster apply %s: the batch belongs to another run", batch.code)
    except Exception as exc:
        # Nothing was written (one transaction); the preview stands and can be applied again.
        logger.exception("roster apply %s failed", batch.code)
        detail = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        services.batch_fail(
            batch=batch,
            actor=actor,
            message=_("导入失败，未做任何修改：%(error)s") % {"error": detail},
            status=BatchStatus.PREVIEWED,
            token=token,
        )
        if not isinstance(exc, ValidationError):
            raise


def start_export(*, export: MemberExport) -> MemberExport:
    """Enqueue the worker's run of a queued export once the transaction commits."""
    export_id, token = export.pk, export.run_token
    transaction.on_commit(lambda: export_members.enqueue(export_id, token))
    return export


def retry_export(*, export: MemberExport, actor) -> MemberExport:
    export = services.export_retry(export=export, actor=actor)
    return start_export(export=export)


@task()
def export_members(export_id: int, token: str = "") -> None:
    export = (
        MemberExport.objects.select_related("organisation", "created_by")
        .filter(pk=export_id)
        .first()
    )
    if export is None:
        return  # expired meanwhile
    try:
        services.export_run(export=export, token=token)
    except Exception:
        logger.exception("roster export %s failed", export.code)
        raise


@task()
def rollback_batch(batch_id: int, actor: dict, token: str = "") -> None:
    batch = ImportBatch.objects.select_related("organisation").filter(pk=batch_id).first()
    if batch is None:
        return
    actor = _actor(actor)
    try:
        services.batch_rollback(batch=batch, actor=actor, token=token)
    except services.BatchBusy:
        logger.info("roster rollback %s: the batch belongs to another run", batch.code)
    except Exception as exc:
        # Nothing was undone (one transaction): the batch is applied as before.
        logger.exception("roster rollback %s failed", batch.code)
        detail = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        services.batch_fail(
            batch=batch,
            actor=actor,
            message=_("撤销失败，未做任何修改：%(error)s") % {"error": detail},
            status=BatchStatus.APPLIED,
            token=token,
        )
        if not isinstance(exc, ValidationError):
            raise
