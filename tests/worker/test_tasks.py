"""The check task: the engine once, then the schedule; a busy mailbox is retried."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clearcrm.inbound.lease import acquire_lease
from clearcrm.inbound.models import LedgerEntry, Mailbox
from clearcrm.worker.schedule import minutes
from clearcrm.worker.tasks import check
from tests.support.messages import message

pytestmark = pytest.mark.django_db


def test_check_imports_and_schedules_the_next_check(make_mailbox, put):
    mailbox = make_mailbox(check_every=7)
    put(message(sender="ann@example.org"))
    summary = check(mailbox.pk)
    assert summary.outcomes["lead_created"] == 1
    mailbox.refresh_from_db()
    assert mailbox.next_check_at - timezone.now() > minutes(6)


def test_a_poll_with_nothing_new_costs_one_login_select_and_search(make_mailbox, put, caplog):
    mailbox = make_mailbox()
    put(message())
    check(mailbox.pk)
    entries = LedgerEntry.objects.count()
    caplog.set_level(logging.DEBUG, logger="imapclient")
    with CaptureQueriesContext(connection) as queries:
        summary = check(mailbox.pk)
    assert summary.seen == 0
    sent = [r.getMessage() for r in caplog.records if r.name.startswith("imapclient")]
    commands = [m.group(1) for s in sent if (m := re.match(r"> b'\w+ (UID \w+|\w+)", s))]
    # (imapclient asks for CAPABILITY once after SELECT: one round trip, no per-message work.)
    assert [c for c in commands if c != "CAPABILITY"] == ["LOGIN", "SELECT", "UID SEARCH", "LOGOUT"]
    ledger_writes = [
        q["sql"] for q in queries.captured_queries
        if "inbound_ledgerentry" in q["sql"] and not q["sql"].startswith("SELECT")
    ]  # fmt: skip
    assert ledger_writes == []
    assert LedgerEntry.objects.count() == entries


def test_a_busy_mailbox_is_left_to_the_run_that_holds_it(make_mailbox):
    mailbox = make_mailbox()
    assert acquire_lease(mailbox, "another:1:run")
    summary = check(mailbox.pk)
    assert summary.busy
    mailbox.refresh_from_db()
    assert mailbox.next_check_at is None and mailbox.consecutive_failures == 0


def test_an_inactive_or_deleted_mailbox_is_not_checked(make_mailbox):
    mailbox = make_mailbox(active=False)
    assert check(mailbox.pk) is None
    assert check(mailbox.pk + 1000) is None
    assert not Mailbox.objects.get(pk=mailbox.pk).runs.exists()


def test_a_scheduled_check_queued_twice_runs_once(make_mailbox):
    mailbox = make_mailbox()
    due = timezone.now().timestamp()
    assert check(mailbox.pk, due) is not None
    assert check(mailbox.pk, due) is None  # the second copy: a run ended after it was due
    assert Mailbox.objects.get(pk=mailbox.pk).runs.count() == 1
