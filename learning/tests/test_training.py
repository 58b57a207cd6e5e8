"""Training classes through the pages: quotas, attendance credited and reversed, reflections
submitted, returned and accepted, the class report, certificates and their public check; and
external training entered by a secretary."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from core.tests.personas import signed_in
from learning import selectors, services
from learning.models import Participant, Reflection, ReflectionStatus, StudyRecord
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def training_class(world):
    admin = world.users["admin"]
    training_class = services.class_create(
        actor=admin,
        organisation=world.root,
        title="延安精神培训班",
        description="",
        starts_on=TODAY - timedelta(days=6),
        ends_on=TODAY - timedelta(days=1),
        organisers=[admin],
    )
    services.quota_set(
        actor=admin, training_class=training_class, organisation=world.org_a, seats=2
    )
    return training_class


def test_secretary_nominates_within_quota(client, world, training_class):
    signed_in(client, world.users["secretary_a"])
    extra = [MemberFactory(organisation=world.branch_a) for _ in range(2)]
    url = reverse("learning:nominate", args=[training_class.pk])
    client.post(url, {"member": world.member_a.pk})
    client.post(url, {"member": extra[0].pk})
    response = client.post(url, {"member": extra[1].pk}, follow=True)
    assert "名额（2 人）已满" in response.content.decode()
    assert Participant.objects.filter(training_class=training_class).count() == 2
    # Org b has no quota; its secretary cannot nominate org b's members.
    signed_in(client, world.users["secretary_b"])
    response = client.post(url, {"member": world.member_b.pk})
    assert response.status_code == 404


def test_attendance_credits_and_reverses(client, world, training_class):
    admin = world.users["admin"]
    participant = services.participant_nominate(
        actor=admin, training_class=training_class, member=world.member_a
    )
    signed_in(client, admin)
    response = client.post(
        reverse("learning:session_create", args=[training_class.pk]),
        {
            "on": (TODAY - timedelta(days=5)).isoformat(),
            "hours": "3",
            "topic": "延安精神",
            "lecturer": "",
            "place": "延安",
        },
    )
    assert response.status_code == 302
    session = training_class.sessions.get()
    url = reverse("learning:session_attendance", args=[session.pk])
    assert client.get(url).status_code == 200
    client.post(url, {f"p{participant.pk}": "present"})
    year = session.on.year
    assert selectors.member_year_hours(world.member_a, year) == Decimal(3)
    client.post(url, {f"p{participant.pk}": "present"})  # unchanged: nothing more
    assert StudyRecord.objects.filter(member=world.member_a).count() == 1
    client.post(url, {f"p{participant.pk}": "excused"})
    assert selectors.member_year_hours(world.member_a, year) == 0
    entries = list(StudyRecord.objects.filter(member=world.member_a).order_by("pk"))
    assert [e.hours for e in entries] == [Decimal(3), Decimal(-3)]
    assert entries[1].reverses == entries[0]
    assert AuditEvent.objects.filter(target_type="learning.sessionattendance").count() == 2
    # Bad status: a message, nothing written.
    client.post(url, {f"p{participant.pk}": "online"})
    assert StudyRecord.objects.filter(member=world.member_a).count() == 2


def test_session_outside_class_dates_is_refused(client, world, training_class):
    signed_in(client, world.users["admin"])
    response = client.post(
        reverse("learning:session_create", args=[training_class.pk]),
        {"on": (TODAY + timedelta(days=30)).isoformat(), "hours": "3", "topic": "x"},
        follow=True,
    )
    assert "课次日期须在培训班起止日期内" in response.content.decode()
    response = client.post(
        reverse("learning:session_create", args=[training_class.pk]),
        {"on": "not-a-date", "hours": "99", "topic": "x"},
        follow=True,
    )
    assert response.status_code == 200 and not training_class.sessions.exists()


def test_reflection_submitted_returned_and_resubmitted(client, world, training_class):
    admin = world.users["admin"]
    services.participant_nominate(actor=admin, training_class=training_class, member=world.member_a)
    signed_in(client, world.users["member"])
    url = reverse("learning:reflection_submit", args=[training_class.pk])
    response = client.post(url, {"title": "心得", "body": "太短"})
    assert response.status_code == 200 and "正文不少于" in response.content.decode()
    body = "通过学习延安精神，我认识到实事求是的重要性。" * 5
    response = client.post(url, {"title": "心得", "body": body})
    reflection = Reflection.objects.get()
    assert response.status_code == 302 and reflection.status == ReflectionStatus.SUBMITTED
    signed_in(client, admin)
    review = reverse("learning:reflection_review", args=[reflection.pk])
    client.post(review, {"decision": "return", "comment": ""})
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.SUBMITTED  # a return needs a comment
    client.post(review, {"decision": "return", "comment": "请结合本职工作谈体会"})
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.RETURNED
    signed_in(client, world.users["member"])
    page = client.get(url).content.decode()
    assert "请结合本职工作谈体会" in page
    client.post(url, {"title": "心得（修改）", "body": body + "回到岗位后，我将简化审批材料。"})
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.SUBMITTED and reflection.title == "心得（修改）"
    assert Reflection.objects.count() == 1


def test_report_certificate_and_public_check(client, world, training_class):
    admin = world.users["admin"]
    participant = services.participant_nominate(
        actor=admin, training_class=training_class, member=world.member_a
    )
    signed_in(client, admin)
    response = client.get(reverse("learning:class_report", args=[training_class.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=3, column=1).value == world.member_a.name
    assert AuditEvent.objects.filter(action="export", target_type="learning.trainingclass").exists()
    client.post(reverse("learning:certificate_issue", args=[participant.pk]))
    participant.refresh_from_db()
    code = participant.certificate_code
    assert len(code) == 12
    pdf = client.get(reverse("learning:certificate_pdf", args=[participant.pk]))
    assert pdf.status_code in (200, 503)  # 503 only where Pango is missing
    client.logout()
    page = client.get(
        reverse("learning:certificate_verify"), {"code": code.lower()}
    ).content.decode()
    masked = world.member_a.name[0] + "*" * (len(world.member_a.name) - 1)
    assert "证书有效" in page and masked in page and world.member_a.name not in page
    page = client.get(reverse("learning:certificate_verify"), {"code": "NOTACODE"}).content.decode()
    assert "未找到" in page


def test_verify_is_rate_limited(client, world, settings):
    from learning import views

    for _ in range(views.VERIFY_LIMIT_PER_HOUR):
        assert client.get(reverse("learning:certificate_verify"), {"code": "X"}).status_code == 200
    assert client.get(reverse("learning:certificate_verify"), {"code": "X"}).status_code == 429


def test_external_training_entered_by_secretary(client, world):
    signed_in(client, world.users["secretary_a"])
    url = reverse("learning:external_create", args=[world.member_a.pk])
    response = client.post(
        url,
        {
            "title": "州委党校主体班",
            "provider": "州委党校",
            "on": "2026-13-01",
            "hours": "500",
            "evidence": "",
        },
    )
    assert response.status_code == 200
    assert not StudyRecord.objects.exists()
    on = TODAY - timedelta(days=3)
    response = client.post(
        url,
        {
            "title": "州委党校主体班",
            "provider": "州委党校",
            "on": on.isoformat(),
            "hours": "24",
            "evidence": "结业证书 2026-015",
        },
    )
    assert response.status_code == 302
    record = StudyRecord.objects.get()
    assert record.source_kind == "external" and record.hours == Decimal(24)
    # The secretary corrects it by a reversing entry through the member's ledger page.
    reverse_url = reverse("learning:record_reverse", args=[record.pk])
    client.post(reverse_url, {"reason": ""})
    assert StudyRecord.objects.count() == 1
    client.post(reverse_url, {"reason": "证书与本人不符"})
    assert selectors.member_year_hours(world.member_a, on.year) == 0
    client.post(reverse_url, {"reason": "再次"})
    assert StudyRecord.objects.count() == 2
    signed_in(client, world.users["secretary_b"])
    assert client.get(url).status_code == 404


def test_submitted_reflection_is_checked_and_totals_rebuild(
    client, world, training_class, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from demo.learning import NEAR_COPY, NEAR_COPY_EDITED
    from learning.models import CopyFlag

    admin = world.users["admin"]
    other = services.participant_nominate(
        actor=admin,
        training_class=training_class,
        member=MemberFactory(organisation=world.branch_a),
    )
    Reflection.objects.create(
        participant=other, title="甲", body=NEAR_COPY, submitted_at=timezone.now()
    )
    services.participant_nominate(actor=admin, training_class=training_class, member=world.member_a)
    signed_in(client, world.users["member"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("learning:reflection_submit", args=[training_class.pk]),
            {"title": "乙", "body": NEAR_COPY_EDITED},
        )
    mine = Reflection.objects.get(title="乙")
    assert CopyFlag.objects.filter(
        reflection=mine
    ).exists()  # the task ran (immediate backend in tests)
    services.credit_study_hours(
        actor=admin,
        member=world.member_a,
        on=TODAY,
        hours=Decimal(2),
        source_kind="lesson",
        source=mine,
        description="x",
    )
    call_command("rebuild_study_totals", stdout=io.StringIO())
    assert selectors.member_year_hours(world.member_a, TODAY.year) == Decimal(2)
    out = io.StringIO()
    call_command("check_reflection_copies", stdout=out)
    assert "flags" in out.getvalue()
