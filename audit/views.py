from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core.permissions import role_required
from core.roles import Role

from . import selectors


@role_required(Role.AUDITOR)
def event_list(request):
    """审计日志: read-only, filterable; nobody can edit or delete an event."""
    event_filter, events = selectors.event_list(request.user, request.GET)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
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
    event = get_object_or_404(selectors.event_detail_queryset(request.user), pk=pk)
    return render(request, "audit/event_detail.html", {"event": event})
