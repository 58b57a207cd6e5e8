"""The learning journeys in a real browser: a member follows the plan, finishes a lesson,
takes a quiz and sees their hours go up; an organiser runs a class, records attendance,
reviews reflections and sees the copy flag."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import login, screenshot
from demo.learning import NEAR_COPY, NEAR_COPY_EDITED
from learning import services
from learning.models import Audience, Question, QuizAttempt, Reflection
from learning.tests.factories import RIGHT, bank_with_questions, published_course, theme

pytestmark = pytest.mark.browser


def test_member_follows_plan_finishes_lesson_and_takes_quiz(page, world):
    admin = world.users["admin"]
    year = date.today().year
    bank_with_questions(admin, world.root)
    quiz = services.quiz_create(
        actor=admin,
        organisation=world.root,
        title="党章知识测验",
        theme=theme(),
        question_count=1,
        time_limit_minutes=10,
        pass_mark=100,
    )
    course = published_course(admin, world.root, title="学习党章", lessons=1, hours="2")
    plan = services.plan_create(
        actor=admin, organisation=world.root, title="年度学习计划", year=year
    )
    services.plan_item_add(actor=admin, plan=plan, course=course, due_on=date(year, 12, 31))
    services.plan_assign(actor=admin, plan=plan, organisation=world.root, audience=Audience.ALL)
    services.plan_publish(actor=admin, plan=plan)

    login(page, "member", PASSWORD)
    page.click("nav >> text=学习")
    expect(page.locator("#hours-total")).to_have_text("0")
    page.click("#my-plan >> text=学习党章")
    page.click("#lessons >> text=第1课")
    page.click("#complete-lesson")
    expect(page.locator("#lesson-done")).to_be_visible()
    page.click("#learning-nav >> text=我的学习")
    expect(page.locator("#hours-total")).to_have_text("2")
    expect(page.locator("#my-plan")).to_contain_text("已完成")
    page.click("#learning-nav >> text=测验")
    page.click(f"#quiz-list >> text={quiz.title}")
    page.click("#start-quiz")
    page.wait_for_selector("#quiz-form")
    expect(page.locator("#time-left strong")).to_have_text(re.compile(r"^(10:00|9:[0-5]\d)$"))
    attempt = QuizAttempt.objects.get(member=world.member_a)
    question = Question.objects.get(pk=attempt.question_ids[0])
    if question.kind == "fill":
        page.fill(f"input[name=q{question.pk}]", RIGHT["fill"])
    else:
        for letter in RIGHT[question.kind]:
            page.check(f"#q{question.pk}{letter}")
    page.click("#submit-quiz")
    expect(page.locator("#score")).to_have_text("100")
    screenshot(page, "learning-quiz-result")
    page.set_viewport_size({"width": 375, "height": 800})
    page.click("nav button.navbar-toggler")
    page.click("nav >> text=学习")
    expect(page.locator("#hours-status")).to_be_visible()
    screenshot(page, "learning-my-study-375")


def test_organiser_runs_class_and_sees_copy_flag(page, world):
    admin = world.users["admin"]
    today = date.today()
    training_class = services.class_create(
        actor=admin,
        organisation=world.root,
        title="延安精神培训班",
        description="",
        starts_on=today - timedelta(days=4),
        ends_on=today - timedelta(days=1),
    )
    services.quota_set(actor=admin, training_class=training_class, organisation=world.root, seats=5)
    a = services.participant_nominate(
        actor=admin, training_class=training_class, member=world.member_a
    )
    b = services.participant_nominate(
        actor=admin, training_class=training_class, member=world.member_b
    )
    Reflection.objects.create(
        participant=a, title="心得甲", body=NEAR_COPY, submitted_at=timezone.now()
    )
    copy = Reflection.objects.create(
        participant=b, title="心得乙", body=NEAR_COPY_EDITED, submitted_at=timezone.now()
    )
    services.check_copies()

    login(page, "admin", PASSWORD)
    page.goto(page.base_url + f"/learning/classes/{training_class.pk}/")
    page.fill("#id_on", (today - timedelta(days=3)).isoformat())
    page.fill("#id_hours", "3")
    page.fill("#id_topic", "延安精神的形成与发展")
    page.click("text=添加课次")
    page.click("#sessions >> text=登记出勤")
    for select in page.locator("#attendance select").all():
        select.select_option("present")
    page.click("#save-attendance")
    expect(page.locator(".alert-success")).to_be_visible()
    page.goto(page.base_url + f"/learning/classes/{training_class.pk}/")
    expect(page.locator("#participants")).to_contain_text("疑似雷同")
    page.click("#participants >> text=待审阅 >> nth=1")
    expect(page.locator("#copy-flags")).to_contain_text("通过本次培训")
    page.select_option("#id_decision", "return")
    page.fill("#id_comment", "请用自己的话写体会")
    page.click("#review-reflection")
    expect(page.locator("#reflection-status")).to_have_text("退回修改")
    copy.refresh_from_db()
    assert copy.status == "returned" or Reflection.objects.filter(status="returned").count() == 1
    screenshot(page, "learning-reflection-flag")
