"""Reads for the security officer's pages."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.sessions.models import Session
from django.utils import timezone

from .models import User


@dataclass(frozen=True)
class ActiveSession:
    key: str
    user: User
    expires: datetime
    last_seen: datetime | None


def active_sessions(limit: int = 500) -> list[ActiveSession]:
    """Signed-in sessions, newest expiry first. Decodes each session (there are few)."""
    sessions = list(
        Session.objects.filter(expire_date__gt=timezone.now()).order_by("-expire_date")[:limit]
    )
    decoded = [(s, s.get_decoded()) for s in sessions]
    user_ids = {data.get("_auth_user_id") for _session, data in decoded} - {None}
    users = User.objects.in_bulk([int(pk) for pk in user_ids])
    result = []
    for session, data in decoded:
        user = users.get(int(data["_auth_user_id"])) if data.get("_auth_user_id") else None
        if user is None:
            continue
        seen = data.get("last_seen")
        result.append(
            ActiveSession(
                key=session.session_key,
                user=user,
                expires=session.expire_date,
                last_seen=datetime.fromtimestamp(seen, tz=timezone.get_current_timezone())
                if seen
                else None,
            )
        )
    return result


def sessions_of(user: User) -> list[str]:
    return [s.key for s in active_sessions() if s.user.pk == user.pk]


def api_tokens_of(user: User):
    """The user's API tokens that still work, newest first (expired ones are refused by the
    authentication and removed when the user next creates one)."""
    from knox.models import AuthToken

    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")
