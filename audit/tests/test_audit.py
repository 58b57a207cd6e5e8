from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from audit.services import purge_expired, record

pytestmark = pytest.mark.django_db


def test_auditor_filters_events_with_fixed_queries(client, world, django_assert_num_queries):
    admin = world.users["admin"]
    for n in range(5):
        record(
            actor=admin,
            action=Action.UPDATE,
            target=world.member_a,
            organisation=world.branch_a,
            changes={"post": [str(n), str(n + 1)]},
        )
    record(
        actor=world.users["secretary_a"], action=Action.REVEAL, target=world.member_a, reason="核对"
    )
    client.force_login(world.users["auditor"])
    client.get(reverse("core:home"))
    with django_assert_num_queries(4):  # session, user, count, page (with organisation)
        response = client.get(reverse("audit:event_list"), {"action": "reveal"})
    events = list(response.context["page"].object_list)
    assert [e.reason for e in events] == ["核对"]
    response = client.get(reverse("audit:event_list"), {"actor_name": "admin"})
    assert len(response.context["page"].object_list) == 5


def test_event_detail_shows_before_and_after(client, world):
    event = record(
        actor=world.users["admin"],
        action=Action.UPDATE,
        target=world.member_a,
        changes={"post": ["科员", "科长"]},
    )
    client.force_login(world.users["auditor"])
    body = client.get(reverse("audit:event_detail", args=[event.pk])).content.decode()
    assert "科员" in body and "科长" in body


def test_purge_keeps_at_least_180_days(world, settings):
    settings.AUDIT_RETENTION_DAYS = 30  # a misconfiguration: still 180
    old = record(actor=None, action=Action.LOGIN_FAILED, actor_name="x")
    recent = record(actor=None, action=Action.LOGIN_FAILED, actor_name="y")
    # Queryset updates are refused, so age the events at the SQL level.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=181), old.pk],
        )
        cursor.execute(
            "UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=179), recent.pk],
        )
    assert purge_expired() == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_queryset_update_is_refused(world):
    record(actor=None, action=Action.LOGIN_FAILED, actor_name="x")
    with pytest.raises(Exception, match="append-only"):
        AuditEvent.objects.update(reason="tampered")
