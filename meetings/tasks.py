"""Periodic jobs of organisational life (core.periodic); each is also a management command."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from core.notifications import notify
from core.periodic import periodic
from organisations.models import Organisation

from . import channels, compliance
from .models import (
    ComplianceResult,
    ComplianceStatus,
    ReminderSent,
    ReminderStage,
    kind_in_sentence,
)
from .periods import period_label


def rebuild_compliance(*, years: list[int] | None = None) -> int:
    """Recompute every organisation's cells for `years` (default: this year and last)."""
    today = timezone.localdate()
    return compliance.recompute(years=years or [today.year - 1, today.year], today=today)


# After a period ended with its meeting missing, the overdue notice goes out within this many
# days (the nightly rebuild turns the cell "missing" the day after the period's end); older
# gaps stay on the to-do lists without a new notice.
OVERDUE_NOTICE_DAYS = 31


def _nearest_secretaries(path: str, by_path: dict[str, list]) -> list:
    """The secretary accounts of the organisation at `path` or, where it has none, of the
    nearest organisation above it that has one."""
    steplen = Organisation.steplen
    for end in range(len(path), 0, -steplen):
        found = by_path.get(path[:end])
        if found:
            return found
    return []


def send_reminders(*, today=None) -> int:
    """Reminders (issue 10: "a periodic task sends reminders N days before a period ends"), to
    the right people:

    - due: a meeting still not held in a period ending within MEETING_REMINDER_DAYS goes to
      the organisation's own secretaries, or, where it has no secretary account (many a
      branch's secretary has none), to the nearest secretary above it, who answers for it;
    - overdue: a period that ended with the meeting missing is told to the organisation's
      secretaries and to the secretaries of the organisation above it (the superior checks
      its branches' organisational life), once.

    Each (organisation, kind, period, stage) is sent once; each recipient gets one notice per
    stage listing all of theirs. A fixed number of queries whatever the number of cells.
    Returns the number of notices sent."""
    today = today or timezone.localdate()
    days = settings.MEETING_REMINDER_DAYS
    cells = (
        ComplianceResult.objects.filter(
            Q(
                status=ComplianceStatus.NOT_DUE,
                period_end__gte=today,
                period_end__lte=today + timedelta(days=days),
            )
            | Q(
                status=ComplianceStatus.MISSING,
                period_end__lt=today,
                period_end__gte=today - timedelta(days=OVERDUE_NOTICE_DAYS),
            )
        )
        .select_related("organisation", "rule")
        .order_by("organisation__path", "meeting_kind", "period_start")
    )
    cells = [c for c in cells if c.organisation.dissolved_on is None]
    if not cells:
        return 0
    done = set(
        ReminderSent.objects.filter(
            organisation_id__in={c.organisation_id for c in cells},
            period_start__gte=today - timedelta(days=400),
        ).values_list("organisation_id", "meeting_kind", "period_start", "stage")
    )
    by_path: dict[str, list] = defaultdict(list)
    for user in (
        get_user_model()
        .objects.filter(role="secretary", is_active=True, organisation__isnull=False)
        .select_related("organisation")
        .order_by("pk")
    ):
        by_path[user.organisation.path].append(user)

    # (stage, recipient) → lines; ReminderSent rows to write.
    lines: dict[tuple[str, object], list[str]] = defaultdict(list)
    recipients: dict[int, object] = {}
    marks = []
    for cell in cells:
        due = cell.status == ComplianceStatus.NOT_DUE
        stage = ReminderStage.DUE if due else ReminderStage.OVERDUE
        key = (cell.organisation_id, cell.meeting_kind, cell.period_start, str(stage))
        if key in done:
            continue
        marks.append(
            ReminderSent(
                organisation_id=cell.organisation_id,
                meeting_kind=cell.meeting_kind,
                period_start=cell.period_start,
                stage=stage,
            )
        )
        path = cell.organisation.path
        if stage == ReminderStage.DUE:
            to = _nearest_secretaries(path, by_path)
        else:
            own = by_path.get(path, [])
            parent = path[: -Organisation.steplen]
            above = _nearest_secretaries(parent, by_path) if parent else []
            to = [*own, *(u for u in above if u not in own)]
        values = {
            "org": cell.organisation.name,
            "kind": kind_in_sentence(cell.meeting_kind),
            "period": period_label(cell.rule.frequency, cell.period_start),
            "end": cell.period_end.isoformat(),
        }
        line = (
            _("%(org)s：%(kind)s（%(period)s，%(end)s 前）") % values
            if stage == ReminderStage.DUE
            else _("%(org)s：%(period)s未开展%(kind)s") % values
        )
        for user in to:
            recipients[user.pk] = user
            lines[(str(stage), user.pk)].append(line)
    sent = 0
    with transaction.atomic():
        ReminderSent.objects.bulk_create(marks, ignore_conflicts=True)
        for (stage, user_pk), found in lines.items():
            user = recipients[user_pk]
            title = (
                _("组织生活提醒：%(n)s 项即将到期")
                if stage == ReminderStage.DUE
                else _("组织生活逾期：%(n)s 项未按期开展")
            ) % {"n": len(found)}
            body = "；".join(found)
            notify(
                recipients=[user],
                title=title,
                body=body,
                link=reverse("meetings:compliance_dashboard"),
            )
            transaction.on_commit(lambda r=[user], t=title, b=body: channels.send(r, t, b))
            sent += 1
    return sent


@periodic("30 2 * * *", name="meetings.rebuild_compliance")
@task()
def rebuild_compliance_job() -> int:
    return rebuild_compliance()


@periodic("0 8 * * *", name="meetings.send_reminders")
@task()
def send_reminders_job() -> int:
    return send_reminders()
