"""Organisations dissolved (撤销) or founded during a period: the rule in meetings.compliance.

A period is due only when the organisation existed for the whole of it; a part-period is "not
applicable"; periods and years wholly after the dissolution have no cells and no roll-up."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from meetings import compliance, selectors
from meetings.models import ComplianceResult, ComplianceRollup, MeetingKind
from meetings.tests.factories import at
from meetings.tests.test_meetings import OP, cell, held
from organisations import services as org_services
from organisations.models import Organisation, OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory

THEME = MeetingKind.THEME_DAY
ASSEMBLY = MeetingKind.MEMBER_ASSEMBLY


def dissolve(organisation, day):
    return org_services.organisation_dissolve(
        actor=OP, organisation=organisation, dissolved_on=day, reason="上级党委批复"
    )


def cells(organisation, year):
    return ComplianceResult.objects.filter(organisation=organisation, period_start__year=year)


def test_dissolved_mid_month_and_mid_quarter(tree):
    held(tree, at(2025, 5, 6), organisation=tree.other, present=[])
    dissolve(tree.other, date(2025, 5, 10))
    compliance.recompute(years=[2025, 2026], today=date(2026, 1, 5))
    assert cell(tree.other, THEME, date(2025, 4, 1)).status == "missing"
    # May: existed only in part → not required; the meeting it held stays on record.
    assert cell(tree.other, THEME, date(2025, 5, 1)).status == "not_applicable"
    assert not cells(tree.other, 2025).filter(period_start__gte=date(2025, 6, 1)).exists()
    assert cell(tree.other, ASSEMBLY, date(2025, 1, 1)).status == "missing"
    assert cell(tree.other, ASSEMBLY, date(2025, 4, 1)).status == "not_applicable"  # Q2 in part
    assert not cells(tree.other, 2026).exists()
    assert not ComplianceRollup.objects.filter(organisation=tree.other, year=2026).exists()
    assert ComplianceRollup.objects.get(organisation=tree.other, year=2025).own_due > 0


def test_dissolved_on_the_first_day_of_a_quarter_owes_the_quarter_before(tree):
    dissolve(tree.other, date(2025, 7, 1))
    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    assert cell(tree.other, THEME, date(2025, 6, 1)).status == "missing"
    assert cell(tree.other, ASSEMBLY, date(2025, 4, 1)).status == "missing"
    assert not cells(tree.other, 2025).filter(period_start__gte=date(2025, 7, 1)).exists()


def test_dissolved_before_the_period_is_gone_from_results_and_rollups(tree):
    dissolve(tree.other, date(2024, 11, 15))
    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    assert not cells(tree.other, 2025).exists()
    assert not ComplianceRollup.objects.filter(organisation=tree.other, year=2025).exists()
    assert selectors.subtree_rollup(tree.root, 2025).organisations == 1  # 甲支部 only
    children = selectors.child_rollups(tree.admin, tree.root, 2025)
    assert [c.organisation.pk for c in children] == [tree.branch.pk]
    # In 2024 it existed until 15 November: shown, with its months before that due.
    compliance.recompute(years=[2024], today=date(2026, 1, 5))
    assert cell(tree.other, THEME, date(2024, 10, 1)).status == "missing"
    assert cell(tree.other, THEME, date(2024, 11, 1)).status == "not_applicable"
    shown = selectors.child_rollups(tree.admin, tree.root, 2024)
    assert tree.other.pk in [c.organisation.pk for c in shown]


def test_founded_mid_quarter_is_not_applicable_for_that_quarter(tree):
    late = OrganisationFactory(parent=tree.root, name="新支部", founded_on=date(2025, 5, 10))
    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    assert cell(late, ASSEMBLY, date(2025, 4, 1)).status == "not_applicable"
    assert cell(late, ASSEMBLY, date(2025, 7, 1)).status == "missing"
    assert cell(late, THEME, date(2025, 5, 1)).status == "not_applicable"
    assert cell(late, THEME, date(2025, 6, 1)).status == "missing"


def test_dissolution_keeps_the_rollups_above_as_a_full_rebuild_would(tree):
    compliance.recompute(years=[2025, 2026], today=timezone.localdate())
    dissolve(tree.other, date(2025, 5, 10))  # the hook redoes 2025 and 2026 for it
    kept = {y: selectors.subtree_rollup(tree.root, y).__dict__ for y in (2025, 2026)}
    assert not ComplianceRollup.objects.filter(organisation=tree.other, year=2026).exists()
    compliance.recompute(years=[2025, 2026], today=timezone.localdate())
    rebuilt = {y: selectors.subtree_rollup(tree.root, y).__dict__ for y in (2025, 2026)}
    assert kept == rebuilt
    assert rebuilt[2026]["organisations"] == 1


# --- through the view -----------------------------------------------------------------------


def test_admin_dissolves_a_branch_through_the_form(client, tree):
    client.force_login(tree.admin)
    url = reverse("organisations:organisation_dissolve", args=[tree.other.pk])
    detail = client.get(reverse("organisations:organisation_detail", args=[tree.other.pk]))
    assert url in detail.content.decode()
    response = client.post(url, {"dissolved_on": "2025-05-10", "reason": "工委批复〔2025〕3号"})
    assert response.status_code == 302
    tree.other.refresh_from_db()
    assert tree.other.dissolved_on == date(2025, 5, 10) and not tree.other.is_active
    event = AuditEvent.objects.get(target_id=str(tree.other.pk), action="update")
    assert event.changes == {"dissolved_on": [None, "2025-05-10"], "is_active": [True, False]}
    assert event.reason == "工委批复〔2025〕3号"
    # The hook ran in the same transaction: nothing of it left after the dissolution.
    assert not cells(tree.other, 2026).exists()
    page = client.get(reverse("organisations:organisation_detail", args=[tree.other.pk]))
    assert "已撤销" in page.content.decode() and url not in page.content.decode()


def test_dissolution_is_refused_naming_members_and_sub_organisations(client, tree):
    client.force_login(tree.admin)
    OrganisationFactory(parent=tree.branch, name="甲支部第一党小组", kind=OrganisationKind.GROUP)
    url = reverse("organisations:organisation_dissolve", args=[tree.branch.pk])
    response = client.post(url, {"dissolved_on": "2025-05-10", "reason": "合并"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "尚有在册党员" in body and "甲0" in body and "共 4 人" in body
    assert "尚有未撤销的下级组织" in body and "甲支部第一党小组" in body
    tree.branch.refresh_from_db()
    assert tree.branch.dissolved_on is None and tree.branch.is_active
    assert not AuditEvent.objects.filter(target_id=str(tree.branch.pk)).exists()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"dissolved_on": "2999-01-01", "reason": "批复"}, "dissolved_on", "不能晚于今天"),
        ({"dissolved_on": "1999-01-01", "reason": "批复"}, "dissolved_on", "须晚于成立日期"),
        ({"dissolved_on": "abc", "reason": "批复"}, "dissolved_on", "有效的日期"),
        ({"dissolved_on": "2025-01-01", "reason": ""}, "reason", "必填"),
        ({"dissolved_on": "2025-01-01", "reason": " x "}, "reason", "撤销依据"),
    ],
)
def test_bad_dissolution_input_is_a_400_naming_the_field(client, tree, data, field, message):
    client.force_login(tree.admin)
    url = reverse("organisations:organisation_dissolve", args=[tree.other.pk])
    response = client.post(url, data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert Organisation.objects.get(pk=tree.other.pk).dissolved_on is None


def test_a_secretary_dissolves_below_their_organisation_not_their_own(client, tree):
    group = OrganisationFactory(parent=tree.branch, name="第一党小组", kind=OrganisationKind.GROUP)
    client.force_login(tree.secretary)
    own = reverse("organisations:organisation_dissolve", args=[tree.branch.pk])
    assert client.get(own).status_code == 404
    assert client.post(own, {"dissolved_on": "2025-05-10", "reason": "批复"}).status_code == 404
    below = reverse("organisations:organisation_dissolve", args=[group.pk])
    assert client.post(below, {"dissolved_on": "2025-05-10", "reason": "批复"}).status_code == 302
    group.refresh_from_db()
    assert group.dissolved_on == date(2025, 5, 10)
    MemberFactory(organisation=tree.branch)  # unrelated: the group had no members


def test_a_dissolved_organisation_is_not_switched_back_on_through_the_edit_form(client, tree):
    dissolve(tree.other, date(2025, 5, 10))
    client.force_login(tree.admin)
    url = reverse("organisations:organisation_update", args=[tree.other.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(is_active="on", founded_on="2000-01-01")
    response = client.post(url, data)
    assert "不能恢复为有效" in " ".join(response.context["form"].errors["is_active"])
    assert not Organisation.objects.get(pk=tree.other.pk).is_active


def test_no_meeting_is_recorded_for_a_dissolved_organisation_after_the_date(tree):
    from django.core.exceptions import ValidationError

    dissolve(tree.other, date(2025, 5, 10))
    tree.other.refresh_from_db()
    held(tree, at(2025, 5, 9), organisation=tree.other, present=[])  # the day before: fine
    with pytest.raises(ValidationError) as refused:
        held(tree, at(2025, 5, 10), organisation=tree.other, present=[])
    assert "乙支部 已于 2025-05-10 撤销" in refused.value.message_dict["starts_at"][0]


def test_a_meeting_is_not_moved_by_an_edit_to_on_or_after_the_dissolution(client, tree):
    secretary = UserFactory(username="sec_b", role=Role.SECRETARY, organisation=tree.other)
    meeting = held(tree, at(2025, 5, 6), organisation=tree.other, present=[])
    dissolve(tree.other, date(2025, 5, 10))
    client.force_login(secretary)
    url = reverse("meetings:meeting_update", args=[meeting.pk])
    form = {
        "kind": "theme_day",
        "status": "held",
        "title": meeting.title,
        "starts_at": "2025-05-10T09:00",
        "ends_at": "2025-05-10T11:00",
        "study_hours": "0",
        "edit_reason": "日期记错",
    }
    events = AuditEvent.objects.count()
    response = client.post(url, form)
    assert response.status_code in (200, 400)
    message = " ".join(response.context["form"].errors["starts_at"])
    assert "开始时间" in message and "乙支部 已于 2025-05-10 撤销" in message
    meeting.refresh_from_db()
    assert timezone.localdate(meeting.starts_at) == date(2025, 5, 6)
    assert AuditEvent.objects.count() == events
    # A change that keeps the date before the dissolution is still fine.
    response = client.post(
        url, {**form, "starts_at": "2025-05-09T09:00", "ends_at": "2025-05-09T11:00"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert timezone.localdate(meeting.starts_at) == date(2025, 5, 9)
