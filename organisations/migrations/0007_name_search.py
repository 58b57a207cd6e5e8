"""Name search that does not read the whole roster (issue 13): an index of the 1- and
2-character pieces ("grams") of every member's name, without middle dots, on both databases.

Trigrams (pg_trgm, FTS5's trigram tokenizer) cannot serve the commonest search, a two-character
given name such as 卓玛: a pattern needs three characters before either index can use it. Grams
of one and two characters can; organisations.search.name_candidates asks for them and the
search then checks each candidate's name as before, so both databases give the same answer.

PostgreSQL: a GIN index over organisations_name_grams(name), an immutable SQL function (the
index keeps itself up to date); the organisation name has the same for the organisation search.
SQLite: a WITHOUT ROWID table (gram, member_id) kept by triggers, filled from a table of
(position, length) pairs, since SQLite allows no expression of that kind in an index.

Also, PostgreSQL only, the member list's totals on a province's roster:
organisations_count_or_estimate(query, exact_below) answers, in one round trip, the planner's
estimate of the rows `query` returns when it is at least `exact_below` (counting two million
rows costs more than the rest of the page together), else the exact count. See
organisations.selectors.MemberPaginator."""

from django.db import migrations

# Names are at most 64 characters (Member.name).
MAX_NAME = 64

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION organisations_name_grams(name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT substr(t, i, k)), '{}')
      FROM (SELECT replace(name, '·', '') AS t) AS s,
           generate_series(1, char_length(t)) AS i,
           generate_series(1, 2) AS k
      WHERE i + k - 1 <= char_length(t)
    $$
    """,
    "CREATE INDEX organisations_member_name_grams ON organisations_member "
    "USING gin (organisations_name_grams(name))",
    "CREATE INDEX organisations_organisation_name_grams ON organisations_organisation "
    "USING gin (organisations_name_grams(name))",
    """CREATE OR REPLACE FUNCTION organisations_count_or_estimate(query text, exact_below bigint,
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
    """,
]
PG_BACKWARD = [
    "DROP FUNCTION IF EXISTS organisations_count_or_estimate(text, bigint)",
    "DROP INDEX IF EXISTS organisations_organisation_name_grams",
    "DROP INDEX IF EXISTS organisations_member_name_grams",
    "DROP FUNCTION IF EXISTS organisations_name_grams(text)",
]

_GRAMS_OF_NEW = """
    INSERT OR IGNORE INTO organisations_member_name_gram (gram, member_id)
    SELECT substr(replace(new.name, '·', ''), p.position, p.length), new.id
    FROM organisations_gram_position AS p
    WHERE p.position + p.length - 1 <= length(replace(new.name, '·', ''));
"""
SQLITE_FORWARD = [
    "CREATE TABLE organisations_gram_position "
    "(position integer NOT NULL, length integer NOT NULL, PRIMARY KEY (position, length)) "
    "WITHOUT ROWID",
    "INSERT INTO organisations_gram_position (position, length) VALUES "
    + ", ".join(f"({p}, {k})" for p in range(1, MAX_NAME + 1) for k in (1, 2)),
    "CREATE TABLE organisations_member_name_gram "
    "(gram text NOT NULL, member_id integer NOT NULL, PRIMARY KEY (gram, member_id)) "
    "WITHOUT ROWID",
    "CREATE INDEX organisations_member_name_gram_member ON organisations_member_name_gram "
    "(member_id)",
    "CREATE TRIGGER organisations_member_grams_insert AFTER INSERT ON organisations_member "
    "BEGIN" + _GRAMS_OF_NEW + "END",
    "CREATE TRIGGER organisations_member_grams_update AFTER UPDATE OF name ON organisations_member "
    "BEGIN DELETE FROM organisations_member_name_gram WHERE member_id = old.id;"
    + _GRAMS_OF_NEW
    + "END",
    "CREATE TRIGGER organisations_member_grams_delete AFTER DELETE ON organisations_member "
    "BEGIN DELETE FROM organisations_member_name_gram WHERE member_id = old.id; END",
    # Members that exist already.
    "INSERT OR IGNORE INTO organisations_member_name_gram (gram, member_id) "
    "SELECT substr(replace(m.name, '·', ''), p.position, p.length), m.id "
    "FROM organisations_member AS m, organisations_gram_position AS p "
    "WHERE p.position + p.length - 1 <= length(replace(m.name, '·', ''))",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS organisations_member_grams_delete",
    "DROP TRIGGER IF EXISTS organisations_member_grams_update",
    "DROP TRIGGER IF EXISTS organisations_member_grams_insert",
    "DROP TABLE IF EXISTS organisations_member_name_gram",
    "DROP TABLE IF EXISTS organisations_gram_position",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("organisations", "0006_member_phone_encrypted")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
            elidable=False,
        ),
    ]
