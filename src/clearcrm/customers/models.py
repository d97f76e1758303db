"""Customers (companies) and their contacts."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from clearcrm.fields import EmailAddressField


class Customer(models.Model):
    company = models.CharField(max_length=200)
    website = models.URLField(max_length=500, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_customers",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company"]

    def __str__(self) -> str:
        return self.company

    def get_absolute_url(self) -> str:
        return reverse("customer", args=[self.pk])


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    # Stored lower-cased (EmailAddressField), so the unique index is case-insensitive.
    email = EmailAddressField(max_length=254, unique=True)
    phone = models.CharField(max_length=50, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["customer", "-is_primary", "last_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
