"""Reads of the organisation tree and member registry, always starting from scoped querysets."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import connections, models
from django.db.models import Count, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.http import QueryDict
from django.utils import timezone

from core.actors import Actor
from core.roles import Role

from .filters import MemberFilter
from .models import (
    INCOMPLETE_FIELDS,
    Member,
    MemberCategory,
    MembershipPeriod,
    MemberStatus,
    Organisation,
    OrganisationKind,
    Position,
    term_warning_horizon,
)
from .policy import Reach, scope_for, subtree_ids
from .search import SORT_MATCHES, name_candidates, sorted_after_fetching


@dataclass(frozen=True)
class CategoryCounts:
    """Active members of an organisation's subtree, by category."""

    full: int
    probationary: int

    @property
    def total(self) -> int:
        return self.full + self.probationary


# A search opens the paths to at most this many organisations it finds.
TREE_SEARCH_LIMIT = 50


def _tree_counts(organisations: list[Organisation], under: list[Organisation]) -> None:
    """Set `subtree_count` on each of `organisations`: the active members of it and of every
    level below it (党小组 included). One query, whatever the tree's size: the active members
    under `under` are counted per organisation and each count is added to its ancestors."""
    by_path = {o.path: o for o in organisations}
    for organisation in organisations:
        organisation.subtree_count = 0
    if not organisations or not under:
        return
    within = Q()
    for top in under:
        # By organisation id, not a join on the path: SQLite cannot seek LIKE 'path%' and
        # read every member to test it (a secretary's tree at 100,000 members: 39 ms).
        within |= Q(organisation__in=subtree_ids(top.path))
    counts = (
        Member.objects.filter(within, status=MemberStatus.ACTIVE)
        .values_list("organisation__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for path, n in counts:
        for ancestor in Organisation(path=path).ancestor_paths():
            node = by_path.get(ancestor)
            if node is not None:
                node.subtree_count += n


def _top_organisations(user: Actor) -> QuerySet[Organisation]:
    """The visible organisations nothing visible sits above: the committee for its admin, a
    secretary's own organisation, a member's branch."""
    visible = Organisation.objects.visible_to(user)
    top_depth = visible.order_by("depth").values("depth")[:1]
    return visible.filter(depth=Subquery(top_depth))


@dataclass
class Tree:
    """What the 党组织 page shows: the top organisations with what is open below them.

    Each organisation carries `subtree_count`, `is_match` and `child_nodes`: the list of the
    organisations directly under it when its level is open, None when it is closed (the page
    then loads it on demand, organisation_children)."""

    roots: list[Organisation]
    matches: int = 0


def organisation_tree(
    user: Actor, *, query: str = "", open_pks: Iterable[int] = (), open_all: bool | None = None
) -> Tree:
    """The tree as first shown: the top organisations and their first level; a secretary's
    (or member's) own subtree all open; and the path to every organisation whose name or
    code contains `query`, or to the ones in `open_pks`, opened. Four queries whatever the
    tree's size (2,648 organisations in Diqing): the top, the matches, the rows, the counts."""
    open_pks = set(open_pks)
    visible = Organisation.objects.visible_to(user)
    tops = list(_top_organisations(user))
    if not tops:
        return Tree(roots=[])
    if open_all is None:
        # A secretary's subtree is a few dozen organisations at most; the committee's is not.
        open_all = scope_for(user).reach is not Reach.ALL
    open_paths = {top.path for top in tops}
    matched: set[str] = set()
    query = query.strip()
    wanted = Q(pk__in=sorted(open_pks))
    if query:
        wanted |= Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code=query)
    if query or open_pks:
        found = list(visible.filter(wanted).values_list("pk", "path")[:TREE_SEARCH_LIMIT])
        for pk, path in found:
            ancestors = Organisation(path=path).ancestor_paths()
            open_paths.update(ancestors[:-1])
            if pk in open_pks:
                open_paths.add(path)
            else:
                matched.add(path)
    rows = visible.filter(depth__gte=tops[0].depth)
    if not open_all:
        steplen = Organisation.steplen
        rows = rows.alias(
            parent=Substr("path", 1, Length("path") - steplen),
        ).filter(Q(pk__in=[t.pk for t in tops]) | Q(parent__in=open_paths))
    organisations = list(rows.order_by("path"))
    _tree_counts(organisations, tops)
    by_path = {o.path: o for o in organisations}
    for organisation in organisations:
        organisation.is_match = organisation.path in matched
        opened = open_all or organisation.path in open_paths
        organisation.child_nodes = [] if opened or not organisation.numchild else None
    roots = []
    for organisation in organisations:
        parent = by_path.get(organisation.parent_path)
        if parent is None or organisation.depth == tops[0].depth:
            roots.append(organisation)
        elif parent.child_nodes is not None:
            parent.child_nodes.append(organisation)
    return Tree(roots=roots, matches=len(matched))


def organisation_children(user: Actor, organisation: Organisation) -> list[Organisation]:
    """The organisations directly under `organisation`, each with its `subtree_count`, closed:
    one level of the tree, loaded when it is opened. Two queries whatever the tree's size."""
    children = list(visible_children(user, organisation))
    _tree_counts(children, [organisation])
    for child in children:
        child.is_match = False
        child.child_nodes = [] if not child.numchild else None
    return children


def visible_parent(user: Actor, organisation: Organisation) -> Organisation | None:
    """The organisation above, if `user` may see it: a secretary's view stops at their root."""
    if organisation.depth <= 1:
        return None
    parent_path = organisation.parent_path
    return Organisation.objects.visible_to(user).filter(path=parent_path).first()


def visible_children(user: Actor, organisation: Organisation) -> QuerySet[Organisation]:
    """The organisations directly under `organisation` that `user` may see, in tree order."""
    return (
        Organisation.objects.visible_to(user)
        .subtree_of(organisation)
        .filter(depth=organisation.depth + 1)
    )


def category_counts(organisation: Organisation) -> CategoryCounts:
    """The subtree's active members by category. A subtree of COUNT_CACHE_MIN_ROWS or more
    (a prefecture's holds tens of thousands at province scale, and counting them was most of
    its page) is remembered for COUNT_CACHE_SECONDS, as the member list's totals are; smaller
    ones are always counted."""
    key = f"category-counts:{organisation.pk}"
    remembered = cache.get(key)
    if isinstance(remembered, CategoryCounts):
        return remembered
    counts = (
        Member.objects.in_subtree(organisation)
        .filter(status=MemberStatus.ACTIVE)
        .aggregate(
            full=Count("pk", filter=Q(category=MemberCategory.FULL)),
            probationary=Count("pk", filter=Q(category=MemberCategory.PROBATIONARY)),
        )
    )
    result = CategoryCounts(full=counts["full"], probationary=counts["probationary"])
    if result.full + result.probationary >= COUNT_CACHE_MIN_ROWS:
        cache.set(key, result, COUNT_CACHE_SECONDS)
    return result


def current_positions(organisation: Organisation) -> QuerySet[Position]:
    return (
        Position.objects.current()
        .filter(organisation=organisation)
        .select_related("member")
        .in_rank_order()
    )


def positions_ending(user: Actor, *, today: date | None = None) -> QuerySet[Position]:
    """Current positions whose term has ended or is ending soon (Position.term_status_on)."""
    today = today or timezone.localdate()
    return (
        Position.objects.visible_to(user)
        .current()
        .filter(term_end__lte=term_warning_horizon(today))
        .select_related("organisation", "member")
        .order_by("term_end")
    )


def member_list(user: Actor) -> QuerySet[Member]:
    """The base of the member list: visible members with what a row shows, no N+1."""
    return _with_row_data(Member.objects.visible_to(user))


def filtered_members(
    user: Actor, params: QueryDict | None
) -> tuple[MemberFilter, QuerySet[Member]]:
    """The member list's filter form and the visible members it selects (none while a filter
    is invalid: the form then says which). Shared by the list page and the 花名册 export."""
    member_filter = MemberFilter(params, user=user)
    queryset = member_list(user).order_by("name_pinyin", "id")
    if member_filter.is_valid():
        queryset = member_filter.filter_queryset(queryset)
    else:
        queryset = queryset.none()
    return member_filter, queryset


def _with_row_data(queryset: QuerySet[Member]) -> QuerySet[Member]:
    return queryset.select_related("organisation")


# A total of this many members or more is remembered for COUNT_CACHE_SECONDS (see below).
COUNT_CACHE_MIN_ROWS = 1000
COUNT_CACHE_SECONDS = 60
# What a row of the roster shows (organisations/member_list.html); the rest of a member, its
# encrypted ID number among it, stays in the database. A field the row needs but this list
# lacks costs a query per row, which the list's query-count test catches.
ROW_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "id_number_masked",
    "birth_date",
    "joined_on",
    "joined_on_precision",
    "category",
    "status",
    "phone_masked",
    # with the fields above, what Member.missing_fields reads (the 资料不全 badge)
    "education",
    "unit",
    "full_member_on",
    "organisation__name",
)


# The member's columns a page's cursor can hold (the orders the list offers, then the id), and
# what separates them in the cursor (pinyin keys are ASCII letters, dates ISO, ids digits).
CURSOR_FIELDS = ("name_pinyin", "joined_on", "birth_date", "id")
CURSOR_SEPARATOR = "~"


# On PostgreSQL, a total the planner expects to reach this is shown as its estimate.
ESTIMATE_FROM = 200_000


def _count_or_estimate(rows: QuerySet, sql: str, params: tuple) -> tuple[int, bool]:
    """(total, estimated): on PostgreSQL one call of organisations_count_or_estimate
    (migration 0007), which counts only what the planner expects to be under ESTIMATE_FROM;
    elsewhere the count. One query either way, so the page's query count stays fixed."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return rows.count(), False
    with connection.cursor() as cursor:
        # The backend's own quoting of the parameters (psycopg's client-side binding).
        query = connection.ops.compose_sql(sql, params)  # type: ignore[attr-defined]
        cursor.execute(
            "SELECT total, estimated FROM organisations_count_or_estimate(%s, %s)",
            [query, ESTIMATE_FROM],
        )
        total, estimated = cursor.fetchone()
    if estimated:
        # An estimate has about three significant figures: 1,943,512 → 1,940,000.
        step = 10 ** max(0, len(str(total)) - 3)
        total = round(total / step) * step
    return total, estimated


class MemberPaginator(Paginator):
    """Pages of the member list that stay cheap on a province-sized roster.

    Counting 100,000 members costs more than the rest of the page together, and the total
    ("共 N 人") is the same for every page of one query. So a total of COUNT_CACHE_MIN_ROWS
    or more is kept in the cache for COUNT_CACHE_SECONDS, keyed by the query itself: such a
    figure may lag a minute behind a change; smaller totals are cheap and always exact.

    On PostgreSQL a total the planner expects to reach ESTIMATE_FROM is not counted at all:
    the estimate is shown, labelled as one ("约 N 人"); see _count_or_estimate.

    A page is read keys first (a deferred join): the database finds the page's keys in the
    roster index alone (walking the offset, sifting the search keys and quick filters there),
    then reads and joins only the page's rows. Read directly, PostgreSQL joined every match
    of a search to its organisation before sorting (a pinyin search at 2,000,000 members:
    327 ms against 31 ms keys first). Still one query, so the page's query count does not
    change.
    """

    object_list: QuerySet[Member]

    @cached_property
    def count(self) -> int:
        return self._total[0]

    @property
    def estimated(self) -> bool:
        """Whether `count` is the planner's estimate (shown as "约 N 人") rather than a count."""
        return self._total[1]

    @cached_property
    def _total(self) -> tuple[int, bool]:
        queryset = self.object_list
        if queryset.query.is_empty():
            return 0, False
        # The key is the count's own query (rows and joins as filtered), not the page's.
        rows = queryset.values("pk").order_by()
        sql, params = rows.query.sql_with_params()
        digest = hashlib.sha256(f"{queryset.db}|{sql}|{params!r}".encode()).hexdigest()
        key = f"member-count:{digest}"
        total = cache.get(key)
        if total is None:
            total = _count_or_estimate(rows, sql, params)
            if total[0] >= COUNT_CACHE_MIN_ROWS:
                cache.set(key, total, COUNT_CACHE_SECONDS)
        return total

    def __init__(
        self,
        object_list: QuerySet[Member],
        per_page: int,
        *,
        after: str = "",
        before: str = "",
        **kwargs: Any,
    ) -> None:
        """`after` / `before`: the cursor of the row just before / after the page wanted
        (what the previous page's 下一页 or the next page's 上一页 link carries), so that
        a page reached by walking reads its rows from the index where the cursor points,
        however deep; without one, a page is read by its offset."""
        super().__init__(object_list, per_page, **kwargs)
        self._cursor = None
        for reverse, text in ((False, after), (True, before)):
            values = self._parse_cursor(text)
            if values is not None:
                self._cursor = (reverse, values)
                break

    @cached_property
    def _keys(self) -> list[tuple[str, bool]]:
        """(field, descending) of the list's order, ending on the id; [] when a cursor cannot
        follow it (an order on anything but the member's own columns)."""
        keys = []
        for term in self.object_list.query.order_by or Member._meta.ordering or ():
            if not isinstance(term, str):
                return []
            name = term.lstrip("-")
            name = "id" if name == "pk" else name
            if name not in CURSOR_FIELDS:
                return []
            keys.append((name, term.startswith("-")))
        return keys if keys and keys[-1][0] == "id" else []

    def _parse_cursor(self, text: str | None) -> list | None:
        if not text or not self._keys:
            return None
        parts = str(text).split(CURSOR_SEPARATOR)
        if len(parts) != len(self._keys):
            return None
        try:
            return [
                _model_field(name).to_python(part)
                for (name, _descending), part in zip(self._keys, parts, strict=True)
            ]
        except (ValidationError, ValueError, TypeError):
            return None

    def cursor_of(self, member: Member) -> str:
        """The cursor of a row of the page ("" when the order takes none)."""
        return CURSOR_SEPARATOR.join(str(getattr(member, name)) for name, _ in self._keys)

    def page(self, number: int | str) -> "Page[Member]":
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows: QuerySet[Member] | list[Member]
        if self._cursor is not None and top > bottom:
            rows = self._rows_from_cursor(*self._cursor, top - bottom)
        else:
            rows = self._rows(bottom, top)
        return self._get_page(rows, number, self)

    # Django's documented hook for a Page subclass (django-stubs omit it).
    def _get_page(self, *args: Any, **kwargs: Any) -> "MemberPage":
        return MemberPage(*args, **kwargs)

    def _rows(self, bottom: int, top: int) -> QuerySet[Member]:
        queryset = self.object_list
        fields = (*ROW_FIELDS, *(name for name, _ in self._keys if name != "id"))
        if top <= bottom:
            return queryset.none()
        ordering = queryset.query.order_by or Member._meta.ordering or ()
        keys = queryset.values("pk")
        if SORT_MATCHES in queryset.query.annotations:  # a name search: see the function
            keys = keys.order_by(*sorted_after_fetching(ordering))
        keys = keys[bottom:top]
        # Scoping and filters are in `keys`; this outer query only fetches those rows.
        rows = _with_row_data(Member.objects.filter(pk__in=keys))
        return rows.only(*fields).order_by(*ordering)

    def _rows_from_cursor(self, reverse: bool, values: list, size: int) -> list[Member]:
        """The `size` rows after the cursor (before it if `reverse`), in the list's order: a
        range of the order's index, whatever the depth. One query, as for any page."""
        keys = self._keys
        after = Q()
        for index, (name, descending) in enumerate(keys):
            # Rows equal on the earlier keys and past the cursor on this one.
            later = (name + ("__lt" if descending != reverse else "__gt"), values[index])
            equal = {keys[i][0]: values[i] for i in range(index)}
            after |= Q(**equal, **dict([later]))
        first, descending = keys[0]
        # The first key's bound alone lets the index start where the cursor points.
        bound = {first + ("__lte" if descending != reverse else "__gte"): values[0]}
        queryset = self.object_list.filter(after, **bound)
        if reverse:
            queryset = queryset.reverse()
        fields = (*ROW_FIELDS, *(name for name, _ in keys if name != "id"))
        rows = list(queryset.only(*fields)[:size])
        return rows[::-1] if reverse else rows


def _model_field(name: str) -> models.Field:
    field = Member._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


class MemberPage(Page):
    """A page of the member list that knows the cursors its 上一页 and 下一页 links carry."""

    paginator: MemberPaginator

    def _rows(self) -> list[Member]:
        if not isinstance(self.object_list, list):
            self.object_list = list(self.object_list)
        return self.object_list

    @property
    def next_cursor(self) -> str:
        rows = self._rows()
        return self.paginator.cursor_of(rows[-1]) if rows and self.has_next() else ""

    @property
    def previous_cursor(self) -> str:
        rows = self._rows()
        return self.paginator.cursor_of(rows[0]) if rows and self.has_previous() else ""


def member_detail_queryset(user: Actor) -> QuerySet[Member]:
    return Member.objects.visible_to(user).select_related("organisation")


def membership_history(member: Member) -> QuerySet[MembershipPeriod]:
    return member.periods.select_related("organisation")


@dataclass(frozen=True)
class ScopeSummary:
    """The figures at the top of the home page for someone who manages a subtree."""

    organisations: int
    members: CategoryCounts


def scope_summary(user: Actor) -> ScopeSummary | None:
    if not Organisation.objects.editable_by(user).exists():
        return None
    counts = (
        Member.objects.visible_to(user)
        .filter(status=MemberStatus.ACTIVE)
        .aggregate(
            full=Count("pk", filter=Q(category=MemberCategory.FULL)),
            probationary=Count("pk", filter=Q(category=MemberCategory.PROBATIONARY)),
        )
    )
    return ScopeSummary(
        organisations=Organisation.objects.visible_to(user).count(),
        members=CategoryCounts(full=counts["full"], probationary=counts["probationary"]),
    )


def secretaries_over(organisation: Organisation) -> list[AbstractBaseUser]:
    """Active secretary accounts whose subtree contains `organisation` (those to tell when a
    member moves in). Accounts sit above this app, so they are reached through the user model
    Django is configured with, not imported."""
    return list(
        get_user_model().objects.filter(
            role=Role.SECRETARY,
            is_active=True,
            organisation__path__in=organisation.ancestor_paths(),
        )
    )


# --- 工作台 (home page dashboards) -------------------------------------------------------------


def kind_counts(user: Actor) -> dict[str, int]:
    """Visible organisations by kind (机关工委, 党委, 党总支, 党支部, 党小组). One query."""
    return dict(
        Organisation.objects.visible_to(user).values_list("kind").annotate(n=Count("pk")).order_by()
    )


@dataclass(frozen=True)
class IncompleteRecord:
    member: Member
    missing: list[str]  # the labels of the empty fields


# What a list of incomplete records reads of each member (Member.missing_fields among it).
_INCOMPLETE_ROW = (
    "id",
    "name",
    "category",
    *INCOMPLETE_FIELDS,
    "organisation__name",
    "organisation__path",
)


def incomplete_member_queryset(user: Actor) -> QuerySet[Member]:
    """Active members in `user`'s write scope whose record is 资料不全 (INCOMPLETE_FIELDS)."""
    return Member.objects.editable_by(user).incomplete().filter(status=MemberStatus.ACTIVE)


def incomplete_members(user: Actor, limit: int = 8) -> tuple[int, list[IncompleteRecord]]:
    """Records to complete (资料不全) in `user`'s write scope: how many, and the first `limit`
    of them with what each lacks. Two queries."""
    members = incomplete_member_queryset(user)
    rows = list(
        members.select_related("organisation")
        .only(*_INCOMPLETE_ROW)
        .order_by("organisation__path", "name_pinyin", "id")[:limit]
    )
    total = members.count()
    return total, [IncompleteRecord(member=m, missing=m.missing_labels()) for m in rows]


def own_record(user: Actor) -> Member | None:
    """A member's own record with their organisation (one query), or None."""
    member_id = getattr(user, "member_id", None)
    if not member_id:
        return None
    return member_detail_queryset(user).filter(pk=member_id).first()


# An organisation search (the remote pickers) answers this many at most.
ORGANISATION_SEARCH_LIMIT = 20


def organisation_search(
    user: Actor, query: str, *, editable: bool = False, limit: int = ORGANISATION_SEARCH_LIMIT
) -> tuple[list[dict], bool]:
    """Organisations `user` may see (or, `editable`, change) whose name contains `query`, in
    tree order: ({id, name, kind} dicts, whether there are more). One query; the name is found
    through the gram index on PostgreSQL (organisations.search), so a province's 150,000
    organisations are not read one by one."""
    organisations = Organisation.objects.all()
    organisations = organisations.editable_by(user) if editable else organisations.visible_to(user)
    query = " ".join("".join(ch for ch in query if ch.isprintable()).split())[:60]
    if query:
        organisations = name_candidates(organisations, query).filter(name__contains=query)
    rows = list(organisations.order_by("path").values("pk", "name", "kind")[: limit + 1])
    labels = dict(OrganisationKind.choices)
    found = [
        {"id": row["pk"], "name": row["name"], "kind": str(labels.get(row["kind"], row["kind"]))}
        for row in rows[:limit]
    ]
    return found, len(rows) > limit


# At most this many members in an answer of the position form's member picker.
MEMBER_PICKER_LIMIT = 20


def position_member_search(
    user: Actor, organisation: Organisation, query: str, *, limit: int = MEMBER_PICKER_LIMIT
) -> tuple[list[dict], bool]:
    """Members the position form of `organisation` may appoint (its subtree's, as
    forms.PositionForm accepts) that `user` may see, found by the member list's search box
    (a name, pinyin, initials, an ID's last 4): ({id, name, detail} dicts with the member's
    organisation as the detail, whether there are more). One query, in pinyin order."""
    from .filters import search_members

    members = Member.objects.in_subtree(organisation) & Member.objects.visible_to(user)
    query = " ".join("".join(ch for ch in query if ch.isprintable()).split())[:60]
    members = search_members(members, query)
    rows = list(
        members.order_by("name_pinyin", "id").values("pk", "name", "organisation__name")[
            : limit + 1
        ]
    )
    found = [
        {"id": row["pk"], "name": row["name"], "detail": row["organisation__name"]}
        for row in rows[:limit]
    ]
    return found, len(rows) > limit
