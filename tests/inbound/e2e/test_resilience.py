"""Real failures: a network cut mid-fetch, and the importer killed with SIGKILL."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from clearcrm.inbound.importer import import_mailbox
from clearcrm.inbound.models import LedgerEntry, Outcome
from clearcrm.leads.models import Lead, LeadEmail
from tests.conftest import clearcrm, clearcrm_env
from tests.support.messages import message
from tests.support.tcpproxy import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_network_cut_in_the_middle_of_a_fetch_loses_nothing(make_mailbox, dovecot, account):
    login, password = account
    raws = [message(subject=f"m{i}", body="x" * 20_000) for i in range(40)]
    dovecot.append_many(login, password, "INBOX", raws)
    with TcpProxy("127.0.0.1", dovecot.ssl_port) as proxy:
        mailbox = make_mailbox(port=proxy.port, only_unseen=False)
        proxy.cut_after(300_000)  # about a third of the way through the bodies
        first = import_mailbox(mailbox)
        assert first.errors, "the cut should have been noticed"
        mailbox.refresh_from_db()
        assert mailbox.last_error and mailbox.consecutive_failures == 1
        done_first = Lead.objects.count()
        assert done_first < 40

        second = import_mailbox(mailbox)

    assert not second.errors, second.errors
    assert Lead.objects.count() == 40
    assert LedgerEntry.objects.count() == 40
    assert not LedgerEntry.objects.exclude(outcome=Outcome.LEAD_CREATED).exists()
    assert len(set(LeadEmail.objects.values_list("subject", flat=True))) == 40


@pytest.mark.slow
def test_importer_killed_at_random_moments_loses_and_duplicates_nothing(dovecot, account, tmp_path):
    """500 messages, `clearcrm mailbox check` SIGKILLed four times, then a full run."""
    login, password = account
    count = 500
    dovecot.append_many(
        login,
        password,
        "INBOX",
        [message(subject=f"crash {i}", sender=f"p{i}@example.org") for i in range(count)],
    )
    env = {"IMAP_PASSWORD": password, "SSL_CERT_FILE": str(dovecot.cert_path)}
    clearcrm(tmp_path, "migrate", "-v0")
    mailbox_id = clearcrm(
        tmp_path, "mailbox", "add", "--name", "Crash", "--host", "localhost",
        "--port", str(dovecot.ssl_port), "--encryption", "ssl", "--login", login,
        "--password-env", "IMAP_PASSWORD", "--only-unseen", **env,
    ).stdout.strip()  # fmt: skip

    rng = random.Random(20261128)
    kills = 0
    while kills < 4:
        proc = subprocess.Popen(
            [sys.executable, "-m", "clearcrm", "mailbox", "check", mailbox_id],
            env=clearcrm_env(tmp_path, **env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.6, 1.6))
        if proc.poll() is not None:
            break  # it finished before we could kill it: nothing left to interrupt
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    print(f"killed the importer {kills} times")

    final = clearcrm(tmp_path, "mailbox", "check", mailbox_id, "--json", **env)
    summary = json.loads(final.stdout)
    assert summary["errors"] == []

    db = sqlite3.connect(tmp_path / "clearcrm.sqlite3")
    rows = db.execute("SELECT uid, outcome FROM inbound_ledgerentry").fetchall()
    assert len(rows) == count, "every message has exactly one ledger entry"
    assert len({uid for uid, _ in rows}) == count
    assert {outcome for _, outcome in rows} == {"lead_created"}
    leads = json.loads(clearcrm(tmp_path, "leads", "list", "--json").stdout)
    assert len(leads) == count
    assert len({lead["email"] for lead in leads}) == count
    assert kills >= 1, "the importer was never interrupted: make the folder bigger"
