"""The member list as an Excel 花名册 (roster): title, unit and date rows, then 序号 and columns.

Written in openpyxl's write-only mode from a streamed queryset, so memory stays flat."""

import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from .id_numbers import mask_phone

COLUMNS = (
    (_("序号"), 6),
    (_("姓名"), 12),
    (_("性别"), 6),
    (_("民族"), 10),
    (_("出生日期"), 12),
    (_("身份证号码"), 22),
    (_("学历"), 12),
    (_("入党日期"), 12),
    (_("转正日期"), 12),
    (_("人员类别"), 10),
    (_("所在党支部"), 28),
    (_("工作单位"), 24),
    (_("职务"), 16),
    (_("联系电话"), 14),
    (_("党籍状态"), 10),
)


def _date(value):
    return value.isoformat() if value else ""


def member_row(index: int, member) -> list:
    return [
        index,
        member.name,
        member.get_sex_display(),
        member.get_ethnicity_display(),
        _date(member.birth_date),
        member.id_number_masked,
        member.get_education_display(),
        _date(member.joined_on),
        _date(member.full_member_on),
        member.get_category_display(),
        member.organisation.name,
        member.unit,
        member.post,
        mask_phone(member.phone),
        member.get_status_display(),
    ]


def write_roster(members, *, unit_name: str, title: str | None = None):
    """Write the members to a temporary .xlsx file and return it, rewound."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("党员花名册"))
    for letter_index, (_header, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + letter_index)].width = width

    def cell(value, bold=False, size=None):
        c = WriteOnlyCell(sheet, value=value)
        if bold or size:
            c.font = Font(bold=bold, size=size or 11)
        c.alignment = Alignment(vertical="center")
        return c

    sheet.append([cell(title or _("中共%(unit)s党员花名册") % {"unit": unit_name}, True, 14)])
    sheet.append(
        [
            cell(
                _("填报单位：%(unit)s    填报日期：%(date)s")
                % {"unit": unit_name, "date": timezone.localdate().isoformat()}
            )
        ]
    )
    sheet.append([cell(str(header), bold=True) for header, _width in COLUMNS])
    count = 0
    for count, member in enumerate(members, start=1):
        sheet.append(member_row(count, member))
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output, count
