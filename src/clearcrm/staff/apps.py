from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "clearcrm.staff"
    verbose_name = "Staff"

    def ready(self) -> None:
        from clearcrm.staff import signals  # noqa: F401  (connects the receivers)
