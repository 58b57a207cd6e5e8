"""Login lockout (django-axes, configured in config/settings.py).

Two counts, both over the cool-off period (LOCKOUT_MINUTES):

- failures of one account from one address (LOCKOUT_FAILURES, 5) lock that account at that
  address: one person's typos behind an office's NAT or the reverse proxy lock no one else;
- failures from one address against any accounts (LOCKOUT_ADDRESS_FAILURES, 30) lock the
  address, against password spraying — except for security officer accounts, which only their
  own failures lock, so the one who lifts lockouts always has a way in.

django-axes counts the first (AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]); it has
one failure limit for all its parameters, so the per-address count is added here, in the one
method axes asks "how many failures count against this attempt?".
"""

from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.utils import timezone

from .models import Role, User


def _account(request, name: str) -> tuple[str, str] | None:
    """(username, role) of the account `name` (a username or phone) signs in to; cached on the
    request, since axes asks several times per attempt."""
    cache = request.__dict__.setdefault("_lockout_accounts", {}) if request is not None else {}
    if name not in cache:
        cache[name] = (
            User.objects.filter(Q(username=name) | Q(phone=name))
            .values_list("username", "role")
            .first()
        )
    return cache[name]


def canonical_username(name: str, request=None) -> str:
    """The account's username for a login name (username or phone); the name itself if no
    account has it."""
    name = (name or "").strip()[:150]
    account = _account(request, name) if name else None
    return account[0] if account else name


def attempted_username(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE: a phone number and its username share one count."""
    if credentials:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "data", request.POST).get("username")
    if not typed:
        return None
    return canonical_username(str(typed), request)


def _cool_off_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - settings.AXES_COOLOFF_TIME


def address_failures(ip_address: str | None, *, since: datetime) -> int:
    if not ip_address:
        return 0
    return (
        AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )


class LockoutHandler(AxesDatabaseHandler):
    """AXES_HANDLER: the database handler plus the per-address threshold."""

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        if failures >= limit:
            return failures
        username = get_client_username(request, credentials)
        account = _account(request, username) if username else None
        if account and account[1] == Role.SECURITY_OFFICER:
            return failures
        since = _cool_off_start(getattr(request, "axes_attempt_time", None))
        if address_failures(request.axes_ip_address, since=since) >= (
            settings.LOCKOUT_ADDRESS_FAILURES
        ):
            return max(failures, limit)
        return failures


def recent_failures(limit: int = 200) -> list[dict]:
    """Failed sign-ins in the cool-off period, one row per account and address, newest first,
    each marked `locked` when that account is locked at that address or the address is."""
    since = _cool_off_start()
    rows = list(
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .order_by("-last")[:limit]
    )
    addresses = locked_addresses()
    for row in rows:
        row["locked"] = (
            row["failures"] >= settings.AXES_FAILURE_LIMIT or row["ip_address"] in addresses
        )
    return rows


def locked_pairs() -> set[tuple[str, str]]:
    """(username, address) pairs locked by their own failures."""
    return {
        (row["username"], row["ip_address"])
        for row in AccessAttempt.objects.filter(attempt_time__gte=_cool_off_start())
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    }


def locked_addresses() -> set[str]:
    """Addresses locked by the per-address threshold."""
    return set(
        AccessAttempt.objects.filter(attempt_time__gte=_cool_off_start())
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.LOCKOUT_ADDRESS_FAILURES)
        .values_list("ip_address", flat=True)
    )
