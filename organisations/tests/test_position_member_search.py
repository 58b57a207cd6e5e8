"""The position form's member picker (班子成员): a remote search over the organisation's
subtree, scoped, instead of a <select> of every member in it."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from organisations.models import Position
from organisations.selectors import MEMBER_PICKER_LIMIT
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _url(organisation):
    return reverse("organisations:position_member_search", args=[organisation.pk])


def _search(client, user, organisation, **params):
    client.force_login(user)
    response = client.get(_url(organisation), params)
    assert response.status_code == 200
    return response.json()


def test_finds_the_subtree_s_members_by_name_or_pinyin(client, world):
    found = _search(client, world.users["secretary_a"], world.org_a, q="扎西")
    assert found == {
        "results": [{"id": world.member_a.pk, "name": "扎西·次仁", "detail": world.branch_a.name}],
        "more": False,
    }
    assert _search(client, world.users["secretary_a"], world.org_a, q="zxcr")["results"][0][
        "id"
    ] == (world.member_a.pk)
    # The whole subtree without a query, in pinyin order.
    assert [r["id"] for r in _search(client, world.users["admin"], world.root)["results"]] == [
        world.member_b.pk,  # 和丽华 helihua
        world.member_a.pk,  # 扎西·次仁 zhaxiciren
    ]


def test_out_of_scope_members_are_never_returned(client, world):
    # Another subtree's member who matches the query: not offered, not even to the admin
    # picking for org_a (the form would refuse them).
    MemberFactory(organisation=world.org_b, name="扎西·多吉")
    found = _search(client, world.users["admin"], world.org_a, q="扎西")
    assert [r["id"] for r in found["results"]] == [world.member_a.pk]
    # A secretary asking for an organisation outside their subtree: 404, as for the form.
    client.force_login(world.users["secretary_a"])
    assert client.get(_url(world.org_b), {"q": "和"}).status_code == 404
    assert client.get(_url(world.root)).status_code == 404
    for persona in ("member", "auditor"):
        client.force_login(world.users[persona])
        assert client.get(_url(world.org_a), {"q": "扎西"}).status_code == 404, persona


def test_answers_are_bounded_and_odd_input_is_harmless(client, world):
    for n in range(MEMBER_PICKER_LIMIT + 5):
        MemberFactory(organisation=world.branch_a, name=f"卓玛{n}")
    found = _search(client, world.users["secretary_a"], world.org_a, q="卓玛")
    assert len(found["results"]) == MEMBER_PICKER_LIMIT and found["more"] is True
    for odd in ["%", "_", "'; DROP TABLE x; --", "卓" * 500, "\x00无此人"]:
        assert _search(client, world.users["admin"], world.org_a, q=odd)["results"] == [], odd


def test_the_form_lists_no_members_and_still_checks_the_subtree(client, world):
    for n in range(30):
        MemberFactory(organisation=world.branch_a, name=f"格桑{n}")
    client.force_login(world.users["secretary_a"])
    url = reverse("organisations:position_create", args=[world.org_a.pk])
    page = client.get(url).content.decode()
    assert f'data-remote-search="{_url(world.org_a)}"' in page
    assert "格桑" not in page and "扎西·次仁" not in page
    # A member of another subtree, posted by hand: refused on the field (the form is shown
    # again with its errors, as every form here is).
    response = client.post(
        url, {"member": world.member_b.pk, "title": "secretary", "term_start": "2024-01-01"}
    )
    assert response.status_code == 200
    assert "member" in response.context["form"].errors
    assert not Position.objects.filter(member=world.member_b).exists()
    # The subtree's member is appointed, and the audit log says so.
    response = client.post(
        url, {"member": world.member_a.pk, "title": "secretary", "term_start": "2024-01-01"}
    )
    assert response.status_code == 302
    assert Position.objects.filter(member=world.member_a, organisation=world.org_a).exists()
    assert AuditEvent.objects.filter(target_repr__contains="扎西·次仁").exists()
    # After an error the chosen member is still offered (the only option besides the empty one).
    response = client.post(url, {"member": world.member_a.pk, "title": "", "term_start": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert "扎西·次仁" in response.content.decode()
