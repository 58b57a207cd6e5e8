"""Lessons reordered (up / down, by a button or an HTMX post; places stay 1 … n) and taken
out of a course: deleted when nobody has finished them, archived when members have — their
completions and hours stay, the course no longer counts the lesson. Through the views, with
the audit events."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.tests.personas import signed_in
from learning import selectors, services
from learning.models import Lesson, LessonCompletion, StudyRecord
from learning.tests.factories import published_course

pytestmark = pytest.mark.django_db
YEAR = date.today().year


def titles(course):
    return list(Lesson.objects.current().filter(course=course).values_list("title", flat=True))


def places(course):
    return list(Lesson.objects.current().filter(course=course).values_list("order", flat=True))


@pytest.fixture
def course(world):
    """A published committee course of three lessons, withdrawn so its lessons may change."""
    admin = world.users["admin"]
    course = published_course(admin, world.root, lessons=3, hours="2")
    services.course_withdraw(actor=admin, course=course)
    return course


def test_move_up_and_down(client, world, course):
    signed_in(client, world.users["admin"])
    first, second, third = Lesson.objects.filter(course=course).order_by("order")
    response = client.post(reverse("learning:lesson_move", args=[third.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert titles(course) == ["第1课", "第3课", "第2课"] and places(course) == [1, 2, 3]
    event = AuditEvent.objects.filter(
        target_type="learning.lesson", target_id=str(third.pk), action="update"
    ).latest("pk")
    assert event.changes == {"order": [3, 2]}
    client.post(reverse("learning:lesson_move", args=[first.pk]), {"direction": "down"})
    assert titles(course) == ["第3课", "第1课", "第2课"] and places(course) == [1, 2, 3]
    # At the top, up is a no-op.
    client.post(reverse("learning:lesson_move", args=[third.pk]), {"direction": "up"})
    assert titles(course) == ["第3课", "第1课", "第2课"]


def test_move_by_htmx_returns_the_list(client, world, course):
    signed_in(client, world.users["admin"])
    second = Lesson.objects.get(course=course, order=2)
    response = client.post(
        reverse("learning:lesson_move", args=[second.pk]),
        {"direction": "up"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="lesson-list">')
    assert page.index("第2课") < page.index("第1课")


def test_bad_direction_is_400_in_chinese(client, world, course):
    signed_in(client, world.users["admin"])
    lesson = Lesson.objects.filter(course=course).first()
    response = client.post(reverse("learning:lesson_move", args=[lesson.pk]), {"direction": "x"})
    assert response.status_code == 400 and "方向" in response.content.decode()


def test_published_course_refuses_changes(client, world):
    admin = world.users["admin"]
    course = published_course(admin, world.root, lessons=2)
    signed_in(client, admin)
    lesson = Lesson.objects.get(course=course, order=2)
    response = client.post(
        reverse("learning:lesson_move", args=[lesson.pk]), {"direction": "up"}, follow=True
    )
    assert "请先撤回" in response.content.decode()
    assert titles(course) == ["第1课", "第2课"]
    client.post(reverse("learning:lesson_remove", args=[lesson.pk]))
    assert Lesson.objects.filter(pk=lesson.pk).exists()


def test_out_of_scope_is_404(client, world, course):
    lesson = Lesson.objects.filter(course=course).first()
    for persona in ("secretary_a", "member", "auditor"):
        signed_in(client, world.users[persona])
        assert (
            client.post(
                reverse("learning:lesson_move", args=[lesson.pk]), {"direction": "down"}
            ).status_code
            == 404
        )
        assert client.post(reverse("learning:lesson_remove", args=[lesson.pk])).status_code == 404
    assert titles(course) == ["第1课", "第2课", "第3课"]


def test_unfinished_lesson_is_deleted_and_places_close_up(client, world, course):
    signed_in(client, world.users["admin"])
    first = Lesson.objects.get(course=course, order=1)
    response = client.post(reverse("learning:lesson_remove", args=[first.pk]), follow=True)
    assert "课时已删除" in response.content.decode()
    assert not Lesson.objects.filter(pk=first.pk).exists()
    assert titles(course) == ["第2课", "第3课"] and places(course) == [1, 2]
    event = AuditEvent.objects.get(
        target_type="learning.lesson", target_id=str(first.pk), action="delete"
    )
    assert event.changes["title"] == "第1课"
    # A new lesson takes the next free place.
    response = client.post(
        reverse("learning:lesson_create", args=[course.pk]),
        {"title": "第4课", "body": "<p>正文</p>", "link_url": "", "hours": "1", "quiz": ""},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert titles(course) == ["第2课", "第3课", "第4课"] and places(course) == [1, 2, 3]


def test_finished_lesson_is_archived_and_the_ledger_stays(client, world, course):
    admin = world.users["admin"]
    member = world.member_a
    services.course_submit(actor=admin, course=course)
    services.course_review(actor=admin, course=course, approve=True)
    first, second, third = Lesson.objects.filter(course=course).order_by("order")
    for lesson in (first, second):
        services.lesson_complete(actor=world.users["member"], lesson=lesson)
    assert selectors.member_year_hours(member, YEAR) == Decimal(4)
    services.course_withdraw(actor=admin, course=course)
    signed_in(client, admin)
    response = client.post(reverse("learning:lesson_remove", args=[first.pk]), follow=True)
    assert "已归档" in response.content.decode()
    first.refresh_from_db()
    assert first.archived_at is not None
    assert titles(course) == ["第2课", "第3课"] and places(course) == [1, 2]
    # The ledger is untouched: same entries, same total; the completion remains.
    assert StudyRecord.objects.filter(member=member).count() == 2
    assert selectors.member_year_hours(member, YEAR) == Decimal(4)
    assert LessonCompletion.objects.filter(lesson=first, member=member).exists()
    event = AuditEvent.objects.filter(
        target_type="learning.lesson", target_id=str(first.pk), action="update"
    ).latest("pk")
    assert event.changes["archived"] is True and event.changes["completions"] == 1
    assert "学时记录保持不变" in event.reason
    # Archiving again is refused; editing it is a 404.
    response = client.post(reverse("learning:lesson_remove", args=[first.pk]), follow=True)
    assert "已归档" in response.content.decode()
    assert client.get(reverse("learning:lesson_update", args=[first.pk])).status_code == 404
    # The course now counts two lessons: finishing the third completes it.
    services.course_submit(actor=admin, course=course)
    services.course_review(actor=admin, course=course, approve=True)
    plan = services.plan_create(actor=admin, organisation=world.root, title="计划", year=YEAR)
    services.plan_item_add(actor=admin, plan=plan, course=course, due_on=date(YEAR, 12, 31))
    services.plan_assign(actor=admin, plan=plan, organisation=world.root, audience="all")
    services.plan_publish(actor=admin, plan=plan)
    row = selectors.member_plan(member, YEAR)[0]
    assert (row.completed, row.lessons, row.state) == (1, 2, "next")
    services.lesson_complete(actor=world.users["member"], lesson=third)
    row = selectors.member_plan(member, YEAR)[0]
    assert (row.completed, row.lessons, row.state) == (2, 2, "done")
    # An archived lesson cannot be finished (no more hours from it).
    signed_in(client, world.users["member"])
    page = client.get(reverse("learning:lesson_detail", args=[first.pk])).content.decode()
    assert "lesson-done" in page  # the member who finished it still sees that
    assert selectors.member_year_hours(member, YEAR) == Decimal(6)
