from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("党员教育")

    def ready(self) -> None:
        # Register this app's to-do items and home-page figures.
        from . import panels, todos  # noqa: F401
