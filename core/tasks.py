"""The platform's own periodic jobs (core.periodic)."""

from django_tasks import task

from .periodic import periodic
from .planner import refresh_planner_statistics as refresh


@periodic("15 3 * * *", name="core.refresh_planner_statistics")
@task()
def refresh_planner_statistics() -> bool:
    """Nightly: SQLite's planner statistics (core.planner); PostgreSQL's autovacuum does its own."""
    return refresh()
