"""Bad input to the API is a 400 naming the field (or a 404 for a malformed id), never a
server error (issue 7, item 11)."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    client = APIClient()
    _token, key = AuthToken.objects.create(user=world.users["admin"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.parametrize("year", ["0", "-5", "10000", "99999999999999999999", "1e5", "x"])
def test_member_list_joined_year_out_of_range_is_400(api, year):
    response = api.get("/api/v1/members/", {"joined_year": year})
    assert response.status_code == 400
    assert response.json() == {"joined_year": ["入党年份：请输入 1921 至 9999 之间的年份。"]}


def test_member_list_joined_year_in_range(api, world):
    response = api.get("/api/v1/members/", {"joined_year": "2010"})
    assert response.status_code == 200


@pytest.mark.parametrize("pk", ["AAA", "-1", "1.5", "99999999999999999999", "0x10", "%00", "９"])
@pytest.mark.parametrize("resource", ["members", "organisations"])
def test_malformed_ids_are_404(api, resource, pk):
    assert api.get(f"/api/v1/{resource}/{pk}/").status_code == 404
    if resource == "members":
        response = api.patch(f"/api/v1/members/{pk}/", {"post": "x"}, format="json")
        assert response.status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/members/AAA/", "/api/v1/members/a%0Ab/", "/api/v1/x/"])
def test_unknown_api_addresses_are_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "１", "9999999999"])
def test_page_that_is_not_a_positive_number_is_400(api, page):
    response = api.get("/api/v1/members/", {"page": page})
    assert response.status_code == 400
    assert response.json() == {"page": ["页码：须为正整数。"]}


def test_page_past_the_last_is_404_and_empty_values_mean_no_filter(api, world):
    assert api.get("/api/v1/organisations/", {"page": "99"}).status_code == 404
    response = api.get("/api/v1/members/", {"page": "", "order": "", "ethnicity": ""})
    assert response.status_code == 200
    assert response.json()["count"] == 2
