"""The secretary's to-dos (core.todos): meetings due this period and meetings overdue."""

from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.todos import GROUP_AFTER, TodoGroup, TodoItem, register

from .models import ComplianceResult, ComplianceStatus, kind_in_sentence
from .periods import period_label


@register
def meeting_todos(user):
    """For a secretary (their subtree) and the committee admin: what is overdue in the last
    90 days (missing) and what is still due in a period ending within 31 days. More than
    core.todos.GROUP_AFTER of a kind become one line with their number (core.todos.grouped)
    leading to the compliance dashboard. At most three queries: the numbers, the first few of
    each kind."""
    if not getattr(user, "reads_party_data", False) or user.role == "member":
        return []
    today = timezone.localdate()
    window = ComplianceResult.objects.visible_to(user).filter(
        period_end__gte=today - timedelta(days=90),
        period_end__lte=today + timedelta(days=31),
        status__in=[ComplianceStatus.MISSING, ComplianceStatus.NOT_DUE],
    )
    totals = dict(window.values_list("status").annotate(n=Count("pk")).order_by())
    cells = [
        cell
        for status in (ComplianceStatus.MISSING, ComplianceStatus.NOT_DUE)
        if totals.get(status)
        for cell in window.filter(status=status)
        .select_related("organisation", "rule")
        .order_by("period_end", "organisation__path")[: GROUP_AFTER + 1]
    ]
    dashboard = reverse("meetings:compliance_dashboard")
    groups = {
        True: TodoGroup(
            _("%(n)s 项组织生活逾期未开展"), dashboard, totals.get(ComplianceStatus.MISSING)
        ),
        False: TodoGroup(
            _("%(n)s 项组织生活即将到期，尚未开展"),
            dashboard,
            totals.get(ComplianceStatus.NOT_DUE),
        ),
    }
    items = []
    for cell in cells:
        missing = cell.status == ComplianceStatus.MISSING
        values = {
            "org": cell.organisation.name,
            "kind": kind_in_sentence(cell.meeting_kind),
            "period": period_label(cell.rule.frequency, cell.period_start),
            "end": cell.period_end.isoformat(),
        }
        items.append(
            TodoItem(
                title=(
                    _("%(org)s %(period)s未开展%(kind)s") % values
                    if missing
                    else _("%(org)s 须在 %(end)s 前开展%(kind)s（%(period)s）") % values
                ),
                url=reverse("meetings:meeting_create") + f"?organisation={cell.organisation_id}",
                level="danger" if missing else "warning",
                group=groups[missing],
            )
        )
    return items
