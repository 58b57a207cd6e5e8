"""The roster journey in a real browser: upload a messy file, read the preview, fetch the
rejected row, fix it, upload again, apply, roll back; the progress bar of a background batch;
the preview on a 375 px phone."""

from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import login, screenshot
from organisations.models import Member
from organisations.tests.factories import id_number_for
from roster.models import BatchStatus, ImportBatch
from roster.progress import Progress
from roster.tests import samples
from roster.tests.test_roster_import import row

pytestmark = pytest.mark.browser


def messy_rows(broken_id):
    return [
        row(
            姓名="次仁•卓玛",
            民族="藏",
            出生年月="1990.05",
            身份证=id_number_for(date(1990, 5, 20), "female"),
            入党时间="2015年7月",
            转正时间="2016.07",
            支部="甲局第一党支部",
        ),
        row(
            姓名="李  娜",
            身份证=id_number_for(date(1988, 8, 8), "female"),
            出生年月="1988.08",
            入党时间=20120305,
            转正时间="2013-3-5",
        ),
        row(姓名="张伟", 性别="男", 身份证=broken_id, 出生年月="1985.03"),
        [None] * len(samples.HEADERS),
        row(
            姓名="和志强",
            性别="男",
            身份证=id_number_for(date(1979, 11, 30), "male"),
            出生年月="1979.11",
            入党时间="2001.07",
            转正时间="2002.07",
            支部="中共甲局第一支部委员会",
        ),
    ]


def test_upload_preview_fix_reupload_apply_rollback(page, world, tmp_path):
    good_id = id_number_for(date(1985, 3, 12), "male")
    broken_id = float(good_id[:15] + "000")  # what Excel keeps of a number typed into a cell
    source = samples.write_workbook(tmp_path / "甲局花名册.xlsx", messy_rows(broken_id))

    login(page, "secretary_a", PASSWORD)
    page.goto(page.base_url + reverse("organisations:organisation_detail", args=[world.org_a.pk]))
    page.click("#roster-import")
    page.set_input_files("#id_file", str(source))
    page.click("#roster-upload button[type=submit]")
    page.wait_for_selector("#batch-rows")
    expect(page.locator("#batch-actions #apply")).to_contain_text("新增 3 人")
    rejected = page.locator("#batch-rows tr[data-outcome=rejected]")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("Excel")
    expect(page.locator("#batch-rows tr[data-outcome=skipped]")).to_have_count(3)
    screenshot(page, "roster-1-preview")

    with page.expect_download() as download:
        page.click("#download-rejected")
    returned = tmp_path / "rejected.xlsx"
    download.value.save_as(returned)
    sheet = load_workbook(returned).active
    assert sheet.cell(row=4, column=2).value == "张伟"
    assert "Excel" in sheet.cell(row=4, column=sheet.max_column).value

    # The secretary retypes the number as text in their own file and uploads it again.
    workbook = load_workbook(source)
    workbook.active.cell(row=6, column=6).value = good_id
    workbook.save(source)
    page.click("text=重新上传")
    page.set_input_files("#id_file", str(source))
    page.click("#roster-upload button[type=submit]")
    page.wait_for_selector("#batch-rows")
    expect(page.locator("#batch-rows tr[data-outcome=rejected]")).to_have_count(0)
    expect(page.locator("#apply")).to_contain_text("新增 4 人")
    screenshot(page, "roster-2-fixed")

    page.click("#apply")
    expect(page.locator(".alert-success").first).to_contain_text("导入完成：新增 4 人")
    assert Member.objects.filter(name__in=["次仁·卓玛", "李娜", "张伟", "和志强"]).count() == 4
    page.click("#outcome-tabs >> text=新增")
    page.click("#batch-rows >> text=次仁·卓玛")
    page.wait_for_selector("#member-name")
    expect(page.locator("#member-name")).to_contain_text("次仁·卓玛")
    page.go_back()
    screenshot(page, "roster-3-applied")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#rollback")
    expect(page.locator(".alert-success").first).to_contain_text("已撤销")
    assert not Member.objects.filter(name__in=["次仁·卓玛", "李娜", "张伟", "和志强"]).exists()
    screenshot(page, "roster-4-rolled-back")


def test_progress_bar_follows_a_background_batch(page, world):
    batch = ImportBatch.objects.create(
        organisation=world.org_a,
        created_by=world.users["secretary_a"],
        original_name="全州.xlsx",
        file_format="xlsx",
        status=BatchStatus.PREVIEWING,
        background=True,
        estimated_rows=12000,
    )
    meter = Progress(batch.code, phase="preview", total=12000)
    meter.advance(4800)
    meter._write(force=True)
    login(page, "secretary_a", PASSWORD)
    page.goto(page.base_url + reverse("roster:roster_batch", args=[batch.code]))
    expect(page.locator("#roster-progress .progress-bar")).to_have_text("40%")
    screenshot(page, "roster-progress")
    meter.advance(7200)
    meter._write(force=True)
    expect(page.locator("#roster-progress .progress-bar")).to_have_text("100%")
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.PREVIEWED, summary={"rows": 0, "to_create": 0, "to_update": 0}
    )
    # The poll sees the batch done and reloads the page.
    expect(page.locator("#roster-progress")).to_have_count(0)
    expect(page.locator("#batch-actions")).to_contain_text("没有需要导入的行")


def test_preview_fits_a_phone(browser, live_server, world, tmp_path):
    source = samples.write_workbook(
        tmp_path / "r.xlsx",
        messy_rows(float(id_number_for(date(1985, 3, 12), "male")[:15] + "000")),
    )
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.base_url = live_server.url
    login(phone, "secretary_a", PASSWORD)
    phone.goto(live_server.url + reverse("roster:roster_upload", args=[world.org_a.pk]))
    upload_width = phone.evaluate("document.documentElement.scrollWidth")
    screenshot(phone, "phone-roster-upload")
    phone.set_input_files("#id_file", str(source))
    phone.click("#roster-upload button[type=submit]")
    phone.wait_for_selector("#batch-rows")
    width = phone.evaluate("document.documentElement.scrollWidth")
    screenshot(phone, "phone-roster-preview")
    phone.goto(live_server.url + reverse("organisations:member_list"))
    phone.click("#export-options")
    list_width = phone.evaluate("document.documentElement.scrollWidth")
    screenshot(phone, "phone-member-list-export")
    context.close()
    assert (upload_width, width, list_width) == (375, 375, 375)
    assert not errors
