from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as StaticFilesConfig_


class CoreConfig(AppConfig):
    default = True  # this module holds a second AppConfig (StaticFilesConfig, below)
    name = "core"
    verbose_name = "core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the encryption-key check)

        post_migrate.connect(_planner_statistics_after_migrate, sender=self)


def _planner_statistics_after_migrate(using, **kwargs) -> None:
    """A migration may add the index a query needs: SQLite's planner learns of it here."""
    from .planner import refresh_planner_statistics

    refresh_planner_statistics(using)


class StaticFilesConfig(StaticFilesConfig_):
    """collectstatic without ECharts' builds for bundlers and debuggers (ES modules, unminified
    and partial builds, extensions: 51 MB, which made every collectstatic compress for minutes).
    Pages load only echarts.min.js. (Source maps stay: the manifest storage follows the
    sourceMappingURL comments of the other packages' files and fails when a map is missing.)"""

    default = False
    ignore_patterns = [
        *StaticFilesConfig_.ignore_patterns,
        "echarts.js*",
        "echarts.esm.*",
        "echarts.common.*",
        "echarts.simple.*",
        "extension",
    ]
