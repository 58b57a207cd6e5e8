"""Login, failed login, lockout and logout are audited through the real pages with real
autocommit (`transaction=True`): each recorder opens its own transaction, as
audit.services.record demands."""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory
from audit.models import Action, AuditEvent

LOGIN = reverse("accounts:login")


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db(transaction=True)
def test_login_and_logout_are_audited_in_autocommit(client):
    user = UserFactory(username="zhaxi")
    assert attempt(client, "zhaxi", PASSWORD).status_code == 302
    assert client.post(reverse("accounts:logout")).status_code == 302
    events = AuditEvent.objects.order_by("id")
    assert [(e.action, e.actor_id) for e in events] == [
        (Action.LOGIN, user.pk),
        (Action.LOGOUT, user.pk),
    ]


@pytest.mark.django_db(transaction=True)
def test_failed_logins_and_lockout_are_audited_in_autocommit(client):
    UserFactory(username="zhaxi")
    # Lockout is by account and address together (accounts/lockout.py).
    for _ in range(5):
        attempt(client, "zhaxi", "wrong", ip="10.0.0.1")
    assert attempt(client, "zhaxi", PASSWORD, ip="10.0.0.1").status_code == 429
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_name="zhaxi").exists()
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, actor_name="zhaxi").exists()
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()
