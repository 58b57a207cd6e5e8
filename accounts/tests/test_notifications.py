"""Notifications are marked read through accounts.services.notification_mark_read, only by
their recipient."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services
from core.models import Notification

pytestmark = pytest.mark.django_db


def note_for(user, link="/members/"):
    return Notification.objects.create(recipient=user, title="王芳 已转入 甲局", link=link)


def test_recipient_marks_a_notification_read_through_the_page(client, world):
    secretary = world.users["secretary_a"]
    note = note_for(secretary)
    client.force_login(secretary)
    response = client.post(reverse("accounts:notification_read", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/members/"
    note.refresh_from_db()
    assert note.read_at is not None
    # Read once: the page is gone (404), and the first reading time stays.
    read_at = note.read_at
    assert client.post(reverse("accounts:notification_read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at == read_at


def test_someone_elses_notification_is_404_and_stays_unread(client, world):
    note = note_for(world.users["secretary_a"])
    client.force_login(world.users["secretary_b"])
    response = client.post(reverse("accounts:notification_read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_reading_needs_a_post(client, world):
    note = note_for(world.users["secretary_a"])
    client.force_login(world.users["secretary_a"])
    assert client.get(reverse("accounts:notification_read", args=[note.pk])).status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_service_refuses_a_reader_who_is_not_the_recipient(world):
    note = note_for(world.users["secretary_a"])
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(actor=world.users["secretary_b"], notification=note)
    note.refresh_from_db()
    assert note.read_at is None
