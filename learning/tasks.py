"""Background work of the learning app (django-tasks; `manage.py db_worker` runs them).

The copy check reads every reflection and lesson text, so it never runs inside a request: a
submitted reflection enqueues a check of itself, and a nightly job rechecks everything (flags
against essays submitted later, and lesson texts edited since)."""

from django.db import transaction
from django_tasks import task

from core.periodic import periodic

from . import services


@task()
def check_reflection_copies(reflection_ids: list[int]) -> int:
    return services.check_copies(reflection_ids=reflection_ids)


def submit_reflection(**kwargs):
    """services.reflection_submit, then the copy check of what was submitted, in the
    background once the submission is committed (a service never enqueues: tasks import
    services, not the other way round)."""
    reflection = services.reflection_submit(**kwargs)
    transaction.on_commit(lambda: check_reflection_copies.enqueue([reflection.pk]))
    return reflection


@periodic("30 2 * * *", name="learning.check_all_copies")
@task()
def check_all_copies() -> int:
    return services.check_copies()


@periodic("10 * * * *", name="learning.refresh_study_progress")
@task()
def refresh_study_progress() -> int:
    """Hourly: every organisation's members done / on track / behind this year."""
    from django.utils import timezone

    from core.actors import operator

    return services.refresh_study_progress(
        actor=operator("learning.refresh_study_progress"), year=timezone.localdate().year
    )
