from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import PARTY_DATA_ROLES, Role

# 三员: accounts with these roles are created, re-roled and reset only on the server's command
# line (manage.py privileged_account), never by one of these roles on the web (docs/security.md).
PRIVILEGED_ROLES = frozenset({Role.COMMITTEE_ADMIN, Role.AUDITOR, Role.SECURITY_OFFICER})


class User(AbstractUser):
    """账号: a person's login, with exactly one role and, for a secretary, the organisation
    whose subtree they work in."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.MEMBER)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        help_text=_("书记/党务干部的工作范围：该党组织及其下级。"),
    )
    member = models.OneToOneField(
        "organisations.Member",
        verbose_name=_("党员档案"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account",
    )
    phone = models.CharField(_("手机号码"), max_length=20, unique=True, null=True, blank=True)
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    must_change_password = models.BooleanField(_("须修改初始密码"), default=True)
    password_changed_at = models.DateTimeField(_("密码设置时间"), default=timezone.now)

    objects = UserManager()

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_committee_admin(self) -> bool:
        return self.role == Role.COMMITTEE_ADMIN

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def is_security_officer(self) -> bool:
        return self.role == Role.SECURITY_OFFICER

    @property
    def reads_party_data(self) -> bool:
        return self.role in PARTY_DATA_ROLES

    @property
    def is_privileged(self) -> bool:
        return self.role in PRIVILEGED_ROLES

    @property
    def password_expired(self) -> bool:
        """Older than PASSWORD_MAX_AGE_DAYS (0: passwords never expire)."""
        days = settings.PASSWORD_MAX_AGE_DAYS
        return bool(days) and self.password_changed_at < timezone.now() - timedelta(days=days)

    @property
    def password_change_due(self) -> bool:
        """An initial or reset password, or an expired one: the user may only change it."""
        return self.must_change_password or self.password_expired
