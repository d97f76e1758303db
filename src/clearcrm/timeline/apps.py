from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "clearcrm.timeline"
    verbose_name = "Notes and activity"
