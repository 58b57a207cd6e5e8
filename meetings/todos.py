"""The secretary's to-dos (core.todos): meetings due this period and meetings overdue."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.todos import TodoGroup, TodoItem, register

from .models import ComplianceResult, ComplianceStatus, kind_in_sentence
from .periods import period_label

# Read at most this many; more than core.todos.GROUP_AFTER of a kind show as one line.
MAX_ITEMS = 50


@register
def meeting_todos(user):
    """For a secretary (their subtree) and the committee admin: what is overdue in the last
    90 days (missing) and what is still due in a period ending within 31 days. Many of one
    kind become one line (core.todos.grouped) leading to the compliance dashboard. 1 query."""
    if not getattr(user, "reads_party_data", False) or user.role == "member":
        return []
    today = timezone.localdate()
    cells = (
        ComplianceResult.objects.visible_to(user)
        .filter(
            period_end__gte=today - timedelta(days=90),
            period_end__lte=today + timedelta(days=31),
            status__in=[ComplianceStatus.MISSING, ComplianceStatus.NOT_DUE],
        )
        .select_related("organisation", "rule")
        .order_by("status", "period_end", "organisation__path")[:MAX_ITEMS]
    )
    dashboard = reverse("meetings:compliance_dashboard")
    groups = {
        True: TodoGroup(_("%(n)s 项组织生活逾期未开展"), dashboard),
        False: TodoGroup(_("%(n)s 项组织生活即将到期，尚未开展"), dashboard),
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
