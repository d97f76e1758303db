"""The schedule: atomic claims of due mailboxes, back-off, the failing state and its notices."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from clearcrm.inbound.importer import RunSummary
from clearcrm.inbound.models import Mailbox
from clearcrm.notifications.models import Notification
from clearcrm.worker import schedule
from clearcrm.worker.schedule import after_check, backoff, claim_due, minutes


def mailbox(**fields) -> Mailbox:
    return Mailbox.objects.create(name=fields.pop("name", "Sales"), host="imap.test", **fields)


def test_backoff_doubles_up_to_an_hour_and_waits_longer_after_a_refused_login():
    ten = minutes(10)
    assert [backoff(ten, n, login_refused=False) for n in (1, 2, 3, 4)] == [
        minutes(20), minutes(40), minutes(60), minutes(60)
    ]  # fmt: skip
    assert backoff(minutes(1), 1, login_refused=True) == minutes(30)
    assert backoff(ten, 3, login_refused=True) == minutes(60)
    # A mailbox checked less often than hourly is never checked more often when failing.
    assert backoff(minutes(120), 1, login_refused=False) == minutes(120)


@pytest.mark.django_db
def test_claim_takes_due_active_mailboxes_once_and_moves_them_on():
    now = timezone.now()
    new = mailbox(name="new")  # never checked: due at once
    due = mailbox(name="due", next_check_at=now - timedelta(seconds=5), check_every=5)
    later = mailbox(name="later", next_check_at=now + timedelta(minutes=1))
    mailbox(name="off", active=False)

    claimed = claim_due(now)
    assert claimed == [(new.pk, now), (due.pk, due.next_check_at)]
    assert claim_due(now) == []
    due.refresh_from_db()
    assert due.next_check_at == now + minutes(5)
    later.refresh_from_db()
    assert later.next_check_at > now


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_never_claim_a_mailbox_twice():
    for i in range(60):
        mailbox(name=f"m{i}")
    results: list[list[tuple[int, object]]] = []
    start = threading.Barrier(4)

    def dispatcher() -> None:
        try:
            start.wait()
            results.append(claim_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [pk for claimed in results for pk, _ in claimed]
    assert sorted(ids) == sorted(Mailbox.objects.values_list("pk", flat=True))


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.org", "x")


def fail(box: Mailbox, started, *, login_refused: bool = False) -> None:
    """What the engine records for a failed run, then the worker's part."""
    Mailbox.objects.filter(pk=box.pk).update(
        consecutive_failures=box.consecutive_failures + 1, last_error="Timed out talking to x."
    )
    box.refresh_from_db()
    after_check(box.pk, RunSummary(box.pk, login_refused=login_refused), started)
    box.refresh_from_db()


@pytest.mark.django_db
def test_five_failures_over_half_an_hour_mark_failing_once_then_recovery_is_told(admin):
    box = mailbox(check_every=1)
    first = timezone.now() - minutes(40)
    for _ in range(4):
        fail(box, first)
    assert not box.failing  # four failures are not enough, however long ago
    assert box.failures_since == first
    assert box.next_check_at - timezone.now() > minutes(15)

    fail(box, timezone.now())
    fail(box, timezone.now())
    assert box.failing
    failing = Notification.objects.filter(recipient=admin, text__contains="is failing")
    assert failing.count() == 1
    assert "Timed out talking to x." in failing.get().text

    Mailbox.objects.filter(pk=box.pk).update(consecutive_failures=0, last_error="")
    after_check(box.pk, RunSummary(box.pk), timezone.now())
    box.refresh_from_db()
    assert not box.failing and box.failures_since is None
    assert Notification.objects.filter(recipient=admin, text__contains="works again").count() == 1
    assert box.next_check_at - timezone.now() <= minutes(1)


@pytest.mark.django_db
def test_failures_within_half_an_hour_do_not_mark_failing(admin):
    box = mailbox(check_every=1)
    for _ in range(8):
        fail(box, timezone.now())
    assert not box.failing
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_refused_login_waits_half_an_hour(admin):
    box = mailbox(check_every=1)
    fail(box, timezone.now(), login_refused=True)
    assert box.next_check_at - timezone.now() > minutes(29)


@pytest.mark.django_db
def test_make_due_brings_a_check_forward():
    box = mailbox(next_check_at=timezone.now() + timedelta(hours=1))
    schedule.make_due([box.pk])
    assert [pk for pk, _ in claim_due()] == [box.pk]
