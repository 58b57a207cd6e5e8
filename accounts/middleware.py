import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from . import sessions

# Write the activity stamp at most once a minute, not on every request (saves a session write).
STAMP_EVERY = 60


class SessionLimitsMiddleware:
    """Ends a session after SESSION_IDLE_SECONDS without a request (DESIGN §8: 30 minutes) and
    SESSION_MAX_SECONDS after sign-in however active it is (12 hours: absolute, not sliding —
    the cookie's own expiry slides with every session write)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            if sessions.LOGIN_AT not in session:
                # Signed in by another path than the login page (or before this stamp existed).
                sessions.stamp_sign_in(request, now)
            last = session.get(sessions.LAST_SEEN, now)
            if (
                now - last > settings.SESSION_IDLE_SECONDS
                or now - session[sessions.LOGIN_AT] > settings.SESSION_MAX_SECONDS
            ):
                logout(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?timeout=1")
            if now - last >= STAMP_EVERY:
                sessions.stamp_activity(request, now)
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """An account with an initial, reset or expired password may do nothing but change it."""

    ALLOWED = ("accounts:password_change", "accounts:logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.password_change_due
            and not getattr(request, "auth", None)
            and request.path not in {reverse(name) for name in self.ALLOWED}
            and not request.path.startswith("/api/")
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
