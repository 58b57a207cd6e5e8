"""The channel's journey in a real browser: a citizen submits on a phone-sized page, a
handler accepts and answers, the citizen rates; a moderator releases a held submission."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import login, screenshot
from outreach.models import Request, Status

from .factories import AreaFactory, RuleFactory, category

pytestmark = pytest.mark.browser


def test_citizen_submits_handler_answers_citizen_rates(page, world):
    category()
    RuleFactory(area=AreaFactory(name="升平镇阿东村"), organisation=world.branch_a)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.base_url + "/masses/")
    page.select_option("#id_category", label="求助")
    page.select_option("#id_area", label="升平镇阿东村")
    page.fill("#id_title", "公交车冬季停运")
    page.fill("#id_text", "德钦县城到飞来寺的公交车冬季停运了，能否恢复早晚各一班？")
    page.fill("#id_phone", "13887654321")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "outreach-1-submit-375")
    page.click("#submit-button")
    expect(page.locator("#received")).to_be_visible()
    code = page.inner_text("#tracking-code").strip()
    assert re.fullmatch(r"[2-9A-Z]{12}", code)
    screenshot(page, "outreach-2-received-375")

    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "secretary_a", PASSWORD)
    req = Request.objects.get(code=code)
    page.goto(page.base_url + f"/outreach/requests/{req.pk}/")
    expect(page.locator("#status")).to_contain_text("已接收")
    assert "13887654321" not in page.content() and "138****4321" in page.content()
    page.select_option("#id_to", "accepted")
    page.click("#action-button")
    expect(page.locator("#status")).to_contain_text("已受理")
    page.select_option("#id_to", "answered")
    page.fill("#id_answer", "已协调客运站，自下周一起恢复早晚各一班。")
    page.click("#action-button")
    expect(page.locator("#status")).to_contain_text("已答复")
    screenshot(page, "outreach-3-answered")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.base_url + f"/masses/track/{code}/")
    expect(page.locator("#public-answer")).to_contain_text("恢复早晚各一班")
    page.check("input[name=rating][value=satisfied]")
    page.click("#rate-button")
    expect(page.locator("#public-status")).to_contain_text("已办结")
    screenshot(page, "outreach-4-rated-375")
    req.refresh_from_db()
    assert req.status == Status.CLOSED and req.rating == "satisfied"


def test_moderator_releases_a_held_submission(page, world):
    category()
    RuleFactory(area=AreaFactory(name="奔子栏镇奔子栏村"), organisation=world.branch_a)
    page.goto(page.base_url + "/masses/")
    page.select_option("#id_category", label="投诉反映")
    page.select_option("#id_area", label="奔子栏镇奔子栏村")
    page.fill("#id_title", "网上办证是骗局")
    page.fill(
        "#id_text",
        "有人在 http://a.example 和 http://a.example/2 说能办证，收钱不办事，请查处。",
    )
    page.click("#submit-button")
    expect(page.locator("#received")).to_be_visible()  # the sender sees the same page
    req = Request.objects.get()
    assert req.status == Status.HELD

    login(page, "admin", PASSWORD)
    page.goto(page.base_url + "/outreach/moderation/")
    item = page.locator(".held-item", has_text="网上办证是骗局")
    expect(item.locator(".reasons")).to_contain_text("链接")
    screenshot(page, "outreach-5-moderation")
    item.locator("button", has_text="通过").click()
    expect(page.locator(".alert-success")).to_contain_text("已审核通过")
    req.refresh_from_db()
    assert req.status == Status.RECEIVED and req.organisation == world.branch_a
