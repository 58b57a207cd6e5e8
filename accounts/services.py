"""Account administration (security officer) and login events. Every step is audited."""

import secrets
import string
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action

from .models import Role, User

if TYPE_CHECKING:
    from knox.models import AuthToken

ACCOUNT_FIELDS = (
    "username",
    "role",
    "organisation",
    "member",
    "phone",
    "display_name",
    "is_active",
)


def generate_initial_password() -> str:
    """A random password meeting every policy class; the user must change it at first login."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(10))
    upper, symbol, digit = (
        secrets.choice(string.ascii_uppercase),
        secrets.choice("!@#%+="),
        secrets.randbelow(10),
    )
    return f"{core}{upper}{symbol}{digit}"


def _check_role(user: User) -> None:
    errors = {}
    if user.role == Role.SECRETARY and not user.organisation_id:
        errors["organisation"] = _("书记/党务干部账号须指定所在党组织。")
    if user.role == Role.MEMBER and not user.member_id:
        errors["member"] = _("党员账号须关联党员档案。")
    if user.role in (Role.COMMITTEE_ADMIN, Role.AUDITOR, Role.SECURITY_OFFICER) and (
        user.organisation_id
    ):
        errors["organisation"] = _("该角色不限定党组织，请留空。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def account_create(
    *, actor, username: str, role: str, request=None, password: str | None = None, **fields
) -> tuple[User, str]:
    """A new account with an initial password (returned once, to hand over)."""
    user = User(username=username.strip(), role=role, must_change_password=True, **fields)
    if not user.phone:
        user.phone = None
    _check_role(user)
    password = password or generate_initial_password()
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=user,
        organisation=user.organisation_id,
        changes=audit.diff({}, audit.snapshot(user, ACCOUNT_FIELDS)),
        request=request,
    )
    return user, password


@transaction.atomic
def account_update(*, actor, user: User, request=None, **fields) -> User:
    before = audit.snapshot(user, ACCOUNT_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value)
    if not user.phone:
        user.phone = None
    _check_role(user)
    user.full_clean(exclude=["password"])
    changes = audit.diff(before, audit.snapshot(user, ACCOUNT_FIELDS))
    if changes:
        user.save(update_fields=list(fields))
        audit.record(
            actor=actor, action=Action.UPDATE, target=user, changes=changes, request=request
        )
        if "is_active" in changes and not user.is_active:
            from .selectors import sessions_of

            sessions_end(actor=actor, keys=sessions_of(user), request=request, target=user)
            api_tokens_revoke(actor=actor, user=user, request=request)
    return user


@transaction.atomic
def account_reset_password(*, actor, user: User, request=None) -> str:
    password = generate_initial_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        target=user,
        changes={"password": ["***", "*** (reset)"]},
        request=request,
    )
    api_tokens_revoke(actor=actor, user=user, request=request)
    return password


@transaction.atomic
def password_change(*, user: User, new_password: str, request=None) -> None:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(actor=user, action=Action.PASSWORD_CHANGE, target=user, request=request)
    api_tokens_revoke(actor=user, user=user, request=request)


@transaction.atomic
def account_unlock(*, actor, username: str = "", ip_address: str = "", request=None) -> int:
    """Lift a lockout early (安全员)."""
    from axes.utils import reset

    count = reset(username=username) if username else reset(ip=ip_address)
    audit.record(
        actor=actor,
        action=Action.UNLOCK,
        target_repr=username or ip_address,
        changes={"username": username, "ip_address": ip_address, "attempts_cleared": count},
        request=request,
    )
    return count


def login_recorded(*, user: User, request) -> None:
    audit.record(actor=user, action=Action.LOGIN, target=user, request=request)


def login_failed_recorded(*, username: str, request) -> None:
    audit.record(
        actor=None,
        actor_name=username[:150],
        action=Action.LOGIN_FAILED,
        target_repr=username,
        request=request,
    )


def lockout_recorded(*, username: str, request) -> None:
    audit.record(
        actor=None,
        actor_name=username[:150],
        action=Action.LOCKOUT,
        target_repr=username,
        request=request,
    )


def logout_recorded(*, user: User, request) -> None:
    audit.record(actor=user, action=Action.LOGOUT, target=user, request=request)


def _token_label(token) -> str:
    """How a token is named on screen and in the log: its first 8 characters (of 64), enough
    to tell one's tokens apart and far too few to use."""
    return f"{token.token_key[:8]}…"


@transaction.atomic
def api_token_create(*, user: User, request=None) -> tuple["AuthToken", str]:
    """A new API token (django-rest-knox) for `user`, valid API_TOKEN_TTL_DAYS days.

    Returns the token's row and the token itself, to be shown once: only its hash is kept."""
    from knox.models import AuthToken
    from knox.settings import knox_settings

    # Lock the account's row: two simultaneous requests must not both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None and AuthToken.objects.filter(user=user).count() >= limit:
        raise ValidationError(
            _("每个账号最多同时持有 %(n)d 个 API 令牌，请先吊销不再使用的令牌。") % {"n": limit}
        )
    token, key = AuthToken.objects.create(user=user)
    audit.record(
        actor=user,
        action=Action.CREATE,
        target=user,
        changes={
            "api_token": [None, _token_label(token)],
            "expiry": [None, token.expiry.isoformat()],
        },
        request=request,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, user: User, token: "AuthToken", request=None) -> None:
    """The user revokes one of their own API tokens."""
    if token.user_id != user.pk:
        raise PermissionDenied
    token.delete()
    audit.record(
        actor=user,
        action=Action.DELETE,
        target=user,
        changes={"api_token": [_token_label(token), None]},
        request=request,
    )


@transaction.atomic
def api_tokens_revoke(*, actor, user: User, request=None) -> int:
    """Revoke every API token of `user`: on a password change or reset, on deactivation, or
    by the user at once. Audited when there was any."""
    from knox.models import AuthToken

    count, _deleted = AuthToken.objects.filter(user=user).delete()
    if count:
        audit.record(
            actor=actor,
            action=Action.DELETE,
            target=user,
            changes={"api_tokens": [count, 0]},
            request=request,
        )
    return count


def notify(*, recipients, title: str, body: str = "", link: str = "") -> int:
    """In-app notifications (站内通知), sent after the surrounding transaction commits."""
    from .models import Notification

    recipients = list(recipients)

    def send():
        Notification.objects.bulk_create(
            [Notification(recipient=r, title=title[:200], body=body, link=link) for r in recipients]
        )

    transaction.on_commit(send)
    return len(recipients)


def secretaries_over(organisation) -> "list[User]":
    """Active secretary accounts whose subtree contains `organisation`."""
    prefixes = [organisation.path[:n] for n in range(4, len(organisation.path) + 1, 4)]
    return list(
        User.objects.filter(role=Role.SECRETARY, is_active=True, organisation__path__in=prefixes)
    )


@transaction.atomic
def sessions_end(*, actor, keys: list[str], request=None, target: User | None = None) -> int:
    """Sign sessions out (安全员 or on deactivation); the actor's own session is kept."""
    from django.contrib.sessions.models import Session

    own = getattr(getattr(request, "session", None), "session_key", None)
    deleted, _ = Session.objects.filter(session_key__in=[k for k in keys if k != own]).delete()
    if deleted:
        audit.record(
            actor=actor,
            action=Action.LOGOUT,
            target=target,
            target_repr=str(target or ""),
            changes={"sessions_ended": deleted},
            request=request,
        )
    return deleted
