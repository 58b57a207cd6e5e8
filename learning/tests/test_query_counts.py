"""Every list and dashboard of the learning app runs a fixed number of queries, whatever the
number of rows (checked at two sizes, so an N+1 shows)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.tests.personas import signed_in
from learning import services
from learning.models import Audience, Reflection
from learning.tests.factories import bank_with_questions, published_course, theme
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def add_rows(world, n, start):
    admin = world.users["admin"]
    today = date.today()
    for i in range(start, start + n):
        course = published_course(admin, world.root, title=f"课程{i}", lessons=1)
        member = MemberFactory(organisation=world.branch_a)
        services.credit_study_hours(
            actor=admin,
            member=member,
            on=today,
            hours=Decimal(i + 1),
            source_kind="lesson",
            source=course,
            description="x",
        )
        services.credit_study_hours(
            actor=admin,
            member=world.member_a,
            on=today,
            hours=Decimal(1),
            source_kind="lesson",
            source=course,
            description="x",
        )
        plan = services.plan_create(
            actor=admin, organisation=world.root, title=f"计划{i}", year=today.year
        )
        services.plan_item_add(
            actor=admin, plan=plan, course=course, due_on=date(today.year, 12, 31)
        )
        services.plan_assign(actor=admin, plan=plan, organisation=world.root, audience=Audience.ALL)
        services.plan_publish(actor=admin, plan=plan)
        bank, _questions = bank_with_questions(admin, world.root)
        services.quiz_create(
            actor=admin, organisation=world.root, title=f"测验{i}", theme=theme(), question_count=2
        )
        training_class = services.class_create(
            actor=admin,
            organisation=world.root,
            title=f"班{i}",
            description="",
            starts_on=today - timedelta(days=3),
            ends_on=today - timedelta(days=1),
        )
        services.quota_set(
            actor=admin, training_class=training_class, organisation=world.root, seats=5
        )
        participant = services.participant_nominate(
            actor=admin, training_class=training_class, member=member
        )
        Reflection.objects.create(
            participant=participant, title="t", body="体会" * 40, submitted_at=timezone.now()
        )
    return training_class


PAGES = [
    ("learning:my_study", "member", None),
    ("learning:hours_dashboard", "admin", None),
    ("learning:course_list", "admin", None),
    ("learning:course_list", "member", None),
    ("learning:plan_list", "admin", None),
    ("learning:quiz_list", "member", None),
    ("learning:class_list", "admin", None),
    ("learning:bank_list", "admin", None),
    ("learning:member_hours", "admin", "member"),
    ("learning:plan_detail", "admin", "plan"),
    ("learning:class_detail", "admin", "class"),
]


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "persona", "arg"), PAGES)
def test_fixed_query_count(client, world, name, persona, arg):
    from learning.models import LearningPlan, TrainingClass

    def url():
        if arg == "member":
            return reverse(name, args=[world.member_a.pk])
        if arg == "plan":
            return reverse(name, args=[LearningPlan.objects.order_by("pk").first().pk])
        if arg == "class":
            return reverse(name, args=[TrainingClass.objects.order_by("pk").first().pk])
        return reverse(name)

    add_rows(world, 3, 0)
    signed_in(client, world.users[persona])
    small = count(client, url())
    add_rows(world, 3, 3)
    large = count(client, url())
    assert small == large, (name, small, large)
    assert large <= 30, (name, large)


MY_STUDY_BUDGET = 10


def add_my_study_rows(world, n, start):
    """More of everything "my study" reads for member_a: plan courses (add_rows), quiz
    attempts with wrong answers (so the theme recommendations run), positions and lessons
    completed."""
    from learning.models import Quiz, QuizAttempt
    from organisations.tests.factories import PositionFactory

    add_rows(world, n, start)
    admin = world.users["admin"]
    now = timezone.now()
    for i in range(start, start + n):
        topic = theme(f"专题{i}")
        published_course(admin, world.root, title=f"专题课程{i}", lessons=2, topic=topic)
        quiz = Quiz.objects.create(
            title=f"专题测验{i}",
            organisation=world.root,
            theme=topic,
            question_count=4,
            created_by=admin,
        )
        QuizAttempt.objects.create(
            quiz=quiz,
            member=world.member_a,
            question_ids=[1, 2, 3, 4],
            started_at=now,
            submitted_at=now,
            answers={},
            correct_count=1,
            score=25,
            passed=False,
        )
        PositionFactory(
            organisation=world.branch_a,
            member=world.member_a,
            title="committee_member",
            term_start=date(date.today().year - 1, 1, i + 1),
            ended_on=date(date.today().year - 1, 6, i + 1),
        )


def test_my_study_within_budget_at_two_sizes(client, world):
    """我的学习 stays within its budget (≤ 10 queries, the session and the account included)
    whatever the number of plan courses, entries, attempts and positions."""
    add_my_study_rows(world, 3, 0)
    signed_in(client, world.users["member"])
    url = reverse("learning:my_study")
    small = count(client, url)
    page = client.get(url).content.decode()
    assert "错题较多" in page  # the theme recommendations ran
    add_my_study_rows(world, 4, 3)
    large = count(client, url)
    assert small == large <= MY_STUDY_BUDGET, (small, large)
