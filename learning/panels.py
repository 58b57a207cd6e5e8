"""This app's figures on the home page (core.panels): a member's hours this year against the
requirement; for those who run an organisation, its members done / on track / behind (from the
hourly progress job's table, never counted on the home page)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.panels import Figure, Panel, figures_panel, register
from core.roles import Role
from organisations.models import Organisation

from . import selectors
from .ledger import requirement_for


@register
def learning_panel(user) -> Panel | None:
    if not getattr(user, "is_authenticated", False) or not user.reads_party_data:
        return None
    year = timezone.localdate().year
    figures: list[Figure] = []
    if user.member is not None:
        hours = selectors.member_year_hours(user.member, year)
        required = requirement_for(user.member, year).hours
        figures.append(
            Figure(
                _("%(year)s 年学时") % {"year": year},
                f"{hours.normalize():f} / {required:f}",
                reverse("learning:my_study"),
                "" if hours >= required else "warning",
            )
        )
    if user.role in (Role.COMMITTEE_ADMIN, Role.SECRETARY):
        organisation = Organisation.objects.editable_by(user).order_by("path").first()
        progress = organisation and selectors.stored_progress(user, organisation, year)
        if progress:
            url = reverse("learning:hours_dashboard") + f"?organisation={organisation.pk}&status="
            figures += [
                Figure(_("学时已达标"), progress.done, url + "done"),
                Figure(_("学时进度滞后"), progress.behind, url + "behind", "warning"),
            ]
    return figures_panel(figures, order=60) if figures else None
