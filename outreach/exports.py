"""The consultation's responses as an .xlsx workbook (formula-like cells neutralised)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.text import neutralise_formula


def consultation_workbook(consultation, responses) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("意见"))
    sheet.append([neutralise_formula(consultation.title)])
    sheet.append([_("序号"), _("提交时间"), _("村（社区）"), _("姓名"), _("意见"), _("状态")])
    tz = timezone.get_current_timezone()
    for number, response in enumerate(responses.iterator(), start=1):
        sheet.append(
            [
                number,
                response.submitted_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                neutralise_formula(response.area.name if response.area else ""),
                neutralise_formula(response.name),
                neutralise_formula(response.text),
                _("待审核") if response.held else _("有效"),
            ]
        )
    if consultation.summary:
        summary = book.create_sheet(_("汇总"))
        summary.append([neutralise_formula(consultation.summary)])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
