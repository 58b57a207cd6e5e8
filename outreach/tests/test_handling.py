"""The handlers' side: scope, the state machine, reassignment, notes, moderation, the
deadline clock, wishes, consultations."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from core.models import Notification
from core.tests.personas import signed_in
from outreach import services
from outreach.models import EntryKind, Request, Status

from .factories import (
    AreaFactory,
    ConsultationFactory,
    RequestFactory,
    ResponseFactory,
    RuleFactory,
    WishFactory,
    category,
)


def act(client, req, **data):
    return client.post(reverse("outreach:handle_action", args=[req.pk]), data, follow=True)


def test_a_secretary_handles_their_subtree_and_never_the_other(client, world):
    own = RequestFactory(organisation=world.branch_a)
    other = RequestFactory(organisation=world.org_b)
    signed_in(client, world.users["secretary_a"])
    body = client.get(reverse("outreach:handle_list")).content.decode()
    assert own.code in body and other.code not in body
    assert client.get(reverse("outreach:handle_detail", args=[other.pk])).status_code == 404
    assert act(client, other, to=Status.ACCEPTED).status_code == 404
    other.refresh_from_db()
    assert other.status == Status.RECEIVED


def test_accept_answer_and_audit(client, world):
    req = RequestFactory(organisation=world.branch_a)
    signed_in(client, world.users["secretary_a"])
    act(client, req, to=Status.ACCEPTED)
    page = act(client, req, to=Status.ANSWERED, answer="路灯已于今日修复。")
    req.refresh_from_db()
    assert req.status == Status.ANSWERED and req.answer_approved and req.answered_at
    assert "已更新为“已答复”" in page.content.decode()
    changes = [e.changes for e in AuditEvent.objects.filter(target_id=str(req.pk))]
    assert {"status": [Status.RECEIVED, Status.ACCEPTED]} in changes
    assert {"status": [Status.ACCEPTED, Status.ANSWERED]} in changes


def test_illegal_transitions_are_refused_in_chinese(client, world):
    req = RequestFactory(organisation=world.branch_a)
    signed_in(client, world.users["secretary_a"])
    body = act(client, req, to=Status.CLOSED).content.decode()
    assert "诉求当前为“已接收”，不能改为“已办结”。" in body
    req.refresh_from_db()
    assert req.status == Status.RECEIVED
    body = act(client, req, to=Status.REJECTED, reason="").content.decode()
    assert "请填写理由" in body
    act(client, req, to="nonsense")
    req.refresh_from_db()
    assert req.status == Status.RECEIVED


def test_answer_needs_text_and_duplicate_links_its_original(client, world):
    original = RequestFactory(organisation=world.branch_a)
    req = RequestFactory(organisation=world.branch_a, status=Status.ACCEPTED)
    signed_in(client, world.users["secretary_a"])
    assert "请填写公开答复" in act(client, req, to=Status.ANSWERED, answer=" ").content.decode()
    act(client, req, to=Status.DUPLICATE, duplicate_code=original.code.lower())
    req.refresh_from_db()
    assert req.status == Status.DUPLICATE and req.duplicate_of == original


def test_reassign_with_reason_moves_it_out_of_scope(client, world):
    req = RequestFactory(organisation=world.branch_a)
    signed_in(client, world.users["secretary_a"])
    url = reverse("outreach:handle_reassign", args=[req.pk])
    client.post(url, {"organisation": world.org_b.pk, "reason": ""})
    req.refresh_from_db()
    assert req.organisation == world.branch_a
    response = client.post(url, {"organisation": world.org_b.pk, "reason": "属乙局职责"})
    assert response["Location"] == reverse("outreach:handle_list")
    req.refresh_from_db()
    assert req.organisation == world.org_b and req.status == Status.RECEIVED
    assert req.entries.filter(kind=EntryKind.ROUTE, text__contains="属乙局职责").exists()
    assert AuditEvent.objects.filter(target_id=str(req.pk), reason="属乙局职责").exists()


def test_internal_notes_never_reach_the_public(client, world):
    req = RequestFactory(organisation=world.branch_a)
    signed_in(client, world.users["secretary_a"])
    client.post(reverse("outreach:handle_note", args=[req.pk]), {"text": "内部：与电力公司联系"})
    assert (
        "与电力公司联系"
        in client.get(reverse("outreach:handle_detail", args=[req.pk])).content.decode()
    )
    client.logout()
    assert (
        "与电力公司联系"
        not in client.get(reverse("outreach:track", args=[req.code])).content.decode()
    )


def test_answer_approval_by_a_second_person(client, world, settings):
    settings.OUTREACH_ANSWER_APPROVAL = True
    req = RequestFactory(organisation=world.branch_a, status=Status.ACCEPTED)
    signed_in(client, world.users["secretary_a"])
    act(client, req, to=Status.ANSWERED, answer="已修复")
    req.refresh_from_db()
    assert not req.answer_approved
    assert "已修复" not in client.get(reverse("outreach:track", args=[req.code])).content.decode()
    client.post(reverse("outreach:handle_approve", args=[req.pk]))
    req.refresh_from_db()
    assert not req.answer_approved  # not by the one who answered
    signed_in(client, world.users["admin"])
    client.post(reverse("outreach:handle_approve", args=[req.pk]))
    req.refresh_from_db()
    assert req.answer_approved


def test_moderation_release_routes_with_clock_from_release(client, world):
    RuleFactory(area=AreaFactory(name="奔子栏村"), organisation=world.branch_a)
    submitted = timezone.now() - timedelta(days=10)
    held = RequestFactory(
        organisation=None,
        status=Status.HELD,
        area=AreaFactory(name="奔子栏村"),
        submitted_at=submitted,
        spam_reasons=["含 2 个非政府网站链接"],
        accept_due=None,
        answer_due=None,
    )
    signed_in(client, world.users["admin"])
    assert "含 2 个非政府网站链接" in client.get(reverse("outreach:moderation")).content.decode()
    client.post(reverse("outreach:moderate", args=[held.pk, "release"]))
    held.refresh_from_db()
    assert held.status == Status.RECEIVED and held.organisation == world.branch_a
    assert held.submitted_at == submitted and held.clock_start > submitted
    assert held.answer_due > timezone.now()
    assert AuditEvent.objects.filter(target_id=str(held.pk), reason="审核通过").exists()


def test_moderation_mark_spam_keeps_it(client, world):
    held = RequestFactory(organisation=None, status=Status.HELD)
    signed_in(client, world.users["secretary_a"])
    assert client.post(reverse("outreach:moderate", args=[held.pk, "spam"])).status_code == 404
    signed_in(client, world.users["admin"])
    client.post(reverse("outreach:moderate", args=[held.pk, "spam"]))
    held.refresh_from_db()
    assert held.status == Status.SPAM
    assert held.code in client.get(reverse("outreach:moderation") + "?spam=1").content.decode()


def test_handler_lists_have_fixed_query_counts(client, world, django_assert_num_queries):
    signed_in(client, world.users["secretary_a"])
    for _ in range(3):
        RequestFactory(organisation=world.branch_a)
    # session, user, organisation (scope), counts, page count, page rows
    with django_assert_num_queries(6):
        client.get(reverse("outreach:handle_list"))
    for _ in range(3):
        RequestFactory(organisation=world.branch_a)
    with django_assert_num_queries(6):
        client.get(reverse("outreach:handle_list"))
    signed_in(client, world.users["admin"])
    for _ in range(3):
        RequestFactory(organisation=None, status=Status.HELD)
    with django_assert_num_queries(4):
        client.get(reverse("outreach:moderation"))
    for _ in range(3):
        ConsultationFactory(organisation=world.branch_a)
    with django_assert_num_queries(4):
        client.get(reverse("outreach:consultation_list"))


def test_deadline_clock_reminds_and_escalates_to_the_parent(
    world, django_capture_on_commit_callbacks
):
    secretary_branch = UserFactory(role=Role.SECRETARY, organisation=world.branch_a)
    start = timezone.now() - timedelta(days=8)
    req = RequestFactory(
        organisation=world.branch_a, clock_start=start, answer_due=start + timedelta(days=10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = services.run_deadline_clock()
    assert report.reminded_75 == 1
    assert Notification.objects.filter(recipient=secretary_branch).count() == 1
    assert services.run_deadline_clock().reminded_75 == 0  # once only
    later = req.answer_due + timedelta(hours=1)
    assert services.run_deadline_clock(now=later).reminded_due == 1
    with django_capture_on_commit_callbacks(execute=True):
        report = services.run_deadline_clock(now=later + timedelta(days=1))
    assert report.escalated == 1
    req.refresh_from_db()
    assert req.escalated_at and req.overdue_at(later)
    # The parent of 甲局第一支部 is 甲局党委, whose secretary is secretary_a.
    assert Notification.objects.filter(
        recipient=world.users["secretary_a"], title__startswith="督办"
    ).exists()
    event = AuditEvent.objects.filter(target_id=str(req.pk)).order_by("pk").last()
    assert event.actor_name == "operator:outreach.deadline_clock"


def test_the_periodic_job_is_registered_and_has_a_command(world):
    from django.core.management import call_command

    from core.periodic import jobs

    assert "outreach.deadline_clock" in {job.name for job in jobs()}
    out = io.StringIO()
    call_command("outreach_deadlines", stdout=out)
    assert "escalated: 0" in out.getvalue()


def test_wish_claimed_fulfilled_and_confirmed(client, world):
    wish = WishFactory(organisation=world.branch_a)
    signed_in(client, world.users["member"])
    client.post(reverse("outreach:wish_claim", args=[wish.pk]))
    wish.refresh_from_db()
    assert wish.claimed_by == world.member_a and wish.status == Status.IN_PROGRESS
    client.post(reverse("outreach:wish_fulfil", args=[wish.pk]), {"note": "已送去字典"})
    wish.refresh_from_db()
    assert wish.fulfilled_at and wish.status == Status.ANSWERED
    client.logout()
    client.post(reverse("outreach:wish_confirm", args=[wish.code]))
    wish.refresh_from_db()
    assert wish.status == Status.CLOSED and wish.confirmed_at


def test_a_claimed_wish_cannot_be_claimed_again(client, world):
    wish = WishFactory(organisation=world.branch_a, claimed_by=world.member_b)
    signed_in(client, world.users["member"])
    assert client.post(reverse("outreach:wish_claim", args=[wish.pk])).status_code == 302
    wish.refresh_from_db()
    assert wish.claimed_by == world.member_b


def test_consultation_respond_reply_and_export(client, world):
    item = ConsultationFactory(organisation=world.branch_a)
    url = reverse("outreach:consultation", args=[item.code])
    client.post(
        url, {"text": "建议增加无障碍通道", "name": "", "website": ""}, REMOTE_ADDR="10.0.0.9"
    )
    client.post(url, {"text": '=HYPERLINK("http://x")', "website": "x"}, REMOTE_ADDR="10.0.0.9")
    assert item.responses.filter(held=False).count() == 1
    assert item.responses.filter(held=True).count() == 1
    signed_in(client, world.users["secretary_a"])
    manage = reverse("outreach:consultation_manage", args=[item.pk])
    client.post(manage, {"summary": "共两条", "public_reply": "已采纳增加无障碍通道的建议。"})
    response = client.get(reverse("outreach:consultation_export", args=[item.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    texts = [row[4] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "建议增加无障碍通道" in texts and '\'=HYPERLINK("http://x")' in texts
    assert AuditEvent.objects.filter(action="export", target_id=str(item.pk)).exists()
    client.logout()
    assert "已采纳增加无障碍通道的建议" in client.get(url).content.decode()
    signed_in(client, world.users["secretary_b"])
    assert client.get(reverse("outreach:consultation_export", args=[item.pk])).status_code == 404


def test_a_closed_consultation_refuses_responses(client, world):
    item = ConsultationFactory(
        organisation=world.branch_a, deadline=timezone.now() - timedelta(hours=1)
    )
    client.post(reverse("outreach:consultation", args=[item.code]), {"text": "晚了"})
    assert item.responses.count() == 0


def test_settings_add_rule_area_and_workday(client, world):
    signed_in(client, world.users["admin"])
    area = AreaFactory(name="尼西村")
    client.post(
        reverse("outreach:settings"),
        {"category": category("投诉反映").pk, "area": area.pk, "organisation": world.org_b.pk},
    )
    assert services.find_rule(category("投诉反映").pk, area.pk).organisation == world.org_b
    client.post(reverse("outreach:area_create"), {"name": "拖顶村", "kind": "village"})
    client.post(
        reverse("outreach:workday_save"),
        {"day": "2031-01-06", "is_workday": "0", "note": "地方节日"},
    )
    from core.models import WorkdayOverride

    assert WorkdayOverride.objects.get().is_workday is False
    assert "拖顶村" in client.get(reverse("outreach:settings")).content.decode()


def test_routing_prefers_the_most_specific_rule(world):
    area = AreaFactory(name="霞若村")
    RuleFactory(category=None, area=area, organisation=world.org_a)
    RuleFactory(category=category("投诉反映"), area=None, organisation=world.org_b)
    RuleFactory(category=category("投诉反映"), area=area, organisation=world.branch_a)
    assert services.find_rule(category("投诉反映").pk, area.pk).organisation == world.branch_a
    assert services.find_rule(category("咨询").pk, area.pk).organisation == world.org_a
    other = AreaFactory(name="佛山乡")
    assert services.find_rule(category("投诉反映").pk, other.pk).organisation == world.org_b
    assert services.find_rule(category("咨询").pk, other.pk) is None


def test_the_handlers_todo(world):
    from core.todos import todos_for

    RequestFactory(organisation=world.branch_a, accept_due=timezone.now() - timedelta(hours=1))
    titles = [t.title for t in todos_for(world.users["secretary_a"])]
    assert "1 件群众诉求已逾期" in titles and "1 件群众诉求待受理" in titles
    assert todos_for(world.users["secretary_b"]) == [] or all(
        "群众诉求" not in t.title for t in todos_for(world.users["secretary_b"])
    )


def test_requests_are_scoped_for_every_persona(world):
    req = RequestFactory(organisation=world.branch_a)
    assert list(Request.objects.visible_to(world.users["secretary_b"])) == []
    assert list(Request.objects.visible_to(world.users["auditor"])) == []
    assert list(Request.objects.visible_to(world.users["member"])) == []
    assert list(Request.objects.visible_to(world.users["admin"])) == [req]
    ResponseFactory(consultation=ConsultationFactory(organisation=world.org_b))
    from outreach.models import ConsultationResponse

    assert ConsultationResponse.objects.visible_to(world.users["secretary_a"]).count() == 0


@pytest.mark.parametrize("persona", ["secretary_a", "admin"])
def test_triage_reassign_by_committee(client, world, persona):
    req = RequestFactory(organisation=None)
    signed_in(client, world.users["admin"])
    client.post(
        reverse("outreach:handle_reassign", args=[req.pk]),
        {"organisation": world.branch_a.pk, "reason": "属甲局第一支部所联系村"},
    )
    req.refresh_from_db()
    assert req.organisation == world.branch_a


def test_the_submitter_gets_an_sms_and_handlers_an_email_through_the_backends(
    client, world, django_capture_on_commit_callbacks, caplog
):
    world.users["secretary_a"].email = "sec-a@example.org"
    world.users["secretary_a"].save()
    RuleFactory(area=AreaFactory(name="拖顶村"), organisation=world.org_a)
    with caplog.at_level("INFO"), django_capture_on_commit_callbacks(execute=True):
        req = services.request_submit(
            category=category("咨询"),
            area=AreaFactory(name="拖顶村"),
            title="问路",
            text="去州政务服务中心坐几路车？",
            phone="13887654321",
        )
    assert "email to sec-a@example.org" in caplog.text
    caplog.clear()
    req.status = Status.ACCEPTED
    req.save()
    with caplog.at_level("INFO"), django_capture_on_commit_callbacks(execute=True):
        services.request_transition(
            actor=world.users["secretary_a"], req=req, to=Status.ANSWERED, answer="坐 3 路车。"
        )
    assert "sms to 138****4321" in caplog.text and "13887654321" not in caplog.text
    assert req.code in caplog.text


def test_indicators_for_the_assessment(world):
    from outreach.selectors import organisation_indicators, period_bounds

    now = timezone.now()
    on_time = RequestFactory(organisation=world.branch_a, status=Status.CLOSED, rating="satisfied")
    on_time.answered_at = on_time.submitted_at + timedelta(days=1)
    on_time.save()
    late = RequestFactory(organisation=world.branch_a, status=Status.CLOSED, rating="dissatisfied")
    late.answered_at = late.answer_due + timedelta(days=1)
    late.save()
    RequestFactory(organisation=world.branch_a)  # backlog
    RequestFactory(organisation=world.org_b)
    start, end = period_bounds(now.year, None)
    row = organisation_indicators(world.users["admin"], world.org_a, start=start, end=end)
    assert (row["received"], row["answered"], row["backlog"]) == (3, 2, 1)
    assert row["on_time_rate"] == 50.0 and row["satisfaction"] == 50.0
    # Another secretary's scope sees nothing of it.
    other = organisation_indicators(world.users["secretary_b"], world.org_a, start=start, end=end)
    assert other["received"] == 0


def test_consultation_digest_per_area(client, world):
    item = ConsultationFactory(organisation=world.branch_a)
    area = AreaFactory(name="吉迪村")
    for _ in range(3):
        ResponseFactory(consultation=item, area=area)
    ResponseFactory(consultation=item, held=True)
    signed_in(client, world.users["secretary_a"])
    body = client.get(reverse("outreach:consultation_manage", args=[item.pk])).content.decode()
    assert "吉迪村 3" in body and "待审核 1 条" in body


def test_the_committee_sets_a_categorys_deadlines(client, world):
    target = category("咨询")
    url = reverse("outreach:category_update", args=[target.pk])
    signed_in(client, world.users["secretary_a"])
    assert client.post(url, {"accept_days": 2, "answer_days": 10}).status_code == 404
    signed_in(client, world.users["admin"])
    body = client.post(url, {"accept_days": 0, "answer_days": 999}, follow=True).content.decode()
    assert "受理时限" in body
    target.refresh_from_db()
    assert (target.accept_days, target.answer_days) == (1, 5)
    client.post(url, {"accept_days": 2, "answer_days": 10})
    target.refresh_from_db()
    assert (target.accept_days, target.answer_days) == (2, 10)
    event = AuditEvent.objects.get(target_type="outreach.category")
    assert event.changes == {"accept_days": [1, 2], "answer_days": [5, 10]}


def test_the_acceptance_deadline_reads_naturally_in_english(client, world):
    """Not "12-03 11:18 to accept by": the time comes after "accept by" in English."""
    from django.conf import settings

    req = RequestFactory(organisation=world.branch_a, status=Status.RECEIVED)
    signed_in(client, world.users["secretary_a"])
    when = timezone.localtime(req.accept_due).strftime("%m-%d %H:%M")
    assert f"{when} 前受理" in client.get(reverse("outreach:handle_list")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("outreach:handle_list")).content.decode()
    assert f"accept by {when}" in body


def test_on_a_phone_each_request_is_a_card(client, world):
    req = RequestFactory(organisation=world.branch_a, title="路灯坏了一个月")
    signed_in(client, world.users["secretary_a"])
    body = client.get(reverse("outreach:handle_list")).content.decode()
    cards = body[body.index('class="list-group d-md-none mb-3 request-cards"') :]
    assert "路灯坏了一个月" in cards and req.code in cards
    assert reverse("outreach:handle_detail", args=[req.pk]) in cards


def test_the_history_names_the_system_and_the_public_in_the_readers_language(client, world):
    from django.conf import settings

    from outreach.models import RequestEntry

    req = RequestFactory(organisation=world.branch_a, status=Status.ACCEPTED)
    RequestEntry.objects.create(request=req, kind=EntryKind.ROUTE, text="x", actor_name="系统")
    RequestEntry.objects.create(request=req, kind=EntryKind.NOTE, text="y", actor_name="public")
    signed_in(client, world.users["secretary_a"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("outreach:handle_detail", args=[req.pk])).content.decode()
    assert "System ·" in body and "the public ·" in body and "系统" not in body
    assert "working days)" in body and "（" not in body.split("Answer by")[1][:200]
