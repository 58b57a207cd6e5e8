import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core import todos
from core.models import Notification
from core.tests.personas import signed_in
from organisations import services
from organisations.models import OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_home_summary_is_scoped(client):
    root = OrganisationFactory(kind=OrganisationKind.COMMITTEE)
    bureau = OrganisationFactory(parent=root, kind=OrganisationKind.PARTY_COMMITTEE)
    branch = OrganisationFactory(parent=bureau)
    OrganisationFactory(parent=branch, kind=OrganisationKind.GROUP)
    elsewhere = OrganisationFactory(parent=root)
    own = MemberFactory(organisation=bureau, category="full")
    MemberFactory(organisation=branch, category="full")
    MemberFactory(organisation=branch, category="probationary", full_member_on=None)
    MemberFactory(organisation=branch, status="transferred_out")  # not counted: not active
    MemberFactory(organisation=elsewhere)  # outside the secretary's subtree
    secretary = UserFactory(role=Role.SECRETARY, organisation=bureau)

    response = signed_in(client, secretary).get(reverse("core:home"))
    [panel] = [p for p in response.context["panels"] if "summary" in p.context]
    summary = panel.context["summary"]
    assert (summary.organisations, summary.members.full, summary.members.probationary) == (
        3,
        2,
        1,
    )
    member = UserFactory(role=Role.MEMBER, member=own)
    response = signed_in(client, member).get(reverse("core:home"))
    assert not [p for p in response.context["panels"] if "summary" in p.context]


def test_apps_contribute_todos(world):
    @todos.register
    def provider(user):
        return [todos.TodoItem(title="测试待办", level="danger")]

    try:
        assert todos.todos_for(world.users["admin"])[0].title == "测试待办"
    finally:
        todos._providers.remove(provider)


def test_transfer_notifies_receiving_secretaries(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.member_update(
            actor=world.users["admin"], member=world.member_a, organisation=world.org_b
        )
    note = Notification.objects.get()
    assert note.recipient == world.users["secretary_b"]
    assert "扎西·次仁" in note.title
    client.force_login(world.users["secretary_b"])
    home = client.get(reverse("core:home")).content.decode()
    assert note.title in home
    response = client.post(reverse("accounts:notification_read", args=[note.pk]))
    assert response["Location"] == note.link
    note.refresh_from_db()
    assert note.read_at is not None
