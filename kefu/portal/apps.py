from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kefu.portal"
    label = "portal"
    verbose_name = "微物业"
