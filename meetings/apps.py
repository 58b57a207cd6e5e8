from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("组织生活")

    def ready(self) -> None:
        # The secretary's to-dos on the home page; the periodic jobs (core.periodic).
        from organisations.services import on_dissolve

        from . import tasks, todos  # noqa: F401
        from .compliance import on_dissolved

        on_dissolve(on_dissolved)
