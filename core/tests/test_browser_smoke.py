import pytest

from accounts.tests.factories import PASSWORD
from conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_login_page_and_home(page, world):
    login(page, "admin", PASSWORD)
    page.wait_for_selector("#todos")
    screenshot(page, "home-admin")
    assert "工作台" in page.title()
