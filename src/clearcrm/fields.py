"""Model fields shared by several apps."""

from django.db import models


class EmailAddressField(models.EmailField):
    """An email address stored lower-cased, so every lookup is case-insensitive.

    Addresses are matched against incoming mail all the time; storing one
    normalised form lets a plain unique index and `=` lookups do the work.
    (The local part is case-sensitive in theory, RFC 5321 §2.4, but no real
    mail system treats it so, and CRMs must not split one person in two.)
    """

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value.strip().lower() if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = value.strip().lower()
            setattr(model_instance, self.attname, value)
        return value
