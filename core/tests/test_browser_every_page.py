"""Every page the URL walk reaches with a 200, for every persona, passes the phone check at
375 px (issue 9: "every page passes the phone check"), and is kept as a screenshot at 1280 px
and at 375 px in test-artifacts/every-page/ (issue 9: "screenshots of every page at 1280 px and
375 px in the browser suite, kept as artifacts"). The page list is not kept by hand: it
is the URL walk's own table (core/tests/test_url_access.py and each app's url_routes.py), so a
new page of any app is checked the day it gets its row. Downloads (PDF, Excel, calendar feeds,
JSON) are left out by their content type."""

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from conftest import ARTIFACTS, login
from core.tests.test_browser_pages import DESK, MIN_FIELD_WIDTH, PHONE, PHONE_CHECK
from core.tests.test_url_access import ROUTES, _sides
from core.tests.url_walk import PERSONAS

pytestmark = pytest.mark.browser


def _pages(world, persona):
    with transaction.atomic():  # the live server's tests run outside a test transaction
        sides = _sides(world)
    for name, (method, kwargs, expected) in sorted(ROUTES.items()):
        if method != "get" or name.startswith("api:"):
            continue
        status = expected[persona] if kwargs is None else expected["a"][persona]
        if status == 200:
            yield name, reverse(name, kwargs=kwargs(sides["a"]) if kwargs else None)


def _shot(tab, persona, name, width):
    folder = ARTIFACTS / "every-page"
    folder.mkdir(parents=True, exist_ok=True)
    tab.screenshot(
        path=str(folder / f"{persona}-{name.replace(':', '-')}-{width}.png"), full_page=True
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_passes_the_phone_check(browser, live_server, world, persona):
    pages = list(_pages(world, persona))
    assert pages, persona
    failures, checked = {}, 0
    for viewport in (DESK, PHONE):
        context = browser.new_context(
            viewport=viewport, is_mobile=viewport is PHONE, locale="zh-CN"
        )
        tab = context.new_page()
        tab.base_url = live_server.url
        if persona != "anonymous":
            login(tab, persona, PASSWORD)
        for name, url in pages:
            head = context.request.get(live_server.url + url, max_redirects=0)
            if head.status != 200 or "text/html" not in head.headers.get("content-type", ""):
                continue
            tab.goto(live_server.url + url)
            tab.wait_for_load_state("networkidle")
            _shot(tab, persona, name, viewport["width"])
            if viewport is not PHONE:
                continue
            checked += 1
            problems = tab.evaluate(PHONE_CHECK, MIN_FIELD_WIDTH)
            if problems:
                failures[url] = problems
        context.close()
    assert checked, persona
    assert not failures, failures
