from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "clearcrm.notifications"
    verbose_name = "Notifications"
