from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from accounts.models import Role
from core.permissions import role_required

from .filters import AuditEventFilter
from .models import AuditEvent


@role_required(Role.AUDITOR)
def event_list(request):
    """审计日志: read-only, filterable; nobody can edit or delete an event."""
    event_filter = AuditEventFilter(request.GET, queryset=AuditEvent.objects.all())
    events = event_filter.qs if event_filter.is_valid() else AuditEvent.objects.none()
    page = Paginator(events.select_related("organisation"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/event_list.html"
    if request.htmx and request.htmx.target == "event-table":
        template += "#event-table"
    return render(
        request, template, {"filter": event_filter, "page": page, "query": query.urlencode()}
    )


@role_required(Role.AUDITOR)
def event_detail(request, pk):
    event = get_object_or_404(AuditEvent.objects.select_related("organisation"), pk=pk)
    return render(request, "audit/event_detail.html", {"event": event})
