"""Reads of organisational life. Every page reads a fixed number of queries; the compliance
pages read the summary table (ComplianceResult), never the meetings themselves."""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.actors import Actor
from organisations import policy
from organisations.models import Member, Organisation

from .models import (
    Attendance,
    ComplianceResult,
    ComplianceRollup,
    ComplianceStatus,
    Decision,
    Meeting,
    MeetingKind,
    MeetingOrganisation,
    MeetingStatus,
    RuleSet,
)
from .periods import short_label

DONE = (ComplianceStatus.HELD, ComplianceStatus.LOW_ATTENDANCE)
DUE = (*DONE, ComplianceStatus.MISSING)


def meetings_visible(user: Actor) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user)


def meeting_list(user: Actor, params: Any) -> tuple[dict[str, Any], QuerySet[Meeting]]:
    """The visible meetings, filtered by organisation (its subtree, joint meetings included),
    kind, status and a date range."""
    queryset = meetings_visible(user).select_related("organisation")
    chosen: dict[str, Any] = {}
    organisation_id = _int(params.get("organisation"))
    if organisation_id:
        organisation = Organisation.objects.visible_to(user).filter(pk=organisation_id).first()
        if organisation is not None:
            chosen["organisation"] = organisation
            under = Organisation.objects.filter(path__startswith=organisation.path).values("pk")
            queryset = queryset.filter(
                pk__in=MeetingOrganisation.objects.filter(organisation__in=under).values(
                    "meeting_id"
                )
            )
    kind = params.get("kind")
    if kind in MeetingKind.values:
        chosen["kind"] = kind
        queryset = queryset.filter(kind=kind)
    status = params.get("status")
    if status in MeetingStatus.values:
        chosen["status"] = status
        queryset = queryset.filter(status=status)
    for name, lookup in (("from", "starts_at__gte"), ("to", "starts_at__lt")):
        day = _date(params.get(name))
        if day is not None:
            chosen[name] = day
            if name == "to":
                day += timedelta(days=1)
            moment = timezone.make_aware(datetime.combine(day, time.min))
            queryset = queryset.filter(**{lookup: moment})
    return chosen, queryset.order_by("-starts_at", "-id")


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return None
    return day if date(1921, 7, 1) <= day <= date(2999, 12, 31) else None


def meeting_detail(user: Actor, pk: int) -> Meeting | None:
    return (
        meetings_visible(user)
        .select_related("organisation", "host", "recorder")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=MeetingOrganisation.objects.select_related("organisation"),
            ),
            Prefetch("decisions", queryset=Decision.objects.order_by("id")),
            "attachments",
        )
        .filter(pk=pk)
        .first()
    )


def attendance_of(meeting: Meeting) -> list[Attendance]:
    return list(
        meeting.attendances.select_related("member").order_by("member__name_pinyin", "member_id")
    )


@dataclass
class Day:
    day: date
    in_month: bool
    meetings: list[Meeting] = field(default_factory=list)


def month_calendar(user: Actor, year: int, month: int) -> list[list[Day]]:
    """Weeks (Monday first) of the month with the visible meetings on their days (1 query)."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    by_day: dict[date, list[Meeting]] = defaultdict(list)
    for meeting in (
        meetings_visible(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("organisation")
        .order_by("starts_at")
    ):
        by_day[timezone.localdate(meeting.starts_at)].append(meeting)
    return [[Day(d, d.month == month, by_day.get(d, [])) for d in week] for week in weeks]


def attendance_history(member: Member) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(member=member)
        .select_related("meeting", "meeting__organisation")
        .order_by("-meeting__starts_at")
    )


def member_meetings(member: Member, *, since: date) -> QuerySet[Meeting]:
    """Meetings a member is asked to or did attend (the .ics feed): those of the organisations
    they belong to now, and those they are recorded at."""
    start = timezone.make_aware(datetime.combine(since, time.min))
    own = MeetingOrganisation.objects.filter(organisation_id=member.organisation_id).values(
        "meeting_id"
    )
    attended = Attendance.objects.filter(member=member).values("meeting_id")
    return (
        Meeting.objects.filter(Q(pk__in=own) | Q(pk__in=attended), starts_at__gte=start)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("starts_at")
    )


# --- compliance -----------------------------------------------------------------------------


@dataclass
class Cell:
    result: ComplianceResult
    label: str


@dataclass
class RuleRow:
    kind: str
    label: str
    frequency: str
    rule_name: str
    cells: list[Cell]


def own_cells(organisation: Organisation, year: int) -> list[RuleRow]:
    """The organisation's own cells of the year, one row per meeting kind (1 query)."""
    results = (
        ComplianceResult.objects.filter(organisation=organisation, period_start__year=year)
        .select_related("rule", "rule__rule_set", "rule__rule_set__organisation")
        .order_by("meeting_kind", "period_start")
    )
    rows: dict[str, RuleRow] = {}
    order = {k: n for n, k in enumerate(MeetingKind.values)}
    for result in results:
        rule = result.rule
        row = rows.get(result.meeting_kind)
        if row is None:
            rule_set = rule.rule_set
            owner = rule_set.organisation.name if rule_set.organisation else ""
            row = rows[result.meeting_kind] = RuleRow(
                kind=result.meeting_kind,
                label=str(MeetingKind(result.meeting_kind).label),
                frequency=rule.frequency,
                rule_name=f"{owner}{rule_set.display_name} v{rule_set.version}",
                cells=[],
            )
        row.cells.append(Cell(result, short_label(rule.frequency, result.period_start)))
    return sorted(rows.values(), key=lambda r: order.get(r.kind, 99))


@dataclass
class Rollup:
    organisation: Organisation | None
    organisations: int = 0
    compliant: int = 0
    due_cells: int = 0
    done_cells: int = 0
    missing_cells: int = 0
    low_cells: int = 0
    invalid_decisions: int = 0

    @property
    def share(self) -> Decimal | None:
        """Share of organisations with no missing meeting (in %)."""
        if not self.organisations:
            return None
        return (Decimal(self.compliant * 100) / self.organisations).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )

    @property
    def rate(self) -> Decimal | None:
        """Share of due cells held (in %)."""
        if not self.due_cells:
            return None
        return (Decimal(self.done_cells * 100) / self.due_cells).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


def _rollup(organisation: Organisation, row: "ComplianceRollup | None") -> Rollup:
    rollup = Rollup(organisation)
    if row is not None:
        rollup.organisations = row.organisations
        rollup.compliant = row.compliant
        rollup.due_cells = row.due_cells
        rollup.done_cells = row.done_cells
        rollup.missing_cells = row.missing_cells
        rollup.low_cells = row.low_cells
        rollup.invalid_decisions = row.invalid
    return rollup


def _year_results(user: Actor, year: int) -> QuerySet[ComplianceResult]:
    return ComplianceResult.objects.visible_to(user).filter(
        period_start__gte=date(year, 1, 1), period_start__lte=date(year, 12, 31)
    )


def subtree_rollup(organisation: Organisation, year: int) -> Rollup:
    """The whole subtree's figures, read from the summary (1 query)."""
    row = ComplianceRollup.objects.filter(organisation=organisation, year=year).first()
    return _rollup(organisation, row)


def rollup_for(user: Actor, organisation: Organisation, year: int) -> Rollup:
    """The roll-up `user` may read: the subtree's for whoever reads the subtree, else (a
    member) the organisation's own cells only (1 query)."""
    if policy.sees_subtree(user):
        return subtree_rollup(organisation, year)
    row = ComplianceRollup.objects.visible_to(user).filter(organisation=organisation, year=year)
    found = row.first()
    rollup = Rollup(organisation)
    if found is not None:
        rollup.organisations = 1 if found.own_due else 0
        rollup.compliant = 1 if found.own_due and not found.own_missing else 0
        rollup.due_cells = found.own_due
        rollup.done_cells = found.own_done
        rollup.missing_cells = found.own_missing
        rollup.low_cells = found.own_low
        rollup.invalid_decisions = found.own_invalid
    return rollup


def child_rollups(user: Actor, organisation: Organisation, year: int) -> list[Rollup]:
    """One row per visible child organisation with its subtree's figures (2 queries)."""
    children = list(
        Organisation.objects.visible_to(user)
        .filter(path__startswith=organisation.path, depth=organisation.depth + 1)
        # One dissolved on or before 1 January is gone from that year (meetings.compliance).
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=date(year, 1, 1)))
        .only("pk", "name", "path", "depth")
        .order_by("path")
    )
    if not children:
        return []
    rows = {
        row.organisation_id: row
        for row in ComplianceRollup.objects.filter(
            year=year, organisation__in=[c.pk for c in children]
        )
    }
    return [_rollup(child, rows.get(child.pk)) for child in children]


def gaps(
    user: Actor, organisation: Organisation, year: int, *, limit: int = 50
) -> list[ComplianceResult]:
    """The missing cells of the subtree that `user` may see, oldest first (1 query)."""
    return list(
        _year_results(user, year)
        .filter(
            organisation__path__startswith=organisation.path,
            status=ComplianceStatus.MISSING,
        )
        .select_related("organisation", "rule")
        .only(
            "organisation_id",
            "meeting_kind",
            "period_start",
            "period_end",
            "organisation__name",
            "rule__meeting_kind",
            "rule__frequency",
        )
        .order_by("period_start", "organisation_id", "meeting_kind")[:limit]
    )


def invalid_decisions(
    user: Actor, organisation: Organisation, year: int, *, limit: int = 50
) -> list[Decision]:
    """The subtree's invalid decisions that `user` may see, newest first (1 query)."""
    return list(
        Decision.objects.visible_to(user)
        .filter(
            outcome="invalid",
            meeting__organisation__path__startswith=organisation.path,
            meeting__starts_at__year=year,
        )
        .select_related("meeting", "meeting__organisation")
        .order_by("-meeting__starts_at")[:limit]
    )


def compliance_rows(
    user: Actor, organisation: Organisation, year: int
) -> QuerySet[ComplianceResult]:
    """Every cell of the subtree that `user` may see, for the .xlsx table and the API."""
    return (
        _year_results(user, year)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation", "rule", "rule__rule_set")
        .order_by("organisation__path", "meeting_kind", "period_start")
    )


# --- for other apps (assessments): automatic indicators -------------------------------------


def compliance_rate(organisation: Organisation, *, year: int) -> Decimal | None:
    """组织生活落实率: the share (0–100, one decimal) of the subtree's due cells of `year` in
    which the meetings were held; None when nothing was due. Read by the assessment app as an
    automatic indicator; it counts records of meetings only (no check-ins, photos or time)."""
    return subtree_rollup(organisation, year).rate


def compliance_rates(organisation_ids: list[int], *, year: int) -> dict[int, Decimal | None]:
    """The same rate for each organisation's own cells (1 query)."""
    out: dict[int, Decimal | None] = dict.fromkeys(organisation_ids)
    for row in ComplianceRollup.objects.filter(year=year, organisation_id__in=organisation_ids):
        if row.own_due:
            out[row.organisation_id] = (Decimal(row.own_done * 100) / row.own_due).quantize(
                Decimal("0.1"), ROUND_HALF_UP
            )
    return out


def rule_sets(user: Actor) -> QuerySet[RuleSet]:
    return (
        RuleSet.objects.filter(
            Q(organisation__isnull=True) | Q(pk__in=RuleSet.objects.visible_to(user).values("pk"))
        )
        .select_related("organisation")
        .prefetch_related("rules")
        .order_by("organisation__path", "-version")
    )
