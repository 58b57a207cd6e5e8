"""The learning app's rows in the URL walk (core/tests/test_url_access.py)."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from core.tests.url_walk import ALL_OK, LOGIN, PERSONAS, api, api_scoped, party, scoped
from learning.models import (
    Audience,
    ClassQuota,
    ClassSession,
    Course,
    LearningPlan,
    Lesson,
    Participant,
    PlanAssignment,
    PlanItem,
    Question,
    QuestionBank,
    Quiz,
    QuizAttempt,
    Reflection,
    ReviewStatus,
    Theme,
    TrainingClass,
)
from learning.services import credit_study_hours

MANAGERS = {**party(), "member": 404}
NOBODY = {**{p: 404 for p in PERSONAS}, "anonymous": LOGIN}


def own_member_only(status=200):
    """Side a's object belongs to the member persona, who alone reaches it; side b's to a
    member without an account."""
    return {"a": {**NOBODY, "member": status}, "b": NOBODY}


def side_objects(world, side, base):
    admin = world.users["admin"]
    theme, _created = Theme.objects.get_or_create(name="党章党规", defaults={"order": 2})
    organisation = base.organisation
    course = Course.objects.create(
        title=f"党章学习{side}",
        theme=theme,
        organisation=organisation,
        status=ReviewStatus.PUBLISHED,
        author=admin,
    )
    lesson = Lesson(course=course, order=1, title="总纲", body="<p>党章总纲</p>", hours=Decimal(1))
    lesson.file.save("lesson.pdf", ContentFile(b"%PDF-1.4\n%test\n"), save=False)
    lesson.file_kind, lesson.file_name = "pdf", "总纲.pdf"
    lesson.save()
    bank = QuestionBank.objects.create(
        title="题库", theme=theme, organisation=organisation, created_by=admin
    )
    questions = [
        Question.objects.create(bank=bank, kind="true_false", text=f"判断{n}", answer="T")
        for n in range(2)
    ]
    quiz = Quiz.objects.create(
        title="党章测验", organisation=organisation, theme=theme, question_count=2, created_by=admin
    )
    now = timezone.now()
    attempt_open = QuizAttempt.objects.create(
        quiz=quiz, member=base.member, question_ids=[q.pk for q in questions], started_at=now
    )
    attempt_done = QuizAttempt.objects.create(
        quiz=quiz,
        member=base.member,
        question_ids=[q.pk for q in questions],
        started_at=now,
        submitted_at=now,
        answers={str(q.pk): "T" for q in questions},
        correct_count=2,
        score=100,
        passed=True,
    )
    plan = LearningPlan.objects.create(
        title="年度学习计划",
        year=date.today().year,
        organisation=organisation,
        status=ReviewStatus.PUBLISHED,
        created_by=admin,
    )
    PlanItem.objects.create(plan=plan, course=course, due_on=date(date.today().year, 12, 31))
    PlanAssignment.objects.create(plan=plan, organisation=organisation, audience=Audience.ALL)
    training_class = TrainingClass.objects.create(
        title="延安精神培训班",
        organisation=organisation,
        starts_on=date.today() - timedelta(days=10),
        ends_on=date.today() - timedelta(days=5),
        created_by=admin,
    )
    session = ClassSession.objects.create(
        training_class=training_class,
        on=date.today() - timedelta(days=8),
        hours=Decimal(3),
        topic="延安精神",
    )
    quota = ClassQuota.objects.create(
        training_class=training_class, organisation=organisation, seats=5
    )
    participant = Participant.objects.create(
        training_class=training_class,
        member=base.member,
        quota=quota,
        nominated_by=admin,
        certificate_code=f"TESTCODE{side.upper()}",
        certificate_issued_at=now,
    )
    reflection = Reflection.objects.create(
        participant=participant, title="心得", body="学习延安精神的体会" * 10, submitted_at=now
    )
    record = credit_study_hours(
        actor=admin,
        member=base.member,
        on=date.today(),
        hours=Decimal(2),
        source_kind="meeting",
        source=session,
        description="学习",
    )
    return {
        "course": course,
        "lesson": lesson,
        "bank": bank,
        "quiz": quiz,
        "attempt_open": attempt_open,
        "attempt_done": attempt_done,
        "plan": plan,
        "training_class": training_class,
        "session": session,
        "participant": participant,
        "reflection": reflection,
        "study_record": record,
    }


def _pk(attr):
    return lambda s: {"pk": getattr(s, attr).pk}


ROUTES = {
    "learning:my_study": ("get", None, party()),
    "learning:hours_dashboard": ("get", None, MANAGERS),
    "learning:member_hours": ("get", _pk("member"), scoped(member=200)),
    "learning:external_create": ("get", _pk("member"), scoped()),
    "learning:record_reverse": ("post", _pk("study_record"), scoped(ok=302)),
    "learning:course_list": ("get", None, party()),
    "learning:course_create": ("get", None, MANAGERS),
    "learning:course_detail": ("get", _pk("course"), scoped(member=200)),
    "learning:course_update": ("get", _pk("course"), scoped()),
    "learning:course_submit": ("post", _pk("course"), scoped(ok=302)),
    "learning:course_review": ("post", _pk("course"), scoped(ok=302)),
    "learning:course_withdraw": ("post", _pk("course"), scoped(ok=302)),
    "learning:lesson_create": ("get", _pk("course"), scoped()),
    "learning:lesson_detail": ("get", _pk("lesson"), scoped(member=200)),
    "learning:lesson_update": ("get", _pk("lesson"), scoped()),
    "learning:lesson_file": ("get", _pk("lesson"), scoped(member=200)),
    "learning:lesson_complete": ("post", _pk("lesson"), scoped(ok=302, member=302)),
    # The walk posts nothing: no direction is a 400 for those who may edit the course.
    "learning:lesson_move": ("post", _pk("lesson"), scoped(ok=400)),
    "learning:lesson_remove": ("post", _pk("lesson"), scoped(ok=302)),
    "learning:plan_list": ("get", None, party()),
    "learning:plan_create": ("get", None, MANAGERS),
    "learning:plan_detail": ("get", _pk("plan"), scoped(member=200)),
    "learning:plan_item_add": ("get", _pk("plan"), scoped()),
    "learning:plan_assign": ("get", _pk("plan"), scoped()),
    "learning:plan_publish": ("post", _pk("plan"), scoped(ok=302)),
    "learning:bank_list": ("get", None, MANAGERS),
    "learning:bank_create": ("get", None, MANAGERS),
    "learning:bank_template": ("get", None, MANAGERS),
    "learning:bank_detail": ("get", _pk("bank"), scoped()),
    "learning:question_create": ("get", _pk("bank"), scoped()),
    "learning:bank_import": ("get", _pk("bank"), scoped()),
    "learning:bank_import_apply": ("post", _pk("bank"), scoped(ok=302)),
    "learning:quiz_list": ("get", None, party()),
    "learning:quiz_create": ("get", None, MANAGERS),
    "learning:quiz_detail": ("get", _pk("quiz"), scoped(member=200)),
    "learning:attempt_start": ("post", _pk("quiz"), scoped(ok=302, member=302)),
    "learning:attempt_take": ("get", _pk("attempt_open"), own_member_only()),
    "learning:attempt_review": ("get", _pk("attempt_done"), own_member_only()),
    "learning:class_list": ("get", None, party()),
    "learning:class_create": ("get", None, MANAGERS),
    "learning:class_detail": ("get", _pk("training_class"), scoped(member=200)),
    "learning:quota_set": ("post", _pk("training_class"), scoped(ok=302)),
    "learning:nominate": ("post", _pk("training_class"), scoped(ok=302)),
    "learning:session_create": ("post", _pk("training_class"), scoped(ok=302)),
    "learning:reflection_submit": ("get", _pk("training_class"), own_member_only()),
    "learning:class_report": ("get", _pk("training_class"), scoped()),
    "learning:session_attendance": ("get", _pk("session"), scoped()),
    "learning:reflection_detail": ("get", _pk("reflection"), scoped(member=200)),
    "learning:reflection_review": ("post", _pk("reflection"), scoped(ok=302)),
    "learning:certificate_issue": ("post", _pk("participant"), scoped(ok=302)),
    "learning:certificate_pdf": ("get", _pk("participant"), scoped(member=200)),
    "learning:certificate_verify": ("get", None, ALL_OK),
    "api:learning-member-hours": ("get", _pk("member"), api_scoped(member=200)),
    "api:learning-member-records": ("get", _pk("member"), api_scoped(member=200)),
    # The walk posts nothing: a 400 for those who may enter it, 404 for the rest.
    "api:learning-member-external-training": ("post", _pk("member"), scoped(ok=400, base=api())),
    "api:learning-organisation-progress": ("get", _pk("organisation"), api_scoped()),
}
