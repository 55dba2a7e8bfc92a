from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    label = "tickets"
    verbose_name = "工单中心"

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers desk settings with auditlog)
