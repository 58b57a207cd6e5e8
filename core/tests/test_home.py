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


def test_many_todos_of_one_kind_become_one_line_with_the_count(world):
    many = todos.TodoGroup("%(n)s 项同类待办", url="/list/")
    few = todos.TodoGroup("%(n)s 项少量待办", url="/few/")
    counted = todos.TodoGroup("%(n)s 项只列出部分", url="/part/", total=40)

    @todos.register
    def provider(user):
        return (
            [todos.TodoItem(title=f"同类{i}", group=many) for i in range(todos.GROUP_AFTER)]
            + [todos.TodoItem(title="同类逾期", group=many, level="danger")]
            + [todos.TodoItem(title=f"少量{i}", group=few) for i in range(todos.GROUP_AFTER)]
            + [todos.TodoItem(title="只列出一项", group=counted)]
            + [todos.TodoItem(title="单独一项")]
        )

    try:
        items = todos.todos_for(world.users["admin"])
    finally:
        todos._providers.remove(provider)
    mine = [i for i in items if "同类" in i.title or "少量" in i.title or "部分" in i.title]
    titles = [i.title for i in mine]
    assert f"{todos.GROUP_AFTER + 1} 项同类待办" in titles  # four of a kind: one line
    assert not [t for t in titles if t.startswith("同类")]
    [line] = [i for i in mine if i.title.endswith("同类待办")]
    assert line.url == "/list/" and line.level == "danger"  # at its most urgent item's level
    assert [f"少量{i}" for i in range(todos.GROUP_AFTER)] == [t for t in titles if "少量" in t]
    assert "40 项只列出部分" in titles  # the provider's total, not the items it listed
    assert "单独一项" in [i.title for i in items]
