"""Background work that is killed, doubled or never started (issue 7, items 5 and 10).

Batch states move by compare-and-set with the token of the run that owns them: a second apply
is refused with a message and never reports a failure over the first one's success; a batch
whose worker died (simulated: applying, with an old heartbeat) is detected, can be retried
from its page and is purged; a task no worker picked up makes the page say so."""

import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from organisations.models import Member
from roster import progress, selectors, services, tasks
from roster.models import BatchStatus, ImportBatch
from roster.tests.test_roster_import import Messy
from roster.tests.test_roster_views import latest_batch, post_file


def not_started() -> str:
    """What the page says when no worker took the batch: it names the configured worker."""
    return f"后台任务未启动：请确认任务进程 {selectors.worker_command()} 正在运行"


INTERRUPTED = "后台任务已中断"


@pytest.fixture
def background(settings):
    """Every file goes to the task worker."""
    settings.ROSTER_BACKGROUND_ROWS = 5
    settings.ROSTER_TASK_WAIT_MINUTES = 2
    settings.ROSTER_STALE_MINUTES = 10


@pytest.fixture
def previewed(client, world, tmp_path, background, django_capture_on_commit_callbacks):
    """A batch of the messy roster (2 new members, 1 update), previewed by the worker."""
    client.force_login(world.users["secretary_a"])
    with django_capture_on_commit_callbacks(execute=True):
        post_file(client, world.org_a, Messy(world, tmp_path).path)
    batch = latest_batch()
    assert batch.status == BatchStatus.PREVIEWED and batch.background
    return batch


def apply_url(batch):
    return reverse("roster:roster_apply", args=[batch.code])


def page_of(client, batch):
    return client.get(reverse("roster:roster_batch", args=[batch.code])).content.decode()


def killed(batch, *, minutes_ago=30):
    """The worker that took the batch was killed `minutes_ago`: no heartbeat since."""
    then = timezone.now() - timedelta(minutes=minutes_ago)
    ImportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=then, status_changed_at=then - timedelta(minutes=1)
    )
    progress.clear(batch.code)
    batch.refresh_from_db()


def test_a_second_apply_request_is_refused_and_the_first_succeeds(
    client, world, previewed, django_capture_on_commit_callbacks
):
    members = Member.objects.count()
    with django_capture_on_commit_callbacks() as first:
        client.post(apply_url(previewed))
    with django_capture_on_commit_callbacks() as second:
        response = client.post(apply_url(previewed), follow=True)
    assert "该批次正在导入，请勿重复提交。" in response.content.decode()
    assert len(first) == 1 and second == []  # one task, not two
    first[0]()
    previewed.refresh_from_db()
    assert previewed.status == BatchStatus.APPLIED and previewed.error == ""
    assert Member.objects.count() == members + 3  # the messy sample: 3 new (one without 入党时间)
    # And once it is done, another request is told so, and changes nothing.
    response = client.post(apply_url(previewed), follow=True)
    assert "该批次已经导入，请勿重复提交。" in response.content.decode()
    previewed.refresh_from_db()
    assert previewed.status == BatchStatus.APPLIED and previewed.error == ""
    creates = AuditEvent.objects.filter(batch=previewed.code, action="create")
    assert creates.count() == 3


def test_a_second_apply_task_leaves_the_first_result_alone(
    client, world, previewed, django_capture_on_commit_callbacks
):
    """Two tasks for one batch (the issue: the second reported 导入失败 over 11,181 members)."""
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(apply_url(previewed))
    previewed.refresh_from_db()
    ref, token = tasks.actor_ref(world.users["secretary_a"]), previewed.run_token
    callbacks[0]()
    tasks.apply_batch.call(previewed.pk, ref, token)  # the same run, delivered twice
    previewed.refresh_from_db()
    assert previewed.status == BatchStatus.APPLIED and previewed.error == ""
    assert AuditEvent.objects.filter(batch=previewed.code, action="create").count() == 3


def test_a_failure_never_overwrites_what_another_run_finished(world, previewed):
    ImportBatch.objects.filter(pk=previewed.pk).update(status=BatchStatus.APPLIED)
    assert not services.batch_fail(
        batch=previewed,
        actor=world.users["secretary_a"],
        message="导入失败",
        status=BatchStatus.PREVIEWED,
    )
    previewed.refresh_from_db()
    assert previewed.status == BatchStatus.APPLIED and previewed.error == ""


def test_a_killed_apply_is_detected_retried_from_the_page_and_applied_once(
    client, world, previewed, django_capture_on_commit_callbacks
):
    members = Member.objects.count()
    with django_capture_on_commit_callbacks():  # the task is lost with the killed worker
        client.post(apply_url(previewed))
    previewed.refresh_from_db()
    old_token = previewed.run_token
    killed(previewed)
    assert selectors.batch_health(previewed) == "stale"
    page = page_of(client, previewed)
    assert INTERRUPTED in page and 'id="retry"' in page
    response = client.post(reverse("roster:roster_rollback", args=[previewed.code]), follow=True)
    assert "只有已导入的批次才能撤销" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("roster:roster_retry", args=[previewed.code]), follow=True)
    # The task, and the deletion of the applied file once the apply commits.
    assert "已重新交给后台任务处理。" in response.content.decode() and len(callbacks) == 2
    previewed.refresh_from_db()
    assert previewed.status == BatchStatus.APPLIED and previewed.run_token != old_token
    assert Member.objects.count() == members + 3  # the messy sample: 3 new (one without 入党时间)
    event = AuditEvent.objects.get(batch=previewed.code, reason="后台任务中断后重试")
    assert event.changes == {"status": ["applying", "applying"]}
    assert event.actor == world.users["secretary_a"]

    # The killed run's task, delivered late, finds the batch taken over and changes nothing.
    tasks.apply_batch.call(previewed.pk, tasks.actor_ref(world.users["admin"]), old_token)
    previewed.refresh_from_db()
    assert previewed.status == BatchStatus.APPLIED and previewed.error == ""
    assert Member.objects.count() == members + 3  # the messy sample: 3 new (one without 入党时间)


def test_a_stale_preview_is_retried(client, world, previewed, django_capture_on_commit_callbacks):
    ImportBatch.objects.filter(pk=previewed.pk).update(
        status=BatchStatus.PREVIEWING, run_token="dead", summary={}
    )
    killed(previewed)
    assert INTERRUPTED in page_of(client, previewed)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster:roster_retry", args=[previewed.code]))
    previewed.refresh_from_db()
    assert previewed.status == BatchStatus.PREVIEWED and previewed.summary["to_create"] == 3


def test_retry_is_refused_while_the_worker_is_alive(
    client, world, previewed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        client.post(apply_url(previewed))
    previewed.refresh_from_db()
    token = previewed.run_token
    # Applying inside one transaction, the worker's heartbeat is its progress file.
    killed(previewed)
    progress.Progress(previewed.code, phase="apply", total=10).advance(1)
    assert selectors.batch_health(previewed) is None
    page = page_of(client, previewed)
    assert INTERRUPTED not in page and 'id="retry"' not in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("roster:roster_retry", args=[previewed.code]), follow=True)
    assert "该批次没有中断，不需要重试。" in response.content.decode() and callbacks == []
    previewed.refresh_from_db()
    assert previewed.run_token == token


def test_a_task_no_worker_picked_up_says_the_worker_is_not_running(
    client, world, previewed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():  # enqueued, but no worker runs
        client.post(apply_url(previewed))
    url = reverse("roster:roster_batch", args=[previewed.code])
    assert not_started() not in client.get(url).content.decode()  # just queued

    ImportBatch.objects.filter(pk=previewed.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=3)
    )
    page = client.get(url).content.decode()
    assert not_started() in page and 'id="retry"' not in page
    partial = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roster-progress")
    assert not_started() in partial.content.decode()

    # Still nobody after the stale limit: it may be retried (the queue may have lost it).
    ImportBatch.objects.filter(pk=previewed.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=11)
    )
    page = client.get(url).content.decode()
    assert not_started() in page and 'id="retry"' in page


def test_a_queued_preview_that_waits_says_so_too(client, world, tmp_path, background):
    client.force_login(world.users["secretary_a"])
    post_file(client, world.org_a, Messy(world, tmp_path).path)  # on_commit never runs here
    batch = latest_batch()
    assert batch.status == BatchStatus.QUEUED and batch.heartbeat_at is None
    ImportBatch.objects.filter(pk=batch.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=5)
    )
    assert not_started() in page_of(client, batch)


def test_a_run_that_lost_its_batch_stops_without_touching_it(
    client, world, tmp_path, background, django_capture_on_commit_callbacks
):
    client.force_login(world.users["secretary_a"])
    with django_capture_on_commit_callbacks() as callbacks:
        post_file(client, world.org_a, Messy(world, tmp_path).path)
    batch = latest_batch()
    ImportBatch.objects.filter(pk=batch.pk).update(run_token="another run")
    callbacks[0]()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED and batch.error == ""
    assert not batch.rows.exists()


def test_purge_removes_a_killed_apply_and_its_file(
    client, world, previewed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        client.post(apply_url(previewed))
    file_path = services.upload_storage().path(previewed.stored_file)
    eight_days_ago = timezone.now() - timedelta(days=8)
    ImportBatch.objects.filter(pk=previewed.pk).update(created_at=eight_days_ago)
    killed(previewed)
    # An old batch whose worker is alive right now stays.
    alive = ImportBatch.objects.create(
        organisation=world.org_a,
        original_name="活.xlsx",
        file_format="xlsx",
        status=BatchStatus.APPLYING,
        background=True,
        heartbeat_at=timezone.now(),
        status_changed_at=timezone.now(),
    )
    ImportBatch.objects.filter(pk=alive.pk).update(created_at=eight_days_ago)
    assert os.path.exists(file_path)

    call_command("purge_roster_uploads", "--days", "7")

    assert not ImportBatch.objects.filter(pk=previewed.pk).exists()
    assert not os.path.exists(file_path)
    assert ImportBatch.objects.filter(pk=alive.pk).exists()
