from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "clearcrm.attachments"
    verbose_name = "Attachments"
