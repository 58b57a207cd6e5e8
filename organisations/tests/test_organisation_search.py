"""The remote organisation search behind the member list's filter and the forms' pickers."""

import pytest
from django.urls import reverse

from organisations.selectors import ORGANISATION_SEARCH_LIMIT
from organisations.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

URL = reverse("organisations:organisation_search")


def _search(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.json()


def test_finds_by_part_of_the_name_within_the_scope(client, world):
    inside = OrganisationFactory(parent=world.org_a, name="中共州公安局机关第一党支部")
    outside = OrganisationFactory(parent=world.org_b, name="中共州公安局离退休干部党支部")
    found = _search(client, world.users["secretary_a"], q="公安")
    assert [r["id"] for r in found["results"]] == [inside.pk]
    assert found["results"][0]["kind"] and found["more"] is False
    found = _search(client, world.users["admin"], q=" 公安 ")
    assert {r["id"] for r in found["results"]} == {inside.pk, outside.pk}
    # A secretary's whole subtree without a query, in tree order, their own first.
    found = _search(client, world.users["secretary_a"])
    assert found["results"][0]["id"] == world.org_a.pk
    assert outside.pk not in {r["id"] for r in found["results"]}


def test_edit_scope_offers_only_what_the_user_may_change(client, world):
    member = world.users["member"]
    seen = _search(client, member)["results"]
    assert [r["id"] for r in seen] == [member.member.organisation_id]
    assert _search(client, member, scope="edit")["results"] == []


def test_answers_are_bounded_and_odd_input_is_harmless(client, world):
    for n in range(ORGANISATION_SEARCH_LIMIT + 5):
        OrganisationFactory(parent=world.org_a, name=f"中共测试局第{n}党支部")
    found = _search(client, world.users["admin"], q="测试局")
    assert len(found["results"]) == ORGANISATION_SEARCH_LIMIT and found["more"] is True
    for odd in ["%", "_", "'; DROP TABLE x; --", "卓" * 500, "\x00无此组织"]:
        assert _search(client, world.users["admin"], q=odd)["results"] == [], odd
    # Control characters alone are no query: the top of the tree, as for an empty box.
    assert _search(client, world.users["admin"], q="\x00") == _search(client, world.users["admin"])


def test_auditors_get_nothing(client, world):
    client.force_login(world.users["auditor"])
    assert client.get(URL, {"q": "党"}).status_code == 404


def test_member_form_picker_is_remote_and_still_checks_the_scope(client, world):
    client.force_login(world.users["secretary_a"])
    page = client.get(reverse("organisations:member_create")).content.decode()
    assert 'data-remote-search="/organisations/search/?scope=edit"' in page
    assert world.org_b.name not in page
    response = client.post(
        reverse("organisations:member_create"), {"organisation": world.org_b.pk, "name": "甲"}
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
