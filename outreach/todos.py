"""The handlers' to-do items on the home page (core.todos): requests to accept, overdue ones,
the committee's triage and moderation queues. One query, whatever the data size."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from core.todos import TodoItem, register

from .selectors import open_counts


@register
def outreach_todos(user):
    if getattr(user, "role", None) not in (Role.COMMITTEE_ADMIN, Role.SECRETARY):
        return []
    counts = open_counts(user)
    url = reverse("outreach:handle_list")
    items = []
    if counts["overdue"]:
        items.append(
            TodoItem(
                title=_("%(n)s 件群众诉求已逾期") % {"n": counts["overdue"]},
                url=f"{url}?overdue=1",
                level="danger",
            )
        )
    if counts["to_accept"]:
        items.append(
            TodoItem(
                title=_("%(n)s 件群众诉求待受理") % {"n": counts["to_accept"]},
                url=f"{url}?status=received",
                level="warning",
            )
        )
    if user.role == Role.COMMITTEE_ADMIN:
        if counts["triage"]:
            items.append(
                TodoItem(
                    title=_("%(n)s 件群众诉求待分办") % {"n": counts["triage"]},
                    url=reverse("outreach:triage"),
                    level="warning",
                )
            )
        if counts["held"]:
            items.append(
                TodoItem(
                    title=_("%(n)s 件群众提交待审核") % {"n": counts["held"]},
                    url=reverse("outreach:moderation"),
                    level="info",
                )
            )
    return items
