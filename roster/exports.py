"""Excel files of the 花名册 (roster): the member list, the blank template, rejected rows.

The layout is the one organs keep: a title row and a 填报单位/填报日期 row merged across the
table, then the header with 序号 first and the usual column order. Our own headers are the
ones the roster import recognises, so an exported file (with clear ID numbers) imports back
unchanged. The member list is written in openpyxl's write-only mode from a streamed
queryset, so memory stays flat however many members there are.

Roster files are Chinese documents whatever language the page is in: they are written with
zh-hans active (the import reads the Chinese headers and labels).
"""

import json
import tempfile
from datetime import date, datetime

from django.core import signing
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core import crypto
from core.stored_text import render
from core.text import neutralise_formula
from organisations.models import DatePrecision, Education, MemberCategory, MemberStatus
from organisations.reference_data import Ethnicity

ROSTER_LANGUAGE = "zh-hans"

# (header, column width): headers the roster import knows (roster.columns).
COLUMNS = (
    (gettext_lazy("序号"), 6),
    (gettext_lazy("姓名"), 12),
    (gettext_lazy("性别"), 6),
    (gettext_lazy("民族"), 10),
    (gettext_lazy("出生日期"), 12),
    (gettext_lazy("身份证号码"), 21),
    (gettext_lazy("学历"), 12),
    (gettext_lazy("入党时间"), 12),
    (gettext_lazy("转正时间"), 12),
    (gettext_lazy("人员类别"), 10),
    (gettext_lazy("所在党支部"), 30),
    (gettext_lazy("工作单位"), 24),
    (gettext_lazy("职务"), 14),
    (gettext_lazy("联系电话"), 14),
    (gettext_lazy("党籍状态"), 10),
)
# The hidden last column of an export: which member each row is, so that a masked export,
# edited and uploaded again, is matched to its members (roster.preview, member_key).
MEMBER_KEY_HEADER = gettext_lazy("党员编号（勿改）")
MEMBER_KEY_SALT = "roster.member_key"
HEADER_ROW = 3
DAY_FORMAT = "yyyy.mm.dd"
TEXT_FORMAT = "@"

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def _last_column(count: int) -> str:
    return get_column_letter(count)


def _setup_sheet(sheet, widths, *, write_only: bool) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    # Printed rosters repeat the header on every page, landscape, one page wide.
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0


def _title_rows(sheet, cell, *, title: str, unit_name: str, width: int, write_only: bool):
    last = _last_column(width)
    for row in (1, 2):
        if write_only:
            sheet.merged_cells.add(f"A{row}:{last}{row}")
        else:
            sheet.merge_cells(f"A{row}:{last}{row}")
    title_cell = cell(title, bold=True, size=16)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.append([title_cell])
    sheet.append(
        [
            cell(
                _("填报单位：%(unit)s        填报日期：%(date)s")
                % {"unit": unit_name, "date": timezone.localdate().strftime("%Y年%m月%d日")}
            )
        ]
    )


def _cell_factory(sheet):
    def cell(value, *, bold=False, size=None, number_format=None, header=False):
        c = WriteOnlyCell(sheet, value=neutralise_formula(value))
        if bold or size:
            c.font = Font(bold=bold, size=size or 11)
        if number_format:
            c.number_format = number_format
        if header:
            c.font = Font(bold=True)
            c.fill = _HEADER_FILL
            c.border = _BORDER
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        return c

    return cell


def roster_date(value: date | None, precision: str = DatePrecision.DAY) -> str:
    """A date as rosters write it: 1985.03.12, or 1985.03 when only the month is known.

    Text rather than an Excel date: it sorts correctly (fixed width), says its precision, and
    costs a third of a styled date cell at 100,000 rows."""
    if not value:
        return ""
    return value.strftime("%Y.%m" if precision == DatePrecision.MONTH else "%Y.%m.%d")


class _Labels:
    """Choice labels looked up once per value, not once per row (100,000 rows × 5 columns
    of gettext add up to seconds)."""

    def __init__(self):
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, member, field: str) -> str:
        value = getattr(member, field)
        key = (field, value)
        if key not in self._cache:
            self._cache[key] = getattr(member, f"get_{field}_display")()
        return self._cache[key]


def member_row(cell, index: int, member, *, reveal: bool, label=None) -> list:
    label = label or _Labels()
    # Names, units and posts are typed by people: none may reach Excel as a formula.
    values = [
        index,
        member.name,
        label(member, "sex"),
        label(member, "ethnicity"),
        roster_date(member.birth_date),
        cell(member.id_number if reveal else member.id_number_masked, number_format=TEXT_FORMAT),
        label(member, "education"),
        roster_date(member.joined_on, member.joined_on_precision),
        roster_date(member.full_member_on, member.full_member_on_precision),
        label(member, "category"),
        member.organisation.name,
        member.unit,
        member.post,
        # A str cell is text to Excel already: every digit of the number stays.
        member.phone if reveal else member.phone_masked,
        label(member, "status"),
    ]
    return [neutralise_formula(value) for value in values]


def member_key(member) -> str:
    """The member's key in an export: its id, signed (not guessable, and a typo is caught)."""
    return signing.Signer(salt=MEMBER_KEY_SALT).sign(f"M{member.pk}")


def member_pk(key: object) -> int | None:
    """The member id a key names, or None when it is not a key we wrote."""
    try:
        value = signing.Signer(salt=MEMBER_KEY_SALT).unsign(str(key).strip())
    except signing.BadSignature:
        return None
    return int(value[1:]) if value[:1] == "M" and value[1:].isdigit() else None


def write_roster(members, *, unit_name: str, title: str | None = None, reveal: bool = False):
    """Write the members to a temporary .xlsx file and return (file rewound, row count).

    ID numbers and phones are masked unless `reveal` (the caller checks the right to see
    them and records why)."""
    with translation.override(ROSTER_LANGUAGE):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("党员花名册"))
        _setup_sheet(sheet, [width for _header, width in COLUMNS], write_only=True)
        key_column = get_column_letter(len(COLUMNS) + 1)
        sheet.column_dimensions[key_column].hidden = True
        cell = _cell_factory(sheet)
        _title_rows(
            sheet,
            cell,
            title=title or _("中共%(unit)s党员花名册") % {"unit": _short(unit_name)},
            unit_name=unit_name,
            width=len(COLUMNS),
            write_only=True,
        )
        sheet.append(
            [cell(str(header), header=True) for header, _width in COLUMNS]
            + [cell(str(MEMBER_KEY_HEADER), header=True)]
        )
        count = 0
        label = _Labels()
        signer = signing.Signer(salt=MEMBER_KEY_SALT)
        for count, member in enumerate(members, start=1):
            row = member_row(cell, count, member, reveal=reveal, label=label)
            sheet.append([*row, signer.sign(f"M{member.pk}")])
        output = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
        workbook.save(output)
    output.seek(0)
    return output, count


def _short(unit_name: str) -> str:
    """中共迪庆州财政局委员会 → 迪庆州财政局委员会, so the title does not read 中共中共…"""
    return unit_name.removeprefix("中共")


# --- the blank template -------------------------------------------------------------------

_INSTRUCTIONS = (
    (gettext_lazy("序号"), gettext_lazy("可不填，导入时忽略。")),
    (gettext_lazy("姓名"), gettext_lazy("必填。少数民族姓名中间的点统一写作“·”，如 扎西·次仁。")),
    (gettext_lazy("性别"), gettext_lazy("男 或 女；不填时按身份证号码确定。")),
    (
        gettext_lazy("民族"),
        gettext_lazy(
            "新登记党员应填写；不填也可导入，党员档案标为“资料不全”。可写全称（藏族）或简称（藏）。"
        ),
    ),
    (
        gettext_lazy("出生日期"),
        gettext_lazy("可不填；填写时须与身份证号码一致，导入时以身份证号码为准。"),
    ),
    (
        gettext_lazy("身份证号码"),
        gettext_lazy(
            "必填，18 位，最后一位可为 X。本列已设为“文本”格式；"
            "若粘贴后变成 5.33401E+17 之类的数字，说明后几位已丢失，须重新输入完整号码。"
        ),
    ),
    (
        gettext_lazy("学历"),
        gettext_lazy("研究生、大学本科、大学专科、中等专科、高中、初中及以下。"),
    ),
    (
        gettext_lazy("入党时间"),
        gettext_lazy(
            "新登记党员应填写；不填也可导入，党员档案标为“资料不全”。"
            "可写 1985.03.12、1985-3-12、1985年3月12日；只知道月份时写 1985.03。"
        ),
    ),
    (gettext_lazy("转正时间"), gettext_lazy("正式党员填写，预备党员不填。格式同入党时间。")),
    (gettext_lazy("人员类别"), gettext_lazy("正式党员 或 预备党员。")),
    (
        gettext_lazy("所在党支部"),
        gettext_lazy("填写党组织全称或简称，须是导入目标党组织或其下级。不填时导入到目标党组织。"),
    ),
    (gettext_lazy("工作单位"), gettext_lazy("可不填。")),
    (gettext_lazy("职务"), gettext_lazy("可不填。")),
    (gettext_lazy("联系电话"), gettext_lazy("手机号码或带区号的固定电话。")),
    (gettext_lazy("党籍状态"), gettext_lazy("可不填（默认“正常”）；也可填 已转出、已故 等。")),
)
TEMPLATE_ROWS = 500


def write_template(*, unit_name: str = ""):
    """The blank roster with the expected headers, drop-down lists and a 填表说明 sheet."""
    with translation.override(ROSTER_LANGUAGE):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("党员花名册")
        widths = [width for _header, width in COLUMNS]
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        sheet.page_setup.orientation = "landscape"
        last = _last_column(len(COLUMNS))
        sheet.merge_cells(f"A1:{last}1")
        sheet.merge_cells(f"A2:{last}2")
        sheet["A1"] = neutralise_formula(
            _("中共%(unit)s党员花名册") % {"unit": _short(unit_name) or "　　　　　　"}
        )
        sheet["A1"].font = Font(bold=True, size=16)
        sheet["A1"].alignment = Alignment(horizontal="center")
        sheet["A2"] = neutralise_formula(
            _("填报单位：%(unit)s        填报日期：") % {"unit": unit_name}
        )
        for index, (header, _width) in enumerate(COLUMNS, start=1):
            c = sheet.cell(row=HEADER_ROW, column=index, value=str(header))
            c.font, c.fill, c.border = Font(bold=True), _HEADER_FILL, _BORDER
            c.alignment = Alignment(horizontal="center", vertical="center")
        first, end = HEADER_ROW + 1, HEADER_ROW + TEMPLATE_ROWS
        headers = [str(header) for header, _width in COLUMNS]
        # ID numbers and phones typed into text cells keep every digit.
        for key in (_("身份证号码"), _("联系电话")):
            letter = get_column_letter(headers.index(key) + 1)
            for row in range(first, end + 1):
                sheet[f"{letter}{row}"].number_format = TEXT_FORMAT
        for key in (_("出生日期"), _("入党时间"), _("转正时间")):
            letter = get_column_letter(headers.index(key) + 1)
            for row in range(first, end + 1):
                sheet[f"{letter}{row}"].number_format = TEXT_FORMAT
        lists = {
            _("性别"): [_("男"), _("女")],
            _("学历"): [str(label) for label in Education.labels],
            _("人员类别"): [str(label) for label in MemberCategory.labels],
            _("党籍状态"): [str(label) for label in MemberStatus.labels],
        }
        for key, choices in lists.items():
            _add_list(sheet, headers.index(key) + 1, choices, first, end)
        # 56 names are too long for an inline list: they live on a hidden sheet.
        names = workbook.create_sheet("lists")
        for row, label in enumerate(Ethnicity.labels, start=1):
            names.cell(row=row, column=1, value=str(label))
        names.sheet_state = "hidden"
        letter = get_column_letter(headers.index(_("民族")) + 1)
        validation = DataValidation(
            type="list", formula1=f"=lists!$A$1:$A${len(Ethnicity.labels)}", allow_blank=True
        )
        validation.add(f"{letter}{first}:{letter}{end}")
        sheet.add_data_validation(validation)

        guide = workbook.create_sheet(_("填表说明"))
        guide.column_dimensions["A"].width = 14
        guide.column_dimensions["B"].width = 90
        guide.append([_("填表说明")])
        guide["A1"].font = Font(bold=True, size=14)
        guide.append(
            [_("请在“党员花名册”工作表第 4 行起逐行填写，每人一行；不要改动表头。标题行可以修改。")]
        )
        guide.append([])
        guide.append([_("列名"), _("填写要求")])
        for c in guide[4]:
            c.font = Font(bold=True)
        for header, text in _INSTRUCTIONS:
            guide.append([str(header), str(text)])
            guide.cell(row=guide.max_row, column=2).alignment = Alignment(wrap_text=True)
        guide.append([])
        guide.append(
            [
                _("导入"),
                _(
                    "上传后先预览，确认无误再导入；身份证号码相同的人视为同一人，重复导入不会重复登记。"
                    "未通过的行可下载，按“错误原因”修改后重新上传。"
                ),
            ]
        )
        guide.cell(row=guide.max_row, column=2).alignment = Alignment(wrap_text=True)
        output = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
        workbook.save(output)
    output.seek(0)
    return output


def _add_list(sheet, column: int, choices: list[str], first: int, end: int) -> None:
    letter = get_column_letter(column)
    validation = DataValidation(
        type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
    )
    validation.error = _("请从下拉列表中选择。")
    validation.add(f"{letter}{first}:{letter}{end}")
    sheet.add_data_validation(validation)


# --- rejected rows ------------------------------------------------------------------------


def write_rejected(batch, rows, *, decode_cell):
    """The rows an import left out, as the user sent them, with a 错误原因 column: fix and
    upload again. Returns (file rewound, row count)."""
    with translation.override(ROSTER_LANGUAGE):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("未导入的行"))
        headers = [c["header"] for c in batch.columns] or [str(h) for h, _w in COLUMNS]
        id_columns = {c["index"] for c in batch.columns if c["field"] in ("id_number", "phone")}
        widths = [max(8, min(30, len(h) * 2 + 4)) for h in headers] + [60]
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        cell = _cell_factory(sheet)
        last = _last_column(len(headers) + 1)
        sheet.merged_cells.add(f"A1:{last}1")
        sheet.merged_cells.add(f"A2:{last}2")
        sheet.append(
            [
                cell(
                    _("未导入的行（原文件：%(name)s）") % {"name": batch.original_name},
                    bold=True,
                    size=14,
                )
            ]
        )
        sheet.append([cell(_("请按“错误原因”一列修改后重新上传；“错误原因”一列不会被导入。"))])
        sheet.append([cell(h, header=True) for h in [*headers, _("错误原因")]])
        count = 0
        for row in rows:
            count += 1
            values = (
                [decode_cell(v) for v in json.loads(crypto.decrypt(row.raw))] if row.raw else []
            )
            values += [None] * (len(headers) - len(values))
            out = []
            for index, value in enumerate(values[: len(headers)]):
                if index in id_columns and value is not None:
                    # As text, so that Excel keeps every digit once it is corrected.
                    out.append(cell(_plain_text(value), number_format=TEXT_FORMAT))
                elif isinstance(value, datetime | date):
                    out.append(cell(value, number_format=DAY_FORMAT))
                else:
                    # The file's own cells, handed back: a formula in them stays text.
                    out.append(neutralise_formula(value))
            # In the language of whoever downloads the file, not of whoever imported it.
            out.append(neutralise_formula("；".join(render(text) for text in row.messages)))
            sheet.append(out)
        output = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
        workbook.save(output)
    output.seek(0)
    return output, count


def _plain_text(value) -> str:
    if isinstance(value, float):
        return (
            f"{value:.15g}".upper() if not value.is_integer() or value >= 1e15 else str(int(value))
        )
    return str(value)
