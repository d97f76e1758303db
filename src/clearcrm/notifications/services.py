"""The only writers of notifications: in the app, and by email through the outbox.

`notify` runs inside the caller's transaction, so a notification exists
exactly when what it announces does; the email is sent after the commit
(see notifications.send).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User

from clearcrm.notifications.models import Notification, OutgoingEmail
from clearcrm.staff.models import active_or_none


def notify(users: Iterable[User], text: str, link: str = "") -> list[User]:
    """Notify active staff in the app, and by email those who want it; returns who."""
    notified = []
    for user in {u.pk: u for u in users if active_or_none(u)}.values():
        profile = getattr(user, "staff", None)
        Notification.objects.create(recipient=user, text=text[:500], link=link[:500])
        wants_email = profile is None or profile.email_notifications
        if settings.EMAIL_ENABLED and wants_email and user.email:
            OutgoingEmail.objects.create(
                to=user.email,
                subject=text[:300],
                body=f"{text}\n\n{settings.SITE_URL}{link}\n\n-- \nClearCRM",
            )
        notified.append(user)
    return notified


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark some (None: all) of a user's unread notifications read; returns how many."""
    unread = Notification.objects.filter(recipient=user, is_read=False)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(is_read=True)
