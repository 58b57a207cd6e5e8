import pytest
from django.db import connection

from core.periodic import jobs
from core.planner import refresh_planner_statistics
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_sqlite_planner_learns_the_roster_after_a_refresh():
    MemberFactory.create_batch(3)
    refreshed = refresh_planner_statistics()
    if connection.vendor != "sqlite":
        assert refreshed is False  # autovacuum keeps PostgreSQL's statistics
        return
    assert refreshed is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'organisations_member'")
        stats = dict(cursor.fetchall())
    # One line per index of the roster, each starting with the number of rows it holds.
    assert stats and all(stat.split()[0] == "3" for idx, stat in stats.items() if idx)


def test_the_refresh_runs_every_night():
    assert "core.refresh_planner_statistics" in {job.name for job in jobs()}
