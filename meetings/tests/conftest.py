"""The small tree meeting tests use: 工委 → 甲支部 (four members, a secretary), 乙支部."""

from datetime import date

import pytest

from accounts.models import Role
from accounts.tests.factories import UserFactory
from organisations.models import OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory


@pytest.fixture
def tree(db):
    root = OrganisationFactory(name="工委", kind=OrganisationKind.COMMITTEE)
    branch = OrganisationFactory(parent=root, name="甲支部", founded_on=date(2000, 1, 1))
    other = OrganisationFactory(parent=root, name="乙支部", founded_on=date(2000, 1, 1))
    members = [MemberFactory(organisation=branch, name=f"甲{n}") for n in range(4)]
    secretary = UserFactory(username="sec", role=Role.SECRETARY, organisation=branch)
    admin = UserFactory(username="adm", role=Role.COMMITTEE_ADMIN)
    return type(
        "Tree",
        (),
        dict(
            root=root, branch=branch, other=other, members=members, secretary=secretary, admin=admin
        ),
    )
