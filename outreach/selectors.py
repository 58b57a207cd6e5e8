"""Reads of the party–masses channel. Handler reads start from `visible_to`; the public reads
(answered list, statistics, open wishes, consultations) are public by design and show only
de-identified text (deidentify.scrub) through `PublicRequest`."""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from core.actors import Actor

from .deidentify import scrub
from .models import (
    OPEN_STATES,
    Consultation,
    ConsultationResponse,
    Rating,
    Request,
    RequestKind,
    RoutingRule,
    Status,
)


def _base(qs: QuerySet) -> QuerySet:
    return qs.select_related("category", "area", "organisation")


def handler_requests(
    actor: Actor, *, status: str = "", overdue: bool = False, kind: str = "", q: str = ""
) -> QuerySet:
    """What a handler works on: their subtree's requests out of moderation, newest first."""
    qs = _base(Request.objects.visible_to(actor).handled())
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if overdue:
        now = timezone.now()
        qs = qs.filter(
            Q(status=Status.RECEIVED, accept_due__lt=now)
            | Q(status__in=OPEN_STATES, answer_due__lt=now)
        )
    if q:
        qs = qs.filter(Q(code=q.upper()) | Q(title__icontains=q))
    return qs


def triage_queue(actor: Actor) -> QuerySet:
    """分办队列: requests no rule matched (no organisation yet). Only the committee sees them."""
    return _base(Request.objects.visible_to(actor).handled()).filter(
        organisation__isnull=True, status__in=OPEN_STATES
    )


def moderation_queue(actor: Actor, *, spam: bool = False) -> QuerySet:
    return _base(Request.objects.visible_to(actor)).filter(
        status=Status.SPAM if spam else Status.HELD
    )


def request_history(req: Request) -> QuerySet:
    return req.entries.select_related("actor")


def rules(actor: Actor) -> QuerySet:
    return RoutingRule.objects.visible_to(actor).select_related("category", "area", "organisation")


def open_counts(actor: Actor) -> dict[str, int]:
    """For the handler's to-do: open, overdue, to accept; one query."""
    now = timezone.now()
    return Request.objects.visible_to(actor).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATES)),
        overdue=Count(
            "pk",
            filter=Q(status=Status.RECEIVED, accept_due__lt=now)
            | Q(status__in=OPEN_STATES, answer_due__lt=now),
        ),
        to_accept=Count("pk", filter=Q(status=Status.RECEIVED)),
        held=Count("pk", filter=Q(status=Status.HELD)),
        triage=Count("pk", filter=Q(status__in=OPEN_STATES, organisation__isnull=True)),
    )


# --- public ------------------------------------------------------------------------------------


@dataclass
class PublicRequest:
    """What a public page may show of a request: de-identified text, no name, no phone."""

    code: str
    kind: str
    category: str
    area: str
    organisation: str
    title: str
    text: str
    answer: str
    status: str
    submitted_at: datetime
    answered_at: datetime | None
    rating: str


def public_view(req: Request, *, with_code: bool = False) -> PublicRequest:
    names = (req.name,) if req.name else ()
    return PublicRequest(
        code=req.code if with_code else "",
        kind=req.kind,
        category=req.category.name,
        area=req.area.name,
        organisation=req.organisation.name if req.organisation else "",
        title=scrub(req.title, names=names),
        text=scrub(req.text, names=names),
        answer=scrub(req.public_answer, names=names) if req.answer_approved else "",
        status=str(req.public_status_label),
        submitted_at=req.submitted_at,
        answered_at=req.answered_at if req.answer_approved else None,
        rating=req.get_rating_display() if req.rating else "",
    )


def public_answered(*, category: str = "", organisation: str = "") -> QuerySet:
    qs = _base(Request.objects.public()).order_by("-answered_at")
    if category.isdigit():
        qs = qs.filter(category_id=int(category))
    if organisation.isdigit():
        qs = qs.filter(organisation_id=int(organisation))
    return qs


def open_wishes() -> QuerySet:
    """微心愿 waiting for a member, and those being fulfilled (shown as claimed)."""
    return _base(
        Request.objects.filter(
            kind=RequestKind.WISH,
            status__in=[Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS],
        )
    ).order_by("claimed_at", "-submitted_at")


def period_bounds(year: int, quarter: int | None) -> tuple[datetime, datetime]:
    if quarter:
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end, time.min, tzinfo=tz),
    )


def statistics(
    *, start: datetime, end: datetime, organisation_ids: Any = None
) -> list[dict[str, Any]]:
    """Per organisation over [start, end): received, answered, answered on time, satisfaction
    (满意 + 基本满意 among the rated). One query; no people are ranked, organisations are listed
    by name."""
    qs = Request.objects.handled().filter(
        submitted_at__gte=start, submitted_at__lt=end, organisation__isnull=False
    )
    if organisation_ids is not None:
        qs = qs.filter(organisation_id__in=organisation_ids)
    rows = (
        qs.values("organisation_id", "organisation__name")
        .annotate(
            received=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            on_time=Count(
                "pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("answer_due"))
            ),
            rated=Count("pk", filter=~Q(rating="")),
            satisfied=Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.FAIRLY])),
            backlog=Count("pk", filter=Q(status__in=OPEN_STATES)),
        )
        .order_by("organisation__name")
    )
    result = []
    for row in rows:
        row["on_time_rate"] = _rate(row["on_time"], row["answered"])
        row["satisfaction"] = _rate(row["satisfied"], row["rated"])
        result.append(row)
    return result


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def organisation_indicators(
    actor: Actor, organisation: Any, *, start: datetime, end: datetime
) -> dict[str, Any]:
    """For the assessment's automatic indicators: answer-on-time rate, satisfaction and backlog
    of an organisation's subtree over a period (percentages, or None without data)."""
    from organisations.policy import subtree_ids

    qs = (
        Request.objects.visible_to(actor)
        .handled()
        .filter(
            organisation_id__in=subtree_ids(organisation.path),
            submitted_at__gte=start,
            submitted_at__lt=end,
        )
    )
    row = qs.aggregate(
        received=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        on_time=Count("pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("answer_due"))),
        rated=Count("pk", filter=~Q(rating="")),
        satisfied=Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.FAIRLY])),
        backlog=Count("pk", filter=Q(status__in=OPEN_STATES)),
    )
    row["on_time_rate"] = _rate(row["on_time"], row["answered"])
    row["satisfaction"] = _rate(row["satisfied"], row["rated"])
    return row


def public_consultations() -> QuerySet:
    return (
        Consultation.objects.published()
        .select_related("organisation")
        .annotate(response_count=Count("responses", filter=Q(responses__held=False)))
    )


def handler_consultations(actor: Actor) -> QuerySet:
    return (
        Consultation.objects.visible_to(actor)
        .select_related("organisation")
        .annotate(
            response_count=Count("responses", filter=Q(responses__held=False)),
            held_count=Count("responses", filter=Q(responses__held=True)),
        )
        .order_by("-deadline", "pk")
    )


def consultation_responses(consultation: Consultation) -> QuerySet:
    return ConsultationResponse.objects.filter(consultation=consultation).select_related("area")


def consultation_digest(consultation: Consultation) -> dict[str, Any]:
    """The figures the organisation sees at a glance: responses (valid and held), per area and
    per day; one query each, grouped in the database."""
    responses = ConsultationResponse.objects.filter(consultation=consultation)
    totals = responses.aggregate(
        valid=Count("pk", filter=Q(held=False)), held=Count("pk", filter=Q(held=True))
    )
    by_area = list(
        responses.filter(held=False)
        .values("area__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "area__name")[:20]
    )
    return {**totals, "by_area": by_area}
