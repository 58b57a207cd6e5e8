"""账号申请 through the real views: a secretary asks for accounts for members of their
organisation, the security officer issues them seeing only name, organisation and role, and
the secretary prints the sheet of initial passwords, each to be changed at first sign-in."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccountRequest, AccountRequestStatus, Role, User
from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from core.tests.personas import signed_in
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

REQUESTS = reverse("accounts:account_requests")
QUEUE = reverse("accounts:account_request_queue")
SHEET = reverse("accounts:account_sheet")


def ask_one(client, member, role="member"):
    return client.post(REQUESTS, {"action": "one", "member": member.pk, "role": role})


def ask_all(client, organisation):
    return client.post(REQUESTS, {"action": "all", "organisation": organisation.pk})


def issue_all(officer_client):
    ids = list(AccountRequest.objects.pending().values_list("pk", flat=True))
    return officer_client.post(QUEUE, {"request": ids})


def test_a_secretary_requests_one_member_and_it_is_audited(client, world):
    member = MemberFactory(organisation=world.branch_a, name="格桑·梅朵")
    signed_in(client, world.users["secretary_a"])
    assert ask_one(client, world.member_a).status_code == 404  # has the "member" account
    response = ask_one(client, member)
    assert response.status_code == 302
    made = AccountRequest.objects.get()
    assert (made.member, made.organisation, made.name, made.role, made.status) == (
        member,
        world.branch_a,
        "格桑·梅朵",
        Role.MEMBER,
        AccountRequestStatus.PENDING,
    )
    event = AuditEvent.objects.get(target_type="accounts.accountrequest", action=Action.CREATE)
    assert event.actor == world.users["secretary_a"]
    assert event.organisation_id == world.branch_a.pk
    # A second request for the same member is refused, with the member named.
    ask_one(client, member)
    assert AccountRequest.objects.count() == 1


def test_request_all_of_a_branch_skips_members_with_an_account_or_a_request(client, world):
    has_account = MemberFactory(organisation=world.branch_a, name="已有账号")
    UserFactory(role=Role.MEMBER, member=has_account, username="has_account")
    waiting = MemberFactory(organisation=world.branch_a, name="已申请")
    gone = MemberFactory(organisation=world.branch_a, name="已故", status="deceased")
    new = [MemberFactory(organisation=world.branch_a, name=f"新党员{n}") for n in range(3)]
    signed_in(client, world.users["secretary_a"])
    ask_one(client, waiting)
    response = ask_all(client, world.branch_a)
    assert response.status_code == 302
    asked = set(AccountRequest.objects.values_list("member_id", flat=True))
    # member_a already has the persona "member" account.
    assert asked == {waiting.pk, *(m.pk for m in new)}
    assert has_account.pk not in asked and gone.pk not in asked
    batch = AuditEvent.objects.filter(target_type="accounts.accountrequest").exclude(batch="")
    assert batch.count() == 3 and len(set(batch.values_list("batch", flat=True))) == 1


def test_a_secretary_cannot_ask_outside_their_subtree(client, world):
    signed_in(client, world.users["secretary_b"])
    other = MemberFactory(organisation=world.branch_a)
    assert ask_one(client, other).status_code == 404
    response = ask_all(client, world.branch_a)
    assert response.status_code == 400
    assert "请选择您工作范围内的党组织" in response.content.decode()
    assert not AccountRequest.objects.exists()


@pytest.mark.parametrize("role", ["committee_admin", "auditor", "security_officer", "nonsense"])
def test_privileged_or_unknown_roles_cannot_be_requested(client, world, role):
    signed_in(client, world.users["secretary_a"])
    member = MemberFactory(organisation=world.branch_a)
    response = ask_one(client, member, role=role)
    assert response.status_code == 400
    assert "三员分立" in response.content.decode()
    assert not AccountRequest.objects.exists()


def test_bad_input_is_a_400_not_a_500(client, world):
    signed_in(client, world.users["secretary_a"])
    assert client.post(REQUESTS, {"action": "drop"}).status_code == 400
    assert client.post(REQUESTS, {"action": "one", "member": "x\x00"}).status_code == 400
    assert client.post(REQUESTS, {"action": "all", "organisation": "9" * 30}).status_code == 400
    assert client.get(SHEET + "?organisation=abc").status_code == 400


def test_the_security_officer_sees_name_organisation_role_and_issues(client, world):
    member = MemberFactory(organisation=world.branch_a, name="卓玛", phone="13800001234")
    signed_in(client, world.users["secretary_a"])
    ask_one(client, member, role="secretary")
    officer = Client()
    signed_in(officer, world.users["security"])
    page = officer.get(QUEUE).content.decode()
    assert "卓玛" in page and world.branch_a.name in page and "党组织书记/党务干部" in page
    for secret in (member.id_number, member.id_number_masked, member.phone, member.phone_masked):
        assert secret not in page
    assert reverse("organisations:member_detail", args=[member.pk]) not in page

    response = issue_all(officer)
    assert response.status_code == 302
    issued = AccountRequest.objects.get()
    account = User.objects.get(member=member)
    assert issued.status == AccountRequestStatus.ISSUED and issued.account == account
    assert account.role == Role.SECRETARY and account.organisation == world.branch_a
    assert account.must_change_password
    assert account.username == issued.username == "zhuoma"
    created = AuditEvent.objects.get(action=Action.CREATE, target_type="accounts.user")
    assert created.actor == world.users["security"]
    assert "password" not in created.changes
    # The security officer never sees the password: not on the page after issuing either.
    after = officer.get(QUEUE).content.decode()
    assert issued.initial_password not in after and "zhuoma" in after


def test_the_secretary_prints_the_sheet_and_each_password_signs_in_once(client, world):
    members = [MemberFactory(organisation=world.branch_a, name=f"洛桑{n}") for n in range(3)]
    signed_in(client, world.users["secretary_a"])
    ask_all(client, world.branch_a)
    officer = Client()
    signed_in(officer, world.users["security"])
    issue_all(officer)
    assert officer.get(SHEET).status_code == 404

    home = client.get(reverse("core:home")).content.decode()
    assert "3 个新账号的初始密码待打印发放" in home and SHEET in home
    sheet = client.get(SHEET)
    assert sheet["Cache-Control"].startswith("max-age=0") or "no-store" in sheet["Cache-Control"]
    text = sheet.content.decode()
    rows = list(AccountRequest.objects.filter(member__in=members))
    for row in rows:
        assert row.username in text and row.initial_password in text
    shown = AuditEvent.objects.get(action=Action.REVEAL)
    assert shown.actor == world.users["secretary_a"]
    assert sorted(shown.changes["initial_passwords"]) == sorted(r.username for r in rows)
    assert all(r.initial_password not in str(shown.changes) for r in rows)

    # Secretary B's sheet holds nothing of A's.
    other = Client()
    signed_in(other, world.users["secretary_b"])
    assert rows[0].username not in other.get(SHEET).content.decode()

    # The new member signs in with the sheet's password, must change it, and the sheet forgets it.
    newcomer = Client()
    signed = newcomer.post(
        reverse("accounts:login"),
        {"username": rows[0].username, "password": rows[0].initial_password},
    )
    assert signed.status_code == 302
    assert newcomer.get(reverse("core:home"))["Location"] == reverse("accounts:password_change")
    response = newcomer.post(
        reverse("accounts:password_change"),
        {
            "old_password": rows[0].initial_password,
            "new_password": "Gesang-Meiduo#77",
            "new_password_again": "Gesang-Meiduo#77",
        },
    )
    assert response.status_code == 302
    rows[0].refresh_from_db()
    assert rows[0].initial_password_encrypted == ""
    assert rows[0].username not in client.get(SHEET).content.decode()


def test_the_security_officer_sends_a_request_back_with_a_reason(client, world):
    member = MemberFactory(organisation=world.branch_a)
    signed_in(client, world.users["secretary_a"])
    ask_one(client, member)
    made = AccountRequest.objects.get()
    officer = Client()
    signed_in(officer, world.users["security"])
    url = reverse("accounts:account_request_reject", args=[made.pk])
    officer.post(url, {"note": ""})
    made.refresh_from_db()
    assert made.status == AccountRequestStatus.PENDING
    officer.post(url, {"note": "该同志已调离"})
    made.refresh_from_db()
    assert (made.status, made.note) == (AccountRequestStatus.REJECTED, "该同志已调离")
    event = AuditEvent.objects.get(action=Action.UPDATE, target_type="accounts.accountrequest")
    assert event.reason == "该同志已调离"
    assert "该同志已调离" in client.get(REQUESTS).content.decode()
    # A secretary cannot issue or send back.
    assert client.post(QUEUE, {"request": [made.pk]}).status_code == 404
    assert client.post(url, {"note": "x"}).status_code == 404


def test_pages_have_fixed_query_counts(client, world, django_assert_num_queries):
    for n in range(4):
        MemberFactory(organisation=world.branch_a, name=f"次仁{n}")
    signed_in(client, world.users["secretary_a"])
    ask_all(client, world.branch_a)
    MemberFactory(organisation=world.branch_a, name="未申请")
    # session, user, organisation (scope), organisations for the form, count + page of members,
    # requests, sheet count
    with django_assert_num_queries(8):
        assert client.get(REQUESTS).status_code == 200
    officer = Client()
    signed_in(officer, world.users["security"])
    # session, user, pending, decided
    with django_assert_num_queries(4):
        assert officer.get(QUEUE).status_code == 200
    issue_all(officer)
    # session, user, organisation (scope), rows, audit (savepoint + insert + release)
    with django_assert_num_queries(7):
        assert client.get(SHEET).status_code == 200


def test_resetting_a_password_asks_to_confirm_first(client, world):
    target = world.users["secretary_b"]
    signed_in(client, world.users["security"])
    url = reverse("accounts:account_reset_password", args=[target.pk])
    listing = client.get(reverse("accounts:account_list")).content.decode()
    assert f'href="{url}"' in listing
    page = client.get(url)
    assert page.status_code == 200 and "确定要重置" in page.content.decode()
    target.refresh_from_db()
    assert not target.must_change_password
    assert not AuditEvent.objects.filter(target_id=str(target.pk)).exists()
    done = client.post(url)
    assert done.status_code == 200 and 'id="initial-password"' in done.content.decode()
    target.refresh_from_db()
    assert target.must_change_password
    # 三员: no confirmation page for a privileged account either.
    admin_url = reverse("accounts:account_reset_password", args=[world.users["admin"].pk])
    assert client.get(admin_url).status_code == 302


def test_initial_passwords_have_no_look_alike_characters():
    from accounts.services import generate_initial_password

    for _n in range(300):
        password = generate_initial_password()
        assert not set(password) & set("0O1lI"), password
        assert len(password) == 13


def test_a_secretary_requests_an_account_from_the_member_record(client, world):
    """On a member's record the secretary sees the account's state: a button while there is
    none, the waiting request once asked, the username once issued."""
    member = MemberFactory(organisation=world.branch_a, name="央金·拉姆")
    page = reverse("organisations:member_detail", args=[member.pk])
    signed_in(client, world.users["secretary_a"])
    body = client.get(page).content.decode()
    assert 'id="request-account"' in body and "申请账号" in body
    response = client.post(
        REQUESTS, {"action": "one", "member": member.pk, "role": "member", "next": page}
    )
    assert response.status_code == 302 and response.url == page
    made = AccountRequest.objects.get(member=member)
    assert (made.status, made.requested_by) == (
        AccountRequestStatus.PENDING,
        world.users["secretary_a"],
    )
    assert AuditEvent.objects.filter(
        target_type="accounts.accountrequest", target_id=str(made.pk), action=Action.CREATE
    ).exists()
    body = client.get(page).content.decode()
    assert "账号申请待签发" in body and 'id="request-account"' not in body
    assert "已为 央金·拉姆 提交账号申请。" in body
    # Asked again (a second tab): refused, back on the record, nothing new.
    client.post(REQUESTS, {"action": "one", "member": member.pk, "role": "member", "next": page})
    assert AccountRequest.objects.filter(member=member).count() == 1
    officer = Client()
    signed_in(officer, world.users["security"])
    issue_all(officer)
    body = client.get(page).content.decode()
    assert "已有账号" in body and User.objects.get(member=member).username in body


def test_a_sent_back_request_can_be_asked_again_from_the_record(client, world):
    member = MemberFactory(organisation=world.branch_a)
    page = reverse("organisations:member_detail", args=[member.pk])
    signed_in(client, world.users["secretary_a"])
    ask_one(client, member)
    officer = Client()
    signed_in(officer, world.users["security"])
    made = AccountRequest.objects.get()
    officer.post(reverse("accounts:account_request_reject", args=[made.pk]), {"note": "重名待核"})
    body = client.get(page).content.decode()
    assert "已退回" in body and "重名待核" in body and 'id="request-account"' in body


def test_the_account_box_is_only_for_those_who_ask_for_accounts(client, world):
    member = MemberFactory(organisation=world.branch_a, status="deceased")
    own = reverse("organisations:member_detail", args=[world.member_a.pk])
    # A member reading their own record, and a secretary's inactive member: no button.
    signed_in(client, world.users["member"])
    assert 'id="member-account"' not in client.get(own).content.decode()
    signed_in(client, world.users["secretary_a"])
    body = client.get(reverse("organisations:member_detail", args=[member.pk])).content.decode()
    assert 'id="request-account"' not in body and "不能开通账号" in body
    # The committee admin may ask too; world.member_a already has the "member" account.
    signed_in(client, world.users["admin"])
    assert "已有账号" in client.get(own).content.decode()


def test_next_never_leaves_the_site(client, world):
    member = MemberFactory(organisation=world.branch_a)
    signed_in(client, world.users["secretary_a"])
    response = client.post(
        REQUESTS,
        {"action": "one", "member": member.pk, "role": "member", "next": "https://evil.example/"},
    )
    assert response.url == REQUESTS


def test_the_member_record_keeps_a_fixed_query_count(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(client, world.users["secretary_a"])
    counts = []
    for n in range(2):
        member = MemberFactory(organisation=world.branch_a)
        for _ in range(n * 3):
            AccountRequest.objects.create(
                member=member,
                organisation=world.branch_a,
                name=member.name,
                requested_by=world.users["secretary_a"],
                status=AccountRequestStatus.REJECTED,
            )
        with CaptureQueriesContext(connection) as queries:
            assert (
                client.get(reverse("organisations:member_detail", args=[member.pk])).status_code
                == 200
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]
