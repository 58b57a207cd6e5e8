"""Bad input on the member list and the position form is a field error, never a server error
(issue 7, item 11)."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from organisations.models import Position
from organisations.services import default_term_end

pytestmark = pytest.mark.django_db

BAD_YEARS = ["0", "-5", "1920", "10000", "99999999999999999999", "1e5", "2001.5", "nan", "２x"]
YEAR_ERROR = "入党年份：请输入 1921 至 9999 之间的年份。"


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["admin"])
    return client


@pytest.mark.parametrize("year", BAD_YEARS)
def test_member_list_refuses_a_joined_year_out_of_range(admin_client, year):
    response = admin_client.get(reverse("organisations:member_list"), {"joined_year": year})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert YEAR_ERROR in response.content.decode()


@pytest.mark.parametrize("year", ["0", "10000", "99999999999999999999"])
def test_member_list_partial_says_why_it_is_empty(admin_client, year):
    response = admin_client.get(
        reverse("organisations:member_list"),
        {"joined_year": year},
        headers={"HX-Request": "true", "HX-Target": "member-table"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="filter-errors"' in body and YEAR_ERROR in body


@pytest.mark.parametrize("year", ["1921", "2001", "9999"])
def test_member_list_accepts_the_years_at_the_bounds(admin_client, year):
    response = admin_client.get(reverse("organisations:member_list"), {"joined_year": year})
    assert not response.context["filter"].errors


def test_position_starting_9999_12_31_is_a_field_error(admin_client, world):
    url = reverse("organisations:position_create", args=[world.org_a.pk])
    response = admin_client.post(
        url, {"member": world.member_a.pk, "title": "secretary", "term_start": "9999-12-31"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "任期开始日期过晚" in errors["term_start"][0]
    assert not Position.objects.exists()
    assert not AuditEvent.objects.exists()


def test_default_term_end_at_the_last_possible_year(world):
    assert default_term_end(world.branch_a, date(9996, 2, 29)) == date(9999, 2, 28)
    assert default_term_end(world.org_a, date(9994, 12, 31)) == date(9999, 12, 31)
