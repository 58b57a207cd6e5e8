"""Organisational life in the REST API v1 (meetings/api.py): read-only, scoped, fixed queries;
out of scope is a 404, a bad parameter a 400 naming it in Chinese."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from accounts.tests.factories import UserFactory
from api.tests.test_api import token_client
from meetings import compliance, services
from meetings.models import DecisionKind, Meeting, MeetingKind
from meetings.tests.factories import MeetingFactory, at
from meetings.tests.test_meetings import OP, held
from organisations.tests.factories import OrganisationFactory


@pytest.fixture
def recorded(tree):
    meeting = held(tree, at(2025, 3, 4, 15), present=tree.members[:3])
    services.decision_add(
        actor=OP,
        meeting=meeting,
        title="接收预备党员",
        kind=DecisionKind.ORDINARY,
        votes_for=3,
        votes_against=0,
        votes_abstain=0,
    )
    joint = services.meeting_create(
        actor=OP,
        organisation=tree.branch,
        joint_organisations=[tree.other],
        kind=MeetingKind.THEME_DAY,
        status="held",
        title="联合主题党日",
        starts_at=at(2025, 4, 8, 15),
        ends_at=at(2025, 4, 8, 17),
    )
    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    return meeting, joint


def test_meeting_list_with_attendance_summary_in_fixed_queries(tree, recorded):
    client = token_client(tree.secretary)
    with CaptureQueriesContext(connection) as few:
        response = client.get("/api/v1/meetings/", {"organisation": tree.branch.pk})
    assert response.status_code == 200
    row = next(r for r in response.json()["results"] if r["id"] == recorded[0].pk)
    assert row["due_count"] == 4 and row["present_count"] == 3
    assert row["kind"] == "theme_day" and row["kind_label"] == "主题党日"
    assert row["organisations"] == [tree.branch.pk]
    for n in range(4):
        MeetingFactory(organisation=tree.branch, starts_at=at(2025, 5, 1 + n, 9), status="held")
    with CaptureQueriesContext(connection) as more:
        response = client.get("/api/v1/meetings/", {"organisation": tree.branch.pk})
    assert len(response.json()["results"]) >= 5
    assert len(more.captured_queries) == len(few.captured_queries)


def test_meeting_detail_gives_attendance_by_status_and_decisions(tree, recorded):
    meeting = recorded[0]
    response = token_client(tree.secretary).get(f"/api/v1/meetings/{meeting.pk}/")
    assert response.status_code == 200
    body = response.json()
    # Three rows recorded, all present (the fourth member due has no row).
    assert body["attendance"] == {"present": 3, "excused": 0, "absent": 0, "not_counted": 0}
    (decision,) = body["decisions"]
    assert decision["title"] == "接收预备党员" and decision["votes_for"] == 3
    joint = token_client(tree.secretary).get(f"/api/v1/meetings/{recorded[1].pk}/").json()
    assert joint["organisations"] == sorted([tree.branch.pk, tree.other.pk])


def test_out_of_scope_meeting_and_organisation_are_404(tree, recorded):
    elsewhere = OrganisationFactory(parent=tree.root, name="丙支部")
    outsider = MeetingFactory(organisation=elsewhere, starts_at=at(2025, 3, 5), status="held")
    client = token_client(tree.secretary)
    assert client.get(f"/api/v1/meetings/{outsider.pk}/").status_code == 404
    assert client.get("/api/v1/meetings/", {"organisation": elsewhere.pk}).status_code == 404
    answer = client.get("/api/v1/meetings/compliance/", {"organisation": elsewhere.pk})
    assert answer.status_code == 404
    summary = client.get("/api/v1/meetings/compliance/summary/", {"organisation": tree.root.pk})
    assert summary.status_code == 404
    listed = client.get("/api/v1/meetings/").json()["results"]
    assert outsider.pk not in [r["id"] for r in listed]


@pytest.mark.parametrize(
    "url, params, field, message",
    [
        ("/api/v1/meetings/", {"kind": "party"}, "kind", "会议类型："),
        ("/api/v1/meetings/", {"from": "2025-13-01"}, "from", "起始日期："),
        ("/api/v1/meetings/", {"from": "2025-05-01", "to": "2025-04-01"}, "to", "不能早于"),
        ("/api/v1/meetings/", {"organisation": "abc"}, "organisation", "党组织："),
        ("/api/v1/meetings/", {"to": "0001-01-01"}, "to", "超出范围"),
        ("/api/v1/meetings/compliance/", {"year": "1900"}, "year", "年度："),
        ("/api/v1/meetings/compliance/", {"month": "13"}, "month", "月份："),
        ("/api/v1/meetings/compliance/", {"status": "ok"}, "status", "落实情况："),
        ("/api/v1/meetings/compliance/summary/", {"year": "x\\u0000"}, "year", "年度："),
        (
            "/api/v1/meetings/compliance/summary/",
            {"organisation": "9" * 30},
            "organisation",
            "党组织：",
        ),
    ],
)
def test_bad_parameters_are_a_400_naming_them_in_chinese(tree, url, params, field, message):
    response = token_client(tree.secretary).get(url, params)
    assert response.status_code == 400, response.content
    errors = response.json()[field]
    assert any(message in e for e in errors), errors


def test_compliance_cells_per_organisation_and_period(tree, recorded):
    client = token_client(tree.admin)
    response = client.get(
        "/api/v1/meetings/compliance/",
        {"organisation": tree.branch.pk, "year": 2025, "month": 3},
    )
    assert response.status_code == 200
    cells = {c["meeting_kind"]: c for c in response.json()["results"]}
    theme = cells["theme_day"]
    assert theme["status"] == "held" and theme["held"] == 1
    assert theme["period"] == "2025年3月" and theme["period_start"] == "2025-03-01"
    assert theme["rule"].endswith("v1") and theme["organisation"] == tree.branch.pk
    assert cells["member_assembly"]["period_start"] == "2025-01-01"  # Q1 holds March
    missing = client.get(
        "/api/v1/meetings/compliance/",
        {"organisation": tree.root.pk, "year": 2025, "status": "missing"},
    ).json()
    assert missing["count"] > 0
    assert {c["status"] for c in missing["results"]} == {"missing"}


def test_compliance_list_in_fixed_queries(tree, recorded):
    client = token_client(tree.admin)
    params = {"organisation": tree.root.pk, "year": 2025}
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/meetings/compliance/", params)
    for n in range(3):
        OrganisationFactory(parent=tree.root, name=f"丙{n}支部", founded_on=date(2000, 1, 1))
    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    with CaptureQueriesContext(connection) as more:
        client.get("/api/v1/meetings/compliance/", params)
    assert len(more.captured_queries) == len(few.captured_queries)


def test_compliance_summary_rolls_up_children(tree, recorded):
    response = token_client(tree.admin).get(
        "/api/v1/meetings/compliance/summary/", {"organisation": tree.root.pk, "year": 2025}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2025
    assert body["rollup"]["organisation"] == tree.root.pk
    assert body["rollup"]["organisations"] == 2
    assert [c["organisation_name"] for c in body["children"]] == ["甲支部", "乙支部"]
    assert body["children"][0]["done_cells"] >= 1


def test_a_member_reads_their_own_organisation_only(tree, recorded):
    member = tree.members[0]
    user = UserFactory(username="m1", role=Role.MEMBER, member=member)
    client = token_client(user)
    cells = client.get("/api/v1/meetings/compliance/", {"year": 2025}).json()["results"]
    assert cells and {c["organisation"] for c in cells} == {tree.branch.pk}
    assert client.get("/api/v1/meetings/", {"organisation": tree.other.pk}).status_code == 404


def test_the_api_is_read_only(tree, recorded):
    client = token_client(tree.secretary)
    before = Meeting.objects.count()
    response = client.post(
        "/api/v1/meetings/",
        {"title": "x", "starts_at": (date.today() - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 405
    assert Meeting.objects.count() == before


def test_schema_documents_the_meeting_endpoints(tree):
    schema = token_client(tree.admin).get("/api/v1/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/meetings/",
        "/api/v1/meetings/{id}/",
        "/api/v1/meetings/compliance/",
        "/api/v1/meetings/compliance/summary/",
    ):
        assert path in schema["paths"], path
    names = [p["name"] for p in schema["paths"]["/api/v1/meetings/"]["get"]["parameters"]]
    assert {"organisation", "kind", "status", "from", "to", "page"} <= set(names)
