"""This app's panels on the home page (core.panels): the figures of a subtree, committee terms
ending, incomplete member records; a member's own record."""

from django.utils import timezone

from core.panels import Panel, register
from core.roles import Role

from . import selectors
from .models import OrganisationKind, PositionTitle
from .selectors import scope_summary

MANAGERS = (Role.COMMITTEE_ADMIN, Role.SECRETARY)


@register
def scope_summary_panel(user) -> Panel | None:
    """Organisations (by kind) and members in the subtree of someone who manages one; each
    figure links to the list behind it."""
    if getattr(user, "role", None) not in MANAGERS:
        return None
    summary = scope_summary(user)
    if summary is None:
        return None
    counts = selectors.kind_counts(user)
    kinds = [(kind, counts.get(kind.value, 0)) for kind in OrganisationKind if counts.get(kind)]
    return Panel(
        "organisations/panels/figures.html",
        {"summary": summary, "kinds": kinds, "prefecture": user.role == Role.COMMITTEE_ADMIN},
        place="top",
        order=10,
    )


@register
def terms_panel(user) -> Panel | None:
    """换届: committee positions whose term has ended or ends soon."""
    if getattr(user, "role", None) not in MANAGERS:
        return None
    today = timezone.localdate()
    positions = list(selectors.positions_ending(user, today=today)[:8])
    for position in positions:
        position.status_today = position.term_status_on(today)
    return Panel("organisations/panels/terms.html", {"positions": positions}, order=20)


@register
def incomplete_records_panel(user) -> Panel | None:
    """Member records lacking education, work unit or phone, to complete."""
    if getattr(user, "role", None) not in MANAGERS:
        return None
    total, members = selectors.incomplete_members(user)
    return Panel(
        "organisations/panels/incomplete.html", {"total": total, "members": members}, order=30
    )


@register
def own_record_panel(user) -> Panel | None:
    """A member's own record and organisation."""
    if getattr(user, "role", None) != Role.MEMBER:
        return None
    member = selectors.own_record(user)
    if member is None:
        return None
    officers = list(
        selectors.current_positions(member.organisation).filter(
            title__in=[PositionTitle.SECRETARY, PositionTitle.DEPUTY]
        )
    )
    return Panel(
        "organisations/panels/own_record.html",
        {"member": member, "officers": officers},
        place="top",
        order=10,
    )
