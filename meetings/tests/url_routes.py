"""Organisational life's rows in the URL walk (core/tests/test_url_access.py)."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from core.tests.url_walk import ALL_OK, api, api_scoped, both, only, party, scoped
from meetings.models import Attachment, CalendarFeed
from meetings.tests.factories import MeetingFactory


def side_objects(world, side, base):
    meeting = MeetingFactory(
        organisation=base.organisation,
        title=f"主题党日 {side}",
        starts_at=timezone.now() - timedelta(days=1),
    )
    attachment = Attachment(meeting=meeting, name="记录.pdf", kind="pdf")
    attachment.file.save("记录.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return {
        "meeting": meeting,
        "attachment": attachment,
        "feed": CalendarFeed.objects.create(member=base.member),
    }


def _meeting(s):
    return {"pk": s.meeting.pk}


ROUTES = {
    "meetings:meeting_list": ("get", None, party()),
    "meetings:meeting_calendar": ("get", None, party()),
    "meetings:meeting_create": ("get", None, {**party(), "member": 404}),
    "meetings:meeting_register": ("get", None, party()),
    "meetings:meeting_detail": ("get", _meeting, scoped(member=200)),
    "meetings:meeting_update": ("get", _meeting, scoped()),
    "meetings:meeting_cancel": ("post", _meeting, scoped(ok=302)),
    "meetings:meeting_attendance": ("get", _meeting, scoped()),
    "meetings:decision_create": ("get", _meeting, scoped()),
    "meetings:meeting_pdf": ("get", _meeting, scoped(member=200)),
    "meetings:attachment_add": ("post", _meeting, scoped(ok=302)),
    "meetings:attachment_download": (
        "get",
        lambda s: {"pk": s.attachment.pk},
        scoped(member=200),
    ),
    "meetings:compliance_dashboard": ("get", None, party()),
    "meetings:compliance_export": ("get", None, party()),
    "meetings:member_attendance": ("get", lambda s: {"pk": s.member.pk}, scoped(member=200)),
    "meetings:my_calendar": ("get", None, only("member")),
    # The token is the key: a calendar app fetches it without an account.
    "meetings:calendar_feed": ("get", lambda s: {"token": s.feed.token}, both(ALL_OK)),
    "meetings:rule_set_list": ("get", None, {**party(), "member": 404}),
    "meetings:rule_set_create": ("get", lambda s: {"pk": s.organisation.pk}, scoped()),
    # REST API v1 (meetings/api.py): read-only.
    "api:meeting-list": ("get", None, api()),
    "api:meeting-detail": ("get", _meeting, api_scoped(member=200)),
    "api:meeting-compliance-list": ("get", None, api()),
    "api:meeting-compliance-summary": ("get", None, api()),
}
