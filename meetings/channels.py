"""Outside channels for meeting notices (email, SMS), behind pluggable backends.

In-app notices always go through core.notifications.notify; besides, each backend named in
settings.MEETING_NOTICE_BACKENDS (dotted paths; default: the console) gets the same notice.
A backend is a class with `send(recipients, title, body)`; an SMS gateway of the deployment
plugs in here without touching the app."""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleBackend:
    """Writes each notice to the log (the default: nothing leaves the machine)."""

    def send(self, recipients, title: str, body: str) -> None:
        for user in recipients:
            logger.info("meeting notice to %s: %s", user.get_username(), title)


class EmailBackend:
    """Sends by Django's mail settings to those whose account has an address."""

    def send(self, recipients, title: str, body: str) -> None:
        messages = [
            (title, body, None, [user.email]) for user in recipients if getattr(user, "email", "")
        ]
        if messages:
            send_mass_mail(messages, fail_silently=True)


def backends() -> list:
    return [import_string(name)() for name in settings.MEETING_NOTICE_BACKENDS]


def send(recipients, title: str, body: str) -> None:
    for backend in backends():
        try:
            backend.send(recipients, title, body)
        except Exception:  # one channel down never stops the others or the write
            logger.exception("meeting notice backend %s failed", type(backend).__name__)
