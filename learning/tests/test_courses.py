"""Courses and lessons through the pages: authoring, review and publishing to a subtree,
files served with HTTP ranges, explicit completion crediting the ledger."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from core.tests.personas import signed_in
from learning import selectors, services
from learning.models import Course, Lesson, LessonCompletion, ReviewStatus, StudyRecord
from learning.tests.factories import bank_with_questions, published_course, theme

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0123456789" * 100
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


def test_secretary_authors_and_admin_publishes(client, world):
    secretary = world.users["secretary_a"]
    signed_in(client, secretary)
    response = client.post(
        reverse("learning:course_create"),
        {
            "title": "本局案例",
            "theme": theme().pk,
            "summary": "案例",
            "organisation": world.branch_a.pk,
        },
    )
    course = Course.objects.get(title="本局案例")
    assert response.status_code == 302 and course.status == ReviewStatus.DRAFT
    response = client.post(
        reverse("learning:lesson_create", args=[course.pk]),
        {
            "title": "视频课",
            "body": '<p>正文<script>alert(1)</script></p><a href="javascript:alert(1)">x</a>',
            "hours": "2",
            "link_url": "",
            "file": SimpleUploadedFile("课.mp4", MP4, content_type="video/mp4"),
        },
    )
    assert response.status_code == 302
    lesson = Lesson.objects.get(course=course)
    assert "<script>" not in lesson.body and "javascript:" not in lesson.body
    assert lesson.file_kind == "video"
    client.post(reverse("learning:course_submit", args=[course.pk]))
    course.refresh_from_db()
    assert course.status == ReviewStatus.IN_REVIEW
    # The author's own side may not approve its own organisation's course; the admin may.
    client.post(reverse("learning:course_review", args=[course.pk]), {"decision": "approve"})
    course.refresh_from_db()
    assert course.status == ReviewStatus.IN_REVIEW
    signed_in(client, world.users["admin"])
    response = client.post(
        reverse("learning:course_review", args=[course.pk]), {"decision": "return", "comment": ""}
    )
    course.refresh_from_db()
    assert course.status == ReviewStatus.IN_REVIEW  # a return needs a comment
    client.post(
        reverse("learning:course_review", args=[course.pk]),
        {"decision": "approve", "comment": "好"},
    )
    course.refresh_from_db()
    assert course.status == ReviewStatus.PUBLISHED and course.reviewed_by == world.users["admin"]
    assert (
        AuditEvent.objects.filter(target_type="learning.course", target_id=str(course.pk)).count()
        >= 3
    )
    # Published to branch_a's subtree: its member sees it, org_b's secretary does not.
    signed_in(client, world.users["member"])
    assert client.get(reverse("learning:course_detail", args=[course.pk])).status_code == 200
    signed_in(client, world.users["secretary_b"])
    assert client.get(reverse("learning:course_detail", args=[course.pk])).status_code == 404


def test_lesson_upload_checks_the_content(client, world):
    signed_in(client, world.users["admin"])
    course = services.course_create(
        actor=world.users["admin"], organisation=world.root, title="c", theme=theme(), summary=""
    )
    response = client.post(
        reverse("learning:lesson_create", args=[course.pk]),
        {
            "title": "假视频",
            "hours": "1",
            "file": SimpleUploadedFile(
                "a.mp4", b"MZ\x90\x00 not a video", content_type="video/mp4"
            ),
        },
    )
    assert response.status_code == 200
    assert "附件" in response.content.decode()
    assert not Lesson.objects.exists()


def test_draft_course_is_not_shown_to_members(client, world):
    course = services.course_create(
        actor=world.users["admin"], organisation=world.root, title="草稿", theme=theme(), summary=""
    )
    signed_in(client, world.users["member"])
    assert client.get(reverse("learning:course_detail", args=[course.pk])).status_code == 404
    assert "草稿" not in client.get(reverse("learning:course_list")).content.decode()


def test_range_request_serves_part_of_the_file(client, world):
    admin = world.users["admin"]
    course = services.course_create(
        actor=admin, organisation=world.root, title="c", theme=theme(), summary=""
    )
    lesson = services.lesson_create(
        actor=admin,
        course=course,
        title="PDF",
        body="",
        hours=Decimal(1),
        link_url="",
        file=SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf"),
    )
    services.course_submit(actor=admin, course=course)
    services.course_review(actor=admin, course=course, approve=True)
    signed_in(client, world.users["member"])
    url = reverse("learning:lesson_file", args=[lesson.pk])
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == PDF
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-19/{len(PDF)}"
    assert b"".join(part.streaming_content) == PDF[10:20]
    assert client.get(url, HTTP_RANGE="bytes=99999-").status_code == 416
    signed_in(client, world.users["secretary_b"])
    assert client.get(url).status_code == 200  # published by the committee: everyone's


def test_member_completes_lesson_and_hours_go_up(client, world):
    course = published_course(world.users["admin"], world.root, hours="1.5")
    lesson = course.lessons.first()
    member = world.member_a
    signed_in(client, world.users["member"])
    year = date.today().year
    assert selectors.member_year_hours(member, year) == 0
    response = client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
    assert response.status_code == 302
    completion = LessonCompletion.objects.get(member=member, lesson=lesson)
    record = StudyRecord.objects.get(member=member)
    assert record.source_type == "learning.lessoncompletion" and record.source_id == str(
        completion.pk
    )
    assert selectors.member_year_hours(member, year) == Decimal("1.5")
    # Once only.
    client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
    assert StudyRecord.objects.filter(member=member).count() == 1
    page = client.get(reverse("learning:my_study")).content.decode()
    assert "1.5" in page


def test_lesson_with_quiz_needs_a_pass(client, world):
    admin = world.users["admin"]
    bank_with_questions(admin, world.root)
    quiz = services.quiz_create(
        actor=admin,
        organisation=world.root,
        title="q",
        theme=theme(),
        question_count=1,
        pass_mark=100,
    )
    course = published_course(admin, world.root, lessons=1, quiz=quiz)
    lesson = course.lessons.get()
    signed_in(client, world.users["member"])
    response = client.post(reverse("learning:lesson_complete", args=[lesson.pk]), follow=True)
    assert "请先通过本课时的课后测验" in response.content.decode()
    assert not LessonCompletion.objects.exists()


def test_secretary_without_member_record_cannot_complete(client, world):
    course = published_course(world.users["admin"], world.root)
    signed_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("learning:lesson_complete", args=[course.lessons.first().pk]), follow=True
    )
    assert "关联了党员档案" in response.content.decode()


def test_lesson_edited_while_draft_only(client, world):
    admin = world.users["admin"]
    course = services.course_create(
        actor=admin, organisation=world.root, title="c", theme=theme(), summary=""
    )
    lesson = services.lesson_create(
        actor=admin,
        course=course,
        title="旧标题",
        body="<p>正文</p>",
        hours=Decimal(1),
        link_url="",
    )
    signed_in(client, admin)
    url = reverse("learning:lesson_update", args=[lesson.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "新标题",
            "body": "<p>新正文<img src=x onerror=alert(1)></p>",
            "hours": "2",
            "link_url": "",
        },
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.title, lesson.hours) == ("新标题", Decimal(2)) and "onerror" not in lesson.body
    event = AuditEvent.objects.filter(target_type="learning.lesson", action="update").get()
    assert event.changes["title"] == ["旧标题", "新标题"]
    services.course_submit(actor=admin, course=course)
    response = client.post(url, {"title": "再改", "body": "<p>x</p>", "hours": "1", "link_url": ""})
    assert response.status_code == 200 and "请先撤回" in response.content.decode()
    signed_in(client, world.users["secretary_b"])
    assert client.get(url).status_code == 404
