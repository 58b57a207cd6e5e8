"""In a real browser (issue 9): a secretary requests accounts for a branch, the security
officer issues them, the secretary prints the sheet, and a new member signs in with it; and
the pages of this work fit a 375 px phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import AccountRequest
from accounts.tests.factories import PASSWORD
from conftest import login, screenshot
from organisations.tests.factories import MemberFactory, PositionFactory

pytestmark = pytest.mark.browser


def logout(page):
    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_load_state()


def test_request_issue_print_and_first_sign_in(page, world):
    names = ["洛桑·达瓦", "次仁·卓玛", "和志强"]
    for name in names:
        MemberFactory(organisation=world.branch_a, name=name)

    login(page, "secretary_a", PASSWORD)
    page.click("nav >> text=账号申请")
    expect(page.locator("#members-without-account")).to_contain_text("洛桑·达瓦")
    page.select_option("#request-all select[name=organisation]", str(world.branch_a.pk))
    page.click("#request-all button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("已提交 3 个账号申请")
    expect(page.locator("#request-table")).to_contain_text("待签发")
    screenshot(page, "accounts-1-requested")
    logout(page)

    login(page, "security", PASSWORD)
    expect(page.locator("#figure-requests")).to_contain_text("3")
    page.click("#figure-requests")
    for name in names:
        expect(page.locator("#queue-table")).to_contain_text(name)
    queue = page.inner_text("#queue-table")
    for member in world.branch_a.members.all():
        assert member.id_number_masked not in queue
    screenshot(page, "accounts-2-queue")
    page.click("#issue-button")
    expect(page.locator(".alert-success")).to_contain_text("已签发 3 个账号")
    logout(page)

    login(page, "secretary_a", PASSWORD)
    page.click("nav >> text=账号申请")
    page.click("#sheet-link")
    expect(page.locator(".sheet-slip")).to_have_count(3)
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("#print-sheet")
    assert page.evaluate("window.__printed") is True
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    screenshot(page, "accounts-3-sheet-print")
    page.emulate_media(media="screen")
    slip = page.locator(".sheet-slip", has_text="洛桑·达瓦")
    username = slip.locator(".username").inner_text().strip()
    password = slip.locator(".initial-password").inner_text().strip()
    assert username == AccountRequest.objects.get(name="洛桑·达瓦").username
    logout(page)

    login(page, username, password)
    expect(page).to_have_url(page.base_url + reverse("accounts:password_change"))
    page.fill("input[name=old_password]", password)
    page.fill("input[name=new_password]", "Shangri-La-Snow#77")
    page.fill("input[name=new_password_again]", "Shangri-La-Snow#77")
    page.click("form:has(input[name=new_password]) button[type=submit]")
    expect(page.locator("#own-record")).to_contain_text("洛桑·达瓦")
    screenshot(page, "accounts-4-member-home")


@pytest.mark.parametrize(
    ("persona", "url_name", "arg"),
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
def test_these_pages_fit_a_phone(browser, live_server, world, persona, url_name, arg):
    from django.db import transaction

    from audit.services import record

    for n in range(3):
        MemberFactory(organisation=world.branch_a, name=f"格桑{n}")
    with transaction.atomic():
        event = record(
            actor=world.users["admin"],
            action="update",
            target=world.member_a,
            changes={"ethnicity": ["01", "04"], "unit": ["迪庆州某局办公室", "迪庆州某局人事科"]},
        )
    objects = {
        "secretary": world.users["secretary_a"],
        "event": event,
        "position": PositionFactory(organisation=world.org_a, member=world.member_a),
    }
    errors: list[str] = []
    for width in (375, 1280):
        context = browser.new_context(
            viewport={"width": width, "height": 800}, is_mobile=width < 400, locale="zh-CN"
        )
        phone = context.new_page()
        phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        phone.on("pageerror", lambda e: errors.append(str(e)))
        phone.base_url = live_server.url
        login(phone, persona, PASSWORD)
        kwargs = {"pk": objects[arg].pk} if arg else {}
        phone.goto(live_server.url + reverse(url_name, kwargs=kwargs))
        scroll = phone.evaluate("document.documentElement.scrollWidth")
        screenshot(phone, f"{width}-{persona}-{url_name.replace(':', '-')}")
        context.close()
        assert not errors, errors
        if width == 375:
            assert scroll <= 375, f"{url_name} is {scroll}px wide on a 375px phone"
