from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "kefu.quality"
    label = "quality"
    verbose_name = "质量管理"

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers the QC settings with auditlog)
