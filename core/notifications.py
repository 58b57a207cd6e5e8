"""Sending in-app notifications (站内通知). Any app calls `notify`; the home page shows them."""

from collections.abc import Iterable

from django.db import transaction

from .models import Notification


def notify(*, recipients: Iterable, title: str, body: str = "", link: str = "") -> int:
    """Notify `recipients` (accounts) once the surrounding transaction commits, so a write
    that is rolled back sends nothing. Returns how many were notified."""
    recipients = list(recipients)

    def send() -> None:
        Notification.objects.bulk_create(
            [Notification(recipient=r, title=title[:200], body=body, link=link) for r in recipients]
        )

    transaction.on_commit(send)
    return len(recipients)
