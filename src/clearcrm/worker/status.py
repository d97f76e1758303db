"""The health of background work, per mailbox and for the queue.

`clearcrm status --json` prints `report()`; its shape is a contract for
monitoring (see the README). `/health/` uses `reachable()` only, and tells
nothing about mailboxes.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import DatabaseError, connection
from django.db.models import JSONField, OuterRef, Subquery
from django.utils import timezone

from clearcrm.inbound.models import ImportRun, Mailbox
from clearcrm.worker import queue

log = logging.getLogger(__name__)


def listener_state(mailbox: Mailbox, now: datetime) -> str:
    """idle, polling or error while a live listener holds the mailbox; else off."""
    if not (mailbox.active and mailbox.push):
        return Mailbox.ListenerState.OFF
    if mailbox.listener_expires is None or mailbox.listener_expires < now:
        return Mailbox.ListenerState.OFF
    return mailbox.listener_state


def mailbox_rows() -> list[dict]:
    now = timezone.now()
    last_outcomes = ImportRun.objects.filter(mailbox=OuterRef("pk")).order_by("-started", "-pk")
    mailboxes = Mailbox.objects.order_by("pk").annotate(
        last_outcomes=Subquery(last_outcomes.values("outcomes")[:1], output_field=JSONField())
    )
    return [
        {
            "id": m.pk,
            "name": m.name,
            "next_check": _iso(m.next_check_at) if m.active else None,
            "last_run": _iso(m.last_run_at),
            "last_outcomes": {k: v for k, v in (m.last_outcomes or {}).items() if v},
            "last_error": m.last_error or None,
            "consecutive_failures": m.consecutive_failures,
            "failing": m.failing,
            "listener": listener_state(m, now),
        }
        for m in mailboxes
    ]


def pending_tasks() -> int | None:
    """Tasks waiting in the queue, or None when it cannot be reached."""
    try:
        return queue.pending()
    except Exception as exc:
        log.warning("the task queue cannot be reached: %s", exc)
        return None


def report() -> dict:
    return {"mailboxes": mailbox_rows(), "queue": {"pending": pending_tasks()}}


def reachable() -> dict[str, bool]:
    """Whether the database and the queue answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = True
    except DatabaseError:
        database = False
    return {"database": database, "queue": pending_tasks() is not None}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
