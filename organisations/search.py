"""Name search that does not read the whole table, the same on PostgreSQL and SQLite.

Every name is indexed by its pieces of one and two characters ("grams"), middle dots left out
(migration 0007): 扎西·次仁 → 扎 西 次 仁 扎西 西次 次仁. A query's grams (its single character,
or every pair of neighbours) must all be among a name's for the name to contain the query, so
the index narrows the search to a few candidates, which the caller then checks with the plain
`contains` it always used: the answer is exactly the plain search's, on either database.

Why not trigrams (pg_trgm, FTS5's trigram tokenizer): they need three characters in the
pattern, and the search people make most is a two-character given name (卓玛, 次仁).
"""

from django.contrib.postgres.fields import ArrayField
from django.db import connections, models
from django.db.models import F, Func, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

# The function and the SQLite table of migration 0007.
GRAMS_FUNCTION = "organisations_name_grams"
SQLITE_MEMBER_GRAMS = "organisations_member_name_gram"


def name_grams(text: str) -> set[str]:
    """The grams a name is indexed by (what the database computes, in Python)."""
    text = text.replace("·", "")
    return {text[i : i + k] for k in (1, 2) for i in range(len(text) - k + 1)}


def query_grams(value: str) -> list[str]:
    """The grams every name containing `value` has: its character, or its neighbouring pairs."""
    value = value.replace("·", "")
    if len(value) <= 1:
        return [value] if value else []
    return sorted({value[i : i + 2] for i in range(len(value) - 1)})


class NameGrams(Func):
    """organisations_name_grams(column): the expression the PostgreSQL GIN indexes cover."""

    function = GRAMS_FUNCTION
    output_field = ArrayField(models.TextField())


# Marks a queryset narrowed by the gram index: its matches are fetched through the index and
# then sorted (see sorted_after_fetching).
SORT_MATCHES = "_gram_matches"


def marked_as_gram_search(queryset: QuerySet) -> QuerySet:
    return queryset.alias(**{SORT_MATCHES: Value(True)})


def sorted_after_fetching(ordering) -> list:
    """`ordering` with its first key wrapped so that no index can serve it.

    Given `ORDER BY name_pinyin LIMIT 50`, PostgreSQL's planner prefers walking the roster
    index in name order and testing each name, expecting matches spread evenly along it; but
    a name's pinyin starts with its surname's, so the matches of 王 all sit at "wang": at
    2,000,000 members the walk read 1.3 million entries (12.7 s) where fetching the 53,000
    matches through the gram index and sorting them takes a small fraction of that. An
    ordering key the index cannot serve leaves the planner only that second plan; the order
    itself is the same."""
    ordering = list(ordering)
    if ordering and isinstance(ordering[0], str):
        name = ordering[0].lstrip("-")
        key = Concat(F(name), Value(""))
        ordering[0] = key.desc() if ordering[0].startswith("-") else key.asc()
    return ordering


def grams_decide(queryset: QuerySet, value: str) -> bool:
    """Whether the gram index alone answers whether a member's name contains `value`: a name's
    grams are every piece of one and two characters of it, so for a query that short, having
    the gram is containing it, and the caller's exact test (a LIKE on every candidate: half
    the time of a frequent given name's search at province scale) can be left out."""
    vendor = connections[queryset.db].vendor
    indexed = vendor == "postgresql" or (
        vendor == "sqlite" and queryset.model._meta.db_table == "organisations_member"
    )
    return indexed and "·" not in value and 0 < len(value) <= 2


def name_candidates(queryset: QuerySet, value: str, *, field: str = "name") -> QuerySet:
    """`queryset` narrowed by the gram index to rows whose `field` may contain `value`; the
    caller still applies its exact test. A no-op where no index exists (another vendor)."""
    grams = query_grams(value)
    if not grams:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        return queryset.alias(_name_grams=NameGrams(field)).filter(_name_grams__contains=grams)
    if vendor == "sqlite" and queryset.model._meta.db_table == "organisations_member":
        placeholders = ", ".join(["%s"] * len(grams))
        candidates = RawSQL(
            f"SELECT member_id FROM {SQLITE_MEMBER_GRAMS} WHERE gram IN ({placeholders}) "  # noqa: S608 — placeholders only
            "GROUP BY member_id HAVING count(*) = %s",
            [*grams, len(grams)],
        )
        return queryset.filter(pk__in=candidates)
    return queryset
