from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "kefu.org"
    label = "org"
    verbose_name = "组织架构"

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers models with auditlog)
