"""Reads of the audit log (审计日志), for the auditor's pages."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import QueryDict
from django.utils import timezone

from core.actors import Actor

from .filters import AuditEventFilter
from .models import Action, AuditEvent


def event_list(user: Actor, params: QueryDict) -> tuple[AuditEventFilter, QuerySet[AuditEvent]]:
    """The filter form and the events it selects, newest first (none while a filter is
    invalid: the form then says which)."""
    event_filter = AuditEventFilter(params, queryset=AuditEvent.objects.readable_by(user))
    events = event_filter.qs if event_filter.is_valid() else AuditEvent.objects.none()
    return event_filter, events.select_related("organisation", "actor")


def event_detail_queryset(user: Actor) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.readable_by(user).select_related("organisation", "actor")


@dataclass(frozen=True)
class BatchSummary:
    """An import (or any batch of events) as the log itself tells it: how many events share
    the batch code and the upload that started it, if any."""

    code: str
    events: int
    upload: AuditEvent | None


def batch_summary(user: Actor, code: str) -> BatchSummary | None:
    """Two queries; None for an event without a batch."""
    if not code:
        return None
    events = AuditEvent.objects.readable_by(user).filter(batch=code)
    upload = events.filter(action=Action.UPLOAD).order_by("occurred_at").first()
    return BatchSummary(code=code, events=events.count(), upload=upload)


# --- 工作台: the auditor's dashboard ----------------------------------------------------------

SENSITIVE_ACTIONS = (Action.REVEAL, Action.EXPORT)


def recent_sensitive(user: Actor, limit: int = 8) -> list[AuditEvent]:
    """The latest unmasked views and exports. One query."""
    return list(
        AuditEvent.objects.readable_by(user)
        .filter(action__in=SENSITIVE_ACTIONS)
        .select_related("organisation")[:limit]
    )


@dataclass(frozen=True)
class DailyActivity:
    """Events by day over the last `days` days, oldest first (days without events as 0), and
    the failed sign-ins and lockouts among them over the last week. `system` counts, per day,
    the events of the system's own jobs (SYSTEM_ACTOR_PREFIX: seeding, imports run by a
    command); `people` the rest, so that one seeding day of hundreds of events does not
    flatten the days of people's work in the chart."""

    days: list[date]
    totals: list[int]
    failed: list[int]
    lockouts: list[int]
    failed_week: int
    lockouts_week: int
    week_since: date
    reveals_week: int = 0
    exports_week: int = 0
    system: list[int] = field(default_factory=list)

    @property
    def people(self) -> list[int]:
        return [total - system for total, system in zip(self.totals, self.system, strict=True)]


# The actor name of an event written by a command or job (core.actors), read 系统任务 ….
SYSTEM_ACTOR_PREFIX = "operator:"


def daily_activity(user: Actor, days: int = 30) -> DailyActivity:
    """One query, whatever the log's size (grouped by day in the database)."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    rows = (
        AuditEvent.objects.readable_by(user)
        .filter(occurred_at__gte=start)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            total=Count("pk"),
            failed=Count("pk", filter=Q(action=Action.LOGIN_FAILED)),
            lockouts=Count("pk", filter=Q(action=Action.LOCKOUT)),
            reveals=Count("pk", filter=Q(action=Action.REVEAL)),
            exports=Count("pk", filter=Q(action=Action.EXPORT)),
            system=Count("pk", filter=Q(actor_name__startswith=SYSTEM_ACTOR_PREFIX)),
        )
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    all_days = [first + timedelta(days=n) for n in range(days)]
    empty = {"total": 0, "failed": 0, "lockouts": 0, "reveals": 0, "exports": 0, "system": 0}
    week_since = today - timedelta(days=6)
    week = [by_day.get(d, empty) for d in all_days if d >= week_since]
    return DailyActivity(
        days=all_days,
        totals=[by_day.get(d, empty)["total"] for d in all_days],
        failed=[by_day.get(d, empty)["failed"] for d in all_days],
        lockouts=[by_day.get(d, empty)["lockouts"] for d in all_days],
        failed_week=sum(row["failed"] for row in week),
        lockouts_week=sum(row["lockouts"] for row in week),
        week_since=week_since,
        reveals_week=sum(row["reveals"] for row in week),
        exports_week=sum(row["exports"] for row in week),
        system=[by_day.get(d, empty)["system"] for d in all_days],
    )
