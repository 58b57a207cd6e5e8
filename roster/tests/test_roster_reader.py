"""Finding the table in real-looking roster files: title rows, merged cells, two header rows,
CSV in the encodings Excel writes, files that are not rosters at all."""

import codecs
import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from roster import reader
from roster.reader import RosterFileError
from roster.tests import samples


def rows_of(table):
    return [(number, [cell.value for cell in cells]) for number, cells in table.rows()]


def test_header_found_under_merged_title_rows(tmp_path):
    path = samples.write_workbook(
        tmp_path / "r.xlsx",
        [[1, "王  芳", "女", "汉族", "1985.03", "533401198503120028"]],
        headers=samples.HEADERS[:6],
    )
    table = reader.open_table(path, "xlsx")
    assert table.header.row == 3
    assert table.header.title == "中共迪庆州财政局委员会党员花名册"
    assert table.header.unit_line.startswith("填报单位")
    assert table.header.texts == ["序号", "姓 名", "性别", "民族", "出生年月", "公民身份号码"]
    assert table.sheet_name == "党员花名册"
    numbers = [number for number, _values in rows_of(table)]
    assert numbers == [4, 5, 6]  # the person, the 合计 row, the footer note
    assert table.estimated_rows == 3


def test_two_header_rows_under_a_merged_group_header(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["中共某局机关支部党员花名册"])
    sheet.append(["序号", "姓名", "身份证号码", "入党时间", "工作单位及职务", None, "联系电话"])
    sheet.append([None, None, None, None, "单位", "职务", None])
    sheet.merge_cells("E2:F2")
    sheet.append([1, "和丽华", "533401198503120028", "2010.07", "州财政局", "科员", "13887654321"])
    workbook.save(tmp_path / "two.xlsx")
    table = reader.open_table(tmp_path / "two.xlsx", "xlsx")
    assert table.header.row == 3
    assert table.header.texts == [
        "序号",
        "姓名",
        "身份证号码",
        "入党时间",
        "单位",
        "职务",
        "联系电话",
    ]
    assert rows_of(table)[0][0] == 4


def test_first_sheet_with_a_header_is_used(tmp_path):
    workbook = Workbook()
    workbook.active.title = "封面"
    workbook.active.append(["2025 年党员花名册"])
    sheet = workbook.create_sheet("名册")
    sheet.append(["姓名", "身份证号", "性别"])
    sheet.append(["王芳", "533401198503120028", "女"])
    workbook.save(tmp_path / "sheets.xlsx")
    table = reader.open_table(tmp_path / "sheets.xlsx", "xlsx")
    assert table.sheet_name == "名册"


def test_a_wrong_dimension_does_not_lose_rows(tmp_path):
    """Some programs write <dimension ref="A1"/>; read-only openpyxl would stop after row 1."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号码", "性别", "民族"])
    for index in range(5):
        sheet.append([f"人{index}", "533401198503120028", "女", "汉"])
    path = tmp_path / "dim.xlsx"
    workbook.save(path)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb'<dimension ref="[A-Z0-9:]+"\s*/>', b'<dimension ref="A1"/>', data
                )
                if not count:  # openpyxl wrote none: add the wrong one
                    data = data.replace(b"<sheetData>", b'<dimension ref="A1"/><sheetData>', 1)
            target.writestr(item, data)
    table = reader.open_table(broken, "xlsx")
    assert len(rows_of(table)) == 5


def test_cells_keep_their_types_and_formats(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号码", "入党时间", "转正时间"])
    sheet.append(["王芳", 5.33401198503120e17, datetime(2010, 7, 1), 2011.07])
    sheet["C2"].number_format = "yyyy.mm"
    workbook.save(tmp_path / "types.xlsx")
    table = reader.open_table(tmp_path / "types.xlsx", "xlsx")
    ((_number, cells),) = table.rows()
    assert isinstance(cells[1].value, float)
    # calamine gives a date; the format comes from the column (see reader._column_formats).
    assert cells[2].value == date(2010, 7, 1) and cells[2].number_format == "yyyy.mm"
    assert cells[3].value == 2011.07


CSV_TEXT = "党员花名册\n序号,姓名,身份证号码,入党时间\n1,王芳,533401198503120028,2010.07\n"


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8-sig", codecs.BOM_UTF8 + CSV_TEXT.encode()),
        ("utf-8", CSV_TEXT.encode()),
        ("gb18030", CSV_TEXT.encode("gbk")),  # Excel on Chinese Windows
        ("utf-16", CSV_TEXT.replace(",", "\t").encode("utf-16")),  # "Unicode text"
    ],
)
def test_csv_in_the_encodings_excel_writes(tmp_path, encoding, data):
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    table = reader.open_table(path, "csv")
    assert table.encoding == encoding
    assert table.header.texts == ["序号", "姓名", "身份证号码", "入党时间"]
    assert rows_of(table) == [(3, ["1", "王芳", "533401198503120028", "2010.07"])]
    assert not table.typed


@pytest.mark.parametrize(
    ("name", "head", "fragment"),
    [
        ("r.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls"),
        ("r.xlsx", b"<html>", "不是电子表格"),
        ("r.ods", b"<html>", "不是电子表格"),
        ("r.pdf", b"%PDF-1.7", "只能上传"),
        ("r.csv", b"PK\x03\x04", "扩展名"),
        ("r.csv", b"ab\x00cd", "不是文本"),
    ],
)
def test_files_that_are_not_rosters(name, head, fragment):
    """(An OLE file named .xls is an .xls: test_roster_layouts reads them.)"""
    with pytest.raises(RosterFileError, match=fragment):
        reader.detect_format(name, head)


def test_no_header_row(tmp_path):
    workbook = Workbook()
    workbook.active.append(["随便", "什么", "内容"])
    workbook.save(tmp_path / "x.xlsx")
    with pytest.raises(RosterFileError, match="没有找到表头"):
        reader.open_table(tmp_path / "x.xlsx", "xlsx")


def test_not_really_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(RosterFileError, match="不是 Excel"):
        reader.open_table(path, "xlsx")


def test_a_hidden_sheet_of_drop_down_lists_is_not_the_roster(tmp_path):
    workbook = Workbook()
    lists = workbook.active
    lists.title = "数据字典"
    lists.append(["姓名", "身份证号码", "民族", "学历"])
    lists.append(["", "", "汉族", "大学本科"])
    lists.sheet_state = "hidden"
    roster = workbook.create_sheet("党员花名册")
    roster.append(["姓名", "身份证号码"])
    roster.append(["王芳", "533401198503120028"])
    workbook.save(tmp_path / "t.xlsx")
    table = reader.open_table(tmp_path / "t.xlsx", "xlsx")
    assert table.sheet_name == "党员花名册" and table.engine == "calamine"
    table.close()


def test_an_xlsx_sheet_reaching_past_the_cap_is_streamed(tmp_path, settings):
    settings.ROSTER_MAX_ROWS = 5
    settings.ROSTER_EMPTY_ROWS_END = 5
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号码"])
    sheet.append(["王芳", "533401198503120028"])
    sheet["A200"] = "远处的格子"
    workbook.save(tmp_path / "far.xlsx")
    table = reader.open_table(tmp_path / "far.xlsx", "xlsx")
    assert table.engine == "openpyxl"
    assert [n for n, _cells in table.rows()] == [2] and table.ended_at == 3
    table.close()
