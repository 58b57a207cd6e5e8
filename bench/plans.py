"""PostgreSQL plans of the province pages' main queries, for bench/README.md (issue 13).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dangjian_province_2000000 \\
        .venv/bin/python bench/plans.py

Builds each query through the same selectors the pages use and prints EXPLAIN (ANALYZE,
BUFFERS) for it: the name and pinyin searches, a deep page's keys, a subtree's members, the
organisation search and the count-or-estimate call.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.http import QueryDict

    from accounts.models import User
    from core.actors import operator
    from organisations import selectors
    from organisations.models import Organisation, OrganisationKind

    admin = operator("bench")
    secretary = User.objects.select_related("organisation").get(username="secretary_a")
    committee = (
        Organisation.objects.filter(kind=OrganisationKind.COMMITTEE).order_by("path")[1:2].first()
        or secretary.organisation
    )

    def members(user, query: str):
        return selectors.filtered_members(user, QueryDict(query))[1]

    def explain(title: str, queryset=None, sql: str | None = None, params=()) -> None:
        if queryset is not None:
            sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"### {title}\n\n```\n{plan}\n```\n")

    explain("name search 卓玛, first page", members(admin, "q=卓玛")[:50])
    explain("name search 卓玛, its count", members(admin, "q=卓玛").values("pk").order_by())
    explain("pinyin search zx, first page", members(admin, "q=zx")[:50])
    explain("secretary_a: pinyin search zx, first page", members(secretary, "q=zx")[:50])
    explain("secretary_a: first page", members(secretary, "")[:50])
    keys = members(admin, "").values("pk")[49950:50000]
    explain("deep page 1000: the keys read first", keys)
    explain(
        f"organisation filter ({committee.name}) + sex, first page",
        members(admin, f"organisation={committee.pk}&sex=female")[:50],
    )
    organisations = Organisation.objects.filter(path__startswith=committee.path).values("pk")
    explain("a subtree's organisations (path prefix)", organisations)
    rows = members(admin, "").values("pk").order_by()
    sql, params = rows.query.sql_with_params()
    query = connection.ops.compose_sql(sql, params)
    explain(
        "the first page's total (count or estimate)",
        sql="SELECT * FROM organisations_count_or_estimate(%s, %s)",
        params=[query, selectors.ESTIMATE_FROM],
    )
    from organisations.search import name_candidates

    explain(
        "organisation search 公安",
        name_candidates(Organisation.objects.all(), "公安")
        .filter(name__contains="公安")
        .order_by("path")
        .values("pk", "name", "kind")[:21],
    )


if __name__ == "__main__":
    main()
