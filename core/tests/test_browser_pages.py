"""Every page at 1280 px and on a 375 px phone, kept as screenshots in test-artifacts/, each
passing the phone check: the page never scrolls sideways, every control lies within the
screen (none pushed off to the right inside a wide table), every text box is wide enough to
type in. And the phone journey of issue 9: a secretary finds a member by a name typed
without its middle dot and opens them."""

import pytest
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from audit.services import record
from conftest import ARTIFACTS, login, screenshot
from organisations.tests.factories import MemberFactory, PositionFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESK = {"width": 1280, "height": 900}
# A text box narrower than this holds a few characters: the reveal form's reason once did.
MIN_FIELD_WIDTH = 120

# What the phone check reports, run in the page: [] when the page passes.
PHONE_CHECK = """(minWidth) => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const problems = [];
  if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth}px wide`);
  // A Tom Select picker is judged by its visible box (.ts-control), not by the <select> it
  // hides or the typing field it moves around inside that box.
  const hidden = ".collapse:not(.show), .dropdown-menu:not(.show), [hidden], .visually-hidden, " +
    ".ts-hidden-accessible, .ts-control input, .ts-dropdown";
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary, " +
    ".ts-control";
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || el.closest(hidden)) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    const name = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${
      (el.innerText || el.name || el.placeholder || "").trim().slice(0, 20)}"`;
    const [left, right] = [Math.round(box.left), Math.round(box.right)];
    if (left < -1 || right > width + 1)
      problems.push(`${name} lies outside the screen (${left}–${right})`);
    const typed = el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      el.classList.contains("ts-control") ||
      (el.tagName === "INPUT" && !["checkbox", "radio", "submit", "button"].includes(el.type));
    // A box for typing text needs room for words; a choice or a number (a year, 出席) fits in less.
    const short = el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && ["number", "date", "month", "time"].includes(el.type));
    if (typed && box.width < (short ? 64 : minWidth))
      problems.push(`${name} is only ${Math.round(box.width)}px wide`);
  }
  return problems;
}"""


def _pages(world):
    """(persona, name, kwargs, query) of every page a person opens, with a real object each."""
    from roster.models import ImportBatch

    position = PositionFactory(organisation=world.org_a, member=world.member_a)
    batch = ImportBatch.objects.create(
        organisation=world.org_a,
        created_by=world.users["secretary_a"],
        original_name="花名册.xlsx",
        file_format="xlsx",
    )
    with transaction.atomic():
        event = record(actor=world.users["admin"], action="update", target=world.member_a)
    org, member = {"pk": world.org_a.pk}, {"pk": world.member_a.pk}
    assert position.pk
    return [
        ("anonymous", "accounts:login", {}, ""),
        ("admin", "core:home", {}, ""),
        ("admin", "organisations:organisation_tree", {}, ""),
        ("admin", "organisations:organisation_tree", {}, "q=第一支部"),
        ("admin", "organisations:member_list", {}, "status=&order=birth_date"),
        ("admin", "organisations:organisation_create", {"parent_pk": world.org_a.pk}, ""),
        ("admin", "api:docs", {}, ""),
        ("secretary_a", "core:home", {}, ""),
        ("secretary_a", "organisations:organisation_tree", {}, ""),
        ("secretary_a", "organisations:organisation_detail", org, ""),
        ("secretary_a", "organisations:organisation_update", org, ""),
        ("secretary_a", "organisations:position_create", org, ""),
        ("secretary_a", "organisations:member_list", {}, ""),
        ("secretary_a", "organisations:member_create", {}, ""),
        ("secretary_a", "organisations:member_detail", member, ""),
        ("secretary_a", "organisations:member_update", member, ""),
        ("secretary_a", "organisations:member_reveal", member, ""),
        ("secretary_a", "roster:roster_upload", org, ""),
        ("secretary_a", "roster:roster_batch", {"code": batch.code}, ""),
        ("secretary_a", "accounts:password_change", {}, ""),
        ("secretary_a", "accounts:api_token", {}, ""),
        ("member", "core:home", {}, ""),
        ("member", "organisations:member_detail", member, ""),
        ("member", "organisations:organisation_detail", {"pk": world.branch_a.pk}, ""),
        ("auditor", "core:home", {}, ""),
        ("auditor", "audit:event_list", {}, ""),
        ("auditor", "audit:event_detail", {"pk": event.pk}, ""),
        ("security", "core:home", {}, ""),
        ("security", "accounts:account_list", {}, ""),
        ("security", "accounts:account_create", {}, ""),
        ("security", "accounts:account_update", {"pk": world.users["secretary_a"].pk}, ""),
        ("security", "accounts:lockouts", {}, ""),
        ("security", "accounts:sessions", {}, ""),
    ]


# Pages whose phone layout another branch of issue 9 is rewriting: screenshot and checked, but
# their problems make the test an expected failure (naming them) rather than a red suite.
# Remove the entry when that work is merged.
AWAITING: dict[str, str] = {}

PERSONAS = ("anonymous", "admin", "secretary_a", "member", "auditor", "security")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_at_1280_and_375_passes_the_phone_check(browser, live_server, world, persona):
    for n in range(3):
        MemberFactory(organisation=world.branch_a, name=f"和志强{n}")
    pages = [p for p in _pages(world) if p[0] == persona]
    failures: dict[str, list[str]] = {}
    awaiting: dict[str, list[str]] = {}
    errors: list[str] = []
    for viewport in (DESK, PHONE):
        context = browser.new_context(
            viewport=viewport, is_mobile=viewport is PHONE, locale="zh-CN"
        )
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.base_url = live_server.url
        if persona != "anonymous":
            login(tab, persona, PASSWORD)
        for _persona, name, kwargs, query in pages:
            url = reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")
            response = tab.goto(live_server.url + url)
            assert response is not None and response.status == 200, (persona, url)
            tab.wait_for_load_state("networkidle")
            label = f"page-{persona}-{name.replace(':', '-')}{'-search' if query else ''}"
            screenshot(tab, f"{label}-{viewport['width']}")
            if viewport is PHONE:
                problems = tab.evaluate(PHONE_CHECK, MIN_FIELD_WIDTH)
                if problems:
                    (awaiting if name in AWAITING else failures)[url] = problems
        context.close()
        assert not errors, (persona, viewport, errors)
    assert not failures, failures
    assert ARTIFACTS.is_dir()
    if awaiting:
        pytest.xfail(f"awaiting other work of issue 9: {awaiting}")


def test_a_secretary_on_a_phone_finds_a_member_typed_without_the_middle_dot(
    browser, live_server, world
):
    MemberFactory(organisation=world.branch_a, name="扎西·多吉")
    MemberFactory(organisation=world.branch_a, name="次仁·扎西")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    phone = context.new_page()
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.base_url = live_server.url
    login(phone, "secretary_a", PASSWORD)
    phone.locator("button.navbar-toggler").tap()
    phone.locator("nav >> text=党员").tap()
    phone.wait_for_selector("#member-cards")
    # On a phone the filters wait in a drawer; the search box and the cards are on screen.
    expect(phone.locator("#filter-drawer")).to_be_hidden()
    expect(phone.locator("#member-table table")).to_be_hidden()
    phone.locator("#id_q").fill("扎西次仁")
    expect(phone.locator("#member-cards .member-card")).to_have_count(1)
    card = phone.locator("#member-cards .member-card")
    expect(card).to_contain_text("扎西·次仁")
    expect(card).to_contain_text(world.member_a.id_number_masked)
    assert "q=" in phone.url
    screenshot(phone, "journey-phone-1-found-without-dot")
    assert phone.evaluate(PHONE_CHECK, MIN_FIELD_WIDTH) == []
    card.get_by_role("link", name="扎西·次仁").tap()
    phone.wait_for_selector("#member-name")
    expect(phone.locator("#member-name")).to_contain_text("扎西·次仁")
    screenshot(phone, "journey-phone-2-member")
    assert phone.evaluate(PHONE_CHECK, MIN_FIELD_WIDTH) == []
    context.close()
    assert not errors


def test_the_tree_opens_a_level_when_asked_and_searches_open_the_path(page, world):
    from organisations.models import OrganisationKind
    from organisations.tests.factories import OrganisationFactory

    group = OrganisationFactory(
        parent=world.branch_a, name="中共甲局第一支部第一党小组", kind=OrganisationKind.GROUP
    )
    MemberFactory(organisation=group, name="小组成员")
    login(page, "admin", PASSWORD)
    page.goto(page.base_url + reverse("organisations:organisation_tree"))
    org_a = page.locator(f"#org-{world.org_a.pk}")
    expect(org_a.locator("> details")).not_to_have_attribute("open", "")
    expect(page.locator(f"#org-{world.branch_a.pk}")).to_have_count(0)  # not loaded yet
    org_a.locator("> details > summary").click()
    branch = page.locator(f"#org-{world.branch_a.pk}")
    expect(branch).to_be_visible()  # loaded by HTMX when opened
    expect(branch.locator(".tree-count").first).to_contain_text("2 名党员")  # with its group
    screenshot(page, "tree-1-opened-lazily")
    page.fill("#tree-q", "党小组")
    expect(page.locator("#tree-matches")).to_contain_text("找到 1 个党组织")
    expect(page.locator(f"#org-{group.pk} mark")).to_be_visible()
    assert "q=" in page.url
    screenshot(page, "tree-2-search-opens-path")
