"""Totals of the member list on a province's roster (issue 13), PostgreSQL only:
organisations_count_or_estimate(query, exact_below) answers, in one round trip, the planner's
estimate of the rows `query` returns when it is at least `exact_below` (counting two million
rows costs more than the rest of the page together), else the exact count. See
organisations.selectors.MemberPaginator."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION organisations_count_or_estimate(query text, exact_below bigint,
    OUT total bigint, OUT estimated boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  total := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
  estimated := total >= exact_below;
  IF NOT estimated THEN
    EXECUTE 'SELECT count(*) FROM (' || query || ') AS counted' INTO total;
  END IF;
END
$$
"""
PG_BACKWARD = "DROP FUNCTION IF EXISTS organisations_count_or_estimate(text, bigint)"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("organisations", "0007_name_search")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
