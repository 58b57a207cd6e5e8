from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    name = "roster"
    verbose_name = _("花名册导入导出")

    def ready(self) -> None:
        from . import panels  # noqa: F401  (registers this app's home-page panel)
