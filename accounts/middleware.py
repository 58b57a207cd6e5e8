import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

# Write the activity stamp at most once a minute, not on every request (saves a session write).
STAMP_EVERY = 60


class IdleTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_SECONDS without a request (DESIGN §8: 30 minutes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen", now)
            if now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?timeout=1")
            if now - last >= STAMP_EVERY or "last_seen" not in request.session:
                request.session["last_seen"] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """An account with an initial or reset password may do nothing but change it."""

    ALLOWED = ("accounts:password_change", "accounts:logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.must_change_password
            and not getattr(request, "auth", None)
            and request.path not in {reverse(name) for name in self.ALLOWED}
            and not request.path.startswith("/api/")
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
