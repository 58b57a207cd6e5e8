"""One member, three ways in: the member form, the API and a roster import row. Each bad value
is refused by all three with the member builder's own message on the same field, and nothing
is saved (organisations/members.py; the rules themselves are in
organisations/tests/test_members.py)."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from core.stored_text import render
from organisations.members import prepare_member
from organisations.models import Member
from organisations.tests.factories import id_number_for
from roster.models import ImportBatch, RowOutcome
from roster.tests import samples
from roster.tests.test_roster_import import row

pytestmark = pytest.mark.django_db

BIRTH = date(1985, 3, 12)
NEXT_YEAR = timezone.localdate().year + 1


@dataclass
class Case:
    field: str
    web: dict  # form and API values (ISO dates)
    cell: dict  # the same value as a roster cell, by header of samples.HEADERS

    def __str__(self):
        return self.field


CASES = [
    Case("joined_on", {"joined_on": f"{NEXT_YEAR}-01-05"}, {"入党时间": f"{NEXT_YEAR}.01.05"}),
    Case("joined_on", {"joined_on": "1995-07-01"}, {"入党时间": "1995.07.01"}),  # aged 10
    Case("phone", {"phone": "abc"}, {"手机": "abc"}),
    Case("phone", {"phone": "12345"}, {"手机": "12345"}),
    Case(
        "full_member_on",
        {"category": "probationary", "full_member_on": "2011-07-01"},
        {"类别": "预备党员", "转正时间": "2011.07.01"},
    ),
]
IDS = ["future-join", "joined-at-10", "phone-abc", "phone-12345", "probationary-full-date"]


def web_values(number, case):
    values = {
        "name": "王芳",
        "id_number": number,
        "sex": "female",
        "ethnicity": "01",
        "birth_date": BIRTH.isoformat(),
        "joined_on": "2010-07-01",
        "full_member_on": "",
        "category": "full",
        "status": "active",
        "phone": "13887654321",
    }
    values.update(case.web)
    return values


def builder_message(case, organisation):
    """What the member builder itself says about the bad value."""
    values = {
        k: v
        for k, v in web_values(id_number_for(BIRTH, "female"), case).items()
        if k != "id_number"
    }
    for key in ("birth_date", "joined_on", "full_member_on"):
        values[key] = date.fromisoformat(values[key]) if values[key] else None
    prepared = prepare_member(
        {**values, "organisation": organisation}, id_number=id_number_for(BIRTH, "female")
    )
    assert list(prepared.messages) == [case.field]
    (message,) = prepared.messages[case.field]
    return message


def assert_nothing_saved(number):
    assert not Member.objects.with_id_number(number).exists()
    assert not AuditEvent.objects.filter(action="create", target_type="organisations.member")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_member_form_refuses_it_on_the_field(client, world, case):
    message = builder_message(case, world.branch_a)
    number = id_number_for(BIRTH, "female")
    client.force_login(world.users["secretary_a"])
    response = client.post(
        reverse("organisations:member_create"),
        {**web_values(number, case), "organisation": world.branch_a.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[case.field] == [message]
    assert message in response.content.decode()
    assert_nothing_saved(number)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_member_edit_form_refuses_it_on_the_field(client, world, case):
    message = builder_message(case, world.branch_a)
    member = world.member_a
    before = (member.joined_on, member.full_member_on, member.phone, member.category)
    client.force_login(world.users["secretary_a"])
    values = web_values("", case)
    values.update(name=member.name, sex=member.sex, birth_date=member.birth_date.isoformat())
    response = client.post(
        reverse("organisations:member_update", args=[member.pk]),
        {**values, "organisation": world.branch_a.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[case.field] == [message]
    member.refresh_from_db()
    assert (member.joined_on, member.full_member_on, member.phone, member.category) == before
    assert not AuditEvent.objects.filter(action="update", target_id=str(member.pk)).exists()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_api_refuses_it_on_the_field(world, case):
    message = builder_message(case, world.branch_a)
    number = id_number_for(BIRTH, "female")
    api = APIClient()
    api.force_authenticate(world.users["secretary_a"])
    payload = {k: v for k, v in web_values(number, case).items() if v != ""}
    response = api.post(
        "/api/v1/members/", {**payload, "organisation": world.branch_a.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {case.field: [message]}
    assert_nothing_saved(number)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_roster_row_refuses_it_naming_its_column(client, world, tmp_path, case):
    message = builder_message(case, world.branch_a)
    number = id_number_for(BIRTH, "female")
    cells = {"身份证": number, "出生年月": "1985.03", "入党时间": "2010.07.01", "转正时间": None}
    cells.update(case.cell)
    path = samples.write_workbook(tmp_path / "花名册.xlsx", [row(**cells)])
    client.force_login(world.users["secretary_a"])
    with open(path, "rb") as handle:
        client.post(reverse("roster:roster_upload", args=[world.branch_a.pk]), {"file": handle})
    batch = ImportBatch.objects.get()
    imported = batch.rows.get(row_number=4)
    header = {"joined_on": "入党时间", "full_member_on": "转正时间", "phone": "手机号码"}
    assert f"第 4 行，{header[case.field]}：{message}" in " ".join(
        render(text) for text in imported.messages
    )
    if case.field == "phone":
        # A bad phone never holds a member back: the row goes in, the value does not.
        assert imported.outcome == RowOutcome.WARNING
        assert "该项未导入" in " ".join(render(text) for text in imported.messages)
        client.post(reverse("roster:roster_apply", args=[batch.code]))
        assert Member.objects.with_id_number(number).get().phone == ""
    else:
        assert imported.outcome == RowOutcome.REJECTED
        client.post(reverse("roster:roster_apply", args=[batch.code]))
        assert_nothing_saved(number)
