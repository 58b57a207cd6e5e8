"""党员教育: the study-hour ledger (学时), courses, plans, quizzes and training classes.

The ledger (`StudyRecord`) is append-only: a wrong entry is undone by a reversing entry, never
edited or deleted. `StudyYearTotal` keeps each member's total per year, updated by the ledger's
services in the same transaction, so pages read one row instead of summing the ledger."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations import policy

# 党员教育管理工作条例 (DESIGN.md §5): the yearly requirement in hours.
MEMBER_YEARLY_HOURS = Decimal(32)
CADRE_YEARLY_HOURS = Decimal(56)  # branch secretaries and committee members


class StudySourceKind(models.TextChoices):
    LESSON = "lesson", _("课程学习")
    MEETING = "meeting", _("组织生活")
    TRAINING = "training", _("培训班")
    EXTERNAL = "external", _("外部培训")
    CORRECTION = "correction", _("更正")


class LedgerAppendOnlyError(Exception):
    """The study-hour ledger is never edited or deleted: a correction is a reversing entry."""


class StudyRecordQuerySet(policy.ScopedQuerySet):
    def update(self, **kwargs):
        raise LedgerAppendOnlyError("study records are append-only; reverse an entry instead")

    def delete(self):
        raise LedgerAppendOnlyError("study records are append-only; reverse an entry instead")

    def for_source(self, source: models.Model):
        return self.filter(source_type=source._meta.label_lower, source_id=str(source.pk))


class StudyRecord(models.Model):
    """学时记录: one entry of the study-hour ledger — hours a member earned from one real
    activity (a lesson completed, a meeting's study part, a class session, an external
    training), or a reversing entry (negative hours) that undoes an earlier one.

    Names its source record by type and id (`source_type` "app_label.model", `source_id`),
    so an entry survives its source's deletion and still says where it came from."""

    member = models.ForeignKey(
        "organisations.Member",
        on_delete=models.PROTECT,
        related_name="study_records",
        verbose_name=_("党员"),
    )
    # The member's organisation when the hours were earned (kept: members move).
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("当时所在党组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    on = models.DateField(_("学习日期"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=2)
    source_kind = models.CharField(_("来源"), max_length=16, choices=StudySourceKind.choices)
    source_type = models.CharField(_("来源记录类型"), max_length=60)
    source_id = models.CharField(_("来源记录编号"), max_length=40)
    description = models.CharField(_("说明"), max_length=200)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("冲销的记录"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    # The operator's name when a command or job wrote the entry (created_by is then empty).
    created_by_name = models.CharField(_("记录人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = StudyRecordQuerySet.as_manager()
    # Scoping: seen with the member (where they are now), like the membership history.
    organisation_path = "member__organisation"
    member_path = "member"

    class Meta:
        verbose_name = _("学时记录")
        verbose_name_plural = _("学时记录")
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["member", "year", "on"]),
            models.Index(fields=["source_type", "source_id", "member"]),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.on} {self.hours}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class StudyYearTotal(models.Model):
    """学时汇总: a member's study hours in one year (the ledger's sum, kept by its services)."""

    member = models.ForeignKey(
        "organisations.Member",
        on_delete=models.CASCADE,
        related_name="study_totals",
        verbose_name=_("党员"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    hours = models.DecimalField(_("学时"), max_digits=8, decimal_places=2, default=Decimal(0))
    updated_at = models.DateTimeField(auto_now=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "member__organisation"
    member_path = "member"

    class Meta:
        verbose_name = _("学时汇总")
        verbose_name_plural = _("学时汇总")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="one_study_total_a_year")
        ]
        indexes = [models.Index(fields=["year", "member", "hours"])]

    def __str__(self) -> str:
        return f"{self.member} {self.year}: {self.hours}"
