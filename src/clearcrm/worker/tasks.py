"""The queue's one task: check a mailbox. It calls the engine and nothing more."""

from __future__ import annotations

import logging
import time

from django.db.models import F
from django.utils import timezone
from huey.api import Task
from huey.exceptions import RetryTask

from clearcrm.inbound.importer import RunSummary, import_mailbox
from clearcrm.inbound.models import Mailbox
from clearcrm.worker.queue import huey
from clearcrm.worker.schedule import after_check

log = logging.getLogger(__name__)

PUSHED = 10  # priority: new mail the server announced goes before routine checks
BUSY_RETRY_SECONDS = 2
BUSY_RETRIES = 60  # another run holds the mailbox: try again after it, for up to 2 minutes


@huey.task(context=True)
def check_mailbox(mailbox_id: int, due: float | None = None, *, task: Task) -> None:
    """Import new mail of one mailbox (queued by the dispatcher or the listener).

    `due` (a Unix time) is when the schedule wanted the check, so the log
    says how late it ran; push-triggered checks have none. When another run
    holds the mailbox, mail that came after its search would wait for the
    next scheduled check, so this one is retried shortly instead.
    """
    summary = check(mailbox_id, due)
    if summary is not None and summary.busy and task.retries < BUSY_RETRIES:
        raise RetryTask(delay=BUSY_RETRY_SECONDS)


def queue_scheduled(mailbox_id: int, due: float) -> None:
    check_mailbox(mailbox_id, due)


def queue_pushed(mailbox_id: int) -> None:
    check_mailbox(mailbox_id, None, priority=PUSHED)


def check(mailbox_id: int, due: float | None = None) -> RunSummary | None:
    """Run the engine on an active mailbox, then schedule its next check."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id, active=True).first()
    if mailbox is None:
        return None  # deleted or deactivated since it was queued
    if due and mailbox.last_run_at and mailbox.last_run_at.timestamp() > due:
        # Queued twice while the queue lagged, or overtaken by a pushed check: a
        # run ended after this one was due, and it scheduled the next check.
        log.info("mailbox %s: already checked since it was due", mailbox_id)
        return None
    started = timezone.now()
    late = f"{time.time() - due:.1f} s after due" if due else "pushed"
    try:
        summary = import_mailbox(mailbox)
    except Exception as exc:
        # A bug or a lost database: count it like any failed run, so it backs off.
        log.exception("mailbox %s: the import failed", mailbox_id)
        summary = RunSummary(mailbox_id, errors=[f"{type(exc).__name__}: {exc}"])
        Mailbox.objects.filter(pk=mailbox_id).update(
            last_error=summary.errors[0][:5000],
            last_error_at=timezone.now(),
            consecutive_failures=F("consecutive_failures") + 1,
        )
    if summary.busy:
        log.info("mailbox %s: another run holds it (%s)", mailbox_id, late)
        return summary
    after_check(mailbox_id, summary, started)
    log.info(
        "mailbox %s checked %s: %d seen, %d errors in %.2f s",
        mailbox_id, late, summary.seen, len(summary.errors), summary.seconds,
    )  # fmt: skip
    return summary
