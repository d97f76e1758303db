"""Tasks for staff, optionally about a lead or a customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import Q
from django.urls import reverse

from clearcrm.staff.models import sees_all_leads

if TYPE_CHECKING:
    from clearcrm.customers.models import Customer
    from clearcrm.leads.models import Lead


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> TaskQuerySet:
        """Tasks by what they are about: a lead the user may see (the leads' rule),
        any customer (every staff member sees customers), or nothing in particular;
        and always the tasks the user is assigned to or created."""
        if not user.is_authenticated:
            return self.none()
        if sees_all_leads(user):
            return self
        from clearcrm.leads.models import Lead

        visible_leads = Lead.objects.visible_to(user).values("pk")
        return self.filter(
            Q(lead__isnull=True)
            | Q(lead__in=visible_leads)
            | Q(assignees=user)
            | Q(created_by=user)
        ).distinct()

    def open(self) -> TaskQuerySet:
        return self.exclude(status=Task.Status.COMPLETE)


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

    objects = TaskQuerySet.as_manager()

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

    def get_absolute_url(self) -> str:
        return reverse("task", args=[self.pk])

    @property
    def about(self) -> Lead | Customer | None:
        return self.lead or self.customer


class TaskComment(models.Model):
    """A comment on a task, by a staff member."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
