"""Account administration (security officer) and login events. Every step is audited."""

import getpass
import operator
import re
import secrets
import string
from functools import reduce
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import services as audit
from audit.models import Action
from core import crypto
from core.actors import Actor, Operator
from core.actors import operator as actor_operator

from .models import (
    PRIVILEGED_ROLES,
    AccountRequest,
    AccountRequestStatus,
    Role,
    User,
)

if TYPE_CHECKING:
    from knox.models import AuthToken

    from core.models import Notification
    from organisations.models import Member, Organisation

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
    # Printed on the account sheet and typed from paper: no 0/O, 1/l/I look-alikes.
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    core = "".join(secrets.choice(alphabet) for _ in range(10))
    upper, symbol, digit = (
        secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ"),
        secrets.choice("!@#%+="),
        secrets.choice("23456789"),
    )
    return f"{core}{upper}{symbol}{digit}"


PRIVILEGED_ROLE_MESSAGE = gettext_lazy(
    "工委管理员、审计员、安全员账号只能在服务器上用命令创建、变更角色和重置密码（三员分立），"
    "请联系系统运维人员。"
)


def _check_role(user: User) -> None:
    errors = {}
    if user.role == Role.SECRETARY and not user.organisation_id:
        errors["organisation"] = _("书记/党务干部账号须指定所在党组织。")
    if user.role == Role.MEMBER and not user.member_id:
        errors["member"] = _("党员账号须关联党员档案。")
    if user.role in PRIVILEGED_ROLES and user.organisation_id:
        errors["organisation"] = _("该角色不限定党组织，请留空。")
    if errors:
        raise ValidationError(errors)


def _new_account(
    *, username: str, role: str, password: str | None, fields: dict
) -> tuple[User, str]:
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"not account fields: {sorted(unknown)}")
    user = User(username=username.strip(), role=role, must_change_password=True, **fields)
    if not user.phone:
        user.phone = None
    _check_role(user)
    password = password or generate_initial_password()
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    return user, password


@transaction.atomic
def account_create(
    *,
    actor: Actor,
    username: str,
    role: str,
    request: HttpRequest | None = None,
    password: str | None = None,
    **fields: object,
) -> tuple[User, str]:
    """A new secretary or member account with an initial password (returned once, to hand
    over). Privileged accounts are made by `privileged_account_create` only."""
    if role in PRIVILEGED_ROLES:
        raise ValidationError({"role": PRIVILEGED_ROLE_MESSAGE})
    user, password = _new_account(username=username, role=role, password=password, fields=fields)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=user,
        organisation=user.organisation_id,
        changes=audit.diff({}, audit.snapshot(user, ACCOUNT_FIELDS)),
        request=request,
    )
    return user, password


def _apply(user: User, fields: dict) -> dict:
    """Set `fields` on `user` (loaded from the database) and validate; the changes made."""
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"not account fields: {sorted(unknown)}")
    before = audit.snapshot(user, ACCOUNT_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value)
    if not user.phone:
        user.phone = None
    _check_role(user)
    user.full_clean(exclude=["password"])
    return audit.diff(before, audit.snapshot(user, ACCOUNT_FIELDS))


@transaction.atomic
def account_update(
    *, actor: Actor, user: User, request: HttpRequest | None = None, **fields: object
) -> User:
    """Change an account. The stored account is loaded afresh, so the "before" of the audit
    event is what the database held, whatever the caller did to `user`. Moving an account into
    or out of a privileged role is for `privileged_account_set_role` only."""
    user = User.objects.select_for_update().get(pk=user.pk)
    role_before = user.role
    if (
        "role" in fields
        and fields["role"] != role_before
        and (role_before in PRIVILEGED_ROLES or fields["role"] in PRIVILEGED_ROLES)
    ):
        raise ValidationError({"role": PRIVILEGED_ROLE_MESSAGE})
    changes = _apply(user, fields)
    if changes:
        user.save(update_fields=[name for name in fields if name in changes])
        audit.record(
            actor=actor, action=Action.UPDATE, target=user, changes=changes, request=request
        )
        if "is_active" in changes and not user.is_active:
            sessions_end(actor=actor, user=user, request=request)
            api_tokens_revoke(actor=actor, user=user, request=request)
    return user


def _reset_password(user: User) -> str:
    password = generate_initial_password()
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    # A sheet still holding the old initial password would now mislead.
    AccountRequest.objects.filter(account=user).exclude(initial_password_encrypted="").update(
        initial_password_encrypted=""
    )
    return password


@transaction.atomic
def account_reset_password(*, actor: Actor, user: User, request: HttpRequest | None = None) -> str:
    """A new initial password for a secretary or member account (安全员)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role in PRIVILEGED_ROLES:
        raise ValidationError(PRIVILEGED_ROLE_MESSAGE)
    password = _reset_password(user)
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        target=user,
        changes={"password": ["***", "*** (reset)"]},
        request=request,
    )
    api_tokens_revoke(actor=actor, user=user, request=request)
    return password


# 三员分立: the privileged accounts' procedure, run only from the server's command line
# (manage.py privileged_account) by an operator who holds none of the three roles. Each step is
# audited under the operator's name, with the operating-system user who ran it.


def _operator(name: str) -> Operator:
    """The person at the server's command line, as the operator the audit log names."""
    if not name.strip():
        raise ValidationError(_("须写明操作人姓名。"))
    return actor_operator(name.strip()[:140])


def _operator_record(
    *, operator: str, step: str, reason: str, user: User, action: Action, changes: dict[str, Any]
) -> None:
    via = f"manage.py privileged_account {step} (os user {getpass.getuser()})"
    audit.record(
        actor=_operator(operator),
        action=action,
        target=user,
        changes=changes,
        reason=f"{via}: {reason}" if reason else via,
    )


def _privileged_account(username: str) -> User:
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        raise ValidationError(_("没有用户名为 %(name)s 的账号。") % {"name": username})
    return user


@transaction.atomic
def privileged_account_create(
    *, operator: str, username: str, role: str, reason: str = "", **fields: object
) -> tuple[User, str]:
    """A committee admin, auditor or security officer account, with an initial password for the
    operator to hand over in person; it must be changed at first sign-in."""
    if role not in PRIVILEGED_ROLES:
        raise ValidationError({"role": _("书记/党务干部和党员账号由安全员在“账号管理”页面创建。")})
    user, password = _new_account(username=username, role=role, password=None, fields=fields)
    _operator_record(
        operator=operator,
        step="create",
        reason=reason,
        user=user,
        action=Action.CREATE,
        changes=audit.diff({}, audit.snapshot(user, ACCOUNT_FIELDS)),
    )
    return user, password


@transaction.atomic
def privileged_account_reset_password(*, operator: str, username: str, reason: str = "") -> str:
    user = _privileged_account(username)
    if user.role not in PRIVILEGED_ROLES:
        raise ValidationError(_("书记/党务干部和党员账号的密码由安全员在“账号管理”页面重置。"))
    # The new password hash also ends every session signed in with the old one.
    password = _reset_password(user)
    api_tokens_revoke(actor=_operator(operator), user=user)
    _operator_record(
        operator=operator,
        step="reset",
        reason=reason,
        user=user,
        action=Action.UPDATE,
        changes={"password": ["***", "*** (reset)"]},
    )
    return password


@transaction.atomic
def privileged_account_set_role(
    *, operator: str, username: str, role: str, reason: str = "", **fields: object
) -> User:
    """Move an account into, out of or between the privileged roles (with the organisation or
    member record the new role needs); the account's sessions end."""
    user = _privileged_account(username)
    if role not in PRIVILEGED_ROLES and user.role not in PRIVILEGED_ROLES:
        raise ValidationError(
            {"role": _("书记/党务干部和党员之间的角色变更由安全员在“账号管理”页面进行。")}
        )
    if role in PRIVILEGED_ROLES:
        fields = {"organisation": None, "member": None, **fields}
    changes = _apply(user, {"role": role, **fields})
    if changes:
        user.save(update_fields=["role", *fields])
        _operator_record(
            operator=operator,
            step="set-role",
            reason=reason,
            user=user,
            action=Action.UPDATE,
            changes=changes,
        )
        sessions_end(actor=_operator(operator), user=user)
        api_tokens_revoke(actor=_operator(operator), user=user)
    return user


@transaction.atomic
def password_change(*, user: User, new_password: str, request: HttpRequest | None = None) -> None:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    # The sheet's copy of the initial password is of no more use: it is gone.
    AccountRequest.objects.filter(account=user).exclude(initial_password_encrypted="").update(
        initial_password_encrypted=""
    )
    audit.record(actor=user, action=Action.PASSWORD_CHANGE, target=user, request=request)
    api_tokens_revoke(actor=user, user=user, request=request)


def password_change_failed(*, user: User, request: HttpRequest) -> None:
    """A wrong current password on the password-change form counts as a failed sign-in of
    that account from that address (django-axes), so guessing it there locks out the same way."""
    audit.record(
        actor=user,
        action=Action.LOGIN_FAILED,
        target=user,
        changes={"form": "password_change"},
        request=request,
    )
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )


@transaction.atomic
def account_unlock(
    *,
    actor: Actor,
    username: str = "",
    ip_address: str = "",
    request: HttpRequest | None = None,
) -> int:
    """Lift a lockout early (安全员): an account (at every address), an address (for every
    account), or one account at one address."""
    from axes.utils import reset

    from .lockout import canonical_username

    username = canonical_username(username) if username else ""
    count = reset(username=username or None, ip=ip_address or None)
    audit.record(
        actor=actor,
        action=Action.UNLOCK,
        target_repr=username or ip_address,
        changes={"username": username, "ip_address": ip_address, "attempts_cleared": count},
        request=request,
    )
    return count


@transaction.atomic
def login_recorded(*, user: User, request: HttpRequest) -> None:
    audit.record(actor=user, action=Action.LOGIN, target=user, request=request)


@transaction.atomic
def login_failed_recorded(*, username: str, request: HttpRequest) -> None:
    audit.record(
        actor=None,
        actor_name=username[:150],
        action=Action.LOGIN_FAILED,
        target_repr=username,
        request=request,
    )


@transaction.atomic
def lockout_recorded(*, username: str, request: HttpRequest) -> None:
    audit.record(
        actor=None,
        actor_name=username[:150],
        action=Action.LOCKOUT,
        target_repr=username,
        request=request,
    )


@transaction.atomic
def logout_recorded(*, user: User, request: HttpRequest) -> None:
    audit.record(actor=user, action=Action.LOGOUT, target=user, request=request)


def _token_label(token: "AuthToken") -> str:
    """How a token is named on screen and in the log: its first 8 characters (of 64), enough
    to tell one's tokens apart and far too few to use."""
    return f"{token.token_key[:8]}…"


@transaction.atomic
def api_token_create(*, user: User, request: HttpRequest | None = None) -> tuple["AuthToken", str]:
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
def api_token_revoke(*, user: User, token: "AuthToken", request: HttpRequest | None = None) -> None:
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
def api_tokens_revoke(*, actor: Actor, user: User, request: HttpRequest | None = None) -> int:
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


@transaction.atomic
def notification_mark_read(*, actor: Actor, notification: "Notification") -> None:
    """Mark one of the actor's own notifications read (the first reading time is kept).

    Not audited: a notification is the account's own inbox, not party data, and marking it read
    changes nothing anyone else sees."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


@transaction.atomic
def sessions_end(
    *,
    actor: Actor,
    session_ids: list[str] | None = None,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Sign sessions out: those named by their public ids (在线会话 page) or all of `user`'s
    (deactivation, a role change). The actor's own session is kept. One audit event per
    account whose sessions ended."""
    from django.contrib.sessions.models import Session

    from . import selectors, sessions

    if session_ids is not None:
        chosen = selectors.sessions_by_id(session_ids)
    elif user is not None:
        chosen = selectors.sessions_of(user)
    else:
        raise TypeError("sessions_end needs session_ids or user")
    own = getattr(getattr(request, "session", None), "session_key", None)
    own_id = sessions.public_id(own) if own else None
    chosen = [s for s in chosen if s.id != own_id]
    if not chosen:
        return 0
    Session.objects.filter(session_key__in=[s.key for s in chosen]).delete()
    by_user: dict[int, list] = {}
    for session in chosen:
        by_user.setdefault(session.user.pk, []).append(session)
    for ended in by_user.values():
        audit.record(
            actor=actor,
            action=Action.LOGOUT,
            target=ended[0].user,
            changes={"sessions_ended": len(ended), "session_ids": [s.id for s in ended]},
            request=request,
        )
    return len(chosen)


# 账号申请: a secretary asks, the security officer issues, the secretary prints the sheet.

REQUESTABLE_ROLES = (Role.MEMBER, Role.SECRETARY)


def _free_username(base: str, taken: set[str]) -> str:
    """A username from the member's name in pinyin (zhaxiciren, zhaxiciren2, …)."""
    stem = re.sub(r"[^a-z0-9]", "", base.lower())[:24] or "user"
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}{n}"
    taken.add(candidate)
    return candidate


def _check_requestable(member: "Member", role: str) -> None:
    from organisations.models import MemberStatus

    if role not in REQUESTABLE_ROLES:
        raise ValidationError({"role": PRIVILEGED_ROLE_MESSAGE})
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(
            _("%(name)s 不在正常党籍状态，不能开通账号。") % {"name": member.name}
        )
    if User.objects.filter(member=member).exists():
        raise ValidationError(_("%(name)s 已有账号。") % {"name": member.name})
    if AccountRequest.objects.pending().filter(member=member).exists():
        raise ValidationError(_("%(name)s 已有待签发的账号申请。") % {"name": member.name})


def _new_request(
    *, actor: Actor, member: "Member", role: str, request: HttpRequest | None, batch: str = ""
) -> AccountRequest:
    account_request = AccountRequest(
        member=member,
        organisation_id=member.organisation_id,
        name=member.name,
        role=role,
        requested_by=cast(User, actor),
    )
    account_request.full_clean()
    account_request.save()
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=account_request,
        organisation=member.organisation_id,
        changes={"member": [None, member.name], "role": [None, role]},
        request=request,
        batch=batch,
    )
    return account_request


@transaction.atomic
def account_request_create(
    *, actor: Actor, member: "Member", role: str = Role.MEMBER, request: HttpRequest | None = None
) -> AccountRequest:
    """Ask for an account for one member of the actor's subtree (书记/党务干部, 工委管理员)."""
    from organisations.services import require_editable

    require_editable(actor, member.organisation)
    _check_requestable(member, role)
    return _new_request(actor=actor, member=member, role=role, request=request)


@transaction.atomic
def account_requests_for_organisation(
    *, actor: Actor, organisation: "Organisation", request: HttpRequest | None = None
) -> list[AccountRequest]:
    """Ask for member accounts for every active member of `organisation` (its subtree) who has
    neither an account nor a request waiting. One audit event per request, sharing a batch."""
    from organisations.models import Member, MemberStatus
    from organisations.services import require_editable

    require_editable(actor, organisation)
    members = (
        Member.objects.editable_by(actor)
        .in_subtree(organisation)
        .filter(status=MemberStatus.ACTIVE, account__isnull=True)
        .exclude(account_requests__status=AccountRequestStatus.PENDING)
        .order_by("name_pinyin", "id")
    )
    batch = secrets.token_hex(8)
    return [
        _new_request(actor=actor, member=m, role=Role.MEMBER, request=request, batch=batch)
        for m in members
    ]


def _require_security_officer(actor: Actor) -> None:
    if getattr(actor, "role", None) != Role.SECURITY_OFFICER:
        raise PermissionDenied


@transaction.atomic
def account_requests_issue(
    *, actor: Actor, request_ids: list[int], request: HttpRequest | None = None
) -> list[AccountRequest]:
    """安全员 issues the chosen pending requests: one secretary or member account each, with a
    generated username and an initial password that waits, encrypted, for the requesting
    organisation's sheet. The security officer never sees the password nor the member record."""
    _require_security_officer(actor)
    chosen = list(
        AccountRequest.objects.select_for_update()
        .pending()
        .filter(pk__in=request_ids)
        .select_related("member")
        .order_by("requested_at", "id")
    )
    if not chosen:
        return []
    stems = [re.sub(r"[^a-z0-9]", "", r.member.name_pinyin.lower())[:24] or "user" for r in chosen]
    taken = set(
        User.objects.filter(
            reduce(operator.or_, (Q(username__startswith=s) for s in set(stems)))
        ).values_list("username", flat=True)
    )
    batch = secrets.token_hex(8)
    issued = []
    for account_request, stem in zip(chosen, stems, strict=True):
        member = account_request.member
        if account_request.role not in REQUESTABLE_ROLES:
            raise ValidationError(PRIVILEGED_ROLE_MESSAGE)
        if User.objects.filter(member=member).exists():
            raise ValidationError(_("%(name)s 已有账号。") % {"name": member.name})
        fields: dict[str, object] = {"member": member, "display_name": member.name}
        if account_request.role == Role.SECRETARY:
            fields["organisation"] = account_request.organisation
        user, password = _new_account(
            username=_free_username(stem, taken),
            role=account_request.role,
            password=None,
            fields=fields,
        )
        audit.record(
            actor=actor,
            action=Action.CREATE,
            target=user,
            organisation=account_request.organisation_id,
            changes=audit.diff({}, audit.snapshot(user, ACCOUNT_FIELDS)),
            request=request,
            batch=batch,
        )
        account_request.status = AccountRequestStatus.ISSUED
        account_request.decided_by = cast(User, actor)
        account_request.decided_at = timezone.now()
        account_request.account = user
        account_request.username = user.username
        account_request.initial_password_encrypted = crypto.encrypt(password)
        account_request.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "account",
                "username",
                "initial_password_encrypted",
            ]
        )
        audit.record(
            actor=actor,
            action=Action.UPDATE,
            target=account_request,
            organisation=account_request.organisation_id,
            changes={"status": [AccountRequestStatus.PENDING, AccountRequestStatus.ISSUED]},
            request=request,
            batch=batch,
        )
        issued.append(account_request)
    return issued


@transaction.atomic
def account_request_reject(
    *, actor: Actor, account_request: AccountRequest, note: str, request: HttpRequest | None = None
) -> AccountRequest:
    """安全员 sends a request back, saying why."""
    _require_security_officer(actor)
    account_request = AccountRequest.objects.select_for_update().get(pk=account_request.pk)
    if account_request.status != AccountRequestStatus.PENDING:
        raise ValidationError(_("该申请已办理。"))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("请写明退回原因。")})
    account_request.status = AccountRequestStatus.REJECTED
    account_request.decided_by = cast(User, actor)
    account_request.decided_at = timezone.now()
    account_request.note = note[:200]
    account_request.save(update_fields=["status", "decided_by", "decided_at", "note"])
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        target=account_request,
        organisation=account_request.organisation_id,
        changes={"status": [AccountRequestStatus.PENDING, AccountRequestStatus.REJECTED]},
        reason=account_request.note,
        request=request,
    )
    return account_request


@transaction.atomic
def account_sheet_viewed(
    *, actor: Actor, requests: list[AccountRequest], request: HttpRequest | None = None
) -> None:
    """The sheet of initial passwords was shown (to print): an unmasked view, audited with
    the usernames on it (never a password)."""
    if not requests:
        return
    audit.record(
        actor=actor,
        action=Action.REVEAL,
        target_repr="开通账号通知单",  # stored as written; the log shows it to every reader
        organisation=requests[0].organisation_id,
        changes={"initial_passwords": [r.username for r in requests]},
        request=request,
    )
