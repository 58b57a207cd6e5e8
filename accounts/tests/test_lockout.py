"""Lockout by account and address, the per-address threshold, the security officer's way in,
the client address behind trusted proxies, and the password-change form's limit."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import PASSWORD, UserFactory
from audit.models import Action, AuditEvent
from core.tests.personas import signed_in

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
OFFICE = "10.20.0.1"  # one office behind NAT: every person's requests come from this address


def attempt(client, username, password, ip=OFFICE, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def test_one_persons_typos_lock_only_that_account_at_that_address(client):
    UserFactory(username="zhaxi")
    UserFactory(username="gesang")
    for _ in range(5):
        attempt(client, "zhaxi", "wrong")
    assert attempt(client, "zhaxi", PASSWORD).status_code == 429
    assert attempt(client, "gesang", PASSWORD).status_code == 302  # same office, not locked
    client.post(reverse("accounts:logout"))
    assert attempt(client, "zhaxi", PASSWORD, ip="10.30.0.1").status_code == 302


def test_four_failures_do_not_lock(client):
    UserFactory(username="zhaxi")
    for _ in range(4):
        attempt(client, "zhaxi", "wrong")
    assert attempt(client, "zhaxi", PASSWORD).status_code == 302


def test_phone_and_username_share_one_count(client):
    UserFactory(username="zhaxi", phone="13912345678")
    for _ in range(3):
        attempt(client, "13912345678", "wrong")
    for _ in range(2):
        attempt(client, "zhaxi", "wrong")
    assert attempt(client, "13912345678", PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"zhaxi"}


def test_password_spraying_from_one_address_locks_the_address(client, settings):
    settings.LOCKOUT_ADDRESS_FAILURES = 8
    UserFactory(username="victim")
    for n in range(8):  # one guess at each of eight names: no account reaches 5
        attempt(client, f"guess{n}", "Spring2026!", ip="10.9.9.9")
    response = attempt(client, "victim", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, actor_name="victim").exists()
    assert attempt(client, "victim", PASSWORD, ip="10.1.1.1").status_code == 302


def test_seven_failures_below_the_address_threshold_lock_no_one(client, settings):
    settings.LOCKOUT_ADDRESS_FAILURES = 8
    UserFactory(username="victim")
    for n in range(7):
        attempt(client, f"guess{n}", "wrong")
    assert attempt(client, "victim", PASSWORD).status_code == 302


def test_security_officer_gets_in_from_an_address_others_have_locked(client, settings):
    settings.LOCKOUT_ADDRESS_FAILURES = 8
    UserFactory(username="anquan", role=Role.SECURITY_OFFICER)
    UserFactory(username="colleague")
    for n in range(8):
        attempt(client, f"typo{n}", "wrong")
    assert attempt(client, "colleague", PASSWORD).status_code == 429
    response = attempt(client, "anquan", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor_name="anquan").exists()


def test_security_officer_is_locked_by_their_own_failures(client):
    UserFactory(username="anquan", role=Role.SECURITY_OFFICER)
    for _ in range(5):
        attempt(client, "anquan", "wrong")
    assert attempt(client, "anquan", PASSWORD).status_code == 429


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(client, settings):
    UserFactory(username="zhaxi")
    forged = {"HTTP_X_FORWARDED_FOR": "192.0.2.55"}
    attempt(client, "zhaxi", "wrong", ip="203.0.113.9", **forged)  # no proxy configured
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.ip_address == "203.0.113.9"
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"

    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    via_proxy = {"HTTP_X_FORWARDED_FOR": "198.51.100.7, 10.0.0.2"}
    for _ in range(5):
        attempt(client, "zhaxi", "wrong", ip="10.0.0.1", **via_proxy)
    latest = AuditEvent.objects.filter(action=Action.LOGIN_FAILED).first()
    assert latest.ip_address == "198.51.100.7"
    assert attempt(client, "zhaxi", PASSWORD, ip="10.0.0.1", **via_proxy).status_code == 429
    # Another client behind the same proxy is a different address: not locked.
    other = {"HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    assert attempt(client, "zhaxi", PASSWORD, ip="10.0.0.1", **other).status_code == 302


def test_lockouts_page_shows_a_locked_address_and_unlocks_it(client, settings, world):
    settings.LOCKOUT_ADDRESS_FAILURES = 8
    from django.test import Client

    outsider = Client()
    for n in range(8):
        attempt(outsider, f"guess{n}", "wrong", ip="10.9.9.9")
    signed_in(client, world.users["security"])
    body = client.get(reverse("accounts:lockouts")).content.decode()
    assert "10.9.9.9" in body and "table-danger" in body
    assert "被锁定" in client.get(reverse("core:home")).content.decode()
    response = client.post(reverse("accounts:lockouts"), {"ip_address": "10.9.9.9"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(ip_address="10.9.9.9").exists()
    event = AuditEvent.objects.get(action=Action.UNLOCK)
    assert event.actor == world.users["security"]
    assert event.changes["ip_address"] == "10.9.9.9"
    assert event.changes["attempts_cleared"] == 8


def test_unlocking_one_account_at_one_address_leaves_its_other_addresses(client, world):
    for ip in ("10.0.0.1", "10.0.0.2"):
        for _ in range(5):
            attempt(Client_(), "secretary_a", "wrong", ip=ip)
    signed_in(client, world.users["security"])
    client.post(reverse("accounts:lockouts"), {"username": "secretary_a", "ip_address": "10.0.0.1"})
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.2"]
    assert AuditEvent.objects.get(action=Action.UNLOCK).changes["attempts_cleared"] == 1


def Client_():
    from django.test import Client

    return Client()


def test_wrong_current_passwords_sign_out_and_lock_like_failed_sign_ins(client):
    user = UserFactory(username="zhaxi")
    client.force_login(user)
    url = reverse("accounts:password_change")
    wrong = {
        "old_password": "not-my-Password1",
        "new_password": "Gesang-2026x",
        "new_password_again": "Gesang-2026x",
    }
    for _ in range(4):
        response = client.post(url, wrong, REMOTE_ADDR=OFFICE)
        assert response.status_code == 200
        assert "当前密码不正确" in response.content.decode()
    response = client.post(url, wrong, REMOTE_ADDR=OFFICE)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert client.get(reverse("core:home"))["Location"].startswith(LOGIN)  # signed out
    assert attempt(client, "zhaxi", PASSWORD).status_code == 429  # and locked at this address
    failures = AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor=user)
    assert failures.filter(changes__form="password_change").count() == 5
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, actor_name="zhaxi").exists()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    stored = AccessAttempt.objects.get(username="zhaxi")
    assert "not-my-Password1" not in stored.post_data
    assert "Gesang-2026x" not in stored.post_data


def test_a_locked_account_cannot_change_its_password_from_that_address(client):
    user = UserFactory(username="zhaxi")
    for _ in range(5):
        attempt(Client_(), "zhaxi", "wrong")
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "Gesang-2026x",
            "new_password_again": "Gesang-2026x",
        },
        REMOTE_ADDR=OFFICE,
    )
    assert response.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE).exists()
