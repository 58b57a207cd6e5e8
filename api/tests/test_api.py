from datetime import date

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from organisations.models import Member, OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory, id_number_for

pytestmark = pytest.mark.django_db


def token_client(user):
    client = APIClient()
    _token, key = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_token_required():
    assert APIClient().get("/api/v1/members/").status_code == 401


def test_member_list_is_scoped_masked_and_fixed_queries(django_assert_num_queries):
    bureau = OrganisationFactory()
    branch = OrganisationFactory(parent=bureau)
    for n in range(4):
        MemberFactory(organisation=branch, name=f"李{n}", phone="13912345678")
    MemberFactory(organisation=OrganisationFactory(), name="和丽华")  # another bureau's
    client = token_client(UserFactory(role=Role.SECRETARY, organisation=bureau))
    # token with user, secretary's organisation, count, page
    with django_assert_num_queries(4):
        response = client.get("/api/v1/members/")
    body = response.json()
    names = [row["name"] for row in body["results"]]
    assert body["count"] == 4
    assert sorted(names) == ["李0", "李1", "李2", "李3"]
    for row in body["results"]:
        assert row["id_number"] == Member.objects.get(name=row["name"]).id_number_masked
        assert row["phone"] == "139****5678"


def test_member_search_and_filters():
    branch = OrganisationFactory()
    for name in ("扎西·次仁", "扎西·多吉", "和丽华"):
        MemberFactory(organisation=branch, name=name)
    client = token_client(UserFactory(role=Role.COMMITTEE_ADMIN))
    names = [r["name"] for r in client.get("/api/v1/members/", {"q": "zxcr"}).json()["results"]]
    assert names == ["扎西·次仁"]
    names = [r["name"] for r in client.get("/api/v1/members/", {"q": "zhaxi"}).json()["results"]]
    assert names == ["扎西·次仁", "扎西·多吉"]
    response = client.get("/api/v1/members/", {"joined_year": "x"})
    assert response.status_code == 400
    assert "joined_year" in response.json()


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


def test_member_role_reads_only_self():
    branch = OrganisationFactory()
    own = MemberFactory(organisation=branch, name="扎西·次仁", post="科员")
    neighbour = MemberFactory(organisation=branch, name="卓玛")  # same branch, not theirs
    client = token_client(UserFactory(role=Role.MEMBER, member=own))
    names = [r["name"] for r in client.get("/api/v1/members/").json()["results"]]
    assert names == ["扎西·次仁"]
    assert client.get(f"/api/v1/members/{neighbour.pk}/").status_code == 404
    response = client.patch(f"/api/v1/members/{own.pk}/", {"post": "x"}, format="json")
    assert response.status_code == 404
    own.refresh_from_db()
    assert own.post == "科员"


def test_organisations_in_tree_order_with_fixed_queries(django_assert_num_queries):
    root = OrganisationFactory(name="工委", kind=OrganisationKind.COMMITTEE)
    second = OrganisationFactory(
        parent=root, name="乙局党委", kind=OrganisationKind.PARTY_COMMITTEE
    )
    OrganisationFactory(parent=second, name="乙局第一支部")
    OrganisationFactory(parent=root, name="丙局支部")
    OrganisationFactory(parent=second, name="乙局第二支部")
    client = token_client(UserFactory(role=Role.COMMITTEE_ADMIN))
    with django_assert_num_queries(3):  # token+user, count, page
        response = client.get("/api/v1/organisations/")
    assert [o["name"] for o in response.json()["results"]] == [
        "工委",
        "乙局党委",
        "乙局第一支部",
        "乙局第二支部",
        "丙局支部",
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
