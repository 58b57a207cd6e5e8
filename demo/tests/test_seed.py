import pytest
from django.db import transaction

from accounts.models import Role, User
from demo.seeding import seed
from organisations.id_numbers import parse_id_number
from organisations.models import Member, Organisation, OrganisationKind

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _seeded_names(members: int) -> list[str]:
    try:
        with transaction.atomic():
            seed(members=members)
            names = list(Member.objects.order_by("id").values_list("name", flat=True))
            raise _Undo
    except _Undo:
        return names


def test_seed_is_deterministic():
    assert _seeded_names(120) == _seeded_names(120)


def test_demo_prefecture_shape():
    result = seed(members=300)
    assert 75 <= result.organisations <= 90
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == {k.value for k in OrganisationKind}
    assert Member.objects.count() == 300
    for member in Member.objects.all()[:100]:
        info = parse_id_number(member.id_number)
        assert info.region_code.startswith("5334")
        assert (info.sex, info.birth_date) == (member.sex, member.birth_date)
    tibetan = Member.objects.filter(ethnicity="04")
    assert tibetan.exists()
    assert all("·" in name for name in tibetan.values_list("name", flat=True))
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    secretary = User.objects.get(username="secretary_a")
    assert Member.objects.visible_to(secretary).count() < 300


def test_the_demo_member_has_a_wish_in_hand_and_one_fulfilled(client):
    """Walking the demo as `member`, 我认领的心愿 is not empty: one wish claimed and waiting,
    one fulfilled."""
    from django.urls import reverse

    from outreach.models import Request, RequestKind, Status

    seed(members=300)
    user = User.objects.get(username="member")
    wishes = Request.objects.filter(kind=RequestKind.WISH, claimed_by=user.member)
    assert sorted(wishes.values_list("status", flat=True)) == sorted(
        [Status.IN_PROGRESS, Status.ANSWERED]
    )
    for wish in wishes:
        assert wish.submitted_at < wish.claimed_at
    client.force_login(user)
    body = client.get(reverse("outreach:my_wishes")).content.decode()
    for wish in wishes:
        assert wish.title in body


def test_demo_has_a_dissolved_branch_with_its_history():
    from datetime import date

    from django.utils import timezone

    from audit.models import AuditEvent
    from meetings.models import ComplianceResult, ComplianceRollup, Meeting
    from organisations.models import MembershipPeriod

    seed(members=300)
    branch = Organisation.objects.get(dissolved_on__isnull=False)
    year = timezone.localdate().year - 1
    assert branch.dissolved_on == date(year, 8, 15) and not branch.is_active
    assert not Member.objects.filter(organisation=branch).exists()
    moved = MembershipPeriod.objects.filter(organisation=branch, ended_on=branch.dissolved_on)
    assert moved.count() >= 3
    assert Meeting.objects.filter(organisation=branch).exists()
    assert not Meeting.objects.filter(
        organisation=branch, starts_at__date__gte=branch.dissolved_on
    ).exists()
    event = AuditEvent.objects.get(target_id=str(branch.pk), action="update")
    assert event.changes["dissolved_on"] == [None, branch.dissolved_on.isoformat()]
    cells = ComplianceResult.objects.filter(organisation=branch, meeting_kind="theme_day")
    assert cells.get(period_start=date(year, 5, 1)).status == "missing"
    assert cells.get(period_start=date(year, 8, 1)).status == "not_applicable"
    assert not cells.filter(period_start__gt=date(year, 8, 1)).exists()
    assert not ComplianceRollup.objects.filter(organisation=branch, year=year + 1).exists()


def test_some_demo_records_are_incomplete():
    """资料不全: a few demo members came from a roster without 民族 or 入党时间 (the to-do and
    the member list's filter have something to show)."""
    seed(members=600)
    incomplete = Member.objects.filter(ethnicity="") | Member.objects.filter(joined_on=None)
    assert 1 <= incomplete.count() <= 30
    assert all(m.is_incomplete for m in incomplete)
    assert all(m.periods.exists() for m in incomplete.filter(joined_on=None))
