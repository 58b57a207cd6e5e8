"""Organisational life through the views, and the rules behind compliance."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from core.actors import operator
from meetings import compliance, selectors, services
from meetings.checks import check_decision
from meetings.models import (
    Attendance,
    ComplianceResult,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    RuleSet,
    VotingSuspension,
)
from meetings.rules import ensure_default_rule_set
from meetings.tests.factories import MeetingFactory, at
from organisations.models import MembershipPeriod, OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory, PositionFactory

OP = operator("test")


def rows(members, status="present", **extra):
    return [services.AttendanceRow(member_id=m.pk, status=status, **extra) for m in members]


def held(tree, when, kind=MeetingKind.THEME_DAY, organisation=None, present=None, **fields):
    organisation = organisation or tree.branch
    meeting = services.meeting_create(
        actor=OP,
        organisation=organisation,
        kind=kind,
        status=MeetingStatus.HELD,
        title=f"{kind} {when:%Y-%m-%d}",
        starts_at=when,
        ends_at=when + timedelta(hours=2),
        **fields,
    )
    members = tree.members if present is None else present
    return services.attendance_record(actor=OP, meeting=meeting, rows=rows(members))


def cell(organisation, kind, start):
    return ComplianceResult.objects.get(
        organisation=organisation, meeting_kind=kind, period_start=start
    )


# --- recording through the views -------------------------------------------------------------


def test_secretary_schedules_a_meeting_through_the_form(client, tree):
    client.force_login(tree.secretary)
    starts = timezone.localtime() + timedelta(days=5)
    response = client.post(
        reverse("meetings:meeting_create") + f"?organisation={tree.branch.pk}",
        {
            "kind": "theme_day",
            "status": "planned",
            "title": "十二月主题党日",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "place": "三楼会议室",
            "minutes": "<p>学习</p><script>alert(1)</script>",
            "study_hours": "2",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="十二月主题党日")
    assert "<script>" not in meeting.minutes
    assert meeting.participations.get().organisation == tree.branch
    event = AuditEvent.objects.get(target_type="meetings.meeting", target_id=str(meeting.pk))
    assert event.action == "create"


def test_held_in_the_future_is_refused_naming_the_field(client, tree):
    client.force_login(tree.secretary)
    starts = timezone.localtime() + timedelta(days=2)
    response = client.post(
        reverse("meetings:meeting_create") + f"?organisation={tree.branch.pk}",
        {
            "kind": "theme_day",
            "status": "held",
            "title": "未来的会",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert "会议尚未开始，不能登记为已召开" in response.content.decode()
    assert not Meeting.objects.exists()


def test_same_meeting_twice_is_caught(tree):
    when = at(2025, 3, 5)
    held(tree, when)
    with pytest.raises(Exception) as error:
        held(tree, when)
    assert "同一党组织在该开始时间已登记过同类会议" in str(error.value)


def test_bad_input_is_a_form_error_not_a_500(client, tree):
    client.force_login(tree.secretary)
    response = client.post(
        reverse("meetings:meeting_create") + f"?organisation={tree.branch.pk}",
        {"kind": "nonsense", "status": "held", "title": "x\x00y", "starts_at": "9999-99-99"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "会议类型" in body and "开始时间" in body


def test_recording_attendance_through_the_view(client, tree):
    meeting = MeetingFactory(organisation=tree.branch, starts_at=at(2025, 4, 8))
    client.force_login(tree.secretary)
    data = {"member": [m.pk for m in tree.members]}
    for m in tree.members:
        data[f"status_{m.pk}"] = "present"
    data[f"status_{tree.members[0].pk}"] = "excused"
    data[f"reason_{tree.members[0].pk}"] = "ill"
    response = client.post(reverse("meetings:meeting_attendance", args=[meeting.pk]), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.due_count, meeting.present_count) == ("held", 4, 3)
    assert Attendance.objects.get(member=tree.members[0]).excuse_reason == "ill"
    assert AuditEvent.objects.filter(target_id=str(meeting.pk), action="update").exists()
    assert cell(tree.branch, "theme_day", date(2025, 4, 1)).status == "held"


def test_attendance_of_an_outsider_is_refused_naming_the_person(client, tree):
    stranger = MemberFactory(organisation=tree.other, name="外人甲")
    meeting = MeetingFactory(organisation=tree.branch, starts_at=at(2025, 4, 8))
    client.force_login(tree.secretary)
    response = client.post(
        reverse("meetings:meeting_attendance", args=[meeting.pk]),
        {"member": [stranger.pk], f"status_{stranger.pk}": "present"},
    )
    assert response.status_code == 400
    assert "外人甲 在 2025-04-08 不是参会党组织的党员" in response.content.decode()
    assert not Attendance.objects.exists()


def test_attendance_garbage_is_a_400(client, tree):
    meeting = MeetingFactory(organisation=tree.branch, starts_at=at(2025, 4, 8))
    client.force_login(tree.secretary)
    url = reverse("meetings:meeting_attendance", args=[meeting.pk])
    for data in ({"member": ["abc"]}, {"member": ["99999999999"]}, {"member": ["-1"]}):
        assert client.post(url, data).status_code == 400


def test_excused_needs_a_reason_and_not_counted_needs_approval(tree):
    meeting = MeetingFactory(organisation=tree.branch, starts_at=at(2025, 4, 8))
    with pytest.raises(Exception) as error:
        services.attendance_record(
            actor=OP, meeting=meeting, rows=rows(tree.members[:1], status="excused")
        )
    assert "请假须选择请假事由" in str(error.value)
    with pytest.raises(Exception) as error:
        services.attendance_record(
            actor=OP,
            meeting=meeting,
            rows=rows(
                tree.members[:1], status="absent", not_counted=True, not_counted_reason="abroad"
            ),
        )
    assert "须填写批准情况" in str(error.value)


def test_editing_a_held_meeting_after_seven_days_needs_a_reason(client, tree):
    meeting = held(tree, at(2025, 2, 10))
    client.force_login(tree.secretary)
    url = reverse("meetings:meeting_update", args=[meeting.pk])
    form = {
        "kind": "theme_day",
        "status": "held",
        "title": "改过的标题",
        "starts_at": "2025-02-10T09:00",
        "ends_at": "2025-02-10T11:00",
        "study_hours": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "修改记录须填写修改原因" in response.content.decode()
    response = client.post(url, {**form, "edit_reason": "补录会议名称"})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(target_id=str(meeting.pk), action="update").latest("pk")
    assert event.reason == "补录会议名称"
    assert event.changes["title"][1] == "改过的标题"


def test_out_of_scope_meeting_is_404(client, tree):
    meeting = MeetingFactory(organisation=tree.other)
    client.force_login(tree.secretary)
    for name in ("meeting_detail", "meeting_update", "meeting_attendance", "meeting_pdf"):
        assert client.get(reverse(f"meetings:{name}", args=[meeting.pk])).status_code == 404


# --- quorum, votes, who votes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("present", "due", "half_included", "outcome"),
    [
        (2, 4, False, "invalid"),
        (2, 4, True, "passed"),
        (3, 4, False, "passed"),
        (3, 5, False, "passed"),
    ],
)
def test_exactly_half_fails_by_default_and_passes_under_the_setting(
    present, due, half_included, outcome
):
    verdict = check_decision(
        kind="ordinary",
        votes_for=present,
        votes_against=0,
        votes_abstain=0,
        voting_due=due,
        voting_present=present,
        half_included=half_included,
    )
    assert verdict.outcome == outcome


def test_passing_needs_more_than_half_of_those_due_not_present():
    verdict = check_decision(
        kind="ordinary",
        votes_for=3,
        votes_against=1,
        votes_abstain=0,
        voting_due=8,
        voting_present=5,
    )
    assert verdict.outcome == "rejected"
    assert "未超过应到有表决权党员 8 人的半数" in verdict.problem


def test_election_needs_more_than_four_fifths_present():
    common = dict(kind="election", votes_against=0, votes_abstain=0, voting_due=10)
    assert check_decision(votes_for=8, voting_present=8, **common).outcome == "invalid"
    assert check_decision(votes_for=9, voting_present=9, **common).outcome == "passed"


def test_more_votes_than_voters_is_invalid():
    verdict = check_decision(
        kind="ordinary",
        votes_for=5,
        votes_against=1,
        votes_abstain=0,
        voting_due=6,
        voting_present=5,
    )
    assert verdict.outcome == "invalid"


def test_probationary_and_suspended_members_have_no_vote(tree):
    probationary = MemberFactory(
        organisation=tree.branch, category="probationary", full_member_on=None, name="预备"
    )
    VotingSuspension.objects.create(member=tree.members[3], started_on=date(2024, 1, 1))
    assembly = held(
        tree,
        at(2025, 3, 20),
        kind=MeetingKind.MEMBER_ASSEMBLY,
        present=[*tree.members[:2], probationary, tree.members[3]],
    )
    assert assembly.due_count == 5
    assert assembly.voting_due == 3  # 4 full members, one under 留党察看
    assert assembly.voting_present == 2  # the probationary and the suspended don't count
    assert assembly.quorum_met


def test_assembly_that_missed_quorum_flags_its_decision(client, tree):
    assembly = held(
        tree, at(2025, 5, 20), kind=MeetingKind.MEMBER_ASSEMBLY, present=tree.members[:2]
    )
    assert not assembly.quorum_met
    client.force_login(tree.secretary)
    response = client.post(
        reverse("meetings:decision_create", args=[assembly.pk]),
        {
            "title": "接收预备党员",
            "kind": "ordinary",
            "votes_for": "2",
            "votes_against": "0",
            "votes_abstain": "0",
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.outcome == "invalid"
    assert "支部工作条例第十一条" in decision.problem
    result = cell(tree.branch, "member_assembly", date(2025, 4, 1))
    assert (result.status, result.invalid_decisions) == ("low_attendance", 1)


def test_not_counted_members_leave_the_count_but_ordinary_leave_stays(tree):
    meeting = MeetingFactory(
        organisation=tree.branch, kind=MeetingKind.MEMBER_ASSEMBLY, starts_at=at(2025, 6, 3)
    )
    services.attendance_record(
        actor=OP,
        meeting=meeting,
        rows=[
            *rows(tree.members[:2]),
            services.AttendanceRow(tree.members[2].pk, "excused", excuse_reason="leave"),
            services.AttendanceRow(
                tree.members[3].pk,
                "absent",
                not_counted=True,
                not_counted_reason="abroad",
                not_counted_approval="支委会 2025-05-30 批准",
            ),
        ],
    )
    meeting.refresh_from_db()
    assert (meeting.due_count, meeting.voting_due, meeting.present_count) == (3, 3, 2)
    assert meeting.quorum_met  # 2 of 3


def test_members_joining_or_leaving_mid_period_are_due_as_of_the_date(tree):
    newcomer = MemberFactory(organisation=tree.branch, name="新来")
    MembershipPeriod.objects.create(
        member=newcomer,
        organisation=tree.other,
        started_on=date(2020, 1, 1),
        ended_on=date(2025, 6, 15),
    )
    MembershipPeriod.objects.create(
        member=newcomer, organisation=tree.branch, started_on=date(2025, 6, 15)
    )
    before = MeetingFactory(organisation=tree.branch, starts_at=at(2025, 6, 10))
    after = MeetingFactory(
        organisation=tree.branch, starts_at=at(2025, 6, 20), kind="member_assembly"
    )
    with pytest.raises(Exception, match="新来 在 2025-06-10 不是参会党组织的党员"):
        services.attendance_record(actor=OP, meeting=before, rows=rows([newcomer]))
    services.attendance_record(actor=OP, meeting=after, rows=rows([newcomer]))
    after.refresh_from_db()
    assert after.due_count == 5


# --- compliance ----------------------------------------------------------------------------


def test_month_quarter_and_year_boundaries(tree):
    held(tree, at(2025, 3, 31, 20))  # the last evening of March and of Q1
    held(tree, at(2025, 4, 1, 8), kind=MeetingKind.MEMBER_ASSEMBLY)
    compliance.recompute(years=[2025], today=date(2025, 12, 31))
    assert cell(tree.branch, "organisational_life_meeting", date(2025, 1, 1)).status == "not_due"
    compliance.recompute(years=[2025], today=date(2026, 1, 1))
    assert cell(tree.branch, "theme_day", date(2025, 3, 1)).status == "held"
    assert cell(tree.branch, "theme_day", date(2025, 4, 1)).status == "missing"
    assert cell(tree.branch, "member_assembly", date(2025, 1, 1)).status == "missing"
    assert cell(tree.branch, "member_assembly", date(2025, 4, 1)).status == "held"
    assert cell(tree.branch, "organisational_life_meeting", date(2025, 1, 1)).status == "missing"
    assert ComplianceResult.objects.filter(period_start__year=2026).count() == 0


def test_not_yet_due_and_founded_mid_period(tree):
    late = OrganisationFactory(parent=tree.root, name="新支部", founded_on=date(2025, 5, 10))
    compliance.recompute(years=[2025], today=date(2025, 6, 15))
    assert cell(tree.branch, "theme_day", date(2025, 6, 1)).status == "not_due"
    assert cell(tree.branch, "theme_day", date(2025, 5, 1)).status == "missing"
    assert cell(late, "theme_day", date(2025, 5, 1)).status == "not_applicable"
    assert cell(late, "theme_day", date(2025, 6, 1)).status == "not_due"
    assert not ComplianceResult.objects.filter(organisation=tree.root).exists()  # no rule for 工委


def test_committee_meeting_applies_only_where_there_is_a_committee(tree):
    compliance.recompute(years=[2025], today=date(2025, 12, 31))
    assert cell(tree.branch, "committee_meeting", date(2025, 1, 1)).status == "not_applicable"
    for member in tree.members[:3]:
        PositionFactory(organisation=tree.branch, member=member, title="committee_member")
    compliance.recompute(years=[2025], today=date(2025, 12, 31))
    assert cell(tree.branch, "committee_meeting", date(2025, 1, 1)).status == "missing"


def test_joint_meeting_counts_for_each_organisation(tree):
    MemberFactory(organisation=tree.other, name="乙1")
    meeting = services.meeting_create(
        actor=OP,
        organisation=tree.branch,
        joint_organisations=[tree.other],
        kind=MeetingKind.THEME_DAY,
        status=MeetingStatus.HELD,
        title="联合主题党日",
        starts_at=at(2025, 7, 1),
        ends_at=at(2025, 7, 1, 11),
    )
    services.attendance_record(actor=OP, meeting=meeting, rows=rows(tree.members))
    meeting.refresh_from_db()
    assert meeting.due_count == 5
    assert cell(tree.branch, "theme_day", date(2025, 7, 1)).status == "held"
    assert cell(tree.other, "theme_day", date(2025, 7, 1)).status == "held"


def test_party_lecture_binds_the_secretary(tree):
    held(tree, at(2025, 3, 3), kind=MeetingKind.PARTY_LECTURE, host=tree.members[1])
    assert cell(tree.branch, "party_lecture", date(2025, 1, 1)).held == 0
    PositionFactory(organisation=tree.branch, member=tree.members[0], term_start=date(2024, 1, 1))
    held(tree, at(2025, 3, 4), kind=MeetingKind.PARTY_LECTURE, host=tree.members[0])
    assert cell(tree.branch, "party_lecture", date(2025, 1, 1)).held == 1


def test_rule_override_and_versions_keep_past_results(client, tree):
    held(tree, at(2025, 2, 3), kind=MeetingKind.PARTY_LECTURE)
    client.force_login(tree.admin)
    ensure_default_rule_set()
    response = client.post(
        reverse("meetings:rule_set_create", args=[tree.branch.pk]),
        {
            "name": "季度党课",
            "effective_from": "2025-07-01",
            "election_ratio": "0.80",
            "frequency_party_lecture": "quarterly",
        },
    )
    assert response.status_code == 302
    compliance.recompute(years=[2025], today=date(2025, 12, 31))
    yearly = cell(tree.branch, "party_lecture", date(2025, 1, 1))
    assert yearly.rule.rule_set.organisation is None  # the year began under the default
    q3 = cell(tree.branch, "party_lecture", date(2025, 7, 1))
    assert q3.rule.rule_set.name == "季度党课"
    assert q3.status == "missing"
    assert RuleSet.objects.get(name="季度党课").version == 1
    assert not ComplianceResult.objects.filter(
        organisation=tree.other, meeting_kind="party_lecture", period_start=date(2025, 7, 1)
    ).exists()


def test_half_included_setting_changes_quorum(tree):
    services.rule_set_publish(
        actor=OP,
        organisation=tree.branch,
        effective_from=date(2024, 1, 1),
        name="半数含本数",
        half_included=True,
        election_ratio=Decimal("0.80"),
        rules=[],
    )
    assembly = held(
        tree, at(2025, 5, 20), kind=MeetingKind.MEMBER_ASSEMBLY, present=tree.members[:2]
    )
    assert assembly.quorum_met


def test_dashboard_rolls_up_to_parents_in_fixed_queries(client, tree):
    held(tree, at(2025, 1, 6))
    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    client.force_login(tree.admin)
    client.get(reverse("core:home"))
    url = reverse("meetings:compliance_dashboard") + f"?organisation={tree.root.pk}&year=2025"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(4):
        branch = OrganisationFactory(parent=tree.root, name=f"丙{n}支部")
        MeetingFactory(organisation=branch, starts_at=at(2025, 2, 3), status="held")
    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    with CaptureQueriesContext(connection) as more:
        response = client.get(url)
    assert len(more.captured_queries) == len(few.captured_queries) <= 10
    body = response.content.decode()
    assert "甲支部" in body and "丙3支部" in body
    rollup = selectors.subtree_rollup(tree.root, 2025)
    assert rollup.organisations == 6 and rollup.compliant == 0
    assert rollup.done_cells == 5
    rates = selectors.compliance_rates([tree.branch.pk, tree.other.pk], year=2025)
    assert rates[tree.branch.pk] > rates[tree.other.pk] == 0


def test_meeting_list_runs_a_fixed_number_of_queries(client, tree, django_assert_num_queries):
    client.force_login(tree.secretary)
    client.get(reverse("core:home"))
    url = reverse("meetings:meeting_list")
    MeetingFactory(organisation=tree.branch)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    assert len(few.captured_queries) <= 10
    for n in range(5):
        MeetingFactory(organisation=tree.branch, starts_at=at(2025, 1, n + 1))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("主题党日") >= 6


def test_recording_attendance_takes_a_fixed_number_of_queries(tree, django_assert_num_queries):
    ensure_default_rule_set()
    small = MeetingFactory(organisation=tree.branch, starts_at=at(2025, 8, 1))
    big_branch = OrganisationFactory(parent=tree.root, name="大支部")
    crowd = [MemberFactory(organisation=big_branch) for _ in range(50)]
    big = MeetingFactory(organisation=big_branch, starts_at=at(2025, 8, 1))
    with CaptureQueriesContext(connection) as first:
        services.attendance_record(actor=OP, meeting=small, rows=rows(tree.members))
    with CaptureQueriesContext(connection) as second:
        services.attendance_record(actor=OP, meeting=big, rows=rows(crowd))
    assert len(second.captured_queries) == len(first.captured_queries)


def test_secretary_todos_show_due_and_overdue(client, tree):
    compliance.recompute(years=[timezone.localdate().year - 1, timezone.localdate().year])
    client.force_login(tree.secretary)
    body = client.get(reverse("core:home")).content.decode()
    assert "未开展" in body or "前开展" in body


def test_many_meeting_todos_of_one_kind_are_one_line_to_the_dashboard(tree):
    """Months of missed theme days across a subtree are one to-do, not a wall of them."""
    from core.todos import GROUP_AFTER, todos_for
    from meetings.todos import meeting_todos

    today = timezone.localdate()
    compliance.recompute(years=[today.year - 1, today.year], today=today)
    tree.admin.refresh_from_db()
    from meetings.models import ComplianceResult, ComplianceStatus

    missing = [item for item in meeting_todos(tree.admin) if item.level == "danger"]
    overdue = ComplianceResult.objects.filter(
        status=ComplianceStatus.MISSING,
        period_end__gte=today - timedelta(days=90),
        period_end__lte=today + timedelta(days=31),
    ).count()
    assert overdue > GROUP_AFTER and 0 < len(missing) <= GROUP_AFTER + 1
    lines = [item for item in todos_for(tree.admin) if "逾期未开展" in item.title]
    # The line counts every overdue meeting, not only the few read to make it.
    assert [line.title for line in lines] == [f"{overdue} 项组织生活逾期未开展"]
    assert lines[0].url == reverse("meetings:compliance_dashboard")
    assert not any(item.title == missing[0].title for item in todos_for(tree.admin))


def test_reminders_are_sent_once(tree, django_capture_on_commit_callbacks):
    from core.models import Notification
    from meetings.tasks import send_reminders

    today = date(2025, 6, 25)
    compliance.recompute(years=[2025], today=today)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(today=today) == 2  # due by 30 June; May's theme day overdue
        assert send_reminders(today=today) == 0
    assert Notification.objects.filter(recipient=tree.secretary).count() == 2


def test_ics_feed_by_token_only(client, tree):
    member = tree.members[0]
    user = UserFactory(username="m1", role=Role.MEMBER, member=member)
    MeetingFactory(organisation=tree.branch, title="下周主题党日")
    client.force_login(user)
    client.post(reverse("meetings:my_calendar"))
    token = member.calendar_feed.token
    client.logout()
    response = client.get(reverse("meetings:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert (
        "BEGIN:VEVENT" in response.content.decode() and "下周主题党日" in response.content.decode()
    )
    assert client.get(reverse("meetings:calendar_feed", args=["nope"])).status_code == 404


def test_exports_are_spreadsheets(client, tree):
    held(tree, at(2025, 1, 6), place="=HYPERLINK(1)")
    client.force_login(tree.secretary)
    for name in ("meetings:meeting_register", "meetings:compliance_export"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response.content[:2] == b"PK"


def test_study_part_credits_present_members_and_corrections_reverse(tree):
    from learning.selectors import member_year_hours

    a, b = tree.members[:2]
    meeting = MeetingFactory(
        organisation=tree.branch,
        starts_at=at(2025, 9, 2),
        study_hours=Decimal("2"),
        study_topic="党章",
    )
    services.attendance_record(actor=OP, meeting=meeting, rows=rows([a, b]))
    assert member_year_hours(a, 2025) == Decimal("2")
    assert member_year_hours(b, 2025) == Decimal("2")
    # b was in fact absent: a reversing entry, never an edit
    services.attendance_record(
        actor=OP, meeting=meeting, rows=[*rows([a]), services.AttendanceRow(b.pk, "absent")]
    )
    assert member_year_hours(b, 2025) == Decimal("0")
    assert member_year_hours(a, 2025) == Decimal("2")
    from learning.models import StudyRecord

    assert StudyRecord.objects.filter(member=b).count() == 2
    # the hours change: everyone credited is reversed and credited again
    services.meeting_update(actor=OP, meeting=meeting, study_hours=Decimal("3"), edit_reason="更正")
    assert member_year_hours(a, 2025) == Decimal("3")


def test_attachments_are_checked_by_content_and_served_to_readers_only(client, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings.models import Attachment

    meeting = MeetingFactory(organisation=tree.branch)
    client.force_login(tree.secretary)
    url = reverse("meetings:attachment_add", args=[meeting.pk])
    fake = SimpleUploadedFile("记录.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {"file": fake}, follow=True)
    assert "内容与扩展名不符" in response.content.decode()
    assert not Attachment.objects.exists()
    good = SimpleUploadedFile("记录.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    assert client.post(url, {"file": good}).status_code == 302
    attachment = Attachment.objects.get()
    assert AuditEvent.objects.filter(action="upload", target_id=str(attachment.pk)).exists()
    download = reverse("meetings:attachment_download", args=[attachment.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content if response.streaming else [response.content])[:4]
        == b"%PDF"
    )
    other = UserFactory(username="sec_b", role=Role.SECRETARY, organisation=tree.other)
    client.force_login(other)
    assert client.get(download).status_code == 404


def test_rollups_kept_by_writes_match_a_full_rebuild(tree):
    sub = OrganisationFactory(
        parent=tree.root, name="丁党委", kind=OrganisationKind.PARTY_COMMITTEE
    )
    deep = OrganisationFactory(parent=sub, name="丁党委第一支部")
    MemberFactory(organisation=deep, name="丁1")
    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    held(tree, at(2025, 3, 3))
    held(tree, at(2025, 3, 4), organisation=deep, present=[])
    held(tree, at(2025, 6, 9), kind=MeetingKind.MEMBER_ASSEMBLY, present=tree.members[:1])
    kept = {o.pk: selectors.subtree_rollup(o, 2025).__dict__ for o in (tree.root, sub, deep)}
    compliance.recompute(years=[2025], today=timezone.localdate())
    rebuilt = {o.pk: selectors.subtree_rollup(o, 2025).__dict__ for o in (tree.root, sub, deep)}
    assert kept == rebuilt
    assert rebuilt[tree.root.pk]["low_cells"] == 2  # the assembly, and deep's empty theme day


def test_study_part_takes_a_fixed_number_of_queries_whatever_the_attendance(tree):
    """A held meeting with a study part: recording 5 or 50 attendees, changing who attended
    and changing the hours each take the same number of queries (the ledger's bulk writes)."""
    from learning.models import StudyRecord, StudyYearTotal
    from learning.selectors import member_year_hours

    ensure_default_rule_set()
    big_branch = OrganisationFactory(parent=tree.root, name="大支部")
    crowd = [MemberFactory(organisation=big_branch) for _ in range(50)]
    small_people = [*tree.members, MemberFactory(organisation=tree.branch, name="甲4")]
    study = dict(starts_at=at(2025, 8, 1), study_hours=Decimal("2"), study_topic="党章")
    small = MeetingFactory(organisation=tree.branch, **study)
    big = MeetingFactory(organisation=big_branch, **study)

    def record(meeting, present, absent):
        return services.attendance_record(
            actor=OP, meeting=meeting, rows=[*rows(present), *rows(absent, status="absent")]
        )

    counts = {}
    for name, meeting, people in (("small", small, small_people), ("big", big, crowd)):
        # first recording: all but the last fifth present
        cut = len(people) * 4 // 5
        with CaptureQueriesContext(connection) as first:
            record(meeting, people[:cut], people[cut:])
        # the attendance is corrected: the first fifth was absent, the last fifth present
        fifth = len(people) // 5
        with CaptureQueriesContext(connection) as change:
            record(meeting, people[fifth:], people[:fifth])
        # the hours are corrected: everyone present is reversed and credited again
        with CaptureQueriesContext(connection) as rebook:
            services.meeting_update(
                actor=OP, meeting=meeting, study_hours=Decimal("3"), edit_reason="更正"
            )
        counts[name] = (
            len(first.captured_queries),
            len(change.captured_queries),
            len(rebook.captured_queries),
        )
        assert all(member_year_hours(m, 2025) == Decimal("3") for m in people[fifth:])
        assert all(member_year_hours(m, 2025) == Decimal("0") for m in people[:fifth])
    assert counts["small"] == counts["big"], counts
    # the totals equal the ledger's sums
    for total in StudyYearTotal.objects.filter(member__in=crowd):
        assert total.hours == sum(r.hours for r in StudyRecord.objects.filter(member=total.member))
    # one ledger audit event per change of the big meeting (credit; reversal + credit;
    # reversal + credit), naming member ids only
    events = AuditEvent.objects.filter(
        target_type="learning.studyrecord", changes__source=f"meetings.meeting#{big.pk}"
    )
    assert events.count() == 5
    first_credit = events.order_by("id").first()
    assert first_credit.changes["count"] == 40
    assert first_credit.changes["members"] == sorted(m.pk for m in crowd[:40])
    assert crowd[0].name not in str(first_credit.changes)
