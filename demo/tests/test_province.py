"""The demo province (demo.province, `seed --tree province`): its shape, and that what it
writes in bulk is what the app itself would have written."""

import pytest
from django.db import transaction

from accounts.models import Role, User
from demo.seeding import seed
from organisations.filters import search_members
from organisations.id_numbers import parse_id_number
from organisations.members import MEMBER_FIELDS, prepare_member
from organisations.models import (
    Member,
    MembershipPeriod,
    Organisation,
    OrganisationKind,
    Position,
)

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _snapshot(members: int) -> list[tuple]:
    try:
        with transaction.atomic():
            seed(members=members, tree="province", workers=0)
            rows = list(
                Member.objects.order_by("id").values_list("name", "organisation__code", "sex")
            )
            raise _Undo
    except _Undo:
        return rows


def test_province_is_deterministic():
    assert _snapshot(400) == _snapshot(400)


def test_province_shape_and_rows():
    # (About one organisation per 13 members from ~20,000 on: 20,000 made 1,665. Below that
    # each of the 145 机关工委 still gets an organ, so small provinces are organisation-heavy.)
    seed(members=2600, tree="province", workers=0)
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(OrganisationKind)
    assert Organisation.find_problems() == ([], [], [], [], [])
    assert Organisation.objects.filter(depth=1, kind=OrganisationKind.COMMITTEE).count() == 145
    # Members as the builder makes them: decryptable IDs that agree with the row, search keys,
    # one membership period each, in branches only.
    assert Member.objects.count() == MembershipPeriod.objects.count() == 2600
    for member in Member.objects.order_by("?")[:50]:
        info = parse_id_number(member.id_number)
        assert info.region_code.startswith("53")
        assert (info.sex, info.birth_date) == (member.sex, member.birth_date)
        assert member.name_pinyin and member.name_initials
        assert member.organisation.kind == OrganisationKind.BRANCH
        assert member.periods.get().organisation_id == member.organisation_id
        # The rows are written without the member builder: it accepts each one and derives
        # the same search keys, digests and masks.
        fields = {name: getattr(member, name) for name in MEMBER_FIELDS}
        prepared = prepare_member(fields, id_number=member.id_number)
        assert not prepared.errors, prepared.errors
        derived = [
            "name",
            "name_pinyin",
            "name_initials",
            "id_number_digest",
            "id_number_masked",
            "id_last4",
            "phone_digest",
            "phone_masked",
        ]
        for name in derived:
            assert getattr(prepared.member, name) == getattr(member, name), name
    # Committees from their own subtree's members, one secretary each.
    for position in Position.objects.select_related("organisation", "member__organisation")[:200]:
        assert position.member.organisation.path.startswith(position.organisation.path)
    assert set(Role.values) == set(User.objects.values_list("role", flat=True))
    # The gram index (SQLite's triggers, PostgreSQL's GIN) saw the bulk load.
    assert search_members(Member.objects.all(), "卓玛").count() == (
        Member.objects.filter(name__contains="卓玛").count()
    )
    # Ids continue after the load.
    member = Member.objects.order_by("-id").first()
    member.pk = None
    member.id_number_digest = "x"
    member.save()
    assert member.pk == 2601
