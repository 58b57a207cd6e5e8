from datetime import date

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from audit.models import Action, AuditEvent
from organisations.models import Member
from organisations.tests.factories import MemberFactory, id_number_for

pytestmark = pytest.mark.django_db


def token_client(user):
    client = APIClient()
    _token, key = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_token_required():
    assert APIClient().get("/api/v1/members/").status_code == 401


def test_member_list_is_scoped_masked_and_fixed_queries(world, django_assert_num_queries):
    for n in range(4):
        MemberFactory(organisation=world.branch_a, name=f"李{n}")
    client = token_client(world.users["secretary_a"])
    # token with user, secretary's organisation, count, page
    with django_assert_num_queries(4):
        response = client.get("/api/v1/members/")
    body = response.json()
    names = [row["name"] for row in body["results"]]
    assert body["count"] == 5
    assert "和丽华" not in names
    row = body["results"][0]
    assert "*" in row["id_number"]
    assert "*" in row["phone"]


def test_member_search_and_filters(world):
    client = token_client(world.users["admin"])
    names = [r["name"] for r in client.get("/api/v1/members/", {"q": "zxcr"}).json()["results"]]
    assert names == ["扎西·次仁"]
    assert client.get("/api/v1/members/", {"joined_year": "x"}).status_code == 400


def test_out_of_scope_detail_is_404(world):
    client = token_client(world.users["secretary_b"])
    assert client.get(f"/api/v1/members/{world.member_a.pk}/").status_code == 404
    assert client.get(f"/api/v1/organisations/{world.org_a.pk}/").status_code == 404


def test_create_goes_through_the_service_and_is_audited(world):
    client = token_client(world.users["secretary_a"])
    payload = {
        "name": "格桑·拉姆",
        "id_number": id_number_for(date(1993, 8, 8), "female"),
        "sex": "female",
        "ethnicity": "04",
        "birth_date": "1993-08-08",
        "joined_on": "2016-07-01",
        "category": "full",
        "organisation": world.branch_a.pk,
    }
    response = client.post("/api/v1/members/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert "*" in response.json()["id_number"]
    member = Member.objects.get(name="格桑·拉姆")
    assert AuditEvent.objects.filter(action=Action.CREATE, target_id=str(member.pk)).exists()


def test_create_errors_name_the_field(world):
    client = token_client(world.users["secretary_a"])
    response = client.post(
        "/api/v1/members/",
        {
            "name": "x",
            "id_number": "123",
            "sex": "female",
            "ethnicity": "04",
            "birth_date": "1993-08-08",
            "joined_on": "2016-07-01",
            "category": "full",
            "organisation": world.branch_a.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "id_number" in response.json()


def test_create_outside_scope_is_404(world):
    client = token_client(world.users["secretary_b"])
    response = client.post(
        "/api/v1/members/",
        {
            "name": "x",
            "id_number": id_number_for(),
            "sex": "male",
            "ethnicity": "01",
            "birth_date": "1985-03-12",
            "joined_on": "2010-07-01",
            "category": "full",
            "organisation": world.branch_a.pk,
        },
        format="json",
    )
    assert response.status_code == 404


def test_patch_updates_through_service(world):
    client = token_client(world.users["admin"])
    response = client.patch(
        f"/api/v1/members/{world.member_b.pk}/", {"post": "科长"}, format="json"
    )
    assert response.status_code == 200
    world.member_b.refresh_from_db()
    assert world.member_b.post == "科长"
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, target_id=str(world.member_b.pk)
    ).exists()


def test_member_role_reads_only_self(world):
    client = token_client(world.users["member"])
    names = [r["name"] for r in client.get("/api/v1/members/").json()["results"]]
    assert names == ["扎西·次仁"]
    response = client.patch(f"/api/v1/members/{world.member_a.pk}/", {"post": "x"}, format="json")
    assert response.status_code == 404


def test_organisations_in_tree_order_with_fixed_queries(world, django_assert_num_queries):
    client = token_client(world.users["admin"])
    with django_assert_num_queries(3):  # token+user, count, page
        response = client.get("/api/v1/organisations/")
    assert [o["name"] for o in response.json()["results"]][:2] == [
        "中共测试州直属机关工作委员会",
        "中共甲局委员会",
    ]


def test_schema_and_docs_served_locally(world):
    client = token_client(world.users["admin"])
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/members/" in schema.content
    client.force_login(world.users["admin"])
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower()


def test_schema_is_valid_and_documents_errors(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "'404':" in text and "#/components/schemas/Error" in text
