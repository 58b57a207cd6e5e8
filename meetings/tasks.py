"""Periodic jobs of organisational life (core.periodic); each is also a management command."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from core.notifications import notify
from core.periodic import periodic

from . import channels, compliance
from .models import ComplianceResult, ComplianceStatus, MeetingKind, ReminderSent
from .periods import period_label


def rebuild_compliance(*, years: list[int] | None = None) -> int:
    """Recompute every organisation's cells for `years` (default: this year and last)."""
    today = timezone.localdate()
    return compliance.recompute(years=years or [today.year - 1, today.year], today=today)


def send_reminders(*, today=None) -> int:
    """Tell each organisation's secretaries which meetings are still due in a period that ends
    within the reminder window. Each (organisation, kind, period) is reminded once."""
    today = today or timezone.localdate()
    days = settings.MEETING_REMINDER_DAYS
    due = (
        ComplianceResult.objects.filter(
            status=ComplianceStatus.NOT_DUE,
            period_end__gte=today,
            period_end__lte=today + timedelta(days=days),
        )
        .select_related("organisation", "rule")
        .order_by("organisation__path")
    )
    by_org: dict = {}
    for cell in due:
        by_org.setdefault(cell.organisation_id, []).append(cell)
    if not by_org:
        return 0
    users = get_user_model().objects.filter(
        role="secretary", organisation_id__in=list(by_org), is_active=True
    )
    secretaries: dict = {}
    for user in users:
        secretaries.setdefault(user.organisation_id, []).append(user)
    done = set(
        ReminderSent.objects.filter(
            organisation_id__in=list(by_org), period_start__gte=today - timedelta(days=366)
        ).values_list("organisation_id", "meeting_kind", "period_start")
    )
    sent = 0
    with transaction.atomic():
        for org_id, cells in by_org.items():
            fresh = [c for c in cells if (org_id, c.meeting_kind, c.period_start) not in done]
            if not fresh:
                continue
            ReminderSent.objects.bulk_create(
                [
                    ReminderSent(
                        organisation_id=org_id,
                        meeting_kind=c.meeting_kind,
                        period_start=c.period_start,
                    )
                    for c in fresh
                ],
                ignore_conflicts=True,
            )
            recipients = secretaries.get(org_id, [])
            if not recipients:
                continue
            title = _("组织生活提醒：%(org)s") % {"org": cells[0].organisation.name}
            body = "；".join(
                _("%(kind)s（%(period)s，%(end)s 前）")
                % {
                    "kind": MeetingKind(c.meeting_kind).label,
                    "period": period_label(c.rule.frequency, c.period_start),
                    "end": c.period_end.isoformat(),
                }
                for c in fresh
            )
            notify(
                recipients=recipients,
                title=title,
                body=body,
                link=reverse("meetings:compliance_dashboard") + f"?organisation={org_id}",
            )
            transaction.on_commit(lambda r=recipients, t=title, b=body: channels.send(r, t, b))
            sent += len(recipients)
    return sent


@periodic("30 2 * * *", name="meetings.rebuild_compliance")
@task()
def rebuild_compliance_job() -> int:
    return rebuild_compliance()


@periodic("0 8 * * *", name="meetings.send_reminders")
@task()
def send_reminders_job() -> int:
    return send_reminders()
