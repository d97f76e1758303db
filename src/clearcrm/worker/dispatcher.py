"""The dispatcher: every few seconds, queue a check of each mailbox that is due.

Safe to run in every worker process at once (see schedule.claim_due): there is
no single point of failure, and no mailbox is queued twice for one due time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, close_old_connections

from clearcrm.worker import schedule

log = logging.getLogger(__name__)

Enqueue = Callable[[int, float], None]  # (mailbox id, due as a Unix time)


class Dispatcher:
    def __init__(self, enqueue: Enqueue, stop: threading.Event, every: float | None = None):
        self.enqueue = enqueue
        self.stop = stop
        self.every = every if every is not None else settings.DISPATCH_EVERY

    def run(self) -> None:
        """Tick until stopped; the first tick is at once."""
        while not self.stop.is_set():
            self.tick()
            self.stop.wait(self.every)
        close_old_connections()

    def tick(self) -> int:
        """Claim due mailboxes and queue them; returns how many were queued."""
        close_old_connections()
        try:
            claimed = schedule.claim_due()
        except DatabaseError as exc:
            log.warning("dispatcher: cannot read the schedule: %s", exc)
            return 0
        unqueued = []
        for pk, due in claimed:
            try:
                self.enqueue(pk, due.timestamp())
            except Exception as exc:
                log.warning("dispatcher: cannot queue mailbox %s: %s", pk, exc)
                unqueued.append(pk)
        if unqueued:
            schedule.make_due(unqueued)  # the next tick tries again
        return len(claimed) - len(unqueued)
