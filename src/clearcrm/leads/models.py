"""Leads, their statuses and sources, and the emails of their conversation."""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import Q
from django.urls import reverse

from clearcrm.fields import EmailAddressField
from clearcrm.staff.models import sees_all_leads


class DefaultFlagModel(models.Model):
    """A lookup table where at most one row is the default."""

    FALLBACK = ""  # recreated when an admin deleted every row, so imports never stop

    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> Self:
        rows = cls._default_manager
        found = rows.order_by("-is_default", "pk").first()
        return found or rows.get_or_create(name=cls.FALLBACK, defaults={"is_default": True})[0]


class LeadStatus(DefaultFlagModel):
    FALLBACK = "New"
    color = models.CharField(max_length=7, default="#64748b", help_text="#rrggbb")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "lead statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_status"
            )
        ]


class LeadSource(DefaultFlagModel):
    FALLBACK = "Email"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_source"
            )
        ]


class LeadQuerySet(models.QuerySet["Lead"]):
    """The two rules every caller needs: which leads are open, and who may see which."""

    def open(self) -> LeadQuerySet:
        """Leads still being worked: not lost, not junk, not converted to a customer."""
        return self.filter(is_lost=False, is_junk=False, customer=None)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> LeadQuerySet:
        """Admins and staff allowed to view all leads see every lead; others see
        the leads assigned to them, those they created, and public ones."""
        if not user.is_authenticated:
            return self.none()
        if sees_all_leads(user):
            return self
        return self.filter(Q(is_public=True) | Q(assigned=user) | Q(created_by=user))


class Lead(models.Model):
    name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField("job title", max_length=150, blank=True)
    email = EmailAddressField(max_length=254, blank=True, db_index=True)
    phone = models.CharField(max_length=50, blank=True, help_text="E.164 when recognised")
    phone_display = models.CharField(max_length=50, blank=True, help_text="as written")
    website = models.URLField(max_length=500, blank=True)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    zip = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text="other form fields")
    status = models.ForeignKey(LeadStatus, on_delete=models.PROTECT, related_name="leads")
    source = models.ForeignKey(LeadSource, on_delete=models.PROTECT, related_name="leads")
    assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_leads",
    )
    is_public = models.BooleanField(default=False)
    is_lost = models.BooleanField(default=False)
    is_junk = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)
    last_contact = models.DateTimeField(null=True, blank=True)
    mailbox = models.ForeignKey(
        "inbound.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="converted_leads",
        help_text="the customer this lead was converted to",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_leads",
        help_text="empty for leads created from email",
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        permissions = [("view_all_leads", "Can view all leads, also private ones of others")]
        indexes = [
            models.Index(fields=["status", "-created"]),
            models.Index(fields=["assigned", "-created"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("lead", args=[self.pk])


class LeadEmail(models.Model):
    """One email of a lead's conversation, kept so staff can read it."""

    INCOMING, OUTGOING = "in", "out"
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="emails")
    direction = models.CharField(
        max_length=3, choices=[(INCOMING, "incoming"), (OUTGOING, "outgoing")], default=INCOMING
    )
    from_name = models.CharField(max_length=200, blank=True)
    from_email = models.CharField(max_length=254, blank=True)
    to = models.TextField(blank=True)
    cc = models.TextField(blank=True)
    subject = models.CharField(max_length=998, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=500, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True, help_text="sanitised")
    raw_file = models.CharField(
        max_length=80,
        blank=True,
        editable=False,
        help_text="stored copy of the message as received",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["lead", "sent_at"])]

    def __str__(self) -> str:
        return self.subject or "(no subject)"
