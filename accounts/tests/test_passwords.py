"""Password policy: guessable passwords refused, the optional maximum age."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.tests.factories import PASSWORD, UserFactory
from audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db
CHANGE = reverse("accounts:password_change")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678Aa", "常见密码"),
        ("Password2026!", "常见密码"),
        ("Qwerty123456", "常见密码"),
        ("Dangjian2026", "名称"),
        ("Dangjian@2026", "名称"),
        ("my-DANGJIAN-77", "名称"),
        ("Gongwei#2026", "名称"),
    ],
)
def test_guessable_passwords_are_refused(password, reason):
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password)
    assert reason in " ".join(excinfo.value.messages)


@pytest.mark.parametrize(
    "password", ["Gesang-2026x", "yangjin-EF12", "Correct-horse-battery7", "Meili-Xueshan#26"]
)
def test_reasonable_passwords_pass(password):
    validate_password(password)


def test_password_like_the_account_is_refused():
    user = User(username="tsering.wangmo", phone="13912345678", display_name="次仁旺姆")
    with pytest.raises(ValidationError):
        validate_password("Tsering.Wangmo1", user)
    with pytest.raises(ValidationError):
        validate_password("13912345678aB", user)


def test_demo_password_passes_the_policy_for_every_demo_account():
    from demo.seeding import DEMO_PASSWORD

    for username in ("admin", "secretary_a", "secretary_b", "member", "auditor", "security"):
        validate_password(DEMO_PASSWORD, User(username=username))


def test_password_change_form_names_the_refused_password(client):
    user = UserFactory(username="zhaxi")
    client.force_login(user)
    response = client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password": "Dangjian2026",
            "new_password_again": "Dangjian2026",
        },
    )
    assert response.status_code == 200
    assert "不能包含本平台或单位的名称" in str(response.context["form"].errors["new_password"])
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_expired_password_must_be_changed(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = UserFactory(username="zhaxi", role=Role.AUDITOR)
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response["Location"] == CHANGE
    page = client.get(CHANGE).content.decode()
    assert "密码已使用超过 90 天" in page
    response = client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password": "Gesang-2026x",
            "new_password_again": "Gesang-2026x",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password_changed_at > timezone.now() - timedelta(minutes=1)
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE, actor=user).exists()
    assert client.get(reverse("core:home")).status_code == 200


def test_a_password_younger_than_the_maximum_is_fine(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    client.force_login(user)
    assert client.get(reverse("core:home")).status_code == 200


def test_zero_means_no_maximum_age(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - timedelta(days=3650)
    )
    client.force_login(user)
    assert client.get(reverse("core:home")).status_code == 200
