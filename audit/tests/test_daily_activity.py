"""The auditor's chart of events by day (audit.selectors.daily_activity, audit.panels): the
system's own jobs (a seeding of hundreds of events) are a series of their own, on a scale of
their own, so the days of people's work stay readable."""

import pytest
from django.db import transaction
from django.urls import reverse

from audit.models import Action
from audit.selectors import daily_activity
from audit.services import record
from core.actors import operator
from core.tests.personas import signed_in

pytestmark = pytest.mark.django_db


def test_the_system_s_own_events_are_counted_apart_from_people_s(world):
    with transaction.atomic():
        for _ in range(40):
            record(actor=operator("seed"), action=Action.CREATE, target=world.member_a)
        record(actor=world.users["secretary_a"], action=Action.REVEAL, target=world.member_a)
        record(actor=None, actor_name="nobody", action=Action.LOGIN_FAILED)
    activity = daily_activity(world.users["auditor"])
    assert activity.totals[-1] == 42
    assert activity.system[-1] == 40
    assert activity.people[-1] == 2  # the reveal and the failed sign-in
    assert len(activity.system) == len(activity.people) == 30
    assert activity.system[:-1] == [0] * 29 and activity.people[:-1] == [0] * 29


def test_the_chart_draws_people_s_events_and_the_system_s_on_separate_scales(client, world):
    with transaction.atomic():
        for _ in range(5):
            record(actor=operator("seed"), action=Action.CREATE, target=world.member_a)
        record(actor=world.users["secretary_a"], action=Action.REVEAL, target=world.member_a)
    signed_in(client, world.users["auditor"])
    response = client.get(reverse("core:home"))
    [panel] = [p for p in response.context["panels"] if "chart" in p.context]
    chart = panel.context["chart"]
    assert chart["people"][-1] == 1 and chart["system"][-1] == 5
    page = response.content.decode()
    assert 'data-label-people="用户操作"' in page and "系统任务（右侧刻度）" in page
