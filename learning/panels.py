"""This app's figures on the home page (core.panels): a member's hours this year; for those
who run an organisation, its members done / on track / behind."""

from django.utils import timezone

from core.panels import Panel, register
from core.roles import Role
from organisations.models import Organisation

from . import selectors


@register
def learning_panel(user) -> Panel | None:
    if not getattr(user, "is_authenticated", False) or not user.reads_party_data:
        return None
    year = timezone.localdate().year
    context: dict = {}
    if user.member is not None:
        context["status"] = selectors.member_year(user.member, year)
    if user.role in (Role.COMMITTEE_ADMIN, Role.SECRETARY):
        organisation = Organisation.objects.editable_by(user).order_by("path").first()
        if organisation is not None:
            # The hourly job's figures only: the home page never counts the whole tree.
            progress = selectors.stored_progress(user, organisation, year)
            if progress is not None:
                context["progress"] = progress
    return Panel("learning/home_panel.html", context) if context else None
