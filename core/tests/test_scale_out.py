"""Scale-out on existing engines (issue 13): the settings that spread the platform over several
machines, each switched by the environment (docs/deploy.md): tasks on RQ, cache and sessions
on Redis, files in shared or object storage, report reads on a replica."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.files.storage import storages
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.test_sessions import SESSIONS, signed_in_by_login
from core import replica
from core.storage import has_paths
from core.tests.personas import signed_in
from organisations.models import Organisation
from roster import services as roster_services
from roster.models import BatchStatus
from roster.tests.test_roster_import import Messy
from roster.tests.test_roster_views import latest_batch, post_file

ROOT = Path(django_settings.BASE_DIR)
PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.TASKS['default']['BACKEND'], s.SESSION_ENGINE, s.STORAGES['default']['BACKEND'], "
    "s.STORAGES['private']['BACKEND'], sorted(s.DATABASES), 'django_rq' in s.INSTALLED_APPS)"
)
SCALE_OUT_VARS = (
    "TASKS_BACKEND",
    "RQ_URL",
    "CACHE_URL",
    "SESSION_STORE",
    "FILE_STORAGE",
    "S3_BUCKET",
    "REPORTS_DATABASE_URL",
)


def start(**env):
    dotenv = ROOT / ".env"
    local = dotenv.read_text() if dotenv.exists() else ""
    if any(f"{name}=" in local for name in SCALE_OUT_VARS):
        pytest.skip(".env sets a value this test checks the default of")
    environment = {k: v for k, v in os.environ.items() if k not in SCALE_OUT_VARS}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="test-only-secret-key-for-a-settings-probe-0123456789",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_defaults_need_no_service():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django_tasks_db.DatabaseBackend",
        "django.contrib.sessions.backends.db",
        "django.core.files.storage.FileSystemStorage",
        "core.storage.PrivateFileSystemStorage",
        "['default']",
        "False",
    ]


def test_every_scale_out_setting_switches_by_the_environment():
    result = start(
        TASKS_BACKEND="django_tasks_rq.RQBackend",
        RQ_URL="redis://127.0.0.1:6379/2",
        CACHE_URL="redis://127.0.0.1:6379/1",
        SESSION_STORE="cached_db",
        FILE_STORAGE="s3",
        S3_BUCKET="dangjian",
        S3_ENDPOINT_URL="http://minio.local:9000",
        REPORTS_DATABASE_URL="postgres://reader@replica.local/dangjian",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django_tasks_rq.RQBackend",
        "django.contrib.sessions.backends.cached_db",
        "storages.backends.s3.S3Storage",
        "storages.backends.s3.S3Storage",
        "['default',",
        "'reports']",
        "True",
    ]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TASKS_BACKEND": "django_tasks_rq.RQBackend"}, "RQ_URL"),
        ({"SESSION_STORE": "cached_db"}, "CACHE_URL"),
        ({"SESSION_STORE": "cache", "CACHE_URL": "redis://127.0.0.1:6379/1"}, "SESSION_STORE"),
        ({"FILE_STORAGE": "s3"}, "S3_BUCKET"),
        ({"FILE_STORAGE": "nfs"}, "FILE_STORAGE"),
    ],
)
def test_an_incomplete_setting_stops_the_start_naming_what_to_set(env, named):
    result = start(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr


# --- sessions: ending one ends it in the cache too ------------------------------------------


@pytest.fixture(params=["locmem", "redis"])
def cached_sessions(request, settings):
    """cached_db sessions, on a cache in this process and on Redis where one answers."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"test-{os.getpid()}-{request.node.name}",
            }
        }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.mark.django_db
def test_an_ended_session_is_signed_out_although_its_copy_was_cached(
    cached_sessions, client, world
):
    admin_browser = signed_in_by_login("admin")
    assert admin_browser.get(reverse("core:home")).status_code == 200  # read from the cache
    signed_in(client, world.users["security"])
    sessions = client.get(SESSIONS).context["sessions"]
    target = next(s for s in sessions if s.user == world.users["admin"])
    client.post(SESSIONS, {"session": [target.id]})
    assert admin_browser.get(reverse("core:home")).status_code == 302  # signed out
    assert not Session.objects.filter(session_key=target.key).exists()


# --- files: any storage, no local paths assumed --------------------------------------------


@pytest.mark.django_db
def test_a_roster_import_works_from_a_storage_without_paths(
    client, world, tmp_path, settings, django_capture_on_commit_callbacks
):
    """Object storage has no paths: the upload is saved, read back and previewed through the
    storage API alone (here Django's in-memory storage stands for S3)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.ROSTER_BACKGROUND_ROWS = 5  # through the task, as a worker elsewhere would
    client.force_login(world.users["secretary_a"])
    with django_capture_on_commit_callbacks(execute=True):
        post_file(client, world.org_a, Messy(world, tmp_path).path)
    batch = latest_batch()
    assert batch.status == BatchStatus.PREVIEWED and batch.background, batch.error
    assert batch.stored_file.startswith("roster/")
    assert storages["private"].exists(batch.stored_file)
    assert not has_paths(roster_services.upload_storage())


# --- report reads on the replica ------------------------------------------------------------


@pytest.fixture
def replica_alias(settings):
    """The replica configured: in the test run its alias mirrors the test database (conftest),
    as a replica holds the same rows."""
    settings.REPORTS_DATABASE_URL = "postgres://reader@replica.local/dangjian"
    return settings.REPORTS_DB


@pytest.mark.django_db(transaction=True, databases=["default", "reports"])
def test_reads_inside_reporting_go_to_the_replica_and_writes_never(world, replica_alias):
    assert replica.replica_alias() == replica_alias
    with CaptureQueriesContext(connections[replica_alias]) as on_replica, replica.reporting():
        names = sorted(Organisation.objects.values_list("name", flat=True))
        world.org_a.name = "中共甲局委员会（改）"
        world.org_a.save(update_fields=["name"])
    assert names and len(on_replica.captured_queries) == 1
    assert "SELECT" in on_replica.captured_queries[0]["sql"]
    # Outside reporting(), reads stay on the primary.
    with CaptureQueriesContext(connections[replica_alias]) as elsewhere:
        Organisation.objects.count()
    assert elsewhere.captured_queries == []
    assert Organisation.objects.get(pk=world.org_a.pk).name == "中共甲局委员会（改）"


def test_without_a_replica_reporting_reads_the_primary(db, settings):
    settings.REPORTS_DATABASE_URL = ""
    assert replica.replica_alias() is None
    with replica.reporting():
        assert replica.ReplicaRouter().db_for_read(Organisation) is None
    assert replica.ReplicaRouter().allow_migrate("reports", "organisations") is False


def test_deploy_check_asks_for_a_shared_cache_when_the_work_is_spread(settings):
    from core.checks import scale_out_needs_a_shared_cache

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.SHARED_CACHE = False
    assert [w.id for w in scale_out_needs_a_shared_cache(None)] == ["core.W002"]
    settings.SHARED_CACHE = True
    assert scale_out_needs_a_shared_cache(None) == []
