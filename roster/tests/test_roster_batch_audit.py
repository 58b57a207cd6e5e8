"""A roster batch's own life is in the audit log: its file holds clear ID numbers. Upload,
preview, failure, discard (a dry run of the command) and expiry each write one event under the
batch code, through the page or the command that causes them."""

import os
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from organisations.tests.factories import id_number_for
from roster import preview, services
from roster.models import BatchStatus, ImportBatch
from roster.tests import samples
from roster.tests.test_roster_import import row

pytestmark = pytest.mark.django_db

BATCH = "roster.importbatch"


def write_roster(tmp_path, count=3):
    rows = [
        row(
            姓名=f"测试{n}",
            身份证=id_number_for(date(1980, 1, 1 + n), "female"),
            出生年月="1980.01",
        )
        for n in range(1, count + 1)
    ]
    return samples.write_workbook(tmp_path / "花名册.xlsx", rows)


def post_file(client, organisation, path):
    with open(path, "rb") as handle:
        return client.post(
            reverse("roster:roster_upload", args=[organisation.pk]), {"file": handle}
        )


def latest_batch():
    return ImportBatch.objects.order_by("-pk").first()


def batch_events(code):
    """The events about the batch itself (not the members it writes), oldest first."""
    return list(AuditEvent.objects.filter(batch=code, target_type=BATCH).order_by("id"))


def test_upload_and_preview_through_the_page_are_audited(client, world, tmp_path):
    secretary = world.users["secretary_a"]
    client.force_login(secretary)
    path = write_roster(tmp_path)
    assert post_file(client, world.org_a, path).status_code == 302
    batch = latest_batch()
    uploaded, previewed = batch_events(batch.code)

    assert uploaded.action == Action.UPLOAD
    assert (uploaded.actor, uploaded.organisation_id) == (secretary, world.org_a.pk)
    assert uploaded.target_id == str(batch.pk)
    assert uploaded.changes == {
        "file": "花名册.xlsx",
        "size": path.stat().st_size,
        "format": "xlsx",
        "status": "uploaded",
    }
    assert previewed.action == Action.UPDATE and previewed.actor == secretary
    assert previewed.changes["status"] == ["uploaded", "previewed"]
    assert previewed.changes["summary"]["to_create"] == 3
    assert previewed.changes["summary"] == batch.summary
    assert "1980" not in str(previewed.changes)  # counts only, never a cell of the file


def test_re_preview_with_columns_mapped_by_hand_is_audited(client, world, tmp_path):
    client.force_login(world.users["admin"])
    path = samples.write_workbook(
        tmp_path / "r.xlsx",
        [["王芳", id_number_for(date(1985, 3, 12), "female"), "汉族", "2010.07"]],
        headers=["姓名", "证件", "民族", "入党时间"],
    )
    post_file(client, world.org_a, path)
    batch = latest_batch()
    first = batch_events(batch.code)[-1]
    assert "身份证号码" in first.changes["error"] and first.changes["summary"]["rows"] == 0
    client.post(
        reverse("roster:roster_columns", args=[batch.code]),
        {"col_0": "name", "col_1": "id_number", "col_2": "ethnicity", "col_3": "joined_on"},
    )
    again = batch_events(batch.code)[-1]
    assert again.pk != first.pk
    assert again.changes["status"] == ["previewed", "previewed"]
    assert again.changes["summary"]["to_create"] == 1 and "error" not in again.changes


def test_an_upload_that_cannot_be_read_is_audited_as_failed(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    path = tmp_path / "x.xlsx"
    samples.write_workbook(path, [], headers=["一", "二", "三"])
    post_file(client, world.org_a, path)
    batch = latest_batch()
    assert batch.status == BatchStatus.FAILED
    (uploaded,) = batch_events(batch.code)
    assert uploaded.action == Action.UPLOAD
    assert uploaded.changes["status"] == "failed" and "表头" in uploaded.changes["error"]


def test_a_background_preview_that_fails_is_audited(
    client, world, tmp_path, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ROSTER_BACKGROUND_ROWS = 1
    secretary = world.users["secretary_a"]
    client.force_login(secretary)

    def broken(*args, **kwargs):
        raise RuntimeError("worker killed 533401198001020000")

    monkeypatch.setattr(preview, "run", broken)
    with django_capture_on_commit_callbacks(execute=True):
        post_file(client, world.org_a, write_roster(tmp_path))
    batch = latest_batch()
    assert batch.status == BatchStatus.FAILED and "worker killed" in batch.error_message
    failed = batch_events(batch.code)[-1]
    assert failed.action == Action.UPDATE and failed.actor == secretary
    assert failed.changes == {"status": ["previewing", "failed"]}  # not the exception's text


def test_a_background_apply_that_fails_is_audited(
    client, world, tmp_path, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ROSTER_BACKGROUND_ROWS = 1
    admin = world.users["admin"]
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        post_file(client, world.org_a, write_roster(tmp_path))
    batch = latest_batch()
    assert batch.status == BatchStatus.PREVIEWED

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_apply_creates", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster:roster_apply", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED and "disk full" in batch.error_message
    failed = batch_events(batch.code)[-1]
    assert failed.actor == admin
    assert failed.changes == {"status": ["applying", "previewed"]}


def test_a_file_gone_before_a_new_preview_is_audited_as_failed(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    post_file(client, world.org_a, write_roster(tmp_path))
    batch = latest_batch()
    os.remove(services.upload_storage().path(batch.stored_file))
    client.post(
        reverse("roster:roster_columns", args=[batch.code]),
        {
            f"col_{c['index']}": c["field"] if c["field"] not in (None, "ignore") else ""
            for c in batch.columns
        },
    )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    failed = batch_events(batch.code)[-1]
    assert failed.changes == {"status": ["previewing", "failed"]}


def test_a_dry_run_of_the_command_is_audited_as_discarded(world, tmp_path, capsys):
    call_command("import_roster", str(write_roster(tmp_path)), "--org", world.org_a.code)
    assert not ImportBatch.objects.exists()
    events = list(AuditEvent.objects.filter(target_type=BATCH).order_by("id"))
    assert [e.action for e in events] == [Action.UPLOAD, Action.UPDATE, Action.DELETE]
    discarded = events[-1]
    assert discarded.actor is None and discarded.actor_name == "operator:import_roster"
    assert discarded.batch == events[0].batch
    assert discarded.changes == {"status": ["previewed", None], "file": ["花名册.xlsx", None]}


def test_expiry_by_the_purge_command_is_audited(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    post_file(client, world.org_a, write_roster(tmp_path))
    stale = latest_batch()
    post_file(client, world.org_a, write_roster(tmp_path))
    fresh = latest_batch()
    stale_file = services.upload_storage().path(stale.stored_file)
    ImportBatch.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=8))

    call_command("purge_roster_uploads", "--days", "7")

    assert not ImportBatch.objects.filter(pk=stale.pk).exists()
    assert not os.path.exists(stale_file)
    expired = batch_events(stale.code)[-1]
    assert expired.action == Action.DELETE
    assert expired.actor is None and expired.actor_name == "operator:purge_roster_uploads"
    assert expired.organisation_id == world.org_a.pk
    assert expired.reason == "超过 7 天未导入，自动清除。"
    assert expired.changes["status"] == ["previewed", None]
    assert [e.action for e in batch_events(fresh.code)] == [Action.UPLOAD, Action.UPDATE]
