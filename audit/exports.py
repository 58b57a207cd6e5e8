"""The audit log as an .xlsx workbook, in the reader's words (audit.labels); every cell passes
through core.text.neutralise_formula, since names, reasons and changes are typed by users."""

import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.text import neutralise_formula

from . import labels
from .models import AuditEvent

MAX_ROWS = 100_000


def events_workbook(events: QuerySet[AuditEvent]) -> tuple[bytes, int]:
    """The workbook's bytes and the number of events in it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("审计日志"))
    sheet.append(
        [
            _("时间"),
            _("操作人"),
            _("姓名"),
            _("操作"),
            _("对象类型"),
            _("对象"),
            _("对象编号"),
            _("所属党组织"),
            _("事由"),
            _("IP 地址"),
            _("批次"),
            _("变更内容"),
        ]
    )
    count = 0
    for event in events[:MAX_ROWS].iterator(chunk_size=2000):
        count += 1
        actor = event.actor
        cells = [
            timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_label,
            getattr(actor, "display_name", "") if actor is not None else "",
            event.get_action_display(),
            labels.type_label(event.target_type),
            event.target_repr,
            event.target_id,
            event.organisation.name if event.organisation is not None else "",
            event.reason,
            event.ip_address or "",
            event.batch,
            labels.changes_text(event),
        ]
        sheet.append([neutralise_formula(str(cell)) for cell in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count
