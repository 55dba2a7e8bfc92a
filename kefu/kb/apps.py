from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kefu.kb"
    label = "kb"
    verbose_name = "知识库"

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers the FAQ, phrases and canned replies with auditlog)
