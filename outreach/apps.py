"""The party-masses channel: public requests, routing, deadlines, replies, consultations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("党群连心")

    def ready(self) -> None:
        # Register this app's to-do items for the home page.
        from . import todos  # noqa: F401
