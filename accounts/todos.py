from django.urls import reverse
from django.utils.translation import ngettext

from core.todos import TodoItem, register

from . import lockout, selectors
from .models import AccountRequest, Role


@register
def security_todos(user):
    if user.role != Role.SECURITY_OFFICER:
        return []
    items = []
    locked = len(lockout.locked_pairs()) + len(lockout.locked_addresses())
    if locked:
        items.append(
            TodoItem(
                title=ngettext("%(n)d 个账号或地址被锁定", "%(n)d 个账号或地址被锁定", locked)
                % {"n": locked},
                url=reverse("accounts:lockouts"),
                level="warning",
            )
        )
    waiting = AccountRequest.objects.pending().count()
    if waiting:
        items.append(
            TodoItem(
                title=ngettext("%(n)d 个账号申请待签发", "%(n)d 个账号申请待签发", waiting)
                % {"n": waiting},
                url=reverse("accounts:account_request_queue"),
            )
        )
    return items


@register
def sheet_todos(user):
    """New accounts whose initial passwords are waiting on the sheet, to print and hand out."""
    if user.role not in (Role.SECRETARY, Role.COMMITTEE_ADMIN):
        return []
    count = selectors.sheet_requests(user).count()
    if not count:
        return []
    return [
        TodoItem(
            title=ngettext(
                "%(n)d 个新账号的初始密码待打印发放",
                "%(n)d 个新账号的初始密码待打印发放",
                count,
            )
            % {"n": count},
            url=reverse("accounts:account_sheet"),
            level="warning",
        )
    ]
