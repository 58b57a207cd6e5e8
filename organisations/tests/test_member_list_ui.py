"""How the member list presents itself: sortable headers, the sorted date shown, cards and a
filter drawer on a phone, a member's own record instead of a list, links for those who use them."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.tests.personas import signed_in
from organisations.tests.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(client):
    branch = OrganisationFactory(name="中共丁局第一支部委员会")
    MemberFactory(organisation=branch, name="阿旺", birth_date=date(1970, 5, 6))
    MemberFactory(organisation=branch, name="白玛", birth_date=date(1990, 8, 9))
    MemberFactory(organisation=branch, name="次仁", birth_date=date(1980, 1, 2))
    MemberFactory(organisation=branch, name="多吉", status="deceased")
    signed_in(client, UserFactory(role=Role.SECRETARY, organisation=branch))
    return client


def _names(response):
    return [m.name for m in response.context["page"].object_list]


def test_a_header_click_sorts_and_the_sorted_column_is_shown(roster, django_assert_num_queries):
    url = reverse("organisations:member_list")
    first = roster.get(url).content.decode()
    assert 'aria-sort="ascending"' in first  # by name, the default
    assert 'id="sort-joined_on" title' in first and "出生日期</th>" not in first
    # Sorting by birth date shows the birth date (no query per row for it).
    with django_assert_num_queries(5):
        response = roster.get(url, {"order": "birth_date"})
    body = response.content.decode()
    assert _names(response) == ["阿旺", "次仁", "白玛"]
    assert "1970-05-06" in body and 'class="num birth-date"' in body
    assert response.context["columns"]["birth_date"]["direction"] == "asc"
    # A second click on the sorted header reverses it.
    reverse_url = response.context["columns"]["birth_date"]["url"]
    assert "order=-birth_date" in reverse_url
    assert _names(roster.get(url + reverse_url)) == ["白玛", "次仁", "阿旺"]


def test_each_sort_order_is_offered_once(roster):
    form = roster.get(reverse("organisations:member_list")).context["filter"].form
    labels = [str(label) for _value, label in form.fields["order"].choices]
    assert len(labels) == len(set(labels)) == 6
    assert "按姓名拼音" not in labels


def test_the_drawer_counts_active_filters_and_status_column_follows(roster):
    url = reverse("organisations:member_list")
    plain = roster.get(url)
    assert plain.context["active_filters"] == 0 and not plain.context["show_status"]
    assert 'id="active-filters"' not in plain.content.decode()
    filtered = roster.get(url, {"status": "", "sex": "male", "q": "多", "order": "-name"})
    assert filtered.context["active_filters"] == 2  # all statuses, sex; not the search or order
    body = filtered.content.decode()
    assert 'id="active-filters"' in body and "已故" in body
    assert filtered.context["show_status"]


def test_a_phone_gets_cards_with_name_category_organisation_and_masked_id(roster):
    response = roster.get(reverse("organisations:member_list"))
    body = response.content.decode()
    cards = body[body.index('id="member-cards"') :]
    cards = cards[: cards.index("</ul>")]
    assert cards.count('class="list-group-item member-card"') == 3
    member = response.context["page"].object_list[0]
    for text in (member.name, "正式党员", "中共丁局第一支部委员会", member.id_number_masked):
        assert text in cards


def test_a_member_sees_their_own_record_not_a_list(client):
    member = MemberFactory(name="格桑")
    signed_in(client, UserFactory(role=Role.MEMBER, member=member))
    response = client.get(reverse("organisations:member_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:member_detail", args=[member.pk])
    home = client.get(response["Location"]).content.decode()
    assert "格桑" in home
    assert reverse("accounts:api_token") not in home  # a member has no use for API tokens


def test_those_who_keep_the_roster_get_export_template_and_token_links(roster):
    body = roster.get(reverse("organisations:member_list")).content.decode()
    for url in ("roster:member_export", "roster:roster_template", "accounts:api_token"):
        assert reverse(url) in body


def test_the_navigation_marks_the_current_page(roster):
    body = roster.get(reverse("organisations:member_list")).content.decode()
    members = reverse("organisations:member_list")
    tree = reverse("organisations:organisation_tree")
    assert f'class="nav-link active" aria-current="page" href="{members}"' in body
    assert f'class="nav-link" href="{tree}"' in body
    body = roster.get(tree).content.decode()
    assert f'class="nav-link active" aria-current="page" href="{tree}"' in body
