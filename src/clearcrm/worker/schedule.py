"""When each mailbox is checked next, and what failed checks do to that.

The schedule lives in the database (`Mailbox.next_check_at`), so any number
of dispatchers can run at once: each claims due mailboxes with a conditional
UPDATE (and `FOR UPDATE SKIP LOCKED` where the database has it), and the
engine's mailbox lease stays the final guard against two imports at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clearcrm.inbound.importer import RunSummary
from clearcrm.inbound.models import Mailbox
from clearcrm.notifications.send import send_outbox
from clearcrm.notifications.services import notify
from clearcrm.staff.models import is_admin

log = logging.getLogger(__name__)

CLAIM_LIMIT = 500  # mailboxes per dispatcher tick: bounds one transaction
MAX_BACKOFF_MINUTES = 60
LOGIN_BACKOFF_MINUTES = 30  # servers lock accounts that retry wrong passwords
FAILING_AFTER = 5  # consecutive failures...
FAILING_SPAN_MINUTES = 30  # ...spanning at least this long


def minutes(n: float) -> timedelta:
    """n minutes of the schedule (tests shorten a minute with CLEARCRM_MINUTE_SECONDS)."""
    return timedelta(seconds=n * settings.MINUTE_SECONDS)


def claim_due(now: datetime | None = None, limit: int = CLAIM_LIMIT) -> list[tuple[int, datetime]]:
    """Claim active mailboxes whose check is due and move their next check on.

    Returns (mailbox id, when it was due) for each mailbox this caller won.
    The next check moves on by the mailbox's interval at once, so a check
    whose queued task is lost still happens one interval later.
    """
    now = now or timezone.now()
    due = (
        Mailbox.objects.filter(active=True)
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
        .order_by(F("next_check_at").asc(nulls_first=True), "pk")
    )
    if not due.exists():
        return []  # the usual case: no write transaction, no lock taken (SQLite)
    claimed = []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)  # rows another dispatcher holds
        for pk, due_at, every in due.values_list("pk", "next_check_at", "check_every")[:limit]:
            won = Mailbox.objects.filter(pk=pk, next_check_at=due_at).update(
                next_check_at=now + minutes(every)
            )
            if won:
                claimed.append((pk, due_at or now))
    return claimed


def make_due(mailbox_ids: list[int], when: datetime | None = None) -> None:
    """Check these mailboxes at the next tick (a dispatch that could not be queued)."""
    Mailbox.objects.filter(pk__in=mailbox_ids).update(next_check_at=when or timezone.now())


def backoff(every: timedelta, failures: int, *, login_refused: bool) -> timedelta:
    """The wait after the n-th consecutive failure: doubling, capped at an hour."""
    cap = max(minutes(MAX_BACKOFF_MINUTES), every)
    delay = min(every * 2 ** min(failures, 20), cap)
    if login_refused:
        delay = max(delay, minutes(LOGIN_BACKOFF_MINUTES))
    return delay


def after_check(mailbox_id: int, summary: RunSummary, started: datetime) -> None:
    """Schedule the next check from how this one went; flag and unflag failing mailboxes.

    The engine has already counted the failure (`consecutive_failures`, reset
    by a good run); this adds the back-off and the failing state, whose change
    is claimed with a conditional UPDATE so admins hear of it exactly once.
    """
    now = timezone.now()
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        return
    every = minutes(mailbox.check_every)
    with transaction.atomic():
        if mailbox.consecutive_failures == 0:
            Mailbox.objects.filter(pk=mailbox_id).update(
                next_check_at=now + every, failures_since=None
            )
            if Mailbox.objects.filter(pk=mailbox_id, failing=True).update(failing=False):
                tell_admins(f"Mailbox {mailbox.name} works again: new mail is imported.", mailbox)
        else:
            since = mailbox.failures_since or started
            failures = mailbox.consecutive_failures
            delay = backoff(every, failures, login_refused=summary.login_refused)
            Mailbox.objects.filter(pk=mailbox_id).update(
                next_check_at=now + delay, failures_since=since
            )
            if is_failing(failures, since, now) and (
                Mailbox.objects.filter(pk=mailbox_id, failing=False).update(failing=True)
            ):
                log.warning("mailbox %s is failing: %s", mailbox_id, mailbox.last_error)
                tell_admins(
                    f"Mailbox {mailbox.name} is failing: no mail has been imported since "
                    f"{since:%Y-%m-%d %H:%M} UTC. Last error: {mailbox.last_error[:300]}",
                    mailbox,
                )
    send_outbox()


def is_failing(failures: int, since: datetime, now: datetime) -> bool:
    return failures >= FAILING_AFTER and now - since >= minutes(FAILING_SPAN_MINUTES)


def tell_admins(text: str, mailbox: Mailbox) -> None:
    """An in-app notification, and an email where set up, to every active admin."""
    users = User.objects.filter(is_active=True).select_related("staff")
    notify([u for u in users if is_admin(u)], text, f"/admin/inbound/mailbox/{mailbox.pk}/change/")
