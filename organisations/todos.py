from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.todos import TodoItem, register

from .models import TermStatus
from .selectors import positions_ending


@register
def term_end_todos(user):
    """换届提醒: committees whose term is ending soon (models.TERM_WARNING_DAYS), or has ended."""
    if not user.reads_party_data or user.role == "member":
        return []
    today = timezone.localdate()
    items = []
    seen = set()
    for position in positions_ending(user, today=today)[:50]:
        if position.organisation_id in seen:
            continue
        seen.add(position.organisation_id)
        overdue = position.term_status_on(today) == TermStatus.ENDED
        items.append(
            TodoItem(
                title=(
                    _("%(org)s 班子任期已届满，请及时换届")
                    if overdue
                    else _("%(org)s 班子任期将于 %(date)s 届满")
                )
                % {"org": position.organisation.name, "date": position.term_end.isoformat()},
                url=reverse("organisations:organisation_detail", args=[position.organisation_id]),
                level="danger" if overdue else "warning",
            )
        )
    return items
