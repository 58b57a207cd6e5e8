"""Reads for the security officer's pages."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.actors import Actor
from core.roles import Role

from . import lockout, sessions
from .models import AccountRequest, AccountRequestStatus, User

if TYPE_CHECKING:
    from knox.models import AuthToken

    from organisations.models import Member, Organisation


@dataclass(frozen=True)
class ActiveSession:
    """A signed-in session as the 在线会话 page shows it: named by its public id, never by its
    key (the key is a credential)."""

    id: str
    user: User
    address: str
    browser: str
    user_agent: str
    signed_in: datetime | None
    last_seen: datetime | None
    expires: datetime
    key: str = field(repr=False, compare=False)


def _time(value: float | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(value, tz=timezone.get_current_timezone())


def active_sessions(limit: int = 500) -> list[ActiveSession]:
    """Signed-in sessions, newest expiry first. Decodes each session (there are few)."""
    rows = list(
        Session.objects.filter(expire_date__gt=timezone.now()).order_by("-expire_date")[:limit]
    )
    decoded = [(s, s.get_decoded()) for s in rows]
    user_ids = {int(pk) for _session, data in decoded if (pk := data.get("_auth_user_id"))}
    users = User.objects.in_bulk(list(user_ids))
    result = []
    for session, data in decoded:
        user = users.get(int(data["_auth_user_id"])) if data.get("_auth_user_id") else None
        if user is None:
            continue
        user_agent = data.get(sessions.USER_AGENT, "")
        result.append(
            ActiveSession(
                id=sessions.public_id(session.session_key),
                user=user,
                address=data.get(sessions.ADDRESS) or "",
                browser=sessions.browser_summary(user_agent),
                user_agent=user_agent,
                signed_in=_time(data.get(sessions.LOGIN_AT)),
                last_seen=_time(data.get(sessions.LAST_SEEN)),
                expires=session.expire_date,
                key=session.session_key,
            )
        )
    return result


def sessions_by_id(ids: Iterable[str]) -> list[ActiveSession]:
    wanted = set(ids)
    return [s for s in active_sessions() if s.id in wanted]


def sessions_of(user: User) -> list[ActiveSession]:
    return [s for s in active_sessions() if s.user.pk == user.pk]


def locked_usernames() -> set[str]:
    """Accounts locked (by their own failures) at one address or more."""
    return {username for username, _address in lockout.locked_pairs()}


def failed_logins(limit: int = 200) -> list[dict]:
    return lockout.recent_failures(limit)


def locked_addresses() -> set[str]:
    return lockout.locked_addresses()


def account_list(*, role: str = "", query: str = "", state: str = "") -> QuerySet[User]:
    """The security officer's account list (账号管理): every account, by role and username,
    optionally of one role, in one state (ACCOUNT_STATES, or "locked") and matching a username
    or name. Accounts are not party data and are not scoped by the tree; the security
    officer's role gate is the scope."""
    accounts = User.objects.select_related("organisation").order_by("role", "username")
    if role in Role.values:
        accounts = accounts.filter(role=role)
    if state in ACCOUNT_STATES:
        accounts = accounts.filter(ACCOUNT_STATES[state])
    elif state == "locked":
        accounts = accounts.filter(username__in=sorted(locked_usernames()))
    if query:
        accounts = accounts.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    return accounts


def api_tokens_of(user: User) -> "QuerySet[AuthToken]":
    """The user's API tokens that still work, newest first (expired ones are refused by the
    authentication and removed when the user next creates one)."""
    from knox.models import AuthToken

    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


# 账号申请 (accounts requested by secretaries, issued by the security officer).


ACCOUNT_REQUESTERS = (Role.SECRETARY, Role.COMMITTEE_ADMIN)


@dataclass(frozen=True)
class MemberAccountState:
    """What a member's record page says about their platform account, for someone who may
    ask for one: the account's username, else the latest request (waiting or sent back)."""

    username: str | None
    latest_request: AccountRequest | None

    @property
    def pending(self) -> bool:
        return (
            self.latest_request is not None
            and self.latest_request.status == AccountRequestStatus.PENDING
        )


def member_account_state(user: Actor, member: "Member") -> MemberAccountState | None:
    """None unless `user` asks for accounts (书记/党务干部, 工委管理员) and `member` is in their
    write scope (`member.organisation` loaded with it). Two queries at most."""
    from organisations.policy import can_edit

    if getattr(user, "role", None) not in ACCOUNT_REQUESTERS:
        return None
    if not can_edit(user, member.organisation):
        return None
    username = User.objects.filter(member=member).values_list("username", flat=True).first()
    latest = None
    if username is None:
        latest = (
            AccountRequest.objects.filter(member=member)
            .exclude(status=AccountRequestStatus.ISSUED)
            .only("id", "status", "requested_at", "note", "member_id")
            .order_by("-requested_at", "-id")
            .first()
        )
    return MemberAccountState(username=username, latest_request=latest)


def requestable_organisations(user: Actor) -> "QuerySet[Organisation]":
    """The organisations whose members `user` may ask accounts for (their write scope)."""
    from organisations.models import Organisation

    return Organisation.objects.editable_by(user).order_by("path")


def members_without_account(
    user: Actor, organisation: "Organisation | None" = None
) -> "QuerySet[Member]":
    """Active members in `user`'s write scope (under `organisation` if given) who have no
    account and no request waiting."""
    from django.db.models import Exists, OuterRef

    from organisations.models import Member, MemberStatus

    members = Member.objects.editable_by(user).filter(
        status=MemberStatus.ACTIVE, account__isnull=True
    )
    if organisation is not None:
        members = members.in_subtree(organisation)
    waiting = AccountRequest.objects.pending().filter(member=OuterRef("pk"))
    return (
        members.filter(~Exists(waiting))
        .select_related("organisation")
        .only("id", "name", "organisation__id", "organisation__name", "name_pinyin")
        .order_by("organisation__path", "name_pinyin", "id")
    )


def account_requests_of(user: Actor) -> "QuerySet[AccountRequest]":
    """The requests of `user`'s subtree, newest first (secretary, committee admin)."""
    return AccountRequest.objects.visible_to(user).select_related("organisation")


def sheet_requests(user: Actor, organisation_id: int | None = None) -> "QuerySet[AccountRequest]":
    """Issued accounts of `user`'s subtree whose initial password has not been changed yet:
    the lines of the printable sheet."""
    rows = (
        AccountRequest.objects.editable_by(user)
        .filter(status=AccountRequestStatus.ISSUED)
        .exclude(initial_password_encrypted="")
        .select_related("organisation")
        .order_by("organisation__path", "name")
    )
    if organisation_id:
        rows = rows.filter(organisation_id=organisation_id)
    return rows


def issuing_queue(user: Actor) -> "QuerySet[AccountRequest]":
    """The security officer's pending requests, oldest first (name, organisation, role)."""
    return AccountRequest.objects.for_issuing(user).pending().order_by("requested_at", "id")


QUEUE_SHOWN = 200  # issued in rounds of at most this many


def recently_decided(user: Actor, limit: int = 20) -> list[AccountRequest]:
    return list(
        AccountRequest.objects.for_issuing(user)
        .exclude(status=AccountRequestStatus.PENDING)
        .order_by("-decided_at", "-id")[:limit]
    )


# --- 工作台: the security officer's dashboard -------------------------------------------------

ACCOUNT_STATES = {
    # state → its filter; the account list filters by these and the dashboard counts them.
    "never_used": Q(is_active=True, last_login__isnull=True),
    "initial_password": Q(is_active=True, must_change_password=True),
    "inactive": Q(is_active=False),
}


@dataclass(frozen=True)
class SecurityFigures:
    locked_accounts: int
    locked_addresses: int
    never_used: int
    initial_password: int
    sessions: int
    pending_requests: int


def security_figures() -> SecurityFigures:
    """The security officer's figures, in a fixed number of queries: lockouts (2), accounts
    (1 aggregate), signed-in sessions (2), pending account requests (1)."""
    from django.db.models import Count

    counts = User.objects.aggregate(
        **{name: Count("pk", filter=condition) for name, condition in ACCOUNT_STATES.items()}
    )
    return SecurityFigures(
        locked_accounts=len(locked_usernames()),
        locked_addresses=len(locked_addresses()),
        never_used=counts["never_used"],
        initial_password=counts["initial_password"],
        sessions=len(active_sessions()),
        pending_requests=AccountRequest.objects.pending().count(),
    )
