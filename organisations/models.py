from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from core import crypto
from core.constraints import ConstraintErrorsOnFields

from . import policy
from .id_numbers import mask_id_number, mask_phone
from .reference_data import Education, Ethnicity


class OrganisationKind(models.TextChoices):
    COMMITTEE = "committee", _("机关工委")
    PARTY_COMMITTEE = "party_committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


class TermStatus(models.TextChoices):
    """Where a committee's term stands (换届提醒)."""

    CURRENT = "current", _("任期内")
    ENDING_SOON = "ending_soon", _("即将届满")
    ENDED = "ended", _("已届满")


# Warn this many days before a committee's term ends (换届提醒).
TERM_WARNING_DAYS = 90


def term_warning_horizon(today: date) -> date:
    """Terms ending on or before this day are due for renewal (or already overdue)."""
    return today + timedelta(days=TERM_WARNING_DAYS)


def term_status(term_end: date, today: date) -> TermStatus:
    """The one rule for a term's status, used by the organisation page and the to-dos."""
    if term_end < today:
        return TermStatus.ENDED
    if term_end <= term_warning_horizon(today):
        return TermStatus.ENDING_SOON
    return TermStatus.CURRENT


# A committee's term in years by kind (DESIGN §5): base-level committee 5, others 3.
TERM_YEARS = {
    OrganisationKind.COMMITTEE: 5,
    OrganisationKind.PARTY_COMMITTEE: 5,
    OrganisationKind.GENERAL_BRANCH: 3,
    OrganisationKind.BRANCH: 3,
    OrganisationKind.GROUP: 3,
}


class OrganisationQuerySet(policy.ScopedQuerySet, MP_NodeQuerySet):
    def subtree_of(self, organisation):
        return self.filter(path__startswith=organisation.path)


class OrganisationManager(MP_NodeManager.from_queryset(OrganisationQuerySet)):
    def get_queryset(self):
        # treebeard's manager builds its own queryset class; keep ours (and its tree order).
        return OrganisationQuerySet(self.model, using=self._db).order_by("path")


class Organisation(MP_Node):
    """党组织: a node of the tree 机关工委 → 党委 / 党总支 / 党支部 → 党小组.

    The materialised `path` (treebeard) makes a subtree one indexed prefix query."""

    node_order_by = ["code"]

    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=OrganisationKind.choices)
    code = models.CharField(_("组织代码"), max_length=32, unique=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    organ = models.CharField(_("所在机关单位"), max_length=120, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    # 撤销日期: the day the dissolution takes effect; the organisation exists on the days before
    # it (organisations.services.organisation_dissolve sets it with is_active False).
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)

    objects = OrganisationManager()
    # Scoping (organisations.policy): an organisation is its own organisation.
    organisation_path = ""

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")

    def __str__(self) -> str:
        return self.name

    # The tree's step length (treebeard's steplen) is used here and nowhere else.
    @property
    def parent_path(self) -> str:
        """The path of the organisation above this one ("" for a root)."""
        return self.path[: -self.steplen]

    def ancestor_paths(self) -> list[str]:
        """The paths of this organisation and of every one above it, root first."""
        return [self.path[:end] for end in range(self.steplen, len(self.path) + 1, self.steplen)]


class MemberCategory(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    DECEASED = "deceased", _("已故")
    LAPSED = "lapsed", _("自行脱党")
    WITHDRAWN = "withdrawn", _("退党")
    EXPELLED = "expelled", _("开除党籍")
    # 停止党籍: a member out of contact for six months or more whose membership is suspended
    # (党章 / 《中国共产党党员权利保障条例》); recorded by organs, restorable.
    SUSPENDED = "suspended", _("停止党籍")


class DatePrecision(models.TextChoices):
    """How much of a date is known: old rosters often give only the month (1985.03)."""

    DAY = "day", _("日")
    MONTH = "month", _("月")


def _label(choices: type[models.TextChoices], value: str) -> str:
    """The translated label of one value, or the value itself when it is not a choice."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# 资料不全: a member record lacking one of these (a roster without 民族 or 入党时间 columns is
# imported all the same). The one definition, used by the dashboard panel, the secretary's
# to-do, the member list's filter and the member page (Member.missing_fields).
INCOMPLETE_FIELDS = (
    "ethnicity",
    "joined_on",
    "full_member_on",  # of a full member only (a probationary member has none yet)
    "education",
    "unit",
    "phone_masked",
)


def incomplete_condition() -> Q:
    """The members whose record is 资料不全 (INCOMPLETE_FIELDS), as one condition."""
    return (
        Q(ethnicity="")
        | Q(joined_on__isnull=True)
        | Q(category=MemberCategory.FULL, full_member_on__isnull=True)
        | Q(education="")
        | Q(unit="")
        | Q(phone_masked="")
    )


class MemberQuerySet(policy.ScopedQuerySet):
    def incomplete(self):
        """Members whose record is 资料不全 (INCOMPLETE_FIELDS)."""
        return self.filter(incomplete_condition())

    def in_subtree(self, organisation):
        return self.filter(organisation__in=policy.subtree_ids(organisation.path))

    def with_id_number(self, id_number: str):
        return self.filter(id_number_digest=crypto.digest(id_number))

    def with_phone(self, phone: str):
        """Members with this phone, in the builder's stored form (13887654321, 0887-8221234)."""
        return self.filter(phone_digest=crypto.digest(phone))


# The probationary rule's one message: the constraint's and the member builder's.
PROBATIONARY_FULL_DATE_MESSAGE = _("人员类别为预备党员时不应填写转正日期。")


class Member(ConstraintErrorsOnFields, models.Model):
    """党员: one row of the 花名册 (roster), kept once and reused by every app."""

    name = models.CharField(_("姓名"), max_length=64)
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices)
    # 民族 and 入党日期 may be missing from a roster: the member is imported all the same and
    # listed as 资料不全 (INCOMPLETE_FIELDS) until someone completes the record.
    ethnicity = models.CharField(_("民族"), max_length=2, choices=Ethnicity.choices, blank=True)
    birth_date = models.DateField(_("出生日期"))
    # 身份证号: Fernet token; never stored in clear. Lookups go through the keyed digest.
    id_number_encrypted = models.TextField(_("身份证号码（密文）"), editable=False)
    id_number_digest = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    id_last4 = models.CharField(max_length=4, db_index=True, editable=False)
    education = models.CharField(_("学历"), max_length=32, choices=Education.choices, blank=True)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    # Month-only dates are stored as the 1st of the month, flagged so they show as 1985-03.
    joined_on_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY, editable=False
    )
    full_member_on_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY, editable=False
    )
    category = models.CharField(
        _("人员类别"), max_length=16, choices=MemberCategory.choices, default=MemberCategory.FULL
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="members", verbose_name=_("所在党组织")
    )
    unit = models.CharField(_("工作单位"), max_length=120, blank=True)
    post = models.CharField(_("职务"), max_length=120, blank=True)
    # 联系电话: like the ID number, a Fernet token with its digest (a search by the full
    # number) and the mask shown on screen; `phone` is the clear value, read and set in code.
    phone_encrypted = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    status = models.CharField(
        _("党籍状态"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    # Search keys the member builder derives from the name: pinyin and initials (扎西·次仁 → zxcr).
    name_pinyin = models.CharField(max_length=200, editable=False, db_index=True)
    name_initials = models.CharField(max_length=32, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()
    # Scoping (organisations.policy): by organisation; a member sees their own record.
    organisation_path = "organisation"
    member_path = ""
    # Re-encrypted by `manage.py rotate_encryption_key` (core.crypto): token → its digest.
    encrypted_fields = {
        "id_number_encrypted": "id_number_digest",
        "phone_encrypted": "phone_digest",
    }

    constraint_fields = {"probationary_full_date": "full_member_on"}

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["name_pinyin", "id"]
        indexes = [
            models.Index(fields=["organisation", "status", "name_pinyin"]),
            # The roster in its order. The search keys, the organisation and the list's quick
            # filters ride along, so a pinyin search (bounded by its first letter, see
            # filters.search_members), a name search, a secretary's subtree or 性别 / 党员类别
            # is sifted in this index (the page's keys are read first, selectors.
            # MemberPaginator), and only the members shown are read from the table.
            models.Index(
                fields=[
                    *("status", "name_pinyin", "id", "name_initials", "name", "organisation"),
                    *("sex", "category"),
                ]
            ),
            models.Index(fields=["joined_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(category="probationary") | Q(full_member_on__isnull=True),
                name="probationary_has_no_full_member_date",
                violation_error_code="probationary_full_date",
                violation_error_message=PROBATIONARY_FULL_DATE_MESSAGE,
            )
        ]

    def __str__(self) -> str:
        return self.name

    # Django's generated get_FOO_display() rebuilds a dict of every choice on each call, and
    # hashing a lazy label translates it: 56 ethnicities × 50 rows was thousands of gettext
    # calls per roster page (and millions per export). These look the one value up instead.
    def get_sex_display(self) -> str:
        return _label(Sex, self.sex)

    def get_ethnicity_display(self) -> str:
        return _label(Ethnicity, self.ethnicity)

    def get_education_display(self) -> str:
        return _label(Education, self.education)

    def get_category_display(self) -> str:
        return _label(MemberCategory, self.category)

    def get_status_display(self) -> str:
        return _label(MemberStatus, self.status)

    def missing_fields(self) -> list[str]:
        """The names of the INCOMPLETE_FIELDS this record lacks (empty: the record is complete).
        Reads only those fields and the category."""
        missing = []
        for name in INCOMPLETE_FIELDS:
            if name == "full_member_on" and self.category != MemberCategory.FULL:
                continue
            if getattr(self, name) in (None, ""):
                missing.append(name)
        return missing

    def missing_labels(self) -> list[str]:
        """The labels of the fields this record lacks (民族, 入党日期, …)."""
        return [str(self._meta.get_field(name).verbose_name) for name in self.missing_fields()]

    @property
    def is_incomplete(self) -> bool:
        return bool(self.missing_fields())

    @property
    def id_number(self) -> str:
        """The clear ID number. Callers show it only through the audited reveal service."""
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        """The clear phone number (decrypted once per stored token)."""
        cached = self.__dict__.get("_phone_clear")
        if cached is not None and cached[0] == self.phone_encrypted:
            return cached[1]
        clear = crypto.decrypt(self.phone_encrypted)
        self.__dict__["_phone_clear"] = (self.phone_encrypted, clear)
        return clear

    @phone.setter
    def phone(self, value: str | None) -> None:
        self.set_phone(value or "")

    def set_phone(self, phone: str) -> None:
        """Store `phone` (normalised by the member builder) encrypted, with digest and mask."""
        self.phone_encrypted = crypto.encrypt(phone)
        self.phone_digest = crypto.digest(phone) if phone else ""
        self.phone_masked = mask_phone(phone)[:20]
        self.__dict__["_phone_clear"] = (self.phone_encrypted, phone)

    def set_id_number(self, number: str) -> None:
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_digest = crypto.digest(number)
        self.id_number_masked = mask_id_number(number)
        self.id_last4 = number[-4:]


class MembershipPeriod(models.Model):
    """组织关系记录: which organisation a member belonged to, from when to when."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="periods")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    started_on = models.DateField(_("起始日期"))
    ended_on = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = policy.ScopedQuerySet.as_manager()
    # Scoping: a period is seen with its member (where the member is now), not by the
    # organisation it records, which may lie outside the reader's subtree.
    organisation_path = "member__organisation"
    member_path = "member"

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("组织关系记录")
        verbose_name_plural = _("组织关系记录")

    def __str__(self) -> str:
        return f"{self.member} @ {self.organisation}"


class PositionTitle(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")
    COMMITTEE_MEMBER = "committee_member", _("委员")


class PositionQuerySet(policy.ScopedQuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)

    def in_rank_order(self):
        """书记, 副书记, 委员 — the order a committee is listed in — then by term start."""
        rank = models.Case(
            *(
                models.When(title=title, then=models.Value(n))
                for n, title in enumerate(PositionTitle.values)
            ),
            output_field=models.IntegerField(),
        )
        return self.alias(rank=rank).order_by("rank", "term_start", "pk")


class Position(ConstraintErrorsOnFields, models.Model):
    """班子成员职务: a member's seat on an organisation's committee, for one term."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="positions", verbose_name=_("党组织")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="positions", verbose_name=_("党员")
    )
    title = models.CharField(_("职务"), max_length=20, choices=PositionTitle.choices)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期届满"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)

    objects = PositionQuerySet.as_manager()
    # Scoping: by organisation; a member sees the committee of their own organisation.
    organisation_path = "organisation"

    constraint_fields = {"term_order": "term_end"}

    class Meta:
        ordering = ["organisation", "title", "term_start"]
        verbose_name = _("班子成员")
        verbose_name_plural = _("班子成员")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")),
                name="term_ends_after_start",
                violation_error_code="term_order",
                violation_error_message=_("任期届满日期必须晚于任期开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_title_display()} {self.member}"

    def term_status_on(self, day: date) -> TermStatus:
        return term_status(self.term_end, day)

    @property
    def term_status(self) -> TermStatus:
        """Today's status of the term (ended, ending soon, current)."""
        return self.term_status_on(timezone.localdate())
