from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as StaticFilesConfig_


class CoreConfig(AppConfig):
    default = True  # this module holds a second AppConfig (StaticFilesConfig, below)
    name = "core"
    verbose_name = "core"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the encryption-key check)


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
