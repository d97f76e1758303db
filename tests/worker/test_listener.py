"""The IDLE listener against a real Dovecot: watchers, debouncing, leases, settings changes."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from clearcrm.inbound.models import Mailbox
from clearcrm.worker import listener
from clearcrm.worker.listener import Debouncer, Listener, Target, Watcher
from tests.support.messages import message
from tests.support.processes import wait_until
from tests.support.tcpproxy import TcpProxy


class Calls:
    """What a listener queued: a list of mailbox ids, filled from other threads."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, mailbox_id: int) -> None:
        with self.lock:
            self.ids.append(mailbox_id)

    def __len__(self) -> int:
        with self.lock:
            return len(self.ids)


@pytest.fixture(autouse=True)
def fresh_tls(trust_dovecot):
    listener.tls_context.cache_clear()  # trust this session's Dovecot
    yield
    listener.tls_context.cache_clear()


@pytest.fixture
def watch():
    """watch(mailbox, on_new_mail): a running Watcher on the mailbox's first folder."""
    started = []

    def start(mailbox: Mailbox, on_new_mail) -> Watcher:
        watcher = Watcher(Target.all_of(mailbox)[0], on_new_mail)
        watcher.start()
        started.append(watcher)
        wait_until(lambda: watcher.state == Mailbox.ListenerState.IDLE, "IDLE", 30)
        return watcher

    yield start
    for watcher in started:
        watcher.stop()
        watcher.join(10)


@pytest.mark.django_db
def test_new_mail_in_idle_is_reported(make_mailbox, put, watch):
    mailbox = make_mailbox()
    calls = Calls()
    watch(mailbox, calls)
    put(message())
    wait_until(lambda: calls.ids == [mailbox.pk], "the new mail to be reported", 30)


@pytest.mark.django_db
def test_a_burst_of_deliveries_makes_one_or_two_imports(make_mailbox, dovecot, account, watch):
    mailbox = make_mailbox()
    calls = Calls()
    debouncer = Debouncer(calls, window=4.0)  # longer than the burst takes, even loaded
    stop = threading.Event()
    threading.Thread(target=debouncer.run, args=(stop,), daemon=True).start()
    watch(mailbox, debouncer.new_mail)
    try:
        began = time.monotonic()
        dovecot.append_many(*account, "INBOX", [message() for _ in range(100)], batch_size=1)
        assert time.monotonic() - began < 4, "the burst took longer than the window"
        wait_until(lambda: len(calls), "the first import", 30)
        time.sleep(4.5)  # past the window, when a trailing import would have gone
        assert calls.ids in ([mailbox.pk], [mailbox.pk, mailbox.pk])
    finally:
        stop.set()


@pytest.mark.django_db
def test_a_dropped_connection_is_reopened_and_mail_meanwhile_is_caught_up(make_mailbox, put, watch):
    mailbox = make_mailbox()
    with TcpProxy("127.0.0.1", mailbox.port) as proxy:
        Mailbox.objects.filter(pk=mailbox.pk).update(port=proxy.port)
        mailbox.refresh_from_db()
        calls = Calls()
        watcher = watch(mailbox, calls)
        proxy.cut_all(refuse_new=True)
        wait_until(lambda: watcher.state == Mailbox.ListenerState.ERROR, "the error", 30)
        put(message())  # while the listener is cut off
        proxy.accept_new()
        wait_until(lambda: calls.ids == [mailbox.pk], "the catch-up after reconnecting", 60)
        assert watcher.state == Mailbox.ListenerState.IDLE


def dead_owner() -> str:
    """A lease owner on this host whose process has gone."""
    pid = 2**22 - 1  # above pid_max on usual systems
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return f"{socket.gethostname()}:{pid}:dead"
        pid -= 1


@pytest.mark.django_db
def test_listeners_share_mailboxes_and_take_over_from_a_dead_one():
    boxes = [Mailbox.objects.create(name=f"m{i}", host="127.0.0.1", port=9) for i in range(5)]
    Mailbox.objects.create(name="no push", host="127.0.0.1", port=9, push=False)
    Mailbox.objects.create(name="inactive", host="127.0.0.1", port=9, active=False)
    stop = threading.Event()
    first, second = Listener(Calls(), stop, capacity=3), Listener(Calls(), stop, capacity=10)
    assert [m.pk for m in first.claim()] == [m.pk for m in boxes[:3]]
    assert [m.pk for m in second.claim()] == [m.pk for m in boxes[3:]]
    assert [m.pk for m in first.claim()] == [m.pk for m in boxes[:3]]  # renewed, kept

    Mailbox.objects.filter(pk=boxes[0].pk).update(push=False)
    Mailbox.objects.filter(pk__in=[boxes[1].pk, boxes[2].pk]).update(listener_owner=dead_owner())
    assert [m.pk for m in second.claim()] == [m.pk for m in boxes[1:]]
    assert first.claim() == []  # push turned off: given up
    assert Mailbox.objects.get(pk=boxes[0].pk).listener_owner == ""


@pytest.mark.django_db(transaction=True)  # refresh() recycles the database connection
def test_refresh_follows_folder_changes_and_reports_state(make_mailbox, dovecot, account):
    mailbox = make_mailbox()
    dovecot.create_folder(*account, "Orders")
    stop = threading.Event()
    calls = Calls()
    idle = Listener(calls, stop)
    try:
        idle.refresh()
        assert sorted(idle.watchers) == [(mailbox.pk, "INBOX")]
        wait_until(lambda: idle.refresh() or mailbox_state(mailbox) == "idle", "idle", 30)

        Mailbox.objects.filter(pk=mailbox.pk).update(folders=["INBOX", "Orders"])
        idle.refresh()
        assert sorted(idle.watchers) == [(mailbox.pk, "INBOX"), (mailbox.pk, "Orders")]
        watcher = idle.watchers[(mailbox.pk, "Orders")]
        wait_until(lambda: watcher.state == "idle", "the new folder in IDLE", 30)
        dovecot.append(*account, "Orders", message())
        wait_until(lambda: calls.ids == [mailbox.pk], "mail in the new folder", 30)

        Mailbox.objects.filter(pk=mailbox.pk).update(active=False)
        idle.refresh()
        assert idle.watchers == {}
        assert mailbox_state(mailbox) == "off"
    finally:
        stop.set()
        idle.shutdown()
    assert Mailbox.objects.get(pk=mailbox.pk).listener_owner == ""


def mailbox_state(mailbox: Mailbox) -> str:
    return Mailbox.objects.get(pk=mailbox.pk).listener_state
