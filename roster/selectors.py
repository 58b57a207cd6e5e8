"""Reads of roster import batches, always from the scoped queryset."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.actors import Actor
from organisations.models import Organisation

from . import progress
from .models import BatchStatus, ImportBatch, ImportRow, RowOutcome

BATCHES_SHOWN = 20


def batches(user: Actor) -> QuerySet[ImportBatch]:
    """Batches of organisations the user may edit, with what a page shows of them."""
    return ImportBatch.objects.editable_by(user).select_related(
        "organisation", "created_by", "applied_by", "rolled_back_by"
    )


def recent_batches(user: Actor, organisation: Organisation) -> QuerySet[ImportBatch]:
    return batches(user).filter(organisation=organisation)[:BATCHES_SHOWN]


def batch_rows(batch: ImportBatch, outcome: str | None = None) -> QuerySet[ImportRow]:
    """A batch's rows in source order, optionally of one outcome; no clear data loaded."""
    # `values` holds no clear ID number or phone (those are tokens): the page shows them.
    rows = ImportRow.objects.filter(batch=batch).defer("id_number_token", "raw", "before")
    if outcome in RowOutcome.values:
        rows = rows.filter(outcome=outcome)
    return rows.order_by("row_number")


def rejected_rows(batch: ImportBatch) -> QuerySet[ImportRow]:
    return (
        ImportRow.objects.filter(batch=batch, outcome=RowOutcome.REJECTED)
        .only("row_number", "raw", "messages")
        .order_by("row_number")
    )


def batch_health(batch: ImportBatch, *, now: datetime | None = None) -> str | None:
    """How a batch that a task should be working on is doing: None when it is fine (or not
    running); "waiting" when no worker has picked it up for ROSTER_TASK_WAIT_MINUTES (the
    worker is not running); "stalled" when still nobody has after ROSTER_STALE_MINUTES, and
    "stale" when its worker went silent that long (killed): both can be retried.

    The signs of life are the move into the current state, the worker's heartbeat on the
    batch, and the time of its last progress write (the heartbeat while applying)."""
    if not batch.is_running:
        return None
    now = now or timezone.now()
    beat = (progress.read(batch.code) or {}).get("at")
    beat_at = datetime.fromtimestamp(beat, tz=UTC) if isinstance(beat, int | float) else None
    started = batch.heartbeat_at is not None or beat_at is not None
    signs = [batch.status_changed_at or batch.created_at, batch.heartbeat_at, beat_at]
    silent = now - max(sign for sign in signs if sign is not None)
    if silent >= timedelta(minutes=settings.ROSTER_STALE_MINUTES):
        return "stale" if started else "stalled"
    if not started and silent >= timedelta(minutes=settings.ROSTER_TASK_WAIT_MINUTES):
        return "waiting"
    return None


# Batches waiting for someone: previewed and not yet applied, still in the works, or failed.
WAITING_STATUSES = (
    BatchStatus.UPLOADED,
    BatchStatus.QUEUED,
    BatchStatus.PREVIEWING,
    BatchStatus.PREVIEWED,
    BatchStatus.APPLYING,
    BatchStatus.FAILED,
)


def waiting_batches(user: Actor, limit: int = 8) -> list[ImportBatch]:
    """The home page's 待处理的导入: batches of the user's write scope that wait for a
    decision (apply or discard) or a retry, newest first. One query."""
    return list(
        ImportBatch.objects.editable_by(user)
        .filter(status__in=WAITING_STATUSES)
        .select_related("organisation", "created_by")
        .only(
            "code",
            "status",
            "original_name",
            "created_at",
            "organisation__name",
            "created_by__username",
            "created_by__display_name",
        )
        .order_by("-created_at")[:limit]
    )


def worker_command() -> str:
    """The command that runs the task worker for the configured backend (the page names it
    when no worker picked a batch up)."""
    if settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq."):
        return "manage.py rqworker default"
    return "manage.py db_worker"


def mappable_organisations(user: Actor, target: Organisation) -> QuerySet[Organisation]:
    """Where an unknown 所在党支部 value may be mapped: the target and the organisations under
    it that the user may edit, in tree order."""
    return (
        Organisation.objects.editable_by(user)
        .filter(path__startswith=target.path)
        .order_by("path")
        .only("pk", "name", "path")
    )


def organisation_names(ids: set[int]) -> dict[int, str]:
    """Names of the organisations a page of rows names (one query, none for no ids)."""
    if not ids:
        return {}
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
