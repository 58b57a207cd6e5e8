"""资料不全 (incomplete records), end to end (issue 8, "import what is there, list what is
missing"): a member may lack 民族 or 入党日期 (a roster without those columns); one definition
(models.INCOMPLETE_FIELDS) decides which records are incomplete, and the dashboard panel, the
secretary's to-dos, the member list's filter and the member page all read it. Also the
停止党籍 status, which organs record."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.tests.personas import signed_in
from organisations.models import Member, MemberStatus
from organisations.tests.factories import MemberFactory, id_number_for

pytestmark = pytest.mark.django_db

COMPLETE = {"education": "bachelor", "unit": "甲局", "phone": "13887654321"}
LIST = reverse("organisations:member_list")
HOME = reverse("core:home")


def complete(organisation, **fields):
    return MemberFactory(organisation=organisation, **{**COMPLETE, **fields})


def names(response) -> set[str]:
    return {m.name for m in response.context["page"]}


def test_one_definition_names_what_a_record_lacks(world):
    whole = complete(world.branch_a, name="完整")
    no_ethnicity = complete(world.branch_a, name="缺民族", ethnicity="")
    no_join = complete(world.branch_a, name="缺入党", joined_on=None, full_member_on=None)
    assert whole.missing_fields() == [] and not whole.is_incomplete
    assert no_ethnicity.missing_labels() == ["民族"]
    # A full member without 入党日期 lacks the 转正日期 too; a probationary one has none yet.
    assert no_join.missing_fields() == ["joined_on", "full_member_on"]
    probationary = complete(
        world.branch_a, name="预备", category="probationary", full_member_on=None
    )
    assert probationary.missing_fields() == []
    found = set(Member.objects.incomplete().values_list("name", flat=True))
    assert {"缺民族", "缺入党"} <= found and not {"完整", "预备"} & found


def test_the_member_list_filters_incomplete_records_in_scope(client, world):
    complete(world.branch_a, name="完整")
    complete(world.branch_a, name="缺民族", ethnicity="")
    complete(world.org_b, name="乙局缺民族", ethnicity="")
    signed_in(client, world.users["secretary_a"])
    response = client.get(LIST, {"incomplete": "1"})
    shown = names(response)
    assert "缺民族" in shown and "完整" not in shown
    assert "乙局缺民族" not in shown  # another secretary's member
    page = response.content.decode()
    assert "incomplete-badge" in page and "缺：民族" in page
    assert "完整" in names(client.get(LIST))
    assert client.get(LIST, {"incomplete": "x"}).status_code == 200  # a bad value: a field error
    assert "档案资料" in client.get(LIST, {"incomplete": "x"}).content.decode()


def test_the_filtered_list_runs_a_fixed_number_of_queries(client, world):
    def add(count):
        for n in range(count):
            complete(world.branch_a, ethnicity="" if n % 2 else "01", unit="")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST, {"incomplete": "1"}).status_code == 200
        return len(captured)

    signed_in(client, world.users["secretary_a"])
    add(2)
    client.get(LIST, {"incomplete": "1"})  # the session, once
    few = queries()
    add(6)
    assert queries() == few


def test_the_dashboard_panel_and_the_todos_lead_to_the_records(client, world):
    for n in range(7):
        complete(world.branch_a, name=f"缺入党{n}", joined_on=None, full_member_on=None)
    complete(world.org_b, name="乙局缺入党", joined_on=None, full_member_on=None)
    signed_in(client, world.users["secretary_a"])
    response = client.get(HOME)
    page = response.content.decode()
    assert f'href="{LIST}?incomplete=1"' in page  # the panel's figure and "see all"
    todos = response.context["todos"]
    records = [t for t in todos if "资料不全" in t.title]
    # world.member_a (a factory member without 学历) and the seven: eight records, more than a
    # few, so one line with the count leading to the list (core.todos.grouped).
    [line] = records
    assert line.title.startswith("8 名") and line.url == f"{LIST}?incomplete=1"
    assert not [t for t in todos if t.title.startswith("补全")]
    assert "乙局缺入党" not in page
    # The other secretary sees only theirs; the committee admin gets no such to-dos.
    other = Client()
    signed_in(other, world.users["secretary_b"])
    theirs = [t.title for t in other.get(HOME).context["todos"] if "资料不全" in t.title]
    assert any("乙局缺入党" in t for t in theirs) and not any("缺入党0" in t for t in theirs)
    admin = Client()
    signed_in(admin, world.users["admin"])
    assert not [t for t in admin.get(HOME).context["todos"] if "资料不全" in t.title]


def test_a_few_incomplete_records_are_named_each_leading_to_its_edit_page(client, world):
    complete(world.branch_a, name="缺入党甲", joined_on=None, full_member_on=None)
    signed_in(client, world.users["secretary_a"])
    todos = client.get(HOME).context["todos"]
    # world.member_a (without 学历) and 缺入党甲: two, listed by name.
    by_name = [t for t in todos if t.title.startswith("补全")]
    assert len(by_name) == 2
    [joined] = [t for t in by_name if "缺入党甲" in t.title]
    assert "入党日期" in joined.detail
    member = Member.objects.get(name="缺入党甲")
    assert joined.url == reverse("organisations:member_update", args=[member.pk])


def test_the_member_page_says_what_is_missing(client, world):
    member = complete(world.branch_a, name="缺民族", ethnicity="")
    signed_in(client, world.users["secretary_a"])
    page = client.get(reverse("organisations:member_detail", args=[member.pk])).content.decode()
    assert 'id="incomplete-badge"' in page and "资料不全，缺：民族。" in page
    whole = complete(world.branch_a, name="完整")
    page = client.get(reverse("organisations:member_detail", args=[whole.pk])).content.decode()
    assert "incomplete-badge" not in page


def _form_data(client, url, **changes):
    form = client.get(url).context["form"]
    data = {n: form[n].value() for n in form.fields}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_editing_an_incomplete_record_saves_the_rest_and_a_known_value_stays_required(
    client, world
):
    member = complete(world.branch_a, name="缺入党", joined_on=None, full_member_on=None)
    signed_in(client, world.users["secretary_a"])
    url = reverse("organisations:member_update", args=[member.pk])
    response = client.post(url, _form_data(client, url, post="科长"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.post == "科长" and member.joined_on is None  # still 资料不全
    # Completing it: the record leaves the list.
    response = client.post(
        url, _form_data(client, url, joined_on="2010-07-01", full_member_on="2011-07-01")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.joined_on == date(2010, 7, 1) and not member.is_incomplete
    # Now known, it cannot be emptied again, and 民族 of a complete record neither.
    response = client.post(url, _form_data(client, url, joined_on="", ethnicity=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "joined_on" in errors and "ethnicity" in errors


def test_a_member_typed_in_by_hand_needs_ethnicity_and_joining_date(client, world):
    signed_in(client, world.users["secretary_a"])
    number = id_number_for(date(1992, 4, 5), "female")
    response = client.post(
        reverse("organisations:member_create"),
        {
            "name": "卓玛",
            "id_number": number,
            "sex": "female",
            "birth_date": "1992-04-05",
            "category": "full",
            "organisation": world.branch_a.pk,
            "status": "active",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "ethnicity" in errors and "joined_on" in errors
    assert not Member.objects.filter(name="卓玛").exists()


def test_suspended_membership_is_a_status_shown_and_filtered(client, world):
    suspended = complete(world.branch_a, name="停党", status=MemberStatus.SUSPENDED)
    assert suspended.get_status_display() == "停止党籍"
    signed_in(client, world.users["secretary_a"])
    response = client.get(LIST, {"status": "suspended"})
    assert names(response) == {"停党"}
    assert "停止党籍" in response.content.decode()
    assert "停党" not in names(client.get(LIST))  # not in the active roster
    page = client.get(reverse("organisations:member_detail", args=[suspended.pk]))
    assert "停止党籍" in page.content.decode()
