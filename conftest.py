"""Suite-wide pytest settings and the browser fixtures (Playwright driving Debian's Chromium)."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation
from hypothesis import settings as hypothesis_settings

# Time limits per example make property tests fail on a busy machine, not on a wrong result.
hypothesis_settings.register_profile("dangjian", deadline=None)
hypothesis_settings.load_profile("dangjian")

ARTIFACTS = Path(__file__).parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Counters kept in the (process-local) cache, such as the ID number check's, start at 0.
    cache.clear()
    # Hashing with the production hasher would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploads go to the test's own folder; background tasks run at once, inside the test.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # The live server speaks plain HTTP; secure-only cookies would never come back, and
    # production's redirect to HTTPS would answer every request with a 301.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    # WhiteNoise otherwise indexes every static file (about 1,200, with stat calls and headers)
    # each time a test client builds its middleware: most of a simple test's time. In
    # autorefresh mode it looks a file up only when one is asked for.
    settings.WHITENOISE_AUTOREFRESH = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _language_of_each_test():
    """Every test starts in the source language and leaves the thread as it found it. A request
    through the test client with an English cookie has LocaleMiddleware activate English on the
    thread, and nothing deactivates it: the next test would otherwise read English messages."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session. `make setup` installs Debian's chromium where it
    can (scripts/system_packages.py); where it could not, the browser tests are skipped with
    the command to run, except on CI, where a missing browser fails them."""
    if os.environ.get("SKIP_BROWSER_TESTS") == "1":
        pytest.skip("SKIP_BROWSER_TESTS=1")
    if CHROMIUM is None:
        reason = "Debian's chromium is not installed: sudo apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page actions are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser page on the live server. Any console error or failed page request
    fails the test; a screenshot of the last state is kept in test-artifacts/."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None,
    )
    page.base_url = live_server.url
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    page.screenshot(path=str(ARTIFACTS / f"{name}-final.png"), full_page=True)
    context.close()
    assert not problems, problems


def screenshot(page, name: str) -> None:
    """Keep a named screenshot of the current page as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, username: str, password: str) -> None:
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The reports replica's alias (core/replica.py) exists in every test run, as a mirror of
    the test database: tests of reporting reads set REPORTS_DATABASE_URL and name both
    databases. Elsewhere the router never uses it."""
    from django.conf import settings
    from django.db import connections

    alias = settings.REPORTS_DB
    if alias not in settings.DATABASES:
        mirror = {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}
        settings.DATABASES[alias] = mirror
        configured = connections.configure_settings({"default": {}, alias: mirror})
        connections.settings[alias] = configured[alias]


# Redis for the tests of the scale-out settings (RQ tasks, cache, cached_db sessions): the one
# on 127.0.0.1:6379, in a database of its own, each test under its own key prefix. Where none
# answers, those tests are skipped saying so, on CI as well: like PostgreSQL (.ci/run), Redis is
# a service a machine may not run, not a package `make setup` installs.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis answers at {TEST_REDIS_URL} ({exc}): sudo apt-get install redis")
    return TEST_REDIS_URL


@pytest.fixture
def rq_tasks(settings, redis_url):
    """Background tasks through RQ on Redis: each job is enqueued in Redis by the real backend
    (django-tasks-rq), read back by its id and run at once by an RQ worker in this process, as
    `manage.py rqworker` would run it on another machine. Only this test's jobs are run."""
    import django_rq
    from django_tasks.signals import task_enqueued
    from rq import SimpleWorker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.RQ_QUEUES = {"default": {"URL": redis_url, "DEFAULT_TIMEOUT": 600}}
    ran: list[str] = []

    def run(sender, task_result, **kwargs):
        # The worker `manage.py rqworker` builds, from the settings (RQ["JOB_CLASS"]).
        worker = django_rq.get_worker(task_result.task.queue_name, worker_class=SimpleWorker)
        queue = worker.queues[0]
        queue.remove(task_result.id)  # no other worker may take it
        job = worker.job_class.fetch(task_result.id, connection=queue.connection)
        worker.execute_job(job, queue)
        ran.append(task_result.id)

    task_enqueued.connect(run)
    yield ran
    task_enqueued.disconnect(run)
    worker = django_rq.get_worker("default", worker_class=SimpleWorker)
    for job_id in ran:
        worker.job_class.fetch(job_id, connection=worker.connection).delete()


from core.tests.personas import world  # noqa: E402,F401  (the personas, for every app's tests)
