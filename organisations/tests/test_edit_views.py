"""Every page of the organisation tree and the member registry that writes, posted as a user
would (the committee admin and a secretary): the row changes, and the audit event holds the
stored value before and the new one after. An edit that changes nothing writes no event; the
other secretary gets 404 and changes nothing."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from organisations.id_numbers import mask_phone
from organisations.models import Member, Organisation, Position
from organisations.tests.factories import PositionFactory, id_number_for

pytestmark = pytest.mark.django_db

EDITORS = ["admin", "secretary_a"]


def as_user(client, world, persona):
    user = world.users[persona]
    client.force_login(user)
    return user


def shown(client, url, **changes) -> dict:
    """The form's own values as the page shows them, with `changes`: what a user posts."""
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def event_for(target, action=Action.UPDATE):
    return AuditEvent.objects.get(
        action=action, target_type=target._meta.label_lower, target_id=str(target.pk)
    )


# --- organisations ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", EDITORS)
def test_organisation_edit_changes_the_row_and_audits_before_and_after(client, world, persona):
    user = as_user(client, world, persona)
    url = reverse("organisations:organisation_update", args=[world.branch_a.pk])
    old_name, old_organ = world.branch_a.name, world.branch_a.organ
    response = client.post(url, shown(client, url, name="中共甲局第二支部委员会", organ="甲局二处"))
    assert response.status_code == 302
    stored = Organisation.objects.get(pk=world.branch_a.pk)
    assert (stored.name, stored.organ) == ("中共甲局第二支部委员会", "甲局二处")
    event = event_for(stored)
    assert event.actor == user and event.organisation_id == stored.pk
    assert event.changes == {
        "name": [old_name, "中共甲局第二支部委员会"],
        "organ": [old_organ, "甲局二处"],
    }


@pytest.mark.parametrize("persona", EDITORS)
def test_organisation_edit_without_change_writes_no_event(client, world, persona):
    as_user(client, world, persona)
    url = reverse("organisations:organisation_update", args=[world.branch_a.pk])
    assert client.post(url, shown(client, url)).status_code == 302
    assert not AuditEvent.objects.exists()


def test_organisation_edit_to_a_code_in_use_is_a_field_error(client, world):
    as_user(client, world, "admin")
    url = reverse("organisations:organisation_update", args=[world.branch_a.pk])
    old_code = world.branch_a.code
    response = client.post(url, shown(client, url, code=world.org_b.code, name="新名称"))
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert "组织代码" in response.content.decode()
    stored = Organisation.objects.get(pk=world.branch_a.pk)
    assert (stored.code, stored.name) == (old_code, world.branch_a.name)
    assert not AuditEvent.objects.exists()
    # The page still speaks of the stored organisation, not the rejected input.
    assert response.context["organisation"].code == old_code


@pytest.mark.parametrize("persona", EDITORS)
def test_child_organisation_is_created_and_audited(client, world, persona):
    user = as_user(client, world, persona)
    response = client.post(
        reverse("organisations:organisation_create", args=[world.org_a.pk]),
        {"name": "中共甲局第三支部委员会", "kind": "branch", "code": "A-3", "is_active": "on"},
    )
    assert response.status_code == 302
    child = Organisation.objects.get(code="A-3")
    assert child.path.startswith(world.org_a.path) and child.depth == world.org_a.depth + 1
    event = event_for(child, Action.CREATE)
    assert event.actor == user
    assert event.changes["name"] == [None, "中共甲局第三支部委员会"]
    assert event.changes["code"] == [None, "A-3"]
    assert event.changes["is_active"] == [None, True]


def test_child_organisation_with_a_code_in_use_is_a_field_error(client, world):
    as_user(client, world, "secretary_a")
    response = client.post(
        reverse("organisations:organisation_create", args=[world.org_a.pk]),
        {"name": "重复", "kind": "branch", "code": world.org_b.code, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert not Organisation.objects.filter(name="重复").exists()
    assert not AuditEvent.objects.exists()


# --- positions ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", EDITORS)
def test_position_is_created_and_audited(client, world, persona):
    user = as_user(client, world, persona)
    response = client.post(
        reverse("organisations:position_create", args=[world.org_a.pk]),
        {"member": world.member_a.pk, "title": "deputy", "term_start": "2025-01-10"},
    )
    assert response.status_code == 302
    position = Position.objects.get(organisation=world.org_a)
    assert (position.member, position.title) == (world.member_a, "deputy")
    assert position.term_end == date(2030, 1, 10)  # a party committee's five years
    event = event_for(position, Action.CREATE)
    assert event.actor == user and event.organisation_id == world.org_a.pk
    assert event.changes == {
        "member": [None, world.member_a.pk],
        "title": [None, "deputy"],
        "term_start": [None, "2025-01-10"],
        "term_end": [None, "2030-01-10"],
    }


def test_position_term_ending_before_it_starts_is_a_field_error(client, world):
    as_user(client, world, "secretary_a")
    response = client.post(
        reverse("organisations:position_create", args=[world.org_a.pk]),
        {
            "member": world.member_a.pk,
            "title": "secretary",
            "term_start": "2025-01-10",
            "term_end": "2024-01-10",
        },
    )
    assert response.status_code == 200
    assert "任期届满" in str(response.context["form"].errors["term_end"])
    assert not Position.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("persona", EDITORS)
def test_position_end_is_saved_and_audited_once(client, world, persona):
    user = as_user(client, world, persona)
    position = PositionFactory(
        organisation=world.org_a, member=world.member_a, term_start=date(2024, 1, 1)
    )
    url = reverse("organisations:position_end", args=[position.pk])
    assert client.post(url).status_code == 302
    today = timezone.localdate()
    position.refresh_from_db()
    assert position.ended_on == today
    event = event_for(position)
    assert event.actor == user
    assert event.changes == {"ended_on": [None, today.isoformat()]}

    again = client.post(url, follow=True)  # a second click: refused, nothing written
    assert "已离任" in again.content.decode()
    assert AuditEvent.objects.filter(target_id=str(position.pk)).count() == 1


def test_position_end_before_the_term_starts_is_a_message_not_a_500(client, world):
    as_user(client, world, "secretary_a")
    position = PositionFactory(
        organisation=world.org_a,
        member=world.member_a,
        term_start=timezone.localdate() + timezone.timedelta(days=30),
        term_end=timezone.localdate() + timezone.timedelta(days=3 * 365),
    )
    response = client.post(reverse("organisations:position_end", args=[position.pk]), follow=True)
    assert response.status_code == 200
    assert "离任日期不能早于任期开始" in response.content.decode()
    position.refresh_from_db()
    assert position.ended_on is None and not AuditEvent.objects.exists()


# --- members ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", EDITORS)
def test_member_is_created_and_audited(client, world, persona):
    user = as_user(client, world, persona)
    number = id_number_for(date(1992, 4, 5), "female")
    response = client.post(
        reverse("organisations:member_create"),
        {
            "name": "卓玛",
            "id_number": number,
            "sex": "female",
            "ethnicity": "04",
            "birth_date": "1992-04-05",
            "joined_on": "2016-07-01",
            "full_member_on": "2017-07-01",
            "category": "full",
            "organisation": world.branch_a.pk,
            "post": "科员",
            "status": "active",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(name="卓玛")
    assert member.organisation == world.branch_a and member.id_number == number
    event = event_for(member, Action.CREATE)
    assert event.actor == user and event.organisation_id == world.branch_a.pk
    assert event.changes["name"] == [None, "卓玛"]
    assert event.changes["organisation"] == [None, world.branch_a.pk]
    assert event.changes["post"] == [None, "科员"]
    assert event.changes["id_number"] == [None, member.id_number_masked]
    assert number not in str(event.changes)


def test_member_cannot_be_created_in_another_secretarys_organisation(client, world):
    as_user(client, world, "secretary_b")
    response = client.post(
        reverse("organisations:member_create"),
        {
            "name": "卓玛",
            "id_number": id_number_for(date(1992, 4, 5), "female"),
            "sex": "female",
            "ethnicity": "04",
            "birth_date": "1992-04-05",
            "joined_on": "2016-07-01",
            "category": "probationary",
            "organisation": world.branch_a.pk,
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Member.objects.filter(name="卓玛").exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("persona", EDITORS)
def test_member_edit_changes_the_row_and_audits_before_and_after(client, world, persona):
    user = as_user(client, world, persona)
    member = world.member_a
    url = reverse("organisations:member_update", args=[member.pk])
    old_post, old_phone = member.post, member.phone
    response = client.post(url, shown(client, url, post="副局长", phone="13900002222"))
    assert response.status_code == 302, response.context["form"].errors
    stored = Member.objects.get(pk=member.pk)
    assert (stored.post, stored.phone) == ("副局长", "13900002222")
    assert stored.id_number == member.id_number  # left blank: kept
    event = event_for(stored)
    assert event.actor == user and event.organisation_id == world.branch_a.pk
    # Personal fields are logged masked, as on screen.
    assert event.changes == {
        "post": [old_post, "副局长"],
        "phone": [mask_phone(old_phone), "139****2222"],
    }


@pytest.mark.parametrize("persona", EDITORS)
def test_member_edit_without_change_writes_no_event(client, world, persona):
    as_user(client, world, persona)
    url = reverse("organisations:member_update", args=[world.member_a.pk])
    response = client.post(url, shown(client, url))
    assert response.status_code == 302, response.context["form"].errors
    assert not AuditEvent.objects.exists()


def test_member_edit_refused_by_the_service_keeps_the_stored_row(client, world):
    """The service's rule (birth date against the ID number) names the field on the form; the
    stored member is untouched, and so is the audit log."""
    as_user(client, world, "secretary_a")
    member = world.member_a
    url = reverse("organisations:member_update", args=[member.pk])
    response = client.post(url, shown(client, url, birth_date="1999-09-09", post="副局长"))
    assert response.status_code == 200
    assert "birth_date" in response.context["form"].errors
    stored = Member.objects.get(pk=member.pk)
    assert (stored.birth_date, stored.post) == (member.birth_date, member.post)
    assert not AuditEvent.objects.exists()


# --- out of scope -------------------------------------------------------------------------


def _targets(world):
    position = PositionFactory(organisation=world.org_a, member=world.member_a)
    return {
        "organisation_update": [world.branch_a.pk],
        "organisation_create": [world.org_a.pk],
        "position_create": [world.org_a.pk],
        "position_end": [position.pk],
        "member_update": [world.member_a.pk],
        "member_reveal": [world.member_a.pk],
    }


@pytest.mark.parametrize(
    "name",
    [
        "organisation_update",
        "organisation_create",
        "position_create",
        "position_end",
        "member_update",
        "member_reveal",
    ],
)
def test_the_other_secretary_gets_404_and_changes_nothing(client, world, name):
    targets = _targets(world)
    as_user(client, world, "secretary_b")
    url = reverse(f"organisations:{name}", args=targets[name])
    data = {
        "name": "篡改",
        "kind": "branch",
        "code": "X-1",
        "member": world.member_a.pk,
        "title": "secretary",
        "term_start": "2025-01-01",
        "post": "篡改",
        "reason": "核对",
    }
    if name != "position_end":
        assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert not AuditEvent.objects.exists()
    assert not Organisation.objects.filter(name="篡改").exists()
    assert not Member.objects.filter(post="篡改").exists()
    assert Position.objects.get().ended_on is None


def test_a_service_error_on_a_field_the_form_lacks_shows_above_the_form():
    from django.core.exceptions import ValidationError

    from core.editing import service_errors as _service_errors
    from organisations.forms import RevealForm

    form = RevealForm({"reason": "核对"})
    assert form.is_valid()
    _service_errors(form, ValidationError({"reason": "太短", "id_number_digest": "已登记"}))
    assert form.errors["reason"] == ["太短"]
    assert form.non_field_errors() == ["已登记"]


def test_position_end_asks_for_the_date_and_confirms(client, world):
    """离任 (issue 9): the link opens a page that names the person and asks for the date; only
    the confirmed form ends the position, on the date given."""
    as_user(client, world, "secretary_a")
    position = PositionFactory(
        organisation=world.org_a, member=world.member_a, term_start=date(2024, 1, 1)
    )
    url = reverse("organisations:position_end", args=[position.pk])
    detail = client.get(reverse("organisations:organisation_detail", args=[world.org_a.pk]))
    assert f'href="{url}"' in detail.content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert "扎西·次仁" in page.content.decode() and 'name="ended_on"' in page.content.decode()
    position.refresh_from_db()
    assert position.ended_on is None and not AuditEvent.objects.exists()

    future = (timezone.localdate() + timezone.timedelta(days=3)).isoformat()
    for bad in (future, "2026-02-30", "x\x00"):
        response = client.post(url, {"ended_on": bad})
        assert response.status_code == 400
        assert "离任日期" in response.content.decode()
    position.refresh_from_db()
    assert position.ended_on is None

    assert client.post(url, {"ended_on": "2025-06-30"}).status_code == 302
    position.refresh_from_db()
    assert position.ended_on == date(2025, 6, 30)
    assert event_for(position).changes == {"ended_on": [None, "2025-06-30"]}
