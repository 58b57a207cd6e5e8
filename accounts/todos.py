from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils.translation import ngettext

from core.todos import TodoItem, register

from .models import Role


@register
def security_todos(user):
    if user.role != Role.SECURITY_OFFICER:
        return []
    locked = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).count()
    if not locked:
        return []
    return [
        TodoItem(
            title=ngettext("%(n)d 个账号或地址被锁定", "%(n)d 个账号或地址被锁定", locked)
            % {"n": locked},
            url=reverse("accounts:lockouts"),
            level="warning",
        )
    ]
