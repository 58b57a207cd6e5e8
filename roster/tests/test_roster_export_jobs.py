"""Exports too large for a request run in the task worker, with progress and a download
(issue 8), and survive a worker killed halfway (retry)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from organisations.tests.factories import MemberFactory
from roster.models import ExportStatus, MemberExport
from roster.tests.test_roster_views import workbook_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(settings, world):
    settings.ROSTER_EXPORT_BACKGROUND_ROWS = 3
    return [MemberFactory(organisation=world.branch_a) for _ in range(3)]


def test_a_large_export_is_written_by_the_worker_then_downloaded(
    client, world, big, django_capture_on_commit_callbacks
):
    client.force_login(world.users["secretary_a"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(reverse("roster:member_export"), {"organisation": world.org_a.pk})
    export = MemberExport.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/roster/exports/{export.code}/")
    assert export.status == ExportStatus.QUEUED and export.total == 4  # member_a too
    page = client.get(response.url).content.decode()
    assert 'id="export-progress"' in page and "排队等待后台处理" in page
    started = AuditEvent.objects.get(action="export")
    assert started.changes["export"] == export.code and started.changes["rows"] == 4
    for callback in callbacks:
        callback()  # the worker runs it
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.rows == 4
    page = client.get(response.url).content.decode()
    assert 'id="download"' in page
    download = client.get(reverse("roster:roster_export_download", args=[export.code]))
    assert (
        download["Cache-Control"].startswith("max-age=0") or "no-store" in download["Cache-Control"]
    )
    sheet = workbook_of(download).active
    names = {row[1].value for row in sheet.iter_rows(min_row=4)}
    assert {m.name for m in big} <= names and world.member_a.name in names
    assert "*" in sheet.cell(row=4, column=6).value  # masked
    assert AuditEvent.objects.filter(action="export").count() == 2  # asked, downloaded
    # Nobody else gets it, not even the committee admin.
    client.force_login(world.users["admin"])
    assert client.get(reverse("roster:roster_export", args=[export.code])).status_code == 404


def test_an_export_whose_worker_died_is_retried(
    client, world, big, settings, django_capture_on_commit_callbacks
):
    client.force_login(world.users["secretary_a"])
    with django_capture_on_commit_callbacks():
        response = client.get(reverse("roster:member_export"))  # the worker never runs it
    export = MemberExport.objects.get()
    MemberExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING,
        status_changed_at=timezone.now() - timedelta(minutes=settings.ROSTER_STALE_MINUTES + 1),
    )
    page = client.get(response.url).content.decode()
    assert 'id="export-health"' in page and "后台任务已中断" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster:roster_export_retry", args=[export.code]))
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.rows == export.total
    # The old run, if it ever wakes, finds the export taken over and does nothing.
    from roster import services

    services.export_run(export=export, token="old-token")
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE


def test_small_exports_still_come_at_once(client, world):
    client.force_login(world.users["secretary_a"])
    response = client.get(reverse("roster:member_export"))
    assert response.status_code == 200 and not MemberExport.objects.exists()


def test_old_exports_and_their_files_are_purged(
    client, world, big, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from roster.services import upload_storage

    client.force_login(world.users["secretary_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("roster:member_export"))
    export = MemberExport.objects.get()
    assert upload_storage().exists(export.stored_file)
    MemberExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(days=30))
    call_command("purge_roster_uploads")
    assert not MemberExport.objects.exists() and not upload_storage().exists(export.stored_file)


def test_a_large_rollback_runs_in_the_worker_and_survives_a_killed_one(
    client, world, tmp_path, settings, django_capture_on_commit_callbacks
):
    from organisations.models import Member
    from roster.models import BatchStatus
    from roster.tests import samples
    from roster.tests.test_roster_views import latest_batch, people_rows, post_file

    settings.ROSTER_BACKGROUND_ROWS = 3
    client.force_login(world.users["secretary_a"])
    with django_capture_on_commit_callbacks(execute=True):
        post_file(client, world.org_a, samples.write_workbook(tmp_path / "r.xlsx", people_rows(4)))
    batch = latest_batch()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster:roster_apply", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED and batch.summary["created"] == 4
    # The worker is killed: the rollback is marked, never run.
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("roster:roster_rollback", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ROLLING_BACK and len(callbacks) == 1
    assert Member.objects.filter(name__startswith="测试").count() == 4
    page = client.get(reverse("roster:roster_batch", args=[batch.code])).content.decode()
    assert "正在撤销" in page and 'id="roster-progress"' in page
    type(batch).objects.filter(pk=batch.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=settings.ROSTER_STALE_MINUTES + 1)
    )
    page = client.get(reverse("roster:roster_batch", args=[batch.code])).content.decode()
    assert 'id="retry"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster:roster_retry", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ROLLED_BACK
    assert not Member.objects.filter(name__startswith="测试").exists()
    assert AuditEvent.objects.filter(batch=batch.code, action="delete").count() == 4
    # The first run, if it ever wakes, finds the batch no longer its own and does nothing.
    callbacks[0]()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ROLLED_BACK
