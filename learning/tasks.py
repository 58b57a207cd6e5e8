"""Background work of the learning app (django-tasks; `manage.py db_worker` runs them).

The copy check reads every reflection and lesson text, so it never runs inside a request: a
submitted reflection enqueues a check of itself, and a nightly job rechecks everything (flags
against essays submitted later, and lesson texts edited since)."""

from django_tasks import task

from core.periodic import periodic

from . import services


@task()
def check_reflection_copies(reflection_ids: list[int]) -> int:
    return services.check_copies(reflection_ids=reflection_ids)


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
