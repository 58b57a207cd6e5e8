"""组织生活: meetings of 三会一课 and 主题党日, their attendance and decisions, the rule sets they
are checked against, and the compliance summary the dashboards read."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from core.constraints import ConstraintErrorsOnFields
from core.uploads import private_storage
from organisations import policy
from organisations.models import Member, Organisation, OrganisationKind


class MeetingKind(models.TextChoices):
    MEMBER_ASSEMBLY = "member_assembly", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支委会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    ORGANISATIONAL_LIFE_MEETING = "organisational_life_meeting", _("组织生活会")
    DEMOCRATIC_LIFE_MEETING = "democratic_life_meeting", _("民主生活会")
    HEART_TO_HEART = "heart_to_heart", _("谈心谈话")


def kind_in_sentence(kind: str) -> str:
    """A meeting kind's name inside a sentence: English writes it in lower case there ("no
    committee meeting in 11/2026"); Chinese has no case."""
    label = str(MeetingKind(kind).label)
    if (get_language() or "").startswith("en"):
        return label[:1].lower() + label[1:]
    return label


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class MeetingQuerySet(policy.ScopedQuerySet):
    """A meeting is seen by its host organisation's readers and, for a joint meeting, by the
    readers of every organisation taking part."""

    def visible_to(self, user):
        own = super().visible_to(user)
        joined = MeetingOrganisation.objects.visible_to(user).values("meeting_id")
        return self.filter(Q(pk__in=own.values("pk")) | Q(pk__in=joined))


class Meeting(ConstraintErrorsOnFields, models.Model):
    """会议: one meeting of organisational life, recorded once (a joint meeting — 联合主题党日, a
    party lecture for several branches — counts for each organisation taking part)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("主办党组织"),
    )
    kind = models.CharField(_("会议类型"), max_length=32, choices=MeetingKind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    title = models.CharField(_("会议名称"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    host = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主持人"),
    )
    recorder = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    topics = models.TextField(_("议题"), blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    study_topic = models.CharField(_("学习主题"), max_length=200, blank=True)
    study_material = models.TextField(_("学习材料"), blank=True)
    study_hours = models.DecimalField(
        _("计入学时"), max_digits=4, decimal_places=1, default=Decimal("0")
    )
    # Figures of the attendance, kept by the service that records it (the compliance job and
    # the decision checks read them instead of counting rows again).
    due_count = models.PositiveIntegerField(_("应到人数"), default=0)
    present_count = models.PositiveIntegerField(_("实到人数"), default=0)
    voting_due = models.PositiveIntegerField(_("有表决权应到人数"), default=0)
    voting_present = models.PositiveIntegerField(_("有表决权实到人数"), default=0)
    quorum_met = models.BooleanField(_("达到法定人数"), default=False)
    host_is_secretary = models.BooleanField(default=False, editable=False)
    invalid_decisions = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()
    organisation_path = "organisation"

    constraint_fields = {"meeting_unique": "starts_at", "meeting_order": "ends_at"}

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "starts_at"],
                name="meeting_unique_start",
                violation_error_code="meeting_unique",
                violation_error_message=_("同一党组织在该开始时间已登记过同类会议。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_code="meeting_order",
                violation_error_message=_("结束时间不能早于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_kind_display(self) -> str:
        return str(MeetingKind(self.kind).label)

    def get_status_display(self) -> str:
        return str(MeetingStatus(self.status).label)


class MeetingOrganisation(models.Model):
    """参会党组织: an organisation the meeting counts for (the host and, for a joint meeting,
    every other organisation taking part)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("参会党组织")
        verbose_name_plural = _("参会党组织")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organisation"], name="meeting_org_once")
        ]
        indexes = [models.Index(fields=["organisation", "meeting"])]

    def __str__(self) -> str:
        return f"{self.meeting_id} @ {self.organisation_id}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    EXCUSED = "excused", _("请假")
    ABSENT = "absent", _("缺席")


class ExcuseReason(models.TextChoices):
    LEAVE = "leave", _("事假")
    DUTY = "duty", _("因公外出")
    ABROAD = "abroad", _("出国（境）")
    ILL = "ill", _("病假")


class NotCountedReason(models.TextChoices):
    """Why a member is not counted among those due (不计入应到人数), as the election rules allow."""

    ABROAD = "abroad", _("出国（境）半年以上")
    AWAY = "away", _("长期外出")
    INCAPABLE = "incapable", _("无法正常表达意志")


class Attendance(ConstraintErrorsOnFields, models.Model):
    """出席情况: one member's attendance of one meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("党员")
    )
    status = models.CharField(_("出席情况"), max_length=16, choices=AttendanceStatus.choices)
    excuse_reason = models.CharField(
        _("请假事由"), max_length=16, choices=ExcuseReason.choices, blank=True
    )
    has_vote = models.BooleanField(_("有表决权"), default=True)
    not_counted = models.BooleanField(_("不计入应到人数"), default=False)
    not_counted_reason = models.CharField(
        _("不计入原因"), max_length=16, choices=NotCountedReason.choices, blank=True
    )
    not_counted_approval = models.CharField(_("批准情况"), max_length=200, blank=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "meeting__organisation"
    member_path = "member"

    class Meta:
        verbose_name = _("出席情况")
        verbose_name_plural = _("出席情况")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")
        ]
        indexes = [models.Index(fields=["member", "meeting"])]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.meeting_id}: {self.status}"

    def get_status_display(self) -> str:
        return str(AttendanceStatus(self.status).label)


class DecisionKind(models.TextChoices):
    ORDINARY = "ordinary", _("一般事项")
    ELECTION = "election", _("选举")


class DecisionOutcome(models.TextChoices):
    PASSED = "passed", _("通过")
    REJECTED = "rejected", _("未通过")
    INVALID = "invalid", _("表决无效")


class Decision(models.Model):
    """决议: a motion put to the vote at a meeting, with its votes and the check of art. 11."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    title = models.CharField(_("表决事项"), max_length=200)
    kind = models.CharField(
        _("事项类型"), max_length=16, choices=DecisionKind.choices, default=DecisionKind.ORDINARY
    )
    votes_for = models.PositiveIntegerField(_("赞成票"), default=0)
    votes_against = models.PositiveIntegerField(_("反对票"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权票"), default=0)
    outcome = models.CharField(_("结果"), max_length=16, choices=DecisionOutcome.choices)
    problem = models.CharField(_("问题"), max_length=300, blank=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "meeting__organisation"

    class Meta:
        verbose_name = _("决议")
        verbose_name_plural = _("决议")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title

    @property
    def problem_text(self) -> str:
        """The problem in the reader's language (reads `meeting`: select it with the row)."""
        from .checks import problem_text

        return problem_text(
            kind=self.kind,
            outcome=self.outcome,
            stored=self.problem,
            votes_for=self.votes_for,
            votes_against=self.votes_against,
            votes_abstain=self.votes_abstain,
            voting_due=self.meeting.voting_due,
            voting_present=self.meeting.voting_present,
        )


class Attachment(models.Model):
    """附件: a PDF, image or Office file of a meeting, stored outside the web root. Never
    required (no photo is mandatory)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), storage=private_storage, upload_to="meetings/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(max_length=16)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "meeting__organisation"

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class VotingSuspension(models.Model):
    """留党察看: while it runs, the member attends without a vote (党章第四十条)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="voting_suspensions", verbose_name=_("党员")
    )
    started_on = models.DateField(_("起始日期"))
    ended_on = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "member__organisation"
    member_path = "member"

    class Meta:
        verbose_name = _("留党察看")
        verbose_name_plural = _("留党察看")

    def __str__(self) -> str:
        return f"{self.member_id} {self.started_on}"


# --- rule sets --------------------------------------------------------------------------------


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    YEARLY = "yearly", _("每年")


class Quorum(models.TextChoices):
    NONE = "none", _("不设法定人数")
    VOTING_MEMBERS = "voting_members", _("有表决权的党员过半数")
    COMMITTEE = "committee", _("支委会成员过半数")


class Binds(models.TextChoices):
    ORGANISATION = "organisation", _("党组织")
    SECRETARY = "secretary", _("书记本人")


class RuleSet(models.Model):
    """组织生活规则: one version of the rules an organisation's subtree is checked against.

    The platform default (organisation empty) holds DESIGN §5; an organisation's rule set
    overrides, for its subtree, the meeting kinds it lists. A rule set is never edited: a change
    is a new version, effective from a date, so results of earlier periods keep theirs."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("适用党组织"),
    )
    version = models.PositiveIntegerField(_("版本"))
    effective_from = models.DateField(_("生效日期"))
    name = models.CharField(_("名称"), max_length=120)
    # "半数以上": read as more than half by default; some read it as half included.
    half_included = models.BooleanField(_("半数含本数"), default=False)
    election_ratio = models.DecimalField(
        _("选举到会比例"), max_digits=3, decimal_places=2, default=Decimal("0.80")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("组织生活规则")
        verbose_name_plural = _("组织生活规则")
        ordering = ["organisation_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "version"], name="ruleset_version")
        ]

    def __str__(self) -> str:
        return f"{self.display_name} v{self.version}"

    @property
    def display_name(self) -> str:
        """The name in the reader's language: the platform default's name is a msgid (written
        in Chinese once, meetings.rules); an organisation's own rule set keeps its own name."""
        if self.organisation_id is None:
            return gettext(self.name)
        return self.name


class Rule(models.Model):
    """一条规则: how often a kind of meeting is due, for which kinds of organisation."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    meeting_kind = models.CharField(_("会议类型"), max_length=32, choices=MeetingKind.choices)
    frequency = models.CharField(_("频次"), max_length=16, choices=Frequency.choices)
    organisation_kinds = models.JSONField(_("适用组织类别"), default=list)
    quorum = models.CharField(_("法定人数"), max_length=16, choices=Quorum.choices)
    binds = models.CharField(
        _("责任人"), max_length=16, choices=Binds.choices, default=Binds.ORGANISATION
    )
    # A committee meeting is due only where there is a committee (≥ 3 seats, DESIGN §5).
    needs_committee = models.BooleanField(_("仅设支委会的组织"), default=False)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "rule_set__organisation"

    class Meta:
        verbose_name = _("规则")
        verbose_name_plural = _("规则")
        ordering = ["rule_set", "id"]

    def __str__(self) -> str:
        return f"{MeetingKind(self.meeting_kind).label} {Frequency(self.frequency).label}"

    @property
    def organisation_kind_labels(self) -> list[str]:
        """The kinds it applies to by their names (党支部, 党总支, ...), never their codes."""
        labels = dict(OrganisationKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.organisation_kinds]


# --- compliance summary -----------------------------------------------------------------------


class ComplianceStatus(models.TextChoices):
    HELD = "held", _("已开展")
    LOW_ATTENDANCE = "low_attendance", _("已开展（到会人数不足）")
    MISSING = "missing", _("未开展")
    NOT_DUE = "not_due", _("未到期")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class ComplianceResult(models.Model):
    """落实情况: one organisation, one rule, one period — kept by every meeting write and
    rebuilt by the periodic job; the dashboards read only these rows."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("党组织")
    )
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="+")
    meeting_kind = models.CharField(max_length=32, choices=MeetingKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=16, choices=ComplianceStatus.choices)
    held = models.PositiveSmallIntegerField(default=0)
    invalid_decisions = models.PositiveSmallIntegerField(default=0)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("落实情况")
        verbose_name_plural = _("落实情况")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "meeting_kind", "period_start"], name="compliance_cell"
            )
        ]
        indexes = [
            # The gap list: missing cells in date order, read until the page is full.
            models.Index(
                fields=["status", "period_start", "organisation", "meeting_kind"],
                name="compliance_gaps",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.meeting_kind} {self.period_start}: {self.status}"

    def get_status_display(self) -> str:
        return str(ComplianceStatus(self.status).label)


class ComplianceRollup(models.Model):
    """落实情况汇总: one organisation and year — its own cells counted, and the sums over its
    whole subtree — kept with the cells, so a dashboard reads one row per organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("党组织")
    )
    year = models.PositiveSmallIntegerField()
    own_due = models.PositiveIntegerField(default=0)
    own_done = models.PositiveIntegerField(default=0)
    own_missing = models.PositiveIntegerField(default=0)
    own_low = models.PositiveIntegerField(default=0)
    own_invalid = models.PositiveIntegerField(default=0)
    organisations = models.PositiveIntegerField(default=0)
    compliant = models.PositiveIntegerField(default=0)
    due_cells = models.PositiveIntegerField(default=0)
    done_cells = models.PositiveIntegerField(default=0)
    missing_cells = models.PositiveIntegerField(default=0)
    low_cells = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("落实情况汇总")
        verbose_name_plural = _("落实情况汇总")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="compliance_rollup_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year}"


class CalendarFeed(models.Model):
    """A member's private .ics address (日历订阅): the random token is the only key."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "member__organisation"
    member_path = "member"
    visible_to_editors_only = False

    def __str__(self) -> str:
        return f"calendar feed of {self.member_id}"


class ReminderStage(models.TextChoices):
    DUE = "due", _("即将到期")
    OVERDUE = "overdue", _("已逾期")


class ReminderSent(models.Model):
    """A reminder already sent for one organisation, kind, period and stage (each sent once):
    "due" before the period ends, "overdue" after it ended with the meeting missing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    meeting_kind = models.CharField(max_length=32)
    period_start = models.DateField()
    stage = models.CharField(max_length=8, choices=ReminderStage.choices, default="due")
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "meeting_kind", "period_start", "stage"],
                name="reminder_once_per_stage",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.meeting_kind} {self.period_start}"
