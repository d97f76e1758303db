from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "clearcrm.web"
    verbose_name = "Web interface"
