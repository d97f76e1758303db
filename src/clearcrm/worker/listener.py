"""The IMAP IDLE listener (RFC 2177): new mail is imported within seconds.

One thread per watched folder holds a connection in IDLE and, when the
server announces new mail (EXISTS or RECENT), asks the debouncer for an
import. Threads, not asyncio: imapclient (our IMAP library) is blocking, a
thread blocked in poll() costs no CPU and little memory, and the bench shows
1,000 folders in IDLE well inside the targets (see bench/worker_scale.py).

Listeners share the mailboxes through a lease in the database (the
`listener_*` fields of Mailbox): each mailbox has exactly one listener, a
dead listener's mailboxes are taken by another once its lease runs out (or
at once when it died on the same host), and every refresh re-reads the
mailboxes, so changed settings take effect without a restart.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from imapclient import IMAPClient

from clearcrm.inbound import crypto, imap
from clearcrm.inbound.lease import died_here, owner_name
from clearcrm.inbound.models import Mailbox
from clearcrm.worker.schedule import LOGIN_BACKOFF_MINUTES, minutes

log = logging.getLogger(__name__)

State = Mailbox.ListenerState
LEASE_MINUTES = 0.75  # a dead listener's mailboxes are free after this...
REFRESH_MINUTES = 1 / 6  # ...and taken at the next refresh of another listener
REIDLE_MINUTES = 29  # RFC 2177 §3: servers may log out clients idle for 30 minutes
POLL_SECONDS = 60.0  # longest wait inside IDLE before looking at the clock again
DEBOUNCE_SECONDS = 2.0
MAX_RECONNECT_SECONDS = 300.0
NEW_MAIL = {b"EXISTS", b"RECENT"}


@dataclass(frozen=True)
class Target:
    """What a watcher needs; a change to any of it restarts the watcher."""

    mailbox_id: int
    folder: str
    host: str
    port: int
    encryption: str
    login: str
    password_encrypted: str
    skip_verify: bool

    @classmethod
    def all_of(cls, mailbox: Mailbox) -> list[Target]:
        return [
            cls(
                mailbox.pk,
                folder,
                mailbox.host,
                mailbox.port,
                mailbox.encryption,
                mailbox.login,
                mailbox.password_encrypted,
                mailbox.skip_verify,
            )
            for folder in mailbox.folder_names
        ]


@functools.cache
def tls_context(skip_verify: bool) -> ssl.SSLContext:
    """One TLS context for all connections: each would otherwise load the CA store."""
    return imap.tls_context(skip_verify)


class ConnectionLost(Exception):
    pass


class Watcher(threading.Thread):
    """Holds one folder in IDLE and reports new mail; reconnects with back-off."""

    def __init__(self, target: Target, on_new_mail: Callable[[int], None]) -> None:
        super().__init__(name=f"idle-{target.mailbox_id}-{target.folder}", daemon=True)
        self.target = target
        self.on_new_mail = on_new_mail
        self.state: str | None = None  # None until the first connection says more
        self._stopped = threading.Event()
        self._client: IMAPClient | None = None

    def stop(self) -> None:
        """Ask the thread to end; wakes it from IDLE by shutting the socket down."""
        self._stopped.set()
        client = self._client
        if client is not None:
            with contextlib.suppress(Exception):
                client.socket().shutdown(socket.SHUT_RDWR)

    def run(self) -> None:
        failures = 0
        while not self._stopped.is_set():
            try:
                self.watch(catch_up=failures > 0)
            except Exception as exc:
                if self._stopped.is_set():
                    break
                failures += 1
                self.state = State.ERROR
                delay = min(2.0**failures, MAX_RECONNECT_SECONDS)
                if isinstance(exc, imap.ImapError) and exc.login_refused:
                    delay = max(delay, minutes(LOGIN_BACKOFF_MINUTES).total_seconds())
                log.warning(
                    "listener: mailbox %s folder %r: %s (again in %.0f s)",
                    self.target.mailbox_id, self.target.folder, describe(exc, self.target), delay,
                )  # fmt: skip
                self._stopped.wait(delay)
            else:
                break  # stopped, or the server has no IDLE

    def watch(self, *, catch_up: bool) -> None:
        """Connect, select the folder and stay in IDLE until stopped."""
        t = self.target
        password = crypto.decrypt(t.password_encrypted) if t.password_encrypted else ""
        client = imap.connect(
            t.host, t.port, t.encryption, t.login, password, context=tls_context(t.skip_verify)
        )
        self._client = client
        try:
            if not client.has_capability("IDLE"):
                self.state = State.POLLING
                return
            imap.select(client, t.folder, readonly=True)
            if catch_up:
                self.on_new_mail(t.mailbox_id)  # mail may have come while we were away
            self.state = State.IDLE
            while not self._stopped.is_set():
                self.idle_once(client)
        finally:
            self._client = None
            imap.close(client)

    def idle_once(self, client: IMAPClient) -> None:
        """One IDLE command, ended before the server's 30-minute limit."""
        client.idle()
        ends = time.monotonic() + minutes(REIDLE_MINUTES).total_seconds()
        quick_empty = 0
        while not self._stopped.is_set() and (left := ends - time.monotonic()) > 0:
            wait = min(left, POLL_SECONDS)
            began = time.monotonic()
            responses = client.idle_check(timeout=wait)
            if any(isinstance(r, tuple) and len(r) > 1 and r[1] in NEW_MAIL for r in responses):
                self.on_new_mail(self.target.mailbox_id)
            if any(r and r[0] == b"BYE" for r in responses):
                raise ConnectionLost("the server ended the session")
            # imapclient returns [] on end of file as on a timeout; a socket
            # that keeps waking with nothing to say has been closed.
            woke_early = time.monotonic() - began < wait / 2
            quick_empty = quick_empty + 1 if not responses and woke_early else 0
            if quick_empty >= 3:
                raise ConnectionLost("the connection was closed")
        if not self._stopped.is_set():
            client.idle_done()


def describe(exc: Exception, target: Target) -> str:
    if isinstance(exc, imap.ImapError | ConnectionLost):
        return str(exc)
    return imap.explain(exc, target.host, target.port)


class Debouncer:
    """At most one import per mailbox per window: the first mail at once, the rest at its end.

    A burst of 100 deliveries thus makes one or two imports, not 100.
    """

    def __init__(self, enqueue: Callable[[int], None], window: float = DEBOUNCE_SECONDS) -> None:
        self.enqueue = enqueue
        self.window = window
        self._cond = threading.Condition()
        self._windows: dict[int, tuple[float, bool]] = {}  # mailbox -> (ends, more mail came)

    def new_mail(self, mailbox_id: int) -> None:
        with self._cond:
            if mailbox_id in self._windows:
                self._windows[mailbox_id] = (self._windows[mailbox_id][0], True)
                return
            self._windows[mailbox_id] = (time.monotonic() + self.window, False)
            self._cond.notify()
        self._send(mailbox_id)

    def run(self, stop: threading.Event) -> None:
        """Send the trailing imports of windows that ended, until stopped."""
        while not stop.is_set():
            with self._cond:
                now = time.monotonic()
                due = [m for m, (ends, _) in self._windows.items() if ends <= now]
                trailing = [m for m in due if self._windows[m][1]]
                for m in due:
                    del self._windows[m]
                for m in trailing:
                    self._windows[m] = (now + self.window, False)
                ends = min((e for e, _ in self._windows.values()), default=now + 1.0)
                if not trailing:
                    self._cond.wait(min(max(ends - now, 0.01), 1.0))
            for mailbox_id in trailing:
                self._send(mailbox_id)

    def _send(self, mailbox_id: int) -> None:
        try:
            self.enqueue(mailbox_id)
        except Exception as exc:  # the schedule still checks the mailbox
            log.warning("listener: cannot queue mailbox %s: %s", mailbox_id, exc)


class Listener:
    """Leases mailboxes, keeps a watcher on each of their folders, reports their state."""

    def __init__(
        self,
        enqueue: Callable[[int], None],
        stop: threading.Event,
        capacity: int | None = None,
    ) -> None:
        self.owner = owner_name()
        self.stop = stop
        self.capacity = capacity or settings.LISTENER_CAPACITY
        self.debouncer = Debouncer(enqueue)
        self.watchers: dict[tuple[int, str], Watcher] = {}

    def run(self) -> None:
        threading.Thread(
            target=self.debouncer.run, args=(self.stop,), name="debouncer", daemon=True
        ).start()
        while not self.stop.is_set():
            try:
                self.refresh()
            except DatabaseError as exc:
                log.warning("listener: cannot read the mailboxes: %s", exc)
            self.stop.wait(minutes(REFRESH_MINUTES).total_seconds())
        self.shutdown()

    def refresh(self) -> None:
        """Renew and claim leases, start and stop watchers to match, report states."""
        close_old_connections()
        held = self.claim()
        self.reconcile(held)
        self.report(held)

    def claim(self) -> list[Mailbox]:
        """Renew this listener's leases, give up ineligible ones, take free ones."""
        now = timezone.now()
        expires = now + minutes(LEASE_MINUTES)
        eligible = Mailbox.objects.filter(active=True, push=True)
        mine = Mailbox.objects.filter(listener_owner=self.owner)
        with transaction.atomic():
            mine.exclude(active=True, push=True).update(
                listener_owner="", listener_expires=None, listener_state=State.OFF
            )
            room = self.capacity - mine.update(listener_expires=expires)
            if room > 0:
                free = Q(listener_expires__isnull=True) | Q(listener_expires__lt=now)
                holders = eligible.exclude(free).values_list("listener_owner", flat=True)
                dead = [h for h in set(holders) if h != self.owner and died_here(h)]
                if dead:
                    free |= Q(listener_owner__in=dead)
                ids = list(eligible.filter(free).order_by("pk").values_list("pk", flat=True)[:room])
                # Conditional: a row another listener took meanwhile no longer matches.
                eligible.filter(free, pk__in=ids).update(
                    listener_owner=self.owner, listener_expires=expires, listener_state=State.OFF
                )  # "off" until its watchers say more
        return list(mine.order_by("pk"))

    def reconcile(self, held: list[Mailbox]) -> None:
        wanted = {(t.mailbox_id, t.folder): t for m in held for t in Target.all_of(m)}
        for key, watcher in list(self.watchers.items()):
            if wanted.get(key) != watcher.target:
                watcher.stop()
                del self.watchers[key]
        for key, target in wanted.items():
            if key not in self.watchers:
                self.watchers[key] = watcher = Watcher(target, self.debouncer.new_mail)
                watcher.start()

    def report(self, held: list[Mailbox]) -> None:
        """Write each held mailbox's listener state when it changed."""
        states_of: dict[int, set[str | None]] = {}
        for (mailbox_id, _), watcher in self.watchers.items():
            states_of.setdefault(mailbox_id, set()).add(watcher.state)
        by_state: dict[str, list[int]] = {}
        for mailbox in held:
            states = states_of.get(mailbox.pk, {None})
            if None in states:
                continue  # still connecting
            now = next((s for s in (State.ERROR, State.POLLING) if s in states), State.IDLE)
            if mailbox.listener_state != now:
                by_state.setdefault(now, []).append(mailbox.pk)
        for value, ids in by_state.items():
            Mailbox.objects.filter(pk__in=ids, listener_owner=self.owner).update(
                listener_state=value
            )

    def shutdown(self) -> None:
        """Stop every watcher and hand the mailboxes back for another listener."""
        for watcher in self.watchers.values():
            watcher.stop()
        deadline = time.monotonic() + 5
        for watcher in self.watchers.values():
            watcher.join(max(deadline - time.monotonic(), 0))
        self.watchers.clear()
        with contextlib.suppress(DatabaseError):
            Mailbox.objects.filter(listener_owner=self.owner).update(
                listener_owner="", listener_expires=None, listener_state=State.OFF
            )
        close_old_connections()
