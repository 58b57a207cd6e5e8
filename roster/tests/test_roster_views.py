"""The roster pages and files: upload, preview, columns, apply, rollback, rejected rows,
the blank template, and the member export (masked, or revealed with a reason)."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from core.stored_text import render
from organisations.models import Member, OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory, id_number_for
from roster.models import BatchStatus, ImportBatch
from roster.tests import samples
from roster.tests.test_roster_import import row


def people_rows(count, *, start=1):
    return [
        row(
            姓名=f"测试{n}",
            身份证=id_number_for(date(1980, 1, 1 + n % 28), "female"),
            出生年月="1980.01",
        )
        for n in range(start, start + count)
    ]


def post_file(client, organisation, path, name=None):
    with open(path, "rb") as handle:
        return client.post(
            reverse("roster:roster_upload", args=[organisation.pk]),
            {"file": handle},
        )


def workbook_of(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def latest_batch():
    return ImportBatch.objects.order_by("-pk").first()


def test_upload_previews_and_redirects_to_the_batch(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    path = samples.write_workbook(tmp_path / "花名册.xlsx", people_rows(3))
    response = post_file(client, world.org_a, path)
    batch = latest_batch()
    assert response.status_code == 302 and response.url.endswith(f"/roster/{batch.code}/")
    page = client.get(response.url).content.decode()
    assert "确认导入（新增 3 人，修改 0 人）" in page
    assert "测试1" in page and "表头在第 3 行" in page
    assert "备注 · 未识别，不导入" in page
    assert batch.original_name == "花名册.xlsx" and batch.created_by == world.users["secretary_a"]


def test_upload_refuses_what_is_not_a_roster(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    path = tmp_path / "名单.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    response = post_file(client, world.org_a, path)
    # An .xls is read (issue 8); a damaged one fails with the reason on its page.
    batch = latest_batch()
    assert response.status_code == 302 and batch.status == BatchStatus.FAILED
    assert "无法打开" in client.get(response.url).content.decode()
    path = tmp_path / "名单.pdf"
    path.write_bytes(b"%PDF-1.7" + b"\x00" * 100)
    response = post_file(client, world.org_a, path)
    assert response.status_code == 200
    assert "只能上传" in response.content.decode()
    assert ImportBatch.objects.count() == 1


@pytest.mark.parametrize("count", [3, 30])
def test_batch_page_runs_a_fixed_number_of_queries(
    client, world, tmp_path, count, django_assert_num_queries
):
    client.force_login(world.users["secretary_a"])
    post_file(client, world.org_a, samples.write_workbook(tmp_path / "r.xlsx", people_rows(count)))
    url = reverse("roster:roster_batch", args=[latest_batch().code])
    # session, user, the user's organisation (scope), batch, row count, rows, the names of
    # the organisations the new rows go to
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count('data-outcome="new"') == count


@pytest.mark.parametrize("count", [3, 30])
def test_upload_page_runs_a_fixed_number_of_queries(
    client, world, tmp_path, count, django_assert_num_queries
):
    client.force_login(world.users["secretary_a"])
    for n in range(count // 3):
        ImportBatch.objects.create(
            organisation=world.org_a,
            created_by=world.users["secretary_a"],
            original_name=f"批次{n}.xlsx",
            file_format="xlsx",
        )
    # session, user, scope, organisation, batches; the first request stamps the session (3)
    with django_assert_num_queries(8):
        response = client.get(reverse("roster:roster_upload", args=[world.org_a.pk]))
    body = response.content.decode()
    assert [n for n in range(count // 3) if f"批次{n}.xlsx" in body] == list(range(count // 3))


def test_outcome_tabs_filter_the_rows(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    rows = people_rows(2) + [row(姓名="坏号", 身份证="533401198001011234")]
    post_file(client, world.org_a, samples.write_workbook(tmp_path / "r.xlsx", rows))
    url = reverse("roster:roster_batch", args=[latest_batch().code])
    page = client.get(url, {"outcome": "rejected"}).content.decode()
    assert "坏号" in page and "测试1" not in page


def test_apply_then_rollback_through_the_pages(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    post_file(client, world.org_a, samples.write_workbook(tmp_path / "r.xlsx", people_rows(3)))
    batch = latest_batch()
    response = client.post(reverse("roster:roster_apply", args=[batch.code]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    assert Member.objects.filter(name__startswith="测试").count() == 3
    page = client.get(response.url).content.decode()
    assert "导入完成：新增 3 人，修改 0 人。" in page and "撤销本批次" in page

    response = client.post(
        reverse("roster:roster_rollback", args=[batch.code]), HTTP_HX_REQUEST="true"
    )
    assert response.headers["HX-Redirect"].endswith(f"/roster/{batch.code}/")
    assert not Member.objects.filter(name__startswith="测试").exists()
    assert "已撤销该批次导入。" in client.get(response.headers["HX-Redirect"]).content.decode()


def test_rollback_refusal_is_explained(client, world, tmp_path):
    secretary = world.users["secretary_a"]
    client.force_login(secretary)
    post_file(client, world.org_a, samples.write_workbook(tmp_path / "r.xlsx", people_rows(1)))
    batch = latest_batch()
    client.post(reverse("roster:roster_apply", args=[batch.code]))
    member = Member.objects.get(name="测试1")
    client.post(
        reverse("organisations:member_update", args=[member.pk]),
        {
            "name": "测试1",
            "sex": "female",
            "ethnicity": "01",
            "birth_date": member.birth_date,
            "joined_on": member.joined_on,
            "full_member_on": member.full_member_on,
            "category": "full",
            "organisation": member.organisation_id,
            "status": "active",
            "post": "支部书记",
        },
    )
    response = client.post(reverse("roster:roster_rollback", args=[batch.code]), follow=True)
    assert "不能撤销：第 4 行 测试1：导入后又被修改过。" in response.content.decode()
    assert Member.objects.filter(pk=member.pk).exists()


def test_columns_can_be_mapped_by_hand(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    path = samples.write_workbook(
        tmp_path / "r.xlsx",
        [["王芳", id_number_for(date(1985, 3, 12), "female"), "汉族", "2010.07"]],
        headers=["姓名", "证件", "民族", "入党时间"],
    )
    post_file(client, world.org_a, path)
    batch = latest_batch()
    page = client.get(reverse("roster:roster_batch", args=[batch.code])).content.decode()
    assert "没有找到“身份证号码”列" in page and "证件 · 未识别，不导入" in page
    response = client.post(
        reverse("roster:roster_columns", args=[batch.code]),
        {"col_0": "name", "col_1": "id_number", "col_2": "ethnicity", "col_3": "joined_on"},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert not batch.error and batch.summary["to_create"] == 1
    # The same field twice is refused.
    client.post(
        reverse("roster:roster_columns", args=[batch.code]),
        {"col_0": "name", "col_1": "name"},
    )
    batch.refresh_from_db()
    assert batch.summary["to_create"] == 1


def test_rejected_rows_come_back_to_fix_and_upload_again(client, world, tmp_path):
    admin = world.users["admin"]
    client.force_login(admin)
    good = id_number_for(date(1985, 3, 12), "male")
    broken = float(good[:15] + "000")
    rows = people_rows(2) + [row(姓名="张伟", 性别="男", 身份证=broken)]
    post_file(client, world.org_a, samples.write_workbook(tmp_path / "r.xlsx", rows))
    batch = latest_batch()
    client.post(reverse("roster:roster_apply", args=[batch.code]))
    response = client.get(reverse("roster:roster_rejected", args=[batch.code]))
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]  # clear ID numbers inside
    workbook = workbook_of(response)
    sheet = workbook.active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[2][-1] == "错误原因"
    (fix,) = values[3:]
    assert fix[1] == "张伟" and "Excel" in fix[-1] and "第 6 行" in fix[-1]
    assert fix[5] == f"{broken:.15g}".upper()  # as Excel showed it: 5.33401198503122E+17
    assert sheet.cell(row=4, column=6).number_format == "@"
    assert AuditEvent.objects.filter(batch=batch.code, action="export").exists()

    sheet.cell(row=4, column=6).value = good  # the user retypes the number
    fixed = tmp_path / "fixed.xlsx"
    workbook.save(fixed)
    post_file(client, world.org_a, fixed)
    again = latest_batch()
    assert again.summary["to_create"] == 1 and again.summary["rejected"] == 0
    assert "错误原因" in [c["header"] for c in again.columns if c["field"] == "ignore"]


def test_blank_template_has_the_headers_and_instructions(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    response = client.get(reverse("roster:roster_template"))
    workbook = workbook_of(response)
    sheet = workbook["党员花名册"]
    headers = [c.value for c in sheet[3]]
    assert headers[:6] == ["序号", "姓名", "性别", "民族", "出生日期", "身份证号码"]
    assert sheet["F4"].number_format == "@"
    assert "填表说明" in workbook.sheetnames
    assert len(sheet.data_validations.dataValidation) >= 4

    # Filled in, it imports.
    sheet.append(
        [
            1,
            "王芳",
            "女",
            "汉族",
            None,
            id_number_for(date(1985, 3, 12), "female"),
            "大学本科",
            "2010.07",
            "2011.07",
            "正式党员",
            "中共甲局第一支部委员会",
        ]
    )
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    post_file(client, world.org_a, filled)
    batch = latest_batch()
    assert batch.summary["to_create"] == 1, list(batch.rows.values_list("messages", flat=True))


def test_export_masks_id_numbers(client, db):
    bureau = OrganisationFactory(name="中共丁局委员会", kind=OrganisationKind.PARTY_COMMITTEE)
    branch = OrganisationFactory(parent=bureau)
    members = [MemberFactory(organisation=branch, name=name) for name in ("阿旺", "白玛")]
    MemberFactory(organisation=OrganisationFactory(), name="外单位")
    client.force_login(UserFactory(role=Role.SECRETARY, organisation=bureau))
    response = client.get(reverse("roster:member_export"))
    sheet = workbook_of(response).active
    assert sheet["A1"].value == "中共丁局委员会党员花名册"
    assert sheet["A2"].value.startswith("填报单位：中共丁局委员会")
    assert [c.value for c in sheet[3]][:3] == ["序号", "姓名", "性别"]
    data = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    assert [(r[1], r[5]) for r in data] == [(m.name, m.id_number_masked) for m in members]
    assert ("A1:O1") in {str(r) for r in sheet.merged_cells.ranges}
    event = AuditEvent.objects.get(action="export")
    assert event.changes["id_numbers"] == "masked"


def test_export_reveals_id_numbers_with_a_reason(client, world):
    secretary = world.users["secretary_a"]
    client.force_login(secretary)
    response = client.post(reverse("roster:member_export"), {"reason": "报送年度统计"})
    sheet = workbook_of(response).active
    data = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    assert data[0][5] == world.member_a.id_number
    assert world.member_b.name not in str(data)
    event = AuditEvent.objects.get(action="export")
    assert (event.reason, event.changes["id_numbers"], event.actor) == (
        "报送年度统计",
        "clear",
        secretary,
    )


def test_export_reveal_needs_a_reason_and_the_right(client, world):
    client.force_login(world.users["secretary_a"])
    response = client.post(reverse("roster:member_export"), {"reason": ""})
    assert response.status_code == 302 and not AuditEvent.objects.filter(action="export").exists()
    client.force_login(world.users["member"])
    assert client.post(reverse("roster:member_export"), {"reason": "看看"}).status_code == 404


def test_a_revealed_export_imports_back_unchanged(client, db, tmp_path):
    client.force_login(UserFactory(role=Role.COMMITTEE_ADMIN))
    bureau = OrganisationFactory(kind=OrganisationKind.PARTY_COMMITTEE)
    branch = OrganisationFactory(parent=bureau, name="中共戊局第一支部委员会")
    MemberFactory(organisation=OrganisationFactory(), name="外单位")  # not in the export
    MemberFactory(
        organisation=branch,
        name="次仁·卓玛",
        sex="female",
        ethnicity="04",
        birth_date=date(1990, 5, 20),
        joined_on=date(2015, 7, 1),
        full_member_on=None,
        category="probationary",
        education="bachelor",
        unit="甲局",
        post="科员",
        phone="08878221234",
    )
    month = MemberFactory(
        organisation=bureau, name="李娜", sex="female", birth_date=date(1988, 8, 8)
    )
    Member.objects.filter(pk=month.pk).update(
        joined_on=date(2012, 3, 1), joined_on_precision="month"
    )
    MemberFactory(organisation=branch, name="和志强", phone="", post="", unit="")
    response = client.post(
        reverse("roster:member_export") + f"?organisation={bureau.pk}",
        {"reason": "核对花名册"},
    )
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    post_file(client, bureau, path)
    batch = latest_batch()
    summary = {k: v for k, v in batch.summary.items() if v}
    assert summary == {"unchanged": 3, "rows": 3}, list(batch.rows.values_list("messages", "diff"))


def test_progress_is_polled_while_a_task_runs(client, world):
    client.force_login(world.users["secretary_a"])
    batch = ImportBatch.objects.create(
        organisation=world.org_a,
        original_name="大.xlsx",
        file_format="xlsx",
        status=BatchStatus.PREVIEWING,
        background=True,
    )
    from roster.progress import Progress

    meter = Progress(batch.code, phase="preview", total=20000)
    meter.advance(5000)
    meter._write(force=True)
    url = reverse("roster:roster_batch", args=[batch.code])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "25%" in page
    partial = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roster-progress")
    assert partial.content.decode().lstrip().startswith('<section id="roster-progress"')
    assert "5000 / 20000" in partial.content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.PREVIEWED)
    done = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roster-progress")
    assert done.headers["HX-Refresh"] == "true"


def test_other_scopes_never_see_a_batch(client, world, tmp_path):
    client.force_login(world.users["secretary_a"])
    post_file(client, world.org_a, samples.write_workbook(tmp_path / "r.xlsx", people_rows(1)))
    batch = latest_batch()
    assert batch.status == BatchStatus.PREVIEWED
    client.force_login(world.users["secretary_b"])
    for name in ("roster_batch", "roster_rejected"):
        response = client.get(reverse(f"roster:{name}", args=[batch.code]))
        assert response.status_code == 404
        assert "测试1" not in response.content.decode()
    for name in ("roster_columns", "roster_apply", "roster_rollback"):
        response = client.post(reverse(f"roster:{name}", args=[batch.code]), {"col_0": "name"})
        assert response.status_code == 404
    # Nothing was applied, previewed again or recorded on secretary B's behalf.
    previewed_at = batch.previewed_at
    batch.refresh_from_db()
    assert (batch.status, batch.previewed_at) == (BatchStatus.PREVIEWED, previewed_at)
    assert not Member.objects.filter(name="测试1").exists()
    assert not AuditEvent.objects.filter(actor=world.users["secretary_b"]).exists()


def test_an_oversized_upload_is_cut_off(client, world, tmp_path, settings):
    settings.ROSTER_MAX_UPLOAD_MB = 1
    client.force_login(world.users["secretary_a"])
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * (2 * 1024 * 1024))
    response = post_file(client, world.org_a, path)
    assert response.status_code == 200
    assert "文件超过 1 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_upload_still_needs_the_csrf_token(world, tmp_path):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["secretary_a"])
    path = samples.write_workbook(tmp_path / "r.xlsx", people_rows(1))
    assert post_file(client, world.org_a, path).status_code == 403


@pytest.mark.parametrize("year", ["0", "-5", "10000", "99999999999999999999"])
def test_export_with_a_bad_filter_goes_back_to_the_list_and_says_why(client, world, year):
    """Issue 7, item 11: was a server error; nothing is exported or audited."""
    client.force_login(world.users["admin"])
    response = client.get(reverse("roster:member_export"), {"joined_year": year}, follow=True)
    assert response.redirect_chain[0][1] == 302
    assert response.redirect_chain[0][0].startswith(reverse("organisations:member_list"))
    assert "筛选条件有误，未导出：入党年份：请输入 1921 至 9999 之间的年份。" in (
        response.content.decode()
    )
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_masked_export_edited_and_uploaded_changes_only_the_edits(client, world, tmp_path):
    """Issue 8: the export's hidden member key matches masked rows to their members."""
    a, b = world.member_a, MemberFactory(organisation=world.branch_a, name="白玛", unit="甲局")
    client.force_login(world.users["secretary_a"])
    response = client.get(reverse("roster:member_export"), {"organisation": world.org_a.pk})
    workbook = workbook_of(response)
    sheet = workbook.active
    header = [c.value for c in sheet[3]]
    assert header[-1] == "党员编号（勿改）" and sheet.column_dimensions["P"].hidden
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=4)}
    assert "*" in rows["白玛"][5].value  # masked
    rows["白玛"][header.index("工作单位")].value = "乙局"
    path = tmp_path / "改过的花名册.xlsx"
    workbook.save(path)
    batch_response = post_file(client, world.org_a, path)
    batch = latest_batch()
    assert batch.summary["update"] == 1 and batch.summary["rejected"] == 0, list(
        batch.rows.values_list("messages", flat=True)
    )
    changed = batch.rows.get(outcome="update")
    assert changed.member == b and changed.diff == {"unit": ["甲局", "乙局"]}
    assert changed.id_number_masked == b.id_number_masked
    assert batch.rows.get(member=a).outcome == "unchanged"
    assert "乙局" in client.get(batch_response.url).content.decode()
    client.post(reverse("roster:roster_apply", args=[batch.code]))
    b.refresh_from_db()
    assert b.unit == "乙局" and b.id_number_masked == changed.id_number_masked
    event = AuditEvent.objects.get(batch=batch.code, action="update", target_id=str(b.pk))
    assert event.changes == {"unit": ["甲局", "乙局"]}
    # A key edited by hand, or one naming a member out of scope, matches nothing.
    rows["白玛"][-1].value = rows["白玛"][-1].value[:-1] + "x"
    workbook.save(path)
    post_file(client, world.org_a, path)
    rejected = latest_batch().rows.get(name="白玛")
    assert rejected.outcome == "rejected" and "不是本平台导出的党员编号" in render(
        rejected.messages[0]
    )


def test_the_preview_shows_what_each_new_row_will_store(client, world, tmp_path):
    from roster.tests.test_roster_layouts import xlsx

    first_id, second_id = (id_number_for(date(1960, 3, 12), sex) for sex in ("female", "male"))
    rows = [
        ["姓名", "身份证号码", "民族", "入党时间", "转正时间", "学历", "所在党支部"],
        ["王芳", first_id, "藏", "1985年7月1日", 31413, "党校大学", "甲局第一党支部"],
        ["李强", second_id, "汉", "198507", "", "", ""],
    ]
    client.force_login(world.users["secretary_a"])
    response = post_file(client, world.org_a, xlsx(tmp_path / "r.xlsx", rows))
    page = client.get(response.url).content.decode()
    first, second = page.split('data-outcome="new"')[1:3]
    expected = (
        "入党时间：</span>1985-07-01",
        "转正时间：</span>1986-01-01",  # an Excel serial day number
        "民族：</span>藏族",
        "学历：</span>大学本科",
        "所在党支部：</span>中共甲局第一支部委员会",
    )
    for text in expected:
        assert text in first, text
    assert "入党时间：</span>1985-07<" in second and "所在党支部：</span>中共甲局委员会" in second
