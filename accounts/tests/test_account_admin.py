"""The security officer's account pages, through the real views: every edit reaches the
database and the audit log (issue 6), and 三员 accounts stay out of reach (issue 7)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.forms import AccountForm
from accounts.models import Role, User
from accounts.tests.factories import PASSWORD
from audit.models import Action, AuditEvent
from core.tests.personas import signed_in

pytestmark = pytest.mark.django_db


def form_data(account, **changes):
    data = {name: value for name, value in AccountForm.stored(account)}
    data.update(changes)
    data = {k: ("" if v is None else v) for k, v in data.items()}
    if not data.pop("is_active"):
        return data
    return {**data, "is_active": "on"}


def edit(client, account, **changes):
    return client.post(
        reverse("accounts:account_update", args=[account.pk]), form_data(account, **changes)
    )


@pytest.fixture
def officer(client, world):
    signed_in(client, world.users["security"])
    return world.users["security"]


# --- One way to edit: each edit is saved and audited -----------------------------------------


def test_deactivating_saves_audits_and_signs_the_account_out(client, world, officer):
    target = world.users["secretary_b"]
    their_browser = Client()
    signed_in(their_browser, target)
    response = edit(client, target, is_active=False)
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    event = AuditEvent.objects.get(action=Action.UPDATE, target_id=str(target.pk))
    assert event.actor == officer
    assert event.changes == {"is_active": [True, False]}
    assert their_browser.get(reverse("core:home")).status_code == 302
    ended = AuditEvent.objects.get(action=Action.LOGOUT, target_id=str(target.pk))
    assert ended.changes["sessions_ended"] == 1


def test_renaming_saves_and_audits(client, world, officer):
    target = world.users["secretary_a"]
    response = edit(client, target, username="secretary_jia", display_name="卓玛")
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.username, target.display_name) == ("secretary_jia", "卓玛")
    event = AuditEvent.objects.get(action=Action.UPDATE, target_id=str(target.pk))
    assert event.changes == {
        "display_name": ["", "卓玛"],
        "username": ["secretary_a", "secretary_jia"],
    }


def test_changing_role_saves_and_audits(client, world, officer):
    target = world.users["secretary_b"]
    response = edit(client, target, role=Role.MEMBER, organisation="", member=world.member_b.pk)
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.role, target.organisation, target.member) == (
        Role.MEMBER,
        None,
        world.member_b,
    )
    event = AuditEvent.objects.get(action=Action.UPDATE, target_id=str(target.pk))
    assert event.changes == {
        "member": [None, world.member_b.pk],
        "organisation": [world.org_b.pk, None],
        "role": [Role.SECRETARY, Role.MEMBER],
    }


def test_saving_without_changes_writes_no_event(client, world, officer):
    response = edit(client, world.users["member"])
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_a_taken_username_is_a_form_error_naming_the_field(client, world, officer):
    target = world.users["secretary_b"]
    response = edit(client, target, username="secretary_a", display_name="换名")
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert "已被其他账号使用" in str(response.context["form"].errors["username"])
    target.refresh_from_db()
    assert (target.username, target.display_name) == ("secretary_b", "")
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_a_secretary_without_organisation_is_a_form_error(client, world, officer):
    response = edit(client, world.users["member"], role=Role.SECRETARY, member="")
    assert response.status_code == 200
    assert "须指定所在党组织" in str(response.context["form"].errors["organisation"])
    assert User.objects.get(username="member").role == Role.MEMBER


def test_service_diffs_the_stored_account_not_the_callers_instance(world):
    target = world.users["secretary_b"]
    target.is_active = False  # what a form bound to the instance would have done
    services.account_update(actor=world.users["security"], user=target, is_active=False)
    assert not User.objects.get(pk=target.pk).is_active
    assert AuditEvent.objects.get(action=Action.UPDATE).changes == {"is_active": [True, False]}


def test_creating_saves_and_audits(client, world, officer):
    response = client.post(
        reverse("accounts:account_create"),
        {
            "username": "gesang",
            "display_name": "格桑",
            "role": "secretary",
            "organisation": world.org_b.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    created = User.objects.get(username="gesang")
    assert created.check_password(response.context["password"])
    assert created.must_change_password
    event = AuditEvent.objects.get(action=Action.CREATE, target_id=str(created.pk))
    assert event.actor == officer
    assert event.changes["role"] == [None, "secretary"]
    assert event.organisation_id == world.org_b.pk


def test_resetting_a_member_saves_and_audits(client, world, officer):
    target = world.users["member"]
    response = client.post(reverse("accounts:account_reset_password", args=[target.pk]))
    assert response.status_code == 200
    target.refresh_from_db()
    assert target.check_password(response.context["password"])
    assert target.must_change_password
    event = AuditEvent.objects.get(action=Action.UPDATE, target_id=str(target.pk))
    assert event.actor == officer
    assert event.changes == {"password": ["***", "*** (reset)"]}


# --- 三员分立: the security officer's form refuses the privileged roles ----------------------


@pytest.mark.parametrize("role", [Role.COMMITTEE_ADMIN, Role.AUDITOR, Role.SECURITY_OFFICER])
def test_form_refuses_to_create_a_privileged_account(client, world, officer, role):
    response = client.post(
        reverse("accounts:account_create"),
        {"username": "shadow", "role": role, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "三员分立" in str(response.context["form"].errors["role"])
    assert not User.objects.filter(username="shadow").exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_form_offers_only_secretary_and_member(client, world, officer):
    response = client.get(reverse("accounts:account_create"))
    choices = [value for value, _label in response.context["form"].fields["role"].choices]
    assert choices == [Role.SECRETARY, Role.MEMBER]


def test_form_refuses_to_make_a_secretary_committee_admin(client, world, officer):
    target = world.users["secretary_a"]
    response = edit(client, target, role=Role.COMMITTEE_ADMIN, organisation="")
    assert response.status_code == 200
    assert "三员分立" in str(response.context["form"].errors["role"])
    target.refresh_from_db()
    assert target.role == Role.SECRETARY
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_a_privileged_accounts_role_cannot_be_changed_on_the_web(client, world, officer):
    auditor = world.users["auditor"]
    response = edit(client, auditor, role=Role.SECRETARY, organisation=world.org_a.pk)
    # The role field is fixed on this page; the organisation a secretary would need is refused.
    assert response.status_code == 200
    auditor.refresh_from_db()
    assert auditor.role == Role.AUDITOR
    response = edit(client, auditor, display_name="审计员 央金")
    assert response.status_code == 302
    auditor.refresh_from_db()
    assert (auditor.role, auditor.display_name) == (Role.AUDITOR, "审计员 央金")


def test_service_refuses_privileged_roles_whoever_calls_it(world):
    officer = world.users["security"]
    with pytest.raises(services.ValidationError) as excinfo:
        services.account_create(actor=officer, username="x", role=Role.COMMITTEE_ADMIN)
    assert "role" in excinfo.value.message_dict
    with pytest.raises(services.ValidationError):
        services.account_update(
            actor=officer, user=world.users["member"], role=Role.AUDITOR, member=None
        )
    with pytest.raises(services.ValidationError):
        services.account_update(
            actor=officer, user=world.users["admin"], role=Role.MEMBER, member=world.member_b
        )


@pytest.mark.parametrize("persona", ["admin", "auditor", "security"])
def test_reset_of_a_privileged_account_is_refused(client, world, officer, persona):
    target = world.users[persona]
    response = client.post(reverse("accounts:account_reset_password", args=[target.pk]))
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("三员分立" in m for m in messages)
    target.refresh_from_db()
    assert target.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_account_list_offers_no_reset_for_privileged_accounts(client, world, officer):
    body = client.get(reverse("accounts:account_list")).content.decode()
    for persona in ("admin", "auditor", "security"):
        url = reverse("accounts:account_reset_password", args=[world.users[persona].pk])
        assert url not in body
    assert reverse("accounts:account_reset_password", args=[world.users["member"].pk]) in body


# --- 三员分立: the server's command line ----------------------------------------------------


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("privileged_account", *args, stdout=out)
    return out.getvalue()


def test_command_creates_a_privileged_account_audited_with_the_operator(client, world):
    output = run(
        "create",
        "--username",
        "auditor2",
        "--role",
        "auditor",
        "--display-name",
        "审计员 次仁",
        "--operator",
        "运维 李四",
        "--reason",
        "工委会议 2026-3 号决定",
    )
    password = output.strip().splitlines()[-1]
    user = User.objects.get(username="auditor2")
    assert (user.role, user.display_name, user.must_change_password) == (
        Role.AUDITOR,
        "审计员 次仁",
        True,
    )
    assert user.check_password(password)
    event = AuditEvent.objects.get(action=Action.CREATE, target_id=str(user.pk))
    assert event.actor is None
    assert event.actor_name == "operator:运维 李四"
    assert "privileged_account create" in event.reason
    assert "工委会议 2026-3 号决定" in event.reason
    assert event.changes["role"] == [None, "auditor"]
    # The new auditor signs in with it and must change it first.
    response = client.post(
        reverse("accounts:login"), {"username": "auditor2", "password": password}
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home"))["Location"] == reverse("accounts:password_change")


def test_command_resets_a_privileged_password_and_ends_its_sessions(world):
    admin_browser = Client()
    signed_in(admin_browser, world.users["admin"])
    output = run("reset", "--username", "admin", "--operator", "运维 李四")
    password = output.strip().splitlines()[-1]
    admin = User.objects.get(username="admin")
    assert admin.check_password(password) and admin.must_change_password
    event = AuditEvent.objects.get(action=Action.UPDATE, target_id=str(admin.pk))
    assert event.actor_name == "operator:运维 李四"
    assert event.changes == {"password": ["***", "*** (reset)"]}
    assert "privileged_account reset" in event.reason
    assert admin_browser.get(reverse("core:home")).status_code == 302


def test_command_moves_accounts_into_and_out_of_privileged_roles(world):
    secretary_browser = Client()
    signed_in(secretary_browser, world.users["secretary_a"])
    run("set-role", "--username", "secretary_a", "--role", "committee_admin", "--operator", "王五")
    user = User.objects.get(username="secretary_a")
    assert (user.role, user.organisation) == (Role.COMMITTEE_ADMIN, None)
    event = AuditEvent.objects.get(action=Action.UPDATE, target_id=str(user.pk))
    assert event.actor_name == "operator:王五"
    assert event.changes["role"] == ["secretary", "committee_admin"]
    assert secretary_browser.get(reverse("core:home")).status_code == 302
    logout = AuditEvent.objects.get(action=Action.LOGOUT, target_id=str(user.pk))
    assert logout.actor_name == "operator:王五"

    run(
        "set-role",
        "--username",
        "secretary_a",
        "--role",
        "secretary",
        "--organisation",
        world.org_b.code,
        "--operator",
        "王五",
    )
    user.refresh_from_db()
    assert (user.role, user.organisation) == (Role.SECRETARY, world.org_b)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reset", "--username", "member", "--operator", "李四"], "安全员"),
        (["reset", "--username", "nobody", "--operator", "李四"], "nobody"),
        (["reset", "--username", "admin", "--operator", "  "], "操作人"),
        (
            ["set-role", "--username", "member", "--role", "secretary", "--operator", "李四"],
            "安全员",
        ),
        (
            ["set-role", "--username", "admin", "--role", "secretary", "--operator", "李四"],
            "所在党组织",
        ),
    ],
)
def test_command_refuses_what_is_not_its_job(world, args, message):
    before = {u.pk: (u.role, u.password) for u in User.objects.all()}
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert {u.pk: (u.role, u.password) for u in User.objects.all()} == before
    assert not AuditEvent.objects.exists()


def test_command_needs_the_operator_and_a_privileged_role_to_create(world):
    with pytest.raises(CommandError):
        run("create", "--username", "x", "--role", "auditor")
    with pytest.raises(CommandError):
        run("create", "--username", "x", "--role", "secretary", "--operator", "李四")
    assert not User.objects.filter(username="x").exists()


def test_initial_password_is_never_stored_in_the_log(world):
    password = run("reset", "--username", "auditor", "--operator", "李四").strip().splitlines()[-1]
    stored = [(e.changes, e.reason, e.target_repr) for e in AuditEvent.objects.all()]
    assert stored and password not in str(stored)
