import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.tests.personas import signed_in
from organisations.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_account_list_fixed_queries(client, django_assert_num_queries):
    officer = UserFactory(role=Role.SECURITY_OFFICER, username="officer")
    signed_in(client, officer)
    organisation = OrganisationFactory()
    for n in range(5):
        UserFactory(role=Role.SECRETARY, organisation=organisation, username=f"s{n}")
    UserFactory(role=Role.AUDITOR, username="s1-auditor")
    with django_assert_num_queries(5):  # session, user, count, page with organisation, locked names
        response = client.get(reverse("accounts:account_list"))
    assert sorted(u.username for u in response.context["page"].object_list) == [
        "officer",
        "s0",
        "s1",
        "s1-auditor",
        "s2",
        "s3",
        "s4",
    ]
    response = client.get(reverse("accounts:account_list"), {"role": "secretary", "q": "s1"})
    assert [u.username for u in response.context["page"].object_list] == ["s1"]


def test_lockout_list_marks_locked_and_unlocks(client, world):
    AccessAttempt.objects.create(
        username="zhaxi",
        ip_address="10.0.0.1",
        failures_since_start=5,
        user_agent="t",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    signed_in(client, world.users["security"])
    body = client.get(reverse("accounts:lockouts")).content.decode()
    assert "zhaxi" in body and "table-danger" in body
    home = client.get(reverse("core:home")).content.decode()
    assert "被锁定" in home
    response = client.post(reverse("accounts:lockouts"), {"username": "zhaxi"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="zhaxi").exists()


def test_unlock_needs_a_name_or_address(client, world):
    signed_in(client, world.users["security"])
    response = client.post(reverse("accounts:lockouts"), {})
    assert "请填写用户名或 IP 地址" in response.content.decode()


def test_reset_password_forces_change(client, world):
    signed_in(client, world.users["security"])
    target = world.users["secretary_b"]
    response = client.post(reverse("accounts:account_reset_password", args=[target.pk]))
    target.refresh_from_db()
    assert target.must_change_password
    assert target.check_password(response.context["password"])


def test_security_officer_ends_a_session(client, world):
    from django.test import Client

    other = Client()
    signed_in(other, world.users["secretary_a"])
    signed_in(client, world.users["security"])
    sessions = client.get(reverse("accounts:sessions")).context["sessions"]
    target = next(s for s in sessions if s.user == world.users["secretary_a"])
    client.post(reverse("accounts:sessions"), {"session": [target.id]})
    assert other.get(reverse("core:home")).status_code == 302  # signed out


def test_deactivating_an_account_signs_it_out(client, world):
    from django.test import Client

    from accounts import services

    other = Client()
    signed_in(other, world.users["secretary_b"])
    services.account_update(
        actor=world.users["security"], user=world.users["secretary_b"], is_active=False
    )
    assert other.get(reverse("core:home")).status_code == 302
