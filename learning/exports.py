"""Excel files of the learning app: the question-bank template and a class's report.
Every cell typed by a person goes through neutralise_formula (no formula reaches Excel)."""

import io
from decimal import Decimal
from urllib.parse import quote

from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from audit import services as audit
from audit.models import Action
from core.text import neutralise_formula

from .bank_import import TEMPLATE_HEADER, TEMPLATE_ROWS
from .models import AttendanceStatus, Participant, SessionAttendance

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _response(workbook: Workbook, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def bank_template() -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题库"
    sheet.append(TEMPLATE_HEADER)
    for row in TEMPLATE_ROWS:
        sheet.append(row)
    return _response(workbook, "题库导入模板.xlsx")


def class_report(request, training_class) -> HttpResponse:
    """培训班报表: per participant, sessions attended, hours, reflection status; then the
    attendance grid. Audited as an export (it names people)."""
    from django.db import transaction

    sessions = list(training_class.sessions.all())
    participants = list(
        Participant.objects.filter(training_class=training_class)
        .select_related("member__organisation", "quota__organisation")
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
        )
        .prefetch_related("reflections")
    )
    grid: dict[tuple[int, int], str] = {}
    hours: dict[int, Decimal] = {}
    for row in SessionAttendance.objects.filter(
        session__training_class=training_class
    ).select_related("session"):
        grid[(row.participant_id, row.session_id)] = row.get_status_display()
        if row.status == AttendanceStatus.PRESENT:
            hours[row.participant_id] = (
                hours.get(row.participant_id, Decimal(0)) + row.session.hours
            )
    workbook = Workbook()
    summary = workbook.active
    summary.title = str(_("学员"))
    summary.append([neutralise_formula(training_class.title)])
    summary.append(
        [
            str(_("姓名")),
            str(_("所在党组织")),
            str(_("推荐单位")),
            str(_("出席课次")),
            str(_("学时")),
            str(_("心得体会")),
            str(_("证书验证码")),
        ]
    )
    for p in participants:
        reflection = next(iter(p.reflections.all()), None)
        summary.append(
            [
                neutralise_formula(p.member.name),
                neutralise_formula(p.member.organisation.name),
                neutralise_formula(p.quota.organisation.name),
                p.present,
                float(hours.get(p.pk, Decimal(0))),
                str(reflection.get_status_display()) if reflection else str(_("未提交")),
                p.certificate_code,
            ]
        )
    attendance = workbook.create_sheet(str(_("出勤")))
    attendance.append(
        [str(_("姓名"))] + [neutralise_formula(f"{s.on:%Y-%m-%d} {s.topic}") for s in sessions]
    )
    for p in participants:
        attendance.append(
            [neutralise_formula(p.member.name)] + [grid.get((p.pk, s.pk), "") for s in sessions]
        )
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action=Action.EXPORT,
            target=training_class,
            organisation=training_class.organisation_id,
            changes={"rows": len(participants)},
            request=request,
        )
    return _response(workbook, f"{training_class.title}-培训班报表.xlsx")
