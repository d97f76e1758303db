from django.conf import settings
from django.db import models


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=500, blank=True)
    is_read = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["recipient", "is_read", "-created"])]

    def __str__(self) -> str:
        return self.text


class OutgoingEmail(models.Model):
    """An email waiting to be sent, written in the same transaction as its cause.

    Sending happens after the commit (see notifications.send); a failure is
    retried later, and never undoes or blocks what caused the email.
    """

    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt = models.DateTimeField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["sent_at", "next_attempt"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
