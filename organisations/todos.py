from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.todos import GROUP_AFTER, TodoGroup, TodoItem, register

from .models import TermStatus
from .selectors import incomplete_members, positions_ending

# A secretary's to-dos name up to this many incomplete records; more are one line with the
# count (core.todos.grouped).
INCOMPLETE_TODOS = GROUP_AFTER


@register
def term_end_todos(user):
    """换届提醒: committees whose term is ending soon (models.TERM_WARNING_DAYS), or has ended.
    Many of one kind become one line (core.todos.grouped) leading to the terms panel."""
    if not user.reads_party_data or user.role == "member":
        return []
    today = timezone.localdate()
    panel = reverse("core:home") + "#panel-terms"
    groups = {
        True: TodoGroup(_("%(n)s 个党组织班子任期已届满，请及时换届"), panel),
        False: TodoGroup(_("%(n)s 个党组织班子任期即将届满"), panel),
    }
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
                group=groups[overdue],
            )
        )
    return items


@register
def incomplete_record_todos(user):
    """资料不全: a secretary completes the member records of their scope that lack 民族,
    入党日期 or the other INCOMPLETE_FIELDS (a roster imported without those columns). Two
    queries."""
    if getattr(user, "role", None) != "secretary" or not user.reads_party_data:
        return []
    total, records = incomplete_members(user, limit=INCOMPLETE_TODOS)
    group = TodoGroup(
        _("%(n)s 名党员资料不全，请补全"),
        reverse("organisations:member_list") + "?incomplete=1",
        total=total,
    )
    return [
        TodoItem(
            title=_("补全 %(name)s 的党员档案（资料不全）") % {"name": record.member.name},
            detail=_("缺：%(fields)s") % {"fields": "、".join(record.missing)},
            url=reverse("organisations:member_update", args=[record.member.pk]),
            group=group,
        )
        for record in records
    ]
