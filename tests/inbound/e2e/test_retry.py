"""Retrying failed messages against a running import, and when notification email goes out."""

import threading
import time

import pytest
from django.contrib.auth.models import User
from django.db import connection

from clearcrm.inbound import decide, importer
from clearcrm.inbound.importer import import_mailbox, retry
from clearcrm.inbound.models import LedgerEntry, Mailbox, Outcome
from clearcrm.leads.models import Lead, LeadEmail
from tests.support.messages import message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def in_thread(results: dict, name: str, work) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = work()
        finally:
            connection.close()  # each thread has its own database connection

    return threading.Thread(target=run, name=name)


def test_an_admins_retry_and_an_imports_retry_process_the_message_once(failed, monkeypatch):
    # Both retries read the message and meet here, so they claim it at the same moment;
    # a slow decision keeps the first one's transaction open while the second arrives.
    both_read = threading.Barrier(2, timeout=60)
    read = importer.read

    def read_then_meet(recorded, mailbox):
        message = read(recorded, mailbox)
        if recorded.entry.pk == failed.pk:
            both_read.wait()
        return message

    def slow(message):
        time.sleep(0.3)

    monkeypatch.setattr(importer, "read", read_then_meet)
    monkeypatch.setattr(decide, "RULES", [slow, *decide.RULES[1:]])
    results: dict = {}
    threads = [
        in_thread(results, "admin", lambda: retry(LedgerEntry.objects.get(pk=failed.pk))),
        in_thread(results, "import", lambda: import_mailbox(failed.mailbox)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert set(results) == {"admin", "import"}
    assert Lead.objects.count() == 1 and LeadEmail.objects.count() == 1
    failed.refresh_from_db()
    assert failed.outcome == Outcome.LEAD_CREATED and failed.lead is not None
    assert results["admin"] == Outcome.LEAD_CREATED
    assert results["import"].outcomes["retried"] == 1 and results["import"].errors == []


def test_a_retry_of_a_message_retried_meanwhile_does_nothing(failed):
    stale = LedgerEntry.objects.get(pk=failed.pk)  # as an admin's page loaded it
    assert retry(LedgerEntry.objects.get(pk=failed.pk)) == Outcome.LEAD_CREATED
    assert retry(stale) == Outcome.LEAD_CREATED
    assert Lead.objects.count() == 1


def test_notification_email_goes_out_after_the_lease_is_released(
    make_mailbox, put, smtp, monkeypatch
):
    ana = User.objects.create_user("ana", "ana@clearcrm.test")
    mailbox = make_mailbox(responsible=ana)
    leases_while_sending = []
    send = importer.send_outbox

    def send_and_look() -> tuple[int, int]:
        leases_while_sending.append(
            Mailbox.objects.values_list("lease_owner", flat=True).get(pk=mailbox.pk)
        )
        return send()

    monkeypatch.setattr(importer, "send_outbox", send_and_look)
    put(message(sender="Jane Doe <jane@example.org>"))
    import_mailbox(mailbox)
    assert leases_while_sending == [""]
    assert len(smtp.to("ana@clearcrm.test")) == 1
