"""Tasks for staff, optionally about a lead or a customer."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Task(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        TESTING = "testing", "Testing"
        AWAITING_FEEDBACK = "awaiting_feedback", "Awaiting feedback"
        COMPLETE = "complete", "Complete"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.NOT_STARTED)
    priority = models.CharField(max_length=10, choices=Priority, default=Priority.MEDIUM)
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_tasks"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_tasks",
    )
    # What the task is about: two nullable foreign keys rather than a generic
    # relation, so both are real indexed columns with cascading deletes, and a
    # check constraint keeps a task about one thing at most.
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "due_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=True) | Q(customer__isnull=True),
                name="task_about_one_thing",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def about(self):
        return self.lead or self.customer
