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
    return services if hasattr(services, "credit_study_hours_many") else None


def sync(*, actor, meeting: Meeting, before: set[int], after: set[int], rebook: bool = False):
    """Credit those newly present and reverse those no longer present; with `rebook` (the
    hours changed) reverse everyone credited and credit again. A fixed number of queries
    whatever the number of attendees (the ledger's bulk services)."""
    ledger = _ledger()
    if ledger is None:
        return
    from organisations.models import Member

    hours = meeting.study_hours if meeting.status == MeetingStatus.HELD else 0
    reverse = (before - after) | (before if rebook else set())
    credit = (after - before) | (after if rebook else set())
    if not hours or hours <= 0:
        credit = set()
    if not reverse and not credit:
        return
    members = Member.objects.in_bulk(reverse | credit)
    if reverse:
        ledger.reverse_study_credits_many(
            actor=actor,
            members=[members[i] for i in sorted(reverse)],
            source=meeting,
            reason=_("出席情况或学时变更：%(title)s") % {"title": meeting.title},
        )
    if credit:
        on = timezone.localdate(meeting.starts_at)
        ledger.credit_study_hours_many(
            actor=actor,
            entries=[ledger.StudyEntry(members[i], on, hours) for i in sorted(credit)],
            source_kind="meeting",
            source=meeting,
            description=meeting.study_topic or meeting.title,
        )
