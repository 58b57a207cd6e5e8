"""Reads of the audit log (审计日志), for the auditor's pages."""

from django.db.models import QuerySet
from django.http import QueryDict

from core.actors import Actor

from .filters import AuditEventFilter
from .models import AuditEvent


def event_list(user: Actor, params: QueryDict) -> tuple[AuditEventFilter, QuerySet[AuditEvent]]:
    """The filter form and the events it selects, newest first (none while a filter is
    invalid: the form then says which)."""
    event_filter = AuditEventFilter(params, queryset=AuditEvent.objects.readable_by(user))
    events = event_filter.qs if event_filter.is_valid() else AuditEvent.objects.none()
    return event_filter, events.select_related("organisation")


def event_detail_queryset(user: Actor) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.readable_by(user).select_related("organisation")
