"""Background work as threads of one process: consumer, dispatcher, listener.

`clearcrm run` starts all three next to the web server; `clearcrm worker`
the consumer and the dispatcher; `clearcrm listen` the listener. SIGTERM or
SIGINT stops them cleanly: no new work is taken, imports under way get
`SHUTDOWN_GRACE` seconds to finish, and one still running after that is
abandoned, which the engine makes safe (its ledger and lease), and checked
again first thing after the restart.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from huey.consumer import Consumer

from clearcrm.inbound.models import Mailbox
from clearcrm.worker import schedule
from clearcrm.worker.dispatcher import Dispatcher
from clearcrm.worker.listener import Listener
from clearcrm.worker.queue import huey
from clearcrm.worker.tasks import queue_pushed, queue_scheduled

log = logging.getLogger(__name__)

# How often an idle consumer thread looks at a SQLite queue, at most (Redis blocks instead).
QUEUE_POLL_SECONDS = 0.25


class Background:
    """The chosen parts of background work, started and stopped together."""

    def __init__(self, *, consume: int = 0, dispatch: bool = False, listen: bool = False):
        self.stop_event = threading.Event()
        self.consumer: Consumer | None = None
        if consume:
            self.consumer = huey.create_consumer(
                workers=consume,
                worker_type="thread",
                periodic=False,
                max_delay=QUEUE_POLL_SECONDS,
                check_worker_health=False,
            )
        self.threads = []
        if dispatch:
            dispatcher = Dispatcher(queue_scheduled, self.stop_event)
            self.threads.append(threading.Thread(target=dispatcher.run, name="dispatcher"))
        if listen:
            raise_file_limit()  # one connection per watched folder
            listener = Listener(queue_pushed, self.stop_event)
            self.threads.append(threading.Thread(target=listener.run, name="listener"))

    def start(self) -> None:
        if self.consumer is not None:
            self.consumer.start()  # (it sets signal handlers: call handle_stop_signals after)
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        """Stop taking work, let imports finish for a while, then abandon them safely."""
        self.stop_event.set()
        if self.consumer is not None:
            self.consumer.shutdown_timeout = settings.SHUTDOWN_GRACE
            self.consumer.stop(graceful=True)
            busy = [t for _, t in self.consumer.worker_threads if t.is_alive()]
            if busy:
                log.warning("abandoning %d running import(s); they resume at start", len(busy))
                check_abandoned_first()
        for thread in self.threads:
            thread.join(timeout=10)

    def run_until_signal(self, ready: Callable[[], None]) -> None:
        """Start, call `ready`, and stop cleanly at SIGTERM or SIGINT."""
        self.start()
        handle_stop_signals(self.stop_event.set)
        ready()
        while not self.stop_event.wait(1.0):
            pass
        self.stop()


def raise_file_limit() -> None:
    """Allow as many open files as the system lets this process have."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def check_abandoned_first() -> None:
    """Make mailboxes whose import this process abandons due now."""
    mine = f"{socket.gethostname()}:{os.getpid()}:"
    try:
        ids = list(
            Mailbox.objects.filter(lease_owner__startswith=mine).values_list("pk", flat=True)
        )
        schedule.make_due(ids)
    except DatabaseError as exc:
        log.warning("cannot mark abandoned imports: %s", exc)
    finally:
        close_old_connections()


def handle_stop_signals(on_stop: Callable[[], None]) -> None:
    """Call on_stop once on the first SIGTERM or SIGINT; ignore repeats."""
    stopping = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        stopping.set()
        log.info("received %s: stopping", signal.Signals(signum).name)
        on_stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handler)
