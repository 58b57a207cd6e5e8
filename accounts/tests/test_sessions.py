"""在线会话: sessions are named by opaque ids, never keys; the absolute session maximum."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.sessions import browser_summary, public_id
from accounts.tests.factories import PASSWORD
from audit.models import Action, AuditEvent
from core.tests.personas import signed_in

pytestmark = pytest.mark.django_db
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SESSIONS = reverse("accounts:sessions")


def signed_in_by_login(username, ip="10.20.0.7", agent=CHROME):
    other = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = other.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return other


def test_page_shows_address_browser_and_activity_but_no_session_key(client, world):
    signed_in_by_login("admin")
    signed_in_by_login("secretary_a", ip="10.20.0.8")
    signed_in(client, world.users["security"])
    response = client.get(SESSIONS)
    body = response.content.decode()
    keys = list(Session.objects.values_list("session_key", flat=True))
    assert len(keys) == 3
    assert not [key for key in keys if key in body]
    own = client.session.session_key
    assert [public_id(key) in body for key in keys if key != own] == [True, True]
    assert "10.20.0.7" in body and "10.20.0.8" in body
    assert "Chrome 120 · Windows" in body
    row = next(s for s in response.context["sessions"] if s.user == world.users["admin"])
    assert row.signed_in is not None and row.last_seen is not None


def test_ending_a_session_by_its_id_signs_it_out_and_is_audited(client, world):
    admin_browser = signed_in_by_login("admin")
    secretary_browser = signed_in_by_login("secretary_a")
    signed_in(client, world.users["security"])
    sessions = client.get(SESSIONS).context["sessions"]
    target = next(s for s in sessions if s.user == world.users["admin"])
    response = client.post(SESSIONS, {"session": [target.id]})
    assert response.status_code == 302
    assert admin_browser.get(reverse("core:home")).status_code == 302  # signed out
    assert secretary_browser.get(reverse("core:home")).status_code == 200
    event = AuditEvent.objects.get(action=Action.LOGOUT)
    assert event.actor == world.users["security"]
    assert event.target_id == str(world.users["admin"].pk)
    assert event.changes == {"sessions_ended": 1, "session_ids": [target.id]}


def test_a_raw_session_key_posted_ends_nothing(client, world):
    admin_browser = signed_in_by_login("admin")
    signed_in(client, world.users["security"])
    key = admin_browser.cookies["sessionid"].value
    client.post(SESSIONS, {"session": [key]})
    assert admin_browser.get(reverse("core:home")).status_code == 200
    assert not AuditEvent.objects.filter(action=Action.LOGOUT).exists()


def test_the_officers_own_session_is_kept(client, world):
    signed_in(client, world.users["security"])
    own = public_id(client.session.session_key)
    client.post(SESSIONS, {"session": [own]})
    assert client.get(SESSIONS).status_code == 200


def test_session_ends_at_the_maximum_however_active(client, world, settings):
    client = signed_in_by_login("secretary_b")
    assert client.get(reverse("core:home")).status_code == 200
    session = client.session
    now = int(time.time())
    session["login_at"] = now - settings.SESSION_MAX_SECONDS - 5
    session["last_seen"] = now - 10  # active a moment ago: the idle clock alone would keep it
    session.save()
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert "timeout" in response["Location"]
    assert client.get(reverse("core:home")).status_code == 302


def test_activity_does_not_move_the_sign_in_time(client, world, settings):
    client = signed_in_by_login("secretary_b")
    signed_in_at = client.session["login_at"]
    session = client.session
    session["last_seen"] = int(time.time()) - 120  # due for a new activity stamp
    session.save()
    client.get(reverse("core:home"))
    assert client.session["login_at"] == signed_in_at
    assert client.session["last_seen"] > int(time.time()) - 60


@pytest.mark.parametrize(
    ("agent", "summary"),
    [
        (CHROME, "Chrome 120 · Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI",
            "WeChat 8 · iOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
            "Edge 120 · Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox 121 · Linux",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.2 Safari/605.1.15",
            "Safari 17 · macOS",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", ""),
    ],
)
def test_browser_summary(agent, summary):
    assert browser_summary(agent) == summary
