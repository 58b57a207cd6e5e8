"""What a signed-in session carries besides the login, and how the 在线会话 page names it.

A session key is a bearer credential: whoever has it is signed in. The security officer's page
therefore never shows one; it names each session by an HMAC of the key under SECRET_KEY, which
identifies the session to the server and is useless as a cookie."""

import re
import time

from django.utils.crypto import salted_hmac

from core.network import client_ip

# Keys stored in the session (beside Django's own).
LOGIN_AT = "login_at"  # epoch seconds of sign-in: the absolute session maximum counts from it
LAST_SEEN = "last_seen"  # epoch seconds of the latest request (written at most once a minute)
ADDRESS = "address"  # client address of the latest stamped request
USER_AGENT = "user_agent"  # the browser's User-Agent at sign-in, truncated

USER_AGENT_MAX = 300


def public_id(session_key: str) -> str:
    """The opaque name of a session on the security officer's page."""
    return salted_hmac("accounts.sessions.public_id", session_key).hexdigest()[:32]


def stamp_sign_in(request, now: int | None = None) -> None:
    """Record when, where from and with what browser the session signed in."""
    now = int(time.time()) if now is None else now
    session = request.session
    session[LOGIN_AT] = now
    session[LAST_SEEN] = now
    session[ADDRESS] = client_ip(request)
    session[USER_AGENT] = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]


def stamp_activity(request, now: int) -> None:
    request.session[LAST_SEEN] = now
    request.session[ADDRESS] = client_ip(request)


_BROWSERS = (
    ("WeChat", re.compile(r"MicroMessenger/(\d+)")),
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/")),
)
_SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux|X11")),
)


def browser_summary(user_agent: str) -> str:
    """'Chrome 120 · Windows' from a User-Agent; the start of the string when unknown."""
    if not user_agent:
        return ""
    browser = next(
        (f"{name} {m.group(1)}" for name, rx in _BROWSERS if (m := rx.search(user_agent))), ""
    )
    system = next((name for name, rx in _SYSTEMS if rx.search(user_agent)), "")
    summary = " · ".join(part for part in (browser, system) if part)
    return summary or user_agent[:40]
