"""The issue's journey in a real browser: a secretary schedules a meeting, records it with
attendance, sees the compliance cell turn green and the members' study hours rise, opens the
PDF; the committee admin sees the roll-up. At 1280 px and again at 375 px (a phone), where the
attendance rows are cards and the month calendar a list, each passing the phone check."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import login, screenshot
from core.tests.test_browser_pages import MIN_FIELD_WIDTH, PHONE, PHONE_CHECK
from learning.selectors import member_year_hours
from organisations.tests.factories import MemberFactory

pytestmark = pytest.mark.browser


DESKTOP = {"width": 1280, "height": 900}


def phone_check(page, viewport):
    if viewport == PHONE:
        assert page.evaluate(PHONE_CHECK, MIN_FIELD_WIDTH) == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
def test_secretary_records_a_meeting_and_the_admin_sees_the_rollup(page, world, viewport):
    page.set_viewport_size(viewport)
    size = viewport["width"]
    for n in range(3):
        MemberFactory(organisation=world.branch_a, name=f"和志强{n}")
    when = timezone.localtime() - timedelta(hours=3)
    login(page, "secretary_a", PASSWORD)
    page.goto(
        page.base_url + reverse("meetings:meeting_create") + f"?organisation={world.branch_a.pk}"
    )
    page.select_option("#id_kind", "theme_day")
    page.fill("#id_title", "主题党日：重温入党誓词")
    page.fill("#id_starts_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (when + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_study_hours", "2")
    page.click("#meeting-form button[type=submit]")
    page.wait_for_selector("#record-attendance")
    screenshot(page, f"meetings-1-scheduled-{size}")
    phone_check(page, viewport)

    page.goto(page.base_url + reverse("meetings:meeting_calendar"))
    if viewport == PHONE:  # the grid gives way to a list of the month's meetings
        expect(page.locator("#calendar")).to_be_hidden()
        expect(page.locator("#calendar-list")).to_contain_text("主题党日：重温入党誓词")
    else:
        expect(page.locator("#calendar")).to_contain_text("主题党日")
    phone_check(page, viewport)
    screenshot(page, f"meetings-1b-calendar-{size}")
    page.go_back()

    page.click("#record-attendance")
    page.wait_for_selector("#attendance-form")
    phone_check(page, viewport)
    # Every member's controls are on screen, one card each on a phone: mark one excused.
    excused = page.locator("#attendance-table tbody tr", has_text="和志强0")
    excused.locator("select[name^=status_]").select_option("excused")
    excused.locator("select[name^=reason_]").select_option(index=1)
    screenshot(page, f"meetings-1c-attendance-{size}")
    page.click("#attendance-save")
    expect(page.locator("#meeting-status")).to_have_text("已召开")
    expect(page.locator("#meeting-figures")).to_contain_text("4 / 3")
    assert member_year_hours(world.member_a, when.year) == 2

    page.goto(
        page.base_url
        + reverse("meetings:compliance_dashboard")
        + f"?organisation={world.branch_a.pk}&year={when.year}"
    )
    cell = page.locator(
        f"#own-cells a.compliance-cell[data-kind=theme_day][data-period='{when:%Y-%m}']"
    )
    expect(cell).to_have_attribute("data-status", "held")
    screenshot(page, f"meetings-2-compliance-green-{size}")
    phone_check(page, viewport)
    response = page.request.get(
        page.base_url + reverse("meetings:meeting_pdf", args=[cell_meeting_pk()])
    )
    assert response.status in (200, 503)  # 503: Pango missing, with a clear message

    page.context.clear_cookies()  # signed out (the menu sits in a collapsed bar on a phone)
    login(page, "admin", PASSWORD)
    page.goto(page.base_url + reverse("meetings:compliance_dashboard") + f"?year={when.year}")
    expect(page.locator("#child-rollups")).to_contain_text("中共甲局委员会")
    expect(page.locator("#rollup-share")).not_to_have_text("—")
    screenshot(page, f"meetings-3-rollup-{size}")
    phone_check(page, viewport)


def cell_meeting_pk():
    from meetings.models import Meeting

    return Meeting.objects.get(title="主题党日：重温入党誓词").pk


def test_long_meeting_titles_stay_on_a_phone_screen(page, world):
    """The meeting list and a member's attendance are cards on a phone: a long title (the demo
    data's) never pushes its link off the screen; the calendar and the compliance page too."""
    from meetings import compliance, services
    from meetings.models import MeetingKind, MeetingStatus

    when = timezone.localtime() - timedelta(days=2)
    title = "11月主题党日：“不忘初心、牢记使命”专题学习暨红色教育基地现场教学"
    meeting = services.meeting_create(
        actor=world.users["admin"],
        organisation=world.branch_a,
        kind=MeetingKind.THEME_DAY,
        status=MeetingStatus.HELD,
        title=title,
        starts_at=when,
        ends_at=when + timedelta(hours=2),
    )
    services.attendance_record(
        actor=world.users["admin"],
        meeting=meeting,
        rows=[services.AttendanceRow(world.member_a.pk, "present")],
    )
    compliance.recompute(years=[when.year])
    page.set_viewport_size(PHONE)
    login(page, "secretary_a", PASSWORD)
    for url in (
        reverse("meetings:meeting_list"),
        reverse("meetings:member_attendance", args=[world.member_a.pk]),
        reverse("meetings:meeting_calendar") + f"?month={when:%Y-%m}",
        reverse("meetings:compliance_dashboard") + f"?organisation={world.branch_a.pk}",
    ):
        page.goto(page.base_url + url)
        assert page.evaluate(PHONE_CHECK, MIN_FIELD_WIDTH) == [], url
    expect(page.locator("#own-cells")).to_be_visible()
