"""党群连心: the public's requests (群众诉求, 微心愿), their routing, deadlines, answers and
ratings, moderation of what looks like spam, and consultations (征求意见).

A request has no account behind it: the submitter holds a random tracking code. Every request
is stored, even when the content scorer holds it for moderation; nothing is dropped."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import crypto
from core.uploads import private_storage
from organisations import policy
from organisations.id_numbers import mask_phone

# An unguessable public identifier: 12 characters from an alphabet without look-alikes
# (0/O, 1/I/L), about 60 bits, drawn from the operating system's CSPRNG.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class AreaKind(models.TextChoices):
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    OTHER = "other", _("其他")


class Area(models.Model):
    """片区: a village or community a request comes from, on a list the committee keeps."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=AreaKind.choices)
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("村（社区）")
        verbose_name_plural = _("村（社区）")

    def __str__(self) -> str:
        return self.name


class RequestKind(models.TextChoices):
    REQUEST = "request", _("诉求")
    WISH = "wish", _("微心愿")


class Category(models.Model):
    """诉求类别, with its deadlines in working days (受理 / 办结)."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    kind = models.CharField(
        _("种类"), max_length=16, choices=RequestKind.choices, default=RequestKind.REQUEST
    )
    accept_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"), default=1)
    answer_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=7)
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accept_days__gte=1, accept_days__lte=30)
                & models.Q(answer_days__gte=1, answer_days__lte=90),
                name="outreach_category_days_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


# The default categories and their deadlines in working days (受理 1; 办结 5 / 7 / 15), as the
# first migration adds them; the committee may change them afterwards.
DEFAULT_CATEGORIES = [
    ("咨询", RequestKind.REQUEST, 1, 5),
    ("求助", RequestKind.REQUEST, 1, 5),
    ("意见建议", RequestKind.REQUEST, 1, 7),
    ("投诉反映", RequestKind.REQUEST, 1, 15),
    ("微心愿", RequestKind.WISH, 1, 15),
]


def ensure_default_categories() -> None:
    """Put back the default categories where a database lost them (a flushed test database)."""
    if Category.objects.exists():
        return
    for position, (name, kind, accept, answer) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.create(
            name=name, kind=kind, accept_days=accept, answer_days=answer, position=position
        )


class RoutingRuleQuerySet(policy.ScopedQuerySet):
    pass


class RoutingRule(models.Model):
    """分办规则: requests of a category (or any) from an area (or any) go to an organisation.
    The most specific rule wins (category and area, then area, then category)."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("类别")
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("村（社区）")
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("承办党组织"),
    )

    objects = RoutingRuleQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        verbose_name = _("分办规则")
        verbose_name_plural = _("分办规则")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "area"],
                name="outreach_one_rule_per_category_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} × {self.area or '*'} → {self.organisation}"


class Status(models.TextChoices):
    HELD = "held", _("待审核")
    SPAM = "spam", _("垃圾信息")
    RECEIVED = "received", _("已接收")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")
    REJECTED = "rejected", _("不予受理")
    DUPLICATE = "duplicate", _("重复诉求")
    TRANSFERRED = "transferred", _("已转办")


# What the public is told for each state: a held or spam request reads as received, so that
# a spammer learns nothing from the answer.
PUBLIC_STATUS = {
    Status.HELD: Status.RECEIVED,
    Status.SPAM: Status.RECEIVED,
}
# Still to be answered: the deadline clock runs.
OPEN_STATES = (Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIRLY = "fairly", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class RequestQuerySet(policy.ScopedQuerySet):
    def handled(self):
        """Out of moderation: what the handlers work on."""
        return self.exclude(status__in=[Status.HELD, Status.SPAM])

    def public(self):
        """What the public answered list may show."""
        return self.filter(
            status__in=[Status.ANSWERED, Status.CLOSED], answer_approved=True, kind="request"
        )


class Request(models.Model):
    """群众诉求: one submission from the public (a request, or a 微心愿 a member may fulfil).

    `organisation` is empty while the request waits in the committee's triage queue (no rule
    matched), so only the committee sees it then."""

    code = models.CharField(_("查询码"), max_length=16, unique=True, default=new_code)
    kind = models.CharField(
        _("种类"), max_length=16, choices=RequestKind.choices, default=RequestKind.REQUEST
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("类别"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, verbose_name=_("村（社区）"))
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("内容"), max_length=5000)
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    phone_encrypted = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    # A keyed digest of the sender's address, for rate limits and moderation; never the address.
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    text_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    channel = models.CharField(_("来源"), max_length=16, default="web")

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("承办党组织"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    spam_score = models.DecimalField(_("可疑分"), max_digits=5, decimal_places=2, default=0)
    spam_reasons = models.JSONField(_("可疑原因"), default=list, blank=True)

    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    # The clocks run from here: the submission, or its release from moderation.
    clock_start = models.DateTimeField(_("计时起点"), null=True, blank=True)
    accept_due = models.DateTimeField(_("受理期限"), null=True, blank=True)
    answer_due = models.DateTimeField(_("办结期限"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reminded_75_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)

    public_answer = models.TextField(_("公开答复"), blank=True)
    answer_approved = models.BooleanField(_("答复已审核"), default=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("原诉求")
    )
    transferred_to = models.CharField(_("转办单位"), max_length=100, blank=True)

    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("重新办理时间"), null=True, blank=True)
    reopen_reason = models.CharField(_("不满意原因"), max_length=300, blank=True)

    # 微心愿
    claimed_by = models.ForeignKey(
        "organisations.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_wishes",
        verbose_name=_("认领党员"),
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    fulfilment_note = models.CharField(_("完成情况"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(_("心愿人确认时间"), null=True, blank=True)

    objects = RequestQuerySet.as_manager()
    organisation_path = "organisation"
    member_path = "claimed_by"
    # A member sees the wishes they claimed, never the other requests of their branch.
    encrypted_fields = {"phone_encrypted": "phone_digest"}

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("群众诉求")
        verbose_name_plural = _("群众诉求")
        indexes = [
            models.Index(fields=["organisation", "status", "submitted_at"]),
            models.Index(fields=["status", "answer_due"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    def set_phone(self, phone: str) -> None:
        self.phone_encrypted = crypto.encrypt(phone)
        self.phone_digest = crypto.digest(phone) if phone else ""
        self.phone_masked = mask_phone(phone)[:20] if phone else ""

    @property
    def public_status(self) -> str:
        return PUBLIC_STATUS.get(Status(self.status), Status(self.status))

    @property
    def public_status_label(self) -> str:
        return Status(self.public_status).label

    def overdue_at(self, now) -> bool:
        """Past its deadline and still open (to be accepted, or to be answered)."""
        if self.status == Status.RECEIVED and self.accept_due and now > self.accept_due:
            return True
        return bool(self.status in OPEN_STATES and self.answer_due and now > self.answer_due)

    @property
    def overdue(self) -> bool:
        return self.overdue_at(timezone.now())

    @property
    def answered_on_time(self) -> bool | None:
        if not self.answered_at or not self.answer_due:
            return None
        return self.answered_at <= self.answer_due

    @property
    def can_be_rated(self) -> bool:
        return self.status == Status.ANSWERED and self.answer_approved and not self.rating

    @property
    def can_reopen(self) -> bool:
        return self.reopened_at is None


def request_image_path(instance, filename: str) -> str:
    """A random name: the sender's file name may carry a name or a phone number."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    extension = extension if extension in {"jpg", "jpeg", "png", "webp", "gif"} else "img"
    return f"outreach/{timezone.now():%Y/%m}/{secrets.token_hex(12)}.{extension}"


class RequestImage(models.Model):
    """An image attached to a request, its metadata (EXIF, GPS) stripped before storing."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(_("图片"), storage=private_storage, upload_to=request_image_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "request__organisation"

    class Meta:
        verbose_name = _("诉求图片")
        verbose_name_plural = _("诉求图片")

    def __str__(self) -> str:
        return self.file.name


class EntryKind(models.TextChoices):
    NOTE = "note", _("内部备注")
    STATUS = "status", _("状态变更")
    ROUTE = "route", _("分办")
    REMINDER = "reminder", _("提醒")
    ESCALATION = "escalation", _("督办")
    MODERATION = "moderation", _("审核")
    RATING = "rating", _("评价")
    WISH = "wish", _("微心愿")


class RequestEntry(models.Model):
    """办理记录: one line of a request's history (a change of state, an internal note, a
    reassignment with its reason). Internal: never shown on the public pages."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "request__organisation"

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"

    @property
    def actor_label(self) -> str:
        """Who wrote the line, in the reader's language: the public and the system by their
        names (stored as "public", 群众 or 系统), a command or job as 系统任务 …, an account by
        its username."""
        if self.actor_name in ("public", "群众", "the public"):
            return gettext("群众")
        if self.actor_name in ("系统", "system"):
            return gettext("系统")
        if self.actor_name.startswith("operator:"):
            job = self.actor_name.removeprefix("operator:")
            return gettext("系统任务 %(name)s") % {"name": job}
        return self.actor_name


class ConsultationQuerySet(policy.ScopedQuerySet):
    def published(self):
        return self.filter(published=True)


class Consultation(models.Model):
    """征求意见: an organisation asks the public a question or shows a draft, until a deadline;
    it then sums up and replies publicly."""

    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("发布党组织"),
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("征求意见内容"), max_length=20000)
    deadline = models.DateTimeField(_("截止时间"))
    published = models.BooleanField(_("已发布"), default=True)
    summary = models.TextField(_("意见汇总"), blank=True)
    public_reply = models.TextField(_("公开答复"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ConsultationQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        ordering = ["-deadline"]
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.published and timezone.now() <= self.deadline


class ConsultationResponse(models.Model):
    """一条意见: the public's answer to a consultation; held like a request when suspicious."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="responses"
    )
    text = models.TextField(_("意见"), max_length=5000)
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("村（社区）")
    )
    held = models.BooleanField(_("待审核"), default=False)
    spam_reasons = models.JSONField(default=list, blank=True)
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    submitted_at = models.DateTimeField(default=timezone.now)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "consultation__organisation"

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("意见")
        verbose_name_plural = _("意见")

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.text[:20]}"
