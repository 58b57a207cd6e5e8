"""The API documentation page and the API token page in a real browser (issue 7, items 8 and
12): Swagger UI starts under the CSP (no inline script) and lists the operations; a token is
made, shown once, listed and revoked. The `page` fixture fails on any console error."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_api_docs_list_the_operations_and_try_one(page, world):
    login(page, "secretary_a", PASSWORD)
    page.goto(page.base_url + "/api-token/")
    page.click("text=接口文档")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    # Every operation of the schema: members list/create/read/update, organisations list/
    # create/read.
    # organisations 3, members 4, the channel: public submit and track, handlers 3;
    # meetings 4 (list, read, compliance cells, summary); learning 4 (hours, records,
    # external training, organisation progress).
    expect(operations).to_have_count(20)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/members/").first).to_be_visible()
    screenshot(page, "api-docs")

    # The signed-in session works from the page: run the member list.
    page.click(".opblock-get .opblock-summary-path[data-path='/api/v1/members/']")
    page.click("button.try-out__btn")
    page.click("button.execute")
    expect(page.locator(".live-responses-table tr.response .response-col_status")).to_have_text(
        "200"
    )
    expect(page.locator(".live-responses-table")).to_contain_text("扎西·次仁")
    screenshot(page, "api-docs-executed")


def test_token_made_shown_once_listed_and_revoked(page, world):
    login(page, "secretary_a", PASSWORD)
    page.goto(page.base_url + "/api-token/")
    expect(page.locator("#api-token-list")).to_contain_text("暂无有效令牌")
    page.click("#api-token-create")
    key = page.inner_text("#api-token").strip()
    assert len(key) == 64
    expect(page.locator("#api-token-list tbody tr")).to_have_count(1)
    expect(page.locator("#api-token-list")).to_contain_text(key[:8])
    screenshot(page, "api-token-shown-once")

    page.goto(page.base_url + "/api-token/")
    assert key not in page.content()
    page.click("#api-token-list button:has-text('吊销')")
    expect(page.locator("#api-token-list")).to_contain_text("暂无有效令牌")
    expect(page.locator(".alert")).to_contain_text("令牌已吊销")
