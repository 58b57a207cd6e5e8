"""Reminders reach the right people (meetings.tasks.send_reminders): before a period ends the
organisation's own secretary, or the nearest one above where it has none; after it ended with
the meeting missing, its secretary and the superior organisation's secretary."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.models import Notification
from meetings import compliance
from meetings.tasks import send_reminders
from meetings.tests.factories import at
from meetings.tests.test_meetings import OP, held
from organisations import services as org_services
from organisations.models import OrganisationKind
from organisations.tests.factories import OrganisationFactory

TODAY = date(2025, 6, 25)  # June and Q2 end within 7 days; May ended with its theme day missing


def notices(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def notice(user, title_start):
    (found,) = [n for n in notices(user) if n.title.startswith(title_start)]
    return found


def run(capture):
    with capture(execute=True):
        return send_reminders(today=TODAY)


def test_due_soon_goes_to_the_own_secretary_or_the_nearest_above(
    tree, django_capture_on_commit_callbacks
):
    superior = UserFactory(username="gw", role=Role.SECRETARY, organisation=tree.root)
    held(tree, at(2025, 5, 8))  # 甲支部 held May's theme day; 乙支部 did not
    compliance.recompute(years=[2025], today=TODAY)
    run(django_capture_on_commit_callbacks)
    own = notices(tree.secretary)
    assert [n.title for n in own] == ["组织生活提醒：%d 项即将到期" % len(own[0].body.split("；"))]
    assert "甲支部：" in own[0].body and "乙支部" not in own[0].body
    # 乙支部 has no secretary account: the superior's secretary is told what it owes…
    due, overdue = notice(superior, "组织生活提醒"), notice(superior, "组织生活逾期")
    assert "乙支部：主题党日（2025年6月" in due.body
    assert "甲支部" not in due.body  # …and not what 甲支部's own secretary was told
    # …and, after the fact, that 乙支部 missed May's theme day.
    assert overdue.title == "组织生活逾期：1 项未按期开展"
    assert overdue.body == "乙支部：2025年5月未开展主题党日"


def test_overdue_goes_to_the_branch_and_its_superior_once(tree, django_capture_on_commit_callbacks):
    superior = UserFactory(username="gw", role=Role.SECRETARY, organisation=tree.root)
    compliance.recompute(years=[2025], today=TODAY)
    assert run(django_capture_on_commit_callbacks) == 4  # each of 甲 and 工委: due + overdue
    assert notice(tree.secretary, "组织生活逾期").body == "甲支部：2025年5月未开展主题党日"
    overdue = notice(superior, "组织生活逾期").body
    assert "甲支部：2025年5月未开展主题党日" in overdue and "乙支部：2025年5月" in overdue
    assert run(django_capture_on_commit_callbacks) == 0  # each sent once
    # A gap older than the notice window is left to the to-do lists.
    assert "2025年4月" not in overdue


def test_a_dissolved_organisation_is_reminded_of_nothing(tree, django_capture_on_commit_callbacks):
    superior = UserFactory(username="gw", role=Role.SECRETARY, organisation=tree.root)
    org_services.organisation_dissolve(
        actor=OP, organisation=tree.other, dissolved_on=date(2025, 6, 10), reason="批复"
    )
    compliance.recompute(years=[2025], today=TODAY)
    run(django_capture_on_commit_callbacks)
    assert all("乙支部" not in n.body for n in notices(superior))


def test_reminders_take_a_fixed_number_of_queries(tree, django_capture_on_commit_callbacks):
    UserFactory(username="gw", role=Role.SECRETARY, organisation=tree.root)
    compliance.recompute(years=[2025], today=TODAY)
    with CaptureQueriesContext(connection) as few:
        run(django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    from meetings.models import ReminderSent

    ReminderSent.objects.all().delete()
    for n in range(4):
        branch = OrganisationFactory(parent=tree.root, name=f"丙{n}支部")
        UserFactory(username=f"s{n}", role=Role.SECRETARY, organisation=branch)
    OrganisationFactory(parent=tree.root, name="丁党委", kind=OrganisationKind.PARTY_COMMITTEE)
    compliance.recompute(years=[2025], today=TODAY)
    with CaptureQueriesContext(connection) as more:
        assert run(django_capture_on_commit_callbacks) > 3
    # Writes: one bulk insert of the marks and one per notice (core.notifications.notify).
    reads = [q for q in more.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == len([q for q in few.captured_queries if q["sql"].startswith("SELECT")])
