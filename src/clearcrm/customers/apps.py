from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "clearcrm.customers"
    verbose_name = "Customers"
