from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "kefu.visits"
    label = "visits"
    verbose_name = "回访"

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers policies, scripts and plans with auditlog)
