"""The audit log read by someone who is not a programmer (issue 9): object types and fields by
their Chinese names, codes by their labels, the actor found by name, an import's batch, and a
filtered period exported to .xlsx — through the auditor's real pages."""

import io
from datetime import timedelta

import pytest
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from audit.services import record
from core.actors import operator
from core.tests.personas import signed_in
from organisations import services as member_services
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
LOG = reverse("audit:event_list")
EXPORT = reverse("audit:event_export")


@pytest.fixture
def auditor(client, world):
    signed_in(client, world.users["auditor"])
    return client


def test_fields_and_codes_are_shown_by_their_names(auditor, world):
    member = MemberFactory(
        organisation=world.branch_a, ethnicity="01", category="probationary", full_member_on=None
    )
    member_services.member_update(
        actor=world.users["admin"],
        member=member,
        ethnicity="04",
        organisation=world.org_b,
    )
    event = AuditEvent.objects.get(action=Action.UPDATE, target_id=str(member.pk))
    assert event.changes["ethnicity"] == ["01", "04"]  # stored as codes
    page = auditor.get(reverse("audit:event_detail", args=[event.pk])).content.decode()
    changes = page[page.index('id="changes"') :]
    for shown in ("民族", "汉族", "藏族", "所在党组织", world.branch_a.name, world.org_b.name):
        assert shown in changes, shown
    for raw in ("ethnicity", ">01<", ">04<", "organisation<"):
        assert raw not in changes, raw
    assert '<span class="text-secondary small" id="target-type">党员' in page


def test_a_category_code_reads_as_its_label(auditor, world):
    with transaction.atomic():
        event = record(
            actor=world.users["admin"],
            action=Action.UPDATE,
            target=world.member_a,
            changes={"category": ["probationary", "full"], "is_active": [True, False]},
        )
    page = auditor.get(reverse("audit:event_detail", args=[event.pk])).content.decode()
    changes = page[page.index('id="changes"') :]
    assert "预备党员" in changes and "正式党员" in changes and "类别" in changes
    assert "probationary" not in changes


def test_the_actor_is_found_by_name_as_well_as_username(auditor, world):
    clerk = UserFactory(
        username="zhaxi01", display_name="扎西德吉", role=Role.SECRETARY, organisation=world.org_a
    )
    with transaction.atomic():
        for _n in range(3):
            record(actor=clerk, action=Action.UPDATE, target=world.member_a)
        record(actor=world.users["admin"], action=Action.UPDATE, target=world.member_a)
    by_name = auditor.get(LOG, {"actor_name": "德吉"})
    assert [e.actor_name for e in by_name.context["page"]] == ["zhaxi01"] * 3
    assert "扎西德吉" in by_name.content.decode()
    by_username = auditor.get(LOG, {"actor_name": "zhaxi"})
    assert len(by_username.context["page"]) == 3


def test_a_command_or_job_reads_as_a_system_job(auditor, world):
    with transaction.atomic():
        record(actor=operator("seed"), action=Action.UPDATE, target=world.member_a)
    page = auditor.get(LOG).content.decode()
    assert "系统任务 seed" in page and "operator:seed" not in page


def test_an_import_event_shows_its_batch(auditor, world):
    with transaction.atomic():
        record(
            actor=world.users["secretary_a"],
            action=Action.UPLOAD,
            organisation=world.org_a,
            target_repr="花名册.xlsx",
            changes={"file": "甲局花名册.xlsx", "size": 1024},
            batch="RBTEST12345",
        )
        change = record(
            actor=world.users["secretary_a"],
            action=Action.CREATE,
            target=world.member_a,
            changes={"name": [None, "扎西·次仁"]},
            batch="RBTEST12345",
        )
        record(actor=world.users["admin"], action=Action.UPDATE, target=world.member_a)
    page = auditor.get(reverse("audit:event_detail", args=[change.pk])).content.decode()
    batch = page[page.index('id="batch"') :]
    assert "RBTEST12345" in batch and "甲局花名册.xlsx" in batch and "secretary_a" in batch
    assert "本批次共 2 条事件" in batch
    listed = auditor.get(LOG, {"batch": "RBTEST12345"})
    assert len(listed.context["page"]) == 2
    assert "?batch=RBTEST12345" in auditor.get(LOG).content.decode()


def test_filter_by_object_type_by_its_label(auditor, world):
    with transaction.atomic():
        record(actor=world.users["admin"], action=Action.UPDATE, target=world.member_a)
        record(actor=world.users["admin"], action=Action.UPDATE, target=world.org_a)
    page = auditor.get(LOG).content.decode()
    assert '<option value="organisations.member">党员</option>' in page
    response = auditor.get(LOG, {"target_type": "organisations.organisation"})
    assert [e.target_type for e in response.context["page"]] == ["organisations.organisation"]
    bad = auditor.get(LOG, {"target_type": "auth.nothing"})
    assert "对象类型" in bad.content.decode() and len(bad.context["page"]) == 0


def test_a_filtered_period_exports_to_xlsx_with_formulas_neutralised(auditor, world):
    now = timezone.now()
    with transaction.atomic():
        old = record(actor=world.users["admin"], action=Action.UPDATE, target=world.member_a)
        for n in range(3):
            record(
                actor=world.users["secretary_a"],
                action=Action.REVEAL,
                target=world.member_a,
                reason=f'=HYPERLINK("http://evil/{n}")',
                changes={"ethnicity": ["01", "04"]},
            )
    # An event from last month stays out of a period that starts today.
    models.QuerySet(AuditEvent).filter(pk=old.pk).update(occurred_at=now - timedelta(days=40))
    response = auditor.get(EXPORT, {"since": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "时间" and len(rows) == 4
    for row in rows[1:]:
        assert row[3] == "查看明文" and row[4] == "党员"
        assert row[8].startswith("'=HYPERLINK")  # text, never a formula
        assert row[11] == "民族：汉族 → 藏族"
    exported = AuditEvent.objects.get(action=Action.EXPORT, actor=world.users["auditor"])
    assert exported.changes["rows"] == 3
    assert exported.changes["filters"]["since"] == timezone.localdate().isoformat()


def test_a_bad_period_is_a_400_naming_the_field(auditor):
    response = auditor.get(EXPORT, {"since": "2026-13-45"})
    assert response.status_code == 400
    assert "起始日期" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_only_the_auditor_exports(client, world):
    for persona in ("admin", "security", "secretary_a"):
        signed_in(client, world.users[persona])
        assert client.get(EXPORT).status_code == 404


def test_a_real_import_reads_as_its_batch_in_the_log(client, world, tmp_path):
    """A secretary uploads and applies a roster through the roster pages; the auditor opens a
    member the import created and sees the batch: the file, who uploaded it, its events."""
    from roster.models import ImportBatch
    from roster.tests.test_roster_batch_audit import post_file, write_roster

    signed_in(client, world.users["secretary_a"])
    assert post_file(client, world.org_a, write_roster(tmp_path)).status_code == 302
    batch = ImportBatch.objects.get()
    assert client.post(reverse("roster:roster_apply", args=[batch.code])).status_code == 302
    created = AuditEvent.objects.filter(
        batch=batch.code, target_type="organisations.member", action=Action.CREATE
    ).first()
    assert created is not None

    signed_in(client, world.users["auditor"])
    page = client.get(reverse("audit:event_detail", args=[created.pk])).content.decode()
    shown = page[page.index('id="batch"') :]
    assert batch.code in shown and "花名册.xlsx" in shown and "secretary_a" in shown
    total = AuditEvent.objects.filter(batch=batch.code).count()
    assert f"本批次共 {total} 条事件" in shown
    # The batch's own events read in words: its status and summary by their labels.
    previewed = AuditEvent.objects.get(
        batch=batch.code, target_type="roster.importbatch", action=Action.UPDATE
    )
    page = client.get(reverse("audit:event_detail", args=[previewed.pk])).content.decode()
    changes = page[page.index('id="changes"') :]
    assert "已上传" in changes and "待确认" in changes and "将新增：3" in changes
    for raw in ("previewed<", "to_create", "rows："):
        assert raw not in changes, raw
    assert '<span class="text-secondary small" id="target-type">花名册导入批次' in page


@pytest.mark.parametrize(
    "changes",
    [
        {"summary": {"new": 1, "nested": {"a": [1, {"b": None}]}}},
        {"organisation": [{"odd": 1}, [1, 2]], "ethnicity": [None, "99"]},
        {"status": [True, 3.5], "": "", "member": [10**12, -1]},
        {"rows": [1, 2, 3], "x" * 300: "=cmd|' /C calc'!A0"},
    ],
)
def test_any_shape_of_changes_reads_without_a_500(auditor, world, changes):
    with transaction.atomic():
        event = record(
            actor=world.users["admin"], action=Action.UPDATE, target=world.member_a, changes=changes
        )
    assert auditor.get(reverse("audit:event_detail", args=[event.pk])).status_code == 200
    response = auditor.get(EXPORT)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any(c.startswith("=") for c in cells)


def test_on_a_phone_each_event_is_a_card_and_the_filters_say_all(auditor, world):
    """The table is for a desk; the cards (hidden at a desk) carry the same event, so a phone
    shows who did what without swiping a table. An unset choice reads 全部, not ---------."""
    with transaction.atomic():
        record(
            actor=world.users["admin"],
            action=Action.UPDATE,
            target=world.member_a,
            reason="核对档案",
        )
    body = auditor.get(LOG).content.decode()
    cards = body[body.index('id="event-cards"') :]
    admin = world.users["admin"]
    for text in (world.member_a.name, admin.display_name or admin.username, "修改", "核对档案"):
        assert text in cards
    assert "---------" not in body
    assert body.count('<option value="" selected>全部</option>') == 2
