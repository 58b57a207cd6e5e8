"""Planner statistics on SQLite.

PostgreSQL's autovacuum keeps the planner's statistics; SQLite keeps none until ANALYZE runs,
and without them it guesses. On a province-sized roster the guess walks the whole roster
index in name order to find a secretary's few hundred members (33 ms a page at 100,000
members) where, with statistics, it reads their organisations' members and sorts them (7 ms;
bench/README.md, "Planner statistics"). So ANALYZE runs after `migrate`, after `seed` and
every night, sampling at most ANALYSIS_LIMIT rows an index so that it takes milliseconds
whatever the size (SQLite's `analysis_limit`)."""

from django.db import DEFAULT_DB_ALIAS, connections

ANALYSIS_LIMIT = 1000


def refresh_planner_statistics(using: str = DEFAULT_DB_ALIAS) -> bool:
    """ANALYZE the database on SQLite; False (nothing to do) on PostgreSQL."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return True
