"""Who may call the API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions


class PasswordChanged(permissions.BasePermission):
    """An account that must change its initial or reset password gets nothing from the API,
    with a token or with the browser session, until it has (the pages redirect it to the
    password form, see accounts.middleware; the API answers 403). Keep the condition the
    middleware's."""

    message = _("请先登录网页修改密码，然后才能使用 API。")

    def has_permission(self, request, view):
        user = request.user
        return not (user and user.is_authenticated and user.password_change_due)


class ReadsPartyData(permissions.BasePermission):
    """Roles that read party data (not the auditor or the security officer, 三员分立)."""

    def has_permission(self, request, view):
        return bool(
            request.user and request.user.is_authenticated and request.user.reads_party_data
        )


PARTY_DATA = [PasswordChanged, ReadsPartyData]
