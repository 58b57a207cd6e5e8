"""What keeps the member list fast on a large roster (bench/member_list.py measures the speed):
the search as index ranges, deep pages read keys first, remembered totals, the quick <select>.
Each must answer exactly what the plain version answers."""

import re
from datetime import date, timedelta

import pytest
from django import forms
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_filters.widgets import BaseCSVWidget

from accounts.tests.factories import UserFactory
from core.actors import operator
from organisations import selectors
from organisations.filters import (
    MemberFilter,
    OrganisationSearchSelect,
    QuickSelect,
    search_members,
)
from organisations.models import Member
from organisations.tests.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "扎西·次仁", "扎西", "张三", "赵欣", "周小川", "卓玛", "泽仁卓玛", "阿旺", "安娜", "王芳",
    "王小芳", "汪洋", "和丽华", "格桑·白玛", "绿萝", "吕布", "曾子",
]  # fmt: skip


@pytest.fixture
def roster():
    branch = OrganisationFactory()
    for n, name in enumerate(NAMES):
        MemberFactory(organisation=branch, name=name, joined_on=date(2005, 7, 1) + timedelta(n % 3))
    return branch


PREFIXES = ["z", "zx", "zhaxi", "zhax", "zxcr", "w", "wang", "a", "an", "lv", "zz", "q", "x" * 40]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_pinyin_search_as_ranges_finds_what_startswith_finds(roster, prefix):
    naive = Member.objects.filter(
        Q(name_initials__startswith=prefix) | Q(name_pinyin__startswith=prefix)
    )
    found = search_members(Member.objects.all(), prefix.upper())
    assert sorted(m.name for m in found) == sorted(m.name for m in naive)


def _filtered(query: str):
    member_filter = MemberFilter(QueryDict(query), user=operator("test"))
    assert member_filter.is_valid()
    return member_filter.filter_queryset(
        Member.objects.select_related("organisation").order_by("name_pinyin", "id")
    )


def test_pages_read_keys_first_and_match_plain_slicing(roster):
    for order in ["", "-joined_on", "joined_on"]:
        queryset = _filtered(f"order={order}")
        paginator = selectors.MemberPaginator(queryset, 4)
        plain = [m.pk for m in queryset]
        paged = [m.pk for n in paginator.page_range for m in paginator.page(n)]
        assert paged == plain, order


@pytest.mark.parametrize("query", ["q=王", "q=玛", "q=扎西·次仁", "q=王&order=-name"])
def test_a_name_search_sorts_its_matches_after_fetching_them_in_the_same_order(roster, query):
    """A name search's page keys are ordered by a key no index serves (search.
    sorted_after_fetching: the planner must fetch the matches through the gram index rather
    than walk the roster in name order), and the pages hold the plain search's rows in its
    order."""
    for n in range(6):
        MemberFactory(organisation=roster, name=f"王{'一二三四五六'[n]}")
    queryset = _filtered(query)
    plain = [m.pk for m in queryset]
    paginator = selectors.MemberPaginator(queryset, 4)
    with CaptureQueriesContext(connection) as captured:
        paged = [m.pk for n in paginator.page_range for m in paginator.page(n)]
    assert paged == plain and plain
    page_queries = [q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"]]
    assert page_queries and all(re.search(r"CONCAT|\|\|", sql) for sql in page_queries)


def test_sorting_by_a_date_breaks_ties_by_id(roster):
    from django.db.models import F

    assert _filtered("order=joined_on").query.order_by == (
        F("joined_on").asc(nulls_last=True),
        "id",
    )


def test_members_without_a_join_date_sort_last_both_ways(roster):
    """资料不全: an imported member may lack 入党日期; whichever way the list is sorted by it,
    they come after the dated ones (SQLite and PostgreSQL put NULLs at opposite ends)."""
    unknown = MemberFactory(organisation=roster, joined_on=None)
    for order in ("joined_on", "-joined_on"):
        rows = list(_filtered(f"order={order}"))
        assert rows[-1] == unknown, order
        assert [m.joined_on for m in rows[:-1]] == sorted(
            (m.joined_on for m in rows[:-1]), reverse=order.startswith("-")
        )


def test_small_totals_are_always_exact(roster):
    cache.clear()
    queryset = Member.objects.all()
    assert selectors.MemberPaginator(queryset, 10).count == len(NAMES)
    MemberFactory(organisation=roster)
    assert selectors.MemberPaginator(queryset, 10).count == len(NAMES) + 1


def test_large_totals_are_remembered_per_query(roster, monkeypatch):
    cache.clear()
    monkeypatch.setattr(selectors, "COUNT_CACHE_MIN_ROWS", 5)
    everyone = Member.objects.all()
    wangs = search_members(Member.objects.all(), "wang")
    assert selectors.MemberPaginator(everyone, 10).count == len(NAMES)
    assert selectors.MemberPaginator(wangs, 10).count == 3  # 王芳 王小芳 汪洋: small, not kept
    MemberFactory(organisation=roster, name="王五")
    assert selectors.MemberPaginator(everyone, 10).count == len(NAMES)  # kept for a minute
    assert selectors.MemberPaginator(wangs, 10).count == 4
    cache.clear()
    assert selectors.MemberPaginator(everyone, 10).count == len(NAMES) + 1


def test_quick_select_writes_what_django_select_writes(world):
    for user in (world.users["admin"], world.users["secretary_a"]):
        for query in ["", "sex=female&ethnicity=04&status=", "order=-joined_on&category=x"]:
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    member_filter = MemberFilter(QueryDict(query), user=user)
                    member_filter.is_valid()
                    for field in member_filter.form:
                        widget = field.field.widget
                        if not isinstance(widget, QuickSelect) or isinstance(
                            widget, OrganisationSearchSelect
                        ):
                            continue
                        attrs = {"class": "form-select", "aria-invalid": "true", "x": False}
                        quick = field.as_widget(attrs=attrs)
                        quick_class = type(widget)
                        widget.__class__ = (
                            type("CSVSelect", (BaseCSVWidget, forms.Select), {})
                            if issubclass(quick_class, BaseCSVWidget)
                            else forms.Select
                        )
                        assert quick == field.as_widget(attrs=attrs), (field.name, language)
                        widget.__class__ = quick_class


def test_the_organisation_filter_writes_only_the_chosen_organisation(world):
    """150,000 organisations cannot be <option>s: the remote search offers the others."""
    for query, options in [
        ("", ['<option value="" selected>全部</option>']),
        (
            f"organisation={world.org_a.pk}",
            [
                '<option value="">全部</option>',
                f'<option value="{world.org_a.pk}" selected>{world.org_a.name}</option>',
            ],
        ),
        ("organisation=abc", ['<option value="">全部</option>']),
    ]:
        member_filter = MemberFilter(QueryDict(query), user=world.users["secretary_a"])
        member_filter.is_valid()
        html = str(member_filter.form["organisation"])
        assert re.findall(r"<option[^>]*>[^<]*</option>", html) == options, query
        assert 'data-remote-search="/organisations/search/"' in html
    # Out of the secretary's scope: an error, and the organisation's name is not written.
    member_filter = MemberFilter(
        QueryDict(f"organisation={world.org_b.pk}"), user=world.users["secretary_a"]
    )
    assert not member_filter.is_valid()
    assert world.org_b.name not in str(member_filter.form["organisation"])


def test_large_totals_are_estimated_on_postgresql_and_labelled(roster, monkeypatch):
    from django.db import connection

    cache.clear()
    monkeypatch.setattr(selectors, "ESTIMATE_FROM", 5)
    paginator = selectors.MemberPaginator(Member.objects.all(), 10)
    if connection.vendor == "postgresql":
        # The planner's figure, whatever it is (a fresh table's is a guess), and labelled so.
        assert paginator.estimated and paginator.count >= 5
    else:
        assert (paginator.count, paginator.estimated) == (len(NAMES), False)
    # Below the line the count is exact on both databases.
    small = selectors.MemberPaginator(search_members(Member.objects.all(), "wang"), 10)
    monkeypatch.setattr(selectors, "ESTIMATE_FROM", 10**9)
    assert (small.count, small.estimated) == (3, False)


def test_the_list_says_when_its_total_is_an_estimate(client, world, monkeypatch):
    monkeypatch.setattr(selectors, "_count_or_estimate", lambda *args: (1_940_000, True))
    cache.clear()
    client.force_login(world.users["admin"])
    page = client.get("/members/").content.decode()
    assert "约 1,940,000 人（估算）" in page or "约 1940000 人（估算）" in page
    assert "共 " not in page.split('id="member-table"')[1].split("</p>")[0]


# 入党日期 can be unknown (a roster row imported without it is 资料不全), and the list sorts
# unknown dates last: that order is walked by offset, as the next test shows.
ORDERS = ["", "-name", "birth_date", "-birth_date"]


@pytest.mark.parametrize("order", ["joined_on", "-joined_on"])
def test_an_order_on_the_join_date_walks_by_offset(roster, order):
    """No cursor (上一页 / 下一页 fall back to page numbers); the pages still follow the order,
    members without a join date last."""
    roster_member = Member.objects.order_by("id").first()
    Member.objects.filter(pk=roster_member.pk).update(joined_on=None)
    queryset = _filtered(f"order={order}")
    paginator = selectors.MemberPaginator(queryset, 4)
    assert paginator.page(1).next_cursor == ""
    rows = [m for n in paginator.page_range for m in paginator.page(n)]
    assert len(rows) == paginator.count and rows[-1].pk == roster_member.pk
    dates = [m.joined_on for m in rows[:-1]]
    assert dates == sorted(dates, reverse=order.startswith("-"))


@pytest.mark.parametrize("order", ORDERS)
def test_pages_walked_by_cursor_are_the_pages_read_by_offset(roster, order):
    """下一页 and 上一页 carry the cursor of the row beside the page: walking forwards and
    back by cursor gives exactly the rows that reading each page by its offset gives."""
    queryset = _filtered(f"order={order}")
    plain = [[m.pk for m in selectors.MemberPaginator(queryset, 4).page(n)] for n in range(1, 6)]
    page = selectors.MemberPaginator(queryset, 4).page(1)
    walked = [[m.pk for m in page]]
    while page.has_next():
        cursor = page.next_cursor
        assert cursor
        page = selectors.MemberPaginator(queryset, 4, after=cursor).page(page.number + 1)
        walked.append([m.pk for m in page])
    assert walked == plain
    back = [[m.pk for m in page]]
    while page.has_previous():
        cursor = page.previous_cursor
        page = selectors.MemberPaginator(queryset, 4, before=cursor).page(page.number - 1)
        back.append([m.pk for m in page])
    assert back[::-1] == plain


@pytest.mark.parametrize("cursor", ["", "zhaxi", "zhaxi~x", "~~~", "a~1~2", "zhaxi~1.5"])
def test_a_cursor_that_does_not_fit_the_order_is_ignored(roster, cursor):
    queryset = _filtered("")
    plain = [m.pk for m in selectors.MemberPaginator(queryset, 4).page(2)]
    assert [m.pk for m in selectors.MemberPaginator(queryset, 4, after=cursor).page(2)] == plain


def test_the_member_list_links_pages_by_cursor_in_a_fixed_number_of_queries(client, roster):
    for n in range(60):
        MemberFactory(organisation=roster, name=f"王{n:02d}")
    admin = UserFactory()
    client.force_login(admin)
    client.get("/")
    cache.clear()
    first = client.get("/members/")
    link = re.search(r'href="\?page=2&amp;after=([^"]+)"', first.content.decode())
    assert link, "下一页 carries the cursor"
    cache.clear()
    with CaptureQueriesContext(connection) as plain:
        by_offset = client.get("/members/?page=2")
    cache.clear()
    with CaptureQueriesContext(connection) as walked:
        by_cursor = client.get(f"/members/?page=2&after={link.group(1)}")
    assert len(walked.captured_queries) == len(plain.captured_queries)
    ids = re.compile(r'href="/members/(\d+)/"')
    assert ids.findall(by_cursor.content.decode()) == ids.findall(by_offset.content.decode())
    assert "第 2 /" in by_cursor.content.decode()


def test_a_large_subtree_s_counts_are_remembered_a_small_one_s_never(roster, monkeypatch):
    cache.clear()
    small = OrganisationFactory()
    MemberFactory(organisation=small)
    monkeypatch.setattr(selectors, "COUNT_CACHE_MIN_ROWS", 5)
    counts = selectors.category_counts(roster)
    assert counts.full + counts.probationary == len(NAMES)
    MemberFactory(organisation=roster)
    assert selectors.category_counts(roster) == counts  # kept for a minute
    assert selectors.category_counts(small).full == 1
    MemberFactory(organisation=small)
    assert selectors.category_counts(small).full == 2  # small: always counted
    cache.clear()
    assert selectors.category_counts(roster).full == counts.full + 1
