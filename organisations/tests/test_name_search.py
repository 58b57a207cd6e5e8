"""The name search through the gram index (organisations.search, migration 0007) answers
exactly what the plain `contains` search answers, on whichever database the suite runs (the CI
runs it on SQLite and on PostgreSQL), and the index follows every write of a name."""

import pytest
from django.db.models import F, Value
from django.db.models.functions import Replace

from organisations.filters import search_members
from organisations.members import normalise_name
from organisations.models import Member, Organisation
from organisations.search import name_candidates, name_grams, query_grams
from organisations.tests.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "扎西·次仁", "扎西", "次仁卓玛", "卓玛", "泽仁卓玛", "卓玛拉姆", "格桑·卓玛", "玛", "王芳",
    "王小芳", "和丽华", "阿旺·扎西·次仁", "李卓", "卓", "玛卓", "卓卓玛", "玛玛",
]  # fmt: skip

QUERIES = [
    "卓玛", "卓", "玛", "扎西", "扎西·次仁", "扎西次仁", "扎西•次仁", "扎西 次仁", "西次", "次仁卓",
    "玛玛", "卓卓", "王", "小芳", "丽华和", "不存在", "·", "阿旺·扎西", "卓玛拉姆", "芳王",
]  # fmt: skip


def _plain(value: str) -> set[str]:
    """The search without an index: names containing the query, dots compared as stored."""
    value = normalise_name(value)
    if "·" in value:
        found = Member.objects.filter(name__contains=value)
    else:
        found = Member.objects.alias(u=Replace(F("name"), Value("·"), Value(""))).filter(
            u__contains=value
        )
    return set(found.values_list("name", flat=True))


@pytest.fixture
def roster():
    branch = OrganisationFactory()
    for name in NAMES:
        MemberFactory(organisation=branch, name=name)
    return branch


@pytest.mark.parametrize("query", QUERIES)
def test_indexed_name_search_finds_what_the_plain_search_finds(roster, query):
    found = set(search_members(Member.objects.all(), query).values_list("name", flat=True))
    assert found == _plain(query)


def test_the_candidates_include_every_match_and_the_grams_agree_with_python(roster):
    for query in map(normalise_name, QUERIES):
        candidates = set(name_candidates(Member.objects.all(), query))
        assert {m.name for m in candidates} >= _plain(query), query
    assert name_grams("扎西·次仁") == {"扎", "西", "次", "仁", "扎西", "西次", "次仁"}
    assert query_grams("卓") == ["卓"]
    assert query_grams("次仁卓") == ["仁卓", "次仁"]


def test_the_index_follows_renames_and_deletions(roster):
    member = Member.objects.get(name="王芳")
    member.name = "达瓦"
    member.save(update_fields=["name"])
    assert set(search_members(Member.objects.all(), "达瓦").values_list("pk", flat=True)) == {
        member.pk
    }
    assert not search_members(Member.objects.all(), "王芳").exists()
    Member.objects.filter(name__in=["卓玛", "玛卓"]).delete()
    assert set(search_members(Member.objects.all(), "卓玛").values_list("name", flat=True)) == (
        _plain("卓玛")
    )
    # Bulk inserts (the roster import, the demo seeding) are indexed too.
    Member.objects.bulk_create(
        [MemberFactory.build(organisation=roster, name="白玛·卓嘎")], batch_size=10
    )
    assert search_members(Member.objects.all(), "卓嘎").get().name == "白玛·卓嘎"


def test_organisation_names_are_searched_alike(roster):
    OrganisationFactory(name="中共州公安局机关第一党支部")
    found = name_candidates(Organisation.objects.all(), "公安", field="name").filter(
        name__contains="公安"
    )
    assert [o.name for o in found] == ["中共州公安局机关第一党支部"]
