"""The roles an account can hold (角色). One role per account, so 三员分立 (admin / auditor /
security officer) holds by construction.

They live here, below every app, because both the scoping policy (organisations.policy) and the
accounts app read them, and the policy must not depend on the accounts app that depends on it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMITTEE_ADMIN = "committee_admin", _("工委管理员")
    SECRETARY = "secretary", _("党组织书记/党务干部")
    MEMBER = "member", _("党员")
    AUDITOR = "auditor", _("审计员")
    SECURITY_OFFICER = "security_officer", _("安全员")


# Roles that work with party data; auditor and security officer never read it.
PARTY_DATA_ROLES = frozenset({Role.COMMITTEE_ADMIN, Role.SECRETARY, Role.MEMBER})
