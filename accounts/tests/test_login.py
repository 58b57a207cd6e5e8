import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Role, User
from accounts.tests.factories import PASSWORD, UserFactory
from audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_by_username_or_phone_is_audited(client):
    user = UserFactory(username="zhaxi", phone="13912345678")
    assert attempt(client, "13912345678", PASSWORD).status_code == 302
    assert AuditEvent.objects.get(action=Action.LOGIN).actor == user
    client.post(reverse("accounts:logout"))
    assert attempt(client, "zhaxi", PASSWORD).status_code == 302


def test_failed_login_is_audited_with_the_attempted_name(client):
    UserFactory(username="zhaxi")
    response = attempt(client, "zhaxi", "wrong-password")
    assert response.status_code == 200
    assert "不正确" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor_name == "zhaxi"
    assert event.ip_address == "10.0.0.1"


def test_five_failures_lock_the_account_at_that_address_even_with_the_right_password(client):
    UserFactory(username="zhaxi")
    for _ in range(5):
        attempt(client, "zhaxi", "wrong", ip="10.0.0.1")
    response = attempt(client, "zhaxi", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.LOCKOUT).exists()


def test_security_officer_unlocks(client):
    UserFactory(username="zhaxi")
    for _ in range(5):
        attempt(client, "zhaxi", "wrong", ip="10.0.0.7")
    assert attempt(client, "zhaxi", PASSWORD, ip="10.0.0.7").status_code == 429
    officer = UserFactory(role=Role.SECURITY_OFFICER)
    services.account_unlock(actor=officer, username="zhaxi")
    assert attempt(client, "zhaxi", PASSWORD, ip="10.0.0.7").status_code == 302
    assert AuditEvent.objects.filter(action=Action.UNLOCK).exists()


def test_initial_password_must_be_changed_first(client):
    user = UserFactory(username="new", must_change_password=True)
    client.force_login(user)
    response = client.get(reverse("organisations:member_list"))
    assert response["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": "short", "new_password_again": "short"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["new_password"]
    assert "新密码：" in response.content.decode()  # the error names the field
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(PASSWORD)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "Gesang-2026x",
            "new_password_again": "Gesang-2026x",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE, actor=user).exists()


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abcdefgh", False),
        ("abcdEFGH", False),
        ("yangjin-EF12", True),
        ("tsering12!@", True),
        ("aB1!", False),
    ],
)
def test_password_policy_three_classes_eight_characters(password, ok):
    from django.contrib.auth.password_validation import validate_password

    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_idle_session_ends_after_thirty_minutes(client, settings):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("core:home")).status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert "timeout" in response["Location"]
    assert client.get(reverse("core:home")).status_code == 302


def test_account_roles_are_separate_and_need_their_scope(world):
    officer = world.users["security"]
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(actor=officer, username="s1", role=Role.SECRETARY)
    assert "organisation" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.privileged_account_create(
            operator="运维 李四", username="a1", role=Role.AUDITOR, organisation=world.org_a
        )
    assert "organisation" in excinfo.value.message_dict
    user, password = services.account_create(
        actor=officer, username="s2", role=Role.SECRETARY, organisation=world.org_a
    )
    assert user.must_change_password
    assert user.check_password(password)
    assert AuditEvent.objects.filter(action=Action.CREATE, target_id=str(user.pk)).exists()


def test_security_officer_creates_account_and_sees_initial_password_once(client, world):
    client.force_login(world.users["security"])
    response = client.post(
        reverse("accounts:account_create"),
        {
            "username": "gesang",
            "display_name": "格桑",
            "role": "secretary",
            "organisation": world.org_b.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "初始密码" in response.content.decode()
    assert User.objects.get(username="gesang").organisation == world.org_b


def test_auditor_and_security_officer_never_read_party_data(client, world):
    for persona in ("auditor", "security"):
        client.force_login(world.users[persona])
        assert (
            client.get(reverse("organisations:member_detail", args=[world.member_a.pk])).status_code
            == 404
        )
        assert client.get(reverse("api:member-list")).status_code == 403
