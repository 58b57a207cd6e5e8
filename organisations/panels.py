"""This app's figures on the home page (core.panels)."""

from core.panels import Panel, register

from .selectors import scope_summary


@register
def scope_summary_panel(user) -> Panel | None:
    """Organisations and members in the subtree of someone who manages one."""
    summary = scope_summary(user)
    if summary is None:
        return None
    return Panel("organisations/home_summary.html", {"summary": summary})
