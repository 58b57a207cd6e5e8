"""The meeting register and the compliance table as .xlsx, and a member's .ics calendar."""

from datetime import timedelta
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.text import neutralise_formula

from .models import ComplianceStatus, MeetingKind
from .periods import period_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(title: str, header: list[str]):
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([title])
    sheet.append([neutralise_formula(h) for h in header])
    return book, sheet


def _bytes(book) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def register_xlsx(meetings, title: str) -> bytes:
    """会议台账: one row per meeting."""
    book, sheet = _workbook(
        title,
        [
            _("开始时间"),
            _("主办党组织"),
            _("会议类型"),
            _("会议名称"),
            _("状态"),
            _("地点"),
            _("应到人数"),
            _("实到人数"),
            _("达到法定人数"),
            _("学习主题"),
            _("计入学时"),
        ],
    )
    for m in meetings.iterator(chunk_size=2000):
        sheet.append(
            [
                neutralise_formula(v)
                for v in (
                    timezone.localtime(m.starts_at).strftime("%Y-%m-%d %H:%M"),
                    m.organisation.name,
                    m.get_kind_display(),
                    m.title,
                    m.get_status_display(),
                    m.place,
                    m.due_count,
                    m.present_count,
                    _("是") if m.quorum_met else _("否"),
                    m.study_topic,
                    float(m.study_hours),
                )
            ]
        )
    return _bytes(book)


def compliance_xlsx(results, title: str) -> bytes:
    """组织生活落实情况: one row per organisation, rule and period, with the rule's version."""
    book, sheet = _workbook(
        title,
        [
            _("党组织"),
            _("会议类型"),
            _("期间"),
            _("落实情况"),
            _("已开展次数"),
            _("无效表决"),
            _("规则及版本"),
        ],
    )
    for r in results.iterator(chunk_size=5000):
        sheet.append(
            [
                neutralise_formula(v)
                for v in (
                    r.organisation.name,
                    str(MeetingKind(r.meeting_kind).label),
                    period_label(r.rule.frequency, r.period_start),
                    str(ComplianceStatus(r.status).label),
                    r.held,
                    r.invalid_decisions,
                    f"{r.rule.rule_set.name} v{r.rule.rule_set.version}",
                )
            ]
        )
    return _bytes(book)


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r", "")
        .replace("\n", "\\n")
    )


def ics(meetings, *, name: str, host: str) -> str:
    """An iCalendar (RFC 5545) feed of the meetings."""
    from datetime import UTC

    def utc(moment):
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    now = utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Dangjian//meetings//ZH",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_ics_text(name)}",
    ]
    for m in meetings:
        end = m.ends_at if m.ends_at > m.starts_at else m.starts_at + timedelta(hours=1)
        lines += [
            "BEGIN:VEVENT",
            f"UID:meeting-{m.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{utc(m.starts_at)}",
            f"DTEND:{utc(end)}",
            f"SUMMARY:{_ics_text(m.title)}",
            f"LOCATION:{_ics_text(m.place)}",
            f"DESCRIPTION:{_ics_text(m.get_kind_display())}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
