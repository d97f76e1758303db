from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "clearcrm.inbound"
    verbose_name = "Email integration"
