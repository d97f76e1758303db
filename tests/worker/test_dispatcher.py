"""The dispatcher queues due mailboxes; one it cannot queue is due again at the next tick."""

from __future__ import annotations

import threading

import pytest

from clearcrm.inbound.models import Mailbox
from clearcrm.worker.dispatcher import Dispatcher

pytestmark = pytest.mark.django_db(transaction=True)  # tick() recycles the connection


def test_a_tick_queues_each_due_mailbox_once():
    boxes = [Mailbox.objects.create(name=f"m{i}", host="imap.test") for i in range(3)]
    queued: list[tuple[int, float]] = []
    dispatcher = Dispatcher(lambda pk, due: queued.append((pk, due)), threading.Event())
    assert dispatcher.tick() == 3
    assert [pk for pk, _ in queued] == [m.pk for m in boxes]
    assert dispatcher.tick() == 0


def test_a_mailbox_that_could_not_be_queued_is_due_again():
    box = Mailbox.objects.create(name="m", host="imap.test")

    def broken_queue(pk: int, due: float) -> None:
        raise ConnectionError("queue down")

    assert Dispatcher(broken_queue, threading.Event()).tick() == 0
    queued: list[int] = []
    assert Dispatcher(lambda pk, due: queued.append(pk), threading.Event()).tick() == 1
    assert queued == [box.pk]
