"""Who is due at a meeting, as of its date, from the membership history and the committees.

- a committee meeting or a democratic life meeting: the committee (Positions held that day);
- a group meeting: the group's members; every other kind: the members of the organisation and
  of everything under it (a branch's groups), for each organisation taking part;
- heart-to-heart talks are a lighter record: nobody is due, those who took part are listed.

Probationary members, and members under 留党察看, attend without a vote."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from organisations.models import (
    Member,
    MemberCategory,
    MembershipPeriod,
    MemberStatus,
    Organisation,
    Position,
)

from .models import MeetingKind, VotingSuspension

COMMITTEE_KINDS = {MeetingKind.COMMITTEE_MEETING, MeetingKind.DEMOCRATIC_LIFE_MEETING}
NOBODY_DUE = {MeetingKind.HEART_TO_HEART}


@dataclass(frozen=True)
class Due:
    member: Member
    has_vote: bool


def _subtree_ids(organisations: list[Organisation]) -> QuerySet:
    where = Q()
    for organisation in organisations:
        where |= Q(path__startswith=organisation.path)
    return Organisation.objects.filter(where).order_by().values("pk")


def members_on(organisations: list[Organisation], day: date) -> QuerySet[Member]:
    """Members of the organisations' subtrees on `day`, by their membership history. A member
    with no recorded history counts where they are now, from the day they joined."""
    ids = _subtree_ids(organisations)
    covering = MembershipPeriod.objects.filter(
        member=OuterRef("pk"), organisation__in=ids, started_on__lte=day
    ).filter(Q(ended_on__gt=day) | Q(ended_on__isnull=True, member__status=MemberStatus.ACTIVE))
    any_period = MembershipPeriod.objects.filter(member=OuterRef("pk"))
    return Member.objects.filter(
        Q(Exists(covering))
        | (
            ~Exists(any_period)
            & Q(organisation__in=ids, status=MemberStatus.ACTIVE)
            # 入党日期 not yet recorded (资料不全): counted as now a member
            & (Q(joined_on__lte=day) | Q(joined_on__isnull=True))
        )
    )


def committee_on(organisations: list[Organisation], day: date) -> QuerySet[Member]:
    seats = Position.objects.filter(
        organisation__in=[o.pk for o in organisations], term_start__lte=day
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    return Member.objects.filter(pk__in=seats.values("member_id"))


def full_member_on(member: Member, day: date) -> bool:
    if member.category == MemberCategory.PROBATIONARY:
        return False
    return member.full_member_on is None or member.full_member_on <= day


def due_at(kind: str, organisations: list[Organisation], day: date) -> list[Due]:
    """The members due at a meeting of `kind` on `day`, each with whether they vote (3 queries)."""
    if kind in NOBODY_DUE:
        return []
    members = committee_on(organisations, day) if kind in COMMITTEE_KINDS else None
    if members is None:
        members = members_on(organisations, day)
    rows = list(members.order_by("name_pinyin", "pk"))
    return [Due(m, v) for m, v in zip(rows, voting(rows, day), strict=True)]


def voting(members: list[Member], day: date) -> list[bool]:
    """Whether each member votes on `day`: a full member not under 留党察看 (1 query)."""
    suspended = set(
        VotingSuspension.objects.filter(member__in=[m.pk for m in members], started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .values_list("member_id", flat=True)
    )
    return [full_member_on(m, day) and m.pk not in suspended for m in members]


def may_attend(organisations: list[Organisation], day: date) -> QuerySet[Member]:
    """Who may be recorded at all: the members of the organisations taking part on `day`."""
    return members_on(organisations, day)
