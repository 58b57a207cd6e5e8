from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.actors import MissingActor
from core.roles import Role


class Action(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    REVEAL = "reveal", _("查看明文")
    EXPORT = "export", _("导出")
    # A file holding personal data entered the system (a roster upload); EXPORT's counterpart.
    UPLOAD = "upload", _("上传")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    UNLOCK = "unlock", _("解除锁定")
    LOGOUT = "logout", _("退出")
    PASSWORD_CHANGE = "password_change", _("修改密码")


class AppendOnlyError(Exception):
    """Audit events are never edited or deleted, except by the retention purge."""


class AuditEventQuerySet(models.QuerySet):
    def readable_by(self, user):
        """The whole log for the auditor (审计员), nothing for anyone else: the log is not
        scoped by the tree, it is the auditor's alone (三员分立)."""
        if user is None:
            raise MissingActor
        if getattr(user, "is_authenticated", False) and user.role == Role.AUDITOR:
            return self.all()
        return self.none()

    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only; use audit.services.purge_expired")


class AuditEvent(models.Model):
    """审计事件: one write, login or unmasked view — who, when, where, what changed.

    Actor and target are kept as snapshots (name, repr) as well as ids, so an event still
    reads correctly after the account or object is gone."""

    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True, db_index=True)
    target_id = models.CharField(_("对象编号"), max_length=40, blank=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属党组织"),
    )
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.CharField(_("事由"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    batch = models.CharField(_("批次"), max_length=40, blank=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        # Append-only: a saved event is never written again.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    @property
    def actor_label(self) -> str:
        """Who acted, for readers: a command or job ("operator:seed") reads 系统任务 seed."""
        if self.actor_name.startswith("operator:"):
            return _("系统任务 %(name)s") % {"name": self.actor_name.removeprefix("operator:")}
        return self.actor_name

    def change_rows(self):
        """(field, before, after) for display; non-pair values show as the 'after'."""
        for field, value in self.changes.items():
            if isinstance(value, list) and len(value) == 2:
                yield field, value[0], value[1]
            else:
                yield field, None, value
