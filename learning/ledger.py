"""The rules of the study-hour requirement (DESIGN.md §5), in one place.

Every member needs 32 hours a year; branch secretaries and committee members (anyone holding a
committee seat: 书记, 副书记, 委员) need 56. The role that counts is the one held on 1 January
of the year: a member who takes or leaves a seat within the year keeps that year's
requirement, and the change applies from the next year. The explanation says so."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from organisations.models import Member, Position

from .models import CADRE_YEARLY_HOURS, MEMBER_YEARLY_HOURS


def seat_held_on(day: date) -> Q:
    """Positions held on `day` (started, not yet left; a term past its end still holds until
    the member actually leaves the seat at the 换届)."""
    return Q(term_start__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def holds_seat_on_subquery(day: date, member_ref: str = "pk") -> Exists:
    return Exists(Position.objects.filter(seat_held_on(day), member_id=OuterRef(member_ref)))


@dataclass(frozen=True)
class Requirement:
    year: int
    hours: Decimal
    reason: str
    changes: list[str] = field(default_factory=list)


def positions_between(member: Member, start: date, end: date) -> list[Position]:
    """The member's positions held at some time between `start` and `end`: one query."""
    return list(
        Position.objects.filter(member=member, term_start__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .select_related("organisation")
        .order_by("term_start", "pk")
    )


def requirement_for(
    member: Member, year: int, *, positions: list[Position] | None = None
) -> Requirement:
    """The member's requirement for `year`, with why, and any change of role within it.
    `positions`: the member's positions already read (any superset of those held within the
    year, in order of term_start), so a page that needs them elsewhere reads them once."""
    start = date(year, 1, 1)
    end = date(year, 12, 31)
    if positions is None:
        positions = positions_between(member, start, end)
    held = [
        p
        for p in positions
        if p.term_start <= start and (p.ended_on is None or p.ended_on >= start)
    ]
    if held:
        seat = held[0]
        hours = CADRE_YEARLY_HOURS
        reason = _(
            "%(year)s年1月1日任%(org)s%(title)s，按党组织书记和班子成员要求计 %(hours)s 学时。"
        ) % {
            "year": year,
            "org": seat.organisation.name,
            "title": seat.get_title_display(),
            "hours": hours,
        }
    else:
        hours = MEMBER_YEARLY_HOURS
        reason = _("%(year)s年1月1日未担任班子职务，按党员要求计 %(hours)s 学时。") % {
            "year": year,
            "hours": hours,
        }
    changes = []
    for p in positions:
        if start < p.term_start <= end:
            changes.append(
                _(
                    "%(day)s起任%(org)s%(title)s：本年度要求不变，"
                    "自%(next)s年起按 %(hours)s 学时计。"
                )
                % {
                    "day": p.term_start.isoformat(),
                    "org": p.organisation.name,
                    "title": p.get_title_display(),
                    "next": year + 1,
                    "hours": CADRE_YEARLY_HOURS,
                }
            )
        if p.ended_on is not None and start <= p.ended_on < end:
            changes.append(
                _("%(day)s离任%(org)s%(title)s：本年度仍按年初身份要求计。")
                % {
                    "day": p.ended_on.isoformat(),
                    "org": p.organisation.name,
                    "title": p.get_title_display(),
                }
            )
    return Requirement(year=year, hours=hours, reason=reason, changes=changes)


def expected_by(requirement: Decimal, year: int, today: date) -> Decimal:
    """Hours a member on track has by `today`: the requirement pro rata of the year elapsed."""
    if today.year < year:
        return Decimal(0)
    if today.year > year:
        return requirement
    days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    elapsed = (today - date(year, 1, 1)).days + 1
    return (requirement * elapsed / days).quantize(Decimal("0.01"))
