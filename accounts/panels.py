"""The security officer's panel on the home page (core.panels): locked accounts, accounts never
used, initial passwords not yet changed, signed-in sessions and account requests waiting; and
the 平台账号 section of a member's record (its account, or a request for one)."""

from core.panels import Panel, register, register_member_section
from core.roles import Role

from .forms import AccountRequestForm
from .selectors import member_account_state, security_figures


@register_member_section
def member_account_section(user, member) -> Panel | None:
    account = member_account_state(user, member)
    if account is None:
        return None
    roles = AccountRequestForm.base_fields["role"].choices
    return Panel(
        "accounts/panels/member_account.html",
        {"account": account, "account_roles": roles, "member": member},
        place="side",
        order=10,
    )


@register
def security_panel(user) -> Panel | None:
    if getattr(user, "role", None) != Role.SECURITY_OFFICER:
        return None
    return Panel(
        "accounts/panels/security.html", {"figures": security_figures()}, place="top", order=10
    )
