"""The login form's warning states the lockout the settings enforce, not numbers of its own."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("limit", "minutes"), [(5, 15), (3, 20)])
def test_the_failed_login_message_reads_the_lockout_settings(client, settings, limit, minutes):
    settings.AXES_FAILURE_LIMIT = limit
    settings.AXES_COOLOFF_TIME = timedelta(minutes=minutes)
    UserFactory(username="zhaxi")
    response = client.post(
        reverse("accounts:login"), {"username": "zhaxi", "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert f"连续失败 {limit} 次将锁定 {minutes} 分钟" in response.content.decode()
