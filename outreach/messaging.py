"""Messages outside the platform (短信 / 邮件) through pluggable backends, console by default.

The in-app notification (core.notifications) always goes out; these add an SMS to a submitter
who left a phone number (their request was answered, or reopened) and an e-mail to handlers
who have an address. A backend is a class named in settings.OUTREACH_MESSAGE_BACKENDS with
`send(message)`; the console backend logs the message with the address masked, so a machine
without an SMS gateway loses nothing and leaks nothing. Messages leave after the commit."""

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

from organisations.id_numbers import mask_phone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    channel: str  # "sms" or "email"
    address: str
    text: str
    subject: str = ""


class ConsoleBackend:
    """Logs every message, its address masked (the default)."""

    def send(self, message: Message) -> None:
        shown = mask_phone(message.address) if message.channel == "sms" else message.address
        logger.info("%s to %s: %s", message.channel, shown, message.text)


class EmailBackend:
    """E-mail messages through Django's mail settings; SMS messages are not its business."""

    def send(self, message: Message) -> None:
        if message.channel == "email":
            send_mail(
                message.subject or message.text[:60],
                message.text,
                None,
                [message.address],
                fail_silently=True,
            )


@lru_cache(maxsize=4)
def _backends(paths: tuple[str, ...]) -> list:
    return [import_string(path)() for path in paths]


def send(messages: list[Message]) -> None:
    """Send once the surrounding transaction commits; a failing backend never breaks a write."""
    messages = [m for m in messages if m.address]
    if not messages:
        return

    def deliver() -> None:
        for backend in _backends(tuple(settings.OUTREACH_MESSAGE_BACKENDS)):
            for message in messages:
                try:
                    backend.send(message)
                except Exception:  # a gateway's failure is logged, the request stays handled
                    logger.exception("message backend %s failed", type(backend).__name__)

    transaction.on_commit(deliver)
