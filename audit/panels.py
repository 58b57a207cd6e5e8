"""The auditor's panels on the home page (core.panels): recent reveals and exports, failed
sign-ins and lockouts this week, and events by day as a small chart."""

from core.panels import Panel, register
from core.roles import Role

from . import selectors


@register
def auditor_panel(user) -> Panel | None:
    if getattr(user, "role", None) != Role.AUDITOR:
        return None
    activity = selectors.daily_activity(user)
    chart = {
        "days": [d.strftime("%m-%d") for d in activity.days],
        "totals": activity.totals,
        # People's events as bars on the left scale; the system's own jobs (seeding, commands)
        # as a line on a scale of their own, so a seeding day does not flatten the others.
        "people": activity.people,
        "system": activity.system,
        "failed": activity.failed,
        "lockouts": activity.lockouts,
    }
    return Panel(
        "audit/panels/activity.html",
        {"activity": activity, "chart": chart, "since": activity.week_since.isoformat()},
        place="top",
        order=10,
    )


@register
def sensitive_panel(user) -> Panel | None:
    if getattr(user, "role", None) != Role.AUDITOR:
        return None
    return Panel(
        "audit/panels/sensitive.html", {"events": selectors.recent_sensitive(user)}, order=20
    )
