"""This app's to-dos (core.todos): a member's overdue and next plan courses; an organiser's
reflections waiting for review."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import Role
from core.todos import TodoItem, register

from . import selectors


@register
def learning_todos(user):
    if not getattr(user, "is_authenticated", False) or not user.reads_party_data:
        return []
    items = []
    if user.member is not None:
        for row in selectors.member_plan(user.member, timezone.localdate().year):
            if row.state in ("overdue", "next"):
                items.append(
                    TodoItem(
                        title=(
                            _("学习计划已逾期：%(course)s")
                            if row.state == "overdue"
                            else _("下一门课程：%(course)s")
                        )
                        % {"course": row.item.course.title},
                        url=reverse("learning:course_detail", args=[row.item.course_id]),
                        detail=_("期限 %(date)s") % {"date": row.item.due_on.isoformat()},
                        level="danger" if row.state == "overdue" else "info",
                    )
                )
    if user.role in (Role.COMMITTEE_ADMIN, Role.SECRETARY):
        waiting = selectors.reflections_to_review(user).count()
        if waiting:
            items.append(
                TodoItem(
                    title=_("%(n)s 篇心得体会待审阅") % {"n": waiting},
                    url=reverse("learning:class_list"),
                    level="warning",
                )
            )
    return items
