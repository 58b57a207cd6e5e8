from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("党组织与党员")

    def ready(self) -> None:
        from . import todos  # noqa: F401  (registers this app's to-do items)
