"""No page shows a stored code where a label exists: 民族 02 is 藏族, category `probationary`
is 预备党员, status `deceased` is 已故, and the audit names fields (入党日期, not joined_on).
The named pages first, then every page of every app that the URL walk reaches, for each
signed-in role."""

import re
from datetime import date

import pytest
from django.db import transaction
from django.db.models import TextChoices
from django.urls import reverse

from audit.services import record
from organisations.models import (
    Member,
    MemberCategory,
    MemberStatus,
    OrganisationKind,
    Sex,
)
from organisations.reference_data import Education
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

CODED: list[type[TextChoices]] = [MemberCategory, MemberStatus, Sex, Education, OrganisationKind]
# Codes that are ordinary words of a page would be false alarms; none of ours is one today.
CODES = {str(value) for choices in CODED for value in choices.values}
FIELD_NAMES = {
    f.name for f in Member._meta.get_fields() if "_" in f.name and not f.name.startswith("_")
}
WORD = re.compile(r"[A-Za-z_]+")


def visible_text(html: str) -> str:
    """What a reader sees: no scripts, no tags, no attribute values (an <option value="02">
    is fine, its label is what shows)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def raw_codes(html: str) -> set[str]:
    return {w for w in WORD.findall(visible_text(html)) if w in CODES or w in FIELD_NAMES}


@pytest.fixture
def coded(world):
    member = MemberFactory(
        organisation=world.branch_a,
        name="卓玛",
        sex="female",
        ethnicity="02",
        education="bachelor",
        category="probationary",
        full_member_on=None,
        joined_on=date(2026, 3, 1),
        status="deceased",
    )
    with transaction.atomic():
        event = record(
            actor=world.users["admin"],
            action="update",
            target=member,
            changes={
                "ethnicity": ["01", "02"],
                "category": ["full", "probationary"],
                "status": ["active", "deceased"],
                "joined_on": ["2026-01-01", "2026-03-01"],
            },
        )
    return member, event


PAGES = [
    ("admin", "organisations:member_list", None, "?status="),
    ("admin", "organisations:member_list", None, "?status=&order=birth_date"),
    ("admin", "organisations:member_detail", "member", ""),
    ("admin", "organisations:member_update", "member", ""),
    ("admin", "organisations:organisation_detail", "branch", ""),
    ("admin", "organisations:organisation_tree", None, ""),
    ("admin", "core:home", None, ""),
    ("member", "organisations:member_detail", "own", ""),
    ("auditor", "audit:event_list", None, ""),
    ("auditor", "audit:event_detail", "event", ""),
]


@pytest.mark.parametrize(("persona", "name", "obj", "query"), PAGES)
def test_no_page_shows_a_raw_code_where_a_label_exists(
    client, world, coded, persona, name, obj, query
):
    member, event = coded
    pk = {
        "member": member.pk,
        "own": world.member_a.pk,
        "branch": world.branch_a.pk,
        "event": event.pk,
    }.get(obj)
    client.force_login(world.users[persona])
    response = client.get(reverse(name, args=[pk] if pk else []) + query)
    assert response.status_code == 200
    assert raw_codes(response.content.decode()) == set()


def test_the_labels_themselves_are_shown(client, world, coded):
    member, _event = coded
    client.force_login(world.users["admin"])
    body = client.get(reverse("organisations:member_list") + "?status=").content.decode()
    for label in ("藏族", "预备党员", "已故", "女"):
        assert label in visible_text(body)
    assert member.name in body


def test_the_check_would_see_a_raw_code():
    assert raw_codes("<td>probationary</td><option value='deceased'>已故</option>") == {
        "probationary"
    }
    assert raw_codes("<dt>joined_on</dt>") == {"joined_on"}


# Every page of every app, not only the pages above: the URL walk's own table, each page
# a persona opens with a 200, read through the test client. Each domain app's choice codes
# join the list (an outreach status `in_progress`, a meeting kind, …), with the field names
# of its models as the audit log would show them.
def _domain_codes() -> tuple[set[str], set[str]]:
    from django.apps import apps

    codes, names = set(CODES), set(FIELD_NAMES)
    for label in ("organisations", "meetings", "learning", "outreach", "roster", "accounts"):
        for model in apps.get_app_config(label).get_models():
            for f in model._meta.get_fields():
                if getattr(f, "choices", None) and not f.name.startswith("_"):
                    codes |= {str(v) for v, _label in f.flatchoices if "_" in str(v)}
                if "_" in f.name and not f.name.startswith("_") and f.concrete:
                    names.add(f.name)
    return codes, names


WALKED = ("admin", "secretary_a", "member", "auditor", "security")


@pytest.mark.parametrize("persona", WALKED)
def test_no_page_of_any_app_shows_a_raw_code(client, world, coded, persona):
    from core.tests.test_url_access import ROUTES, _sides

    codes, names = _domain_codes()
    side = _sides(world)["a"]
    client.force_login(world.users[persona])
    found, read = {}, 0
    for name, (method, kwargs, expected) in sorted(ROUTES.items()):
        if method != "get" or name.startswith("api:"):
            continue
        status = expected[persona] if kwargs is None else expected["a"][persona]
        if status != 200:
            continue
        response = client.get(reverse(name, kwargs=kwargs(side) if kwargs else None))
        if "text/html" not in response.get("Content-Type", ""):
            continue
        read += 1
        words = set(WORD.findall(visible_text(response.content.decode())))
        if raw := {w for w in words if w in codes or w in names}:
            found[name] = raw
    assert read, persona
    assert found == {}


def test_the_walk_knows_each_domain_apps_codes_and_field_names():
    codes, names = _domain_codes()
    assert {"in_progress", "organisational_life_meeting", "transferred_out"} <= codes
    assert {"claimed_by", "accept_due", "birth_date"} <= names
