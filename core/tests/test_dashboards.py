"""工作台 per role, through the real home page: what each role sees first, every figure linking
to the list behind it, and a fixed number of queries whatever the data size."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountRequest, Role
from accounts.tests.factories import UserFactory
from audit.models import Action
from audit.services import record
from core import panels, todos
from core.tests.personas import signed_in
from organisations.models import OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory, PositionFactory
from roster.models import BatchStatus, ImportBatch

pytestmark = pytest.mark.django_db
HOME = reverse("core:home")


def grow(world, n):
    """n more of everything a dashboard lists, on side a (and b), so an N+1 shows."""
    today = timezone.localdate()
    for i in range(n):
        branch = OrganisationFactory(parent=world.org_a, name=f"第{i}支部")
        MemberFactory(organisation=branch, education="", unit="")
        MemberFactory(organisation=world.org_b, phone="")
        PositionFactory(
            organisation=branch,
            member=MemberFactory(organisation=branch),
            term_start=date(2020, 1, 1),
            term_end=today + timedelta(days=10 * (i - 1)),
        )
        ImportBatch.objects.create(
            organisation=branch,
            created_by=world.users["secretary_a"],
            original_name=f"花名册{i}.xlsx",
            file_format="xlsx",
            status=BatchStatus.PREVIEWED,
        )
        with transaction.atomic():
            record(actor=world.users["secretary_a"], action=Action.REVEAL, target=world.member_a)
            record(actor=world.users["admin"], action=Action.EXPORT, target_repr="花名册")
            record(actor=None, actor_name="nobody", action=Action.LOGIN_FAILED)
            record(actor=None, actor_name="nobody", action=Action.LOCKOUT)
        UserFactory(role=Role.MEMBER, member=MemberFactory(organisation=branch))
        asked = MemberFactory(organisation=branch, name=f"申请{i}")
        AccountRequest.objects.create(
            member=asked,
            organisation=branch,
            name=asked.name,
            requested_by=world.users["secretary_a"],
        )


def home(client, user):
    signed_in(client, user)
    return client.get(HOME)


@pytest.mark.parametrize(
    ("persona", "queries"),
    [
        # session, user, notifications, term-end to-dos, sheet to print; figures: scope check,
        # members, organisations, kinds; terms; incomplete records (list, count); imports
        # waiting (+ the secretary's organisation, for the scope); learning: reflections to
        # review, the organisation and its stored study-hour progress; meetings: what is due
        # (one); outreach: requests waiting for the handler (one); incomplete records to-do
        # (list, count)
        ("secretary_a", 21),
        ("admin", 18),
        # session, user, notifications, the account's member (scope), own record, its officers;
        # learning: the year's hours and requirement, the plan's overdue and next courses (3)
        ("member", 11),
        # session, user, notifications, events by day, reveals and exports
        ("auditor", 5),
        # session, user, notifications, to-dos: lockouts (2), requests; figures: locked
        # accounts, addresses, accounts, sessions (2), requests
        ("security", 12),
    ],
)
def test_each_dashboard_runs_a_fixed_number_of_queries(
    client, world, persona, queries, django_assert_num_queries
):
    grow(world, 3)
    signed_in(client, world.users[persona])
    with django_assert_num_queries(queries):
        assert client.get(HOME).status_code == 200
    grow(world, 3)
    with django_assert_num_queries(queries):
        assert client.get(HOME).status_code == 200


def test_the_secretary_sees_their_figures_terms_incomplete_records_and_imports(client, world):
    grow(world, 3)
    page = home(client, world.users["secretary_a"]).content.decode()
    assert 'id="summary"' in page
    assert reverse("organisations:member_list") + "?category=full" in page
    for i in range(3):
        assert f"第{i}支部" in page  # terms, incomplete records
        assert f"花名册{i}.xlsx" in page  # imports waiting
    assert "缺：学历、工作单位" in page
    assert "已届满" in page and "即将届满" in page
    # Secretary A never sees B's members (whose phone is missing).
    incomplete = home(Client(), world.users["secretary_b"]).context["panels"]
    [b_panel] = [p for p in incomplete if "total" in p.context]
    assert b_panel.context["total"] >= 3
    assert all(r.member.organisation == world.org_b for r in b_panel.context["members"])


def test_the_committee_admin_sees_the_prefecture_by_kind_each_linking_to_its_list(client, world):
    OrganisationFactory(parent=world.org_a, kind=OrganisationKind.GENERAL_BRANCH)
    response = home(client, world.users["admin"])
    [figures] = [p for p in response.context["panels"] if "kinds" in p.context]
    kinds = {kind.value: n for kind, n in figures.context["kinds"]}
    assert kinds == {"committee": 1, "party_committee": 1, "general_branch": 1, "branch": 2}
    page = response.content.decode()
    assert 'id="kind-counts"' in page
    assert reverse("organisations:member_list") + "?category=probationary" in page


def test_a_member_sees_their_own_record_and_organisation(client, world):
    PositionFactory(
        organisation=world.branch_a,
        member=MemberFactory(organisation=world.branch_a, name="白玛书记"),
        title="secretary",
        term_start=date(2024, 1, 1),
        term_end=date(2027, 1, 1),
    )
    page = home(client, world.users["member"]).content.decode()
    assert 'id="own-record"' in page
    assert "扎西·次仁" in page and world.branch_a.name in page and "白玛书记" in page
    assert reverse("organisations:member_detail", args=[world.member_a.pk]) in page
    assert 'id="summary"' not in page and "panel-incomplete" not in page


def test_the_auditor_sees_reveals_exports_failed_logins_lockouts_and_a_chart(client, world):
    grow(world, 3)
    response = home(client, world.users["auditor"])
    page = response.content.decode()
    [activity] = [p for p in response.context["panels"] if "activity" in p.context]
    assert activity.context["activity"].failed_week == 3
    assert activity.context["activity"].lockouts_week == 3
    # Reveals and exports are counted too, each figure linking to its week in the log.
    assert activity.context["activity"].reveals_week == 3
    assert activity.context["activity"].exports_week == 3
    assert "?action=reveal&amp;since=" in page and "?action=export&amp;since=" in page
    assert activity.context["chart"]["totals"][-1] >= 12
    assert len(activity.context["chart"]["days"]) == 30
    assert "vendor/echarts/echarts.min.js" in page and 'id="audit-chart-data"' in page
    assert "?action=login_failed&amp;since=" in page
    assert "扎西·次仁" in page and "花名册" in page  # the reveal and the export
    # Party data stays out: no member figures for the auditor.
    assert 'id="summary"' not in page


def test_the_security_officer_sees_locks_unused_accounts_initial_passwords_sessions(client, world):
    grow(world, 3)
    UserFactory(role=Role.MEMBER, member=MemberFactory(), must_change_password=True)
    response = home(client, world.users["security"])
    [panel] = [p for p in response.context["panels"] if "figures" in p.context]
    figures = panel.context["figures"]
    assert figures.pending_requests == 3
    assert figures.initial_password == 1
    assert figures.sessions == 1  # the officer's own
    assert figures.never_used >= 4
    assert "3 个账号申请待签发" in response.content.decode()
    page = response.content.decode()
    for link in ("?state=never_used", "?state=initial_password"):
        assert reverse("accounts:account_list") + link in page
    listed = client.get(reverse("accounts:account_list") + "?state=initial_password")
    assert [a.must_change_password for a in listed.context["page"]] == [True]


def test_a_domain_app_adds_its_panel_and_todos_without_editing_the_templates(client, world):
    """The pattern docs/development.md describes for meetings, learning, outreach."""

    @panels.register
    def due_panel(user):
        if user.role != Role.SECRETARY:
            return None
        return panels.list_panel(
            "本季度应开的会",
            [panels.Line("支部委员会 3 月", url="/m/1/", badge="未开", level="danger")],
            place="side",
            order=5,
        )

    @todos.register
    def due_todos(user):
        return [todos.TodoItem(title="支部党员大会本季度未召开", level="danger", url="/x/")]

    try:
        page = home(client, world.users["secretary_a"]).content.decode()
        assert "本季度应开的会" in page and 'href="/m/1/"' in page and "未开" in page
        assert "支部党员大会本季度未召开" in page
        assert "本季度应开的会" not in home(Client(), world.users["member"]).content.decode()
    finally:
        panels._providers.remove(due_panel)
        todos._providers.remove(due_todos)


def test_figures_panel_links_each_figure(client, world):
    @panels.register
    def figures(user):
        return panels.figures_panel([panels.Figure("待评议党员", 7, url="/e/", level="danger")])

    try:
        page = home(client, world.users["member"]).content.decode()
        assert 'href="/e/"' in page and "待评议党员" in page and "text-danger" in page
    finally:
        panels._providers.remove(figures)


def test_a_panel_in_an_unknown_place_is_refused():
    with pytest.raises(ValueError, match="place"):
        panels.Panel("x.html", place="footer")


@pytest.mark.parametrize(
    ("persona", "name", "obj"),
    [
        ("secretary_a", "core:home", None),
        ("admin", "core:home", None),
        ("member", "core:home", None),
        ("auditor", "core:home", None),
        ("security", "core:home", None),
        ("secretary_a", "accounts:account_requests", None),
        ("secretary_a", "accounts:account_sheet", None),
        ("security", "accounts:account_request_queue", None),
        ("security", "accounts:account_reset_password", "secretary"),
        ("auditor", "audit:event_detail", "event"),
        ("secretary_a", "organisations:position_end", "position"),
    ],
)
def test_these_pages_in_english_show_no_chinese_but_data(client, world, persona, name, obj):
    from django.conf import settings

    from core.tests.test_translations import untranslated_text

    grow(world, 3)
    with transaction.atomic():
        event = record(
            actor=world.users["admin"],
            action=Action.UPDATE,
            target=world.member_a,
            changes={"ethnicity": ["01", "04"], "category": ["probationary", "full"]},
            batch="RBX",
        )
    objects = {
        "secretary": world.users["secretary_a"],
        "event": event,
        "position": PositionFactory(organisation=world.org_a, member=world.member_a),
    }
    client.force_login(world.users[persona])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse(name, args=[objects[obj].pk] if obj else []))
    assert response.status_code == 200
    # Data typed by people stays as typed: batch file names, the sheet's note and the like.
    leftovers = [t for t in untranslated_text(response.content.decode()) if "花名册" not in t]
    assert leftovers == []
