"""A committee's term status (换届提醒) is decided once, by models.term_status: the organisation
page and the home page's to-dos show the same verdict for the same term. The tree's step
length is read in one place (Organisation.parent_path / ancestor_paths)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.todos import GROUP_AFTER, todos_for
from organisations.models import (
    TERM_WARNING_DAYS,
    OrganisationKind,
    TermStatus,
    term_status,
)
from organisations.tests.factories import MemberFactory, OrganisationFactory, PositionFactory
from organisations.todos import term_end_todos

TODAY = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("term_end", "status"),
    [
        (TODAY - timedelta(days=1), TermStatus.ENDED),
        (TODAY, TermStatus.ENDING_SOON),
        (TODAY + timedelta(days=TERM_WARNING_DAYS), TermStatus.ENDING_SOON),
        (TODAY + timedelta(days=TERM_WARNING_DAYS + 1), TermStatus.CURRENT),
    ],
)
def test_term_status(term_end, status):
    assert term_status(term_end, TODAY) == status


@pytest.mark.django_db
def test_the_page_and_the_to_dos_agree(client, world):
    today = timezone.localdate()
    ends = {
        TermStatus.ENDED: today - timedelta(days=3),
        TermStatus.ENDING_SOON: today + timedelta(days=TERM_WARNING_DAYS),
        TermStatus.CURRENT: today + timedelta(days=TERM_WARNING_DAYS + 1),
    }
    organisations = {}
    for status, term_end in ends.items():
        organisation = OrganisationFactory(parent=world.org_a, name=f"中共{status.value}支部")
        PositionFactory(
            organisation=organisation,
            member=MemberFactory(organisation=organisation),
            term_start=term_end - timedelta(days=3 * 365),
            term_end=term_end,
        )
        organisations[status] = organisation

    todos = {item.title: item.level for item in term_end_todos(world.users["secretary_a"])}
    client.force_login(world.users["secretary_a"])
    for status, organisation in organisations.items():
        page = client.get(reverse("organisations:organisation_detail", args=[organisation.pk]))
        (position,) = page.context["positions"]
        assert position.term_status == status
        shown = [s for s in (TermStatus.ENDED, TermStatus.ENDING_SOON) if str(s.label) in page.text]
        listed = [title for title in todos if organisation.name in title]
        if status == TermStatus.CURRENT:
            assert shown == [] and listed == []
        else:
            assert shown == [status]
            (title,) = listed
            assert todos[title] == ("danger" if status == TermStatus.ENDED else "warning")


@pytest.mark.django_db
def test_many_ended_terms_are_one_line_leading_to_the_terms_panel(world):
    today = timezone.localdate()
    for i in range(GROUP_AFTER + 1):
        organisation = OrganisationFactory(parent=world.org_a, name=f"中共届满{i}支部")
        PositionFactory(
            organisation=organisation,
            member=MemberFactory(organisation=organisation),
            term_start=today - timedelta(days=3 * 365),
            term_end=today - timedelta(days=3),
        )
    terms = [t for t in todos_for(world.users["secretary_a"]) if "班子任期" in t.title]
    [line] = terms
    assert line.title.startswith(f"{GROUP_AFTER + 1} 个党组织") and line.level == "danger"
    assert line.url == reverse("core:home") + "#panel-terms"


@pytest.mark.django_db
def test_parent_and_ancestor_paths_follow_the_tree():
    root = OrganisationFactory(kind=OrganisationKind.COMMITTEE)
    child = OrganisationFactory(parent=root)
    grandchild = OrganisationFactory(parent=child)
    assert grandchild.parent_path == child.path and child.parent_path == root.path
    assert root.parent_path == ""
    assert grandchild.ancestor_paths() == [root.path, child.path, grandchild.path]
