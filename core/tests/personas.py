"""The personas every view is walked with: committee admin, secretaries of two disjoint
subtrees, a member, an auditor, a security officer and the anonymous public."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory
from organisations.models import OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory


@dataclass
class World:
    root: object
    org_a: object
    branch_a: object
    org_b: object
    member_a: object
    member_b: object
    users: dict


def build_world() -> World:
    root = OrganisationFactory(name="中共测试州直属机关工作委员会", kind=OrganisationKind.COMMITTEE)
    org_a = OrganisationFactory(
        parent=root, name="中共甲局委员会", kind=OrganisationKind.PARTY_COMMITTEE
    )
    branch_a = OrganisationFactory(parent=org_a, name="中共甲局第一支部委员会")
    org_b = OrganisationFactory(parent=root, name="中共乙局机关支部委员会")
    member_a = MemberFactory(organisation=branch_a, name="扎西·次仁")
    member_b = MemberFactory(organisation=org_b, name="和丽华", sex="female")
    users = {
        "admin": UserFactory(username="admin", role=Role.COMMITTEE_ADMIN),
        "secretary_a": UserFactory(username="secretary_a", role=Role.SECRETARY, organisation=org_a),
        "secretary_b": UserFactory(username="secretary_b", role=Role.SECRETARY, organisation=org_b),
        "member": UserFactory(username="member", role=Role.MEMBER, member=member_a),
        "auditor": UserFactory(username="auditor", role=Role.AUDITOR),
        "security": UserFactory(username="security", role=Role.SECURITY_OFFICER),
    }
    return World(root, org_a, branch_a, org_b, member_a, member_b, users)


def signed_in(client, user):
    """Log in and make one request, so the idle-timeout stamp is already in the session and a
    query count that follows measures the page alone."""
    client.force_login(user)
    client.get(reverse("core:home"))
    return client


@pytest.fixture
def world(db) -> World:
    return build_world()
