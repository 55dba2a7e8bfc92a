from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    label = "customers"
    verbose_name = "客户档案"

    def ready(self) -> None:
        from . import audit  # noqa: F401
