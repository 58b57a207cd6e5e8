"""Roster files as organs and other systems really lay them out (issue 8).

Each fixture reproduces a published template's layout, built in code with synthetic people
(the source is noted beside it; the published files are never copied into the project): its
title rows, merged cells, header wording, hint rows, notes blocks and value styles. Each one
imports without editing, or is refused for a reason the page states. Everything goes
through the real pages: upload, the batch page, the column mapping form, apply.
"""

import csv
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import xlwt
from openpyxl import Workbook

from audit.models import AuditEvent
from core.stored_text import render
from organisations.id_numbers import check_digit
from organisations.models import Member, MemberCategory, MemberStatus
from organisations.tests.factories import MemberFactory, id_number_for
from roster.models import BatchStatus, ImportRow, RowOutcome
from roster.tests.test_roster_views import latest_batch, post_file

pytestmark = pytest.mark.django_db


def xlsx(path: Path, rows: list[list], *, merged: tuple[str, ...] = ()) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    workbook.save(path)
    return path


def xls(path: Path, rows: list[list], *, date_format: str = "yyyy-mm-dd") -> Path:
    """The old binary format (BIFF8), as Java systems still export it."""
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Sheet1")
    dated = xlwt.easyxf(num_format_str=date_format)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date | datetime):
                sheet.write(r, c, value, dated)
            elif value is not None:
                sheet.write(r, c, value)
    workbook.save(str(path))
    return path


def ods(path: Path, rows: list[list]) -> Path:
    """An OpenDocument spreadsheet as LibreOffice / WPS save it (text cells only)."""
    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{value}</text:p>'
            "</table:table-cell>"
            for value in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        f"{cells}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def upload_page(client, world, path):
    """Upload as secretary_a into 中共甲局委员会; the batch and its page."""
    client.force_login(world.users["secretary_a"])
    response = post_file(client, world.org_a, path)
    assert response.status_code == 302
    batch = latest_batch()
    return batch, client.get(response.url).content.decode()


def apply(client, batch):
    response = client.post(f"/roster/{batch.code}/apply/")
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def created(batch):
    return Member.objects.filter(
        pk__in=ImportRow.objects.filter(batch=batch, applied="create").values("member")
    )


# --- xvchaoqun/owip @167d5c78c9bc :
#     doc/excel/党建/[sample_member_inSchool]党员信息（校内人员）录入样表.xlsx
# One header row; 党籍状态 holds 正式党员 / 预备党员 (the category); dates as real dates; a
# notes block "填写注意事项：…" merged over nine columns and fifteen rows under the data. It
# has no ID number column (people are keyed by 学工号), so it is refused, saying which
# column is missing and which
# columns it found; with the ID number and 民族 columns a registry needs added (as an organ
# exporting its 花名册 has them), it imports.

OWIP_HEADERS = [
    "学工号",
    "姓名",
    "所在分党委编码",
    "所在分党委",
    "所在党支部编码",
    "所在党支部",
    "党籍状态（正式党员或预备党员）",
    "组织关系转入时间",
    "提交书面申请书时间",
    "确定为入党积极分子时间",
    "确定为发展对象时间",
    "入党介绍人",
    "入党时间",
    "入党时所在党支部",
    "转正时间",
    "转正时所在党支部",
    "党内职务",
]
OWIP_NOTES = (
    "填写注意事项：\n\n1、本表仅提供给校内人员使用。\n2、请按字段批注填写，字段及字段顺序请勿删除或调整。"
    "\n3、标红字段必须填写完整。\n4、导入前请删除第一行样表数据和此注意事项。"
)


def owip_rows(people, *, with_id=False):
    header = OWIP_HEADERS + (["身份证号码", "民族"] if with_id else [])
    rows = [header]
    for n, (name, number, category, joined, full) in enumerate(people):
        rows.append(
            [
                11312018000 + n,
                name,
                "020100",
                "中共甲局委员会",
                "020100080",
                "甲局第一党支部",
                category,
                None,
                datetime(joined.year - 2, 11, 6),
                datetime(joined.year - 1, 4, 10),
                datetime(joined.year - 1, 4, 14),
                None,
                datetime(joined.year, joined.month, joined.day),
                None,
                datetime(full.year, full.month, full.day) if full else None,
                None,
                None,
            ]
            + ([number, "藏族"] if with_id else [])
        )
    rows += [[None] * 5 for _ in range(4)]
    rows.append([None, None, OWIP_NOTES])
    return rows


def test_owip_layout_without_id_numbers_is_refused_saying_what_it_found(client, world, tmp_path):
    people = [("测试甲", "", "正式党员", date(2017, 6, 9), date(2018, 6, 9))]
    path = xlsx(tmp_path / "党员信息录入样表.xlsx", owip_rows(people), merged=("C8:I22",))
    batch, page = upload_page(client, world, path)
    assert batch.status == BatchStatus.PREVIEWED and batch.applicable_count == 0
    assert "没有找到“身份证号码”列" in batch.error_message and "“学工号”" in batch.error_message
    assert "没有找到“身份证号码”列" in page and 'id="columns-form"' in page
    # The content check already reads 党籍状态 as the category it holds.
    status = next(c for c in batch.columns if c["header"].startswith("党籍状态"))
    assert status["field"] == "category"
    assert "不是党籍状态，而是人员类别" in render(status["reason"]) and "“正式党员”" in render(
        status["reason"]
    )
    assert "不是党籍状态，而是人员类别" in page


def test_owip_layout_with_an_id_column_imports_and_skips_the_notes(client, world, tmp_path):
    full, probationary = (
        id_number_for(date(1990, 5, 20), "female"),
        id_number_for(date(1995, 1, 2), "male"),
    )
    people = [
        ("央金", full, "正式党员", date(2017, 6, 9), date(2018, 6, 9)),
        ("李明", probationary, "预备党员", date(2025, 6, 1), None),
    ]
    rows = owip_rows(people, with_id=True)
    rows[1][5] = "中共甲局第一支部委员会"
    rows[2][5] = "中共甲局第一支部委员会"
    path = xlsx(tmp_path / "党员信息录入样表.xlsx", rows, merged=("C8:I22",))
    batch, page = upload_page(client, world, path)
    assert batch.summary["rejected"] == 0, list(ImportRow.objects.values_list("messages"))
    assert batch.summary["to_create"] == 2
    notes = ImportRow.objects.get(batch=batch, row_number=8)
    assert notes.outcome == RowOutcome.SKIPPED and "注意事项" in render(notes.messages[0])
    batch = apply(client, batch)
    assert batch.status == BatchStatus.APPLIED
    yangjin = Member.objects.get(name="央金")
    assert yangjin.category == MemberCategory.FULL and yangjin.organisation == world.branch_a
    assert Member.objects.get(name="李明").category == MemberCategory.PROBATIONARY
    assert AuditEvent.objects.filter(batch=batch.code, action="create").count() == 2


# --- xvchaoqun/owip @167d5c78c9bc : doc/excel/党建/[sample_memberIn]组织关系转入录入样表.xlsx
# A row of hints ("必填", "预备党员或正式党员") right under the header; 类别 holds 正式党员;
# 转入党支部 names the branch. Refused for its missing ID number column, never for the hints.


def test_owip_transfer_layout_skips_its_hint_row(client, world, tmp_path):
    number = id_number_for(date(1988, 8, 8), "female")
    rows = [
        [
            "学工号",
            "姓名",
            "类别",
            "转入党委",
            "转入党支部",
            "党籍状态",
            "入党时间",
            "转正时间",
            "身份证号码",
        ],
        [
            "必填",
            "",
            "必填，与系统内保持一致",
            "必填，与系统内名称保持一致",
            "必填，与系统内名称保持一致",
            "预备党员或正式党员",
            "",
            "",
            "必填",
        ],
        [
            "20200001",
            "卓玛",
            "正式党员",
            "中共甲局委员会",
            "甲局第一党支部",
            "正式党员",
            "2012.07",
            "2013.07",
            number,
        ],
    ]
    batch, _page = upload_page(client, world, xlsx(tmp_path / "组织关系转入.xlsx", rows))
    hint = ImportRow.objects.get(batch=batch, row_number=2)
    assert hint.outcome == RowOutcome.SKIPPED and "填写提示行" in render(hint.messages[0])
    # 类别 and 党籍状态 both hold the category: the first keeps it, the second has no field.
    by_header = {c["header"]: c for c in batch.columns}
    assert by_header["类别"]["field"] == "category"
    assert by_header["党籍状态"]["field"] is None and "不是党籍状态" in render(
        by_header["党籍状态"]["reason"]
    )
    # No 民族: the row imports all the same, saying so by column and row; the member is then
    # 资料不全 (incomplete) until completed.
    row = ImportRow.objects.get(batch=batch, row_number=3)
    assert row.outcome == RowOutcome.WARNING
    assert any("第 3 行，民族：未填写；仍可导入" in render(m) for m in row.messages)


# --- 597344951/bc @e60121df9101 : src/main/resources/importPartyUsersExcelExample.xlsx
# Title "党员信息表-导入" merged over A1:Q1; 教育程度; 政治背景 holding 中共党员 / 中共预备党员
# (the category, under a header we do not know); 入党时间（yyyy/mm/dd） as text; columns we do not
# import (居住地址, 邮箱, QQ, 微信, 是否党务工作者 …). Imports without editing.

BC_HEADERS = [
    "姓名",
    "性别",
    "身份证号码",
    "手机号码",
    "居住地址",
    "民族",
    "教育程度",
    "邮箱",
    "QQ",
    "微信",
    "政治背景",
    "入党时间（yyyy/mm/dd）",
    "是否党务工作者",
    "是否党代表",
    "是否志愿者",
    "是否困难党员",
    "是否先进党员",
]


def bc_rows(people):
    rows = [["党员信息表-导入"], BC_HEADERS]
    for name, sex, number, education, background, joined in people:
        rows.append(
            [
                name,
                sex,
                number,
                "13887654321",
                "香格里拉市建塘镇",
                "藏族",
                education,
                "a@example.cn",
                "10001",
                "wx",
                background,
                joined,
                "否",
                "否",
                "是",
                "否",
                "否",
            ]
        )
    return rows


def test_bc_layout_imports_reading_the_category_from_its_content(client, world, tmp_path):
    people = [
        (
            "扎西",
            "男",
            id_number_for(date(1980, 3, 1), "male"),
            "大学本科（等效）",
            "中共党员",
            "2005/07/01",
        ),
        (
            "拉姆",
            "女",
            id_number_for(date(1999, 3, 1), "female"),
            "党校研究生",
            "中共预备党员",
            "2025/07/01",
        ),
    ]
    path = xlsx(tmp_path / "importPartyUsers.xlsx", bc_rows(people), merged=("A1:Q1",))
    batch, page = upload_page(client, world, path)
    background = next(c for c in batch.columns if c["header"] == "政治背景")
    assert background["field"] == "category"
    assert "列名未能识别，但内容" in render(background["reason"]) and "“中共党员”" in render(
        background["reason"]
    )
    assert "列名未能识别" in page
    assert batch.summary["to_create"] == 2 and batch.summary["rejected"] == 0
    batch = apply(client, batch)
    zhaxi, lamu = Member.objects.get(name="扎西"), Member.objects.get(name="拉姆")
    assert (zhaxi.category, zhaxi.education) == (MemberCategory.FULL, "bachelor")
    assert (lamu.category, lamu.education) == (MemberCategory.PROBATIONARY, "postgraduate")
    assert zhaxi.joined_on == date(2005, 7, 1) and zhaxi.ethnicity == "04"


# --- myGitHub-baobao138/dangjian-springboot @ecd36102e0ae :
#     src/main/resources/static/excel/党员信息表.xlsx
# Title merged over A1:H1; 姓名, 电话号码, 职务, 组织, 类别, 性别, 学号/工号, 入党时间: no ID
# number. Refused, naming the missing column.


def test_baobao_layout_without_id_numbers_is_refused(client, world, tmp_path):
    rows = [
        ["党员信息表"],
        ["姓名", "电话号码", "职务", "组织", "类别", "性别", "学号/工号", "入党时间"],
        ["王芳", "13887654321", "科员", "甲局第一党支部", "正式党员", "女", "1001", "2010-07-01"],
    ]
    batch, page = upload_page(
        client, world, xlsx(tmp_path / "党员信息表.xlsx", rows, merged=("A1:H1",))
    )
    assert "没有找到“身份证号码”列" in batch.error_message and "“学号/工号”" in batch.error_message
    assert batch.applicable_count == 0 and "没有找到“身份证号码”列" in page


# --- YJH-JianHui/roster @ba6f28e39b02 : 花名册.xlsx (a company's staff roster)
# A title padded with spaces; 身份证号, 政治面貌, 学历, 一级部门; no 入党时间 at all; its
# 劳务派遣 sheet has 人员类别（总公司） holding 正式员工 (a staff type). 政治面貌 says who is a
# party member: 群众 is refused, 中共党员 imports without its 入党时间 (资料不全, a warning), and
# 人员类别 is not forced onto the party category.


def by_header_field(batch, header):
    return next(c["field"] for c in batch.columns if c["header"] == header)


def test_staff_roster_imports_its_party_members_and_its_staff_type_is_not_the_category(
    client, world, tmp_path
):
    rows = [
        ["    昆明某科技有限公司员工花名册"],
        [
            "序号",
            "姓名",
            "性别",
            "身份证号",
            "一级部门",
            "人员类别（总公司）",
            "联系方式",
            "民族",
            "政治面貌",
            "学历",
        ],
        [
            1,
            "张伟",
            "男",
            id_number_for(date(1990, 1, 1), "male"),
            "研发部",
            "正式员工",
            "13800000000",
            "汉族",
            "群众",
            "本科",
        ],
        [
            2,
            "李娜",
            "女",
            id_number_for(date(1992, 1, 1), "female"),
            "财务部",
            "劳务派遣",
            "13800000001",
            "汉族",
            "中共党员",
            "大专",
        ],
    ]
    batch, page = upload_page(client, world, xlsx(tmp_path / "花名册.xlsx", rows))
    kind = next(c for c in batch.columns if c["header"].startswith("人员类别"))
    assert kind["field"] is None
    assert "不是人员类别，也不像其他可导入的项" in render(
        kind["reason"]
    ) and "“正式员工”" in render(kind["reason"])
    assert by_header_field(batch, "政治面貌") == "category"
    assert batch.summary["rejected"] == 1 and batch.applicable_count == 1
    refused = ImportRow.objects.get(batch=batch, name="张伟")
    assert refused.outcome == RowOutcome.REJECTED
    assert any("“群众”表明此人不是中共党员" in render(m) for m in refused.messages)
    member = ImportRow.objects.get(batch=batch, name="李娜")
    assert member.outcome == RowOutcome.WARNING
    assert "入党时间：未填写；仍可导入" in page


# --- The issue's own case: 党籍状态 holding 正式党员 / 预备党员 next to 人员类别 holding
# 在职教职工 / 普通编制 (both seen in published school templates, e.g. owip's).


def test_columns_whose_header_and_content_disagree(client, world, tmp_path):
    rows = [
        ["姓名", "身份证号码", "民族", "入党时间", "党籍状态", "人员类别"],
        [
            "王芳",
            id_number_for(date(1985, 3, 12), "female"),
            "汉族",
            "2010.07",
            "正式党员",
            "在职教职工",
        ],
        ["李强", id_number_for(date(1986, 3, 12), "male"), "汉族", "2025.07", "预", "普通编制"],
    ]
    batch, page = upload_page(client, world, xlsx(tmp_path / "名册.xlsx", rows))
    fields = [c["field"] for c in batch.columns]
    assert fields == ["name", "id_number", "ethnicity", "joined_on", "category", None]
    assert "“党籍状态”列的内容（“正式党员”、“预”）不是党籍状态，而是人员类别" in page
    assert "“人员类别”列的内容（“在职教职工”、“普通编制”）不是人员类别" in page
    batch = apply(client, batch)
    assert Member.objects.get(name="李强").category == MemberCategory.PROBATIONARY
    # The importer may still map by hand: the proposal is only a proposal.
    assert batch.columns[4]["auto"]


def test_values_that_cannot_be_read_name_column_row_and_accepted_values(client, world, tmp_path):
    rows = [
        ["姓名", "身份证号码", "民族", "入党时间", "人员类别", "党员状态", "教育程度"],
        [
            "王芳",
            id_number_for(date(1985, 3, 12), "female"),
            "汉族",
            "2010.07",
            "正式党员",
            "予以除名",
            "大学本科",
        ],
        [
            "李强",
            id_number_for(date(1986, 3, 12), "male"),
            "汉族",
            "2010.07",
            "正式党员",
            "正常",
            "博士后",
        ],
        [
            "赵敏",
            id_number_for(date(1987, 3, 12), "female"),
            "汉族",
            "2010.07",
            "党员",
            "正常",
            "大学",
        ],
        [
            "钱进",
            id_number_for(date(1988, 3, 12), "male"),
            "汉族",
            "2010.07",
            "正式党员",
            "正常",
            "大学",
        ],
    ]
    batch, _page = upload_page(client, world, xlsx(tmp_path / "名册.xlsx", rows))
    messages = {
        r.row_number: [render(m) for m in r.messages] for r in ImportRow.objects.filter(batch=batch)
    }
    assert any(
        m.startswith("第 2 行，党员状态：“予以除名”是本平台尚未登记的党籍状态")
        and "可填：正常" in m
        for m in messages[2]
    )
    assert any(
        m.startswith("第 3 行，教育程度：“博士后”不是可识别的学历，可填：研究生")
        for m in messages[3]
    )
    assert any(
        m.startswith("第 4 行，人员类别：“党员”不是有效的人员类别，可填：正式党员、预备党员")
        for m in messages[4]
    )
    assert ImportRow.objects.get(batch=batch, row_number=5).outcome == RowOutcome.NEW


# --- Few columns: 姓名 + 身份证号码 (a list to check or update the registry).


def test_a_table_of_names_and_id_numbers_updates_the_registry(client, world, tmp_path):
    member = MemberFactory(organisation=world.branch_a, name="王芳芳")
    rows = [["姓名", "身份证号码"], ["王芳", member.id_number]]
    batch, page = upload_page(client, world, xlsx(tmp_path / "核对.xlsx", rows))
    assert not batch.error and batch.summary["update"] == 1
    apply(client, batch)
    member.refresh_from_db()
    assert member.name == "王芳"
    event = AuditEvent.objects.get(batch=batch.code, action="update", target_id=str(member.pk))
    assert event.changes["name"] == ["王芳芳", "王芳"]


def test_an_uncertain_header_is_mapped_by_hand(client, world, tmp_path):
    member = MemberFactory(organisation=world.branch_a)
    rows = [["人员", "号码"], ["王芳", member.id_number]]
    batch, page = upload_page(client, world, xlsx(tmp_path / "名单.xlsx", rows))
    # Found by the ID numbers under it; 号码 is proposed, 人员 left to the importer.
    assert [c["field"] for c in batch.columns] == [None, "id_number"]
    assert "没有找到“姓名”列（第 1 行的列名是：“人员”、“号码”）" in page
    response = client.post(
        f"/roster/{batch.code}/columns/", {"col_0": "name", "col_1": "id_number"}
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert not batch.error and batch.summary["update"] == 1


def test_no_header_at_all_says_what_the_first_rows_hold(client, world, tmp_path):
    rows = [["名单"], ["甲", "乙", "丙"]]
    client.force_login(world.users["secretary_a"])
    post_file(client, world.org_a, xlsx(tmp_path / "x.xlsx", rows))
    batch = latest_batch()
    assert batch.status == BatchStatus.FAILED
    assert "文件前几行是：“名单”；“甲”、“乙”、“丙”" in batch.error_message


# --- Other formats: .xls (Java systems' exports), .ods (WPS, LibreOffice), CSV from Excel.


def test_an_xls_roster_imports(client, world, tmp_path):
    number = id_number_for(date(1985, 3, 12), "female")
    rows = [
        ["中共甲局委员会党员花名册"],
        [
            "序号",
            "姓名",
            "性别",
            "民族",
            "公民身份证号",
            "入党时间",
            "转正时间",
            "党员类型",
            "所属支部",
        ],
        [
            1,
            "王芳",
            "女",
            "汉族",
            number,
            date(2010, 7, 1),
            date(2011, 7, 1),
            "正",
            "甲局第一党支部",
        ],
    ]
    batch, _page = upload_page(client, world, xls(tmp_path / "花名册.xls", rows))
    assert batch.file_format == "xls" and batch.summary["to_create"] == 1, batch.error
    batch = apply(client, batch)
    member = Member.objects.get(name="王芳")
    assert member.joined_on == date(2010, 7, 1) and member.organisation == world.branch_a


def test_an_ods_roster_imports(client, world, tmp_path):
    number = id_number_for(date(1985, 3, 12), "female")
    rows = [
        ["姓名", "身份证号码", "民族", "加入党组织日期", "转为正式党员日期", "党员状态"],
        ["王芳", number, "汉", "2010年7月1日", "2011年7月1日", "在籍"],
    ]
    batch, _page = upload_page(client, world, ods(tmp_path / "花名册.ods", rows))
    assert batch.file_format == "ods" and batch.summary["to_create"] == 1, batch.error
    apply(client, batch)
    assert Member.objects.get(name="王芳").status == MemberStatus.ACTIVE


def test_csv_cells_kept_as_text_by_excel_tricks(client, world, tmp_path):
    first, second = (
        id_number_for(date(1985, 3, 12), "female"),
        id_number_for(date(1986, 3, 12), "male"),
    )
    path = tmp_path / "名册.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "身份证号码", "民族", "入党时间"])
        writer.writerow(["王芳", f"'{first}", "汉族", "2010.07"])
        writer.writerow(["李强", f'="{second}"', "汉族", "2010.07"])
    batch, _page = upload_page(client, world, path)
    assert batch.summary["to_create"] == 2, list(ImportRow.objects.values_list("messages"))


# --- ID numbers: 15-digit legacy numbers, region codes.


def legacy(birth: date, serial: int) -> str:
    return f"533421{birth:%y%m%d}{serial:03d}"


def test_a_15_digit_number_is_converted_with_a_warning(client, world, tmp_path):
    old = legacy(date(1965, 4, 3), 125)
    first17 = "53342119650403125"
    rows = [["姓名", "身份证号码", "民族", "入党时间"], ["王强", old, "汉族", "1990.07"]]
    batch, page = upload_page(client, world, xlsx(tmp_path / "旧号码.xlsx", rows))
    row = ImportRow.objects.get(batch=batch, row_number=2)
    assert row.outcome == RowOutcome.WARNING
    assert "15 位旧身份证号码 5334*******3125 已换算为 18 位 5334**********" in render(
        row.messages[0]
    )
    assert old not in page  # masked like every number on the page
    apply(client, batch)
    member = Member.objects.get(name="王强")
    assert member.id_number == first17 + check_digit(first17) and member.sex == "male"


def test_region_codes_abolished_before_birth_warn_and_residence_permits_pass(
    client, world, tmp_path
):
    # 533421 (中甸县, then 香格里拉县) was abolished in 2014 when 533401 took its place.
    late = "533421" + "20150101" + "002"
    late += check_digit(late)
    permit = "830000" + "19900101" + "002"
    permit += check_digit(permit)
    unknown = "533499" + "19900101" + "004"
    unknown += check_digit(unknown)
    rows = [
        ["姓名", "身份证号码", "民族", "入党时间"],
        ["甲", late, "汉族", "2034.07"],
        ["乙", permit, "汉族", "2012.07"],
        ["丙", unknown, "汉族", "2012.07"],
    ]
    batch, _page = upload_page(client, world, xlsx(tmp_path / "区划.xlsx", rows))
    messages = {
        r.row_number: " ".join(render(m) for m in r.messages)
        for r in ImportRow.objects.filter(batch=batch)
    }
    assert "行政区划代码 533421 在 2013 年已撤销，早于出生年份 2015" in messages[2]
    assert ImportRow.objects.get(batch=batch, row_number=3).outcome == RowOutcome.NEW
    assert "533499" in messages[4] and "查不到对应的县级单位" in messages[4]
    assert ImportRow.objects.get(batch=batch, row_number=4).outcome == RowOutcome.WARNING


# --- Values that name organisations: what the organ calls its branch.


def branch_rows(*branches):
    rows = [["姓名", "身份证号码", "民族", "入党时间", "所在党支部"]]
    for n, branch in enumerate(branches):
        rows.append(
            [f"测试{n}", id_number_for(date(1980, 1, 1 + n), "female"), "汉族", "2010.07", branch]
        )
    return rows


def test_unknown_branch_names_are_mapped_once_and_remembered(client, world, tmp_path):
    from roster.models import OrganisationValue

    rows = branch_rows("机关一支部", "机关一支部", "中共甲局第一支部委员会")
    batch, page = upload_page(client, world, xlsx(tmp_path / "a.xlsx", rows))
    assert batch.summary["unknown_organisations"] == [["机关一支部", 2]]
    assert batch.summary["rejected"] == 2 and 'id="organisations-form"' in page
    assert "机关一支部" in page and "本组织（中共甲局委员会）" in page
    # Out of scope: 中共乙局机关支部委员会 is not offered, and is refused if posted.
    assert world.org_b.name not in page.split('id="organisations-form"')[1]
    response = client.post(f"/roster/{batch.code}/organisations/", {"org_0": world.org_b.pk})
    assert response.status_code == 302 and not OrganisationValue.objects.exists()
    response = client.post(f"/roster/{batch.code}/organisations/", {"org_0": world.branch_a.pk})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.summary["to_create"] == 3 and "unknown_organisations" not in batch.summary
    mapped = OrganisationValue.objects.get()
    assert (mapped.organisation, mapped.maps_to) == (world.org_a, world.branch_a)
    event = AuditEvent.objects.get(batch=batch.code, action="create", target_id=str(mapped.pk))
    assert event.changes["value"] == "机关一支部"
    apply(client, batch)
    assert set(created(batch).values_list("organisation", flat=True)) == {world.branch_a.pk}
    # The next file into 中共甲局委员会 saying 机关一支部 needs nothing.
    batch, _page = upload_page(client, world, xlsx(tmp_path / "b.xlsx", branch_rows("机关一支部")))
    assert batch.summary["to_create"] == 1 and "unknown_organisations" not in batch.summary


def test_into_an_organisation_without_sub_organisations_rows_are_its(client, world, tmp_path):
    rows = branch_rows("财务科支部", "中共甲局第一支部委员会")
    client.force_login(world.users["secretary_a"])
    post_file(client, world.branch_a, xlsx(tmp_path / "a.xlsx", rows))
    batch = latest_batch()
    assert batch.summary["to_create"] == 2 and "unknown_organisations" not in batch.summary
    warned = ImportRow.objects.get(batch=batch, row_number=2)
    assert warned.outcome == RowOutcome.WARNING
    assert "“财务科支部”与“中共甲局第一支部委员会”不同；本组织没有下级党组织" in render(
        warned.messages[0]
    )
    assert ImportRow.objects.get(batch=batch, row_number=3).outcome == RowOutcome.NEW


def test_a_stale_preview_is_refused_until_previewed_again(client, world, tmp_path):
    from datetime import timedelta

    member = MemberFactory(organisation=world.branch_a, name="王芳芳", unit="甲局")
    rows = [["姓名", "身份证号码", "工作单位"], ["王芳芳", member.id_number, "乙局"]]
    batch, _page = upload_page(client, world, xlsx(tmp_path / "r.xlsx", rows))
    assert batch.summary["update"] == 1
    # Someone changes the member after the preview (an hour ago).
    from django.utils import timezone

    from roster.models import ImportBatch

    ImportBatch.objects.filter(pk=batch.pk).update(previewed_at=timezone.now() - timedelta(hours=1))
    Member.objects.filter(pk=member.pk).update(
        post="科长", updated_at=timezone.now() - timedelta(minutes=30)
    )
    response = client.post(f"/roster/{batch.code}/apply/", follow=True)
    assert "预览结果已过时" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    member.refresh_from_db()
    assert member.unit == "甲局"
    client.post(
        f"/roster/{batch.code}/columns/", {"col_0": "name", "col_1": "id_number", "col_2": "unit"}
    )
    batch = apply(client, batch)
    member.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED and (member.unit, member.post) == ("乙局", "科长")


# --- CaoHongchang/test :
#     jtrc/.svn/pristine/65/65a5916ac9997049a373ef870a0d73144ec94890.svn-base
# (UserPartyImportInfo: the @ExcelAnnotation exportName of each column of a Java system's
# import). 预/正 holds 预 / 正 under a header no synonym knows; 籍贯 (not 民族); 历史党费缴至,
# 入党介绍人1/2 and document columns we do not import. Registered members update without
# editing; a new person is refused for the missing 民族, by row and column.

JTRC_HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "籍贯",
    "出生年月",
    "学历",
    "工作地",
    "工作单位",
    "预/正",
    "手机号码",
    "QQ号",
    "微信号",
    "入党时间",
    "历史党费缴至",
    "转正时间",
    "入党介绍人1",
    "入党介绍人2",
    "入党申请书",
    "备注",
]


def test_java_export_with_a_category_column_under_its_own_header(client, world, tmp_path):
    member = MemberFactory(organisation=world.branch_a, name="次仁", unit="甲局")
    new = id_number_for(date(1990, 1, 1), "male")
    rows = [JTRC_HEADERS]
    for name, number, mark in (("次仁", member.id_number, "正"), ("多吉", new, "预")):
        rows.append(
            [
                name,
                number,
                "",
                "云南迪庆",
                "",
                "本科",
                "香格里拉",
                "乙局",
                mark,
                "",
                "",
                "",
                "2012.07",
                "2024.12",
                "2013.07",
                "",
                "",
                "有",
                "",
            ]
        )
    batch, page = upload_page(client, world, xls(tmp_path / "党员信息.xls", rows))
    mark = next(c for c in batch.columns if c["header"] == "预/正")
    assert mark["field"] == "category" and "列名未能识别" in render(mark["reason"])
    assert next(c for c in batch.columns if c["header"] == "籍贯")["field"] is None
    assert batch.summary["update"] == 1 and batch.summary["rejected"] == 1
    refused = ImportRow.objects.get(batch=batch, name="多吉")
    assert any("第 3 行，民族：未填写；仍可导入" in render(m) for m in refused.messages)
    apply(client, batch)
    member.refresh_from_db()
    assert member.unit == "乙局"
