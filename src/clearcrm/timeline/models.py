"""Notes written by staff and the append-only activity log of leads and customers."""

from django.conf import settings
from django.db import models
from django.db.models import Q

ABOUT_ONE = Q(lead__isnull=False, customer__isnull=True) | Q(
    lead__isnull=True, customer__isnull=False
)


class AboutLeadOrCustomer(models.Model):
    """Belongs to exactly one lead or one customer (see the check constraint)."""

    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True


class Note(AboutLeadOrCustomer):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField()

    class Meta:
        ordering = ["-created"]
        default_related_name = "notes"
        constraints = [models.CheckConstraint(condition=ABOUT_ONE, name="note_about_one")]

    def __str__(self) -> str:
        return self.text[:60]


class Activity(AboutLeadOrCustomer):
    """What happened, by whom (None: the system), with an optional link."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name_plural = "activities"
        default_related_name = "activities"
        constraints = [models.CheckConstraint(condition=ABOUT_ONE, name="activity_about_one")]

    def __str__(self) -> str:
        return self.text

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("the activity log is append-only")
        super().save(*args, **kwargs)
