"""The 党组织 tree page: collapsible, counts that include every level below, a secretary's own
subtree open, levels loaded lazily, a search that opens the path to what it finds."""

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.tests.personas import signed_in
from organisations.models import OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _flatten(nodes):
    for node in nodes:
        yield node
        yield from _flatten(node.child_nodes or [])


def _small_tree():
    root = OrganisationFactory(name="测试工委", kind=OrganisationKind.COMMITTEE)
    bureau = OrganisationFactory(
        parent=root, name="甲局党委", kind=OrganisationKind.PARTY_COMMITTEE
    )
    branch = OrganisationFactory(parent=bureau, name="甲局第一支部")
    group = OrganisationFactory(parent=branch, name="甲局第一党小组", kind=OrganisationKind.GROUP)
    other = OrganisationFactory(parent=root, name="乙局支部")
    MemberFactory(organisation=bureau)
    MemberFactory(organisation=branch)
    MemberFactory(organisation=branch, status="transferred_out")  # not counted: not active
    MemberFactory(organisation=group)
    MemberFactory(organisation=group)
    MemberFactory(organisation=other)
    return root, bureau, branch, group, other


def test_secretary_sees_own_subtree_open_with_counts_of_every_level(
    client, django_assert_num_queries
):
    root, bureau, branch, group, other = _small_tree()
    signed_in(client, UserFactory(role=Role.SECRETARY, organisation=bureau))
    # session, user, secretary's organisation, top organisations, rows, member counts
    with django_assert_num_queries(6):
        response = client.get(reverse("organisations:organisation_tree"))
    tree = response.context["tree"]
    shown = list(_flatten(tree.roots))
    assert [o.name for o in shown] == ["甲局党委", "甲局第一支部", "甲局第一党小组"]
    # The group's own members count, and count again at every level above it.
    assert [o.subtree_count for o in shown] == [4, 3, 2]
    body = response.content.decode()
    assert "乙局支部" not in body and "测试工委" not in body
    assert body.count('<details class="tree-branch" open>') == 2  # 党委 and 支部, open


def test_admin_sees_the_first_level_and_opens_the_rest_lazily(client, django_assert_num_queries):
    root, bureau, branch, group, other = _small_tree()
    signed_in(client, UserFactory(role=Role.COMMITTEE_ADMIN))
    response = client.get(reverse("organisations:organisation_tree"))
    shown = list(_flatten(response.context["tree"].roots))
    assert [(o.name, o.subtree_count) for o in shown] == [
        ("测试工委", 5),
        ("甲局党委", 4),
        ("乙局支部", 1),
    ]
    assert shown[1].child_nodes is None  # closed: loaded when opened
    children_url = reverse("organisations:organisation_children", args=[bureau.pk])
    assert children_url in response.content.decode()
    # session, user, the organisation, its children, member counts
    with django_assert_num_queries(5):
        level = client.get(children_url)
    assert [(o.name, o.subtree_count) for o in level.context["nodes"]] == [("甲局第一支部", 3)]
    assert reverse("organisations:organisation_children", args=[branch.pk]) in (
        level.content.decode()
    )


def test_children_of_another_subtree_are_404(client):
    root, bureau, branch, group, other = _small_tree()
    signed_in(client, UserFactory(role=Role.SECRETARY, organisation=bureau))
    url = reverse("organisations:organisation_children", args=[other.pk])
    assert client.get(url).status_code == 404
    above = reverse("organisations:organisation_children", args=[root.pk])
    assert client.get(above).status_code == 404


def test_search_opens_the_path_to_what_it_finds(client):
    root, bureau, branch, group, other = _small_tree()
    signed_in(client, UserFactory(role=Role.COMMITTEE_ADMIN))
    response = client.get(reverse("organisations:organisation_tree"), {"q": "党小组"})
    shown = {o.name: o for o in _flatten(response.context["tree"].roots)}
    assert shown["甲局第一党小组"].is_match
    assert shown["甲局党委"].child_nodes and shown["甲局第一支部"].child_nodes  # the path, open
    assert response.context["tree"].matches == 1
    assert "<mark>甲局第一党小组</mark>" in response.content.decode()
    # Without JavaScript a closed level opens through ?open=<pk>.
    opened = client.get(reverse("organisations:organisation_tree"), {"open": [bureau.pk, "x"]})
    shown = {o.name: o for o in _flatten(opened.context["tree"].roots)}
    assert "甲局第一支部" in shown and not shown["甲局第一支部"].is_match


def test_tree_of_thousands_opens_in_a_fixed_number_of_queries(client, django_assert_num_queries):
    """Diqing has 2,648 organisations; the page shows the first level and counts every level
    below in the same few queries as a small tree (rows do not add queries)."""
    root = OrganisationFactory(name="大工委", kind=OrganisationKind.COMMITTEE)
    for n in range(12):
        bureau = OrganisationFactory(
            parent=root, name=f"局{n}党委", kind=OrganisationKind.PARTY_COMMITTEE
        )
        for b in range(3):
            branch = OrganisationFactory(parent=bureau, name=f"局{n}第{b}支部")
            MemberFactory(organisation=branch)
    signed_in(client, UserFactory(role=Role.COMMITTEE_ADMIN))
    # session, user, top organisations, rows, member counts
    with django_assert_num_queries(5):
        response = client.get(reverse("organisations:organisation_tree"))
    shown = list(_flatten(response.context["tree"].roots))
    assert len(shown) == 13  # the committee and its 12 党委; the 36 branches wait
    assert shown[0].subtree_count == 36
    assert all(o.subtree_count == 3 for o in shown[1:])


def test_htmx_search_returns_the_tree_fragment(client):
    _small_tree()
    signed_in(client, UserFactory(role=Role.COMMITTEE_ADMIN))
    response = client.get(
        reverse("organisations:organisation_tree"),
        {"q": "支部"},
        headers={"HX-Request": "true", "HX-Target": "organisation-tree"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="organisation-tree"')
    assert "<mark>甲局第一支部</mark>" in body and "<mark>乙局支部</mark>" in body
