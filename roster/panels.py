"""This app's panel on the home page (core.panels): imports waiting for a decision."""

from core.panels import Panel, register
from core.roles import Role

from .selectors import waiting_batches


@register
def waiting_imports_panel(user) -> Panel | None:
    if getattr(user, "role", None) not in (Role.COMMITTEE_ADMIN, Role.SECRETARY):
        return None
    return Panel("roster/panels/waiting.html", {"batches": waiting_batches(user)}, order=40)
