"""A meeting's study part in the study-hour ledger (learning.StudyRecord).

Each present member is credited the meeting's study hours (source: the meeting). A change of
the attendance, or of the hours, is corrected with reversing entries in the ledger, never by
editing an entry in place."""

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Meeting, MeetingStatus


def _ledger():
    try:
        from learning import services
    except ImportError:  # the learning app's ledger is not merged yet
        return None
    return services if hasattr(services, "credit_study_hours") else None


def sync(*, actor, meeting: Meeting, before: set[int], after: set[int], rebook: bool = False):
    """Credit those newly present and reverse those no longer present; with `rebook` (the
    hours changed) reverse everyone credited and credit again."""
    ledger = _ledger()
    if ledger is None:
        return
    from organisations.models import Member

    hours = meeting.study_hours if meeting.status == MeetingStatus.HELD else 0
    reverse = (before - after) | (before if rebook else set())
    credit = (after - before) | (after if rebook else set())
    members = Member.objects.in_bulk(reverse | credit)
    reason = _("出席情况或学时变更：%(title)s") % {"title": meeting.title}
    for member_id in sorted(reverse):
        ledger.reverse_study_credit(
            actor=actor, member=members[member_id], source=meeting, reason=reason
        )
    if not hours or hours <= 0:
        return
    description = meeting.study_topic or meeting.title
    for member_id in sorted(credit):
        ledger.credit_study_hours(
            actor=actor,
            member=members[member_id],
            on=timezone.localdate(meeting.starts_at),
            hours=hours,
            source_kind="meeting",
            source=meeting,
            description=description,
        )
