"""The background import tests again, with the tasks going through RQ on Redis
(TASKS_BACKEND=django_tasks_rq.RQBackend): arguments serialised into Redis, the job read back
and run by an RQ worker, its result stored there. Skipped where no Redis answers."""

import pytest
from django_tasks import task_backends
from django_tasks_rq.backend import RQBackend

from roster import selectors
from roster.tests.test_roster_background import *  # noqa: F403  (the same tests, on RQ)
from roster.tests.test_roster_background import previewed  # noqa: F401


@pytest.fixture(autouse=True)
def _on_rq(rq_tasks):
    return rq_tasks


def test_the_jobs_went_through_redis(rq_tasks, previewed):  # noqa: F811
    backend = task_backends["default"]
    assert isinstance(backend, RQBackend)
    assert rq_tasks, "the preview ran as an RQ job"
    result = backend.get_result(rq_tasks[-1])
    assert result.status == "SUCCESSFUL"
    assert result.task.name == "preview_batch"


def test_the_page_names_the_rq_worker(rq_tasks):
    assert selectors.worker_command() == "manage.py rqworker default"
