from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.permissions import role_required
from core.roles import Role

from . import exports, labels, selectors, services


@role_required(Role.AUDITOR)
def event_list(request):
    """审计日志: read-only, filterable; nobody can edit or delete an event."""
    event_filter, events = selectors.event_list(request.user, request.GET)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page:
        event.type_label = labels.type_label(event.target_type)
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
    return render(
        request,
        "audit/event_detail.html",
        {
            "event": event,
            "type_label": labels.type_label(event.target_type),
            "rows": labels.change_rows(event, labels.related_names(event)),
            "batch": selectors.batch_summary(request.user, event.batch),
        },
    )


@never_cache
@role_required(Role.AUDITOR)
def event_export(request):
    """The filtered events as .xlsx (at most exports.MAX_ROWS, newest first); the export is
    itself an audit event."""
    event_filter, events = selectors.event_list(request.user, request.GET)
    if not event_filter.is_valid():
        return render(
            request,
            "audit/event_list.html",
            {"filter": event_filter, "page": Paginator([], 50).get_page(1), "query": ""},
            status=400,
        )
    content, count = exports.events_workbook(events)
    services.export_recorded(
        actor=request.user,
        rows=count,
        filters={k: v for k, v in event_filter.form.cleaned_data.items() if v not in (None, "")},
        request=request,
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response
