"""Reads of the organisation tree and member registry, always starting from scoped querysets."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .models import Member, MemberCategory, MemberStatus, Organisation, Position

# Warn this many days before a committee's term ends (换届提醒).
TERM_WARNING_DAYS = 90


@dataclass(frozen=True)
class CategoryCounts:
    """Active members of an organisation's subtree, by category."""

    full: int
    probationary: int

    @property
    def total(self) -> int:
        return self.full + self.probationary


def organisation_tree(user) -> list[Organisation]:
    """Visible organisations in tree order, each with `member_count` (its own active members)
    and `subtree_count` (with everything below it). Two queries, whatever the tree's size."""
    organisations = list(Organisation.objects.visible_to(user).order_by("path"))
    direct = (
        dict(
            Member.objects.filter(
                status=MemberStatus.ACTIVE, organisation__in=[o.pk for o in organisations]
            )
            .values_list("organisation")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if organisations
        else {}
    )
    by_path = {o.path: o for o in organisations}
    for organisation in organisations:
        organisation.member_count = direct.get(organisation.pk, 0)
        organisation.subtree_count = 0
    step = Organisation.steplen
    for organisation in organisations:
        # Add each organisation's own members to itself and every visible ancestor.
        for end in range(step, len(organisation.path) + 1, step):
            ancestor = by_path.get(organisation.path[:end])
            if ancestor is not None:
                ancestor.subtree_count += organisation.member_count
    return organisations


def category_counts(organisation: Organisation) -> CategoryCounts:
    counts = (
        Member.objects.in_subtree(organisation)
        .filter(status=MemberStatus.ACTIVE)
        .aggregate(
            full=Count("pk", filter=Q(category=MemberCategory.FULL)),
            probationary=Count("pk", filter=Q(category=MemberCategory.PROBATIONARY)),
        )
    )
    return CategoryCounts(full=counts["full"], probationary=counts["probationary"])


def current_positions(organisation: Organisation):
    return (
        Position.objects.current()
        .filter(organisation=organisation)
        .select_related("member")
        .order_by("title", "term_start")
    )


def positions_ending(user, *, today: date | None = None, within_days: int = TERM_WARNING_DAYS):
    """Current positions whose term ends within `within_days` (or has already ended)."""
    today = today or timezone.localdate()
    return (
        Position.objects.visible_to(user)
        .current()
        .filter(term_end__lte=today + timedelta(days=within_days))
        .select_related("organisation", "member")
        .order_by("term_end")
    )


def member_list(user):
    """The base of the member list: visible members with what a row shows, no N+1."""
    return Member.objects.visible_to(user).select_related("organisation")


def member_detail_queryset(user):
    return Member.objects.visible_to(user).select_related("organisation")


def membership_history(member: Member):
    return member.periods.select_related("organisation")


@dataclass(frozen=True)
class ScopeSummary:
    """The figures at the top of the home page for someone who manages a subtree."""

    organisations: int
    members: CategoryCounts


def scope_summary(user) -> ScopeSummary | None:
    if not Organisation.objects.editable_by(user).exists():
        return None
    counts = (
        Member.objects.visible_to(user)
        .filter(status=MemberStatus.ACTIVE)
        .aggregate(
            full=Count("pk", filter=Q(category=MemberCategory.FULL)),
            probationary=Count("pk", filter=Q(category=MemberCategory.PROBATIONARY)),
        )
    )
    return ScopeSummary(
        organisations=Organisation.objects.visible_to(user).count(),
        members=CategoryCounts(full=counts["full"], probationary=counts["probationary"]),
    )
