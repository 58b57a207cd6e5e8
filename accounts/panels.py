"""The security officer's panel on the home page (core.panels): locked accounts, accounts never
used, initial passwords not yet changed, signed-in sessions and account requests waiting."""

from core.panels import Panel, register
from core.roles import Role

from .selectors import security_figures


@register
def security_panel(user) -> Panel | None:
    if getattr(user, "role", None) != Role.SECURITY_OFFICER:
        return None
    return Panel(
        "accounts/panels/security.html", {"figures": security_figures()}, place="top", order=10
    )
