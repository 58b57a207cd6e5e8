"""The foundation's main journey in a real browser, and every main page on a 375 px phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import login, screenshot
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.browser


def test_secretary_reveals_an_id_and_the_auditor_sees_it(page, world):
    for n in range(3):
        MemberFactory(organisation=world.branch_a, name=f"和志强{n}")
    login(page, "secretary_a", PASSWORD)
    page.click("nav >> text=党员")
    page.wait_for_selector("#member-table")

    page.fill("#id_q", "zxcr")
    expect(page.locator("#member-table tbody tr")).to_have_count(1)
    screenshot(page, "journey-1-search-pinyin")
    assert "和丽华" not in page.inner_text("#member-table")  # secretary B's member never shows
    assert "zxcr" in page.url  # the search is in the address bar, shareable

    page.click("#member-table >> text=扎西·次仁")
    page.wait_for_selector("#member-name")
    masked = page.inner_text("#id-number-masked")
    assert masked.count("*") == 10
    assert world.member_a.id_number not in page.content()

    page.fill("#id_reason", "办理组织关系转接，核对身份")
    page.click("#reveal-button")
    page.wait_for_selector("#id-number-clear")
    assert page.inner_text("#id-number-clear") == world.member_a.id_number
    screenshot(page, "journey-2-revealed")

    page.click("#user-menu")
    page.click("#logout")
    login(page, "auditor", PASSWORD)
    page.click("nav >> text=审计日志")
    page.select_option("#id_action", "reveal")
    page.click("#event-filter button[type=submit]")
    expect(page.locator("#event-table")).to_contain_text("办理组织关系转接")
    table = page.inner_text("#event-table")
    assert "secretary_a" in table
    assert "扎西·次仁" in table
    screenshot(page, "journey-3-audit")


def test_language_switch_to_english_and_back(page, world):
    login(page, "admin", PASSWORD)
    page.click("button[lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "language-en-home")
    page.click("button[lang=zh-hant]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hant"
    page.click("button[lang=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


@pytest.mark.parametrize(
    ("persona", "url_name", "arg"),
    [
        ("secretary_a", "core:home", None),
        ("secretary_a", "organisations:organisation_tree", None),
        ("secretary_a", "organisations:organisation_detail", "org_a"),
        ("secretary_a", "organisations:member_list", None),
        ("secretary_a", "organisations:member_detail", "member_a"),
        ("secretary_a", "organisations:member_update", "member_a"),
        ("auditor", "audit:event_list", None),
        ("security", "accounts:account_list", None),
    ],
)
def test_pages_fit_a_phone(browser, live_server, world, persona, url_name, arg):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.base_url = live_server.url
    login(phone, persona, PASSWORD)
    kwargs = {"pk": getattr(world, arg).pk} if arg else {}
    phone.goto(live_server.url + reverse(url_name, kwargs=kwargs))
    width = phone.evaluate("document.documentElement.scrollWidth")
    screenshot(phone, f"phone-{url_name.replace(':', '-')}")
    context.close()
    assert width <= 375, f"{url_name} is {width}px wide on a 375px phone"
    assert not errors
