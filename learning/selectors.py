"""Reads of the learning app. Pages and other apps read study hours here, from the yearly
totals (`StudyYearTotal`), never by summing the ledger on a page view."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.actors import Actor
from organisations import policy
from organisations.models import Member, MemberStatus, Organisation

from .ledger import Requirement, expected_by, holds_seat_on_subquery, requirement_for
from .models import CADRE_YEARLY_HOURS, MEMBER_YEARLY_HOURS, StudyRecord, StudyYearTotal

STATUS_LABELS = {"done": _("已完成"), "on_track": _("进度正常"), "behind": _("进度滞后")}


def member_year_hours(member: Member, year: int) -> Decimal:
    """The member's study hours in `year` (from the yearly total)."""
    total = StudyYearTotal.objects.filter(member=member, year=year).values_list("hours", flat=True)
    return next(iter(total), Decimal(0))


def progress_status(hours: Decimal, requirement: Decimal, year: int, today: date) -> str:
    if hours >= requirement:
        return "done"
    if today.year <= year and hours >= expected_by(requirement, year, today):
        return "on_track"
    return "behind"


@dataclass(frozen=True)
class MemberYear:
    member: Member
    year: int
    hours: Decimal
    requirement: Requirement
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def percent(self) -> int:
        if not self.requirement.hours:
            return 100
        return min(100, int(self.hours * 100 / self.requirement.hours))

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(0), self.requirement.hours - self.hours)


def member_year(member: Member, year: int, today: date | None = None) -> MemberYear:
    today = today or timezone.localdate()
    hours = member_year_hours(member, year)
    requirement = requirement_for(member, year)
    return MemberYear(
        member=member,
        year=year,
        hours=hours,
        requirement=requirement,
        status=progress_status(hours, requirement.hours, year, today),
    )


def member_records(user: Actor, member: Member, year: int) -> QuerySet[StudyRecord]:
    """The ledger entries of `member` in `year` the user may read, newest first."""
    return (
        StudyRecord.objects.visible_to(user)
        .filter(member=member, year=year)
        .select_related("organisation", "reverses")
        .order_by("-on", "-id")
    )


def _members_with_hours(user: Actor, organisation: Organisation, year: int) -> QuerySet[Member]:
    """Active members in `organisation`'s subtree (as `user` sees them), each annotated with
    their hours in `year` and their requirement (by the seat held on 1 January)."""
    totals = StudyYearTotal.objects.filter(member=OuterRef("pk"), year=year).values("hours")[:1]
    money = DecimalField(max_digits=8, decimal_places=2)
    return (
        Member.objects.visible_to(user)
        .filter(organisation__in=policy.subtree_ids(organisation.path), status=MemberStatus.ACTIVE)
        .annotate(
            year_hours=Coalesce(
                Subquery(totals, output_field=money), Value(Decimal(0)), output_field=money
            ),
            requirement=Case(
                When(holds_seat_on_subquery(date(year, 1, 1)), then=Value(CADRE_YEARLY_HOURS)),
                default=Value(MEMBER_YEARLY_HOURS),
                output_field=money,
            ),
        )
    )


@dataclass(frozen=True)
class OrganisationProgress:
    organisation: object
    year: int
    members: int
    done: int
    on_track: int
    behind: int

    @property
    def done_percent(self) -> int:
        return int(self.done * 100 / self.members) if self.members else 0


DONE_Q = Q(year_hours__gte=F("requirement"))


def _on_track_q(year: int, today: date) -> Q:
    """Not done, but at least the requirement pro rata of the year elapsed. In a past year a
    member is either done or behind; in a future year nobody is behind yet."""
    if today.year > year:
        return Q(pk__isnull=True)  # never: a key is never null (an empty IN would void the query)
    not_done = Q(year_hours__lt=F("requirement"))
    if today.year < year:
        return not_done
    fraction = expected_by(Decimal(10000), year, today) / Decimal(10000)
    return not_done & Q(year_hours__gte=F("requirement") * fraction)


def organisation_year_progress(
    user: Actor, organisation: Organisation, year: int, today: date | None = None
) -> OrganisationProgress:
    """Members of the subtree done, on track and behind against their requirement (32 or 56
    hours by the seat held on 1 January, DESIGN.md §5): one query, whatever the number of
    members. This is what assessment may read of study hours."""
    today = today or timezone.localdate()
    figures = _members_with_hours(user, organisation, year).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=DONE_Q),
        on_track=Count("pk", filter=_on_track_q(year, today)),
    )
    total, done, on_track = figures["total"], figures["done"], figures["on_track"]
    return OrganisationProgress(
        organisation=organisation,
        year=year,
        members=total,
        done=done,
        on_track=on_track,
        behind=total - done - on_track,
    )


def organisation_member_rows(
    user: Actor,
    organisation: Organisation,
    year: int,
    *,
    status: str = "",
    today: date | None = None,
) -> QuerySet[Member]:
    """The members of a subtree with their hours and requirement in `year`, for the
    secretary's list (paginated by the view); `status` keeps done / on_track / behind."""
    today = today or timezone.localdate()
    rows = _members_with_hours(user, organisation, year).select_related("organisation")
    if status == "done":
        rows = rows.filter(DONE_Q)
    elif status == "on_track":
        rows = rows.filter(_on_track_q(year, today))
    elif status == "behind":
        rows = rows.exclude(DONE_Q).exclude(_on_track_q(year, today))
    return rows.order_by("name_pinyin", "pk")
