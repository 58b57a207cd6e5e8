"""党员教育: the study-hour ledger (学时), courses, plans, quizzes and training classes.

The ledger (`StudyRecord`) is append-only: a wrong entry is undone by a reversing entry, never
edited or deleted. `StudyYearTotal` keeps each member's total per year, updated by the ledger's
services in the same transaction, so pages read one row instead of summing the ledger."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.uploads import private_storage
from organisations import policy

# 党员教育管理工作条例 (DESIGN.md §5): the yearly requirement in hours.
MEMBER_YEARLY_HOURS = Decimal(32)
CADRE_YEARLY_HOURS = Decimal(56)  # branch secretaries and committee members


class StudySourceKind(models.TextChoices):
    LESSON = "lesson", _("课程学习")
    MEETING = "meeting", _("组织生活")
    TRAINING = "training", _("培训班学习")
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


# --- courses --------------------------------------------------------------------------------


def _ancestor_paths(path: str, steplen: int = 4) -> list[str]:
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


class AvailableQuerySet(policy.ScopedQuerySet):
    """Content published to a subtree (courses, plans, quizzes): a reader sees what is
    published by their own organisation or one above it, and a secretary also everything
    their subtree authors (drafts included). Out of reach is 404, as with `visible_to`."""

    published_field = "status"
    published_value = "published"

    def available_to(self, user):
        from organisations.models import Organisation

        scope = policy.scope_for(user)
        org_path: str = self.model.organisation_path  # type: ignore[attr-defined]
        published = models.Q(**{self.published_field: self.published_value})
        if scope.reach is policy.Reach.ALL:
            return self.all()
        if scope.reach is policy.Reach.NOTHING:
            return self.none()
        if scope.reach is policy.Reach.SUBTREE:
            path = scope.path
            own = models.Q(**{f"{org_path}__in": policy.subtree_ids(path)})
        else:
            own = models.Q(pk__isnull=True)
            # The member's organisation is usually loaded already (the policy read it): reuse it.
            member = getattr(user, "member", None)
            cached = (
                member.organisation
                if member is not None
                and member.organisation_id == scope.organisation_id
                and "organisation" in member._state.fields_cache
                else None
            )
            path = (
                cached.path
                if cached is not None
                else (
                    Organisation.objects.filter(pk=scope.organisation_id)
                    .values_list("path", flat=True)
                    .first()
                    or "-"
                )
            )
        above = models.Q(**{f"{org_path}__path__in": _ancestor_paths(path)})
        return self.filter(own | (published & above))


class Theme(models.Model):
    """学习专题: 理论学习, 党章党规, 党史, 业务知识 … (kept by the committee admin)."""

    name = models.CharField(_("专题"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("学习专题")
        verbose_name_plural = _("学习专题")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("待审核")
    RETURNED = "returned", _("已退回")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Course(models.Model):
    """课程: ordered lessons on one theme, authored by the committee or a secretary, reviewed
    by someone above the author's organisation, and published to that organisation's subtree."""

    title = models.CharField(_("课程名称"), max_length=120)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, verbose_name=_("专题"))
    summary = models.TextField(_("简介"), blank=True, max_length=2000)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("发布范围（党组织及下级）"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("作者")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AvailableQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["theme__order", "title", "pk"]
        indexes = [models.Index(fields=["status", "organisation"])]

    def __str__(self) -> str:
        return self.title


class LessonQuerySet(policy.ScopedQuerySet):
    def current(self) -> "LessonQuerySet":
        """Lessons still in their course (not archived)."""
        return self.filter(archived_at__isnull=True)


class Lesson(models.Model):
    """课时: one step of a course — text, a PDF, video or audio file, or an intranet link —
    worth `hours` study hours when explicitly finished (and its quiz, if any, passed).

    A lesson nobody has finished can be deleted; one that members have finished is archived
    instead (`archived_at`): it leaves the course (no longer shown, counted or finished), while
    the completions and the study hours they credited stay as they were — the hours were
    earned, and the ledger's entries keep naming a row that still exists."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("课程")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    title = models.CharField(_("课时名称"), max_length=120)
    body = models.TextField(_("正文"), blank=True)  # sanitised rich text (core.richtext)
    file = models.FileField(
        _("附件"), blank=True, storage=private_storage, upload_to="learning/%Y/%m/"
    )
    file_kind = models.CharField(_("附件类型"), max_length=10, blank=True)
    file_name = models.CharField(_("附件名称"), max_length=200, blank=True)
    link_url = models.URLField(_("内网资源链接"), blank=True)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=Decimal(1))
    quiz = models.ForeignKey(
        "Quiz",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lessons",
        verbose_name=_("课后测验"),
    )
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    objects = LessonQuerySet.as_manager()
    organisation_path = "course__organisation"

    class Meta:
        verbose_name = _("课时")
        verbose_name_plural = _("课时")
        ordering = ["course", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "order"],
                condition=models.Q(archived_at__isnull=True),
                name="one_lesson_a_place",
                violation_error_message=_("顺序：该位置已有课时。"),
            )
        ]

    def __str__(self) -> str:
        return self.title


class LessonCompletion(models.Model):
    """课时完成: a member explicitly finished a lesson (reached its end; passed its quiz where
    it has one). The ledger entry it credits names this row as its source."""

    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, related_name="completions", verbose_name=_("课时")
    )
    member = models.ForeignKey(
        "organisations.Member",
        on_delete=models.PROTECT,
        related_name="lesson_completions",
        verbose_name=_("党员"),
    )
    completed_at = models.DateTimeField(_("完成时间"))

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "member__organisation"
    member_path = "member"

    class Meta:
        verbose_name = _("课时完成记录")
        verbose_name_plural = _("课时完成记录")
        constraints = [
            models.UniqueConstraint(fields=["member", "lesson"], name="one_completion_a_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.lesson}"


# --- learning plans ---------------------------------------------------------------------------


class LearningPlan(models.Model):
    """学习计划: a year's curriculum (courses with deadlines) an organisation assigns to its
    subtree, to groups of people in it, or to individuals."""

    title = models.CharField(_("计划名称"), max_length=120)
    year = models.PositiveSmallIntegerField(_("年度"))
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="learning_plans",
        verbose_name=_("制定单位"),
    )
    description = models.TextField(_("说明"), blank=True, max_length=2000)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AvailableQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("学习计划")
        verbose_name_plural = _("学习计划")
        ordering = ["-year", "title", "pk"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class PlanItem(models.Model):
    """One course of a plan, to be finished by its deadline."""

    plan = models.ForeignKey(
        LearningPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("计划")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="plan_items", verbose_name=_("课程")
    )
    due_on = models.DateField(_("完成期限"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "plan__organisation"

    class Meta:
        verbose_name = _("计划课程")
        verbose_name_plural = _("计划课程")
        ordering = ["plan", "due_on", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "course"], name="course_once_a_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.course}"


class Audience(models.TextChoices):
    ALL = "all", _("全体党员")
    PROBATIONARY = "probationary", _("预备党员")
    CADRES = "cadres", _("书记和班子成员")
    INDIVIDUAL = "individual", _("指定党员")


class PlanAssignment(models.Model):
    """Who a plan is for: a group of people in an organisation's subtree, or one member."""

    plan = models.ForeignKey(
        LearningPlan, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("计划")
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("党组织（含下级）"),
    )
    audience = models.CharField(_("对象"), max_length=16, choices=Audience.choices)
    member = models.ForeignKey(
        "organisations.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党员"),
    )

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("计划对象")
        verbose_name_plural = _("计划对象")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience="individual", member__isnull=False)
                | (~models.Q(audience="individual") & models.Q(member__isnull=True)),
                name="individual_assignment_names_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} → {self.organisation} {self.get_audience_display()}"


# --- quizzes ----------------------------------------------------------------------------------


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")
    FILL = "fill", _("填空题")


class QuestionBank(models.Model):
    """题库: questions on one theme, kept by an organisation (imported from Excel or typed)."""

    title = models.CharField(_("题库名称"), max_length=120)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, verbose_name=_("专题"))
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="question_banks",
        verbose_name=_("所属党组织"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"
    # A member never reads the banks (the answers are in them).
    visible_to_editors_only = True

    class Meta:
        verbose_name = _("题库")
        verbose_name_plural = _("题库")
        ordering = ["theme__order", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """试题. `options` lists the choices (A, B, C … in order); `answer` holds the right
    letters ("AC"), "T"/"F" for true/false, or the accepted texts of a blank joined by "|"."""

    bank = models.ForeignKey(
        QuestionBank, on_delete=models.CASCADE, related_name="questions", verbose_name=_("题库")
    )
    kind = models.CharField(_("题型"), max_length=12, choices=QuestionKind.choices)
    text = models.TextField(_("题干"), max_length=2000)
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.CharField(_("答案"), max_length=500)
    explanation = models.TextField(_("解析"), blank=True, max_length=2000)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), choices=[(1, _("易")), (2, _("中")), (3, _("难"))], default=2
    )

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "bank__organisation"
    visible_to_editors_only = True

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        ordering = ["bank", "pk"]
        indexes = [models.Index(fields=["bank", "difficulty"])]

    def __str__(self) -> str:
        return self.text[:40]


class Quiz(models.Model):
    """测验: N questions drawn at random from the banks of a theme (and difficulty), with an
    optional time limit, a pass mark and an attempt limit."""

    title = models.CharField(_("测验名称"), max_length=120)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="quizzes",
        verbose_name=_("发布范围（党组织及下级）"),
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, verbose_name=_("专题"))
    difficulty = models.PositiveSmallIntegerField(
        _("难度"),
        choices=[(1, _("易")), (2, _("中")), (3, _("难"))],
        null=True,
        blank=True,
        help_text=_("留空则不限难度"),
    )
    question_count = models.PositiveSmallIntegerField(_("题目数量"), default=10)
    time_limit_minutes = models.PositiveSmallIntegerField(_("限时（分钟）"), null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("及格分（百分制）"), default=60)
    attempt_limit = models.PositiveSmallIntegerField(_("可作答次数"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PUBLISHED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AvailableQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("测验")
        verbose_name_plural = _("测验")
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class QuizAttempt(models.Model):
    """答题记录: one member's attempt at a quiz — the questions drawn, the answers, the score.
    A member sees only their own; there is no ranking."""

    quiz = models.ForeignKey(
        Quiz, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("测验")
    )
    member = models.ForeignKey(
        "organisations.Member",
        on_delete=models.PROTECT,
        related_name="quiz_attempts",
        verbose_name=_("党员"),
    )
    question_ids = models.JSONField(default=list)
    answers = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(_("答对"), default=0)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    passed = models.BooleanField(_("及格"), default=False)
    # Submitted after the time limit: answers given after the deadline are not counted.
    late = models.BooleanField(_("超时"), default=False)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "member__organisation"
    member_path = "member"

    class Meta:
        verbose_name = _("答题记录")
        verbose_name_plural = _("答题记录")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["member", "quiz"])]

    def __str__(self) -> str:
        return f"{self.member} {self.quiz}"

    @property
    def wrong_count(self) -> int:
        return len(self.question_ids) - self.correct_count


# --- training classes -------------------------------------------------------------------------


class TrainingClass(models.Model):
    """培训班: a class run by organisers for participants nominated by organisations (with a
    quota each), in sessions whose attendance credits study hours."""

    title = models.CharField(_("培训班名称"), max_length=120)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="training_classes",
        verbose_name=_("主办党组织"),
    )
    description = models.TextField(_("简介"), blank=True, max_length=2000)
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结业日期"))
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("组织者")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="class_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ClassQuota(models.Model):
    """名额: how many participants an organisation may nominate to a class."""

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="quotas"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("党组织"),
    )
    seats = models.PositiveSmallIntegerField(_("名额"))

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "training_class__organisation"

    class Meta:
        verbose_name = _("名额")
        verbose_name_plural = _("名额")
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "organisation"], name="one_quota_an_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.seats}"


class Participant(models.Model):
    """学员: a member nominated to a class by an organisation (within its quota)."""

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="participants"
    )
    member = models.ForeignKey(
        "organisations.Member",
        on_delete=models.PROTECT,
        related_name="class_places",
        verbose_name=_("党员"),
    )
    quota = models.ForeignKey(
        ClassQuota, on_delete=models.PROTECT, related_name="participants", verbose_name=_("名额")
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nominated_at = models.DateTimeField(auto_now_add=True)
    certificate_code = models.CharField(max_length=16, blank=True, db_index=True)
    certificate_issued_at = models.DateTimeField(null=True, blank=True)

    objects = policy.ScopedQuerySet.as_manager()
    # Seen by the class's organisers' side and by the member.
    organisation_path = "training_class__organisation"
    member_path = "member"

    class Meta:
        verbose_name = _("学员")
        verbose_name_plural = _("学员")
        ordering = ["member__name_pinyin", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "member"], name="one_place_a_member")
        ]

    def __str__(self) -> str:
        return f"{self.training_class} {self.member}"


class ClassSession(models.Model):
    """培训课次: one session of a class (date, hours, topic, lecturer, place)."""

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="sessions"
    )
    on = models.DateField(_("日期"))
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    topic = models.CharField(_("主题"), max_length=120)
    lecturer = models.CharField(_("授课人"), max_length=64, blank=True)
    place = models.CharField(_("地点"), max_length=120, blank=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "training_class__organisation"

    class Meta:
        verbose_name = _("培训课次")
        verbose_name_plural = _("培训课次")
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.on} {self.topic}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    EXCUSED = "excused", _("请假")
    ABSENT = "absent", _("缺席")


class SessionAttendance(models.Model):
    """A participant's attendance at one session; being present credits the session's hours
    (the ledger entry names this row)."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(_("出勤"), max_length=10, choices=AttendanceStatus.choices)
    recorded_at = models.DateTimeField(auto_now=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "session__training_class__organisation"
    member_path = "participant__member"

    class Meta:
        verbose_name = _("出勤记录")
        verbose_name_plural = _("出勤记录")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="one_attendance_a_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.get_status_display()}"


class ReflectionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审阅")
    RETURNED = "returned", _("退回修改")
    ACCEPTED = "accepted", _("已通过")


class Reflection(models.Model):
    """心得体会: an essay a participant submits after a class, reviewed by the organisers with
    a comment, returned for rework if needed. Copy flags are hints to the reviewer only."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="reflections"
    )
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"), max_length=20000)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ReflectionStatus.choices,
        default=ReflectionStatus.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    review_comment = models.CharField(_("审阅意见"), max_length=1000, blank=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "participant__training_class__organisation"
    member_path = "participant__member"

    class Meta:
        verbose_name = _("心得体会")
        verbose_name_plural = _("心得体会")
        ordering = ["-submitted_at", "pk"]

    def __str__(self) -> str:
        return self.title


class CopyFlag(models.Model):
    """疑似雷同: a passage of a reflection close to another reflection or to a text the
    platform holds (a lesson). Shown side by side to the reviewer; never a rejection."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="flags")
    other_reflection = models.ForeignKey(
        Reflection, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    other_lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    similarity = models.DecimalField(_("相似度"), max_digits=4, decimal_places=3)
    passage = models.TextField(_("本文段落"))
    other_passage = models.TextField(_("相似段落"))
    found_at = models.DateTimeField(auto_now_add=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "reflection__participant__training_class__organisation"
    visible_to_editors_only = True

    class Meta:
        verbose_name = _("雷同提示")
        verbose_name_plural = _("雷同提示")
        ordering = ["-similarity", "pk"]

    def __str__(self) -> str:
        return f"{self.reflection_id} ~ {self.similarity}"


# --- external training ------------------------------------------------------------------------


class ExternalTraining(models.Model):
    """外部培训: training outside the platform (a party school course, a provincial class),
    entered by a secretary with what proves it; credits the ledger."""

    member = models.ForeignKey(
        "organisations.Member",
        on_delete=models.PROTECT,
        related_name="external_trainings",
        verbose_name=_("党员"),
    )
    title = models.CharField(_("培训名称"), max_length=120)
    provider = models.CharField(_("举办单位"), max_length=120)
    on = models.DateField(_("结业日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    evidence = models.CharField(_("证明材料"), max_length=300)
    evidence_file = models.FileField(
        _("证明文件"), blank=True, storage=private_storage, upload_to="learning/evidence/%Y/"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "member__organisation"
    member_path = "member"

    class Meta:
        verbose_name = _("外部培训")
        verbose_name_plural = _("外部培训")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return self.title


class OrganisationStudyProgress(models.Model):
    """学时进度汇总: an organisation's members (its whole subtree) done, on track and behind in
    a year, as of `computed_at`. Kept by the periodic job learning.refresh_study_progress so
    the dashboards read one row instead of aggregating every member on each view."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    members = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    on_track = models.PositiveIntegerField(default=0)
    behind = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("学时进度汇总")
        verbose_name_plural = _("学时进度汇总")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="one_progress_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year}: {self.done}/{self.members}"


class OrganisationCourseCompletion(models.Model):
    """课程完成汇总: how many active members of an organisation's subtree had finished a course
    (every current lesson) as of `computed_at`. Kept by learning.refresh_study_progress beside
    OrganisationStudyProgress for the courses of the year's published plans, so that plan
    completion by organisation (what assessment reads) is a few rows, not every lesson
    completion of a committee's 100,000 members. Only counts above zero are kept."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    finished = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("课程完成汇总")
        verbose_name_plural = _("课程完成汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "course"], name="one_course_completion_a_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year} {self.course_id}: {self.finished}"
