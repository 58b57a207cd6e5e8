from django.urls import reverse
from django.utils.translation import ngettext

from core.todos import TodoItem, register

from . import lockout
from .models import Role


@register
def security_todos(user):
    if user.role != Role.SECURITY_OFFICER:
        return []
    locked = len(lockout.locked_pairs()) + len(lockout.locked_addresses())
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
