from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyCheck(models.Model):
    """A value encrypted and digested under the field encryption key, so that a start with a
    wrong key is refused (core.crypto.verify_key). One row."""

    token = models.TextField()
    digest = models.CharField(max_length=64)
    written_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"key check ({self.written_at:%Y-%m-%d})"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """站内通知: a message to one account, shown on the home page until read. Every app sends
    them (core.notifications.notify), so they live below every app."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.title


class WorkdayOverride(models.Model):
    """本地节假日 / 调休: a day the committee declares a working day or a day off, over the
    national calendar (a local holiday such as a prefecture's founding day) or for a year the
    `chinesecalendar` package does not cover yet. core.workdays reads it first."""

    day = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {'班' if self.is_workday else '休'}"
