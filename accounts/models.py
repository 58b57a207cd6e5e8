from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import crypto
from core.actors import MissingActor
from core.roles import PARTY_DATA_ROLES, Role
from organisations.policy import ScopedQuerySet

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


class AccountRequestStatus(models.TextChoices):
    PENDING = "pending", _("待签发")
    ISSUED = "issued", _("已签发")
    REJECTED = "rejected", _("已退回")


class AccountRequestQuerySet(ScopedQuerySet):
    def pending(self):
        return self.filter(status=AccountRequestStatus.PENDING)

    def for_issuing(self, user):
        """The security officer's queue: every request, with only what issuing needs (name,
        organisation, role). Not party data beyond that: no ID number, phone or record."""
        if user is None:
            raise MissingActor
        if not getattr(user, "is_authenticated", False) or user.role != Role.SECURITY_OFFICER:
            return self.none()
        return self.select_related("organisation", "requested_by").only(
            "id",
            "name",
            "role",
            "status",
            "requested_at",
            "decided_at",
            "note",
            "username",
            "organisation__id",
            "organisation__name",
            "requested_by__id",
            "requested_by__username",
            "requested_by__display_name",
        )


class AccountRequest(models.Model):
    """账号申请: a secretary asks for an account for a member of their organisation; the
    security officer issues it (or sends it back). The initial password waits, encrypted, for
    the requesting organisation's printable sheet (开通账号通知单) until the new account
    changes it at first sign-in."""

    member = models.ForeignKey(
        "organisations.Member",
        verbose_name=_("党员"),
        on_delete=models.CASCADE,
        related_name="account_requests",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        related_name="account_requests",
    )
    # The member's name as the security officer sees it; the member record stays out of reach.
    name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=AccountRequestStatus.choices,
        default=AccountRequestStatus.PENDING,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_requests",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    # Fernet token of the initial password, for the sheet; emptied once the account has
    # set its own password.
    initial_password_encrypted = models.TextField(blank=True, editable=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = AccountRequestQuerySet.as_manager()
    organisation_path = "organisation"
    # Secretaries and the committee admin; a member never sees the requests.
    visible_to_editors_only = True

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("账号申请")
        verbose_name_plural = _("账号申请")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="pending"),
                name="one_pending_account_request",
                violation_error_message=_("该党员已有待签发的账号申请。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def initial_password(self) -> str:
        return (
            crypto.decrypt(self.initial_password_encrypted)
            if self.initial_password_encrypted
            else ""
        )
