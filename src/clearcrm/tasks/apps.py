from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "clearcrm.tasks"
    verbose_name = "Tasks"
