"""Builders for the learning tests: published content made through the services."""

from decimal import Decimal

from learning import services
from learning.models import Theme


def theme(name="党章党规"):
    return Theme.objects.get_or_create(name=name)[0]


def published_course(
    actor, organisation, *, title="学习党章", lessons=2, hours="1.5", quiz=None, topic=None
):
    topic = topic or theme()
    course = services.course_create(
        actor=actor, organisation=organisation, title=title, theme=topic, summary=""
    )
    for n in range(1, lessons + 1):
        services.lesson_create(
            actor=actor,
            course=course,
            title=f"第{n}课",
            body=f"<p>第{n}课正文</p>",
            order=n,
            hours=Decimal(hours),
            link_url="",
            quiz=quiz if n == lessons else None,
        )
    services.course_submit(actor=actor, course=course)
    services.course_review(actor=actor, course=course, approve=True, comment="")
    return course


def bank_with_questions(actor, organisation, topic=None, *, extra=()):
    topic = topic or theme()
    bank = services.bank_create(actor=actor, organisation=organisation, title="题库", theme=topic)
    questions = [
        services.question_create(
            actor=actor,
            bank=bank,
            kind="multiple",
            text="三会包括？",
            options=["支部党员大会", "支委会", "党小组会", "民主生活会"],
            answer="ABC",
            explanation="民主生活会不是。",
            difficulty=2,
        ),
        services.question_create(
            actor=actor,
            bank=bank,
            kind="single",
            text="预备期多长？",
            options=["半年", "一年"],
            answer="B",
            explanation="",
            difficulty=1,
        ),
        services.question_create(
            actor=actor,
            bank=bank,
            kind="true_false",
            text="党员须交党费。",
            options=[],
            answer="对",
            explanation="",
            difficulty=1,
        ),
        services.question_create(
            actor=actor,
            bank=bank,
            kind="fill",
            text="党成立于____年。",
            options=[],
            answer="1921",
            explanation="",
            difficulty=1,
        ),
        *extra,
    ]
    return bank, questions


RIGHT = {"multiple": "ABC", "single": "B", "true_false": "T", "fill": "1921"}
