"""Send the outbox of notification emails, after the commit that wrote them.

Failures are retried with a growing delay; several processes may send at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from clearcrm.notifications.models import OutgoingEmail
from clearcrm.own_mail import OWN_MAIL_HEADERS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def send_outbox(limit: int = 200) -> tuple[int, int]:
    """Send due emails; returns (sent, failed). Safe to call from several processes."""
    now = timezone.now()
    due = OutgoingEmail.objects.filter(sent_at=None, attempts__lt=MAX_ATTEMPTS).exclude(
        next_attempt__gt=now
    )
    sent = failed = 0
    connection = None
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        email = _claim(pk)
        if email is None:
            continue  # another process is sending it
        try:
            connection = connection or get_connection()
            EmailMessage(
                email.subject,
                email.body,
                to=[email.to],
                headers=OWN_MAIL_HEADERS,
                connection=connection,
            ).send()
        except Exception as exc:
            log.warning("sending notification %s to %s failed: %s", pk, email.to, exc)
            _failed(email, f"{type(exc).__name__}: {exc}")
            connection = None
            failed += 1
        else:
            OutgoingEmail.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
            sent += 1
    return sent, failed


def _claim(pk: int) -> OutgoingEmail | None:
    """Take one email for sending with a conditional UPDATE, so no two workers send it."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            OutgoingEmail.objects.filter(pk=pk, sent_at=None)
            .exclude(next_attempt__gt=now)
            .update(next_attempt=now + timedelta(minutes=5))
        )
        return OutgoingEmail.objects.get(pk=pk) if claimed else None


def _failed(email: OutgoingEmail, error: str) -> None:
    attempts = email.attempts + 1
    OutgoingEmail.objects.filter(pk=email.pk).update(
        attempts=attempts,
        last_error=error[:2000],
        next_attempt=timezone.now() + timedelta(minutes=2**attempts),
    )
