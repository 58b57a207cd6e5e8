"""Quizzes through the pages: random draw, exact grading (a partial multiple-choice answer is
wrong), time limit, attempt limit, review of wrong answers, own results only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.tests.personas import signed_in
from learning import grading, services
from learning.models import QuizAttempt
from learning.tests.factories import RIGHT, bank_with_questions, theme

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "answer", "given", "right"),
    [
        ("multiple", "ABC", "ABC", True),
        ("multiple", "ABC", ["C", "B", "A"], True),
        ("multiple", "ABC", "AB", False),  # partial: wrong
        ("multiple", "ABC", "ABCD", False),  # too many: wrong
        ("multiple", "ABC", "", False),
        ("single", "B", "b", True),
        ("single", "B", "AB", False),
        ("true_false", "T", "对", True),
        ("true_false", "T", "F", False),
        ("true_false", "T", "", False),
        ("fill", "季度|一季度", " 季 度 ", True),
        ("fill", "1921", "１９２１", True),  # full-width digits
        ("fill", "1921", "1922", False),
        ("fill", "1921", "", False),
    ],
)
def test_grading_rules(kind, answer, given, right):
    assert grading.is_correct(kind, answer, given) is right


@pytest.fixture
def quiz(world):
    admin = world.users["admin"]
    bank_with_questions(admin, world.root)
    return services.quiz_create(
        actor=admin,
        organisation=world.root,
        title="党章测验",
        theme=theme(),
        question_count=4,
        time_limit_minutes=10,
        pass_mark=75,
        attempt_limit=2,
    )


def start(client, quiz):
    response = client.post(reverse("learning:attempt_start", args=[quiz.pk]))
    assert response.status_code == 302
    return QuizAttempt.objects.order_by("-pk").first()


def answer_all(attempt, *, partial_multiple=False):
    from learning.models import Question

    data = {}
    for question in Question.objects.filter(pk__in=attempt.question_ids):
        value = RIGHT[question.kind]
        if question.kind == "multiple":
            data[f"q{question.pk}"] = list("AB" if partial_multiple else value)
        else:
            data[f"q{question.pk}"] = value
    return data


def test_member_takes_quiz_and_passes(client, world, quiz):
    signed_in(client, world.users["member"])
    attempt = start(client, quiz)
    assert (
        sorted(attempt.question_ids) == sorted(set(attempt.question_ids))
        and len(attempt.question_ids) == 4
    )
    assert client.get(reverse("learning:attempt_take", args=[attempt.pk])).status_code == 200
    response = client.post(reverse("learning:attempt_take", args=[attempt.pk]), answer_all(attempt))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.score, attempt.passed) == (4, 100, True)
    assert (
        AuditEvent.objects.filter(
            target_type="learning.quizattempt", target_id=str(attempt.pk)
        ).count()
        == 2
    )
    page = client.get(reverse("learning:attempt_review", args=[attempt.pk])).content.decode()
    assert "全部答对" in page


def test_partial_multiple_choice_is_wrong_and_reviewed(client, world, quiz):
    signed_in(client, world.users["member"])
    attempt = start(client, quiz)
    client.post(
        reverse("learning:attempt_take", args=[attempt.pk]),
        answer_all(attempt, partial_multiple=True),
    )
    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.score, attempt.passed) == (3, 75, True)
    page = client.get(reverse("learning:attempt_review", args=[attempt.pk])).content.decode()
    assert (
        "三会包括？" in page and "民主生活会不是。" in page
    )  # the wrong one, with its explanation


def test_late_submission_scores_nothing(client, world, quiz):
    signed_in(client, world.users["member"])
    attempt = start(client, quiz)
    assert attempt.deadline is not None
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - timedelta(minutes=30),
        deadline=timezone.now() - timedelta(minutes=5),
    )
    client.post(reverse("learning:attempt_take", args=[attempt.pk]), answer_all(attempt))
    attempt.refresh_from_db()
    assert attempt.late and attempt.score == 0 and not attempt.passed


def test_within_grace_still_counts(client, world, quiz):
    signed_in(client, world.users["member"])
    attempt = start(client, quiz)
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=20)
    )
    client.post(reverse("learning:attempt_take", args=[attempt.pk]), answer_all(attempt))
    attempt.refresh_from_db()
    assert not attempt.late and attempt.score == 100


def test_attempt_limit(client, world, quiz):
    signed_in(client, world.users["member"])
    start(client, quiz)
    start(client, quiz)
    response = client.post(reverse("learning:attempt_start", args=[quiz.pk]), follow=True)
    assert "作答次数上限" in response.content.decode()
    assert QuizAttempt.objects.filter(quiz=quiz).count() == 2


def test_submitting_twice_is_refused(client, world, quiz):
    signed_in(client, world.users["member"])
    attempt = start(client, quiz)
    client.post(reverse("learning:attempt_take", args=[attempt.pk]), answer_all(attempt))
    client.post(reverse("learning:attempt_take", args=[attempt.pk]), {})
    attempt.refresh_from_db()
    assert attempt.score == 100


def test_own_results_only(client, world, quiz):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    signed_in(client, world.users["member"])
    attempt = start(client, quiz)
    other = UserFactory(role=Role.MEMBER, member=world.member_b)
    client.force_login(other)
    assert client.get(reverse("learning:attempt_take", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("learning:attempt_review", args=[attempt.pk])).status_code == 404
    # Even the committee admin does not open a member's answer sheet.
    client.force_login(world.users["admin"])
    assert client.get(reverse("learning:attempt_take", args=[attempt.pk])).status_code == 404


def test_quiz_needs_enough_questions(client, world):
    signed_in(client, world.users["admin"])
    bank_with_questions(world.users["admin"], world.root)
    response = client.post(
        reverse("learning:quiz_create"),
        {
            "title": "测",
            "organisation": world.root.pk,
            "theme": theme().pk,
            "question_count": 50,
            "pass_mark": 60,
        },
    )
    assert response.status_code == 200
    assert "不足抽取" in response.content.decode()


@pytest.mark.parametrize(
    "field,value",
    [
        ("question_count", "0"),
        ("pass_mark", "101"),
        ("time_limit_minutes", "-1"),
        ("title", "x" * 500),
    ],
)
def test_quiz_form_bad_input(client, world, field, value):
    signed_in(client, world.users["admin"])
    data = {
        "title": "测",
        "organisation": world.root.pk,
        "theme": theme().pk,
        "question_count": 1,
        "pass_mark": 60,
    }
    data[field] = value
    response = client.post(reverse("learning:quiz_create"), data)
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()


def test_account_without_member_record_is_told_why_it_cannot_take_a_quiz(client, world, quiz):
    """The committee admin (no member record) opens a quiz: no start button, and a sentence
    saying why, instead of an empty page."""
    signed_in(client, world.users["admin"])
    page = client.get(reverse("learning:quiz_detail", args=[quiz.pk])).content.decode()
    assert 'id="start-quiz"' not in page
    assert 'id="no-member-record"' in page and "未关联党员档案" in page
    signed_in(client, world.users["member"])
    page = client.get(reverse("learning:quiz_detail", args=[quiz.pk])).content.decode()
    assert 'id="start-quiz"' in page and 'id="no-member-record"' not in page
