from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "clearcrm.worker"
    verbose_name = "Background work"
