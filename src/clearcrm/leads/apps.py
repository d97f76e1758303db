from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "clearcrm.leads"
    verbose_name = "Leads"
