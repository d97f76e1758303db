"""Model fields shared by several apps."""

from typing import Any

from django.db import models

from clearcrm.addresses import normalize_address


class EmailAddressField(models.EmailField):
    """An email address stored normalised (``clearcrm.addresses``), so every lookup
    is case-insensitive.

    Addresses are matched against incoming mail all the time; storing one
    normalised form lets a plain unique index and `=` lookups do the work.
    """

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return normalize_address(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = normalize_address(value)
            setattr(model_instance, self.attname, value)
        return value
