"""The learning endpoints of API v1: a member's yearly account and ledger, an organisation's
progress, external training entered through the same service as the page. Scoping (out of
scope is a 404), bad input a 400 naming the field in Chinese, fixed queries, audit."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from audit.models import AuditEvent
from learning import services
from learning.models import ExternalTraining, StudyRecord, Theme
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


def token_client(user):
    client = APIClient()
    _token, key = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def credit(world, member, hours="2"):
    return services.credit_study_hours(
        actor=world.users["admin"],
        member=member,
        on=TODAY,
        hours=Decimal(hours),
        source_kind="meeting",
        source=Theme.objects.create(name=f"来源{Theme.objects.count()}"),  # a distinct source
        description="三会一课·学习",
    )


def test_member_account_and_ledger(world):
    credit(world, world.member_a)
    credit(world, world.member_a, "1.5")
    client = token_client(world.users["secretary_a"])
    response = client.get(f"/api/v1/learning/members/{world.member_a.pk}/hours/")
    assert response.status_code == 200
    body = response.json()
    assert body["hours"] == "3.50" and body["requirement"] == "32.00"
    assert body["year"] == TODAY.year and "32" in body["requirement_reason"]
    records = client.get(f"/api/v1/learning/members/{world.member_a.pk}/records/").json()
    assert records["count"] == 2
    assert {r["hours"] for r in records["results"]} == {"2.00", "1.50"}
    assert records["results"][0]["source_kind"] == "meeting"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("secretary_a", 200), ("member", 200), ("secretary_b", 404)],
)
def test_account_scoping(world, persona, status):
    client = token_client(world.users[persona])
    for path in ("hours", "records"):
        url = f"/api/v1/learning/members/{world.member_a.pk}/{path}/"
        assert client.get(url).status_code == status
    # The member persona reads only their own account.
    if persona == "member":
        url = f"/api/v1/learning/members/{world.member_b.pk}/hours/"
        assert client.get(url).status_code == 404


def test_auditor_gets_nothing(world):
    client = token_client(world.users["auditor"])
    response = client.get(f"/api/v1/learning/members/{world.member_a.pk}/hours/")
    assert response.status_code == 403


@pytest.mark.parametrize("year", ["1999", "2101", "x", "99999999999999999999", "２０２６"])
def test_bad_year_is_400_in_chinese(world, year):
    client = token_client(world.users["admin"])
    response = client.get(f"/api/v1/learning/members/{world.member_a.pk}/hours/", {"year": year})
    assert response.status_code == 400
    assert response.json() == {"year": ["年度：请输入 2000 至 2100 之间的年份。"]}


def test_records_fixed_queries(world):
    client = token_client(world.users["admin"])
    url = f"/api/v1/learning/members/{world.member_a.pk}/records/"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for _ in range(3):
        credit(world, world.member_a)
    small = count()
    for _ in range(4):
        credit(world, world.member_a)
    assert count() == small


def test_external_training_by_secretary(world):
    client = token_client(world.users["secretary_a"])
    url = f"/api/v1/learning/members/{world.member_a.pk}/external-training/"
    data = {
        "title": "省委党校专题培训",
        "provider": "省委党校",
        "on": (TODAY - timedelta(days=3)).isoformat(),
        "hours": "8",
        "evidence": "结业证书 2026-018",
    }
    response = client.post(url, data, format="json")
    assert response.status_code == 201, response.json()
    entry = ExternalTraining.objects.get(pk=response.json()["id"])
    record = StudyRecord.objects.get(member=world.member_a)
    assert record.source_kind == "external" and record.source_id == str(entry.pk)
    assert record.hours == Decimal(8)
    assert AuditEvent.objects.filter(
        target_type="learning.externaltraining", target_id=str(entry.pk), action="create"
    ).exists()
    # Another body's secretary and the member themselves: 404, nothing written.
    for persona in ("secretary_b", "member"):
        other = token_client(world.users[persona])
        assert other.post(url, data, format="json").status_code == 404
    assert ExternalTraining.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours", "0", "学时："),
        ("hours", "abc", "学时："),
        ("hours", "1000", "学时："),
        ("on", "2026-13-40", "结业日期："),
        ("title", "", "培训名称："),
        ("title", "长" * 500, "培训名称："),
    ],
)
def test_external_training_bad_input_is_400_naming_the_field(world, field, value, message):
    client = token_client(world.users["admin"])
    data = {
        "title": "培训",
        "provider": "党校",
        "on": TODAY.isoformat(),
        "hours": "2",
        "evidence": "证书",
        field: value,
    }
    response = client.post(
        f"/api/v1/learning/members/{world.member_a.pk}/external-training/", data, format="json"
    )
    assert response.status_code == 400
    errors = response.json()[field]
    assert errors[0].startswith(message), errors
    assert not ExternalTraining.objects.exists()


def test_external_training_in_the_future_is_refused_by_the_service(world):
    client = token_client(world.users["admin"])
    response = client.post(
        f"/api/v1/learning/members/{world.member_a.pk}/external-training/",
        {
            "title": "培训",
            "provider": "党校",
            "on": (TODAY + timedelta(days=2)).isoformat(),
            "hours": "2",
            "evidence": "证书",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"on": ["结业日期不能晚于今天。"]}


def test_organisation_progress(world):
    for _ in range(3):
        MemberFactory(organisation=world.branch_a)
    client = token_client(world.users["secretary_a"])
    response = client.get(f"/api/v1/learning/organisations/{world.org_a.pk}/progress/")
    assert response.status_code == 200
    body = response.json()
    assert body["organisation"] == world.org_a.pk
    assert body["members"] == body["done"] + body["on_track"] + body["behind"] >= 4
    assert "plan_items" in body and "name" not in str(body.keys())
    assert client.get(f"/api/v1/learning/organisations/{world.org_b.pk}/progress/").status_code == (
        404
    )
    member = token_client(world.users["member"])
    assert member.get(f"/api/v1/learning/organisations/{world.org_a.pk}/progress/").status_code == (
        404
    )
